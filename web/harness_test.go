package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/internal/app"
	"github.com/kragauth/krag/internal/testdb"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/passhash"
	"github.com/kragauth/krag/social"
	"github.com/kragauth/krag/store/sqlstore"
	"github.com/kragauth/krag/web"
)

// testSite is the system `krag serve` runs (internal/app: the seed's fields, rbac, admin) with
// the pages mounted at "/" and the API at /api/auth, on a fresh database, served by httptest.
type testSite struct {
	URL   string
	Auth  *krag.Auth
	Sys   *app.System
	DB    *sqlstore.DB
	HTTP  *httptest.Server
	Clock *kragtest.Clock // the time the Auth sees
}

// siteOptions vary the test site.
type siteOptions struct {
	// Providers are identity providers for social sign-in.
	Providers []social.Provider
	// NoCookieCache turns the API's 5-minute cookie cache off (krag serve's default has it on).
	NoCookieCache bool
	// Backend is the database backend; "" means the one KRAG_TEST_DATABASE names.
	Backend string
	// RateLimit turns the API's rate limiter on (krag serve has it on in production).
	RateLimit bool
}

// newTestSite starts a site for one test; it stops when the test ends.
func newTestSite(t testing.TB, o siteOptions) *testSite {
	t.Helper()
	ctx := context.Background()
	backend := o.Backend
	if backend == "" {
		backend = testdb.Backend()
	}
	db := testdb.Open(t, backend)
	hs := httptest.NewUnstartedServer(nil)
	base := "http://" + hs.Listener.Addr().String()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := app.Config{
		Secret: "web-test-secret-0123456789abcdefghijklmnopqrstuvwxyz", BaseURL: base, Development: true,
		Database: db, Logger: log, SocialProviders: o.Providers, CookieCache: 5 * time.Minute,
	}
	if o.NoCookieCache {
		cfg.CookieCache = 0
	}
	cfg.EnableRateLimit = o.RateLimit
	sys := app.New(cfg)
	opts := sys.Options
	clock := kragtest.NewClock(time.Now().UTC().Truncate(time.Millisecond))
	opts.Now = clock.Now
	// A full scrypt hash takes seconds under the race detector; the pages do not depend on it.
	opts.EmailAndPassword.Hasher = passhash.NewScryptCost(1024, 0)
	sch, err := krag.Schema(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx, sch); err != nil {
		t.Fatal(err)
	}
	auth, err := krag.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := web.New(web.Options{Auth: auth, RBAC: sys.RBAC, Admin: sys.Admin, Posts: sys.Posts, DeviceAuth: sys.DeviceAuth, Electron: sys.Electron, Providers: o.Providers, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(auth.BasePath()+"/", auth)
	mux.Handle("/", pages)
	hs.Config.Handler = mux
	hs.Start()
	t.Cleanup(hs.Close)
	return &testSite{URL: base, Auth: auth, Sys: sys, DB: db, HTTP: hs, Clock: clock}
}

// client is a browser without JavaScript: a cookie jar, redirects followed, and the CSRF field
// filled in from the CSRF cookie as the page's hidden field would be.
type client struct {
	t    testing.TB
	site *testSite
	hc   *http.Client
}

// newClient returns a client with its own cookies (one browser).
func (s *testSite) newClient(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	hc := *s.HTTP.Client() // a copy: httptest hands out one shared client
	hc.Jar = jar
	return &client{t: t, site: s, hc: &hc}
}

// response is an answer, after redirects.
type response struct {
	Status int
	URL    *url.URL
	Body   []byte
	Header http.Header
}

func (c *client) do(req *http.Request) *response {
	c.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return &response{Status: res.StatusCode, URL: res.Request.URL, Body: b, Header: res.Header}
}

// get fetches path.
func (c *client) get(path string) *response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.site.URL+path, nil)
	return c.do(req)
}

// post submits a form to path as a same-origin browser does, with the CSRF field.
func (c *client) post(path string, form url.Values) *response {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if !form.Has("csrf") {
		form.Set("csrf", c.csrf())
	}
	req, _ := http.NewRequest(http.MethodPost, c.site.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.site.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// csrf returns the browser's CSRF token, visiting a page first when it has none.
func (c *client) csrf() string {
	c.t.Helper()
	u, _ := url.Parse(c.site.URL)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == "krag_csrf" {
			return ck.Value
		}
	}
	c.get("/")
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == "krag_csrf" {
			return ck.Value
		}
	}
	c.t.Fatal("no CSRF cookie after visiting /")
	return ""
}

// signUp creates an account through the sign-up form and returns the dashboard page.
func (c *client) signUp(first, last, email, password string) *response {
	c.t.Helper()
	return c.post("/sign-up", url.Values{"firstName": {first}, "lastName": {last}, "email": {email}, "password": {password}, "phoneNumber": {"+44 20 7946 0000"}})
}
