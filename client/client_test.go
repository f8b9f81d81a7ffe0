package client_test

import (
	"errors"
	"testing"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/plugin/bearer"
	"github.com/kragauth/krag/plugin/deviceauth"
)

// TestBearerClient: with NoCookies the client keeps no session of its own; WithBearer
// authenticates a call; an RFC 6749 error answer becomes an *Error with its code.
func TestBearerClient(t *testing.T) {
	srv := kragtest.New(t, krag.Options{Plugins: []krag.Plugin{bearer.New(bearer.Options{}), deviceauth.New(deviceauth.Options{})}})
	c, err := client.New(srv.URL, client.Options{HTTPClient: srv.HTTP.Client(), NoCookies: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Jar() != nil {
		t.Fatal("NoCookies client has a cookie jar")
	}
	res, err := c.Do(t.Context(), "POST", "/sign-up/email", map[string]string{"name": "N", "email": "n@example.com", "password": "password-123"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok := res.Header.Get("set-auth-token")
	var sd *struct{ User struct{ Email string } }
	if _, err := c.Do(t.Context(), "GET", "/get-session", nil, &sd); err != nil || sd != nil {
		t.Fatalf("get-session without a token = %+v %v, want null (no cookie kept)", sd, err)
	}
	if _, err := c.Do(t.Context(), "GET", "/get-session", nil, &sd, client.WithBearer(tok)); err != nil || sd == nil || sd.User.Email != "n@example.com" {
		t.Fatalf("get-session with the bearer token = %+v %v", sd, err)
	}
	_, err = c.Do(t.Context(), "POST", "/device/token", map[string]string{
		"grant_type": deviceauth.GrantType, "device_code": "nope", "client_id": "x"}, nil)
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 400 || e.Code != "invalid_grant" || e.Message == "" {
		t.Fatalf("RFC error answer = %v, want 400 invalid_grant with its description", err)
	}
}
