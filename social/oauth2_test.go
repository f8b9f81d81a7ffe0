package social_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kragauth/krag/social"
)

var _ social.Provider = (*social.OAuth2)(nil)

// fakeOAuth2 is an RFC 6749 provider with a user-info endpoint: the token endpoint answers
// JSON, refusals are 400 with an error field, the user-info endpoint wants the bearer
// token. Which answer each endpoint gives is set per test.
type fakeOAuth2 struct {
	*httptest.Server
	token    func(w http.ResponseWriter, form url.Values)
	userInfo func(w http.ResponseWriter, bearer string)
}

func startOAuth2(t *testing.T) *fakeOAuth2 {
	t.Helper()
	f := &fakeOAuth2{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		back, _ := url.Parse(r.URL.Query().Get("redirect_uri"))
		back.RawQuery = url.Values{"code": {"the-code"}, "state": {r.URL.Query().Get("state")}}.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.PostForm.Get("client_id") != "cid" || r.PostForm.Get("client_secret") != "secret" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
		f.token(w, r.PostForm)
	})
	mux.HandleFunc("GET /userinfo", func(w http.ResponseWriter, r *http.Request) {
		bearer, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		f.userInfo(w, bearer)
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

// provider is OAuth2 pointed at the fake, with clock now and mapping m (nil: default).
func (f *fakeOAuth2) provider(t *testing.T, now time.Time, m func(map[string]any) (*social.Profile, error)) *social.OAuth2 {
	t.Helper()
	p, err := social.NewOAuth2(social.OAuth2Options{
		ID: "acme", AuthURL: f.URL + "/authorize", TokenURL: f.URL + "/token", UserInfoURL: f.URL + "/userinfo",
		ClientID: "cid", ClientSecret: "secret", Scopes: []string{"profile", "email"}, Map: m,
		Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// writeJSON answers with status and a JSON body.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write([]byte(body))
}

func TestOAuth2RoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	f := startOAuth2(t)
	f.token = func(w http.ResponseWriter, form url.Values) {
		if form.Get("code") != "the-code" || form.Get("code_verifier") == "" || form.Get("grant_type") != "authorization_code" {
			writeJSON(w, http.StatusBadRequest, `{"error":"invalid_grant"}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"access_token":"at-1","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-1","refresh_token_expires_in":"86400","scope":"profile"}`)
	}
	f.userInfo = func(w http.ResponseWriter, bearer string) {
		if bearer != "at-1" {
			writeJSON(w, http.StatusUnauthorized, `{"error":"invalid_token","error_description":"expired"}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"id":4200000000000000123,"login":"wile","email":"wile@acme.example","email_verified":"true","avatar_url":"https://acme.example/w.png"}`)
	}
	p := f.provider(t, now, nil)
	verifier, challenge := pkce(t)
	redirect := "http://localhost:3000/api/auth/callback/acme"
	u, err := p.AuthCodeURL(t.Context(), social.AuthRequest{State: "st", CodeChallenge: challenge, Nonce: "not-sent", RedirectURI: redirect})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(u, "nonce") {
		t.Errorf("AuthCodeURL = %s, want no nonce (no ID token)", u)
	}
	code, _ := authorize(t, u)
	tok, err := p.Exchange(t.Context(), social.ExchangeRequest{Code: code, CodeVerifier: verifier, RedirectURI: redirect})
	if err != nil {
		t.Fatalf("Exchange = %v", err)
	}
	want := &social.Tokens{
		AccessToken: "at-1", RefreshToken: "rt-1",
		AccessTokenExpiresAt: now.Add(time.Hour), RefreshTokenExpiresAt: now.Add(24 * time.Hour),
		Scopes: []string{"profile"}, // granted, narrower than requested
	}
	if diff := cmp.Diff(want, tok); diff != "" {
		t.Errorf("Exchange mismatch (-want +got):\n%s", diff)
	}
	prof, err := p.Profile(t.Context(), tok, "")
	if err != nil {
		t.Fatalf("Profile = %v", err)
	}
	if prof.ID != "4200000000000000123" || prof.Name != "wile" || prof.Email != "wile@acme.example" ||
		!prof.EmailVerified || prof.Image != "https://acme.example/w.png" || prof.Raw["login"] != "wile" {
		t.Errorf("Profile = %+v, want the default mapping of the answer", prof)
	}
	_, err = p.Profile(t.Context(), &social.Tokens{AccessToken: "stale"}, "")
	e := wantKind(t, "Profile(stale token)", err, social.ErrUserInfo)
	if e.Code != "invalid_token" || e.Description != "expired" {
		t.Errorf("Profile error = %+v, want the RFC 6750 fields", e)
	}
}

func TestOAuth2CustomMap(t *testing.T) {
	f := startOAuth2(t)
	f.userInfo = func(w http.ResponseWriter, _ string) {
		writeJSON(w, http.StatusOK, `{"data":{"uid":"u-77","mail":"m@acme.example"}}`)
	}
	mapData := func(raw map[string]any) (*social.Profile, error) {
		d, ok := raw["data"].(map[string]any)
		if !ok {
			return nil, errors.New("no data")
		}
		return &social.Profile{ID: d["uid"].(string), Email: d["mail"].(string)}, nil
	}
	tests := []struct {
		name    string
		m       func(map[string]any) (*social.Profile, error)
		want    string
		wantErr error
	}{
		{"custom", mapData, "u-77", nil},
		{"default_finds_no_id", nil, "", social.ErrUserInfo},
		{"map_fails", func(map[string]any) (*social.Profile, error) { return nil, errors.New("nope") }, "", social.ErrUserInfo},
		{"map_returns_nil", func(map[string]any) (*social.Profile, error) { return nil, nil }, "", social.ErrUserInfo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.provider(t, time.Now(), tt.m)
			prof, err := p.Profile(t.Context(), &social.Tokens{AccessToken: "at"}, "")
			if tt.wantErr != nil {
				wantKind(t, "Profile", err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if prof.ID != tt.want || prof.Raw["data"] == nil {
				t.Errorf("Profile = %+v, want id %s and Raw filled in", prof, tt.want)
			}
		})
	}
}

// TestOAuth2TokenAnswers covers what a token endpoint may answer and what each becomes.
func TestOAuth2TokenAnswers(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		status   int
		body     string
		header   map[string]string
		wantKind error
		wantCode string
		want     *social.Tokens
	}{
		{name: "no_scope_in_answer", status: 200, body: `{"access_token":"a"}`,
			want: &social.Tokens{AccessToken: "a", Scopes: []string{"profile", "email", "extra"}}},
		{name: "invalid_grant", status: 400, body: `{"error":"invalid_grant","error_description":"Code expired"}`, wantKind: social.ErrInvalidCode, wantCode: "invalid_grant"},
		{name: "error_with_200", status: 200, body: `{"error":"access_denied"}`, wantKind: social.ErrInvalidCode, wantCode: "access_denied"},
		{name: "no_access_token", status: 200, body: `{"token_type":"bearer"}`, wantKind: social.ErrInvalidCode},
		{name: "html_error_page", status: 403, body: `<html>denied</html>`, header: map[string]string{"Content-Type": "text/html"}, wantKind: social.ErrInvalidCode},
		{name: "garbage_200", status: 200, body: `{"access_token":`, header: map[string]string{"Content-Type": "application/json"}, wantKind: social.ErrInvalidCode},
		{name: "server_error", status: 500, body: `{"error":"server_error"}`, wantKind: social.ErrUnreachable, wantCode: "server_error"},
		{name: "bad_gateway_html", status: 502, body: `<html>bad gateway</html>`, header: map[string]string{"Content-Type": "text/html"}, wantKind: social.ErrUnreachable},
		{name: "redirect", status: 302, header: map[string]string{"Location": "https://elsewhere.example/token"}, wantKind: social.ErrInvalidCode},
		{name: "too_large", status: 200, body: `{"access_token":"` + strings.Repeat("a", 1<<20) + `"}`, wantKind: social.ErrInvalidCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startOAuth2(t)
			f.token = func(w http.ResponseWriter, _ url.Values) {
				w.Header().Set("Content-Type", "application/json")
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}
			p := f.provider(t, now, nil)
			tok, err := p.Exchange(t.Context(), social.ExchangeRequest{Code: "c", CodeVerifier: "v", RedirectURI: "http://localhost/cb", Scopes: []string{"extra"}})
			if tt.wantKind != nil {
				e := wantKind(t, "Exchange", err, tt.wantKind)
				if e.Code != tt.wantCode || e.Status != tt.status {
					t.Errorf("Exchange error = %+v, want code %q and status %d", e, tt.wantCode, tt.status)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, tok); diff != "" {
				t.Errorf("Exchange mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOAuth2Refresh(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	f := startOAuth2(t)
	f.token = func(w http.ResponseWriter, form url.Values) {
		switch {
		case form.Get("grant_type") != "refresh_token":
			writeJSON(w, http.StatusBadRequest, `{"error":"unsupported_grant_type"}`)
		case form.Get("refresh_token") == "rt-rotating":
			writeJSON(w, http.StatusOK, `{"access_token":"at-2","refresh_token":"rt-next","expires_in":60}`)
		case form.Get("refresh_token") == "rt-kept":
			writeJSON(w, http.StatusOK, `{"access_token":"at-3","expires_in":60,"scope":"profile email"}`)
		default:
			writeJSON(w, http.StatusBadRequest, `{"error":"invalid_grant"}`)
		}
	}
	p := f.provider(t, now, nil)
	tests := []struct {
		rt      string
		want    *social.Tokens
		wantErr error
	}{
		{"rt-rotating", &social.Tokens{AccessToken: "at-2", RefreshToken: "rt-next", AccessTokenExpiresAt: now.Add(time.Minute)}, nil},
		{"rt-kept", &social.Tokens{AccessToken: "at-3", RefreshToken: "rt-kept", AccessTokenExpiresAt: now.Add(time.Minute), Scopes: []string{"profile", "email"}}, nil},
		{"rt-revoked", nil, social.ErrInvalidCode},
		{"", nil, social.ErrInvalidCode},
	}
	for _, tt := range tests {
		t.Run("refresh_"+tt.rt, func(t *testing.T) {
			got, err := p.Refresh(t.Context(), tt.rt)
			if tt.wantErr != nil {
				wantKind(t, "Refresh", err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Refresh(%q) mismatch (-want +got):\n%s", tt.rt, diff)
			}
		})
	}
}

// TestOAuth2ClientLeftAlone checks that the caller's HTTP client keeps its redirect policy
// while the provider refuses redirects.
func TestOAuth2ClientLeftAlone(t *testing.T) {
	f := startOAuth2(t)
	f.userInfo = func(w http.ResponseWriter, _ string) {
		w.Header().Set("Location", "https://elsewhere.example/me")
		w.WriteHeader(http.StatusFound)
	}
	c := &http.Client{Timeout: time.Second}
	p, err := social.NewOAuth2(social.OAuth2Options{
		ID: "acme", AuthURL: f.URL + "/authorize", TokenURL: f.URL + "/token", UserInfoURL: f.URL + "/userinfo",
		ClientID: "cid", HTTPClient: c,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Profile(t.Context(), &social.Tokens{AccessToken: "at"}, "")
	wantKind(t, "Profile(redirected)", err, social.ErrUserInfo)
	if c.CheckRedirect != nil {
		t.Error("NewOAuth2 changed the caller's HTTPClient.CheckRedirect")
	}
}

func TestNewOAuth2(t *testing.T) {
	ok := social.OAuth2Options{ID: "acme", AuthURL: "https://a/auth", TokenURL: "https://a/token", UserInfoURL: "https://a/me", ClientID: "c"}
	tests := []struct {
		name    string
		edit    func(o *social.OAuth2Options)
		wantErr string
	}{
		{"valid", func(*social.OAuth2Options) {}, ""},
		{"no_id", func(o *social.OAuth2Options) { o.ID = "" }, "OAuth2Options.ID"},
		{"space_in_id", func(o *social.OAuth2Options) { o.ID = "a b" }, "OAuth2Options.ID"},
		{"no_auth_url", func(o *social.OAuth2Options) { o.AuthURL = "" }, "OAuth2Options.AuthURL"},
		{"no_token_url", func(o *social.OAuth2Options) { o.TokenURL = "" }, "OAuth2Options.TokenURL"},
		{"no_user_info_url", func(o *social.OAuth2Options) { o.UserInfoURL = "" }, "OAuth2Options.UserInfoURL"},
		{"no_client_id", func(o *social.OAuth2Options) { o.ClientID = "" }, "OAuth2Options.ClientID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.edit(&o)
			p, err := social.NewOAuth2(o)
			if tt.wantErr == "" {
				if err != nil || p.ID() != "acme" {
					t.Errorf("NewOAuth2 = %v, %v", p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewOAuth2 = %v, want an error naming %s", err, tt.wantErr)
			}
		})
	}
}

func TestProfileFromClaims(t *testing.T) {
	tests := []struct {
		name string
		raw  map[string]any
		want social.Profile
	}{
		{"openid_names",
			map[string]any{"sub": "s", "id": "ignored", "email": "e@x", "email_verified": true, "name": "N", "preferred_username": "p", "picture": "pic", "avatar_url": "av", "given_name": "G", "family_name": "F"},
			social.Profile{ID: "s", Email: "e@x", EmailVerified: true, Name: "N", Image: "pic", GivenName: "G", FamilyName: "F"}},
		{"github_like_names",
			map[string]any{"id": "42", "login": "octo", "avatar_url": "av", "email_verified": "false"},
			social.Profile{ID: "42", Name: "octo", Image: "av"}},
		{"preferred_username", map[string]any{"sub": "s", "preferred_username": "p", "login": "l"}, social.Profile{ID: "s", Name: "p"}},
		{"wrong_types", map[string]any{"sub": true, "email": 5, "email_verified": "yes"}, social.Profile{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := social.ProfileFromClaims(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Raw = tt.raw
			if diff := cmp.Diff(&tt.want, got); diff != "" {
				t.Errorf("ProfileFromClaims mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
