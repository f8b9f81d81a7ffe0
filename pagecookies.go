package krag

import (
	"net/http"
	"time"
)

// The cookie methods of Request, for pages served beside the API (package web) that keep state
// a plugin's routes also read, such as plugin/admin's admin_session while an administrator
// impersonates someone: a page and a route then read and write the very same cookie, so either
// may finish what the other started.

// SessionCookie returns the session token of r's session_token cookie, when its signature
// verifies, and whether r's browser asked not to be remembered (dont_remember), as
// Request.SessionCookie does in a route.
func (a *Auth) SessionCookie(r *http.Request) (token string, dontRemember bool, ok bool) {
	token, ok = a.sessionToken(r)
	return token, a.dontRemember(r), ok
}

// SignedCookie returns the value of r's cookie called name (without the prefix) when its
// signature verifies, as Request.SignedCookie does in a route.
func (a *Auth) SignedCookie(r *http.Request, name string) (string, bool) {
	req := &Request{HTTP: r, auth: a}
	return req.SignedCookie(name)
}

// SetSignedCookie adds to w the cookie Request.SetSignedCookie sets in a route: name gets the
// Auth's cookie prefix, value is signed with the Auth's secret, and the attributes are the
// session cookies'; maxAge < 0 makes a browser-session cookie.
func (a *Auth) SetSignedCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	req := &Request{HTTP: r, auth: a, w: w}
	req.SetSignedCookie(name, value, maxAge)
	addCookies(w, req.cookies)
}

// ExpireCookie adds to w the Set-Cookie header that deletes the cookie called name (without
// the prefix), as Request.ExpireCookie does in a route.
func (a *Auth) ExpireCookie(w http.ResponseWriter, r *http.Request, name string) {
	req := &Request{HTTP: r, auth: a, w: w}
	req.ExpireCookie(name)
	addCookies(w, req.cookies)
}
