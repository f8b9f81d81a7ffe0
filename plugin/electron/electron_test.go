package electron_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/internal/oidctest"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/plugin/bearer"
	"github.com/kragauth/krag/plugin/electron"
	"github.com/kragauth/krag/social"
)

const password = "password-123"

var clients = []electron.Client{
	{ID: "electron", Scheme: "com.example.app"},
	{ID: "krag-cli", Name: "Krag CLI", Scheme: "krag", Loopback: true},
	{ID: "other", Scheme: "com.other.app"},
}

// env is a Krag with the electron and bearer plugins and a browser-like HTTP client.
type env struct {
	t    *testing.T
	srv  *kragtest.Server
	p    *electron.Plugin
	idp  *oidctest.Server
	jar  http.CookieJar
	http *http.Client
}

// gate refuses users named "Inactive", standing for plugin/active's gate.
type gate struct{}

func (gate) ID() string { return "test-gate" }
func (gate) Init(s *krag.Setup) error {
	s.Gate(func(u *krag.User) error {
		if u.Name == "Inactive" {
			return krag.NewError(http.StatusForbidden, "ACCOUNT_INACTIVE", "Account is inactive")
		}
		return nil
	})
	return nil
}

func start(t *testing.T, o electron.Options) *env {
	t.Helper()
	if o.Clients == nil {
		o.Clients = clients
	}
	e := &env{t: t, p: electron.New(o), idp: oidctest.Start(t)}
	cfg := e.idp.Config()
	prov, err := social.NewOIDC(social.OIDCOptions{ID: "idp", Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	opts := krag.Options{Plugins: []krag.Plugin{e.p, bearer.New(bearer.Options{}), gate{}}}
	opts.RateLimit.Disabled = true
	opts.Social.Providers = []social.Provider{prov}
	e.srv = kragtest.New(t, opts)
	e.jar, _ = cookiejar.New(nil)
	e.http = &http.Client{Jar: e.jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

// app is a desktop app's half: its state and PKCE verifier.
type app struct {
	clientID, state, verifier string
}

func newApp(clientID string) app {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	s := make([]byte, 12)
	_, _ = rand.Read(s)
	return app{clientID, base64.RawURLEncoding.EncodeToString(s), base64.RawURLEncoding.EncodeToString(b)}
}

func (a app) query() url.Values {
	return url.Values{"client_id": {a.clientID}, "state": {a.state}, "code_challenge": {electron.Challenge(a.verifier)}}
}

// do sends a request with the env's cookie jar and returns status, body and headers.
func (e *env) do(method, path string, body any, header ...string) (int, []byte, http.Header) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = strings.NewReader(string(j))
	}
	u := path
	if !strings.HasPrefix(path, "http") {
		u = e.srv.URL + "/api/auth" + path
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Origin", e.srv.URL)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b, res.Header
}

// signUp signs a new user up from a browser carrying a's request and returns the answer's
// electron_authorization_code and the script-readable cookie's value.
func (e *env) signUp(a app, email, name string) (code, cookie string) {
	e.t.Helper()
	st, body, h := e.do("POST", "/sign-up/email?"+a.query().Encode(), map[string]any{"name": name, "email": email, "password": password})
	if st != 200 {
		e.t.Fatalf("sign-up: %d %s", st, body)
	}
	var out struct {
		Code  string          `json:"electron_authorization_code"`
		User  json.RawMessage `json:"user"`
		Token *string         `json:"token"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		e.t.Fatalf("sign-up answer %s: %v", body, err)
	}
	if out.User == nil || out.Token == nil {
		e.t.Fatalf("sign-up answer lost its fields: %s", body)
	}
	return out.Code, readableCookie(e.t, h, "better-auth."+a.clientID)
}

// readableCookie returns the value of the Set-Cookie called name, checking that scripts may
// read it.
func readableCookie(t *testing.T, h http.Header, name string) string {
	t.Helper()
	for _, line := range h.Values("Set-Cookie") {
		if strings.HasPrefix(line, name+"=") {
			if strings.Contains(line, "HttpOnly") {
				t.Errorf("%s is HttpOnly; pages' scripts must read it: %s", name, line)
			}
			v, _, _ := strings.Cut(strings.TrimPrefix(line, name+"="), ";")
			return v
		}
	}
	return ""
}

type exchangeAnswer struct {
	Token string `json:"token"`
	User  struct {
		ID, Email string
	} `json:"user"`
	Message, Code string
}

// exchange posts /electron/token from a fresh client (the app has no browser cookies).
func (e *env) exchange(body map[string]any) (int, exchangeAnswer, http.Header) {
	e.t.Helper()
	j, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/auth/electron/token", strings.NewReader(string(j)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "com.example.app:/")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out exchangeAnswer
	_ = json.Unmarshal(b, &out)
	return res.StatusCode, out, res.Header
}

func (a app) body(code string) map[string]any {
	return map[string]any{"token": code, "state": a.state, "code_verifier": a.verifier}
}

func TestSignUpThenExchange(t *testing.T) {
	e := start(t, electron.Options{})
	a := newApp("electron")
	code, cookie := e.signUp(a, "ada@example.com", "Ada")
	if len(code) != electron.CodeLength || strings.Trim(code, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		t.Fatalf("code = %q, want 32 characters of [A-Za-z0-9]", code)
	}
	gotCode, gotState, err := electron.DecodeToken(cookie)
	if err != nil || gotCode != code || gotState != a.state {
		t.Fatalf("cookie %q decodes to %q %q %v; want the code and the app's state", cookie, gotCode, gotState, err)
	}
	st, out, h := e.exchange(a.body(code))
	if st != 200 || out.Token == "" || out.User.Email != "ada@example.com" {
		t.Fatalf("exchange: %d %+v", st, out)
	}
	signed := h.Get("set-auth-token")
	if signed == "" {
		t.Fatal("exchange set no set-auth-token (bearer)")
	}
	if got := kragtest.BearerEmail(t, e.srv.URL, signed); got != "ada@example.com" {
		t.Fatalf("get-session with the exchanged token = %q", got)
	}
	if got := kragtest.BearerEmail(t, e.srv.URL, out.Token); got != "ada@example.com" {
		t.Fatalf("get-session with the raw token = %q", got)
	}
}

func TestExchangeFailures(t *testing.T) {
	e := start(t, electron.Options{})
	a := newApp("electron")
	code, _ := e.signUp(a, "bob@example.com", "Bob")
	// Each failing exchange spends the code, so each case gets a fresh one from transfer-user.
	fresh := func(a app) string {
		t.Helper()
		st, body, _ := e.do("POST", "/electron/transfer-user?"+a.query().Encode(), map[string]any{})
		var out struct {
			URL      *string `json:"url"`
			Redirect bool    `json:"redirect"`
			Code     string  `json:"electron_authorization_code"`
		}
		if st != 200 || json.Unmarshal(body, &out) != nil || out.Code == "" || out.URL != nil || out.Redirect {
			t.Fatalf("transfer-user: %d %s", st, body)
		}
		return out.Code
	}
	want := func(name string, st int, out exchangeAnswer, status int, errCode string) {
		t.Helper()
		if st != status || out.Code != errCode || out.Token != "" {
			t.Errorf("%s: %d %+v, want %d %s", name, st, out, status, errCode)
		}
	}

	wrong := a.body(code)
	wrong["code_verifier"] = newApp("electron").verifier
	st, out, _ := e.exchange(wrong)
	want("wrong verifier", st, out, 400, "INVALID_CODE_VERIFIER")
	st, out, _ = e.exchange(a.body(code))
	want("right verifier after a wrong one (the code is spent)", st, out, 404, "INVALID_TOKEN")

	code = fresh(a)
	wrong = a.body(code)
	wrong["state"] = "not-the-state"
	st, out, _ = e.exchange(wrong)
	want("wrong state", st, out, 400, "STATE_MISMATCH")

	code = fresh(a)
	st, out, _ = e.exchange(a.body(code))
	if st != 200 {
		t.Fatalf("exchange: %d %+v", st, out)
	}
	st, out, _ = e.exchange(a.body(code))
	want("replayed code", st, out, 404, "INVALID_TOKEN")

	code = fresh(a)
	e.srv.Clock.Advance(electron.DefaultCodeExpiresIn + time.Second)
	st, out, _ = e.exchange(a.body(code))
	want("expired code", st, out, 404, "INVALID_TOKEN")

	// A code issued to one app, presented by another app that names itself.
	code = fresh(a)
	other := a.body(code)
	other["client_id"] = "other"
	st, out, _ = e.exchange(other)
	want("code for another app", st, out, 400, "INVALID_CLIENT_ID")

	// Another app that also stole the code but not the verifier.
	code = fresh(a)
	thief := newApp("other")
	thief.state = a.state
	st, out, _ = e.exchange(thief.body(code))
	want("stolen code without the verifier", st, out, 400, "INVALID_CODE_VERIFIER")

	st, out, _ = e.exchange(a.body("short"))
	want("malformed code", st, out, 404, "INVALID_TOKEN")
	st, out, _ = e.exchange(map[string]any{"token": "", "state": a.state, "code_verifier": a.verifier})
	want("empty code", st, out, 400, "VALIDATION_ERROR")
}

func TestTransferUser(t *testing.T) {
	e := start(t, electron.Options{})
	e.signUp(newApp("none"), "cy@example.com", "Cy") // a client id that is not registered: no code
	a := newApp("electron")
	cases := []struct {
		name   string
		q      url.Values
		body   map[string]any
		status int
		code   string
	}{
		{"unknown client", url.Values{"client_id": {"nope"}, "state": {a.state}, "code_challenge": {electron.Challenge(a.verifier)}}, nil, 400, "INVALID_CLIENT_ID"},
		{"no state", url.Values{"client_id": {"electron"}, "state": {""}, "code_challenge": {electron.Challenge(a.verifier)}}, nil, 400, "MISSING_STATE"},
		{"no challenge", url.Values{"client_id": {"electron"}, "state": {a.state}, "code_challenge": {""}}, nil, 400, "MISSING_PKCE"},
		{"plain challenge", url.Values{"client_id": {"electron"}, "state": {a.state}, "code_challenge": {a.verifier + "x"}}, nil, 400, "INVALID_CODE_CHALLENGE"},
		{"missing query", url.Values{"client_id": {"electron"}}, nil, 400, "VALIDATION_ERROR"},
		{"untrusted callbackURL", a.query(), map[string]any{"callbackURL": "https://evil.example/"}, 403, "INVALID_CALLBACK_URL"},
		{"loopback for a client without loopback", withRedirect(a.query(), "http://127.0.0.1:5555/cb"), nil, 400, "INVALID_REDIRECT_URI"},
	}
	for _, c := range cases {
		if c.body == nil {
			c.body = map[string]any{}
		}
		st, body, _ := e.do("POST", "/electron/transfer-user?"+c.q.Encode(), c.body)
		var out struct{ Code string }
		_ = json.Unmarshal(body, &out)
		if st != c.status || out.Code != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, st, body, c.status, c.code)
		}
	}
	st, body, h := e.do("POST", "/electron/transfer-user?"+a.query().Encode(), map[string]any{"callbackURL": "/done"})
	var out struct {
		URL      string `json:"url"`
		Redirect bool   `json:"redirect"`
		Code     string `json:"electron_authorization_code"`
	}
	if st != 200 || json.Unmarshal(body, &out) != nil || out.URL != "/done" || !out.Redirect {
		t.Fatalf("transfer-user: %d %s", st, body)
	}
	if c, _, _ := electron.DecodeToken(readableCookie(t, h, "better-auth.electron")); c != out.Code {
		t.Errorf("cookie holds %q, answer %q", c, out.Code)
	}
	// Without a session.
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/auth/electron/transfer-user?"+a.query().Encode(), strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Errorf("transfer-user without a session: %d, want 401", res.StatusCode)
	}
}

func withRedirect(q url.Values, uri string) url.Values {
	q.Set("redirect_uri", uri)
	return q
}

func TestRedirects(t *testing.T) {
	e := start(t, electron.Options{})
	cases := []struct {
		client, uri string
		ok          bool
		wantPrefix  string
	}{
		{"krag-cli", "", true, "krag://auth/callback#token="},
		{"krag-cli", "krag://auth/callback", true, "krag://auth/callback#token="},
		{"krag-cli", "http://127.0.0.1:49152/callback", true, "http://127.0.0.1:49152/callback?token="},
		{"krag-cli", "http://[::1]:8080/", true, "http://[::1]:8080/?token="},
		{"krag-cli", "http://localhost:8080/cb", false, ""},
		{"krag-cli", "http://127.0.0.1/cb", false, ""},
		{"krag-cli", "https://127.0.0.1:8080/cb", false, ""},
		{"krag-cli", "http://user@127.0.0.1:8080/cb", false, ""},
		{"krag-cli", "http://127.0.0.1:8080/cb#x", false, ""},
		{"krag-cli", "http://127.0.0.2:8080/cb", false, ""},
		{"krag-cli", "http://evil.example:8080/cb", false, ""},
		{"krag-cli", "krag://elsewhere", false, ""},
		{"krag-cli", "com.example.app://auth/callback", false, ""},
		{"electron", "http://127.0.0.1:49152/callback", false, ""},
		{"electron", "", true, "com.example.app://auth/callback#token="},
	}
	u, err := e.srv.Auth.SignUpEmail(t.Context(), krag.SignUpInput{Name: "Di", Email: "di@example.com", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		a := newApp(c.client)
		req := electron.Request{ClientID: c.client, State: a.state, CodeChallenge: electron.Challenge(a.verifier), RedirectURI: c.uri}
		g, err := e.p.Issue(t.Context(), u.User.ID, req)
		if !c.ok {
			if !errors.Is(err, electron.ErrInvalidRedirectURI) {
				t.Errorf("%s %q: %v, want ErrInvalidRedirectURI", c.client, c.uri, err)
			}
			continue
		}
		if err != nil || !strings.HasPrefix(g.RedirectURL, c.wantPrefix) {
			t.Errorf("%s %q: %+v %v, want a redirect starting %q", c.client, c.uri, g, err, c.wantPrefix)
			continue
		}
		p, err := e.p.Pending(t.Context(), g.Token)
		if err != nil || p.RedirectURL != g.RedirectURL || p.Client.ID != c.client {
			t.Errorf("Pending(%q) = %+v %v", g.Token, p, err)
		}
	}
}

func TestInactiveUserGetsNoCode(t *testing.T) {
	e := start(t, electron.Options{})
	res, err := e.srv.Auth.SignUpEmail(t.Context(), krag.SignUpInput{Name: "Inactive", Email: "in@example.com", Password: password})
	if err == nil {
		t.Fatalf("sign-up of a gated user made a session: %+v", res)
	}
	u, _ := e.srv.Auth.FindUserByEmail(t.Context(), "in@example.com")
	if u == nil {
		t.Fatal("the user was not created")
	}
	a := newApp("electron")
	_, err = e.p.Issue(t.Context(), u.ID, electron.Request{ClientID: "electron", State: a.state, CodeChallenge: electron.Challenge(a.verifier)})
	var ke *krag.Error
	if !errors.As(err, &ke) || ke.Code != "ACCOUNT_INACTIVE" {
		t.Fatalf("Issue for an inactive user: %v, want the gate's error", err)
	}
}

func TestInitOAuthProxy(t *testing.T) {
	e := start(t, electron.Options{CallbackURL: "/desktop/continue"})
	a := newApp("electron")
	q := a.query()
	q.Set("provider", "idp")
	e.idp.Queue(oidctest.User{Sub: "sub-1", Email: "eve@example.com", EmailVerified: true, Name: "Eve"})
	// The browser opens the app's URL (a navigation: no Origin).
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/auth/electron/init-oauth-proxy?"+q.Encode(), nil)
	res, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != 302 || !strings.HasPrefix(loc, e.idp.Config().Issuer) {
		t.Fatalf("init-oauth-proxy: %d Location %q", res.StatusCode, loc)
	}
	// The provider signs the user in and sends the browser to Krag's callback.
	st, _, h := e.do("GET", loc, nil)
	cb := h.Get("Location")
	if st != 302 || !strings.Contains(cb, "/api/auth/callback/idp") {
		t.Fatalf("provider: %d Location %q", st, cb)
	}
	st, _, h = e.do("GET", cb, nil)
	if st != 302 || !strings.HasSuffix(h.Get("Location"), "/desktop/continue") {
		t.Fatalf("callback: %d Location %q", st, h.Get("Location"))
	}
	tok := readableCookie(t, h, "better-auth.electron")
	code, state, err := electron.DecodeToken(tok)
	if err != nil || state != a.state {
		t.Fatalf("callback's cookie %q: %q %q %v", tok, code, state, err)
	}
	stx, out, _ := e.exchange(a.body(code))
	if stx != 200 || out.User.Email != "eve@example.com" {
		t.Fatalf("exchange: %d %+v", stx, out)
	}
	// The transfer cookie was spent: a second sign-in in this browser gets no code.
	st, body, _ := e.do("POST", "/sign-in/email", map[string]any{"email": "eve@example.com", "password": "x"})
	if strings.Contains(string(body), "electron_authorization_code") {
		t.Fatalf("a plain sign-in after the flow got a code: %d %s", st, body)
	}

	// Bad input is refused before any provider is involved.
	for _, bad := range []url.Values{
		{"provider": {"idp"}, "state": {a.state}},
		{"provider": {""}, "state": {a.state}, "code_challenge": {electron.Challenge(a.verifier)}},
		{"provider": {"idp"}, "state": {a.state}, "code_challenge": {"plain"}},
		{"provider": {"nope"}, "state": {a.state}, "code_challenge": {electron.Challenge(a.verifier)}},
	} {
		st, body, _ := e.do("GET", "/electron/init-oauth-proxy?"+bad.Encode(), nil)
		if st < 400 || st >= 500 {
			t.Errorf("init-oauth-proxy?%s: %d %s, want a 4xx", bad.Encode(), st, body)
		}
	}
}

func TestExchangeRace(t *testing.T) {
	e := start(t, electron.Options{})
	a := newApp("electron")
	code, _ := e.signUp(a, "fay@example.com", "Fay")
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 8 {
		wg.Go(func() {
			st, _, _ := e.exchange(a.body(code))
			if st == 200 {
				mu.Lock()
				won++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d of 8 racing exchanges won, want 1", won)
	}
}

func TestCodesStoredHashed(t *testing.T) {
	for _, plain := range []bool{false, true} {
		e := start(t, electron.Options{StorePlainCodes: plain})
		a := newApp("electron")
		code, _ := e.signUp(a, "gil@example.com", "Gil")
		_, err := e.srv.Auth.FindVerification(t.Context(), "electron:"+code)
		if found := err == nil; found != plain {
			t.Errorf("StorePlainCodes=%v: row under the plain code found=%v (%v)", plain, found, err)
		}
	}
}

func TestTokenRoundTrip(t *testing.T) {
	tok := electron.EncodeToken("abc", "st")
	for _, in := range []string{tok, tok + "==", url.PathEscape(tok), " " + tok + "\n"} {
		if c, s, err := electron.DecodeToken(in); err != nil || c != "abc" || s != "st" {
			t.Errorf("DecodeToken(%q) = %q %q %v", in, c, s, err)
		}
	}
	for _, bad := range []string{"", "!!!", base64.RawURLEncoding.EncodeToString([]byte(`{"identifier":"a"}`)), base64.RawURLEncoding.EncodeToString([]byte(`[1]`))} {
		if _, _, err := electron.DecodeToken(bad); err == nil {
			t.Errorf("DecodeToken(%q) accepted", bad)
		}
	}
}

func FuzzDecodeToken(f *testing.F) {
	f.Add(electron.EncodeToken("abcdefghijklmnopqrstuvwxyzABCDEF", "state"))
	f.Add("e30")
	f.Add("%zz")
	f.Fuzz(func(t *testing.T, s string) {
		code, state, err := electron.DecodeToken(s)
		if err != nil {
			return
		}
		if code == "" || state == "" {
			t.Fatalf("DecodeToken(%q) = empty parts without an error", s)
		}
		c2, s2, err := electron.DecodeToken(electron.EncodeToken(code, state))
		if err != nil || c2 != code || s2 != state {
			t.Fatalf("round trip of %q %q: %q %q %v", code, state, c2, s2, err)
		}
	})
}
