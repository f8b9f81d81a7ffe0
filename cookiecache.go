package krag

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kragauth/krag/internal/token"
)

// The session_data cookie cache (shared/spec/better-auth-core.md §3.5) lets get-session and
// the session middleware answer without the database for up to CookieCache.MaxAge. Two
// strategies:
//
//   - CookieCacheReference (Krag's default): the cookie holds a random 128-bit key into this
//     process's memory, where the session, its user and the ready get-session answer are kept.
//     The cookie is 22 bytes instead of about 1.2 KB and carries no personal data; a key this
//     process does not know (another instance, a restart, an evicted entry) falls back to the
//     database, which issues a fresh key.
//   - CookieCacheCompact (Better Auth's "compact"): the signed session and user themselves,
//     base64url JSON, byte-compatible with Better Auth, for servers sharing cookies with it.
//     Verified values are remembered too, so a repeat costs a map lookup.
//
// Either way a revoked session may be answered from the cache until the entry expires, as in
// Better Auth; disableCookieCache and sensitive endpoints always read the database.

// CookieCacheStrategy selects the format of the session_data cookie.
type CookieCacheStrategy string

// Cookie cache strategies.
const (
	CookieCacheReference CookieCacheStrategy = "reference"
	CookieCacheCompact   CookieCacheStrategy = "compact"
)

// maxCacheCookie is the largest compact cookie Krag writes; larger sessions are not cached
// (Better Auth would split them into chunks).
const maxCacheCookie = 3900

// cachedSession is a cache entry: a session, its user and the get-session answer, valid for
// the raw session token tok until expiresAt (ms).
type cachedSession struct {
	data      *SessionData
	body      []byte // {"session":…,"user":…}
	expiresAt int64
}

// memo is a bounded map safe for concurrent use. When full, expired entries go first, then
// an arbitrary quarter (map order), so a flood of new keys cannot grow memory without bound.
type memo[V any] struct {
	mu      sync.Mutex
	max     int
	m       map[string]V
	expired func(V, int64) bool
}

func newMemo[V any](max int, expired func(V, int64) bool) *memo[V] {
	return &memo[V]{max: max, m: make(map[string]V), expired: expired}
}

func (m *memo[V]) get(k string) (V, bool) {
	m.mu.Lock()
	v, ok := m.m[k]
	m.mu.Unlock()
	return v, ok
}

func (m *memo[V]) put(k string, v V, nowMs int64) {
	m.mu.Lock()
	if len(m.m) >= m.max {
		if m.expired != nil {
			for key, old := range m.m {
				if m.expired(old, nowMs) {
					delete(m.m, key)
				}
			}
		}
		n := 0
		for key := range m.m {
			if len(m.m) < m.max*3/4 || n >= m.max/4 {
				break
			}
			delete(m.m, key)
			n++
		}
	}
	m.m[k] = v
	m.mu.Unlock()
}

func (m *memo[V]) del(k string) {
	m.mu.Lock()
	delete(m.m, k)
	m.mu.Unlock()
}

// setCacheCookie issues the session_data cookie for sd (when the cache is on) and remembers
// the entry.
func (a *Auth) setCacheCookie(r *Request, sd *SessionData, dontRemember bool) {
	if !a.opts.Session.CookieCache.Enabled {
		return
	}
	now := a.now()
	life := a.opts.Session.CookieCache.MaxAge
	if dontRemember {
		life = time.Minute
	}
	exp := now.Add(life).UnixMilli()
	entry := &cachedSession{data: sd, body: a.appendSessionData(nil, sd), expiresAt: exp}
	var v string
	if a.opts.Session.CookieCache.Strategy == CookieCacheCompact {
		v = a.encodeCache(sd, now, exp)
		if len(v) > maxCacheCookie {
			r.SetCookie(a.cookies.expire(a.cookies.sessionData))
			return
		}
	} else {
		v = token.String(22, token.URLSafe)
	}
	a.cacheMemo.put(v, entry, now.UnixMilli())
	maxAge := int(a.opts.Session.CookieCache.MaxAge / time.Second)
	if dontRemember {
		maxAge = -1
	}
	r.SetCookie(a.cookies.line(a.cookies.sessionData, v, maxAge))
}

// cachedFor returns the cache entry of a session_data cookie value for the raw session token
// tok, or false when it is unknown, forged, of another version, for another token or expired.
func (a *Auth) cachedFor(value, tok string) (*cachedSession, bool) {
	now := a.now()
	c, ok := a.cacheMemo.get(value)
	if !ok {
		if a.opts.Session.CookieCache.Strategy != CookieCacheCompact {
			return nil, false
		}
		if c, ok = a.verifyCache(value); !ok {
			return nil, false
		}
		a.cacheMemo.put(value, c, now.UnixMilli())
	}
	if c.expiresAt <= now.UnixMilli() || c.data.Session.Token != tok || !c.data.Session.ExpiresAt.After(now) {
		return nil, false
	}
	return c, true
}

// encodeCache builds a compact cookie value: base64url of
// {"session":<payload>,"expiresAt":<ms>,"signature":<sig>} where payload is
// {"session":…,"user":…,"updatedAt":<ms>,"version":…} and sig is the base64url HMAC of the
// payload text with ,"expiresAt":<ms> inserted before its closing brace.
func (a *Auth) encodeCache(sd *SessionData, now time.Time, exp int64) string {
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

// verifyCache checks a compact cookie's signature and version and decodes it. Cookies written
// by Better Auth verify too when the secret is shared.
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
	body := make([]byte, 0, len(p.Session)+len(p.User)+24)
	body = append(body, `{"session":`...)
	body = append(body, p.Session...)
	body = append(body, `,"user":`...)
	body = append(body, p.User...)
	body = append(body, '}')
	return &cachedSession{data: sd, body: body, expiresAt: outer.ExpiresAt}, true
}

// forgetCache drops the cache entry of the request's session_data cookie: the caller signed
// out, or its session changed and a new entry replaces it. Other browsers' entries for the same
// session expire by themselves within MaxAge.
func (a *Auth) forgetCache(r *Request) {
	if v, ok := cookie(r.HTTP, a.cookies.sessionData); ok {
		a.cacheMemo.del(v)
	}
}
