package krag

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kragauth/krag/store/sqlite"
)

// newTestAuth builds an Auth on a temporary SQLite database for internal tests.
func newTestAuth(t testing.TB, o Options) *Auth {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if o.Secret == "" {
		o.Secret = "internal-test-secret-0123456789abcdefghij"
	}
	if o.BaseURL == "" {
		o.BaseURL = "https://app.example.com"
	}
	o.Database = db
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// FuzzCacheCookie checks that no cookie value makes the cache decoder panic or accept a cookie
// it did not sign.
func FuzzCacheCookie(f *testing.F) {
	var o Options
	o.Session.CookieCache.Enabled = true
	o.Session.CookieCache.Strategy = CookieCacheCompact
	o.Now = func() time.Time { return time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC) }
	a := newTestAuth(f, o)
	now := o.Now()
	sd := &SessionData{
		Session: &Session{ID: "s1", Token: "TokenTokenTokenTokenTokenToken12", UserID: "u1", ExpiresAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now},
		User:    &User{ID: "u1", Name: "Ada", Email: "ada@example.com", CreatedAt: now, UpdatedAt: now},
	}
	good := a.encodeCache(sd, now, now.Add(time.Minute).UnixMilli())
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add("")
	f.Add("eyJ9")
	f.Add(strings.Repeat("A", 100))
	f.Fuzz(func(t *testing.T, v string) {
		c, ok := a.cachedFor(v, sd.Session.Token)
		if !ok {
			return
		}
		// Only a value carrying the signed content can pass: the same session and user.
		if c.data.Session.ID != sd.Session.ID || c.data.User.Email != sd.User.Email || string(c.body) != string(a.appendSessionData(nil, sd)) {
			t.Fatalf("accepted a cache cookie %q with other content: %s", v, c.body)
		}
	})
}

// FuzzValidRedirect checks that every accepted redirect target stays on a trusted origin.
func FuzzValidRedirect(f *testing.F) {
	a := newTestAuth(f, Options{TrustedOrigins: []string{"https://*.example.org", "myapp://"}})
	for _, s := range []string{"/dashboard", "//evil.com", "/\\evil.com", "https://app.example.com/x", "https://a.example.org",
		"https://evil.com", "javascript:alert(1)", "/%2F%2Fevil.com", "myapp://auth/callback", "/ok?x=1#f", "http://app.example.com"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://app.example.com/")
	f.Fuzz(func(t *testing.T, target string) {
		if !a.ValidRedirect(target) {
			return
		}
		u, err := base.Parse(target)
		if err != nil {
			t.Fatalf("ValidRedirect(%q) accepted an unparsable URL", target)
		}
		host := strings.ToLower(u.Host)
		switch {
		case u.Scheme == "myapp":
		case u.Scheme == "https" && host == "app.example.com":
		case u.Scheme == "https" && strings.HasSuffix(strings.ToLower(u.Hostname()), ".example.org") && !strings.ContainsAny(u.Hostname(), "/\\@"):
		default:
			t.Fatalf("ValidRedirect(%q) = true, but it resolves to %s", target, u)
		}
	})
}
