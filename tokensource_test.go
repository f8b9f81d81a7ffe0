package krag_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/kragtest"
)

// headerPlugin reads session tokens from X-Test-Token and copies the session cookie a response
// sets into X-Set-Token: the two root mechanisms plugin/bearer is built on.
type headerPlugin struct{}

func (headerPlugin) ID() string { return "header-token" }

func (headerPlugin) Init(s *krag.Setup) error {
	s.TokenSource(func(r *http.Request) (string, bool) {
		v := r.Header.Get("X-Test-Token")
		return v, v != ""
	})
	s.AfterEvery(func(r *krag.Request) error {
		if v, ok := r.ResponseSessionToken(); ok {
			r.Header().Set("X-Set-Token", v)
		}
		return nil
	})
	return nil
}

func signUpToken(t *testing.T, srv *kragtest.Server, email string) string {
	t.Helper()
	res, err := srv.Auth.SignUpEmail(t.Context(), krag.SignUpInput{Name: "N", Email: email, Password: testPassword})
	if err != nil {
		t.Fatalf("SignUpEmail(%q) = %v", email, err)
	}
	return res.Token()
}

// getSessionEmail calls get-session with the given headers and returns the session's email,
// "" for null.
func getSessionEmail(t *testing.T, srv *kragtest.Server, h http.Header) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/api/auth/get-session", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("get-session = %d %s", resp.StatusCode, body)
	}
	var out *struct {
		User struct{ Email string } `json:"user"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("get-session body %s: %v", body, err)
	}
	if out == nil {
		return ""
	}
	return out.User.Email
}

func TestTokenSource(t *testing.T) {
	srv := kragtest.New(t, krag.Options{Plugins: []krag.Plugin{headerPlugin{}}})
	ada := signUpToken(t, srv, "ada@example.com")
	bob := signUpToken(t, srv, "bob@example.com")
	adaSigned := srv.Auth.SignedCookieValue(ada)
	bobCookie := "better-auth.session_token=" + srv.Auth.SignedCookieValue(bob)
	decoded, _ := url.PathUnescape(adaSigned)
	// Change the signature's first character (its last ones hold padding bits a decoder may
	// ignore, and may already be the replacement).
	dot := strings.LastIndexByte(decoded, '.')
	swap := byte('A')
	if decoded[dot+1] == 'A' {
		swap = 'B'
	}
	tampered := decoded[:dot+1] + string(swap) + decoded[dot+2:]

	tests := []struct {
		name   string
		header http.Header
		want   string
	}{
		{"source_signed", http.Header{"X-Test-Token": {adaSigned}}, "ada@example.com"},
		{"source_decoded", http.Header{"X-Test-Token": {decoded}}, "ada@example.com"},
		{"source_wins_over_cookie", http.Header{"X-Test-Token": {adaSigned}, "Cookie": {bobCookie}}, "ada@example.com"},
		{"bad_signature_falls_back_to_cookie", http.Header{"X-Test-Token": {tampered}, "Cookie": {bobCookie}}, "bob@example.com"},
		{"bad_signature_alone", http.Header{"X-Test-Token": {tampered}}, ""},
		{"raw_token_is_not_signed", http.Header{"X-Test-Token": {ada}}, ""},
		{"cookie_alone", http.Header{"Cookie": {bobCookie}}, "bob@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := getSessionEmail(t, srv, tt.header); got != tt.want {
				t.Errorf("get-session email = %q, want %q", got, tt.want)
			}
		})
	}

	t.Run("go_api_and_middleware", func(t *testing.T) {
		hr := httptestRequest(srv)
		hr.Header.Set("X-Test-Token", adaSigned)
		sd, err := srv.Auth.GetSession(t.Context(), hr)
		if err != nil || sd == nil || sd.User.Email != "ada@example.com" {
			t.Fatalf("GetSession = %v, %v; want ada", sd, err)
		}
		rec := newRecorder()
		var seen string
		srv.Auth.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen = krag.SessionFromContext(r.Context()).User.Email
		})).ServeHTTP(rec, hr)
		if rec.code != 200 || seen != "ada@example.com" {
			t.Errorf("RequireSession = %d, user %q; want 200 ada", rec.code, seen)
		}
		if tok, _, ok := srv.Auth.SessionCookie(hr); !ok || tok != ada {
			t.Errorf("SessionCookie = %q, %v; want the source's token", tok, ok)
		}
	})

	t.Run("after_every", func(t *testing.T) {
		body := strings.NewReader(`{"email":"ada@example.com","password":"` + testPassword + `"}`)
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/api/auth/sign-in/email", body)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", srv.URL)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := resp.Header.Get("X-Set-Token")
		if resp.StatusCode != 200 || strings.Contains(got, "%") || getSessionEmail(t, srv, http.Header{"X-Test-Token": {got}}) != "ada@example.com" {
			t.Fatalf("sign-in = %d, X-Set-Token %q; want the decoded signed session token", resp.StatusCode, got)
		}

		req, _ = http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/api/auth/sign-out", strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", srv.URL)
		req.Header.Set("X-Test-Token", got)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("X-Set-Token") != "" {
			t.Errorf("sign-out = %d, X-Set-Token %q; want 200 and none (the cookie is expired)", resp.StatusCode, resp.Header.Get("X-Set-Token"))
		}
		if getSessionEmail(t, srv, http.Header{"X-Test-Token": {got}}) != "" {
			t.Errorf("session still valid after sign-out through the source")
		}
	})
}
