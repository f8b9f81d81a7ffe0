package web_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/plugin/deviceauth"
)

// TestDevicePage: a signed-in user enters a device's code (as typed: lower case, with a dash),
// sees the client and scope, and approves or denies; the device's token request then gets a
// session or access_denied. Visitors are sent to sign in; another user cannot decide a code
// someone else has claimed.
func TestDevicePage(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	ctx := t.Context()
	da := s.Sys.DeviceAuth

	if p := s.newClient(t).get("/device?user_code=ABCD"); p.URL.Path != "/sign-in" || p.URL.Query().Get("next") != "/device?user_code=ABCD" {
		t.Errorf("visitor at /device = %d at %s, want the sign-in page coming back", p.Status, p.URL)
	}

	ada := s.newClient(t)
	ada.signUp("Ada", "Lovelace", "ada@example.com", "password-123")
	p := ada.get("/device")
	wantPage(t, "device form", p, http.StatusOK, "/device")
	if !p.has(`<form method="get" action="/device"`) || !p.has(`name="user_code"`) {
		t.Errorf("device page has no code form:\n%s", p.Body)
	}

	p = ada.get("/device?user_code=" + url.QueryEscape("zzzz-zzzz"))
	wantPage(t, "unknown code", p, http.StatusBadRequest, "/device")
	if !p.has(`id="device-user_code-error"`) || !p.has("Check the code your device shows") {
		t.Errorf("unknown code: no error next to the field:\n%s", p.Body)
	}

	a, err := da.RequestCode(ctx, deviceauth.CodeRequest{ClientID: "acme-cli", Scope: "openid profile"})
	if err != nil {
		t.Fatal(err)
	}
	typed := strings.ToLower(a.UserCode[:4] + "-" + a.UserCode[4:])
	p = ada.get("/device?user_code=" + url.QueryEscape(typed))
	wantPage(t, "code found", p, http.StatusOK, "/device")
	if !p.has("acme-cli") || !p.has("openid profile") || !p.has(`value="approve"`) || !p.has(`value="deny"`) {
		t.Fatalf("code page lacks the client, scope or buttons:\n%s", p.Body)
	}
	if !p.has("Code "+a.UserCode) || p.has("Code "+typed) {
		t.Errorf("the code is not shown as the device shows it (%s):\n%s", a.UserCode, p.Body)
	}

	bob := s.newClient(t)
	bob.signUp("Bob", "Babbage", "bob@example.com", "password-123")
	p = bob.get("/device?user_code=" + a.UserCode)
	wantPage(t, "code claimed by ada, seen by bob", p, http.StatusForbidden, "/device")
	if p.has(`value="approve"`) {
		t.Error("bob is offered to approve ada's code")
	}
	p = bob.post("/device", url.Values{"user_code": {a.UserCode}, "decision": {"approve"}})
	wantPage(t, "bob approves ada's code", p, http.StatusForbidden, "/device")

	p = ada.post("/device", url.Values{"user_code": {typed}, "decision": {"maybe"}})
	wantPage(t, "no decision", p, http.StatusBadRequest, "/device")

	p = ada.post("/device", url.Values{"user_code": {typed}, "decision": {"approve"}})
	wantPage(t, "approve", p, http.StatusOK, "/device")
	if !p.has("The device is connected to your account.") {
		t.Errorf("approve: no notice:\n%s", p.Body)
	}
	g, err := da.Token(ctx, "acme-cli", a.DeviceCode, krag.SessionInput{})
	if err != nil || g.Session.User.Email != "ada@example.com" {
		t.Fatalf("Token after approval = %v, %v; want ada's session", g, err)
	}

	d, err := da.RequestCode(ctx, deviceauth.CodeRequest{ClientID: "acme-cli"})
	if err != nil {
		t.Fatal(err)
	}
	ada.get("/device?user_code=" + d.UserCode)
	p = ada.post("/device", url.Values{"user_code": {d.UserCode}, "decision": {"deny"}})
	wantPage(t, "deny", p, http.StatusOK, "/device")
	if !p.has("The device was refused.") {
		t.Errorf("deny: no notice:\n%s", p.Body)
	}
	if _, err := da.Token(ctx, "acme-cli", d.DeviceCode, krag.SessionInput{}); !errors.Is(err, deviceauth.ErrAccessDenied) {
		t.Errorf("Token after denial = %v, want access_denied", err)
	}
	p = ada.post("/device", url.Values{"user_code": {a.UserCode}, "decision": {"deny"}})
	wantPage(t, "decide a spent code", p, http.StatusBadRequest, "/device")
}
