package electron_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/plugin/electron"
)

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkGetSessionHook measures what the plugin's after-hook adds to the hottest route:
// GET /get-session answered from the cookie cache, without and with the plugin.
func BenchmarkGetSessionHook(b *testing.B) {
	for _, with := range []bool{false, true} {
		name := "without"
		if with {
			name = "with_electron"
		}
		b.Run(name, func(b *testing.B) {
			opts := krag.Options{}
			if with {
				opts.Plugins = []krag.Plugin{electron.New(electron.Options{})}
			}
			opts.RateLimit.Disabled = true
			opts.Session.CookieCache.Enabled = true
			srv := kragtest.New(b, opts)
			c := srv.Client(b)
			if _, err := c.SignUpEmail(b.Context(), client.SignUp{Name: "B", Email: "b@example.com", Password: password}); err != nil {
				b.Fatal(err)
			}
			u, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/auth/get-session", nil)
			var parts []string
			for _, ck := range c.Jar().Cookies(u.URL) {
				parts = append(parts, ck.Name+"="+ck.Value)
			}
			u.Header.Set("Cookie", strings.Join(parts, "; "))
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				srv.Auth.ServeHTTP(w, u)
			}
		})
	}
}

// BenchmarkIssueExchange measures a desktop sign-in's server work after the browser is
// signed in: Issue (the page's Continue) and Exchange (POST /electron/token's core), each a
// verification row written and consumed plus a session created.
func BenchmarkIssueExchange(b *testing.B) {
	p := electron.New(electron.Options{Clients: clients})
	opts := krag.Options{Plugins: []krag.Plugin{p}}
	opts.RateLimit.Disabled = true
	srv := kragtest.New(b, opts)
	res, err := srv.Auth.SignUpEmail(b.Context(), krag.SignUpInput{Name: "B", Email: "b@example.com", Password: password})
	if err != nil {
		b.Fatal(err)
	}
	a := newApp("electron")
	req := electron.Request{ClientID: "electron", State: a.state, CodeChallenge: electron.Challenge(a.verifier)}
	b.ReportAllocs()
	for b.Loop() {
		g, err := p.Issue(b.Context(), res.User.ID, req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Exchange(b.Context(), g.Code, a.state, a.verifier, "electron", krag.SessionInput{}); err != nil {
			b.Fatal(err)
		}
	}
}
