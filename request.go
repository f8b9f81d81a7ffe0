package krag

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf16"
)

// SessionRequirement says what session a route needs before its handler runs
// (shared/spec/better-auth-core.md §4.6).
type SessionRequirement uint8

// Session requirements.
const (
	// SessionNone loads no session.
	SessionNone SessionRequirement = iota
	// SessionOptional loads the session if there is one.
	SessionOptional
	// SessionRequired needs a valid session (the cookie cache may answer): 401 otherwise.
	SessionRequired
	// SessionSensitive needs a valid session read from the database.
	SessionSensitive
	// SessionFresh needs a database session created less than Session.FreshAge ago:
	// 403 SESSION_NOT_FRESH otherwise.
	SessionFresh
)

// Route describes an endpoint for Setup.Handle.
type Route struct {
	// Method is GET or POST (one method per Route).
	Method string
	// Path is relative to BasePath and starts with "/". A segment ":name" matches any single
	// segment, read with Request.Param.
	Path string
	// Session is what the route needs.
	Session SessionRequirement
	// Form accepts application/x-www-form-urlencoded bodies besides JSON.
	Form bool
	// Validate, when set, checks the body and query before the session is loaded, so that a
	// malformed request is answered 400 VALIDATION_ERROR even without a session, as Better
	// Auth's schema validation is. Handlers may parse again: the body is parsed once already.
	Validate func(r *Request) error
	// Handler answers the request.
	Handler func(r *Request) error
}

// Request is one request to a Krag route: the HTTP request, its parsed body, the session the
// route asked for, and the response being built. Handlers answer through JSON, Redirect and
// SetCookie; Krag writes the response after the after-hooks have run.
type Request struct {
	// HTTP is the underlying request. Its body has already been read.
	HTTP *http.Request

	auth     *Auth
	route    *route
	params   []string
	body     map[string]json.RawMessage // nil when no body or not an object
	isBody   bool                       // a body was sent (possibly empty object)
	bodyKind string                     // JSON kind of the body ("object", "array", ...)
	query    url.Values

	// Session is the caller's session when the route asked for one (or a before hook loaded
	// it); nil otherwise.
	Session *SessionData
	// NewSession is the session the handler created (sign-in, sign-up), for after hooks.
	NewSession *SessionData

	status   int
	result   []byte
	html     bool // result is an HTML page, not JSON
	w        http.ResponseWriter
	cookies  []string
	location string
}

// Context returns the request's context.
func (r *Request) Context() context.Context { return r.HTTP.Context() }

// Auth returns the Auth serving the request.
func (r *Request) Auth() *Auth { return r.auth }

// Route returns the name of the route being served, "METHOD /path" as in Setup.Handle
// ("GET /callback/:id"), for hooks added with Setup.AfterEvery.
func (r *Request) Route() string { return r.route.name }

// Param returns the value of a ":name" path segment.
func (r *Request) Param(name string) string {
	for i, n := range r.route.params {
		if n == name && i < len(r.params) {
			return r.params[i]
		}
	}
	return ""
}

// Query returns the URL query.
func (r *Request) Query() url.Values {
	if r.query == nil {
		r.query = r.HTTP.URL.Query()
	}
	return r.query
}

// RawBody returns a top-level field of the JSON or form body, or nil.
func (r *Request) RawBody(key string) json.RawMessage { return r.body[key] }

// HasBody reports whether the request carried a body.
func (r *Request) HasBody() bool { return r.isBody }

// Header returns the response headers being built.
func (r *Request) Header() http.Header { return r.w.Header() }

// JSON sets the response: status 200 and v encoded as JSON.
func (r *Request) JSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	r.status, r.result = http.StatusOK, b
	return nil
}

// JSONStatus sets the response: status and v encoded as JSON. It is for answers that are not
// Krag's {"message","code"} errors, such as the RFC 8628 error bodies {"error",
// "error_description"} of plugin/deviceauth.
func (r *Request) JSONStatus(status int, v any) error {
	if err := r.JSON(v); err != nil {
		return err
	}
	r.status = status
	return nil
}

// RawJSON sets the response to pre-encoded JSON with status 200.
func (r *Request) RawJSON(b []byte) {
	r.status, r.result = http.StatusOK, b
}

// Result returns the response body set so far.
func (r *Request) Result() []byte { return r.result }

// Redirect answers 302 to location (Better Auth sends an empty JSON-typed body).
func (r *Request) Redirect(location string) {
	r.status, r.result, r.location = http.StatusFound, nil, location
}

// SetExposedHeader sets the response header name to value and lists name in
// Access-Control-Expose-Headers (once, keeping the names already there), so that a browser
// script on another origin may read it: Better Auth's set-auth-token, set-auth-jwt, set-ott.
func (r *Request) SetExposedHeader(name, value string) {
	h := r.Header()
	h.Set(name, value)
	var exposed []string
	for _, line := range h.Values("Access-Control-Expose-Headers") {
		for _, n := range strings.Split(line, ",") {
			if n = strings.TrimSpace(n); n != "" && !strings.EqualFold(n, name) {
				exposed = append(exposed, n)
			}
		}
	}
	h.Set("Access-Control-Expose-Headers", strings.Join(append(exposed, name), ", "))
}

// SetCookie adds a Set-Cookie header line.
func (r *Request) SetCookie(line string) { r.cookies = append(r.cookies, line) }

// Status answers with status and an empty JSON-typed body, as Better Auth's bare statuses
// (the admin endpoints' 401 without a session).
func (r *Request) Status(status int) {
	r.status, r.result = status, nil
}

// SignedCookie returns the value of the request's cookie called name (without the prefix:
// "admin_session" reads "better-auth.admin_session") when its signature verifies.
func (r *Request) SignedCookie(name string) (string, bool) {
	v, ok := cookie(r.HTTP, r.auth.cookies.name(name))
	if !ok {
		return "", false
	}
	return r.auth.signer.Verify(v)
}

// SetSignedCookie sets the cookie called name (without the prefix) to value, signed, with the
// session cookies' attributes; maxAge < 0 makes a browser-session cookie.
func (r *Request) SetSignedCookie(name, value string, maxAge time.Duration) {
	age := -1
	if maxAge >= 0 {
		age = int(maxAge / time.Second)
	}
	r.SetCookie(r.auth.cookies.line(r.auth.cookies.name(name), r.auth.signer.CookieValue(value), age))
}

// SetScriptCookie sets the cookie called name (the full name: no prefix is added) to value
// with the session cookies' attributes except HttpOnly, so that a page's scripts may read it
// (Better Auth's electron plugin hands its one-time code to the web page this way).
func (r *Request) SetScriptCookie(name, value string, maxAge time.Duration) {
	line := r.auth.cookies.line(name, value, int(maxAge/time.Second))
	r.SetCookie(strings.Replace(line, "; HttpOnly", "", 1))
}

// ExpireCookie deletes the cookie called name (without the prefix).
func (r *Request) ExpireCookie(name string) {
	r.SetCookie(r.auth.cookies.expire(r.auth.cookies.name(name)))
}

// SessionCookie returns the session token of the request's session_token cookie, when its
// signature verifies, and whether the request asked not to be remembered (dont_remember).
func (r *Request) SessionCookie() (token string, dontRemember bool, ok bool) {
	token, ok = r.auth.sessionToken(r.HTTP)
	return token, r.auth.dontRemember(r.HTTP), ok
}

// StartSession sets the cookies of sd, a session the handler created or restored, as sign-in
// does; dontRemember leaves Max-Age off the token cookie.
func (r *Request) StartSession(sd *SessionData, dontRemember bool) {
	r.NewSession = sd
	r.auth.setSessionCookies(r, sd, dontRemember)
}

// EndSession expires the session cookies (token, cookie cache, dont_remember).
func (r *Request) EndSession() { r.auth.clearSessionCookies(r) }

// --- body parsing (shared/spec/better-auth-core.md §1.3) ---

// bodyReadTimeout bounds reading a request body.
const bodyReadTimeout = 30 * time.Second

func (a *Auth) parseBody(r *Request) error {
	hr := r.HTTP
	if hr.Body == nil || hr.Body == http.NoBody {
		return nil
	}
	limit := a.opts.Advanced.MaxBodyBytes
	if r.w != nil {
		// A body trickled in slowly must not hold the handler: servers without a ReadTimeout
		// (krag serve has none, to keep timers off the session check) get one here.
		rc := http.NewResponseController(r.w)
		rc.SetReadDeadline(time.Now().Add(bodyReadTimeout))
	}
	data, err := io.ReadAll(io.LimitReader(hr.Body, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return ErrBodyTooLarge
		}
		return ErrBadRequestJSON.Wrap(err)
	}
	if int64(len(data)) > limit {
		return ErrBodyTooLarge
	}
	if len(data) == 0 {
		return nil
	}
	allowed := "application/json"
	if r.route.form {
		allowed = "application/json, application/x-www-form-urlencoded"
	}
	ct := hr.Header.Get("Content-Type")
	if ct == "" {
		return &Error{Status: http.StatusUnsupportedMediaType, Code: CodeUnsupportedMediaType,
			Message: "Content-Type is required. Allowed types: " + allowed}
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	}
	r.isBody = true
	switch {
	case mt == "application/json":
		data = bytes.TrimSpace(data)
		if !json.Valid(data) {
			return ErrBadRequestJSON
		}
		r.bodyKind = jsonKind(data)
		if data[0] != '{' {
			// Arrays, strings and numbers parse but are not objects: the endpoint's schema
			// rejects them.
			r.body = nil
			return nil
		}
		if err := json.Unmarshal(data, &r.body); err != nil {
			return ErrBadRequestJSON.Wrap(err)
		}
		if r.body == nil {
			r.body = map[string]json.RawMessage{}
		}
		return nil
	case mt == "application/x-www-form-urlencoded" && r.route.form:
		vals, err := url.ParseQuery(string(data))
		if err != nil {
			return ErrBadRequestJSON.WithMessage("Invalid form body").Wrap(err)
		}
		r.bodyKind = "object"
		r.body = make(map[string]json.RawMessage, len(vals))
		for k, v := range vals {
			b, _ := json.Marshal(v[0])
			r.body[k] = b
		}
		return nil
	}
	return &Error{Status: http.StatusUnsupportedMediaType, Code: CodeUnsupportedMediaType,
		Message: `Content-Type "` + ct + `" is not allowed. Allowed types: ` + allowed}
}

// --- validation with Better Auth's (Zod's) messages (§1.4) ---

// Validator reads fields of the body and collects problems as Better Auth words them:
// "[body.email] Invalid input: expected string, received undefined".
type Validator struct {
	r      *Request
	issues []string
}

// NeedStrings returns a Route.Validate that wants a JSON object body with the named keys as
// non-empty strings (400 VALIDATION_ERROR naming each missing or empty one).
func NeedStrings(keys ...string) func(r *Request) error {
	return func(r *Request) error {
		v := r.Validate()
		if v.Object(false) {
			for _, k := range keys {
				v.NonEmptyString(k)
			}
		}
		return v.Err()
	}
}

// Validate returns a Validator for the request's body.
func (r *Request) Validate() *Validator { return &Validator{r: r} }

func (v *Validator) add(path, msg string) {
	v.issues = append(v.issues, "[body."+path+"] "+msg)
}

// Object checks that the body is a JSON object (or absent, when optional) and reports whether
// field checks should follow: when the body is not an object, Zod reports that one issue.
func (v *Validator) Object(optional bool) bool {
	if v.r.body == nil && (v.r.isBody || !optional) {
		got := "undefined"
		if v.r.isBody {
			got = v.r.bodyKind
		}
		v.issues = append(v.issues, "[body] Invalid input: expected object, received "+got)
		return false
	}
	return true
}

// NonEmptyString reads a required string that must not be empty.
func (v *Validator) NonEmptyString(key string) string {
	s := v.String(key)
	if _, present := v.r.body[key]; present && s == "" && !v.hasIssue(key) {
		v.add(key, "Too small: expected string to have >=1 characters")
	}
	return s
}

func (v *Validator) hasIssue(key string) bool {
	p := "[body." + key + "]"
	for _, i := range v.issues {
		if strings.HasPrefix(i, p) {
			return true
		}
	}
	return false
}

// String reads a required string.
func (v *Validator) String(key string) string {
	s, ok := v.optString(key)
	if !ok {
		if _, present := v.r.body[key]; !present {
			v.add(key, "Invalid input: expected string, received undefined")
		}
	}
	return s
}

// OptString reads an optional string ("" when absent or null).
func (v *Validator) OptString(key string) string {
	s, _ := v.optString(key)
	return s
}

func (v *Validator) optString(key string) (string, bool) {
	raw, ok := v.r.body[key]
	if !ok {
		return "", false
	}
	var s string
	if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	if string(raw) == "null" {
		v.add(key, "Invalid input: expected string, received null")
		return "", false
	}
	v.add(key, "Invalid input: expected string, received "+jsonKind(raw))
	return "", false
}

// NullableString reads an optional string that may be null: set reports presence.
func (v *Validator) NullableString(key string) (s string, set bool) {
	raw, ok := v.r.body[key]
	if !ok {
		return "", false
	}
	if string(raw) == "null" {
		return "", true
	}
	s, ok = v.optString(key)
	return s, ok
}

// OptBool reads an optional boolean; present reports whether it was sent.
func (v *Validator) OptBool(key string) (val, present bool) {
	raw, ok := v.r.body[key]
	if !ok {
		return false, false
	}
	switch string(raw) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	v.add(key, "Invalid input: expected boolean, received "+jsonKind(raw))
	return false, false
}

// Email reads a required email address and checks its form.
func (v *Validator) Email(key string) string {
	s, ok := v.optString(key)
	if !ok {
		if _, present := v.r.body[key]; !present {
			v.add(key, "Invalid input: expected string, received undefined")
		}
		return ""
	}
	if !ValidEmail(s) {
		v.add(key, "Invalid email address")
	}
	return s
}

// Err returns the collected problems as a 400 VALIDATION_ERROR, or nil.
func (v *Validator) Err() error {
	if len(v.issues) == 0 {
		return nil
	}
	return ErrValidation.WithMessage(strings.Join(v.issues, "; "))
}

// ValidEmail reports whether s is an email address as Zod's email check accepts it:
// a local part of [A-Za-z0-9_'+\-.] that neither starts with a dot nor holds "..", ending in a
// character other than a dot or an apostrophe, "@", then dot-separated labels of [A-Za-z0-9-] that do not start
// with "-", ending in a top-level label of at least two letters.
func ValidEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || len(s) > 320 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if last := local[len(local)-1]; local[0] == '.' || strings.Contains(local, "..") || last == '.' || last == '\'' {
		return false
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !(isAlnum(c) || strings.IndexByte("_'+-.", c) >= 0) {
			return false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for i, l := range labels {
		if l == "" {
			return false
		}
		if i == len(labels)-1 {
			if len(l) < 2 {
				return false
			}
			for j := 0; j < len(l); j++ {
				if !('a' <= l[j] && l[j] <= 'z' || 'A' <= l[j] && l[j] <= 'Z') {
					return false
				}
			}
			continue
		}
		if !isAlnum(l[0]) {
			return false
		}
		for j := 0; j < len(l); j++ {
			if !(isAlnum(l[j]) || l[j] == '-') {
				return false
			}
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// jsLen returns the length of s in UTF-16 code units, as JavaScript's String.length counts.
func jsLen(s string) int {
	n := 0
	for _, r := range s {
		if utf16.RuneLen(r) == 2 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// validates turns a body parser into a Route.Validate function.
func validates[T any](parse func(*Request) (T, error)) func(*Request) error {
	return func(r *Request) error {
		_, err := parse(r)
		return err
	}
}
