package social_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kragauth/krag/social"
)

var _ social.Provider = (*social.GitHub)(nil)

// ghUser is a user of fakeGitHub: the GET /user answer, the GET /user/emails answer, and
// the status /user/emails answers with (0: 200).
type ghUser struct {
	profile     string
	emails      string
	emailStatus int
}

// ghUsers follow the shapes of GitHub's REST documentation ("Get the authenticated user",
// "List email addresses for the authenticated user").
var ghUsers = map[string]ghUser{
	// Private email: null in /user, primary and verified in /user/emails; no name
	// (shared/spec/better-auth-core.md §10.4's observed case).
	"octo": {
		profile: `{"login":"octo","id":12345,"node_id":"MDQ6VXNlcjE=","avatar_url":"https://avatars/x.png","type":"User","site_admin":false,"name":null,"company":null,"email":null,"two_factor_authentication":true}`,
		emails:  `[{"email":"old@example.com","verified":true,"primary":false,"visibility":null},{"email":"octo@example.com","verified":true,"primary":true,"visibility":"private"}]`,
	},
	// Only an unverified address.
	"newbie": {
		profile: `{"login":"newbie","id":7,"avatar_url":"https://avatars/n.png","name":"New Bie","email":null}`,
		emails:  `[{"email":"new@example.com","verified":false,"primary":true,"visibility":"public"}]`,
	},
	// Public email that is not the primary one, and unverified.
	"public": {
		profile: `{"login":"public","id":9007199254740993,"avatar_url":"https://avatars/p.png","name":"","email":"pub@example.com"}`,
		emails:  `[{"email":"main@example.com","verified":true,"primary":true,"visibility":"private"},{"email":"pub@example.com","verified":false,"primary":false,"visibility":"public"}]`,
	},
	// A token without user:email: /user/emails answers 404 (OAuth app) or 403 (GitHub App).
	"noscope": {
		profile:     `{"login":"noscope","id":8,"name":"No Scope","email":"ns@example.com"}`,
		emails:      `{"message":"Not Found","documentation_url":"https://docs.github.com/rest/users/emails","status":"404"}`,
		emailStatus: http.StatusNotFound,
	},
	// No address at all.
	"nomail": {
		profile: `{"login":"nomail","id":10,"name":null,"email":null}`,
		emails:  `[]`,
	},
	// Broken answers.
	"noid":      {profile: `{"login":"noid","name":"x"}`, emails: `[]`},
	"stringid":  {profile: `{"login":"s","id":"12"}`, emails: `[]`},
	"badjson":   {profile: `{"login":`, emails: `[]`},
	"emails500": {profile: `{"login":"e","id":11}`, emails: `{"message":"Server Error"}`, emailStatus: http.StatusInternalServerError},
}

// fakeGitHub answers as github.com and api.github.com do, after GitHub's documentation: the
// authorization endpoint redirects back with a code; the token endpoint answers
// form-encoded, or JSON when asked with Accept: application/json, and refuses with status
// 200 and an error field; the API wants a User-Agent and a bearer token.
type fakeGitHub struct {
	*httptest.Server
	clientID, clientSecret string

	mu sync.Mutex
	// formOnly makes the token endpoint answer form-encoded whatever Accept says.
	formOnly bool
	// expiring makes it issue expiring user tokens with refresh tokens (GitHub Apps).
	expiring bool
	// redirectToken makes the token endpoint answer with a redirect.
	redirectToken bool
	codes         map[string]ghGrant
	tokens        map[string]string // access token → login
	refresh       map[string]string // refresh token → login
	n             int
	// last token request, for inspection.
	lastForm   url.Values
	lastHeader http.Header
}

// ghGrant is what a code stands for.
type ghGrant struct{ login, challenge, redirect, scope string }

func startGitHub(t *testing.T) *fakeGitHub {
	t.Helper()
	g := &fakeGitHub{clientID: "Iv1.8a61f9b3a7aba766", clientSecret: "s3cr3t",
		codes: map[string]ghGrant{}, tokens: map[string]string{}, refresh: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/oauth/authorize", g.authorize)
	mux.HandleFunc("POST /login/oauth/access_token", g.accessToken)
	mux.HandleFunc("GET /user", g.api(func(w http.ResponseWriter, u ghUser) {
		w.Write([]byte(u.profile))
	}))
	mux.HandleFunc("GET /user/emails", g.api(func(w http.ResponseWriter, u ghUser) {
		if u.emailStatus != 0 {
			w.WriteHeader(u.emailStatus)
		}
		w.Write([]byte(u.emails))
	}))
	g.Server = httptest.NewServer(mux)
	t.Cleanup(g.Close)
	return g
}

// provider is GitHub pointed at the fake, with clock now.
func (g *fakeGitHub) provider(t *testing.T, now time.Time, o social.GitHubOptions) *social.GitHub {
	t.Helper()
	if o.ClientID == "" {
		o.ClientID, o.ClientSecret = g.clientID, g.clientSecret
	}
	o.AuthURL, o.TokenURL, o.APIURL = g.URL+"/login/oauth/authorize", g.URL+"/login/oauth/access_token", g.URL
	o.Now = func() time.Time { return now }
	p, err := social.NewGitHub(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// authorize signs in the user named by login_hint and redirects back with a code.
func (g *fakeGitHub) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != g.clientID || q.Get("code_challenge_method") != "S256" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	g.mu.Lock()
	g.n++
	code := fmt.Sprintf("code%d", g.n)
	g.codes[code] = ghGrant{login: q.Get("login_hint"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), scope: q.Get("scope")}
	g.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	back.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// accessToken is POST /login/oauth/access_token.
func (g *fakeGitHub) accessToken(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.lastForm, g.lastHeader = r.PostForm, r.Header.Clone()
	if g.redirectToken {
		http.Redirect(w, r, "https://elsewhere.example/token", http.StatusTemporaryRedirect)
		return
	}
	answer := func(v url.Values) {
		if strings.Contains(r.Header.Get("Accept"), "application/json") && !g.formOnly {
			m := map[string]any{}
			for k := range v {
				m[k] = v.Get(k)
				if k == "expires_in" || k == "refresh_token_expires_in" {
					var n int
					fmt.Sscan(v.Get(k), &n)
					m[k] = n
				}
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			json.NewEncoder(w).Encode(m)
			return
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		w.Write([]byte(v.Encode()))
	}
	refuse := func(code, desc string) {
		answer(url.Values{"error": {code}, "error_description": {desc},
			"error_uri": {"https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#" + strings.ReplaceAll(code, "_", "-")}})
	}
	if r.PostForm.Get("client_id") != g.clientID || r.PostForm.Get("client_secret") != g.clientSecret {
		refuse("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.")
		return
	}
	var login, scope string
	switch r.PostForm.Get("grant_type") {
	case "refresh_token":
		login = g.refresh[r.PostForm.Get("refresh_token")]
		if !g.expiring || login == "" {
			refuse("bad_refresh_token", "The refresh token passed is incorrect or expired.")
			return
		}
		delete(g.refresh, r.PostForm.Get("refresh_token"))
	default:
		grant, ok := g.codes[r.PostForm.Get("code")]
		delete(g.codes, r.PostForm.Get("code"))
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		switch {
		case !ok:
			refuse("bad_verification_code", "The code passed is incorrect or expired.")
			return
		case grant.redirect != r.PostForm.Get("redirect_uri"):
			refuse("redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.")
			return
		case base64.RawURLEncoding.EncodeToString(sum[:]) != grant.challenge:
			refuse("bad_verification_code", "The code passed is incorrect or expired.")
			return
		}
		login, scope = grant.login, strings.ReplaceAll(grant.scope, " ", ",")
	}
	g.n++
	token := fmt.Sprintf("gho_%s_%d", login, g.n)
	g.tokens[token] = login
	v := url.Values{"access_token": {token}, "scope": {scope}, "token_type": {"bearer"}}
	if g.expiring {
		rt := fmt.Sprintf("ghr_%s_%d", login, g.n)
		g.refresh[rt] = login
		v.Set("expires_in", "28800")
		v.Set("refresh_token", rt)
		v.Set("refresh_token_expires_in", "15897600")
		v.Set("scope", "")
	}
	answer(v)
}

// api authenticates an API call as GitHub does and hands the user to h.
func (g *fakeGitHub) api(h func(http.ResponseWriter, ghUser)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if r.Header.Get("User-Agent") == "" {
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte("Request forbidden by administrative rules. Please make sure your request has a User-Agent header"))
			return
		}
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		g.mu.Lock()
		login, known := g.tokens[token]
		g.mu.Unlock()
		if !ok || !known {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}`))
			return
		}
		h(w, ghUsers[login])
	}
}

// signIn runs the authorization code flow for login and returns the tokens.
func (g *fakeGitHub) signIn(t *testing.T, p social.Provider, login string) *social.Tokens {
	t.Helper()
	verifier, challenge := pkce(t)
	redirect := "http://localhost:3000/api/auth/callback/github"
	u, err := p.AuthCodeURL(t.Context(), social.AuthRequest{State: "st", CodeChallenge: challenge, RedirectURI: redirect, LoginHint: login})
	if err != nil {
		t.Fatal(err)
	}
	code, _ := authorize(t, u)
	tok, err := p.Exchange(t.Context(), social.ExchangeRequest{Code: code, CodeVerifier: verifier, RedirectURI: redirect})
	if err != nil {
		t.Fatalf("Exchange = %v", err)
	}
	return tok
}

func TestGitHubProfile(t *testing.T) {
	g := startGitHub(t)
	p := g.provider(t, time.Now(), social.GitHubOptions{})
	raw := func(login string) map[string]any {
		var m map[string]any
		d := json.NewDecoder(strings.NewReader(ghUsers[login].profile))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	// Better Auth writes the address it chose into the profile it keeps.
	octoRaw, newbieRaw := raw("octo"), raw("newbie")
	octoRaw["email"], newbieRaw["email"] = "octo@example.com", "new@example.com"
	tests := []struct {
		login   string
		want    *social.Profile
		wantErr error
	}{
		{"octo", &social.Profile{ID: "12345", Name: "octo", Email: "octo@example.com", EmailVerified: true, Image: "https://avatars/x.png", Raw: octoRaw}, nil},
		{"newbie", &social.Profile{ID: "7", Name: "New Bie", Email: "new@example.com", Image: "https://avatars/n.png", Raw: newbieRaw}, nil},
		{"public", &social.Profile{ID: "9007199254740993", Name: "public", Email: "pub@example.com", Image: "https://avatars/p.png", Raw: raw("public")}, nil},
		{"noscope", &social.Profile{ID: "8", Name: "No Scope", Email: "ns@example.com", Raw: raw("noscope")}, nil},
		{"nomail", &social.Profile{ID: "10", Name: "nomail", Raw: raw("nomail")}, nil},
		{"noid", nil, social.ErrUserInfo},
		{"stringid", nil, social.ErrUserInfo},
		{"badjson", nil, social.ErrUserInfo},
		{"emails500", nil, social.ErrUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.login, func(t *testing.T) {
			tok := g.signIn(t, p, tt.login)
			got, err := p.Profile(t.Context(), tok, "")
			if tt.wantErr != nil {
				wantKind(t, "Profile", err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Profile = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Profile mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGitHubBadTokens(t *testing.T) {
	g := startGitHub(t)
	p := g.provider(t, time.Now(), social.GitHubOptions{})
	for _, tt := range []struct {
		name string
		tok  *social.Tokens
	}{
		{"unknown_token", &social.Tokens{AccessToken: "gho_revoked"}},
		{"no_token", &social.Tokens{}},
		{"nil_tokens", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.Profile(t.Context(), tt.tok, "")
			e := wantKind(t, "Profile", err, social.ErrUserInfo)
			if tt.name == "unknown_token" && (e.Status != http.StatusUnauthorized || e.Description != "Bad credentials") {
				t.Errorf("Profile error = %+v, want 401 Bad credentials", e)
			}
		})
	}
}

// TestGitHubTokenEndpoint covers the exchange: both answer formats, the refusals GitHub
// sends with status 200, what is sent (client_secret_post, PKCE, Accept), granted scopes
// and refresh.
func TestGitHubTokenEndpoint(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for _, formOnly := range []bool{false, true} {
		name := "json"
		if formOnly {
			name = "form"
		}
		t.Run(name+"/granted_scopes", func(t *testing.T) {
			g := startGitHub(t)
			g.formOnly = formOnly
			p := g.provider(t, now, social.GitHubOptions{Scopes: []string{"repo"}})
			tok := g.signIn(t, p, "octo")
			if want := []string{"read:user", "user:email", "repo"}; !slices.Equal(tok.Scopes, want) {
				t.Errorf("Scopes = %q, want %q", tok.Scopes, want)
			}
			if !tok.AccessTokenExpiresAt.IsZero() || tok.RefreshToken != "" {
				t.Errorf("Exchange = %+v, want a token that does not expire", tok)
			}
			g.mu.Lock()
			form, header := g.lastForm, g.lastHeader
			g.mu.Unlock()
			if form.Get("client_secret") != g.clientSecret || form.Get("grant_type") != "authorization_code" ||
				form.Get("code_verifier") == "" || header.Get("Authorization") != "" ||
				header.Get("Accept") != "application/json" || !strings.HasPrefix(header.Get("Content-Type"), "application/x-www-form-urlencoded") {
				t.Errorf("token request form %v, headers %v: want client_secret_post with PKCE, asking for JSON", form, header)
			}
		})
		t.Run(name+"/expiring_tokens_and_refresh", func(t *testing.T) {
			g := startGitHub(t)
			g.formOnly, g.expiring = formOnly, true
			p := g.provider(t, now, social.GitHubOptions{})
			tok := g.signIn(t, p, "octo")
			want := &social.Tokens{
				AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken,
				AccessTokenExpiresAt:  now.Add(8 * time.Hour),
				RefreshTokenExpiresAt: now.Add(15897600 * time.Second),
				Scopes:                []string{"read:user", "user:email"}, // scope= is empty: the requested ones
			}
			if diff := cmp.Diff(want, tok); diff != "" || !strings.HasPrefix(tok.RefreshToken, "ghr_") {
				t.Errorf("Exchange mismatch (-want +got):\n%s", diff)
			}
			fresh, err := p.Refresh(t.Context(), tok.RefreshToken)
			if err != nil {
				t.Fatalf("Refresh = %v", err)
			}
			if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == tok.RefreshToken || fresh.Scopes != nil ||
				!fresh.AccessTokenExpiresAt.Equal(now.Add(8*time.Hour)) {
				t.Errorf("Refresh = %+v, want new tokens, no scopes, 8 h lifetime", fresh)
			}
			// Refresh tokens are single use.
			_, err = p.Refresh(t.Context(), tok.RefreshToken)
			e := wantKind(t, "Refresh(used token)", err, social.ErrInvalidCode)
			if e.Code != "bad_refresh_token" || e.Status != http.StatusOK {
				t.Errorf("Refresh error = %+v, want bad_refresh_token with status 200", e)
			}
		})
		t.Run(name+"/refresh_without_expiring_tokens", func(t *testing.T) {
			g := startGitHub(t)
			g.formOnly = formOnly
			p := g.provider(t, now, social.GitHubOptions{})
			_, err := p.Refresh(t.Context(), "ghr_whatever")
			wantKind(t, "Refresh", err, social.ErrInvalidCode)
		})
		t.Run(name+"/refusals", func(t *testing.T) {
			g := startGitHub(t)
			g.formOnly = formOnly
			p := g.provider(t, now, social.GitHubOptions{})
			verifier, challenge := pkce(t)
			redirect := "http://localhost:3000/api/auth/callback/github"
			newCode := func() string {
				u, err := p.AuthCodeURL(t.Context(), social.AuthRequest{State: "st", CodeChallenge: challenge, RedirectURI: redirect, LoginHint: "octo"})
				if err != nil {
					t.Fatal(err)
				}
				code, _ := authorize(t, u)
				return code
			}
			bad := g.provider(t, now, social.GitHubOptions{ClientID: g.clientID, ClientSecret: "wrong"})
			otherVerifier, _ := pkce(t)
			tests := []struct {
				name     string
				p        *social.GitHub
				req      social.ExchangeRequest
				wantCode string
			}{
				{"unknown_code", p, social.ExchangeRequest{Code: "nope", CodeVerifier: verifier, RedirectURI: redirect}, "bad_verification_code"},
				{"pkce_mismatch", p, social.ExchangeRequest{Code: newCode(), CodeVerifier: otherVerifier, RedirectURI: redirect}, "bad_verification_code"},
				{"redirect_uri_mismatch", p, social.ExchangeRequest{Code: newCode(), CodeVerifier: verifier, RedirectURI: "https://evil.example/cb"}, "redirect_uri_mismatch"},
				{"wrong_secret", bad, social.ExchangeRequest{Code: newCode(), CodeVerifier: verifier, RedirectURI: redirect}, "incorrect_client_credentials"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					_, err := tt.p.Exchange(t.Context(), tt.req)
					e := wantKind(t, "Exchange", err, social.ErrInvalidCode)
					if e.Code != tt.wantCode || e.Status != http.StatusOK || e.Description == "" {
						t.Errorf("Exchange error = %+v, want %s with status 200 and a description", e, tt.wantCode)
					}
				})
			}
			// A code is single use.
			code := newCode()
			req := social.ExchangeRequest{Code: code, CodeVerifier: verifier, RedirectURI: redirect}
			if _, err := p.Exchange(t.Context(), req); err != nil {
				t.Fatalf("Exchange = %v", err)
			}
			_, err := p.Exchange(t.Context(), req)
			wantKind(t, "Exchange(replayed code)", err, social.ErrInvalidCode)
		})
	}
	t.Run("redirect_refused", func(t *testing.T) {
		g := startGitHub(t)
		g.redirectToken = true
		p := g.provider(t, now, social.GitHubOptions{})
		_, err := p.Exchange(t.Context(), social.ExchangeRequest{Code: "c", RedirectURI: "http://localhost/cb"})
		e := wantKind(t, "Exchange", err, social.ErrInvalidCode)
		if e.Status != http.StatusTemporaryRedirect {
			t.Errorf("Exchange error = %+v, want the 307 named", e)
		}
	})
}

func TestGitHubAuthCodeURL(t *testing.T) {
	p, err := social.NewGitHub(social.GitHubOptions{ClientID: "cid", ClientSecret: "s", Prompt: "select_account"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.AuthCodeURL(t.Context(), social.AuthRequest{
		State: "st", CodeChallenge: "ch", Nonce: "ignored", LoginHint: "octo",
		RedirectURI: "http://localhost:3000/api/auth/callback/github", Scopes: []string{"repo", "user:email"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "https://github.com/login/oauth/authorize?response_type=code&client_id=cid&state=st&scope=read%3Auser+user%3Aemail+repo" +
		"&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fapi%2Fauth%2Fcallback%2Fgithub&login_hint=octo&prompt=select_account" +
		"&code_challenge_method=S256&code_challenge=ch"
	if got != want {
		t.Errorf("AuthCodeURL =\n%s\nwant\n%s", got, want)
	}
}

func TestGitHubUnreachable(t *testing.T) {
	silent := silentListener(t)
	p, err := social.NewGitHub(social.GitHubOptions{
		ClientID: "c", ClientSecret: "s", TokenURL: silent + "/login/oauth/access_token", APIURL: silent,
		HTTPClient: &http.Client{Timeout: 100 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Exchange(t.Context(), social.ExchangeRequest{Code: "c", RedirectURI: "http://localhost/cb"})
	e := wantKind(t, "Exchange", err, social.ErrUnreachable)
	if e.URL != silent+"/login/oauth/access_token" || e.Provider != "github" {
		t.Errorf("Exchange error = %+v, want it to name github and the token URL", e)
	}
	_, err = p.Profile(t.Context(), &social.Tokens{AccessToken: "t"}, "")
	wantKind(t, "Profile", err, social.ErrUnreachable)
}

func TestNewGitHub(t *testing.T) {
	for _, tt := range []struct {
		name    string
		o       social.GitHubOptions
		wantErr string
	}{
		{"no_client_id", social.GitHubOptions{ClientSecret: "s"}, "GitHubOptions.ClientID"},
		{"no_client_secret", social.GitHubOptions{ClientID: "c"}, "GitHubOptions.ClientSecret"},
		{"bad_api_url", social.GitHubOptions{ClientID: "c", ClientSecret: "s", APIURL: "api.github.com"}, "GitHubOptions.APIURL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := social.NewGitHub(tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewGitHub = %v, want an error naming %s", err, tt.wantErr)
			}
		})
	}
}
