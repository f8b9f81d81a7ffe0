// Package kragtest starts a real Krag for tests: an Auth on a fresh SQLite database in
// t.TempDir(), served by an httptest.Server, with a clock the test moves and clients that keep
// cookies like a browser.
//
//	srv := kragtest.New(t, krag.Options{})
//	c := srv.Client(t)
//	_, err := c.SignUpEmail(ctx, client.SignUp{...})
package kragtest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/internal/testdb"
	"github.com/kragauth/krag/passhash"
	"github.com/kragauth/krag/store/sqlstore"
)

// Secret is the secret New uses when Options.Secret is empty.
const Secret = "kragtest-secret-0123456789abcdefghijklmnopqrstuvwxyz"

// Server is a running Krag for one test.
type Server struct {
	// Auth is the Auth under test.
	Auth *krag.Auth
	// URL is the server's base URL ("http://127.0.0.1:PORT"); the API is at URL + BasePath.
	URL string
	// DB is the database, for tests that look at rows.
	DB *sqlstore.DB
	// Clock is the time the Auth sees.
	Clock *Clock
	// HTTP is the httptest server.
	HTTP *httptest.Server
}

// Clock is a settable time source, safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// New starts a Krag with opts. Empty Secret, BaseURL (the server's URL), Database (a fresh
// database with the schema migrated: SQLite in t.TempDir(), or the MySQL or PostgreSQL server
// that KRAG_TEST_DATABASE selects, see internal/testdb), Now (a Clock starting at the real time) and Logger (the
// test's output) are filled in. Under the race detector an unset password hasher is scrypt at a
// lower cost, because a full-cost hash takes seconds there. The server stops when the test
// ends.
func New(t testing.TB, opts krag.Options) *Server {
	t.Helper()
	ctx := context.Background()
	hs := httptest.NewUnstartedServer(nil)
	base := "http://" + hs.Listener.Addr().String()
	if opts.Secret == "" {
		opts.Secret = Secret
	}
	if opts.BaseURL == "" {
		opts.BaseURL = base
	}
	clock := NewClock(time.Now().UTC().Truncate(time.Millisecond))
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if opts.EmailAndPassword.Hasher == nil && raceEnabled {
		opts.EmailAndPassword.Hasher = passhash.NewScryptCost(1024, 0)
	}
	var db *sqlstore.DB
	if opts.Database == nil {
		db = testdb.Open(t, testdb.Backend())
		sch, err := krag.Schema(opts)
		if err != nil {
			t.Fatalf("kragtest: %v", err)
		}
		if _, err := db.Migrate(ctx, sch); err != nil {
			t.Fatalf("kragtest: migrate: %v", err)
		}
		opts.Database = db
	} else if d, ok := opts.Database.(*sqlstore.DB); ok {
		db = d
	}
	auth, err := krag.New(opts)
	if err != nil {
		t.Fatalf("kragtest: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle(auth.BasePath()+"/", auth)
	hs.Config.Handler = mux
	hs.Start()
	t.Cleanup(hs.Close)
	return &Server{Auth: auth, URL: base, DB: db, Clock: clock, HTTP: hs}
}

// Client returns a client with its own cookie jar (one browser), sending the server's origin.
func (s *Server) Client(t testing.TB) *client.Client {
	t.Helper()
	c, err := client.New(s.URL, client.Options{HTTPClient: s.HTTP.Client(), BasePath: s.Auth.BasePath()})
	if err != nil {
		t.Fatalf("kragtest: %v", err)
	}
	return c
}

// BearerEmail asks GET <baseURL>/api/auth/get-session with token as "Authorization: Bearer"
// (plugin/bearer) and returns the session's user's email, "" when the answer is null.
func BearerEmail(t testing.TB, baseURL, token string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, baseURL+"/api/auth/get-session", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("kragtest: get-session: %v", err)
	}
	defer res.Body.Close()
	var out *struct{ User struct{ Email string } }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("kragtest: get-session answer: %v", err)
	}
	if out == nil {
		return ""
	}
	return out.User.Email
}
