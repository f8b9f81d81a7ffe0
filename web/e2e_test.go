package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/internal/app"
)

// signUpInBrowser fills in and sends the sign-up form.
func (tb *tab) signUp(first, last, email string) {
	tb.t.Helper()
	tb.open("/sign-up")
	tb.fill("#sign-up-firstName", first, "#sign-up-lastName", last, "#sign-up-email", email,
		"#sign-up-phoneNumber", "+1 555 0100", "#sign-up-password", testPassword)
	tb.submit("#main form[action='/sign-up'] button[type=submit]")
}

// signIn fills in and sends the sign-in form.
func (tb *tab) signIn(email, password string) {
	tb.t.Helper()
	tb.open("/sign-in")
	tb.fill("#sign-in-email", email, "#sign-in-password", password)
	tb.submit("#main form[action='/sign-in'] button[type=submit]")
}

func TestBrowserSignUpSignOutSignIn(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	tb := newTab(t, s)

	tb.signUp("Ada", "Lovelace", "ada@example.com")
	if p := tb.path(); p != "/dashboard" {
		t.Fatalf("after sign-up the browser is at %s, want /dashboard", p)
	}
	if h := tb.text("h1"); h != "Welcome, Ada!" {
		t.Errorf("dashboard h1 = %q, want %q", h, "Welcome, Ada!")
	}
	if n := tb.text(".alert-success"); !strings.Contains(n, "Your account is ready") {
		t.Errorf("dashboard notice = %q", n)
	}

	tb.submit(".site-header form[action='/sign-out'] button")
	if p := tb.path(); p != "/" {
		t.Errorf("after sign-out the browser is at %s, want /", p)
	}
	if n := tb.text(".alert-success"); n != "You are signed out." {
		t.Errorf("notice after sign-out = %q", n)
	}
	tb.open("/dashboard")
	if p := tb.path(); p != "/sign-in" {
		t.Errorf("signed out, /dashboard led to %s, want /sign-in", p)
	}

	tb.expectStatus("/sign-in")
	tb.signIn("ada@example.com", "not my password")
	if msg := tb.text("[role=alert]"); msg != "That email and password don't match an account. Check them and try again." {
		t.Errorf("wrong password: alert = %q", msg)
	}
	if focused := tb.eval(`document.activeElement.getAttribute("role") || document.activeElement.tagName`); focused != "alert" {
		t.Errorf("wrong password: focus is on %q, want the alert", focused)
	}
	if email := tb.eval(`document.getElementById("sign-in-email").value`); email != "ada@example.com" {
		t.Errorf("wrong password: the email field holds %q, want it kept", email)
	}

	tb.fill("#sign-in-password", testPassword)
	tb.submit("#main form[action='/sign-in'] button[type=submit]")
	if p := tb.path(); p != "/dashboard" {
		t.Fatalf("after sign-in the browser is at %s, want /dashboard", p)
	}
	if h := tb.text("h1"); h != "Welcome, Ada!" {
		t.Errorf("dashboard h1 after sign-in = %q", h)
	}
}

// TestBrowserRevokeSession: ending a session from the account page signs that browser out.
func TestBrowserRevokeSession(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	first := newTab(t, s)
	first.signUp("Ada", "Lovelace", "ada@example.com")
	second := newTab(t, s)
	second.signIn("ada@example.com", testPassword)
	if p := second.path(); p != "/dashboard" {
		t.Fatalf("second browser: after sign-in at %s", p)
	}

	first.open("/account")
	if n := first.eval(`String(document.querySelectorAll("#sessions .item").length)`); n != "2" {
		t.Fatalf("account lists %s sessions, want 2", n)
	}
	first.submit("#sessions form[action='/account/sessions/revoke'] button")
	if n := first.text(".alert-success"); n != "That device is signed out." {
		t.Errorf("notice after revoking = %q", n)
	}
	if n := first.eval(`String(document.querySelectorAll("#sessions .item").length)`); n != "1" {
		t.Errorf("after revoking the account lists %s sessions, want 1", n)
	}

	second.open("/dashboard")
	if p := second.path(); p != "/sign-in" {
		t.Errorf("revoked browser: /dashboard led to %s, want /sign-in", p)
	}
	first.open("/dashboard")
	if p := first.path(); p != "/dashboard" {
		t.Errorf("the browser that revoked lost its own session (at %s)", p)
	}
}

// TestBrowserWithoutJavaScript: with scripts off, the forms still sign in.
func TestBrowserWithoutJavaScript(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	_, err := s.Auth.SignUpEmail(t.Context(), krag.SignUpInput{Name: "Grace Hopper", Email: "grace@example.com", Password: testPassword,
		Set: func(u *krag.User) { app.FirstName.Set(u, "Grace") }})
	if err != nil {
		t.Fatal(err)
	}
	tb := newTab(t, s)
	tb.disableJS()
	tb.open("/sign-in")
	if cls, err := chromedp.Run(tb.ctx, chromedp.AttributeValue(chromedp.CSS("html"), "class")); err != nil || strings.Contains(cls.Value, "js") {
		t.Fatalf("the script ran (html class %q, %v): JavaScript is not off", cls.Value, err)
	}
	tb.fill("#sign-in-email", "grace@example.com", "#sign-in-password", testPassword)
	tb.submit("#main form[action='/sign-in'] button[type=submit]")
	if p := tb.path(); p != "/dashboard" {
		t.Fatalf("without JavaScript, sign-in led to %s", p)
	}
	if h := tb.text("h1"); h != "Welcome, Grace!" {
		t.Errorf("dashboard h1 = %q", h)
	}
	tb.submit(".site-header form[action='/sign-out'] button")
	if n := tb.text(".alert-success"); n != "You are signed out." {
		t.Errorf("without JavaScript, sign-out notice = %q", n)
	}
}
