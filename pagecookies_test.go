package krag_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/kragtest"
)

// TestPageSignedCookies: a signed cookie set by a page reads back on the next request, a
// tampered one does not, and expiring it deletes it.
func TestPageSignedCookies(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	a := srv.Auth
	rec := newRecorder()
	a.SetSignedCookie(rec, httptestRequest(srv), "admin_session", "tok:true", time.Hour)
	lines := rec.header.Values("Set-Cookie")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "better-auth.admin_session=") || !strings.Contains(lines[0], "; Max-Age=3600; Path=/; HttpOnly; SameSite=Lax") {
		t.Fatalf("SetSignedCookie lines = %q", lines)
	}
	value := strings.TrimPrefix(strings.SplitN(lines[0], ";", 2)[0], "better-auth.admin_session=")
	tests := []struct {
		name, cookie, want string
		ok                 bool
	}{
		{"as_set", value, "tok:true", true},
		{"tampered", strings.Replace(value, "tok", "tak", 1), "", false},
		{"absent", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptestRequest(srv)
			if tt.cookie != "" {
				r.Header.Set("Cookie", "better-auth.admin_session="+tt.cookie)
			}
			got, ok := a.SignedCookie(r, "admin_session")
			if got != tt.want || ok != tt.ok {
				t.Errorf("SignedCookie(%s) = %q, %v, want %q, %v", tt.name, got, ok, tt.want, tt.ok)
			}
		})
	}
	rec = newRecorder()
	a.ExpireCookie(rec, httptestRequest(srv), "admin_session")
	if got := rec.header.Get("Set-Cookie"); !strings.HasPrefix(got, "better-auth.admin_session=; Max-Age=0;") {
		t.Errorf("ExpireCookie = %q", got)
	}

	// SessionCookie reads what the API's sign-in set.
	if _, err := a.SignUpEmail(t.Context(), krag.SignUpInput{Name: "A", Email: "a@example.com", Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	for _, remember := range []bool{true, false} {
		r := httptestRequest(srv)
		for _, l := range apiSignIn(t, srv, "a@example.com", remember) {
			nv := strings.SplitN(l, ";", 2)[0]
			if !strings.HasSuffix(nv, "=") {
				r.Header.Add("Cookie", nv)
			}
		}
		tok, dontRemember, ok := a.SessionCookie(r)
		sd, err := a.FindSession(t.Context(), tok)
		if !ok || dontRemember == remember || err != nil || sd == nil {
			t.Errorf("remember %v: SessionCookie = %q, %v, %v; session %v, %v", remember, tok, dontRemember, ok, sd, err)
		}
	}
	if _, _, ok := a.SessionCookie(&http.Request{Header: http.Header{}}); ok {
		t.Error("SessionCookie without cookies: ok")
	}
}
