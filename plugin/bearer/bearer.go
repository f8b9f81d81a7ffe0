// Package bearer is Better Auth's bearer plugin (shared/spec/better-auth-plugins.md §8): clients
// that cannot keep cookies (mobile apps, scripts, other origins) send the session as
// "Authorization: Bearer <token>" and learn it from the set-auth-token response header.
//
// # Inbound
//
// A request whose Authorization header uses the Bearer scheme (case-insensitive) is treated as
// if it carried the session_token cookie: the token is either the signed cookie value
// "<session token>.<signature>" (percent-encoded or not) or, unless Options.RequireSignature,
// the raw session token. The signature is checked in constant time exactly as the cookie's; a
// token that does not verify is ignored, so the request falls back to its cookie (Better Auth
// answers get-session with null). A verified bearer token replaces the cookie. Tokens are never
// read from the query string. This holds for every route that loads a session and for
// Auth.GetSession, LoadSession, WithSession and RequireSession.
//
// # Outbound
//
// Every API response that sets the session_token cookie with a value (sign-in, sign-up, a
// session refresh, …) also carries "set-auth-token: <token>.<signature>" (not
// percent-encoded) and lists set-auth-token in Access-Control-Expose-Headers, so a browser
// script on another origin may read it. Responses of an application's own handlers wrapped in
// WithSession or RequireSession carry only cookies, as with Better Auth.
package bearer

import (
	"net/http"
	"strings"

	"github.com/kragauth/krag"
)

// HeaderSetAuthToken is the response header carrying the signed session token.
const HeaderSetAuthToken = "set-auth-token"

// Options configures the plugin (Better Auth's bearer options).
type Options struct {
	// RequireSignature refuses raw session tokens: only the signed form
	// "<token>.<signature>" is accepted. Default false, as in Better Auth.
	RequireSignature bool
}

// Plugin is the bearer plugin. Build it with New; it is safe for concurrent use.
type Plugin struct {
	opts Options
	auth *krag.Auth
}

// New returns the plugin with opts.
func New(opts Options) *Plugin { return &Plugin{opts: opts} }

// ID implements krag.Plugin: "bearer", as Better Auth's.
func (p *Plugin) ID() string { return "bearer" }

// Init implements krag.Plugin: it adds the Authorization header as a source of session
// tokens and the set-auth-token header to every response that sets the session cookie.
func (p *Plugin) Init(s *krag.Setup) error {
	if a := s.Auth(); a != nil { // nil while krag.Schema only collects tables
		p.auth = a
	}
	s.TokenSource(p.token)
	s.AfterEvery(setAuthToken)
	return nil
}

// token returns the request's bearer token in the session cookie's form, for
// krag.Setup.TokenSource, which checks its signature.
func (p *Plugin) token(r *http.Request) (string, bool) {
	tok, ok := Token(r.Header.Get("Authorization"))
	if !ok {
		return "", false
	}
	if strings.IndexByte(tok, '.') >= 0 || strings.IndexByte(tok, '%') >= 0 {
		return tok, true
	}
	if p.opts.RequireSignature || p.auth == nil {
		return "", false
	}
	return p.auth.SignedCookieValue(tok), true
}

// Token returns the token of an Authorization header value using the Bearer scheme (compared
// case-insensitively, followed by one or more spaces), and false for any other value or an
// empty token. The token is returned as sent, neither decoded nor verified.
func Token(header string) (string, bool) {
	const scheme = "bearer "
	if len(header) <= len(scheme) || !strings.EqualFold(header[:len(scheme)], scheme) {
		return "", false
	}
	tok := strings.TrimSpace(header[len(scheme):])
	if tok == "" || strings.ContainsAny(tok, " \t") {
		return "", false
	}
	return tok, true
}

// setAuthToken copies the session cookie the response sets into set-auth-token and exposes
// that header to cross-origin scripts.
func setAuthToken(r *krag.Request) error {
	v, ok := r.ResponseSessionToken()
	if !ok {
		return nil
	}
	r.SetExposedHeader(HeaderSetAuthToken, v)
	return nil
}
