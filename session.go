package krag

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/kragauth/krag/internal/token"
	"github.com/kragauth/krag/store"
)

// loadOptions select how a session is read.
type loadOptions struct {
	noCache   bool // bypass the cookie cache (sensitive routes, disableCookieCache)
	noRefresh bool // never slide the expiry (disableRefresh, GetSession)
	noWrite   bool // do not touch cookies (GetSession from Go)
}

// loadSession reads the caller's session (shared/spec/better-auth-core.md §4.5). It returns nil,
// nil when there is none; cookies to set or expire are added to r unless o.noWrite. A user
// refused by a gate is an error and the session cookies are expired.
func (a *Auth) loadSession(ctx context.Context, r *Request, hr *http.Request, o loadOptions) (*SessionData, error) {
	setCookie := func(line string) {
		if !o.noWrite && r != nil {
			r.SetCookie(line)
		}
	}
	cacheOn := a.opts.Session.CookieCache.Enabled
	cacheVal, hasCache := cookie(hr, a.cookies.sessionData)
	if hasCache && !cacheOn {
		setCookie(a.cookies.expire(a.cookies.sessionData))
	}
	tok, ok := a.sessionToken(hr)
	if !ok {
		return nil, nil
	}
	if cacheOn && hasCache && !o.noCache {
		if c, ok := a.cachedFor(cacheVal, tok); ok {
			if err := a.gate(c.data.User); err != nil {
				a.clearCookies(setCookie)
				return nil, err
			}
			return c.data, nil
		}
		// An invalid cache cookie is replaced below: by a fresh one, or expired with the
		// session cookies.
	}
	sd, err := a.findSession(ctx, tok)
	if err != nil {
		return nil, err
	}
	now := a.now()
	if sd == nil || !sd.Session.ExpiresAt.After(now) {
		a.clearCookies(setCookie)
		if sd != nil {
			if _, err := a.store.Delete(ctx, "session", []store.Where{store.Is("id", sd.Session.ID)}); err != nil {
				a.log.Warn("krag: delete expired session", "err", err)
			}
		}
		return nil, nil
	}
	if err := a.gate(sd.User); err != nil {
		a.clearCookies(setCookie)
		return nil, err
	}
	dontRemember := a.dontRemember(hr)
	refresh := !dontRemember && !o.noRefresh && !a.opts.Session.DisableSessionRefresh &&
		!sd.Session.ExpiresAt.Add(-a.opts.Session.ExpiresIn).Add(a.opts.Session.UpdateAge).After(now)
	if refresh {
		ok, err := a.refreshSession(ctx, sd.Session)
		if err != nil {
			return nil, err
		}
		if !ok {
			a.clearCookies(setCookie)
			return nil, ErrFailedToGetSession.WithStatus(http.StatusUnauthorized)
		}
		if !o.noWrite && r != nil {
			a.setSessionCookies(r, sd, false)
		}
		return sd, nil
	}
	if !o.noWrite && r != nil {
		a.setCacheCookie(r, sd, dontRemember)
	}
	return sd, nil
}

func (a *Auth) clearCookies(set func(string)) {
	set(a.cookies.expire(a.cookies.sessionToken))
	set(a.cookies.expire(a.cookies.sessionData))
	set(a.cookies.expire(a.cookies.dontRemember))
}

// requireSession loads the session a route needs into r.Session.
func (a *Auth) requireSession(r *Request, req SessionRequirement) error {
	if req == SessionNone {
		return nil
	}
	sd, err := a.loadSession(r.Context(), r, r.HTTP, loadOptions{noCache: req >= SessionSensitive})
	if err != nil {
		return err
	}
	if sd == nil {
		if req == SessionOptional {
			return nil
		}
		return ErrUnauthorized
	}
	if req == SessionFresh && !a.fresh(sd.Session) {
		return ErrSessionNotFresh
	}
	r.Session = sd
	return nil
}

// fresh reports whether the session was created less than FreshAge ago.
func (a *Auth) fresh(s *Session) bool {
	if a.opts.Session.FreshAge < 0 {
		return true
	}
	return a.now().Sub(s.CreatedAt) < a.opts.Session.FreshAge
}

// GetSession returns the session of the request's cookie with its user, or nil when there is
// none. It reads the cookie cache when enabled, never slides the expiry and writes nothing;
// use WithSession or RequireSession to also refresh the session and its cookies. A user
// refused by a gate (for example an inactive one) is an error.
func (a *Auth) GetSession(ctx context.Context, r *http.Request) (*SessionData, error) {
	return a.loadSession(ctx, nil, r, loadOptions{noRefresh: true, noWrite: true})
}

type ctxKey struct{}

// SessionFromContext returns the session WithSession or RequireSession put in ctx, or nil.
func SessionFromContext(ctx context.Context) *SessionData {
	sd, _ := ctx.Value(ctxKey{}).(*SessionData)
	return sd
}

// WithSession is middleware that loads the caller's session (sliding its expiry and
// refreshing its cookies as get-session does) and makes it available to next through
// SessionFromContext. Requests without a session pass with none.
func (a *Auth) WithSession(next http.Handler) http.Handler {
	return a.sessionMiddleware(next, false)
}

// RequireSession is like WithSession but answers 401 {"code":"UNAUTHORIZED"} to requests
// without a valid session (403 with the gate's code for refused users).
func (a *Auth) RequireSession(next http.Handler) http.Handler {
	return a.sessionMiddleware(next, true)
}

func (a *Auth) sessionMiddleware(next http.Handler, required bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		r := &Request{HTTP: hr, auth: a, w: w}
		sd, err := a.loadSession(hr.Context(), r, hr, loadOptions{})
		for _, c := range r.cookies {
			w.Header().Add("Set-Cookie", c)
		}
		if err == nil && sd == nil && required {
			err = ErrUnauthorized
		}
		if err != nil {
			if errors.Is(err, store.ErrUnavailable) {
				a.log.Error("krag: session middleware: database unavailable", "err", err)
				err = ErrServiceUnavailable
			} else if !errors.As(err, new(*Error)) {
				a.log.Error("krag: session middleware", "err", err)
			}
			writeError(w, err)
			return
		}
		if sd != nil {
			hr = hr.WithContext(context.WithValue(hr.Context(), ctxKey{}, sd))
		}
		next.ServeHTTP(w, hr)
	})
}

// --- routes ---

// jsTruthy reports JavaScript truthiness of a query value: any non-empty string.
func jsTruthy(s string) bool { return s != "" }

func (a *Auth) handleGetSession(r *Request) error {
	h := r.Header()
	h["Cache-Control"] = a.hdr.noStore
	h["Pragma"] = a.hdr.noCache
	var o loadOptions
	if r.HTTP.URL.RawQuery != "" {
		q := r.Query()
		o = loadOptions{noCache: jsTruthy(q.Get("disableCookieCache")), noRefresh: jsTruthy(q.Get("disableRefresh"))}
	}
	// Fast path for the cookie cache: answer with the entry's ready JSON.
	if a.opts.Session.CookieCache.Enabled && !o.noCache {
		if v, ok := cookie(r.HTTP, a.cookies.sessionData); ok {
			if tok, ok := a.sessionToken(r.HTTP); ok {
				if c, ok := a.cachedFor(v, tok); ok {
					if err := a.gate(c.data.User); err != nil {
						a.clearSessionCookies(r)
						return err
					}
					r.RawJSON(c.body)
					return nil
				}
			}
		}
	}
	sd, err := a.loadSession(r.Context(), r, r.HTTP, o)
	if err != nil {
		return err
	}
	if sd == nil {
		r.RawJSON([]byte("null"))
		return nil
	}
	r.RawJSON(a.appendSessionData(make([]byte, 0, 1024), sd))
	return nil
}

// appendSessionData writes {"session":…,"user":…}.
func (a *Auth) appendSessionData(b []byte, sd *SessionData) []byte {
	b = append(b, `{"session":`...)
	b = a.appendSession(b, sd.Session, sd.Session.Token)
	b = append(b, `,"user":`...)
	b = a.appendUser(b, sd.User)
	return append(b, '}')
}

// ListSessions returns the user's unexpired sessions. The session whose raw token is current
// shows it; the others show an opaque handle (Better Auth shows every raw token, which hands
// all of them to any script on the page) unless Session.StoreRawTokens is set. Handles and raw
// tokens are both accepted by RevokeSession.
func (a *Auth) ListSessions(ctx context.Context, userID, current string) ([]*Session, error) {
	recs, err := a.store.FindMany(ctx, "session", store.Query{
		Where: []store.Where{store.Is("userId", userID), {Field: "expiresAt", Op: store.Gt, Value: a.now().UTC()}},
		Sort:  []store.Sort{{Field: "createdAt"}},
	})
	if err != nil {
		return nil, err
	}
	curStored := ""
	if current != "" {
		curStored = tokenPrefix + token.S256(current)
	}
	out := make([]*Session, 0, len(recs))
	for _, rec := range recs {
		s := a.sessionFromRecord(rec)
		switch {
		case current != "" && (s.Token == curStored || s.Token == current):
			s.Token = current
		case a.opts.Session.StoreRawTokens && !strings.HasPrefix(s.Token, tokenPrefix):
			// Raw tokens, as Better Auth lists them.
		default:
			s.Token = handlePrefix + s.ID
		}
		out = append(out, s)
	}
	return out, nil
}

func (a *Auth) handleListSessions(r *Request) error {
	list, err := a.ListSessions(r.Context(), r.Session.User.ID, r.Session.Session.Token)
	if err != nil {
		return err
	}
	b := []byte{'['}
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = a.appendSession(b, s, s.Token)
	}
	r.RawJSON(append(b, ']'))
	return nil
}

// RevokeSession deletes the user's session named by a raw token or a handle from
// ListSessions. Sessions of other users are left alone and no error says so.
func (a *Auth) RevokeSession(ctx context.Context, userID, tokenOrHandle string) error {
	var where []store.Where
	switch {
	case strings.HasPrefix(tokenOrHandle, handlePrefix):
		where = []store.Where{store.Is("id", strings.TrimPrefix(tokenOrHandle, handlePrefix))}
	case token.IsAlnum(tokenOrHandle):
		where = []store.Where{{Field: "token", Op: store.In, Value: tokenForms(tokenOrHandle)}}
	default:
		return nil
	}
	where = append(where, store.Is("userId", userID))
	return a.deleteSessions(ctx, where)
}

func parseRevokeSession(r *Request) (string, error) {
	v := r.Validate()
	if !v.Object(false) {
		return "", v.Err()
	}
	tok := v.String("token")
	return tok, v.Err()
}

func (a *Auth) handleRevokeSession(r *Request) error {
	tok, err := parseRevokeSession(r)
	if err != nil {
		return err
	}
	if err := a.RevokeSession(r.Context(), r.Session.User.ID, tok); err != nil {
		return err
	}
	cur := r.Session.Session
	if tok == cur.Token || tok == handlePrefix+cur.ID {
		a.clearSessionCookies(r)
	}
	return r.JSON(map[string]bool{"status": true})
}

func (a *Auth) handleRevokeSessions(r *Request) error {
	if err := a.RevokeSessions(r.Context(), r.Session.User.ID); err != nil {
		return err
	}
	a.clearSessionCookies(r)
	return r.JSON(map[string]bool{"status": true})
}

// RevokeOtherSessions deletes every unexpired session of the user except the one with the raw
// token current.
func (a *Auth) RevokeOtherSessions(ctx context.Context, userID, current string) error {
	return a.deleteSessions(ctx, []store.Where{
		store.Is("userId", userID),
		{Field: "token", Op: store.NotIn, Value: tokenForms(current)},
		{Field: "expiresAt", Op: store.Gt, Value: a.now().UTC()},
	})
}

func (a *Auth) handleRevokeOtherSessions(r *Request) error {
	if err := a.RevokeOtherSessions(r.Context(), r.Session.User.ID, r.Session.Session.Token); err != nil {
		return err
	}
	return r.JSON(map[string]bool{"status": true})
}

// SignOut deletes the session with the raw token t, if there is one.
func (a *Auth) SignOut(ctx context.Context, t string) error {
	if !token.IsAlnum(t) {
		return nil
	}
	return a.deleteSessions(ctx, []store.Where{{Field: "token", Op: store.In, Value: tokenForms(t)}})
}

func (a *Auth) handleSignOut(r *Request) error {
	if tok, ok := a.sessionToken(r.HTTP); ok {
		if err := a.SignOut(r.Context(), tok); err != nil {
			a.log.Error("krag: sign-out", "err", err)
		}
	}
	a.clearSessionCookies(r)
	return r.JSON(map[string]bool{"success": true})
}
