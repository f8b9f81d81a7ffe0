package krag

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/kragauth/krag/schema"
)

// Plugin extends Krag with routes, tables, fields, hooks and error codes, as Better Auth's
// plugins do. New calls Init once, in the order of Options.Plugins, for that Auth only. In Init
// a plugin declares through Setup and does nothing else (no I/O), so Schema can collect its
// tables without a database. Plugin state and its Go API live on the plugin value.
type Plugin interface {
	// ID names the plugin ("two-factor"); IDs are unique within an Auth.
	ID() string
	// Init declares what the plugin adds.
	Init(s *Setup) error
}

// Setup is what a plugin's Init declares into. Its methods may only be called during Init,
// except Auth, whose result is usable once New has returned.
type Setup struct {
	auth   *Auth
	dev    bool
	plugin string

	routes    []Route
	tables    []schema.Table
	fields    map[string][]schema.Field
	hooks     []Hooks
	gates     []UserGate
	before    map[string][]RequestHook
	after     map[string][]RequestHook
	codes     []*Error
	rateRules map[string]RateLimitRule
	origins   []string
	sources   []TokenSource
	afterAll  []matchedHook
	errs      []error
}

func newSetup(a *Auth, dev bool) *Setup {
	return &Setup{auth: a, dev: dev, fields: map[string][]schema.Field{}, before: map[string][]RequestHook{},
		after: map[string][]RequestHook{}, rateRules: map[string]RateLimitRule{}}
}

func (s *Setup) fail(format string, args ...any) {
	s.errs = append(s.errs, fmt.Errorf("krag: plugin %q: "+format, append([]any{s.plugin}, args...)...))
}

// Auth returns the Auth being built. Keep it and use it at request time; during Init it is
// not ready. It is nil when the Setup only collects tables for Schema: a plugin must then keep
// the Auth it had (a plugin value belongs to one Auth).
func (s *Setup) Auth() *Auth { return s.auth }

// Development reports whether Options.Development is set.
func (s *Setup) Development() bool { return s.dev }

// Handle adds a route. Its Method and Path form its name ("POST /two-factor/enable"), unique
// within an Auth.
func (s *Setup) Handle(rt Route) {
	if rt.Method != "GET" && rt.Method != "POST" {
		s.fail("route %s: method must be GET or POST", rt.Path)
		return
	}
	if !strings.HasPrefix(rt.Path, "/") || strings.Contains(rt.Path, "//") || rt.Handler == nil {
		s.fail("route %q: path must start with / and a handler is required", rt.Path)
		return
	}
	s.routes = append(s.routes, rt)
}

// Table adds a table. Its first field must be "id".
func (s *Setup) Table(t schema.Table) { s.tables = append(s.tables, t) }

// Field adds a field to a table (a core table such as schema.UserTable, or another plugin's).
// Fields added to user and session are additional fields: sent to clients unless Hidden, and
// settable by clients unless ReadOnly.
func (s *Setup) Field(table string, f schema.Field) { s.fields[table] = append(s.fields[table], f) }

// Hooks adds record hooks.
func (s *Setup) Hooks(h Hooks) { s.hooks = append(s.hooks, h) }

// Gate adds a user gate.
func (s *Setup) Gate(g UserGate) { s.gates = append(s.gates, g) }

// Before adds a hook run before the named route's handler (a Route… constant, or a plugin
// route's "METHOD /path"), once the body is parsed and the session the route needs is loaded.
func (s *Setup) Before(route string, h RequestHook) { s.before[route] = append(s.before[route], h) }

// After adds a hook run after the named route's handler succeeded, before the response is
// written. It may replace the response.
func (s *Setup) After(route string, h RequestHook) { s.after[route] = append(s.after[route], h) }

// AfterEvery adds a hook run after every route's handler succeeded (core and plugin routes),
// after the route's own after hooks: Better Auth's after hooks whose matcher accepts every
// endpoint, such as the bearer plugin's set-auth-token header.
func (s *Setup) AfterEvery(h RequestHook) { s.afterAll = append(s.afterAll, matchedHook{nil, h}) }

// AfterMatching adds a hook run after the handler of every route whose name ("POST
// /sign-in/email") match accepts: Better Auth's after hooks with a path matcher. match runs
// once per route when the Auth is built, not per request, so routes it refuses pay nothing.
func (s *Setup) AfterMatching(match func(route string) bool, h RequestHook) {
	s.afterAll = append(s.afterAll, matchedHook{match, h})
}

// matchedHook is an after hook for the routes match accepts (all when match is nil).
type matchedHook struct {
	match func(route string) bool
	hook  RequestHook
}

// TokenSource supplies a session from somewhere other than the session_token cookie, such as
// an Authorization header (plugin/bearer). It returns a value in the session_token cookie's
// form, "<token>.<signature>", percent-encoded or not, and ok when the request carries one.
// It must be fast and do no I/O: it runs wherever Krag reads the caller's session (every
// route that loads one, GetSession, LoadSession, WithSession, RequireSession, SessionCookie).
type TokenSource func(r *http.Request) (value string, ok bool)

// TokenSource adds a source of session tokens. Krag checks a supplied value's signature in
// constant time exactly as the cookie's; a value that verifies is used instead of the
// session_token cookie (Better Auth's bearer plugin replaces the cookie), and one that does
// not is ignored, leaving the cookie to decide. Sources are asked in the order they were
// added; the first verified value wins.
func (s *Setup) TokenSource(src TokenSource) {
	if src == nil {
		s.fail("TokenSource: nil source")
		return
	}
	s.sources = append(s.sources, src)
}

// ErrorCodes declares the plugin's error codes (Better Auth's $ERROR_CODES).
func (s *Setup) ErrorCodes(errs ...*Error) { s.codes = append(s.codes, errs...) }

// RateLimit sets the rule for a path or glob relative to BasePath.
func (s *Setup) RateLimit(path string, r RateLimitRule) { s.rateRules[path] = r }

// TrustedOrigins adds trusted origins.
func (s *Setup) TrustedOrigins(origins ...string) { s.origins = append(s.origins, origins...) }

// Route names for hooks, as "METHOD /path" relative to BasePath.
const (
	RouteSignUpEmail         = "POST /sign-up/email"
	RouteSignInEmail         = "POST /sign-in/email"
	RouteSignOut             = "POST /sign-out"
	RouteGetSession          = "GET /get-session"
	RouteListSessions        = "GET /list-sessions"
	RouteRevokeSession       = "POST /revoke-session"
	RouteRevokeSessions      = "POST /revoke-sessions"
	RouteRevokeOtherSessions = "POST /revoke-other-sessions"
	RouteUpdateUser          = "POST /update-user"
	RouteChangePassword      = "POST /change-password"
	RouteVerifyPassword      = "POST /verify-password"
	RouteChangeEmail         = "POST /change-email"
	RouteDeleteUser          = "POST /delete-user"
	RouteOK                  = "GET /ok"
	RouteError               = "GET /error"
)
