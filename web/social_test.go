package web_test

import (
	"testing"

	"github.com/kragauth/krag/internal/oidctest"
	"github.com/kragauth/krag/social"
)

// startIdP starts a real OpenID Provider for the social buttons.
func startIdP(t *testing.T) *idpServer { return &idpServer{oidctest.Start(t)} }

type idpServer struct{ *oidctest.Server }

// provider returns the IdP as the provider "idp".
func (idp *idpServer) provider(t *testing.T) social.Provider {
	t.Helper()
	p, err := idp.Provider("idp")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// next makes the next sign-in at the IdP be this person (email verified).
func (idp *idpServer) next(u idpUser) {
	idp.Queue(oidctest.User{Sub: u.Subject, Email: u.Email, EmailVerified: true, Given: u.Given, Family: u.Family,
		Name: u.Given + " " + u.Family})
}

// idpUser is a person at the IdP.
type idpUser struct {
	Subject, Email, Given, Family string
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
