package bearer_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/plugin/bearer"
)

const password = "password-123"

func start(t *testing.T, o bearer.Options) *kragtest.Server {
	t.Helper()
	return kragtest.New(t, krag.Options{Plugins: []krag.Plugin{bearer.New(o)}})
}

// do sends a request without a cookie jar and returns the response and its body.
func do(t *testing.T, srv *kragtest.Server, method, path, body string, h http.Header) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+"/api/auth"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", srv.URL)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// signUp creates a user over HTTP and returns the set-auth-token header of the answer.
func signUp(t *testing.T, srv *kragtest.Server, email string) string {
	t.Helper()
	resp, body := do(t, srv, "POST", "/sign-up/email", `{"name":"N","email":"`+email+`","password":"`+password+`"}`, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("sign-up %s = %d %s", email, resp.StatusCode, body)
	}
	return resp.Header.Get("set-auth-token")
}

// sessionEmail calls get-session with an Authorization header (and extra headers) and returns
// the session's email, "" for null.
func sessionEmail(t *testing.T, srv *kragtest.Server, path, authorization string, h http.Header) string {
	t.Helper()
	if h == nil {
		h = http.Header{}
	}
	if authorization != "" {
		h.Set("Authorization", authorization)
	}
	resp, body := do(t, srv, "GET", path, "", h)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d %s", path, resp.StatusCode, body)
	}
	var out *struct {
		User struct{ Email string } `json:"user"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("GET %s body %s: %v", path, body, err)
	}
	if out == nil {
		return ""
	}
	return out.User.Email
}

func TestSetAuthToken(t *testing.T) {
	srv := start(t, bearer.Options{})
	resp, body := do(t, srv, "POST", "/sign-up/email", `{"name":"N","email":"ada@example.com","password":"`+password+`"}`, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("sign-up = %d %s", resp.StatusCode, body)
	}
	tok := resp.Header.Get("set-auth-token")
	var cookieVal string
	for _, c := range resp.Cookies() {
		if c.Name == "better-auth.session_token" {
			cookieVal = c.Value
		}
	}
	dec, err := url.QueryUnescape(cookieVal)
	if err != nil || tok == "" || tok != dec {
		t.Fatalf("set-auth-token = %q, want the decoded session cookie %q", tok, dec)
	}
	if got := resp.Header.Get("Access-Control-Expose-Headers"); got != "set-auth-token" {
		t.Errorf("Access-Control-Expose-Headers = %q, want set-auth-token", got)
	}
	var res struct{ Token string }
	json.Unmarshal(body, &res)
	if !strings.HasPrefix(tok, res.Token+".") {
		t.Errorf("set-auth-token %q does not sign the body's token %q", tok, res.Token)
	}

	resp, _ = do(t, srv, "POST", "/sign-in/email", `{"email":"ada@example.com","password":"`+password+`"}`, nil)
	if resp.StatusCode != 200 || resp.Header.Get("set-auth-token") == "" || resp.Header.Get("set-auth-token") == tok {
		t.Errorf("sign-in = %d, set-auth-token %q; want a new token", resp.StatusCode, resp.Header.Get("set-auth-token"))
	}

	// get-session without a refresh sets no cookie, so no header.
	resp, _ = do(t, srv, "GET", "/get-session", "", http.Header{"Authorization": {"Bearer " + tok}})
	if resp.Header.Get("set-auth-token") != "" {
		t.Errorf("get-session without a refresh carries set-auth-token %q", resp.Header.Get("set-auth-token"))
	}

	// sign-out expires the cookie: no header.
	resp, _ = do(t, srv, "POST", "/sign-out", "{}", http.Header{"Authorization": {"Bearer " + tok}})
	if resp.StatusCode != 200 || resp.Header.Get("set-auth-token") != "" {
		t.Errorf("sign-out = %d, set-auth-token %q; want 200 and none", resp.StatusCode, resp.Header.Get("set-auth-token"))
	}
	if got := sessionEmail(t, srv, "/get-session", "Bearer "+tok, nil); got != "" {
		t.Errorf("session after sign-out by bearer = %q, want none", got)
	}
}

func TestInbound(t *testing.T) {
	srv := start(t, bearer.Options{})
	ada := signUp(t, srv, "ada@example.com")
	bob := signUp(t, srv, "bob@example.com")
	raw, _, _ := strings.Cut(ada, ".")
	// Change the signature's first character: its last ones hold padding bits a decoder may
	// ignore, and may already be the replacement.
	dot := strings.LastIndexByte(ada, '.')
	swap := byte('A')
	if ada[dot+1] == 'A' {
		swap = 'B'
	}
	tampered := ada[:dot+1] + string(swap) + ada[dot+2:]
	bobCookie := http.Header{"Cookie": {"better-auth.session_token=" + url.QueryEscape(bob)}}

	tests := []struct {
		name   string
		auth   string
		header http.Header
		path   string
		want   string
	}{
		{"signed", "Bearer " + ada, nil, "", "ada@example.com"},
		{"percent_encoded", "Bearer " + url.QueryEscape(ada), nil, "", "ada@example.com"},
		{"raw_token", "Bearer " + raw, nil, "", "ada@example.com"},
		{"scheme_case_insensitive", "bEaReR " + ada, nil, "", "ada@example.com"},
		{"bearer_wins_over_cookie", "Bearer " + ada, bobCookie, "", "ada@example.com"},
		{"bad_signature", "Bearer " + tampered, nil, "", ""},
		{"bad_signature_keeps_cookie", "Bearer " + tampered, bobCookie, "", "bob@example.com"},
		{"wrong_token", "Bearer abcdefghijklmnopqrstuvwxyz012345", nil, "", ""},
		{"basic_scheme", "Basic " + ada, nil, "", ""},
		{"no_token", "Bearer ", nil, "", ""},
		{"no_space", "Bearer" + ada, nil, "", ""},
		{"two_tokens", "Bearer " + ada + " " + ada, nil, "", ""},
		{"signature_only", "Bearer ." + ada[strings.IndexByte(ada, '.')+1:], nil, "", ""},
		{"query_string_ignored", "", nil, "?token=" + url.QueryEscape(ada) + "&access_token=" + url.QueryEscape(ada), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sessionEmail(t, srv, "/get-session"+tt.path, tt.auth, tt.header); got != tt.want {
				t.Errorf("get-session with Authorization %q = %q, want %q", tt.auth, got, tt.want)
			}
		})
	}

	t.Run("list_sessions", func(t *testing.T) {
		resp, body := do(t, srv, "GET", "/list-sessions", "", http.Header{"Authorization": {"Bearer " + ada}})
		var list []struct{ UserID string }
		if resp.StatusCode != 200 || json.Unmarshal(body, &list) != nil || len(list) != 1 {
			t.Errorf("list-sessions = %d %s, want one session", resp.StatusCode, body)
		}
		resp, _ = do(t, srv, "GET", "/list-sessions", "", http.Header{"Authorization": {"Bearer " + tampered}})
		if resp.StatusCode != 401 {
			t.Errorf("list-sessions with a bad signature = %d, want 401", resp.StatusCode)
		}
	})

	t.Run("go_api", func(t *testing.T) {
		hr, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/app", nil)
		hr.Header.Set("Authorization", "Bearer "+ada)
		sd, err := srv.Auth.GetSession(t.Context(), hr)
		if err != nil || sd == nil || sd.User.Email != "ada@example.com" {
			t.Fatalf("GetSession = %v, %v; want ada", sd, err)
		}
		var seen string
		h := srv.Auth.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen = krag.SessionFromContext(r.Context()).User.Email
		}))
		rec := &recorder{h: http.Header{}}
		h.ServeHTTP(rec, hr)
		if rec.code != 0 || seen != "ada@example.com" {
			t.Errorf("RequireSession = %d, %q; want ada", rec.code, seen)
		}
		hr.Header.Set("Authorization", "Bearer "+tampered)
		rec = &recorder{h: http.Header{}}
		h.ServeHTTP(rec, hr)
		if rec.code != 401 {
			t.Errorf("RequireSession with a bad signature = %d, want 401", rec.code)
		}
	})
}

func TestRequireSignature(t *testing.T) {
	srv := start(t, bearer.Options{RequireSignature: true})
	ada := signUp(t, srv, "ada@example.com")
	raw, _, _ := strings.Cut(ada, ".")
	if got := sessionEmail(t, srv, "/get-session", "Bearer "+raw, nil); got != "" {
		t.Errorf("raw token with RequireSignature = %q, want refused", got)
	}
	if got := sessionEmail(t, srv, "/get-session", "Bearer "+ada, nil); got != "ada@example.com" {
		t.Errorf("signed token with RequireSignature = %q, want ada", got)
	}
}

func TestToken(t *testing.T) {
	tests := []struct {
		name, header, want string
		ok                 bool
	}{
		{"plain", "Bearer abc", "abc", true},
		{"lower", "bearer abc", "abc", true},
		{"extra_spaces", "Bearer   abc ", "abc", true},
		{"empty", "", "", false},
		{"scheme_only", "Bearer", "", false},
		{"scheme_space", "Bearer  ", "", false},
		{"basic", "Basic abc", "", false},
		{"no_space", "Bearerabc", "", false},
		{"two_parts", "Bearer a b", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := bearer.Token(tt.header)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Token(%q) = %q, %v, want %q, %v", tt.header, got, ok, tt.want, tt.ok)
			}
		})
	}
}

type recorder struct {
	h    http.Header
	code int
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *recorder) WriteHeader(code int)        { r.code = code }
