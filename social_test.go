package krag_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/internal/oidctest"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/social"
	"github.com/kragauth/krag/store"
)

// idp is a real OpenID Provider on loopback (internal/oidctest).
type idp struct{ *oidctest.Server }

func startIDP(t *testing.T) *idp { return &idp{oidctest.Start(t)} }

func (s *idp) user(sub, email string, verified bool) {
	s.Queue(oidctest.User{Sub: sub, Email: email, EmailVerified: verified, Name: "Ada"})
}

func (s *idp) fail(status int, code string) { s.Fail(status, code) }

// socialEnv is a Krag with the IdP configured as provider "idp".
type socialEnv struct {
	srv   *kragtest.Server
	idp   *idp
	clock *kragtest.Clock
}

func startSocial(t *testing.T, configure func(o *krag.Options)) *socialEnv {
	t.Helper()
	e := &socialEnv{idp: startIDP(t), clock: kragtest.NewClock(time.Now().UTC())}
	cfg := e.idp.Config()
	p, err := social.NewOIDC(social.OIDCOptions{ID: "idp", Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	o := krag.Options{Now: e.clock.Now}
	o.RateLimit.Disabled = true // one test browser signs in many times in ten seconds
	o.Social.Providers = []social.Provider{p}
	if configure != nil {
		configure(&o)
	}
	e.srv = kragtest.New(t, o)
	return e
}

// browser is a cookie jar and a client that shows redirects instead of following them.
type browser struct {
	t      *testing.T
	e      *socialEnv
	client *http.Client
}

func (e *socialEnv) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, e: e, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) do(method, rawURL string, body any) (*http.Response, []byte) {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = strings.NewReader(string(j))
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Origin", b.e.srv.URL)
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res, out
}

func (b *browser) api(method, path string, body any) (*http.Response, []byte) {
	return b.do(method, b.e.srv.URL+"/api/auth"+path, body)
}

// start asks Krag for the provider's URL and returns it.
func (b *browser) start(path string, body map[string]any) string {
	b.t.Helper()
	res, out := b.api("POST", path, body)
	var got struct {
		URL      string `json:"url"`
		Redirect bool   `json:"redirect"`
	}
	if res.StatusCode != 200 || json.Unmarshal(out, &got) != nil || !got.Redirect || got.URL == "" || res.Header.Get("Location") != got.URL {
		b.t.Fatalf("%s: %d %s", path, res.StatusCode, out)
	}
	return got.URL
}

// authorize follows the provider's URL (the provider signs the queued user in at once) and
// returns the callback URL it sends the browser to.
func (b *browser) authorize(providerURL string) string {
	b.t.Helper()
	res, out := b.do("GET", providerURL, nil)
	if res.StatusCode != http.StatusFound {
		b.t.Fatalf("authorize: %d %s", res.StatusCode, out)
	}
	return res.Header.Get("Location")
}

// callback visits the callback URL and returns where Krag sends the browser.
func (b *browser) callback(callbackURL string) *url.URL {
	b.t.Helper()
	res, out := b.do("GET", callbackURL, nil)
	if res.StatusCode != http.StatusFound {
		b.t.Fatalf("callback: %d %s", res.StatusCode, out)
	}
	u, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		b.t.Fatal(err)
	}
	return u
}

// signIn runs the whole redirect flow and returns the final location.
func (b *browser) signIn(body map[string]any) *url.URL {
	b.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	body["provider"] = "idp"
	return b.callback(b.authorize(b.start("/sign-in/social", body)))
}

// session returns the signed-in user's email, or "".
func (b *browser) session() (email, userID string) {
	b.t.Helper()
	_, out := b.api("GET", "/get-session?disableCookieCache=true", nil)
	var sd struct {
		User struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		} `json:"user"`
	}
	json.Unmarshal(out, &sd)
	return sd.User.Email, sd.User.ID
}

func wantError(t *testing.T, u *url.URL, code string) {
	t.Helper()
	if got := u.Query().Get("error"); got != code {
		t.Fatalf("redirected to %s, want error=%s", u, code)
	}
}

var bg = context.Background()

func TestSocialNewAndReturningUser(t *testing.T) {
	e := startSocial(t, nil)
	b := e.browser(t)
	e.idp.user("sub-1", "Ada@Example.com", true)
	u := b.signIn(map[string]any{"callbackURL": "/dashboard", "newUserCallbackURL": "/welcome"})
	if u.String() != "/welcome" {
		t.Fatalf("new user sent to %s", u)
	}
	email, id := b.session()
	if email != "ada@example.com" {
		t.Fatalf("signed in as %q", email)
	}
	user, err := e.srv.Auth.FindUserByID(bg, id)
	if err != nil || !user.EmailVerified {
		t.Fatalf("user %+v %v", user, err)
	}
	accounts, err := e.srv.Auth.Accounts(bg, id)
	if err != nil || len(accounts) != 1 || accounts[0].ProviderID != "idp" || accounts[0].AccountID != "sub-1" || accounts[0].AccessToken == "" {
		t.Fatalf("accounts %+v %v", accounts, err)
	}

	// The same person again, in another browser: the same user, sent to callbackURL.
	b2 := e.browser(t)
	e.idp.user("sub-1", "ada@example.com", true)
	if u := b2.signIn(map[string]any{"callbackURL": "/dashboard", "newUserCallbackURL": "/welcome"}); u.String() != "/dashboard" {
		t.Fatalf("returning user sent to %s", u)
	}
	if _, id2 := b2.session(); id2 != id {
		t.Fatalf("returning user is %s, want %s", id2, id)
	}
}

// signUpLocal creates an email-and-password user, verified or not.
func signUpLocal(t *testing.T, e *socialEnv, email string, verified bool) *krag.User {
	t.Helper()
	res, err := e.srv.Auth.SignUpEmail(bg, krag.SignUpInput{Name: "Local", Email: email, Password: "password-123"})
	if err != nil {
		t.Fatal(err)
	}
	if verified {
		res.User.EmailVerified = true
		if err := e.srv.Auth.UpdateUser(bg, res.User); err != nil {
			t.Fatal(err)
		}
	}
	return res.User
}

func TestSocialLinking(t *testing.T) {
	e := startSocial(t, nil)

	// Both sides vouch for the address: the provider account joins the local user.
	local := signUpLocal(t, e, "both@example.com", true)
	b := e.browser(t)
	e.idp.user("sub-both", "both@example.com", true)
	if u := b.signIn(map[string]any{"callbackURL": "/home"}); u.String() != "/home" {
		t.Fatalf("linking sign-in sent to %s", u)
	}
	if _, id := b.session(); id != local.ID {
		t.Fatalf("signed in as %s, want the local user %s", id, local.ID)
	}

	// The local address was never proven: someone could have registered it first.
	signUpLocal(t, e, "unproven@example.com", false)
	b = e.browser(t)
	e.idp.user("sub-unproven", "unproven@example.com", true)
	u := b.signIn(map[string]any{"callbackURL": "/home", "errorCallbackURL": "/oops"})
	if u.Path != "/oops" {
		t.Fatalf("refusal sent to %s", u)
	}
	wantError(t, u, "account_not_linked")
	if email, _ := b.session(); email != "" {
		t.Fatal("a refused link signed someone in")
	}

	// The provider does not vouch for the address.
	signUpLocal(t, e, "idp-unverified@example.com", true)
	b = e.browser(t)
	e.idp.user("sub-unverified", "idp-unverified@example.com", false)
	wantError(t, b.signIn(nil), "account_not_linked")

	// Unless the provider is trusted.
	e2 := startSocial(t, func(o *krag.Options) { o.Social.Linking.TrustedProviders = []string{"idp"} })
	signUpLocal(t, e2, "trusted@example.com", true)
	b = e2.browser(t)
	e2.idp.user("sub-trusted", "trusted@example.com", false)
	if u := b.signIn(map[string]any{"callbackURL": "/home"}); u.String() != "/home" {
		t.Fatalf("trusted provider: %s", u)
	}
}

func TestSocialStateChecks(t *testing.T) {
	e := startSocial(t, nil)
	b := e.browser(t)
	e.idp.user("sub-s", "s@example.com", true)
	cb := b.authorize(b.start("/sign-in/social", map[string]any{"provider": "idp", "callbackURL": "/home"}))

	// Another browser (no state cookie) presenting the callback: refused.
	other := e.browser(t)
	wantError(t, other.callback(cb), "state_mismatch")
	if email, _ := other.session(); email != "" {
		t.Fatal("signed in without the state cookie")
	}

	// That consumed the state: the rightful browser's replay is refused too, and so is a
	// second use of a completed callback.
	wantError(t, b.callback(cb), "state_mismatch")

	e.idp.user("sub-s", "s@example.com", true)
	cb = b.authorize(b.start("/sign-in/social", map[string]any{"provider": "idp", "callbackURL": "/home"}))
	if u := b.callback(cb); u.String() != "/home" {
		t.Fatalf("sign-in: %s", u)
	}
	wantError(t, b.callback(cb), "state_mismatch")

	// A forged state.
	u, _ := url.Parse(cb)
	q := u.Query()
	q.Set("state", "forged-state-forged-state-forged")
	u.RawQuery = q.Encode()
	wantError(t, b.callback(u.String()), "state_mismatch")

	// No state at all.
	wantError(t, b.callback(e.srv.URL+"/api/auth/callback/idp?code=x"), "state_not_found")

	// An expired state (ten minutes).
	e.idp.user("sub-s", "s@example.com", true)
	cb = b.authorize(b.start("/sign-in/social", map[string]any{"provider": "idp"}))
	e.clock.Advance(11 * time.Minute)
	wantError(t, b.callback(cb), "state_mismatch")
}

// editState rewrites the stored state of the sign-in in flight.
func editState(t *testing.T, e *socialEnv, edit func(st map[string]any)) {
	t.Helper()
	st := e.srv.Auth.Store()
	recs, err := st.FindMany(bg, schema.VerificationTable, store.Query{Where: []store.Where{{Field: "identifier", Op: store.StartsWith, Value: "auth-state:"}}})
	if err != nil || len(recs) != 1 {
		t.Fatalf("states: %d %v", len(recs), err)
	}
	var v map[string]any
	json.Unmarshal([]byte(recs[0]["value"].(string)), &v)
	edit(v)
	b, _ := json.Marshal(v)
	if _, err := st.Update(bg, schema.VerificationTable, []store.Where{store.Is("id", recs[0]["id"])}, store.Record{"value": string(b)}); err != nil {
		t.Fatal(err)
	}
}

func TestSocialProviderRefusals(t *testing.T) {
	e := startSocial(t, nil)

	// The provider's own error comes back with its description.
	b := e.browser(t)
	b.start("/sign-in/social", map[string]any{"provider": "idp", "errorCallbackURL": "/oops"})
	var state string
	editState(t, e, func(st map[string]any) { state = st["oauthState"].(string) })
	u := b.callback(e.srv.URL + "/api/auth/callback/idp?error=access_denied&error_description=User+said+no&state=" + state)
	wantError(t, u, "access_denied")
	if u.Path != "/oops" || u.Query().Get("error_description") != "User said no" {
		t.Fatalf("provider error: %s", u)
	}

	// PKCE: a verifier that is not the one the challenge was made from.
	b = e.browser(t)
	e.idp.user("sub-p", "p@example.com", true)
	providerURL := b.start("/sign-in/social", map[string]any{"provider": "idp"})
	editState(t, e, func(st map[string]any) { st["codeVerifier"] = strings.Repeat("x", 128) })
	wantError(t, b.callback(b.authorize(providerURL)), "invalid_code")

	// An ID token bound to another nonce.
	b = e.browser(t)
	e.idp.user("sub-n", "n@example.com", true)
	providerURL = b.start("/sign-in/social", map[string]any{"provider": "idp"})
	editState(t, e, func(st map[string]any) { st["nonce"] = "another-nonce" })
	u = b.callback(b.authorize(providerURL))
	wantError(t, u, "unable_to_get_user_info")
	if email, _ := b.session(); email != "" {
		t.Fatal("signed in with a token for another nonce")
	}

	// The token endpoint refuses the code (expired).
	b = e.browser(t)
	e.idp.user("sub-x", "x@example.com", true)
	cb := b.authorize(b.start("/sign-in/social", map[string]any{"provider": "idp"}))
	e.idp.fail(http.StatusBadRequest, "invalid_grant")
	wantError(t, b.callback(cb), "invalid_code")

	// An issuer that is not the provider's (RFC 9207 mix-up defence).
	b = e.browser(t)
	e.idp.user("sub-i", "i@example.com", true)
	cb = b.authorize(b.start("/sign-in/social", map[string]any{"provider": "idp"}))
	wantError(t, b.callback(cb+"&iss=https%3A%2F%2Fevil.example"), "issuer_mismatch")

	// An unknown provider.
	res, out := e.browser(t).api("POST", "/sign-in/social", map[string]any{"provider": "nope"})
	if res.StatusCode != 404 || !strings.Contains(string(out), "PROVIDER_NOT_FOUND") {
		t.Fatalf("unknown provider: %d %s", res.StatusCode, out)
	}
}

func TestSocialUnreachableProvider(t *testing.T) {
	// A listener that accepts and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	p, err := social.NewOIDC(social.OIDCOptions{ID: "idp", Issuer: "http://" + ln.Addr().String(), ClientID: "c",
		HTTPClient: &http.Client{Timeout: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	o := krag.Options{}
	o.Social.Providers = []social.Provider{p}
	srv := kragtest.New(t, o)
	e := &socialEnv{srv: srv}
	res, out := e.browser(t).api("POST", "/sign-in/social", map[string]any{"provider": "idp"})
	if res.StatusCode != http.StatusBadGateway || !strings.Contains(string(out), "PROVIDER_UNREACHABLE") {
		t.Fatalf("unreachable provider: %d %s", res.StatusCode, out)
	}
}

func TestSocialLinkListUnlink(t *testing.T) {
	e := startSocial(t, nil)
	local := signUpLocal(t, e, "linker@example.com", false)
	b := e.browser(t)
	res, out := b.api("POST", "/sign-in/email", map[string]any{"email": "linker@example.com", "password": "password-123"})
	if res.StatusCode != 200 {
		t.Fatalf("sign-in: %d %s", res.StatusCode, out)
	}
	e.idp.user("sub-link", "linker@example.com", true)
	cb := b.authorize(b.start("/link-social", map[string]any{"provider": "idp", "callbackURL": "/settings"}))
	if u := b.callback(cb); u.String() != "/settings" {
		t.Fatalf("link: %s", u)
	}
	res, out = b.api("GET", "/list-accounts", nil)
	var accounts []struct {
		ID, ProviderID, AccountID, UserID string
		Scopes                            []string
	}
	json.Unmarshal(out, &accounts)
	if len(accounts) == 2 && accounts[0].ProviderID == "idp" { // rows made in one instant come in any order
		accounts[0], accounts[1] = accounts[1], accounts[0]
	}
	if res.StatusCode != 200 || len(accounts) != 2 || accounts[1].ProviderID != "idp" || accounts[1].AccountID != "sub-link" || accounts[1].UserID != local.ID {
		t.Fatalf("list-accounts: %d %s", res.StatusCode, out)
	}

	// Another person's provider account with a different email is refused.
	e.idp.user("sub-other", "someone-else@example.com", true)
	cb = b.authorize(b.start("/link-social", map[string]any{"provider": "idp", "callbackURL": "/settings"}))
	wantError(t, b.callback(cb), "email_does_not_match")

	res, out = b.api("POST", "/unlink-account", map[string]any{"accountId": accounts[1].ID})
	if res.StatusCode != 200 {
		t.Fatalf("unlink: %d %s", res.StatusCode, out)
	}
	res, out = b.api("POST", "/unlink-account", map[string]any{"accountId": accounts[0].ID})
	if res.StatusCode != 400 || !strings.Contains(string(out), "FAILED_TO_UNLINK_LAST_ACCOUNT") {
		t.Fatalf("unlink last: %d %s", res.StatusCode, out)
	}
}

func TestSocialEncryptedTokens(t *testing.T) {
	e := startSocial(t, func(o *krag.Options) { o.Social.EncryptTokens = true })
	b := e.browser(t)
	e.idp.user("sub-enc", "enc@example.com", true)
	b.signIn(nil)
	_, id := b.session()
	accounts, err := e.srv.Auth.Accounts(bg, id)
	if err != nil || len(accounts) != 1 {
		t.Fatal(accounts, err)
	}
	stored := accounts[0].AccessToken
	res, out := b.api("POST", "/get-access-token", map[string]any{"accountId": accounts[0].ID})
	var got struct{ AccessToken string }
	json.Unmarshal(out, &got)
	if res.StatusCode != 200 || got.AccessToken == "" || got.AccessToken == stored {
		t.Fatalf("get-access-token: %d %s (stored %q)", res.StatusCode, out, stored)
	}
}

func TestSocialIDTokenSignIn(t *testing.T) {
	e := startSocial(t, nil)
	cfg := e.idp.Config()
	p, err := social.NewOIDC(social.OIDCOptions{ID: "idp", Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	// The client's own sign-in with the provider (as a mobile app or One Tap does).
	e.idp.user("sub-id", "idtoken@example.com", true)
	redirect := "http://127.0.0.1/app-callback"
	verifier := strings.Repeat("v", 64)
	sum := sha256.Sum256([]byte(verifier))
	authURL, err := p.AuthCodeURL(bg, social.AuthRequest{State: "s", Nonce: "client-nonce", RedirectURI: redirect,
		CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:])})
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser(t)
	code, _ := url.Parse(b.authorize(authURL))
	tokens, err := p.Exchange(bg, social.ExchangeRequest{Code: code.Query().Get("code"), RedirectURI: redirect,
		CodeVerifier: verifier})
	if err != nil {
		t.Fatal(err)
	}

	res, out := b.api("POST", "/sign-in/social", map[string]any{"provider": "idp", "idToken": map[string]any{"token": tokens.IDToken, "nonce": "wrong"}})
	if res.StatusCode != 401 || !strings.Contains(string(out), "INVALID_TOKEN") {
		t.Fatalf("wrong nonce: %d %s", res.StatusCode, out)
	}
	res, out = b.api("POST", "/sign-in/social", map[string]any{"provider": "idp", "idToken": map[string]any{"token": tokens.IDToken[:len(tokens.IDToken)-4] + "AAAA", "nonce": "client-nonce"}})
	if res.StatusCode != 401 {
		t.Fatalf("bad signature: %d %s", res.StatusCode, out)
	}
	res, out = b.api("POST", "/sign-in/social", map[string]any{"provider": "idp", "idToken": map[string]any{"token": tokens.IDToken, "nonce": "client-nonce"}})
	var got struct {
		Redirect bool   `json:"redirect"`
		Token    string `json:"token"`
		User     struct{ Email string }
	}
	if res.StatusCode != 200 || json.Unmarshal(out, &got) != nil || got.Redirect || got.Token == "" || got.User.Email != "idtoken@example.com" {
		t.Fatalf("id token sign-in: %d %s", res.StatusCode, out)
	}
	if email, _ := b.session(); email != "idtoken@example.com" {
		t.Fatalf("session after id token sign-in: %q", email)
	}
}

func TestSocialTokensRefreshAndAccountInfo(t *testing.T) {
	e := startSocial(t, nil)
	b := e.browser(t)
	e.idp.user("sub-r", "refresh@example.com", true)
	b.signIn(nil)
	_, id := b.session()
	accounts, err := e.srv.Auth.Accounts(bg, id)
	if err != nil || len(accounts) != 1 {
		t.Fatal(accounts, err)
	}
	ac := accounts[0]
	if ac.RefreshToken == "" {
		t.Fatalf("the provider gave no refresh token: %+v", ac)
	}

	res, out := b.api("POST", "/refresh-token", map[string]any{"accountId": ac.ID})
	var got struct {
		AccessToken, RefreshToken, ProviderID, AccountID string
	}
	if res.StatusCode != 200 || json.Unmarshal(out, &got) != nil || got.AccessToken == "" || got.AccountID != ac.ID || got.ProviderID != "idp" {
		t.Fatalf("refresh-token: %d %s", res.StatusCode, out)
	}

	// get-access-token refreshes a token about to expire, on demand.
	accounts, _ = e.srv.Auth.Accounts(bg, id)
	accounts[0].AccessTokenExpiresAt = e.clock.Now().Add(time.Second)
	if err := e.srv.Auth.UpdateAccount(bg, accounts[0]); err != nil {
		t.Fatal(err)
	}
	res, out = b.api("POST", "/get-access-token", map[string]any{"accountId": ac.ID})
	var at struct{ AccessToken string }
	if res.StatusCode != 200 || json.Unmarshal(out, &at) != nil || at.AccessToken == "" {
		t.Fatalf("get-access-token after expiry: %d %s", res.StatusCode, out)
	}
	if accounts, _ = e.srv.Auth.Accounts(bg, id); accounts[0].AccessTokenExpiresAt.Equal(e.clock.Now().Add(time.Second).Truncate(time.Millisecond)) {
		t.Fatal("get-access-token did not refresh a token about to expire")
	}

	res, out = b.api("GET", "/account-info?accountId="+ac.ID, nil)
	var info struct {
		User    struct{ Email string }
		Account struct{ ProviderID, AccountID string }
	}
	if res.StatusCode != 200 || json.Unmarshal(out, &info) != nil || info.User.Email != "refresh@example.com" || info.Account.AccountID != "sub-r" {
		t.Fatalf("account-info: %d %s", res.StatusCode, out)
	}

	// Someone else's account id, and no session.
	res, out = b.api("POST", "/get-access-token", map[string]any{"accountId": "not-mine"})
	if res.StatusCode != 400 || !strings.Contains(string(out), "ACCOUNT_NOT_FOUND") {
		t.Fatalf("foreign account: %d %s", res.StatusCode, out)
	}
	res, out = e.browser(t).api("POST", "/get-access-token", map[string]any{"accountId": ac.ID})
	if res.StatusCode != 401 || len(out) != 0 {
		t.Fatalf("no session: %d %q", res.StatusCode, out)
	}
}
