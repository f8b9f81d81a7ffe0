package krag_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/plugin/active"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

const testPassword = "password123"

// signUp creates a user through the API and returns a client signed in as them.
func signUp(t *testing.T, srv *kragtest.Server, email string) *client.Client {
	t.Helper()
	c := srv.Client(t)
	if _, err := c.SignUpEmail(t.Context(), client.SignUp{Name: "Test", Email: email, Password: testPassword}); err != nil {
		t.Fatalf("SignUpEmail(%q) = %v", email, err)
	}
	return c
}

// signIn returns a new client (a second browser) signed in as email.
func signIn(t *testing.T, srv *kragtest.Server, email string) (*client.Client, *client.SignInResponse) {
	t.Helper()
	c := srv.Client(t)
	res, err := c.SignInEmail(t.Context(), client.SignIn{Email: email, Password: testPassword})
	if err != nil {
		t.Fatalf("SignInEmail(%q) = %v", email, err)
	}
	return c, res
}

// getSession calls GET /get-session with the client's cookies and returns the raw response.
func getSession(t *testing.T, srv *kragtest.Server, c *client.Client, query string) *client.Response {
	t.Helper()
	path := "/get-session"
	if query != "" {
		path += "?" + query
	}
	res, err := c.Do(t.Context(), http.MethodGet, path, nil, nil)
	if err != nil {
		t.Fatalf("GET %s = %v", path, err)
	}
	return res
}

// setCookie returns the Set-Cookie line for name, or "".
func setCookie(h http.Header, name string) string {
	for _, l := range h.Values("Set-Cookie") {
		if strings.HasPrefix(l, name+"=") {
			return l
		}
	}
	return ""
}

// sessionRow reads the session row with the given id.
func sessionRow(t *testing.T, srv *kragtest.Server, id string) store.Record {
	t.Helper()
	st, err := srv.DB.Store(srv.Auth.Schema())
	if err != nil {
		t.Fatal(err)
	}
	rec, err := st.FindOne(t.Context(), schema.SessionTable, []store.Where{store.Is("id", id)})
	if err != nil {
		t.Fatalf("session row %s: %v", id, err)
	}
	return rec
}

func TestSlidingRefresh(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	c := signUp(t, srv, "slide@example.com")
	sd, _ := c.GetSession(t.Context(), client.GetSessionOptions{})
	id, created := sd.Session.ID, sd.Session.ExpiresAt

	srv.Clock.Advance(23 * time.Hour)
	res := getSession(t, srv, c, "")
	if l := setCookie(res.Header, "better-auth.session_token"); l != "" {
		t.Errorf("get-session within UpdateAge set %q, want no refresh", l)
	}
	if got := sessionRow(t, srv, id)["expiresAt"].(time.Time); !got.Equal(created) {
		t.Errorf("expiresAt after 23h = %v, want unchanged %v", got, created)
	}

	srv.Clock.Advance(2 * time.Hour) // 25 h after sign-in: the last extension is over a day old
	res = getSession(t, srv, c, "disableRefresh=true")
	if l := setCookie(res.Header, "better-auth.session_token"); l != "" {
		t.Errorf("disableRefresh set %q, want no refresh", l)
	}
	res = getSession(t, srv, c, "")
	l := setCookie(res.Header, "better-auth.session_token")
	if !strings.Contains(l, "Max-Age=604800") || !strings.Contains(l, "HttpOnly") || !strings.Contains(l, "SameSite=Lax") || !strings.Contains(l, "Path=/") {
		t.Errorf("refresh Set-Cookie = %q, want Max-Age=604800; Path=/; HttpOnly; SameSite=Lax", l)
	}
	want := srv.Clock.Now().Add(7 * 24 * time.Hour)
	if got := sessionRow(t, srv, id)["expiresAt"].(time.Time); !got.Equal(want) {
		t.Errorf("expiresAt after refresh = %v, want %v", got, want)
	}
	var body struct {
		Session struct {
			ExpiresAt time.Time `json:"expiresAt"`
		} `json:"session"`
	}
	json.Unmarshal(res.Body, &body)
	if !body.Session.ExpiresAt.Equal(want) {
		t.Errorf("refreshed session in body expires %v, want %v", body.Session.ExpiresAt, want)
	}
}

func TestExpiredSession(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	c := signUp(t, srv, "expire@example.com")
	sd, _ := c.GetSession(t.Context(), client.GetSessionOptions{})
	srv.Clock.Advance(7*24*time.Hour + time.Second)
	res := getSession(t, srv, c, "")
	if string(res.Body) != "null" {
		t.Errorf("get-session after expiry = %s, want null", res.Body)
	}
	for _, name := range []string{"better-auth.session_token", "better-auth.session_data", "better-auth.dont_remember"} {
		if l := setCookie(res.Header, name); !strings.Contains(l, "Max-Age=0") {
			t.Errorf("cookie %s after expiry: Set-Cookie %q, want Max-Age=0", name, l)
		}
	}
	n, err := srv.Auth.Store().Count(t.Context(), schema.SessionTable, []store.Where{store.Is("id", sd.Session.ID)})
	if err != nil || n != 0 {
		t.Errorf("expired session rows = %d, %v, want 0", n, err)
	}
}

func TestDontRememberNeverSlides(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	signUp(t, srv, "short@example.com")
	c := srv.Client(t)
	f := false
	res, err := c.SignInEmail(t.Context(), client.SignIn{Email: "short@example.com", Password: testPassword, RememberMe: &f})
	if err != nil {
		t.Fatal(err)
	}
	sd, _ := c.GetSession(t.Context(), client.GetSessionOptions{})
	if want := srv.Clock.Now().Add(24 * time.Hour); !sd.Session.ExpiresAt.Equal(want) {
		t.Errorf("rememberMe:false session expires %v, want %v", sd.Session.ExpiresAt, want)
	}
	srv.Clock.Advance(23 * time.Hour)
	r := getSession(t, srv, c, "")
	if l := setCookie(r.Header, "better-auth.session_token"); l != "" {
		t.Errorf("dont_remember session refreshed: %q", l)
	}
	srv.Clock.Advance(2 * time.Hour)
	if r := getSession(t, srv, c, ""); string(r.Body) != "null" {
		t.Errorf("one-day session after 25h = %s, want null", r.Body)
	}
	_ = res
}

func TestRevokedSessionIsGone(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	a := signUp(t, srv, "rev@example.com")
	b, bres := signIn(t, srv, "rev@example.com")
	if err := a.RevokeSession(t.Context(), bres.Token); err != nil {
		t.Fatalf("RevokeSession(other raw token) = %v", err)
	}
	if sd, err := b.GetSession(t.Context(), client.GetSessionOptions{}); sd != nil || err != nil {
		t.Errorf("revoked session: GetSession = %v, %v, want nil", sd, err)
	}
	if sd, _ := a.GetSession(t.Context(), client.GetSessionOptions{}); sd == nil {
		t.Error("revoking another session signed the caller out")
	}
}

func TestListSessionsShowsHandles(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	a := signUp(t, srv, "list@example.com")
	b, _ := signIn(t, srv, "list@example.com")
	mine, _ := a.GetSession(t.Context(), client.GetSessionOptions{})
	list, err := a.ListSessions(t.Context())
	if err != nil || len(list) != 2 {
		t.Fatalf("ListSessions = %d sessions, %v, want 2", len(list), err)
	}
	var other string
	for _, s := range list {
		switch {
		case s.ID == mine.Session.ID:
			if s.Token != mine.Session.Token {
				t.Errorf("own session listed with token %q, want the raw token %q", s.Token, mine.Session.Token)
			}
		case strings.HasPrefix(s.Token, "ks_"):
			other = s.Token
		default:
			t.Errorf("other session listed with %q, want an opaque ks_ handle", s.Token)
		}
	}
	// A handle is not a session token.
	forged := srv.Client(t)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/auth/get-session", nil)
	req.AddCookie(&http.Cookie{Name: "better-auth.session_token", Value: other})
	res, _ := srv.HTTP.Client().Do(req)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "null" {
		t.Errorf("get-session with a handle as cookie = %s, want null", body)
	}
	_ = forged
	if err := a.RevokeSession(t.Context(), other); err != nil {
		t.Fatalf("RevokeSession(handle) = %v", err)
	}
	if sd, _ := b.GetSession(t.Context(), client.GetSessionOptions{}); sd != nil {
		t.Error("session revoked by handle still works")
	}
}

func TestRevokeOnlyOwnSessions(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	a := signUp(t, srv, "own-a@example.com")
	b := signUp(t, srv, "own-b@example.com")
	bs, _ := b.GetSession(t.Context(), client.GetSessionOptions{})
	// A knows B's raw token and session id: neither revokes B's session.
	for _, tok := range []string{bs.Session.Token, "ks_" + bs.Session.ID} {
		if err := a.RevokeSession(t.Context(), tok); err != nil {
			t.Fatalf("RevokeSession(%q) = %v", tok, err)
		}
	}
	if sd, _ := b.GetSession(t.Context(), client.GetSessionOptions{}); sd == nil {
		t.Error("another user revoked B's session")
	}
}

func TestRevokeOtherAndAllSessions(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	a := signUp(t, srv, "all@example.com")
	b, _ := signIn(t, srv, "all@example.com")
	c, _ := signIn(t, srv, "all@example.com")
	if err := a.RevokeOtherSessions(t.Context()); err != nil {
		t.Fatal(err)
	}
	for name, cl := range map[string]*client.Client{"b": b, "c": c} {
		if sd, _ := cl.GetSession(t.Context(), client.GetSessionOptions{}); sd != nil {
			t.Errorf("client %s still signed in after revoke-other-sessions", name)
		}
	}
	if sd, _ := a.GetSession(t.Context(), client.GetSessionOptions{}); sd == nil {
		t.Fatal("revoke-other-sessions signed the caller out")
	}
	d, _ := signIn(t, srv, "all@example.com")
	if err := a.RevokeSessions(t.Context()); err != nil {
		t.Fatal(err)
	}
	for name, cl := range map[string]*client.Client{"a": a, "d": d} {
		if sd, _ := cl.GetSession(t.Context(), client.GetSessionOptions{}); sd != nil {
			t.Errorf("client %s still signed in after revoke-sessions", name)
		}
	}
}

func TestFreshSessionRequired(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	c := signUp(t, srv, "fresh@example.com")
	if _, err := c.ListSessions(t.Context()); err != nil {
		t.Fatalf("ListSessions(fresh) = %v", err)
	}
	srv.Clock.Advance(24*time.Hour + time.Second)
	_, err := c.ListSessions(t.Context())
	if want := (&client.Error{Code: "SESSION_NOT_FRESH"}); !errors.Is(err, want) || err.(*client.Error).Status != 403 {
		t.Errorf("ListSessions(1 day old) = %v, want 403 SESSION_NOT_FRESH", err)
	}
}

func TestUnauthenticated(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	c := srv.Client(t)
	if sd, err := c.GetSession(t.Context(), client.GetSessionOptions{}); sd != nil || err != nil {
		t.Errorf("GetSession(no cookie) = %v, %v, want nil, nil", sd, err)
	}
	_, err := c.ListSessions(t.Context())
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 401 || e.Code != "UNAUTHORIZED" || e.Message != "Unauthorized" {
		t.Errorf("ListSessions(no cookie) = %v, want 401 UNAUTHORIZED", err)
	}
}

func TestTokensStoredHashed(t *testing.T) {
	for _, raw := range []bool{false, true} {
		name := "hashed"
		if raw {
			name = "raw"
		}
		t.Run(name, func(t *testing.T) {
			opts := krag.Options{}
			opts.Session.StoreRawTokens = raw
			srv := kragtest.New(t, opts)
			c := signUp(t, srv, "hash@example.com")
			sd, _ := c.GetSession(t.Context(), client.GetSessionOptions{})
			stored := sessionRow(t, srv, sd.Session.ID)["token"].(string)
			if raw && stored != sd.Session.Token {
				t.Errorf("StoreRawTokens: stored %q, want the raw token %q", stored, sd.Session.Token)
			}
			if !raw && (stored == sd.Session.Token || !strings.HasPrefix(stored, "sha256:") || strings.Contains(stored, sd.Session.Token)) {
				t.Errorf("stored token %q: want a sha256: digest, not the raw token", stored)
			}
		})
	}
}

// TestBetterAuthRawRowStillWorks writes a session row as Better Auth does (raw token) and
// signs in with a cookie for it.
func TestBetterAuthRawRowStillWorks(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	c := signUp(t, srv, "legacy@example.com")
	sd, _ := c.GetSession(t.Context(), client.GetSessionOptions{})
	now := srv.Clock.Now().UTC()
	tok := "LegacyBetterAuthToken0123456789a"
	err := srv.Auth.Store().Create(t.Context(), schema.SessionTable, store.Record{
		"id": "legacy-session", "token": tok, "userId": sd.User.ID, "expiresAt": now.Add(time.Hour),
		"createdAt": now, "updatedAt": now, "ipAddress": "", "userAgent": "",
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := srv.Auth.GetSession(t.Context(), requestWithToken(srv, tok))
	if err != nil || got == nil || got.Session.ID != "legacy-session" || got.Session.Token != tok {
		t.Fatalf("GetSession(raw Better Auth row) = %+v, %v", got, err)
	}
}

// requestWithToken builds a request carrying a signed session cookie for tok.
func requestWithToken(srv *kragtest.Server, tok string) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	req.Header.Set("Cookie", "better-auth.session_token="+srv.Auth.SignedCookieValue(tok))
	return req
}

// countingDB counts the queries the Auth's store runs.
type countingDB struct {
	store.Database
	n *atomic.Int64
}

func (d countingDB) Store(s *schema.Schema) (store.Store, error) {
	st, err := d.Database.Store(s)
	return countingStore{st, d.n}, err
}

type countingStore struct {
	store.Store
	n *atomic.Int64
}

func (s countingStore) FindOne(ctx context.Context, table string, w []store.Where, j ...store.Join) (store.Record, error) {
	s.n.Add(1)
	return s.Store.FindOne(ctx, table, w, j...)
}

func (s countingStore) FindMany(ctx context.Context, table string, q store.Query) ([]store.Record, error) {
	s.n.Add(1)
	return s.Store.FindMany(ctx, table, q)
}

func (s countingStore) Update(ctx context.Context, table string, w []store.Where, set store.Record) (int64, error) {
	s.n.Add(1)
	return s.Store.Update(ctx, table, w, set)
}

func TestCookieCacheAnswersWithoutDatabase(t *testing.T) {
	for _, strategy := range []krag.CookieCacheStrategy{krag.CookieCacheReference, krag.CookieCacheCompact} {
		t.Run(string(strategy), func(t *testing.T) { testCookieCacheWithoutDatabase(t, strategy) })
	}
}

func testCookieCacheWithoutDatabase(t *testing.T, strategy krag.CookieCacheStrategy) {
	base := kragtest.New(t, krag.Options{}) // provides a migrated database
	var n atomic.Int64
	opts := krag.Options{Database: countingDB{base.DB, &n}}
	opts.Session.CookieCache.Enabled = true
	opts.Session.CookieCache.Strategy = strategy
	srv := kragtest.New(t, opts)
	c := signUp(t, srv, "cache@example.com")
	_, other := signIn(t, srv, "cache@example.com")
	fromDB, _ := c.GetSession(t.Context(), client.GetSessionOptions{DisableCookieCache: true})

	n.Store(0)
	res := getSession(t, srv, c, "")
	if got := n.Load(); got != 0 {
		t.Errorf("get-session with a valid cache cookie ran %d queries, want 0", got)
	}
	var cached client.SessionData
	if err := json.Unmarshal(res.Body, &cached); err != nil || cached.Session.ID != fromDB.Session.ID || cached.User.Email != "cache@example.com" {
		t.Errorf("cached get-session = %s (%v)", res.Body, err)
	}
	// The Go API reads the cache too.
	n.Store(0)
	tok := fromDB.Session.Token
	req := requestWithToken(srv, tok)
	for _, ck := range c.Jar().Cookies(req.URL) {
		if ck.Name == "better-auth.session_data" {
			req.Header.Set("Cookie", req.Header.Get("Cookie")+"; better-auth.session_data="+ck.Value)
		}
	}
	if sd, err := srv.Auth.GetSession(t.Context(), req); err != nil || sd == nil || n.Load() != 0 {
		t.Errorf("Auth.GetSession with cache cookie = %v, %v after %d queries, want a session and 0 queries", sd, err, n.Load())
	}
	// Revocation reaches cached clients only when they bypass the cache.
	if err := c.RevokeSession(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	_ = other
	if sd, _ := c.GetSession(t.Context(), client.GetSessionOptions{DisableCookieCache: true}); sd != nil {
		t.Error("revoked session answered from the database")
	}
}

func TestForgedCacheCookieIgnored(t *testing.T) {
	for _, strategy := range []krag.CookieCacheStrategy{krag.CookieCacheReference, krag.CookieCacheCompact} {
		t.Run(string(strategy), func(t *testing.T) { testForgedCacheCookie(t, strategy) })
	}
}

func testForgedCacheCookie(t *testing.T, strategy krag.CookieCacheStrategy) {
	opts := krag.Options{}
	opts.Session.CookieCache.Enabled = true
	opts.Session.CookieCache.Strategy = strategy
	srv := kragtest.New(t, opts)
	c := signUp(t, srv, "forge@example.com")
	sd, _ := c.GetSession(t.Context(), client.GetSessionOptions{DisableCookieCache: true})

	// A cache cookie signed with another secret claims another name.
	evilOpts := krag.Options{Secret: "another-secret-0123456789-abcdefghijklmnop"}
	evilOpts.Session.CookieCache.Enabled = true
	evilOpts.Session.CookieCache.Strategy = strategy
	evil := kragtest.New(t, evilOpts)
	ec := signUp(t, evil, "forge@example.com")
	var forged string
	for _, ck := range ec.Jar().Cookies(mustURL(evil.URL)) {
		if ck.Name == "better-auth.session_data" {
			forged = ck.Value
		}
	}
	if forged == "" {
		t.Fatal("no cache cookie from the second server")
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/auth/get-session", nil)
	req.Header.Set("Cookie", "better-auth.session_token="+srv.Auth.SignedCookieValue(sd.Session.Token)+"; better-auth.session_data="+forged)
	res, err := srv.HTTP.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var got client.SessionData
	if err := json.Unmarshal(body, &got); err != nil || got.Session.ID != sd.Session.ID {
		t.Errorf("get-session with a forged cache = %s, want the real session %s", body, sd.Session.ID)
	}
	if l := setCookie(res.Header, "better-auth.session_data"); !strings.Contains(l, "Max-Age=300") || strings.Contains(l, forged) {
		t.Errorf("forged cache not replaced by a fresh one: %q", l)
	}
}

func TestInactiveUserLosesSessions(t *testing.T) {
	act := active.New()
	srv := kragtest.New(t, krag.Options{Plugins: []krag.Plugin{act}})
	c := signUp(t, srv, "inactive@example.com")
	sd, _ := c.GetSession(t.Context(), client.GetSessionOptions{})
	// Deactivate in the database only (no revocation): the session must still stop working.
	u, err := srv.Auth.FindUserByID(t.Context(), sd.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	active.Field.Set(u, false)
	if err := srv.Auth.UpdateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(t.Context(), http.MethodGet, "/get-session", nil, nil)
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 403 || e.Code != "USER_INACTIVE" {
		t.Fatalf("get-session of an inactive user = %v, want 403 USER_INACTIVE", err)
	}
	if sd, err := c.GetSession(t.Context(), client.GetSessionOptions{}); sd != nil || err != nil {
		t.Errorf("after the refusal the cookie should be gone: GetSession = %v, %v", sd, err)
	}
	if _, err := srv.Auth.GetSession(t.Context(), requestWithToken(srv, sd2token(t, srv, u.ID))); !errors.Is(err, active.ErrUserInactive) {
		t.Errorf("Auth.GetSession(inactive) = %v, want ErrUserInactive", err)
	}
}

// sd2token creates a session for the user through the store-level API, bypassing gates, and
// returns its raw token.
func sd2token(t *testing.T, srv *kragtest.Server, userID string) string {
	t.Helper()
	tok := "InactiveUserToken0123456789abcde"
	now := srv.Clock.Now().UTC()
	err := srv.Auth.Store().Create(t.Context(), schema.SessionTable, store.Record{
		"id": "inactive-session", "token": tok, "userId": userID, "expiresAt": now.Add(time.Hour),
		"createdAt": now, "updatedAt": now, "ipAddress": "", "userAgent": "",
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestMiddleware(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	c := signUp(t, srv, "mw@example.com")
	sd, _ := c.GetSession(t.Context(), client.GetSessionOptions{})
	var seen *krag.SessionData
	h := srv.Auth.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = krag.SessionFromContext(r.Context())
	}))
	rec := newRecorder()
	h.ServeHTTP(rec, requestWithToken(srv, sd.Session.Token))
	if rec.code != 200 || seen == nil || seen.User.Email != "mw@example.com" {
		t.Errorf("RequireSession(valid) = %d, session %+v", rec.code, seen)
	}
	seen = nil
	rec = newRecorder()
	h.ServeHTTP(rec, httptestRequest(srv))
	if rec.code != 401 || seen != nil || !strings.Contains(rec.body.String(), `"code":"UNAUTHORIZED"`) {
		t.Errorf("RequireSession(no cookie) = %d %s, want 401 UNAUTHORIZED", rec.code, rec.body.String())
	}
	opt := srv.Auth.WithSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = krag.SessionFromContext(r.Context())
		w.WriteHeader(204)
	}))
	rec = newRecorder()
	opt.ServeHTTP(rec, httptestRequest(srv))
	if rec.code != 204 || seen != nil {
		t.Errorf("WithSession(no cookie) = %d, session %v, want 204 and none", rec.code, seen)
	}
}

func TestTwoAuthsDoNotInterfere(t *testing.T) {
	a := kragtest.New(t, krag.Options{Secret: "first-secret-0123456789-abcdefghijklmnop"})
	b := kragtest.New(t, krag.Options{Secret: "second-secret-0123456789-abcdefghijklmno"})
	ca := signUp(t, a, "two@example.com")
	sd, _ := ca.GetSession(t.Context(), client.GetSessionOptions{})
	// The same token signed by A means nothing to B, and B's store has no such session.
	if got, err := b.Auth.GetSession(t.Context(), requestWithToken(a, sd.Session.Token)); got != nil || err != nil {
		t.Errorf("B.GetSession(A's cookie) = %v, %v, want nil", got, err)
	}
	if got, _ := a.Auth.GetSession(t.Context(), requestWithToken(a, sd.Session.Token)); got == nil {
		t.Error("A lost its own session")
	}
}

// TestUpdateUserFromCachedSessionKeepsNewerFields: update-user may run on a session read from
// the cookie cache, whose user copy can be minutes old; fields changed since must survive.
func TestUpdateUserFromCachedSessionKeepsNewerFields(t *testing.T) {
	roleID := krag.IntField("roleId").ReadOnly()
	opts := krag.Options{}
	opts.Session.CookieCache.Enabled = true
	opts.User.AdditionalFields = []krag.AdditionalField{roleID}
	srv := kragtest.New(t, opts)
	c := signUp(t, srv, "stale@example.com")
	sd, _ := c.GetSession(t.Context(), client.GetSessionOptions{})

	u, err := srv.Auth.FindUserByID(t.Context(), sd.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	roleID.Set(u, 7) // an administrator's change, after the cache cookie was issued
	if err := srv.Auth.UpdateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	name := "Renamed"
	if err := c.UpdateUser(t.Context(), client.UpdateUser{Name: &name}); err != nil {
		t.Fatal(err)
	}
	got, err := srv.Auth.FindUserByID(t.Context(), sd.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := roleID.Get(got); id != 7 || got.Name != "Renamed" {
		t.Errorf("after update-user: name %q, roleId %d, want Renamed and 7", got.Name, id)
	}
}

// TestSignOutForgetsCacheEntry: with the reference strategy, replaying a signed-out browser's
// cookies finds no cached session. (A compact cookie is self-contained: as in Better Auth, a
// replayed copy stays valid until it expires.)
func TestSignOutForgetsCacheEntry(t *testing.T) {
	opts := krag.Options{}
	opts.Session.CookieCache.Enabled = true
	srv := kragtest.New(t, opts)
	c := signUp(t, srv, "forget@example.com")
	var header []string
	for _, ck := range c.Jar().Cookies(mustURL(srv.URL)) {
		header = append(header, ck.Name+"="+ck.Value)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	req.Header.Set("Cookie", strings.Join(header, "; "))
	if sd, err := srv.Auth.GetSession(t.Context(), req); sd == nil || err != nil {
		t.Fatalf("GetSession before sign-out = %v, %v", sd, err)
	}
	if err := c.SignOut(t.Context()); err != nil {
		t.Fatal(err)
	}
	if sd, err := srv.Auth.GetSession(t.Context(), req); sd != nil || err != nil {
		t.Errorf("replayed cookies after sign-out = %v, %v, want no session", sd, err)
	}
}
