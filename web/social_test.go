package web_test

import (
	"encoding/json"
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/kragauth/krag/social"
)

// testIdP is a real OpenID Provider (mockoidc) on loopback, for the social buttons.
type testIdP struct {
	m  *mockoidc.MockOIDC
	mu sync.Mutex // mockoidc keeps its sessions in plain maps
}

func startIdP(t *testing.T) *testIdP {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	idp := &testIdP{m: m}
	m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			idp.mu.Lock()
			defer idp.mu.Unlock()
			next.ServeHTTP(w, r)
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return idp
}

// provider returns the IdP as the provider "idp".
func (idp *testIdP) provider(t *testing.T) social.Provider {
	t.Helper()
	cfg := idp.m.Config()
	p, err := social.NewOIDC(social.OIDCOptions{ID: "idp", Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// next makes the next sign-in at the IdP be this person.
func (idp *testIdP) next(u idpUser) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	idp.m.QueueUser(&u)
}

// idpUser is a person at the IdP with the OpenID profile claims mockoidc's own user lacks
// (given_name and family_name, which krag serve maps to firstName and lastName).
type idpUser struct {
	Subject, Email, Given, Family string
}

func (u *idpUser) ID() string { return u.Subject }

func (u *idpUser) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]any{"sub": u.Subject, "email": u.Email, "email_verified": true,
		"given_name": u.Given, "family_name": u.Family, "name": u.Given + " " + u.Family})
}

func (u *idpUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return &struct {
		*mockoidc.IDTokenClaims
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
		Name          string `json:"name"`
		GivenName     string `json:"given_name"`
		FamilyName    string `json:"family_name"`
	}{base, u.Email, true, u.Given + " " + u.Family, u.Given, u.Family}, nil
}

// TestBrowserSocialSignIn: the provider's button on the sign-in page signs a new person up
// through the provider, and the account page links and unlinks a provider account.
func TestBrowserSocialSignIn(t *testing.T) {
	idp := startIdP(t)
	s := newTestSite(t, siteOptions{Providers: []social.Provider{idp.provider(t)}})

	tb := newTab(t, s)
	idp.next(idpUser{Subject: "sub-grace", Email: "grace@example.com", Given: "Grace", Family: "Hopper"})
	tb.open("/sign-in")
	if b := tb.text("form[action='/sign-in/social'] button"); b != "Continue with Idp" {
		t.Errorf("provider button = %q", b)
	}
	tb.submit("form[action='/sign-in/social'] button")
	if p := tb.path(); p != "/dashboard" {
		t.Fatalf("after the provider the browser is at %s, want /dashboard", p)
	}
	if h := tb.text("h1"); h != "Welcome, Grace!" {
		t.Errorf("dashboard h1 = %q", h)
	}

	// A password user links the provider from the account page, then unlinks it.
	other := newTab(t, s)
	other.signUp("Ada", "Lovelace", "ada@example.com")
	other.open("/account")
	idp.next(idpUser{Subject: "sub-ada", Email: "ada@example.com", Given: "Ada", Family: "Lovelace"})
	other.submit("form[action='/account/accounts/link'] button")
	if p := other.path(); p != "/account" {
		t.Fatalf("after linking the browser is at %s", p)
	}
	if n := other.eval(`String(document.querySelectorAll("#linked-accounts .item").length)`); n != "2" {
		t.Fatalf("after linking the account lists %s ways to sign in, want 2", n)
	}
	other.submit("form[action='/account/accounts/unlink'] button")
	if n := other.text(".alert-success"); n != "The account is unlinked." {
		t.Errorf("unlink notice = %q", n)
	}
	if n := other.eval(`String(document.querySelectorAll("#linked-accounts .item").length)`); n != "1" {
		t.Errorf("after unlinking the account lists %s ways to sign in, want 1", n)
	}
}
