package deviceauth_test

import (
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/plugin/bearer"
	"github.com/kragauth/krag/plugin/deviceauth"
)

// TestGoOAuth2DeviceFlow: golang.org/x/oauth2's RFC 8628 client (form bodies, its own
// polling) signs in against Krag; the access token is a session get-session accepts. The
// server runs on the real clock so that the client's real waits count.
func TestGoOAuth2DeviceFlow(t *testing.T) {
	p := deviceauth.New(deviceauth.Options{Interval: time.Second})
	srv := kragtest.New(t, krag.Options{Plugins: []krag.Plugin{p, bearer.New(bearer.Options{})}, Now: time.Now})
	res, err := srv.Auth.SignUpEmail(t.Context(), krag.SignUpInput{Name: "Ada", Email: "ada@example.com", Password: "password-123"})
	if err != nil {
		t.Fatal(err)
	}
	conf := &oauth2.Config{ClientID: "go-cli", Endpoint: oauth2.Endpoint{
		DeviceAuthURL: srv.URL + "/api/auth/device/code",
		TokenURL:      srv.URL + "/api/auth/device/token",
		AuthStyle:     oauth2.AuthStyleInParams,
	}}
	da, err := conf.DeviceAuth(t.Context())
	if err != nil {
		t.Fatalf("DeviceAuth: %v", err)
	}
	if da.UserCode == "" || da.VerificationURI == "" || da.Interval != 1 {
		t.Fatalf("device authorization = %+v", da)
	}
	if _, err := p.Lookup(t.Context(), da.UserCode, res.User.ID); err != nil {
		t.Fatal(err)
	}
	if err := p.Approve(t.Context(), res.User.ID, da.UserCode); err != nil {
		t.Fatal(err)
	}
	tok, err := conf.DeviceAccessToken(t.Context(), da)
	if err != nil {
		t.Fatalf("DeviceAccessToken: %v", err)
	}
	if tok.TokenType != "Bearer" || tok.Expiry.IsZero() {
		t.Errorf("token = %+v", tok)
	}
	if got := kragtest.BearerEmail(t, srv.URL, tok.AccessToken); got != "ada@example.com" {
		t.Fatalf("get-session with the device's access token = %q", got)
	}
}
