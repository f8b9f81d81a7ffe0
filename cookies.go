package krag

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kragauth/krag/internal/signed"
)

// Cookie names and attributes follow shared/spec/better-auth-core.md §3.

// cookieNames holds the full names of Krag's cookies, prefix included.
type cookieNames struct {
	prefix                                  string // "better-auth." or "__Secure-better-auth."
	sessionToken, sessionData, dontRemember string
	secure                                  bool
	attrs                                   string // "; Domain=..; Path=/; HttpOnly[; Secure]; SameSite=Lax"
}

func newCookieNames(prefix string, secure bool, domain string) cookieNames {
	p := prefix + "."
	if secure {
		p = "__Secure-" + p
	}
	attrs := ""
	if domain != "" {
		attrs += "; Domain=" + domain
	}
	attrs += "; Path=/; HttpOnly"
	if secure {
		attrs += "; Secure"
	}
	attrs += "; SameSite=Lax"
	return cookieNames{
		prefix:       p,
		sessionToken: p + "session_token",
		sessionData:  p + "session_data",
		dontRemember: p + "dont_remember",
		secure:       secure,
		attrs:        attrs,
	}
}

// line returns a Set-Cookie value; maxAge < 0 omits Max-Age (a browser-session cookie).
func (c *cookieNames) line(name, value string, maxAge int) string {
	var b strings.Builder
	b.Grow(len(name) + len(value) + len(c.attrs) + 20)
	b.WriteString(name)
	b.WriteByte('=')
	b.WriteString(value)
	if maxAge >= 0 {
		b.WriteString("; Max-Age=")
		b.WriteString(strconv.Itoa(maxAge))
	}
	b.WriteString(c.attrs)
	return b.String()
}

// name returns the full name of a cookie: "admin_session" → "better-auth.admin_session".
func (c *cookieNames) name(short string) string { return c.prefix + short }

// expire returns the Set-Cookie value deleting name.
func (c *cookieNames) expire(name string) string { return c.line(name, "", 0) }

// cookie returns the value of the first cookie called name in the request's Cookie headers
// (§3.4: split on ";", trimmed, first occurrence wins).
func cookie(r *http.Request, name string) (string, bool) {
	for _, h := range r.Header["Cookie"] {
		for len(h) > 0 {
			var part string
			part, h, _ = strings.Cut(h, ";")
			part = strings.TrimSpace(part)
			k, v, ok := strings.Cut(part, "=")
			if ok && strings.TrimSpace(k) == name {
				return strings.TrimSpace(v), true
			}
		}
	}
	return "", false
}

// setSessionCookies adds the cookies of a new or refreshed session: the signed token (no
// Max-Age when dontRemember), the dont_remember marker, and the cookie cache.
func (a *Auth) setSessionCookies(r *Request, sd *SessionData, dontRemember bool) {
	maxAge := int(a.opts.Session.ExpiresIn / time.Second)
	if dontRemember {
		maxAge = -1
	}
	r.SetCookie(a.cookies.line(a.cookies.sessionToken, a.signedToken(sd.Session.Token), maxAge))
	if dontRemember {
		r.SetCookie(a.cookies.line(a.cookies.dontRemember, a.signer.CookieValue("true"), -1))
	}
	a.setCacheCookie(r, sd, dontRemember)
}

// clearSessionCookies expires every session cookie.
func (a *Auth) clearSessionCookies(r *Request) {
	a.forgetCache(r)
	r.SetCookie(a.cookies.expire(a.cookies.sessionToken))
	r.SetCookie(a.cookies.expire(a.cookies.sessionData))
	r.SetCookie(a.cookies.expire(a.cookies.dontRemember))
}

// dontRemember reports whether the request carries a valid dont_remember cookie.
func (a *Auth) dontRemember(r *http.Request) bool {
	v, ok := cookie(r, a.cookies.dontRemember)
	if !ok {
		return false
	}
	val, ok := a.signer.Verify(v)
	return ok && val == "true"
}

// sessionToken returns the verified session token of the request: from the first token
// source whose value verifies (Setup.TokenSource), else from the session_token cookie.
func (a *Auth) sessionToken(r *http.Request) (string, bool) {
	for _, src := range a.sources {
		if v, ok := src(r); ok {
			if tok, ok := a.verifyToken(v); ok {
				return tok, true
			}
		}
	}
	v, ok := cookie(r, a.cookies.sessionToken)
	if !ok {
		return "", false
	}
	return a.verifyToken(v)
}

// verifyToken checks a value in the session_token cookie's form. Values verified before are
// remembered, so a browser's repeat requests cost a map lookup, not an HMAC.
func (a *Auth) verifyToken(v string) (string, bool) {
	if tok, ok := a.tokenMemo.get(v); ok {
		return tok, true
	}
	tok, ok := a.signer.Verify(v)
	if ok {
		a.tokenMemo.put(v, tok, 0)
	}
	return tok, ok
}

// decodeSessionData reads the wire JSON of a session and its user.
func (a *Auth) decodeSessionData(sessionJSON, userJSON []byte) (*SessionData, error) {
	var ws wireSession
	if err := json.Unmarshal(sessionJSON, &ws); err != nil {
		return nil, err
	}
	var wu wireUser
	if err := json.Unmarshal(userJSON, &wu); err != nil {
		return nil, err
	}
	sx, err := decodeExtras(sessionJSON, a.sessionTable.Fields[coreSessionFields:])
	if err != nil {
		return nil, err
	}
	ux, err := decodeExtras(userJSON, a.userTable.Fields[coreUserFields:])
	if err != nil {
		return nil, err
	}
	return &SessionData{
		Session: &Session{ID: ws.ID, Token: ws.Token, UserID: ws.UserID, ExpiresAt: ws.ExpiresAt,
			CreatedAt: ws.CreatedAt, UpdatedAt: ws.UpdatedAt, IPAddress: deref(ws.IPAddress),
			UserAgent: deref(ws.UserAgent), extra: sx},
		User: &User{ID: wu.ID, Name: wu.Name, Email: wu.Email, EmailVerified: wu.EmailVerified,
			Image: deref(wu.Image), CreatedAt: wu.CreatedAt, UpdatedAt: wu.UpdatedAt, extra: ux},
	}, nil
}

// SignedCookieValue returns the session_token cookie value for a raw session token, as a
// browser holds it: for clients that set cookies themselves and for tests.
func (a *Auth) SignedCookieValue(token string) string { return a.signer.CookieValue(token) }

// signedToken returns the session_token cookie value for a raw token and remembers it as
// verified.
func (a *Auth) signedToken(tok string) string {
	v := a.signer.CookieValue(tok)
	a.tokenMemo.put(v, tok, 0)
	return v
}

// headerValues are response header values shared by every response (never modified).
type headerValues struct {
	json, noStore, noCache []string
}

func newHeaderValues() headerValues {
	return headerValues{json: []string{"application/json"}, noStore: []string{"no-store"}, noCache: []string{"no-cache"}}
}

// ResponseSessionToken returns the session_token cookie the response sets so far, in its
// signed and percent-decoded form "<token>.<signature>" (what Better Auth's set-auth-token
// header carries), when the last Set-Cookie for it has a non-empty value and a Max-Age other
// than 0. ok is false when the response sets no such cookie or expires it.
func (r *Request) ResponseSessionToken() (value string, ok bool) {
	name := r.auth.cookies.sessionToken
	for i := len(r.cookies) - 1; i >= 0; i-- {
		line := r.cookies[i]
		if len(line) <= len(name) || line[len(name)] != '=' || line[:len(name)] != name {
			continue
		}
		v, attrs, _ := strings.Cut(line[len(name)+1:], ";")
		if v == "" {
			return "", false
		}
		for attrs != "" {
			var a string
			a, attrs, _ = strings.Cut(attrs, ";")
			if strings.TrimSpace(a) == "Max-Age=0" {
				return "", false
			}
		}
		dec, err := signed.Unescape(v)
		if err != nil {
			return "", false
		}
		return dec, true
	}
	return "", false
}
