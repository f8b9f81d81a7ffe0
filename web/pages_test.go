package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const testPassword = "correct horse battery"

// TestPagesRender visits every page signed out and signed in, checks its status and its HTML.
func TestPagesRender(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	c := s.newClient(t)
	for _, tt := range []struct {
		path, wantPath string
		status         int
	}{
		{"/", "/", 200},
		{"/sign-in", "/sign-in", 200},
		{"/sign-up", "/sign-up", 200},
		{"/dashboard", "/sign-in", 200},
		{"/no-such-page", "/no-such-page", 404},
	} {
		p := c.get(tt.path)
		if p.Status != tt.status || p.URL.Path != tt.wantPath {
			t.Errorf("signed out: GET %s = %d at %s, want %d at %s", tt.path, p.Status, p.URL.Path, tt.status, tt.wantPath)
		}
		checkHTML(t, "signed out "+tt.path, p.Body)
	}
	p := c.signUp("Ada", "Lovelace", "ada@example.com", testPassword)
	if p.Status != 200 || p.URL.Path != "/dashboard" || !strings.Contains(string(p.Body), "Welcome, Ada!") {
		t.Fatalf("sign-up = %d at %s, want the dashboard greeting Ada", p.Status, p.URL.Path)
	}
	for _, path := range []string{"/", "/dashboard", "/sign-out", "/no-such-page"} {
		p := c.get(path)
		checkHTML(t, "signed in "+path, p.Body)
	}
}

func TestCSRF(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	c := s.newClient(t)
	c.signUp("Ada", "Lovelace", "csrf@example.com", testPassword)
	tests := []struct {
		name    string
		form    url.Values
		headers map[string]string
	}{
		{"no_token", url.Values{"csrf": {""}}, nil},
		{"wrong_token", url.Values{"csrf": {strings.Repeat("A", 43)}}, nil},
		{"cross_site", nil, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"same_site", nil, map[string]string{"Sec-Fetch-Site": "same-site"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := tt.form
			if form == nil {
				form = url.Values{"csrf": {c.csrf()}}
			}
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/sign-out", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			p := c.do(req)
			if p.Status != http.StatusForbidden || !strings.Contains(string(p.Body), "couldn&#39;t be sent safely") {
				t.Errorf("POST /sign-out (%s) = %d, want 403 with the CSRF page", tt.name, p.Status)
			}
			checkHTML(t, "csrf page", p.Body)
		})
	}
	if p := c.get("/dashboard"); p.URL.Path != "/dashboard" {
		t.Errorf("after refused sign-outs GET /dashboard landed on %s: the session was ended", p.URL.Path)
	}
}
