package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

// Every form carries a CSRF token, and ServeHTTP refuses a POST (fail closed: the 403 page)
// unless both checks pass:
//
//   - Fetch Metadata: a browser that sends Sec-Fetch-Site must say same-origin. Every current
//     browser sends it, so a form on another site, or on a sibling subdomain, is refused
//     before its token is even looked at.
//   - Double submit: the form's "csrf" field must equal the browser's CSRF cookie, a random
//     value set on the first page view (HttpOnly, SameSite=Lax, and __Host- prefixed over
//     HTTPS so a sibling subdomain cannot plant one). Another site can neither read the cookie
//     nor set it, so it cannot fill in the field, with or without Fetch Metadata.
//
// The token is not tied to the session, so one tab's forms stay valid across sign-in and
// sign-out in another; it protects sign-in itself too (login CSRF).

// csrfField is the name of the token's hidden field in every form.
const csrfField = "csrf"

// csrfCookieName returns the CSRF cookie's name: __Host- prefixed when the request came over
// HTTPS (directly or, as X-Forwarded-Proto says, through a proxy).
func csrfCookieName(r *http.Request) string {
	if secureRequest(r) {
		return "__Host-krag_csrf"
	}
	return "krag_csrf"
}

func secureRequest(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// csrfCookie returns the browser's CSRF token, setting a new cookie when it has none (or a
// malformed one).
func (s *site) csrfCookie(w http.ResponseWriter, r *http.Request) string {
	name := csrfCookieName(r)
	if c, err := r.Cookie(name); err == nil && validToken(c.Value) {
		return c.Value
	}
	b := make([]byte, 32)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: tok, Path: "/", HttpOnly: true, Secure: secureRequest(r),
		SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600,
	})
	// The request's own later reads (a redirect back to a form) see the same token.
	r.AddCookie(&http.Cookie{Name: name, Value: tok})
	return tok
}

// validToken reports whether s has the form of a token csrfCookie makes.
func validToken(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// checkCSRF parses the POST's form (bounded) and applies both checks; errCSRF when either
// fails, and the request is logged as rejected.
func (s *site) checkCSRF(w http.ResponseWriter, r *http.Request) error {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		s.log.Warn("web: cross-site form rejected", "path", r.URL.Path, "sec_fetch_site", site)
		return errCSRF
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.log.Warn("web: unreadable form rejected", "path", r.URL.Path, "err", err)
		return errCSRF
	}
	got := r.PostForm.Get(csrfField)
	want := stateOf(r).csrf
	if got == "" || want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		s.log.Warn("web: form without a valid CSRF token rejected", "path", r.URL.Path, "token_sent", got != "")
		return errCSRF
	}
	return nil
}
