package krag

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Cookie names and attributes follow shared/spec/better-auth-core.md §3.

// cookieNames holds the full names of Krag's cookies, prefix included.
type cookieNames struct {
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
	r.SetCookie(a.cookies.line(a.cookies.sessionToken, a.signer.CookieValue(sd.Session.Token), maxAge))
	if dontRemember {
		r.SetCookie(a.cookies.line(a.cookies.dontRemember, a.signer.CookieValue("true"), -1))
	}
	a.setCacheCookie(r, sd, dontRemember)
}

// clearSessionCookies expires every session cookie.
func (a *Auth) clearSessionCookies(r *Request) {
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

// sessionToken returns the verified session token of the request's cookie.
func (a *Auth) sessionToken(r *http.Request) (string, bool) {
	v, ok := cookie(r, a.cookies.sessionToken)
	if !ok {
		return "", false
	}
	return a.signer.Verify(v)
}

// --- session_data cookie cache, Better Auth's "compact" strategy (§3.5) ---

// maxCacheCookie is the largest cache cookie Krag writes; larger sessions are not cached
// (Better Auth would split them into chunks).
const maxCacheCookie = 3900

func (a *Auth) setCacheCookie(r *Request, sd *SessionData, dontRemember bool) {
	if !a.opts.Session.CookieCache.Enabled {
		return
	}
	v := a.encodeCache(sd, dontRemember)
	if len(v) > maxCacheCookie {
		r.SetCookie(a.cookies.expire(a.cookies.sessionData))
		return
	}
	maxAge := int(a.opts.Session.CookieCache.MaxAge / time.Second)
	if dontRemember {
		maxAge = -1
	}
	r.SetCookie(a.cookies.line(a.cookies.sessionData, v, maxAge))
}

// encodeCache builds the cookie value: base64url of
// {"session":<payload>,"expiresAt":<ms>,"signature":<sig>} where payload is
// {"session":…,"user":…,"updatedAt":<ms>,"version":…} and sig is the base64url HMAC of the
// payload text with ,"expiresAt":<ms> inserted before its closing brace.
func (a *Auth) encodeCache(sd *SessionData, dontRemember bool) string {
	now := a.now()
	life := a.opts.Session.CookieCache.MaxAge
	if dontRemember {
		life = time.Minute
	}
	exp := now.Add(life).UnixMilli()

	p := make([]byte, 0, 1024)
	p = append(p, `{"session":`...)
	p = a.appendSession(p, sd.Session, sd.Session.Token)
	p = append(p, `,"user":`...)
	p = a.appendUser(p, sd.User)
	p = append(p, `,"updatedAt":`...)
	p = strconv.AppendInt(p, now.UnixMilli(), 10)
	p = append(p, `,"version":`...)
	p = appendString(p, a.opts.Session.CookieCache.Version)
	payloadLen := len(p)
	p = append(p, `,"expiresAt":`...)
	p = strconv.AppendInt(p, exp, 10)
	p = append(p, '}')
	mac := a.signer.MAC(nil, string(p))

	out := make([]byte, 0, payloadLen+128)
	out = append(out, `{"session":`...)
	out = append(out, p[:payloadLen]...)
	out = append(out, '}')
	out = append(out, `,"expiresAt":`...)
	out = strconv.AppendInt(out, exp, 10)
	out = append(out, `,"signature":"`...)
	out = base64.RawURLEncoding.AppendEncode(out, mac)
	out = append(out, `"}`...)
	return base64.RawURLEncoding.EncodeToString(out)
}

type cacheOuter struct {
	Session   json.RawMessage `json:"session"`
	ExpiresAt int64           `json:"expiresAt"`
	Signature string          `json:"signature"`
}

type cachePayload struct {
	Session json.RawMessage `json:"session"`
	User    json.RawMessage `json:"user"`
	Version string          `json:"version"`
}

// cachedSession is a verified cache cookie.
type cachedSession struct {
	session, user json.RawMessage
	data          *SessionData
	expiresAt     int64 // the cookie's own expiry, ms
}

// cacheMemo remembers cache cookies already verified and decoded, keyed by their exact value:
// the same browser sends the same value for up to MaxAge, and checking a value seen before
// costs a map lookup instead of an HMAC and two JSON decodes. Entries are immutable.
type cacheMemo struct {
	mu sync.Mutex
	m  map[string]*cachedSession
}

// maxMemo bounds the memo (about 3 KiB per entry).
const maxMemo = 4096

func (m *cacheMemo) get(v string) *cachedSession {
	m.mu.Lock()
	c := m.m[v]
	m.mu.Unlock()
	return c
}

func (m *cacheMemo) put(v string, c *cachedSession) {
	m.mu.Lock()
	if m.m == nil {
		m.m = make(map[string]*cachedSession)
	}
	if len(m.m) >= maxMemo {
		// Drop a quarter, chosen by map order (effectively at random).
		n := 0
		for k := range m.m {
			delete(m.m, k)
			if n++; n >= maxMemo/4 {
				break
			}
		}
	}
	m.m[v] = c
	m.mu.Unlock()
}

// decodeCache verifies a cache cookie for token and returns its contents, or ok=false when the
// cookie is malformed, forged, of another version, for another token or expired.
func (a *Auth) decodeCache(value, token string) (*cachedSession, bool) {
	now := a.now()
	c := a.memo.get(value)
	if c == nil {
		var ok bool
		if c, ok = a.verifyCache(value); !ok {
			return nil, false
		}
		a.memo.put(value, c)
	}
	if c.expiresAt <= now.UnixMilli() || c.data.Session.Token != token || !c.data.Session.ExpiresAt.After(now) {
		return nil, false
	}
	return c, true
}

// verifyCache checks a cache cookie's signature and version and decodes it.
func (a *Auth) verifyCache(value string) (*cachedSession, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(value, "="))
	if err != nil {
		return nil, false
	}
	var outer cacheOuter
	if json.Unmarshal(raw, &outer) != nil || len(outer.Session) < 2 || outer.Session[len(outer.Session)-1] != '}' {
		return nil, false
	}
	signedText := make([]byte, 0, len(outer.Session)+32)
	signedText = append(signedText, outer.Session[:len(outer.Session)-1]...)
	signedText = append(signedText, `,"expiresAt":`...)
	signedText = strconv.AppendInt(signedText, outer.ExpiresAt, 10)
	signedText = append(signedText, '}')
	want := a.signer.MAC(nil, string(signedText))
	got, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(outer.Signature, "="))
	if err != nil || !hmac.Equal(got, want) {
		return nil, false
	}
	var p cachePayload
	if json.Unmarshal(outer.Session, &p) != nil || p.Version != a.opts.Session.CookieCache.Version {
		return nil, false
	}
	sd, err := a.decodeSessionData(p.Session, p.User)
	if err != nil {
		return nil, false
	}
	return &cachedSession{session: p.Session, user: p.User, data: sd, expiresAt: outer.ExpiresAt}, true
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
