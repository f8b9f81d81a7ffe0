// Package onetimetoken is Better Auth's one-time-token plugin
// (shared/spec/better-auth-plugins.md §10): a signed-in client asks for a short-lived token
// (GET /one-time-token/generate) and hands it to another client, which trades it once for the
// same session (POST /one-time-token/verify), for example to carry a session from a web page
// into a desktop or mobile app.
//
// Tokens are 32 characters of [A-Za-z0-9_-], valid for Options.ExpiresIn (3 minutes by
// default) and usable once. They live in the verification table under the identifier
// "one-time-token:<token>" with the session token as the value, as Better Auth keeps them;
// by default Krag stores the identifier with the token's SHA-256 digest in place of the token
// (Better Auth's storeToken: "hashed"), so the table holds no usable one-time token.
//
// Where Krag differs: verify answers 400 "Session expired" without setting the cookie of that
// dead session (Better Auth sets the cookie before its expiry test).
package onetimetoken

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/kragauth/krag"
)

// Routes of the plugin, as names for krag.Setup.Before and After.
const (
	RouteGenerate = "GET /one-time-token/generate"
	RouteVerify   = "POST /one-time-token/verify"
)

// HeaderSetOTT is the response header carrying a one-time token for a new session
// (Options.SetOTTHeaderOnNewSession).
const HeaderSetOTT = "set-ott"

// DefaultExpiresIn is a one-time token's default lifetime.
const DefaultExpiresIn = 3 * time.Minute

// identifierPrefix starts the verification identifier of every one-time token.
const identifierPrefix = "one-time-token:"

// Errors of the plugin. Better Auth answers them as message-only 400s (no code).
var (
	// ErrInvalidToken is an unknown, expired or already used token.
	ErrInvalidToken = krag.NewError(http.StatusBadRequest, "", "Invalid token")
	// ErrSessionNotFound is a token whose session is gone.
	ErrSessionNotFound = krag.NewError(http.StatusBadRequest, "", "Session not found")
	// ErrSessionExpired is a token whose session has expired.
	ErrSessionExpired = krag.NewError(http.StatusBadRequest, "", "Session expired")
	// ErrClientRequestsDisabled answers HTTP calls to generate under
	// Options.DisableClientRequest.
	ErrClientRequestsDisabled = krag.NewError(http.StatusBadRequest, "", "Client requests are disabled")
)

// Options configures the plugin (Better Auth's oneTimeToken options).
type Options struct {
	// ExpiresIn is how long a token stays valid. Default 3 minutes.
	ExpiresIn time.Duration
	// StorePlainTokens stores tokens as they are in the verification identifier (Better
	// Auth's default storeToken: "plain") instead of their digest. Only for sharing a database
	// with a Better Auth server whose plugin keeps the default.
	StorePlainTokens bool
	// DisableClientRequest refuses GET /one-time-token/generate over HTTP (400 "Client
	// requests are disabled"); Plugin.Generate still works.
	DisableClientRequest bool
	// DisableSetSessionCookie makes verify answer without setting the session cookie.
	DisableSetSessionCookie bool
	// SetOTTHeaderOnNewSession adds a set-ott header holding a fresh one-time token for the
	// new session to every API response that created a session (sign-in, sign-up, …).
	SetOTTHeaderOnNewSession bool
}

// Plugin is the one-time-token plugin. Build it with New; it is safe for concurrent use.
type Plugin struct {
	opts Options
	auth *krag.Auth
}

// New returns the plugin with opts, defaults filled in.
func New(opts Options) *Plugin {
	if opts.ExpiresIn <= 0 {
		opts.ExpiresIn = DefaultExpiresIn
	}
	return &Plugin{opts: opts}
}

// ID implements krag.Plugin: "one-time-token", as Better Auth's.
func (p *Plugin) ID() string { return "one-time-token" }

// Init implements krag.Plugin: it adds the generate and verify routes (and, with
// SetOTTHeaderOnNewSession, the set-ott header).
func (p *Plugin) Init(s *krag.Setup) error {
	if a := s.Auth(); a != nil { // nil while krag.Schema only collects tables
		p.auth = a
	}
	s.Handle(krag.Route{Method: "GET", Path: "/one-time-token/generate", Session: krag.SessionRequired, Handler: p.handleGenerate})
	s.Handle(krag.Route{Method: "POST", Path: "/one-time-token/verify", Validate: validateVerify, Handler: p.handleVerify})
	if p.opts.SetOTTHeaderOnNewSession {
		s.AfterEvery(p.setOTTHeader)
	}
	return nil
}

// Generate returns a new one-time token for the session with the raw token sessionToken,
// valid for Options.ExpiresIn. It matches Better Auth's GET /one-time-token/generate.
func (p *Plugin) Generate(ctx context.Context, sessionToken string) (string, error) {
	tok := newToken()
	if _, err := p.auth.CreateVerification(ctx, p.identifier(tok), sessionToken, p.opts.ExpiresIn); err != nil {
		return "", fmt.Errorf("onetimetoken: store token: %w", err)
	}
	return tok, nil
}

// Verify consumes token and returns its session with the user. It matches Better Auth's
// POST /one-time-token/verify. Errors: ErrInvalidToken (unknown, expired or used),
// ErrSessionNotFound, ErrSessionExpired, or a wrapped storage error.
func (p *Plugin) Verify(ctx context.Context, token string) (*krag.SessionData, error) {
	v, err := p.auth.ConsumeVerification(ctx, p.identifier(token))
	if errors.Is(err, krag.ErrInvalidToken) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, fmt.Errorf("onetimetoken: consume token: %w", err)
	}
	sd, err := p.auth.FindSession(ctx, v.Value)
	if err != nil {
		return nil, fmt.Errorf("onetimetoken: find session: %w", err)
	}
	if sd == nil {
		return nil, ErrSessionNotFound
	}
	if !sd.Session.ExpiresAt.After(p.auth.Now()) {
		return nil, ErrSessionExpired
	}
	return sd, nil
}

func (p *Plugin) handleGenerate(r *krag.Request) error {
	if p.opts.DisableClientRequest {
		return ErrClientRequestsDisabled
	}
	tok, err := p.Generate(r.Context(), r.Session.Session.Token)
	if err != nil {
		return err
	}
	return r.JSON(struct {
		Token string `json:"token"`
	}{tok})
}

// validateVerify checks verify's body as Better Auth's schema does: {token: string}.
func validateVerify(r *krag.Request) error {
	v := r.Validate()
	if v.Object(false) {
		v.String("token")
	}
	return v.Err()
}

func (p *Plugin) handleVerify(r *krag.Request) error {
	sd, err := p.Verify(r.Context(), r.Validate().String("token"))
	if err != nil {
		return err
	}
	if !p.opts.DisableSetSessionCookie {
		r.StartSession(sd, false)
	}
	return r.JSON(struct {
		Session any `json:"session"`
		User    any `json:"user"`
	}{p.auth.SessionJSON(sd.Session), p.auth.UserJSON(sd.User)})
}

// setOTTHeader gives a response that created a session a one-time token for it.
func (p *Plugin) setOTTHeader(r *krag.Request) error {
	if r.NewSession == nil {
		return nil
	}
	tok, err := p.Generate(r.Context(), r.NewSession.Session.Token)
	if err != nil {
		return err
	}
	r.SetExposedHeader(HeaderSetOTT, tok)
	return nil
}

// identifier returns the verification identifier of a token.
func (p *Plugin) identifier(tok string) string {
	if p.opts.StorePlainTokens {
		return identifierPrefix + tok
	}
	sum := sha256.Sum256([]byte(tok))
	return identifierPrefix + base64.RawURLEncoding.EncodeToString(sum[:])
}

// alphabet is Better Auth's default alphabet: 64 symbols, so a random byte's low six bits
// pick one uniformly.
const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"

// newToken returns 32 symbols of alphabet from crypto/rand.
func newToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand documents a crash instead)
	for i := range b {
		b[i] = alphabet[b[i]&63]
	}
	return string(b[:])
}
