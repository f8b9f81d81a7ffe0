package krag_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kragauth/krag"
	"github.com/kragauth/krag/kragtest"
)

// Request parsing and routing (shared/spec/better-auth-core.md §1.2, §1.3, §2.29).

func TestRequestRouting(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{})
	tests := []struct {
		name string
		req  coreReq
	}{
		{"unknown_route", coreReq{method: "GET", path: "/no-such-route"}},
		{"unknown_route_with_body", coreReq{path: "/no-such-route", body: `{}`}},
		{"wrong_method_get_update_user", coreReq{method: "GET", path: "/update-user"}},
		{"wrong_method_post_ok", coreReq{path: "/ok", body: `{}`}},
		{"wrong_method_put_sign_out", coreReq{method: "PUT", path: "/sign-out", body: `{}`}},
		{"trailing_slash", coreReq{method: "GET", path: "/ok/"}},
		{"trailing_slash_post", coreReq{path: "/sign-out/", body: `{}`}},
		{"base_path_only", coreReq{method: "GET", path: "/"}},
		{"removed_forget_password", coreReq{path: "/forget-password", body: `{"email":"a@example.com"}`}},
		{"server_only_set_password", coreReq{path: "/set-password", body: `{"newPassword":"password123"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.req.send(t, srv)
			if res.status != http.StatusNotFound || res.body != "" {
				t.Errorf("%v = %d %q, want 404 with an empty body", tt.req, res.status, res.body)
			}
			if ct := res.header.Get("Content-Type"); ct != "" {
				t.Errorf("%v: Content-Type = %q, want none", tt.req, ct)
			}
		})
	}
}

// TestRequestPathOutsideRoutes calls the handler directly: an http.ServeMux in front of it (as in
// kragtest) answers paths holding "//" itself, with a redirect to the cleaned path.
func TestRequestPathOutsideRoutes(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{})
	tests := []struct {
		name string
		path string
	}{
		{"double_slash", "/api/auth//ok"},
		{"double_slash_inside", "/api/auth/sign-in//email"},
		{"base_path_without_slash", "/api/auth"},
		{"base_path_prefix_only", "/api/authok"},
		{"other_prefix", "/auth/ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			srv.Auth.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), "GET", tt.path, nil))
			if rec.Code != http.StatusNotFound || rec.Body.Len() != 0 {
				t.Errorf("GET %s = %d %q, want 404 with an empty body", tt.path, rec.Code, rec.Body.String())
			}
		})
	}
}

func TestRequestContentType(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{})
	const jsonOnly = "Allowed types: application/json"
	tests := []struct {
		name   string
		req    coreReq
		status int
		want   []string // any of these bodies: the spec does not fix the order of a list of types
	}{
		{
			name:   "text_plain",
			req:    coreReq{path: "/sign-out", body: "hello", header: map[string]string{"Content-Type": "text/plain"}},
			status: 415,
			want:   []string{`{"message":"Content-Type \"text/plain\" is not allowed. ` + jsonOnly + `","code":"UNSUPPORTED_MEDIA_TYPE"}`},
		},
		{
			name:   "sent_value_quoted_as_is",
			req:    coreReq{path: "/sign-out", body: "<x/>", header: map[string]string{"Content-Type": "application/xml; charset=utf-8"}},
			status: 415,
			want:   []string{`{"message":"Content-Type \"application/xml; charset=utf-8\" is not allowed. ` + jsonOnly + `","code":"UNSUPPORTED_MEDIA_TYPE"}`},
		},
		{
			name:   "form_on_json_only_route",
			req:    coreReq{path: "/sign-out", body: "a=b", header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
			status: 415,
			want:   []string{`{"message":"Content-Type \"application/x-www-form-urlencoded\" is not allowed. ` + jsonOnly + `","code":"UNSUPPORTED_MEDIA_TYPE"}`},
		},
		{
			name:   "multipart_on_sign_in",
			req:    coreReq{path: "/sign-in/email", body: "--x--", header: map[string]string{"Content-Type": "multipart/form-data; boundary=x"}},
			status: 415,
			want: []string{
				`{"message":"Content-Type \"multipart/form-data; boundary=x\" is not allowed. Allowed types: application/json, application/x-www-form-urlencoded","code":"UNSUPPORTED_MEDIA_TYPE"}`,
				`{"message":"Content-Type \"multipart/form-data; boundary=x\" is not allowed. Allowed types: application/x-www-form-urlencoded, application/json","code":"UNSUPPORTED_MEDIA_TYPE"}`,
			},
		},
		{
			name:   "missing_content_type",
			req:    coreReq{path: "/sign-out", body: `{}`, header: map[string]string{"Content-Type": ""}},
			status: 415,
			want:   []string{`{"message":"Content-Type is required. ` + jsonOnly + `","code":"UNSUPPORTED_MEDIA_TYPE"}`},
		},
		{
			name:   "missing_content_type_on_sign_up",
			req:    coreReq{path: "/sign-up/email", body: `{}`, header: map[string]string{"Content-Type": ""}},
			status: 415,
			want: []string{
				`{"message":"Content-Type is required. Allowed types: application/json, application/x-www-form-urlencoded","code":"UNSUPPORTED_MEDIA_TYPE"}`,
				`{"message":"Content-Type is required. Allowed types: application/x-www-form-urlencoded, application/json","code":"UNSUPPORTED_MEDIA_TYPE"}`,
			},
		},
		{
			name:   "json_media_type_case_and_parameters",
			req:    coreReq{path: "/sign-out", body: `{}`, header: map[string]string{"Content-Type": "Application/JSON; charset=UTF-8"}},
			status: 200,
			want:   []string{`{"success":true}`},
		},
		{
			// Body parsing comes before the origin check (§1.2), so a cookie without an Origin
			// does not turn this into a 403.
			name:   "before_origin_check",
			req:    coreReq{path: "/sign-out", body: "hello", cookie: "theme=dark", header: map[string]string{"Content-Type": "text/plain", "Origin": ""}},
			status: 415,
			want:   []string{`{"message":"Content-Type \"text/plain\" is not allowed. ` + jsonOnly + `","code":"UNSUPPORTED_MEDIA_TYPE"}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.req.send(t, srv)
			for _, want := range tt.want {
				if res.status == tt.status && jsonEqual(res.body, want) {
					return
				}
			}
			t.Errorf("%v = %d %s, want %d and one of %q", tt.req, res.status, res.body, tt.status, tt.want)
		})
	}
}

func TestRequestBody(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{Advanced: krag.AdvancedOptions{MaxBodyBytes: 256}})
	tests := []struct {
		name   string
		req    coreReq
		status int
		want   string
	}{
		{
			name:   "malformed_json",
			req:    coreReq{path: "/sign-in/email", body: `{"email":`},
			status: 400,
			want:   `{"message":"Invalid JSON in request body","code":"BAD_REQUEST"}`,
		},
		{
			name:   "malformed_json_trailing_garbage",
			req:    coreReq{path: "/sign-out", body: `{} {}`},
			status: 400,
			want:   `{"message":"Invalid JSON in request body","code":"BAD_REQUEST"}`,
		},
		{
			// Parsing comes before the session check (§1.2).
			name:   "malformed_json_without_session",
			req:    coreReq{path: "/update-user", body: `{"name":`},
			status: 400,
			want:   `{"message":"Invalid JSON in request body","code":"BAD_REQUEST"}`,
		},
		{
			// Zod's message for an array where an object is expected (§1.4).
			name:   "json_array_body",
			req:    coreReq{path: "/sign-in/email", body: `[{"email":"a@example.com","password":"password123"}]`},
			status: 400,
			want:   `{"message":"[body] Invalid input: expected object, received array","code":"VALIDATION_ERROR"}`,
		},
		{
			name:   "body_too_large",
			req:    coreReq{path: "/sign-in/email", body: `{"email":"a@example.com","password":"` + strings.Repeat("x", 300) + `"}`},
			status: 413,
			want:   `{"message":"Request body is too large","code":"BODY_TOO_LARGE"}`,
		},
		{
			name:   "body_at_limit",
			req:    coreReq{path: "/sign-out", body: `{"state":"` + strings.Repeat("x", 256-len(`{"state":""}`)) + `"}`},
			status: 200,
			want:   `{"success":true}`,
		},
		{
			name:   "sign_out_without_body",
			req:    coreReq{path: "/sign-out"},
			status: 200,
			want:   `{"success":true}`,
		},
		{
			name:   "sign_out_with_empty_object",
			req:    coreReq{path: "/sign-out", body: `{}`},
			status: 200,
			want:   `{"success":true}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.req.send(t, srv)
			checkJSON(t, tt.req, res, tt.status, tt.want)
		})
	}
}

func TestRequestOK(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{})
	req := coreReq{method: "GET", path: "/ok"}
	res := req.send(t, srv)
	checkJSON(t, req, res, 200, `{"ok":true}`)
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%v: Content-Type = %q, want application/json", req, ct)
	}
	if err := srv.Client(t).OK(t.Context()); err != nil {
		t.Errorf("client OK() = %v, want nil", err)
	}
}

func TestRequestErrorPage(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{})
	tests := []struct {
		name     string
		query    string
		want     []string
		dontWant []string
	}{
		{"known_code", "?error=bad_code", []string{"<code>bad_code</code>"}, nil},
		{"code_escaped", "?error=it%27s-bad", []string{"<code>it&#39;s-bad</code>"}, []string{"it's-bad"}},
		{"invalid_code", "?error=%3Cscript%3Ealert(1)%3C/script%3E", []string{"<code>UNKNOWN</code>"}, []string{"<script>"}},
		{"code_with_space", "?error=bad%20code", []string{"<code>UNKNOWN</code>"}, []string{"bad code"}},
		{"no_code", "", []string{"<code>UNKNOWN</code>"}, nil},
		{"description_escaped", "?error=oops&error_description=%3Cb%3Ebold%3C/b%3E", []string{"&lt;b&gt;bold&lt;/b&gt;"}, []string{"<b>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := coreReq{method: "GET", path: "/error" + tt.query}
			res := req.send(t, srv)
			if res.status != 200 {
				t.Fatalf("%v = %d, want 200", req, res.status)
			}
			if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("%v: Content-Type = %q, want text/html", req, ct)
			}
			for _, s := range tt.want {
				if !strings.Contains(res.body, s) {
					t.Errorf("%v: page lacks %q:\n%s", req, s, res.body)
				}
			}
			for _, s := range tt.dontWant {
				if strings.Contains(res.body, s) {
					t.Errorf("%v: page contains %q unescaped:\n%s", req, s, res.body)
				}
			}
		})
	}
}

// --- helpers shared by the HTTP tests of the core endpoints ---
//
// The names start with "core" so that they do not collide with the helpers of the package's
// other test files.

// corePassword is the password of the users the tests sign up.
const corePassword = "correct horse battery"

// coreServer starts a Krag for one test with the rate limiter off: every request of a test comes
// from one address and would soon trip the sign-in rule (ratelimit_test.go tests the limiter).
func coreServer(t *testing.T, opts krag.Options) *kragtest.Server {
	t.Helper()
	opts.RateLimit.Disabled = true
	return kragtest.New(t, opts)
}

// coreReq is one request to the API sent with plain net/http, for tests that need exact control
// over headers, content types and bodies.
type coreReq struct {
	method string // default POST
	path   string // relative to the base path, query included
	body   string // sent as is; "" sends no body
	// cookie is sent as the Cookie header. A request with one also carries the server's origin
	// in Origin, as a browser's would, unless header says otherwise.
	cookie string
	// header holds more headers. Content-Type is application/json when there is a body unless
	// header sets it; an empty value removes a header.
	header map[string]string
}

func (q coreReq) String() string {
	m := q.method
	if m == "" {
		m = http.MethodPost
	}
	s := m + " " + q.path
	if q.body != "" {
		s += " " + q.body
	}
	return s
}

// request builds the *http.Request.
func (q coreReq) request(t *testing.T, srv *kragtest.Server) *http.Request {
	t.Helper()
	method := q.method
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	if q.body != "" {
		body = strings.NewReader(q.body)
	}
	r, err := http.NewRequestWithContext(t.Context(), method, srv.URL+srv.Auth.BasePath()+q.path, body)
	if err != nil {
		t.Fatalf("%v: %v", q, err)
	}
	if q.body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if q.cookie != "" {
		r.Header.Set("Cookie", q.cookie)
		r.Header.Set("Origin", srv.URL)
	}
	for k, v := range q.header {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	return r
}

// send sends the request without following redirects.
func (q coreReq) send(t *testing.T, srv *kragtest.Server) coreResp {
	t.Helper()
	return coreSend(t, srv, q.request(t, srv))
}

// coreSend sends r to srv without following redirects.
func coreSend(t *testing.T, srv *kragtest.Server, r *http.Request) coreResp {
	t.Helper()
	hc := *srv.HTTP.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := hc.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", r.Method, r.URL.Path, err)
	}
	return coreResp{status: res.StatusCode, header: res.Header, body: string(b)}
}

// coreResp is a raw answer.
type coreResp struct {
	status int
	header http.Header
	body   string
}

// setCookies returns the Set-Cookie lines.
func (r coreResp) setCookies() []string { return r.header.Values("Set-Cookie") }

// setCookie returns the first Set-Cookie line for the cookie called name, or "".
func (r coreResp) setCookie(name string) string {
	for _, l := range r.setCookies() {
		if strings.HasPrefix(l, name+"=") {
			return l
		}
	}
	return ""
}

// cookies returns the Cookie header a browser sends after this answer: every cookie it set
// with a value.
func (r coreResp) cookies() string {
	var parts []string
	for _, l := range r.setCookies() {
		nv, _, _ := strings.Cut(l, ";")
		if name, v, _ := strings.Cut(nv, "="); v != "" {
			parts = append(parts, name+"="+v)
		}
	}
	return strings.Join(parts, "; ")
}

// object decodes the body as a JSON object.
func (r coreResp) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

// jsonEqual reports whether two JSON texts hold the same value (key order aside).
func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return cmp.Equal(x, y)
}

// checkJSON checks the status and that the body is the JSON value want; want "" means an
// empty body.
func checkJSON(t *testing.T, call any, res coreResp, status int, want string) {
	t.Helper()
	if want == "" {
		if res.status != status || res.body != "" {
			t.Errorf("%v = %d %s, want %d with an empty body", call, res.status, res.body, status)
		}
		return
	}
	if res.status != status || !jsonEqual(res.body, want) {
		t.Errorf("%v = %d %s, want %d %s", call, res.status, res.body, status, want)
	}
}

// coreSigned returns a cookie value signed as Better Auth signs them (§3.3): value, ".", the
// standard base64 of HMAC-SHA256(secret, value), percent-encoded.
func coreSigned(value string) string {
	m := hmac.New(sha256.New, []byte(kragtest.Secret))
	m.Write([]byte(value))
	sig := base64.StdEncoding.EncodeToString(m.Sum(nil))
	return strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(value + "." + sig)
}

// coreTime formats t as JavaScript's Date JSON does.
func coreTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// coreID matches ids and session tokens: 32 characters of [A-Za-z0-9] (§4.1, §6.1).
var coreID = regexp.MustCompile(`^[A-Za-z0-9]{32}$`)

// coreUser is a signed-up user with the Cookie header of its session.
type coreUser struct {
	id     string
	email  string
	token  string
	cookie string
}

// coreSignUp signs a user up over HTTP with corePassword and returns it signed in.
func coreSignUp(t *testing.T, srv *kragtest.Server, name, email string) coreUser {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "email": email, "password": corePassword})
	req := coreReq{path: "/sign-up/email", body: string(body)}
	res := req.send(t, srv)
	if res.status != 200 {
		t.Fatalf("%v = %d %s, want 200", req, res.status, res.body)
	}
	var out struct {
		Token string `json:"token"`
		User  struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		} `json:"user"`
	}
	if err := json.Unmarshal([]byte(res.body), &out); err != nil {
		t.Fatalf("%v: %v", req, err)
	}
	return coreUser{id: out.User.ID, email: out.User.Email, token: out.Token, cookie: res.cookies()}
}

// coreSessionCookie creates a session for u through the Go API and returns the Cookie header
// a browser holding it would send.
func coreSessionCookie(t *testing.T, srv *kragtest.Server, u *krag.User) string {
	t.Helper()
	sd, err := srv.Auth.CreateSession(t.Context(), u, krag.SessionInput{})
	if err != nil {
		t.Fatalf("CreateSession(%q) = %v", u.Email, err)
	}
	return "better-auth.session_token=" + coreSigned(sd.Session.Token)
}

// coreGetSession reads GET /get-session with cookie and returns the decoded body (nil for null).
func coreGetSession(t *testing.T, srv *kragtest.Server, cookie string) map[string]any {
	t.Helper()
	req := coreReq{method: "GET", path: "/get-session", cookie: cookie}
	res := req.send(t, srv)
	if res.status != 200 {
		t.Fatalf("%v = %d %s, want 200", req, res.status, res.body)
	}
	if res.body == "null" {
		return nil
	}
	return res.object(t)
}
