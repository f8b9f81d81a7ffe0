package web_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/social"
)

// screenshotDir is where TestScreenshots writes: $KRAG_SCREENSHOTS (a relative path is taken
// from the repository's root), else a temporary folder. Regenerate the committed set with
//
//	KRAG_SCREENSHOTS=docs/screenshots go test ./web -run TestScreenshots
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("KRAG_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir) // go test runs in web/
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Drop the previous set, so a renamed page leaves no stale picture.
	for _, pattern := range []string{"*-desktop.png", "*-phone.png"} {
		old, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, f := range old {
			os.Remove(f)
		}
	}
	return dir
}

// shoot writes the current page at desktop width (1280 CSS pixels) and phone width (390, at
// twice the density, as a phone shows it) as <name>-desktop.png and <name>-phone.png.
func (tb *tab) shoot(dir, name string) {
	tb.t.Helper()
	for _, size := range []struct {
		suffix string
		width  int64
		opts   []chromedp.EmulateViewportOption
	}{
		{"desktop", 1280, nil},
		{"phone", 390, []chromedp.EmulateViewportOption{chromedp.EmulateScale(2), chromedp.EmulateMobile}},
	} {
		tb.do(chromedp.EmulateViewport(size.width, 800, size.opts...))
		png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			tb.t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+size.suffix+".png"), png, 0o644); err != nil {
			tb.t.Fatal(err)
		}
	}
	tb.do(chromedp.EmulateViewport(1280, 800))
}

// TestScreenshots visits every page (signed out, signed in, with errors) in one browser,
// failing on any console error, and writes each at desktop and phone widths.
func TestScreenshots(t *testing.T) {
	dir := screenshotDir(t)
	idp := startIdP(t)
	cfg := idp.Config()
	var providers []social.Provider
	for _, id := range []string{"google", "github"} { // as the buttons look when both are set up
		p, err := social.NewOIDC(social.OIDCOptions{ID: id, Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret})
		if err != nil {
			t.Fatal(err)
		}
		providers = append(providers, p)
	}
	s := newTestSite(t, siteOptions{Providers: providers})
	ctx := t.Context()
	// Permissions for the dashboard to list: everyone reads posts and edits their own.
	for _, in := range []rbac.PermissionInput{
		{Name: "post:read", Resource: "Post", Action: "read", Description: "Read posts"},
		{Name: "post:update-own", Resource: "Post", Action: "update", Description: "Edit own posts", Conditions: json.RawMessage(`{"authorId":"${user.id}"}`)},
		{Name: "post:no-delete-published", Resource: "Post", Action: "delete", Conditions: json.RawMessage(`{"published":true}`)},
	} {
		if _, err := s.Sys.RBAC.CreatePermission(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []struct {
		perm     string
		inverted bool
	}{{"post:read", false}, {"post:update-own", false}, {"post:no-delete-published", true}} {
		if err := s.Sys.RBAC.Grant(ctx, rbac.UserRole, g.perm, g.inverted); err != nil {
			t.Fatal(err)
		}
	}

	tb := newTab(t, s)
	tb.do(chromedp.EmulateViewport(1280, 800))
	tb.open("/")
	tb.shoot(dir, "home")
	tb.open("/sign-up")
	tb.shoot(dir, "sign-up")
	tb.expectStatus("/sign-up")
	tb.submit("#main form[action='/sign-up'] button[type=submit]")
	tb.shoot(dir, "sign-up-errors")

	tb.signUp("Ada", "Lovelace", "ada@example.com")
	// A second session on a phone, for the account page's list.
	_, err := s.Auth.SignInEmail(ctx, krag.SignInInput{Email: "ada@example.com", Password: testPassword, IPAddress: "203.0.113.24",
		UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1"})
	if err != nil {
		t.Fatal(err)
	}
	tb.open("/dashboard")
	if h := tb.text("h1"); h != "Welcome, Ada!" {
		t.Errorf("dashboard h1 = %q", h)
	}
	tb.shoot(dir, "dashboard")
	tb.open("/account")
	tb.shoot(dir, "account")
	tb.expectStatus("/account/password")
	tb.fill("#password-currentPassword", "not my password", "#password-newPassword", "a new good password")
	tb.submit("#main form[action='/account/password'] button[type=submit]")
	if !strings.Contains(tb.text("#password-currentPassword-error"), "That password isn't right.") {
		t.Error("the wrong current password's error is not next to the field")
	}
	tb.shoot(dir, "account-error")
	tb.open("/sign-out")
	tb.shoot(dir, "sign-out")
	tb.submit("#main form[action='/sign-out'] button[type=submit]")

	tb.open("/sign-in")
	tb.shoot(dir, "sign-in")
	tb.expectStatus("/sign-in")
	tb.signIn("ada@example.com", "not my password")
	tb.shoot(dir, "sign-in-error")
	tb.fill("#sign-in-password", testPassword)
	tb.submit("#main form[action='/sign-in'] button[type=submit]")

	tb.open("/device")
	tb.shoot(dir, "device")
	d := newDevice(t, s, "acme-cli", "openid profile")
	tb.open("/device?user_code=" + d.auth.UserCode)
	tb.shoot(dir, "device-prompt")
	tb.submit("#main form[action='/device'] button[value=approve]")
	tb.shoot(dir, "device-approved")

	ask, _ := desktopAsk("krag-desktop", "")
	tb.open("/desktop?" + ask.Encode())
	tb.shoot(dir, "desktop")
	tb.submit("#desktop-continue")
	tb.shoot(dir, "desktop-handoff")

	tb.expectStatus("/no-such-page")
	tb.open("/no-such-page")
	tb.shoot(dir, "not-found")

	shootAdminAndPosts(t, dir)

	// The 500 page, for real: the database goes away under a signed-in browser.
	s.DB.Close()
	tb.expectStatus("/dashboard")
	tb.open("/dashboard")
	if h := tb.text("h1"); h != "Something went wrong" {
		t.Errorf("without a database /dashboard shows %q", h)
	}
	tb.shoot(dir, "server-error")
	t.Logf("screenshots in %s", dir)
}
