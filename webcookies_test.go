package krag_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/kragtest"
)

// cookieShape reduces Set-Cookie lines to what must match between the API and the pages: name,
// whether a value is set, and the attributes (values differ: every session has its token).
func cookieShape(lines []string) []string {
	var out []string
	for _, l := range lines {
		parts := strings.Split(l, "; ")
		name, value, _ := strings.Cut(parts[0], "=")
		shape := name
		if value != "" {
			shape += "=<value>"
		}
		out = append(out, strings.Join(append([]string{shape}, parts[1:]...), "; "))
	}
	slices.Sort(out)
	return out
}

// apiSignIn signs in through POST /sign-in/email and returns its Set-Cookie lines.
func apiSignIn(t *testing.T, srv *kragtest.Server, email string, remember bool) []string {
	t.Helper()
	body := `{"email":"` + email + `","password":"` + testPassword + `","rememberMe":` + map[bool]string{true: "true", false: "false"}[remember] + `}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/auth/sign-in/email", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", srv.URL)
	res, err := srv.HTTP.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("POST /sign-in/email = %d", res.StatusCode)
	}
	return res.Header.Values("Set-Cookie")
}

// goSignIn signs in through the Go API and SetSessionCookies and returns its Set-Cookie lines.
func goSignIn(t *testing.T, srv *kragtest.Server, email string, remember bool) ([]string, *krag.SessionData) {
	t.Helper()
	res, err := srv.Auth.SignInEmail(t.Context(), krag.SignInInput{Email: email, Password: testPassword, DontRemember: !remember})
	if err != nil {
		t.Fatalf("SignInEmail = %v", err)
	}
	rec := newRecorder()
	srv.Auth.SetSessionCookies(rec, httptestRequest(srv), res.Session, !remember)
	return rec.header.Values("Set-Cookie"), res.Session
}

func TestSetSessionCookiesMatchesSignIn(t *testing.T) {
	for _, cache := range []bool{false, true} {
		for _, remember := range []bool{true, false} {
			name := map[bool]string{true: "remember", false: "dont_remember"}[remember] + map[bool]string{true: "_cache", false: ""}[cache]
			t.Run(name, func(t *testing.T) {
				opts := krag.Options{}
				opts.Session.CookieCache.Enabled = cache
				srv := kragtest.New(t, opts)
				signUp(t, srv, "web@example.com")
				api := cookieShape(apiSignIn(t, srv, "web@example.com", remember))
				lines, sd := goSignIn(t, srv, "web@example.com", remember)
				if got := cookieShape(lines); !slices.Equal(got, api) {
					t.Errorf("SetSessionCookies set\n%s\nwant what sign-in sets\n%s", strings.Join(got, "\n"), strings.Join(api, "\n"))
				}
				// The API reads the cookies the Go side set.
				req := httptestRequest(srv)
				for _, l := range lines {
					nv, _, _ := strings.Cut(l, ";")
					req.Header.Add("Cookie", nv)
				}
				got, err := srv.Auth.GetSession(t.Context(), req)
				if err != nil || got == nil || got.Session.ID != sd.Session.ID {
					t.Errorf("GetSession(cookies of SetSessionCookies) = %v, %v, want session %s", got, err, sd.Session.ID)
				}
			})
		}
	}
}

func TestSetSessionCookiesExpiresStaleDontRemember(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	signUp(t, srv, "stale@example.com")
	res, err := srv.Auth.SignInEmail(t.Context(), krag.SignInInput{Email: "stale@example.com", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	req := httptestRequest(srv)
	req.Header.Set("Cookie", "better-auth.dont_remember=x")
	rec := newRecorder()
	srv.Auth.SetSessionCookies(rec, req, res.Session, false)
	if !slices.ContainsFunc(rec.header.Values("Set-Cookie"), func(l string) bool {
		return strings.HasPrefix(l, "better-auth.dont_remember=;") && strings.Contains(l, "Max-Age=0")
	}) {
		t.Errorf("SetSessionCookies(remember, old dont_remember cookie) = %q, want it expired", rec.header.Values("Set-Cookie"))
	}
}

func TestClearSessionCookies(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	rec := newRecorder()
	srv.Auth.ClearSessionCookies(rec, httptestRequest(srv))
	var names []string
	for _, l := range rec.header.Values("Set-Cookie") {
		if !strings.Contains(l, "Max-Age=0") {
			t.Errorf("ClearSessionCookies set %q, want an expired cookie", l)
		}
		name, _, _ := strings.Cut(l, "=")
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{"better-auth.dont_remember", "better-auth.session_data", "better-auth.session_token"}
	if !slices.Equal(names, want) {
		t.Errorf("ClearSessionCookies expired %v, want %v", names, want)
	}
}

// TestLoadSessionIgnoresCookieCache: a revoked session is still answered from the cookie cache
// by GetSession until the cache expires (as in Better Auth), but never by LoadSession.
func TestLoadSessionIgnoresCookieCache(t *testing.T) {
	opts := krag.Options{}
	opts.Session.CookieCache.Enabled = true
	srv := kragtest.New(t, opts)
	signUp(t, srv, "load@example.com")
	lines, sd := goSignIn(t, srv, "load@example.com", true)
	req := httptestRequest(srv)
	for _, l := range lines {
		nv, _, _ := strings.Cut(l, ";")
		req.Header.Add("Cookie", nv)
	}
	rec := newRecorder()
	got, err := srv.Auth.LoadSession(rec, req)
	if err != nil || got == nil || got.Session.ID != sd.Session.ID {
		t.Fatalf("LoadSession = %v, %v, want session %s", got, err, sd.Session.ID)
	}
	if err := srv.Auth.RevokeSessions(t.Context(), sd.User.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := srv.Auth.GetSession(t.Context(), req); got == nil {
		t.Fatal("GetSession after revocation = nil; the test expects the cookie cache to answer")
	}
	rec = newRecorder()
	got, err = srv.Auth.LoadSession(rec, req)
	if err != nil || got != nil {
		t.Errorf("LoadSession(revoked) = %v, %v, want nil", got, err)
	}
	if n := len(rec.header.Values("Set-Cookie")); n != 3 {
		t.Errorf("LoadSession(revoked) set %d cookies, want the 3 session cookies expired", n)
	}
}

func TestLoadSessionSlidesExpiry(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	signUp(t, srv, "slide@example.com")
	_, sd := goSignIn(t, srv, "slide@example.com", true)
	srv.Clock.Advance(25 * time.Hour) // past the default UpdateAge of a day
	rec := newRecorder()
	got, err := srv.Auth.LoadSession(rec, requestWithToken(srv, sd.Session.Token))
	if err != nil || got == nil {
		t.Fatalf("LoadSession = %v, %v", got, err)
	}
	if !got.Session.ExpiresAt.After(sd.Session.ExpiresAt) {
		t.Errorf("LoadSession expiry = %v, want later than %v", got.Session.ExpiresAt, sd.Session.ExpiresAt)
	}
	if !slices.ContainsFunc(rec.header.Values("Set-Cookie"), func(l string) bool { return strings.HasPrefix(l, "better-auth.session_token=") }) {
		t.Errorf("LoadSession set %q, want a refreshed session_token", rec.header.Values("Set-Cookie"))
	}
}

func TestRefreshSessionCookiesKeepsToken(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	signUp(t, srv, "refresh@example.com")
	_, sd := goSignIn(t, srv, "refresh@example.com", true)
	rec := newRecorder()
	srv.Auth.RefreshSessionCookies(rec, requestWithToken(srv, sd.Session.Token), sd)
	want := "better-auth.session_token=" + srv.Auth.SignedCookieValue(sd.Session.Token) + ";"
	if !slices.ContainsFunc(rec.header.Values("Set-Cookie"), func(l string) bool { return strings.HasPrefix(l, want) }) {
		t.Errorf("RefreshSessionCookies set %q, want the same token", rec.header.Values("Set-Cookie"))
	}
}

func TestContextWithSession(t *testing.T) {
	sd := &krag.SessionData{User: &krag.User{ID: "u1"}, Session: &krag.Session{ID: "s1"}}
	ctx := krag.ContextWithSession(t.Context(), sd)
	if got := krag.SessionFromContext(ctx); got != sd {
		t.Errorf("SessionFromContext(ContextWithSession(sd)) = %v, want sd", got)
	}
	if got := krag.SessionFromContext(t.Context()); got != nil {
		t.Errorf("SessionFromContext(plain) = %v, want nil", got)
	}
}

func TestFreshSession(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	signUp(t, srv, "fresh@example.com")
	_, sd := goSignIn(t, srv, "fresh@example.com", true)
	if !srv.Auth.FreshSession(sd.Session) {
		t.Error("FreshSession(new session) = false")
	}
	srv.Clock.Advance(25 * time.Hour)
	if srv.Auth.FreshSession(sd.Session) {
		t.Error("FreshSession(a day old) = true, want false")
	}
}

// TestRateLimitSharesTheAPICounter: a page's attempts and the endpoint's requests count
// together, so the pages are no way around the API's limit.
func TestRateLimitSharesTheAPICounter(t *testing.T) {
	opts := krag.Options{}
	opts.RateLimit.Enabled = true
	srv := kragtest.New(t, opts)
	req := httptestRequest(srv)
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	for i := range 3 { // sign-in allows 3 per 10 s
		if wait := srv.Auth.RateLimit(req, "/sign-in/email"); wait != 0 {
			t.Fatalf("RateLimit #%d = %v, want 0", i+1, wait)
		}
	}
	if wait := srv.Auth.RateLimit(req, "/sign-in/email"); wait <= 0 || wait > 10*time.Second {
		t.Errorf("RateLimit #4 = %v, want a wait of at most 10s", wait)
	}
	api, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/auth/sign-in/email", strings.NewReader(`{}`))
	api.Header.Set("Content-Type", "application/json")
	api.Header.Set("X-Forwarded-For", "203.0.113.7")
	res, err := srv.HTTP.Client().Do(api)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("POST /sign-in/email after the page's attempts = %d, want 429", res.StatusCode)
	}
	other := httptestRequest(srv)
	other.Header.Set("X-Forwarded-For", "203.0.113.8")
	if wait := srv.Auth.RateLimit(other, "/sign-in/email"); wait != 0 {
		t.Errorf("RateLimit(another client) = %v, want 0", wait)
	}
	srv.Clock.Advance(11 * time.Second)
	if wait := srv.Auth.RateLimit(req, "/sign-in/email"); wait != 0 {
		t.Errorf("RateLimit after the window = %v, want 0", wait)
	}
}

func TestClientIP(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	req := httptestRequest(srv)
	req.Header.Set("X-Forwarded-For", "198.51.100.4")
	if got := srv.Auth.ClientIP(req); got != "198.51.100.4" {
		t.Errorf("ClientIP = %q, want 198.51.100.4", got)
	}
}
