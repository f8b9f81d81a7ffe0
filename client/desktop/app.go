package desktop

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/kragauth/krag/client"
)

// Defaults of Config.
const (
	DefaultBasePath     = "/api/auth"
	DefaultSignInPath   = "/desktop"
	DefaultCallbackPath = "/auth/callback"
)

// attemptLifetime is how long a started sign-in waits for its code: the time a person takes
// on the sign-in page (the code itself lives 5 minutes once issued).
const attemptLifetime = 15 * time.Minute

// Errors of the sign-in flow.
var (
	// ErrSignedOut means no session is stored, or the server no longer accepts it.
	ErrSignedOut = errors.New("desktop: not signed in")
	// ErrNoSignIn is a code or link that matches no sign-in this app started (another app's,
	// an earlier run's, or one already used).
	ErrNoSignIn = errors.New("desktop: no sign-in in progress matches this link; start signing in again")
	// ErrNotForThisApp is a URL that is not this app's deep link or loopback callback.
	ErrNotForThisApp = errors.New("desktop: the link is not a sign-in link for this app")
)

// Config configures an App.
type Config struct {
	// BaseURL is the server's origin, "https://auth.example.com". Required.
	BaseURL string
	// BasePath is where the server mounts its API. Default "/api/auth".
	BasePath string
	// SignInPath is the server's sign-in page for apps. Default "/desktop" (Krag's web app).
	SignInPath string
	// ClientID is the app's registered client id (plugin/electron's Client.ID). Required.
	ClientID string
	// Scheme is the app's deep-link scheme, for SignInDeepLink and HandleURL.
	Scheme string
	// CallbackPath is the deep link's path: "<Scheme>://auth/callback". Default
	// "/auth/callback".
	CallbackPath string
	// Store keeps the session token. Required.
	Store Store
	// HTTPClient sends the API calls. Default: a client with a 30-second timeout.
	HTTPClient *http.Client
	// OpenBrowser opens a URL in the user's browser. Default OpenBrowser.
	OpenBrowser func(url string) error
}

// App signs one app's user in and keeps the session. It is safe for concurrent use.
type App struct {
	cfg  Config
	base *url.URL
	c    *client.Client

	mu       sync.Mutex
	attempts map[string]*Attempt // by state
}

// New returns an App for c.
func New(c Config) (*App, error) {
	if c.BaseURL == "" {
		return nil, errors.New("desktop: Config.BaseURL is required")
	}
	base, err := url.Parse(strings.TrimRight(c.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("desktop: Config.BaseURL %q is not an http(s) URL", c.BaseURL)
	}
	if c.ClientID == "" {
		return nil, errors.New("desktop: Config.ClientID is required")
	}
	if c.Store == nil {
		return nil, errors.New("desktop: Config.Store is required")
	}
	if c.BasePath == "" {
		c.BasePath = DefaultBasePath
	}
	if c.SignInPath == "" {
		c.SignInPath = DefaultSignInPath
	}
	if c.CallbackPath == "" {
		c.CallbackPath = DefaultCallbackPath
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if c.OpenBrowser == nil {
		c.OpenBrowser = OpenBrowser
	}
	origin := ""
	if c.Scheme != "" {
		origin = c.Scheme + ":/" // as Better Auth's Electron client
	}
	api, err := client.New(base.String()+"/"+strings.Trim(c.BasePath, "/"),
		client.Options{HTTPClient: c.HTTPClient, Origin: origin, NoCookies: true})
	if err != nil {
		return nil, fmt.Errorf("desktop: %w", err)
	}
	return &App{cfg: c, base: base, c: api, attempts: map[string]*Attempt{}}, nil
}

// OpenInBrowser opens url with Config.OpenBrowser.
func (a *App) OpenInBrowser(url string) error { return a.cfg.OpenBrowser(url) }

// Server returns the server's base URL.
func (a *App) Server() string { return a.base.String() }

// Attempt is a started sign-in: the page the browser opens, and the secrets that the code
// coming back must match.
type Attempt struct {
	// URL is the sign-in page, with client_id, state, code_challenge and redirect_uri.
	URL string
	// RedirectURI is where the page sends the code: the deep link or a loopback URL.
	RedirectURI string

	state    string
	verifier string
	expires  time.Time
}

// Begin starts a sign-in whose code goes to redirectURI ("" for the app's deep link) and
// remembers it, without opening a browser.
func (a *App) Begin(redirectURI string) (*Attempt, error) {
	if redirectURI == "" {
		if a.cfg.Scheme == "" {
			return nil, errors.New("desktop: Config.Scheme is required for deep-link sign-in")
		}
		redirectURI = a.DeepLink()
	}
	at := &Attempt{RedirectURI: redirectURI, state: random(16), verifier: random(32), expires: time.Now().Add(attemptLifetime)}
	q := url.Values{"client_id": {a.cfg.ClientID}, "state": {at.state}, "code_challenge": {challenge(at.verifier)},
		"redirect_uri": {redirectURI}}
	at.URL = a.base.String() + "/" + strings.TrimLeft(a.cfg.SignInPath, "/") + "?" + q.Encode()
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	for s, old := range a.attempts {
		if now.After(old.expires) {
			delete(a.attempts, s)
		}
	}
	a.attempts[at.state] = at
	return at, nil
}

// Cancel forgets at: a code for it is refused from now on.
func (a *App) Cancel(at *Attempt) {
	a.mu.Lock()
	delete(a.attempts, at.state)
	a.mu.Unlock()
}

// DeepLink returns the app's deep link without a token, "<scheme>://auth/callback".
func (a *App) DeepLink() string {
	if a.cfg.Scheme == "" {
		return ""
	}
	return a.cfg.Scheme + ":/" + a.cfg.CallbackPath
}

// SignInDeepLink starts a sign-in whose code comes back through the app's deep link and
// opens the browser at its page. The code then arrives as a URL for HandleURL (from the
// command line of the copy the OS starts, forwarded by Single), or pasted for CompleteCode.
func (a *App) SignInDeepLink(ctx context.Context) (*Attempt, error) {
	at, err := a.Begin("")
	if err != nil {
		return nil, err
	}
	if err := a.cfg.OpenBrowser(at.URL); err != nil {
		return at, fmt.Errorf("desktop: open the browser (open %s yourself): %w", at.URL, err)
	}
	return at, nil
}

// HandleURL completes a sign-in from the URL that carried its code: the deep link
// "<scheme>://auth/callback#token=…" or a loopback callback "…?token=…".
func (a *App) HandleURL(ctx context.Context, raw string) (*Session, error) {
	tok, err := a.tokenFromURL(raw)
	if err != nil {
		return nil, err
	}
	return a.CompleteCode(ctx, tok)
}

// tokenFromURL returns the token a deep link carries, after checking it is this app's.
func (a *App) tokenFromURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || a.cfg.Scheme == "" || !strings.EqualFold(u.Scheme, a.cfg.Scheme) {
		return "", ErrNotForThisApp
	}
	if "/"+u.Host+u.Path != a.cfg.CallbackPath && u.Path != a.cfg.CallbackPath {
		return "", ErrNotForThisApp
	}
	if f, err := url.ParseQuery(u.Fragment); err == nil && f.Get("token") != "" {
		return f.Get("token"), nil
	}
	if t := u.Query().Get("token"); t != "" {
		return t, nil
	}
	return "", fmt.Errorf("%w (it carries no token)", ErrNotForThisApp)
}

// CompleteCode completes a sign-in with the code the page handed over (what the deep link's
// token is, and what the page shows for pasting): it checks the state against the sign-ins
// this app started, exchanges the code with that sign-in's PKCE verifier and stores the
// session.
func (a *App) CompleteCode(ctx context.Context, code string) (*Session, error) {
	id, state, err := decodeToken(code)
	if err != nil {
		return nil, fmt.Errorf("desktop: that code is not one the sign-in page shows: %w", err)
	}
	at := a.take(state)
	if at == nil {
		return nil, ErrNoSignIn
	}
	return a.exchange(ctx, id, at)
}

// take removes and returns the unexpired attempt whose state equals state (compared in
// constant time), or nil.
func (a *App) take(state string) *Attempt {
	a.mu.Lock()
	defer a.mu.Unlock()
	var found *Attempt
	for s, at := range a.attempts {
		if subtle.ConstantTimeCompare([]byte(s), []byte(state)) == 1 {
			found = at
		}
	}
	if found == nil || time.Now().After(found.expires) {
		return nil
	}
	delete(a.attempts, found.state)
	return found
}

// exchange trades the code for a session and stores its token.
func (a *App) exchange(ctx context.Context, id string, at *Attempt) (*Session, error) {
	body := map[string]string{"token": id, "state": at.state, "code_verifier": at.verifier, "client_id": a.cfg.ClientID}
	var out struct {
		Token string          `json:"token"`
		User  json.RawMessage `json:"user"`
	}
	h, err := a.call(ctx, "POST", "/electron/token", "", body, &out)
	if err != nil {
		return nil, fmt.Errorf("desktop: exchange the code: %w", err)
	}
	tok := h.Get("set-auth-token")
	if tok == "" {
		tok = out.Token
	}
	if tok == "" {
		return nil, errors.New("desktop: exchange the code: the server answered no token")
	}
	if err := a.cfg.Store.Set(tok); err != nil {
		return nil, fmt.Errorf("desktop: keep the session: %w", err)
	}
	return a.Current(ctx)
}

// Session is the signed-in user's session as the server reports it.
type Session struct {
	UserID, Name, Email string
	// Image is the user's picture URL, "" when none.
	Image string
	// ExpiresAt is when the session ends unless it is used (the server extends it).
	ExpiresAt time.Time
	// User holds every field of the user, additional ones included (roleId, firstName…).
	User map[string]any
}

// Current returns the stored session after the server has validated it, storing the token
// the server renews it with. ErrSignedOut when none is stored or the server no longer
// accepts it (the stored token is then forgotten).
func (a *App) Current(ctx context.Context) (*Session, error) {
	tok, err := a.cfg.Store.Get()
	if errors.Is(err, ErrNoToken) {
		return nil, ErrSignedOut
	}
	if err != nil {
		return nil, fmt.Errorf("desktop: read the stored session: %w", err)
	}
	var out *struct {
		Session struct {
			ExpiresAt time.Time `json:"expiresAt"`
		} `json:"session"`
		User map[string]any `json:"user"`
	}
	h, err := a.call(ctx, "GET", "/get-session", tok, nil, &out)
	if err != nil {
		return nil, fmt.Errorf("desktop: check the session: %w", err)
	}
	if out == nil || out.User == nil {
		if err := a.cfg.Store.Delete(); err != nil {
			return nil, fmt.Errorf("desktop: forget the ended session: %w", err)
		}
		return nil, ErrSignedOut
	}
	if renewed := h.Get("set-auth-token"); renewed != "" && renewed != tok {
		if err := a.cfg.Store.Set(renewed); err != nil {
			return nil, fmt.Errorf("desktop: keep the renewed session: %w", err)
		}
	}
	s := &Session{ExpiresAt: out.Session.ExpiresAt, User: out.User}
	s.UserID, _ = out.User["id"].(string)
	s.Name, _ = out.User["name"].(string)
	s.Email, _ = out.User["email"].(string)
	s.Image, _ = out.User["image"].(string)
	return s, nil
}

// SignOut revokes the session on the server, then forgets it. When the server cannot be
// reached the session is kept, so that signing out can be tried again; ForgetSession drops
// it locally only.
func (a *App) SignOut(ctx context.Context) error {
	tok, err := a.cfg.Store.Get()
	if errors.Is(err, ErrNoToken) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("desktop: read the stored session: %w", err)
	}
	if _, err := a.call(ctx, "POST", "/sign-out", tok, map[string]any{}, nil); err != nil {
		var he *HTTPError
		if !errors.As(err, &he) || he.Status >= 500 {
			return fmt.Errorf("desktop: sign out on the server (still signed in here): %w", err)
		}
		// 4xx: the server no longer knows the session; forgetting it is all that is left.
	}
	return a.ForgetSession()
}

// ForgetSession deletes the stored session without telling the server.
func (a *App) ForgetSession() error {
	if err := a.cfg.Store.Delete(); err != nil {
		return fmt.Errorf("desktop: forget the session: %w", err)
	}
	return nil
}

// Do calls the API at path ("/rbac/rules") as the signed-in user, with body encoded as JSON
// (nil: none), decoding a 2xx answer into out (nil: ignored). ErrSignedOut without a session.
func (a *App) Do(ctx context.Context, method, path string, body, out any) error {
	tok, err := a.cfg.Store.Get()
	if errors.Is(err, ErrNoToken) {
		return ErrSignedOut
	}
	if err != nil {
		return fmt.Errorf("desktop: read the stored session: %w", err)
	}
	_, err = a.call(ctx, method, path, tok, body, out)
	return err
}

// HTTPError is an API answer of 400 or above: its status, and Better Auth's code and
// message (or RFC 6749's error and error_description).
type HTTPError = client.Error

// call sends one API request, with token as bearer when not empty, and returns the answer's
// headers.
func (a *App) call(ctx context.Context, method, path, token string, body, out any) (http.Header, error) {
	var opts []client.CallOption
	if token != "" {
		opts = append(opts, client.WithBearer(token))
	}
	res, err := a.c.Do(ctx, method, path, body, out, opts...)
	if res == nil {
		return nil, err
	}
	return res.Header, err
}

// random returns n random bytes in base64url without padding.
func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// challenge is the S256 code challenge of verifier (RFC 7636 §4.2). It and decodeToken repeat
// plugin/electron's Challenge and DecodeToken on purpose: an app must not link the server.
func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// decodeToken reads the page's token: base64url of {"identifier","state"}, as Better
// Auth's Electron deep link carries it.
func decodeToken(tok string) (id, state string, err error) {
	tok = strings.TrimSpace(tok)
	if u, err := url.PathUnescape(tok); err == nil {
		tok = u
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(tok, "="))
	if err != nil {
		return "", "", errors.New("not base64url")
	}
	var v struct {
		Identifier string `json:"identifier"`
		State      string `json:"state"`
	}
	if err := json.Unmarshal(b, &v); err != nil || v.Identifier == "" || v.State == "" {
		return "", "", errors.New("not a sign-in code")
	}
	return v.Identifier, v.State, nil
}
