package krag

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// Helpers for server-rendered pages served beside the API (package web). A page that signs a
// browser in through the Go API sets the very cookies the API's routes set, so the browser is
// signed in for the Better Auth client too, and a session the client started is one the pages
// see. Pages also count against the API's rate limits, so they are no way around them.

// SetSessionCookies adds to w the cookies of sd, a session just created through the Go API
// (SignInEmail, SignUpEmail, ChangePassword with RevokeOtherSessions), exactly as POST
// /sign-in/email sets them: the signed session_token (without Max-Age when dontRemember,
// Better Auth's rememberMe: false), the dont_remember marker, and the cookie cache. A
// dont_remember cookie r still carries from an earlier session is expired when dontRemember is
// false.
func (a *Auth) SetSessionCookies(w http.ResponseWriter, r *http.Request, sd *SessionData, dontRemember bool) {
	req := &Request{HTTP: r, auth: a, w: w}
	a.forgetCache(req)
	a.setSessionCookies(req, sd, dontRemember)
	if !dontRemember {
		if _, ok := cookie(r, a.cookies.dontRemember); ok {
			req.SetCookie(a.cookies.expire(a.cookies.dontRemember))
		}
	}
	addCookies(w, req.cookies)
}

// RefreshSessionCookies re-issues the cookies of r's session after its user changed (a
// profile or email update through the Go API), as POST /update-user does: the same token,
// a fresh cookie cache holding sd's user, and a browser-session cookie kept as one.
func (a *Auth) RefreshSessionCookies(w http.ResponseWriter, r *http.Request, sd *SessionData) {
	req := &Request{HTTP: r, auth: a, w: w}
	a.resetSessionCookies(req, sd)
	addCookies(w, req.cookies)
}

// ClearSessionCookies adds to w the Set-Cookie headers that expire every session cookie of r's
// browser (token, cookie cache, dont_remember), as POST /sign-out does. Delete the session
// itself with SignOut.
func (a *Auth) ClearSessionCookies(w http.ResponseWriter, r *http.Request) {
	req := &Request{HTTP: r, auth: a, w: w}
	a.clearSessionCookies(req)
	addCookies(w, req.cookies)
}

// LoadSession returns the session of r's cookies with its user, read from the database and
// never from the cookie cache, so that a revoked session ends at once; nil, nil when there is
// none. Like get-session it slides the expiry when due and adds the refreshed cookies to w,
// and it expires the cookies of a session that is gone. A user refused by a gate (inactive,
// banned) is an error, with the cookies expired. Pages call it on every request; the API's
// routes and middleware do not need it.
func (a *Auth) LoadSession(w http.ResponseWriter, r *http.Request) (*SessionData, error) {
	req := &Request{HTTP: r, auth: a, w: w}
	sd, err := a.loadSession(r.Context(), req, r, loadOptions{noCache: true})
	addCookies(w, req.cookies)
	return sd, err
}

// ContextWithSession returns a copy of ctx carrying sd, for SessionFromContext and the code
// that reads it (plugin/rbac's Can and Authorize): for handlers that load the session
// themselves with LoadSession instead of through WithSession or RequireSession.
func ContextWithSession(ctx context.Context, sd *SessionData) context.Context {
	return context.WithValue(ctx, ctxKey{}, sd)
}

// FreshSession reports whether s was created within Options.Session.FreshAge (always, when
// FreshAge is negative): what list-sessions and unlink-account require of the caller's session.
func (a *Auth) FreshSession(s *Session) bool { return a.fresh(s) }

// ClientIP returns the address of r's client as Krag records it on sessions and rate limits
// it: from Options.Advanced.IPAddressHeaders only, "" when unknown or when IP tracking is off.
func (a *Auth) ClientIP(r *http.Request) string { return a.clientIP(r) }

// RateLimit counts a request from r's client to the API path (relative to BasePath, such as
// "/sign-in/email") and returns 0 when it is allowed, or how long the client must wait. Pages
// that do what an endpoint does call it with the endpoint's path, so they share its counter
// and its rule. It always allows when the rate limiter is off.
func (a *Auth) RateLimit(r *http.Request, path string) time.Duration {
	if a.limiter == nil {
		return 0
	}
	ip := a.clientIP(r)
	if ip == "" {
		ip = "no-trusted-ip"
	}
	key := strings.TrimRight(path, "/")
	wait := a.limiter.allow(ip+"|"+key, a.limiter.rule(key), a.now())
	if wait > 0 {
		a.log.Warn("krag: rate limited", "route", key, "remote_ip", ip)
	}
	return time.Duration(wait) * time.Second
}

func addCookies(w http.ResponseWriter, lines []string) {
	h := w.Header()
	for _, c := range lines {
		h.Add("Set-Cookie", c)
	}
}
