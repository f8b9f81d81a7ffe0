// Package electron is the server side of Better Auth's Electron integration
// (@better-auth/electron): a desktop app signs its user in through the system browser and
// gets the session back through a one-time code, never through the provider's redirect.
// Krag's own desktop and CLI library, client/desktop, speaks the same protocol.
//
// # The flow
//
//  1. The app makes a random state and a PKCE verifier, and opens the browser at a sign-in
//     page with ?client_id=…&state=…&code_challenge=<S256 of the verifier> (Krag's web app
//     serves /desktop for this), or at GET /electron/init-oauth-proxy?provider=… to go
//     straight to a social provider. The provider always redirects to Krag's own callback.
//  2. Once the browser has a session, Krag issues a code: 32 characters of [A-Za-z0-9],
//     single use, valid 5 minutes, stored in the verification table bound to the user, the
//     client, the state and the code challenge. Sign-in and sign-up responses that carry
//     client_id, state and code_challenge in their query (or follow a social sign-in that
//     did) get it as "electron_authorization_code" and in the script-readable cookie
//     "better-auth.<client id>" (base64url of {"identifier","state"}); a browser that is
//     already signed in asks for one with POST /electron/transfer-user.
//  3. The page hands that value to the app through its deep link
//     "<scheme>://auth/callback#token=<value>" (or a loopback redirect, or the user pastes it).
//  4. The app checks the state and calls POST /electron/token {token, state, code_verifier}:
//     Krag consumes the code first (a wrong verifier burns it), then checks the state and
//     that S256(code_verifier) is the stored challenge, and answers a new session:
//     {"token","user"} and the session cookie (with plugin/bearer, set-auth-token too).
//
// # Where Krag differs from Better Auth
//
//   - Several clients may be registered (Options.Clients), each with its own deep-link scheme
//     and whether it may use RFC 8252 loopback redirects; Better Auth has one client id. The
//     code records its client, and /electron/token refuses it for another client_id when the
//     caller names one (Better Auth's client does not send one; Krag's does).
//   - Codes are stored by their SHA-256 digest unless Options.StorePlainCodes.
//   - The code challenge must be an S256 challenge (43 base64url characters) and the state
//     printable and at most 512 bytes; Better Auth accepts any non-empty strings.
//   - A social sign-in that ends on the provider callback keeps its redirect: the code
//     travels in the cookie only (Better Auth replaces the answer with JSON).
//   - Issue refuses a user the user gates refuse (an inactive or banned user), and the
//     exchange creates the session through Auth.CreateSession, which checks them again.
package electron

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kragauth/krag"
)

// Routes of the plugin, as names for krag.Setup.Before and After.
const (
	RouteToken          = "POST /electron/token"
	RouteInitOAuthProxy = "GET /electron/init-oauth-proxy"
	RouteTransferUser   = "POST /electron/transfer-user"
)

// Defaults of Options.
const (
	// DefaultClientID is Better Auth's client id, "electron".
	DefaultClientID = "electron"
	// DefaultCodeExpiresIn is a code's lifetime (Better Auth's codeExpiresIn: 300 s).
	DefaultCodeExpiresIn = 5 * time.Minute
	// DefaultRedirectCookieExpiresIn is the script-readable cookie's lifetime (120 s).
	DefaultRedirectCookieExpiresIn = 2 * time.Minute
	// DefaultCallbackPath is the deep link's path: "<scheme>://auth/callback".
	DefaultCallbackPath = "/auth/callback"
	// DefaultCookiePrefix names the script-readable cookie "better-auth.<client id>".
	DefaultCookiePrefix = "better-auth"
)

// CodeLength is the number of characters of a code.
const CodeLength = 32

// transferCookie is the signed cookie (prefix added by Krag) that carries a sign-in's
// client_id, state and code_challenge across a social provider's round trip.
const transferCookie = "transfer_token"

// identifierPrefix starts the verification identifier of every code.
const identifierPrefix = "electron:"

// Errors of the plugin, with Better Auth's codes and messages.
var (
	// ErrInvalidClientID is an unknown client, or a code used by another client.
	ErrInvalidClientID = krag.NewError(http.StatusBadRequest, "INVALID_CLIENT_ID", "Invalid client ID")
	// ErrInvalidToken is an unknown, expired or already used code.
	ErrInvalidToken = krag.NewError(http.StatusNotFound, "INVALID_TOKEN", "Invalid or expired token.")
	// ErrStateMismatch is an exchange whose state is not the one the code was issued for.
	ErrStateMismatch = krag.NewError(http.StatusBadRequest, "STATE_MISMATCH", "state mismatch")
	// ErrMissingCodeChallenge is a stored code without a challenge (not one Krag issued).
	ErrMissingCodeChallenge = krag.NewError(http.StatusBadRequest, "MISSING_CODE_CHALLENGE", "missing code challenge")
	// ErrInvalidCodeVerifier is an exchange whose verifier does not hash to the challenge.
	ErrInvalidCodeVerifier = krag.NewError(http.StatusBadRequest, "INVALID_CODE_VERIFIER", "Invalid code verifier")
	// ErrMissingState is a request for a code without a state.
	ErrMissingState = krag.NewError(http.StatusBadRequest, "MISSING_STATE", "state is required")
	// ErrMissingPKCE is a request for a code without a code challenge.
	ErrMissingPKCE = krag.NewError(http.StatusBadRequest, "MISSING_PKCE", "pkce is required")
	// ErrInvalidCodeChallenge is a code challenge that is not S256's 43 base64url characters
	// (Krag only).
	ErrInvalidCodeChallenge = krag.NewError(http.StatusBadRequest, "INVALID_CODE_CHALLENGE", "code_challenge must be an S256 challenge")
	// ErrInvalidState is a state that is too long or holds control characters (Krag only).
	ErrInvalidState = krag.NewError(http.StatusBadRequest, "INVALID_STATE", "state must be printable and at most 512 bytes")
	// ErrInvalidRedirectURI is a redirect_uri the client may not use (Krag only).
	ErrInvalidRedirectURI = krag.NewError(http.StatusBadRequest, "INVALID_REDIRECT_URI", "redirect_uri is not allowed for this client")
)

// Client is a desktop or CLI app allowed to receive codes.
type Client struct {
	// ID is the client_id the app sends.
	ID string
	// Name is how pages name the app to people ("Krag Desktop"). Default: ID.
	Name string
	// Scheme is the app's deep-link scheme ("com.example.app"); the code goes to
	// "<Scheme>://auth/callback#token=…" (CallbackPath). Empty: the app has no deep link.
	Scheme string
	// CallbackPath is the deep link's path. Default "/auth/callback", as Better Auth's.
	CallbackPath string
	// Loopback lets the app ask for a redirect to http://127.0.0.1:<any port>/… or
	// http://[::1]:<any port>/… (RFC 8252 §7.3) with redirect_uri.
	Loopback bool
}

// Options configures the plugin (Better Auth's electron options, plus Clients).
type Options struct {
	// Clients are the apps allowed to sign in. Default: one client "electron" with no
	// scheme, as Better Auth's default (its pages build the deep link themselves).
	Clients []Client
	// CodeExpiresIn is how long a code stays valid. Default 5 minutes.
	CodeExpiresIn time.Duration
	// RedirectCookieExpiresIn is the lifetime of the script-readable cookie that carries a
	// new code to the page. Default 2 minutes.
	RedirectCookieExpiresIn time.Duration
	// CookiePrefix names that cookie "<CookiePrefix>.<client id>". Default "better-auth".
	CookiePrefix string
	// CallbackURL is where GET /electron/init-oauth-proxy's social sign-in returns the
	// browser, a path on the site or a trusted origin (Krag's web app serves
	// /desktop/continue for this). Default: the social sign-in's default.
	CallbackURL string
	// StorePlainCodes stores codes as they are in the verification identifier, as Better Auth
	// does, instead of their digest. Only for sharing a database with a Better Auth server
	// mid-sign-in.
	StorePlainCodes bool
}

// Plugin is the electron plugin. Build it with New; it is safe for concurrent use.
type Plugin struct {
	opts    Options
	clients map[string]*Client
	auth    *krag.Auth
}

// New returns the plugin with opts, defaults filled in. It panics on a client without an ID,
// a repeated ID or a malformed scheme: those are programming errors.
func New(opts Options) *Plugin {
	if len(opts.Clients) == 0 {
		opts.Clients = []Client{{ID: DefaultClientID}}
	}
	if opts.CodeExpiresIn <= 0 {
		opts.CodeExpiresIn = DefaultCodeExpiresIn
	}
	if opts.RedirectCookieExpiresIn <= 0 {
		opts.RedirectCookieExpiresIn = DefaultRedirectCookieExpiresIn
	}
	if opts.CookiePrefix == "" {
		opts.CookiePrefix = DefaultCookiePrefix
	}
	p := &Plugin{opts: opts, clients: map[string]*Client{}}
	for i := range opts.Clients {
		c := opts.Clients[i]
		if c.ID == "" {
			panic("electron: a Client has no ID")
		}
		if _, dup := p.clients[c.ID]; dup {
			panic("electron: two Clients have the ID " + c.ID)
		}
		if c.Scheme != "" && !validScheme(c.Scheme) {
			panic("electron: client " + c.ID + " has a malformed scheme " + c.Scheme)
		}
		if c.Name == "" {
			c.Name = c.ID
		}
		if c.CallbackPath == "" {
			c.CallbackPath = DefaultCallbackPath
		}
		p.clients[c.ID] = &c
	}
	return p
}

// ID implements krag.Plugin: "electron", as Better Auth's.
func (p *Plugin) ID() string { return "electron" }

// Init implements krag.Plugin: the three routes, the hooks that issue codes after sign-in,
// and the clients' "<scheme>:/" origins (Better Auth's client sends Origin "<scheme>:/") as
// trusted origins.
func (p *Plugin) Init(s *krag.Setup) error {
	if a := s.Auth(); a != nil { // nil while krag.Schema only collects tables
		p.auth = a
	}
	s.Handle(krag.Route{Method: "POST", Path: "/electron/token", Validate: validateToken, Handler: p.handleToken})
	s.Handle(krag.Route{Method: "GET", Path: "/electron/init-oauth-proxy", Validate: validateInit, Handler: p.handleInit})
	s.Handle(krag.Route{Method: "POST", Path: "/electron/transfer-user", Session: krag.SessionRequired,
		Validate: validateTransfer, Handler: p.handleTransfer})
	s.AfterMatching(signInRoute, p.afterSignIn)
	s.AfterMatching(func(route string) bool { return !signInRoute(route) }, p.renewTransfer)
	s.ErrorCodes(ErrInvalidClientID, ErrInvalidToken, ErrStateMismatch, ErrMissingCodeChallenge,
		ErrInvalidCodeVerifier, ErrMissingState, ErrMissingPKCE, ErrInvalidCodeChallenge, ErrInvalidState,
		ErrInvalidRedirectURI)
	for _, c := range p.clients {
		if c.Scheme != "" {
			s.TrustedOrigins(c.Scheme + ":/")
		}
	}
	return nil
}

// Request is an app's ask for a code: the query parameters of its sign-in URL.
type Request struct {
	ClientID      string
	State         string
	CodeChallenge string
	// RedirectURI is optional: a loopback URI (Client.Loopback) or the client's deep link.
	// Empty means the client's deep link, if it has one.
	RedirectURI string
}

// RequestFromQuery reads a Request from client_id, state, code_challenge and redirect_uri.
func RequestFromQuery(q url.Values) Request {
	return Request{ClientID: q.Get("client_id"), State: q.Get("state"),
		CodeChallenge: q.Get("code_challenge"), RedirectURI: q.Get("redirect_uri")}
}

// Query returns req as the query parameters RequestFromQuery reads.
func (req Request) Query() url.Values {
	q := url.Values{"client_id": {req.ClientID}, "state": {req.State}, "code_challenge": {req.CodeChallenge}}
	if req.RedirectURI != "" {
		q.Set("redirect_uri", req.RedirectURI)
	}
	return q
}

// Check validates req and returns its client: ErrInvalidClientID, ErrMissingState,
// ErrInvalidState, ErrMissingPKCE, ErrInvalidCodeChallenge or ErrInvalidRedirectURI.
// Pages call it before showing anything, so that a bad request never redirects.
func (p *Plugin) Check(req Request) (*Client, error) {
	c := p.clients[req.ClientID]
	if c == nil {
		return nil, ErrInvalidClientID
	}
	if req.State == "" {
		return nil, ErrMissingState
	}
	if !validState(req.State) {
		return nil, ErrInvalidState
	}
	if req.CodeChallenge == "" {
		return nil, ErrMissingPKCE
	}
	if !validChallenge(req.CodeChallenge) {
		return nil, ErrInvalidCodeChallenge
	}
	if req.RedirectURI != "" && !c.allows(req.RedirectURI) {
		return nil, ErrInvalidRedirectURI
	}
	return c, nil
}

// Grant is an issued code.
type Grant struct {
	// Client is the app the code is for.
	Client *Client
	// Code is the one-time code (the verification's identifier without its prefix).
	Code string
	// Token is what travels to the app: base64url of {"identifier": Code, "state": State},
	// as Better Auth's deep link carries it. It is also the code people paste.
	Token string
	// RedirectURL is where the browser goes next: the loopback URI with ?token=…, or the
	// deep link with #token=…; empty when the client has neither.
	RedirectURL string
}

// record is the verification value of a code. userId, codeChallenge and state are Better
// Auth's; clientId and redirectUri are Krag's.
type record struct {
	UserID        string `json:"userId"`
	CodeChallenge string `json:"codeChallenge"`
	State         string `json:"state"`
	ClientID      string `json:"clientId,omitempty"`
	RedirectURI   string `json:"redirectUri,omitempty"`
}

// Issue checks req and issues a code for the user with userID, which the user gates must
// allow (an inactive or banned user gets their error).
func (p *Plugin) Issue(ctx context.Context, userID string, req Request) (*Grant, error) {
	c, err := p.Check(req)
	if err != nil {
		return nil, err
	}
	u, err := p.auth.FindUserByID(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("electron: find user: %w", err)
	}
	if u == nil {
		return nil, krag.ErrUserNotFound
	}
	if err := p.auth.CheckUser(u); err != nil {
		return nil, err
	}
	code := newCode()
	val, err := json.Marshal(record{UserID: userID, CodeChallenge: req.CodeChallenge, State: req.State,
		ClientID: c.ID, RedirectURI: req.RedirectURI})
	if err != nil {
		return nil, fmt.Errorf("electron: encode code: %w", err)
	}
	if _, err := p.auth.CreateVerification(ctx, p.identifier(code), string(val), p.opts.CodeExpiresIn); err != nil {
		return nil, fmt.Errorf("electron: store code: %w", err)
	}
	g := &Grant{Client: c, Code: code, Token: EncodeToken(code, req.State)}
	g.RedirectURL = c.redirect(req.RedirectURI, g.Token)
	return g, nil
}

// EncodeToken returns the value the deep link carries: base64url (no padding) of
// {"identifier": code, "state": state}.
func EncodeToken(code, state string) string {
	b, _ := json.Marshal(struct {
		Identifier string `json:"identifier"`
		State      string `json:"state"`
	}{code, state})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeToken reads a value EncodeToken made (padded or not, percent-encoded or not).
func DecodeToken(tok string) (code, state string, err error) {
	if u, err := url.PathUnescape(tok); err == nil {
		tok = u
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(strings.TrimSpace(tok), "="))
	if err != nil {
		return "", "", fmt.Errorf("electron: token is not base64url: %w", err)
	}
	var v struct {
		Identifier string `json:"identifier"`
		State      string `json:"state"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return "", "", fmt.Errorf("electron: token is not JSON: %w", err)
	}
	if v.Identifier == "" || v.State == "" {
		return "", "", errors.New("electron: token lacks its identifier or state")
	}
	return v.Identifier, v.State, nil
}

// Exchange consumes code and, when state and verifier match it (and clientID, when not
// empty, is its client), creates a session for its user. The code is spent even when the
// checks fail. Errors: ErrInvalidToken, ErrStateMismatch, ErrMissingCodeChallenge,
// ErrInvalidCodeVerifier, ErrInvalidClientID, a user gate's error, or a wrapped storage
// error.
func (p *Plugin) Exchange(ctx context.Context, code, state, verifier, clientID string, in krag.SessionInput) (*krag.SessionData, error) {
	if len(code) != CodeLength {
		return nil, ErrInvalidToken
	}
	v, err := p.auth.ConsumeVerification(ctx, p.identifier(code))
	if errors.Is(err, krag.ErrInvalidToken) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, fmt.Errorf("electron: consume code: %w", err)
	}
	var rec record
	if err := json.Unmarshal([]byte(v.Value), &rec); err != nil {
		return nil, ErrInvalidToken
	}
	if subtle.ConstantTimeCompare([]byte(rec.State), []byte(state)) != 1 {
		return nil, ErrStateMismatch
	}
	if rec.CodeChallenge == "" {
		return nil, ErrMissingCodeChallenge
	}
	if subtle.ConstantTimeCompare([]byte(Challenge(verifier)), []byte(rec.CodeChallenge)) != 1 {
		return nil, ErrInvalidCodeVerifier
	}
	if clientID != "" && rec.ClientID != "" && clientID != rec.ClientID {
		return nil, ErrInvalidClientID
	}
	u, err := p.auth.FindUserByID(ctx, rec.UserID)
	if err != nil {
		return nil, fmt.Errorf("electron: find user: %w", err)
	}
	if u == nil {
		return nil, krag.ErrUserNotFound
	}
	return p.auth.CreateSession(ctx, u, in)
}

// Pending returns the client and redirect of an issued, unspent code found by the token a
// page holds (the script-readable cookie's value), so that a page can hand it off. It does
// not spend the code. ErrInvalidToken when there is no such code.
func (p *Plugin) Pending(ctx context.Context, token string) (*Grant, error) {
	code, state, err := DecodeToken(token)
	if err != nil || len(code) != CodeLength {
		return nil, ErrInvalidToken
	}
	v, err := p.auth.FindVerification(ctx, p.identifier(code))
	if errors.Is(err, krag.ErrInvalidToken) || (err == nil && v == nil) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, fmt.Errorf("electron: find code: %w", err)
	}
	var rec record
	if json.Unmarshal([]byte(v.Value), &rec) != nil || subtle.ConstantTimeCompare([]byte(rec.State), []byte(state)) != 1 {
		return nil, ErrInvalidToken
	}
	c := p.clients[rec.ClientID]
	if c == nil {
		c = p.clients[DefaultClientID]
	}
	if c == nil {
		return nil, ErrInvalidClientID
	}
	g := &Grant{Client: c, Code: code, Token: EncodeToken(code, state)}
	g.RedirectURL = c.redirect(rec.RedirectURI, g.Token)
	return g, nil
}

// Client returns the registered client with id, or nil.
func (p *Plugin) Client(id string) *Client { return p.clients[id] }

// Challenge returns the S256 code challenge of verifier: base64url (no padding) of its
// SHA-256 digest (RFC 7636 §4.2).
func Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// identifier returns the verification identifier of code.
func (p *Plugin) identifier(code string) string {
	if p.opts.StorePlainCodes {
		return identifierPrefix + code
	}
	sum := sha256.Sum256([]byte(code))
	return identifierPrefix + base64.RawURLEncoding.EncodeToString(sum[:])
}

// redirect returns where a code for c goes: uri with the token in its query when it is a
// loopback URI, else c's deep link with the token in its fragment; "" when c has neither.
func (c *Client) redirect(uri, token string) string {
	if uri != "" && isLoopback(uri) {
		u, _ := url.Parse(uri)
		q := u.Query()
		q.Set("token", token)
		u.RawQuery = q.Encode()
		return u.String()
	}
	if c.Scheme == "" {
		return ""
	}
	return c.DeepLink() + "#token=" + token
}

// DeepLink returns the client's deep link without the token ("<scheme>://auth/callback"),
// or "" when it has no scheme.
func (c *Client) DeepLink() string {
	if c.Scheme == "" {
		return ""
	}
	return c.Scheme + ":/" + c.CallbackPath
}

// allows reports whether c may be sent to uri: its own deep link, or a loopback URI when
// c.Loopback.
func (c *Client) allows(uri string) bool {
	if c.Scheme != "" && uri == c.DeepLink() {
		return true
	}
	return c.Loopback && isLoopback(uri)
}

// isLoopback reports whether uri is an RFC 8252 loopback redirect: http, host 127.0.0.1 or
// [::1] with a port, no user info or fragment. "localhost" is refused (§8.3: it may resolve
// elsewhere).
func isLoopback(uri string) bool {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return false
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || port == "" {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback() && (host == "127.0.0.1" || host == "::1")
}

// ValidScheme reports whether s may be a client's deep-link scheme: an RFC 3986 scheme
// (a letter, then letters, digits, "+", "-" or ".") that is not a web, file or script scheme.
func ValidScheme(s string) bool { return validScheme(s) }

// validScheme is ValidScheme.
func validScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		ch := s[i]
		if !isAlpha(ch) && !(ch >= '0' && ch <= '9') && ch != '+' && ch != '-' && ch != '.' {
			return false
		}
	}
	switch strings.ToLower(s) {
	case "http", "https", "file", "javascript", "data", "about", "blob", "ftp", "ws", "wss":
		return false
	}
	return true
}

func isAlpha(ch byte) bool { return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' }

// validState reports whether s is a state Krag accepts: 1 to 512 printable ASCII bytes.
func validState(s string) bool {
	if len(s) == 0 || len(s) > 512 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// validChallenge reports whether s is an S256 challenge: 43 base64url characters.
func validChallenge(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// codeAlphabet is Better Auth's "a-z", "A-Z", "0-9".
const codeAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newCode returns CodeLength characters of codeAlphabet from crypto/rand, without bias.
func newCode() string {
	b := make([]byte, CodeLength)
	var buf [64]byte
	for i := 0; i < len(b); {
		_, _ = rand.Read(buf[:])
		for _, x := range buf {
			if x >= 248 { // 248 = 4 × 62: reject to keep the choice uniform
				continue
			}
			b[i] = codeAlphabet[int(x)%len(codeAlphabet)]
			i++
			if i == len(b) {
				break
			}
		}
	}
	return string(b)
}
