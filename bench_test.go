package krag_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/kragtest"
)

// discard is a ResponseWriter that keeps nothing, so benchmarks measure Krag, not a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// sessionCookies signs a user up and returns the Cookie header a browser would send.
func sessionCookies(b *testing.B, srv *kragtest.Server) string {
	b.Helper()
	c := srv.Client(b)
	if _, err := c.SignUpEmail(b.Context(), client.SignUp{Name: "Bench", Email: "bench@example.com", Password: testPassword}); err != nil {
		b.Fatal(err)
	}
	var parts []string
	for _, ck := range c.Jar().Cookies(mustURL(srv.URL)) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return strings.Join(parts, "; ")
}

// BenchmarkGetSession measures GET /get-session through Auth.ServeHTTP: from the database and
// from the cookie cache.
func BenchmarkGetSession(b *testing.B) {
	for _, mode := range []string{"database", "cookie_cache"} {
		b.Run(mode, func(b *testing.B) {
			opts := krag.Options{}
			opts.RateLimit.Disabled = true
			opts.Session.CookieCache.Enabled = mode == "cookie_cache"
			srv := kragtest.New(b, opts)
			cookies := sessionCookies(b, srv)
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/auth/get-session", nil)
			req.Header.Set("Cookie", cookies)
			w := &discard{h: http.Header{}}
			srv.Auth.ServeHTTP(w, req)
			if !strings.Contains(strings.Join(w.h.Values("Content-Type"), ""), "json") {
				b.Fatal("get-session did not answer JSON")
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				clear(w.h)
				srv.Auth.ServeHTTP(w, req)
			}
		})
	}
}

// BenchmarkGetSessionParallel is BenchmarkGetSession with concurrent callers.
func BenchmarkGetSessionParallel(b *testing.B) {
	opts := krag.Options{}
	opts.RateLimit.Disabled = true
	srv := kragtest.New(b, opts)
	cookies := sessionCookies(b, srv)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/auth/get-session", nil)
		req.Header.Set("Cookie", cookies)
		w := &discard{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			srv.Auth.ServeHTTP(w, req)
		}
	})
}

// BenchmarkSignIn measures POST /sign-in/email, which is bound by the scrypt hash.
func BenchmarkSignIn(b *testing.B) {
	opts := krag.Options{}
	opts.RateLimit.Disabled = true
	srv := kragtest.New(b, opts)
	sessionCookies(b, srv)
	body := `{"email":"bench@example.com","password":"` + testPassword + `"}`
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/auth/sign-in/email", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		clear(w.h)
		srv.Auth.ServeHTTP(w, req)
	}
}
