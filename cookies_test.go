package krag_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/kragtest"
)

// signUpRaw posts a sign-up and returns the response.
func signUpRaw(t *testing.T, srv *kragtest.Server, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/auth/sign-up/email", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := srv.HTTP.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func TestCookieAttributes(t *testing.T) {
	tests := []struct {
		name  string
		opts  func(*krag.Options)
		token string // expected Set-Cookie of the session token, without its value
	}{
		{
			name:  "http",
			opts:  func(*krag.Options) {},
			token: "better-auth.session_token=; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax",
		},
		{
			name:  "https_base_url",
			opts:  func(o *krag.Options) { o.BaseURL = "https://app.example.com" },
			token: "__Secure-better-auth.session_token=; Max-Age=604800; Path=/; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name:  "use_secure_cookies",
			opts:  func(o *krag.Options) { o.Advanced.UseSecureCookies = true },
			token: "__Secure-better-auth.session_token=; Max-Age=604800; Path=/; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name: "prefix_and_subdomains",
			opts: func(o *krag.Options) {
				o.BaseURL = "https://app.example.com"
				o.Advanced.CookiePrefix = "myapp"
				o.Advanced.CrossSubDomainCookies.Enabled = true
				o.Advanced.CrossSubDomainCookies.Domain = "example.com"
			},
			token: "__Secure-myapp.session_token=; Max-Age=604800; Domain=example.com; Path=/; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name:  "expires_in",
			opts:  func(o *krag.Options) { o.Session.ExpiresIn = 2 * time.Hour; o.Session.UpdateAge = time.Hour },
			token: "better-auth.session_token=; Max-Age=7200; Path=/; HttpOnly; SameSite=Lax",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o krag.Options
			tt.opts(&o)
			srv := kragtest.New(t, o)
			// The server listens on http whatever BaseURL says: its cookies are checked as sent.
			res := signUpRaw(t, srv, `{"name":"C","email":"c@example.com","password":"password123"}`)
			if res.StatusCode != 200 {
				t.Fatalf("sign-up = %d", res.StatusCode)
			}
			name, _, _ := strings.Cut(tt.token, "=")
			line := setCookie(res.Header, name)
			value, rest, _ := strings.Cut(line, ";")
			if got := name + "=;" + rest; got != tt.token {
				t.Errorf("Set-Cookie = %q, want %q", got, tt.token)
			}
			if v := strings.TrimPrefix(value, name+"="); len(v) < 32+1+44 || !strings.Contains(v, ".") {
				t.Errorf("cookie value %q: want token.signature", v)
			}
		})
	}
}

func TestDontRememberCookies(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	res := signUpRaw(t, srv, `{"name":"D","email":"d@example.com","password":"password123","rememberMe":false}`)
	tok := setCookie(res.Header, "better-auth.session_token")
	if strings.Contains(tok, "Max-Age") {
		t.Errorf("rememberMe:false session cookie %q has a Max-Age", tok)
	}
	dr := setCookie(res.Header, "better-auth.dont_remember")
	if !strings.HasPrefix(dr, "better-auth.dont_remember=true.") || strings.Contains(dr, "Max-Age") {
		t.Errorf("dont_remember cookie = %q, want a signed true without Max-Age", dr)
	}
}

func TestSignOutExpiresCookies(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	c := signUp(t, srv, "out@example.com")
	before, _ := c.GetSession(t.Context(), client.GetSessionOptions{})
	res, err := c.Do(t.Context(), http.MethodPost, "/sign-out", map[string]any{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Body) != `{"success":true}` {
		t.Errorf("sign-out body = %s", res.Body)
	}
	for _, want := range []string{
		"better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
		"better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
		"better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
	} {
		name, _, _ := strings.Cut(want, "=")
		if got := setCookie(res.Header, name); got != want {
			t.Errorf("sign-out Set-Cookie %s = %q, want %q", name, got, want)
		}
	}
	if sd, _ := srv.Auth.GetSession(t.Context(), requestWithToken(srv, before.Session.Token)); sd != nil {
		t.Error("session row survived sign-out")
	}
}

// TestReferenceCacheCookieIsSmallAndAnonymous: the default cache cookie is a 22-character key
// with nothing of the user in it, and an unknown key (another instance, a restart) falls back
// to the database and gets a fresh key.
func TestReferenceCacheCookieIsSmallAndAnonymous(t *testing.T) {
	opts := krag.Options{}
	opts.Session.CookieCache.Enabled = true
	srv := kragtest.New(t, opts)
	res := signUpRaw(t, srv, `{"name":"Ref","email":"ref@example.com","password":"password123"}`)
	line := setCookie(res.Header, "better-auth.session_data")
	v, _, _ := strings.Cut(strings.TrimPrefix(line, "better-auth.session_data="), ";")
	if len(v) != 22 || strings.Contains(line, "ref@example.com") {
		t.Errorf("reference cache cookie = %q, want a 22-character key", line)
	}
	// A second Auth on the same database does not know the key: it answers from the database.
	second, err := krag.New(krag.Options{BaseURL: srv.URL, Secret: kragtest.Secret, Database: srv.DB,
		Session: krag.SessionOptions{CookieCache: krag.CookieCacheOptions{Enabled: true}}})
	if err != nil {
		t.Fatal(err)
	}
	tok := setCookie(res.Header, "better-auth.session_token")
	tok, _, _ = strings.Cut(tok, ";")
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/auth/get-session", nil)
	req.Header.Set("Cookie", tok+"; better-auth.session_data="+v)
	rec := newRecorder()
	second.ServeHTTP(rec, req)
	if rec.code != 200 || !strings.Contains(rec.body.String(), `"email":"ref@example.com"`) {
		t.Fatalf("get-session on another instance = %d %s", rec.code, rec.body.String())
	}
	if l := setCookie(rec.header, "better-auth.session_data"); l == "" || strings.Contains(l, v) {
		t.Errorf("another instance did not issue its own cache key: %q", l)
	}
}
