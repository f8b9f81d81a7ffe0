package krag_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/passhash"
)

// FuzzRequestBody sends arbitrary bodies and content types to every core POST route: the answer
// is never a 5xx, and JSON answers are valid JSON.
func FuzzRequestBody(f *testing.F) {
	seeds := []struct{ route, ctype, body string }{
		{"/sign-up/email", "application/json", `{"name":"A","email":"a@example.com","password":"password123"}`},
		{"/sign-up/email", "application/x-www-form-urlencoded", "name=A&email=a%40example.com&password=password123"},
		{"/sign-in/email", "application/json", `{"email":"a@example.com","password":"password123","rememberMe":false}`},
		{"/sign-in/email", "application/json", `{"email":["x"],"password":{}}`},
		{"/update-user", "application/json", `{"name":"B","image":null}`},
		{"/change-password", "application/json; charset=utf-8", `{"currentPassword":"a","newPassword":"b"}`},
		{"/revoke-session", "application/json", `{"token":"ks_x"}`},
		{"/sign-out", "", ""},
		{"/sign-in/email", "text/plain", "hello"},
		{"/sign-up/email", "application/json", `[1,2,3]`},
		{"/sign-up/email", "application/json", `{"name":"A","email":"a@example.com","password":"password123","callbackURL":"//evil"}`},
		{"/delete-user", "application/json", `{"password":null}`},
	}
	for _, s := range seeds {
		f.Add(s.route, s.ctype, s.body)
	}
	opts := krag.Options{}
	opts.RateLimit.Disabled = true
	opts.EmailAndPassword.Hasher = passhash.NewScryptCost(16, 0)
	opts.User.AdditionalFields = []krag.AdditionalField{krag.StringField("firstName"), krag.IntField("roleId").ReadOnly()}
	opts.User.ChangeEmail.Enabled = true
	opts.User.DeleteUser.Enabled = true
	srv := kragtest.New(f, opts)
	f.Fuzz(func(t *testing.T, route, ctype, body string) {
		if !strings.HasPrefix(route, "/") {
			return
		}
		u := srv.URL + "/api/auth" + route
		if _, err := url.Parse(u); err != nil {
			return
		}
		req, err := http.NewRequest(http.MethodPost, u, bytes.NewBufferString(body))
		if err != nil {
			return
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		w := &discard{h: http.Header{}}
		rec := &bodyRecorder{discard: w}
		srv.Auth.ServeHTTP(rec, req)
		if rec.code >= 500 {
			t.Fatalf("POST %s (%q) %q = %d %s", route, ctype, body, rec.code, rec.buf.String())
		}
		if strings.HasPrefix(w.h.Get("Content-Type"), "application/json") && !json.Valid(rec.buf.Bytes()) {
			t.Fatalf("POST %s %q answered invalid JSON %q", route, body, rec.buf.String())
		}
	})
}

type bodyRecorder struct {
	*discard
	code int
	buf  bytes.Buffer
}

func (r *bodyRecorder) WriteHeader(c int) { r.code = c }
func (r *bodyRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = 200
	}
	return r.buf.Write(b)
}
