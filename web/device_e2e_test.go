package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/internal/app"
	"github.com/kragauth/krag/plugin/deviceauth"
)

// device is a program without a browser (a CLI) on the far side of RFC 8628: it speaks to the
// API over plain HTTP, with no cookies and no Origin header, as such a program does.
type device struct {
	t        *testing.T
	site     *testSite
	clientID string
	auth     deviceauth.Authorization
}

// newDevice asks POST /api/auth/device/code for a code pair, form-encoded as RFC 8628 §3.1
// sends it. The site's plugin accepts any client id.
func newDevice(t *testing.T, s *testSite, clientID, scope string) *device {
	t.Helper()
	d := &device{t: t, site: s, clientID: clientID}
	status, body := d.post("/device/code", url.Values{"client_id": {clientID}, "scope": {scope}})
	if status != http.StatusOK {
		t.Fatalf("POST /device/code = %d %s, want 200", status, body)
	}
	if err := json.Unmarshal(body, &d.auth); err != nil || d.auth.DeviceCode == "" || d.auth.UserCode == "" {
		t.Fatalf("POST /device/code = %s (%v), want a code pair", body, err)
	}
	return d
}

// post sends form to the API path and returns the status and body.
func (d *device) post(path string, form url.Values) (int, []byte) {
	d.t.Helper()
	return d.do(http.MethodPost, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded", "")
}

// postJSON sends body as JSON to the API path and returns the status and body.
func (d *device) postJSON(path string, body any) (int, []byte) {
	d.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		d.t.Fatal(err)
	}
	return d.do(http.MethodPost, path, bytes.NewReader(b), "application/json", "")
}

func (d *device) do(method, path string, body io.Reader, ctype, bearer string) (int, []byte) {
	d.t.Helper()
	req, err := http.NewRequestWithContext(d.t.Context(), method, d.site.URL+"/api/auth"+path, body)
	if err != nil {
		d.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := d.site.HTTP.Client().Do(req)
	if err != nil {
		d.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		d.t.Fatal(err)
	}
	return res.StatusCode, b
}

// deviceToken is an answer of POST /device/token: a token (RFC 6749 §5.1) or an error
// (RFC 8628 §3.5).
type deviceToken struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
	Error       string `json:"error"`
}

// poll asks POST /device/token once, after waiting out the polling interval on the site's
// clock (a poll sooner than that is slow_down). The body is JSON, as Better Auth's client
// sends it (Krag also takes RFC 8628's form body there; plugin/deviceauth tests that).
func (d *device) poll() (int, deviceToken) {
	d.t.Helper()
	d.site.Clock.Advance(time.Duration(d.auth.Interval) * time.Second)
	status, body := d.postJSON("/device/token", map[string]string{
		"grant_type": deviceauth.GrantType, "device_code": d.auth.DeviceCode, "client_id": d.clientID})
	var tok deviceToken
	if err := json.Unmarshal(body, &tok); err != nil {
		d.t.Fatalf("POST /device/token = %d %s: %v", status, body, err)
	}
	return status, tok
}

// wantPending checks that the device still has to wait.
func (d *device) wantPending() {
	d.t.Helper()
	if status, tok := d.poll(); status != http.StatusBadRequest || tok.Error != "authorization_pending" {
		d.t.Fatalf("poll before a decision = %d %+v, want 400 authorization_pending", status, tok)
	}
}

// wantAccess polls for the approved token and checks that it is a bearer token of email's
// session: GET /api/auth/get-session with it, and no cookie, answers with that user.
func (d *device) wantAccess(email string) {
	d.t.Helper()
	status, tok := d.poll()
	if status != http.StatusOK || tok.AccessToken == "" || tok.TokenType != "Bearer" {
		d.t.Fatalf("poll after approval = %d %+v, want 200 with a Bearer access token", status, tok)
	}
	status, body := d.do(http.MethodGet, "/get-session", nil, "", tok.AccessToken)
	var got struct {
		User *struct {
			Email string `json:"email"`
		} `json:"user"`
	}
	if err := json.Unmarshal(body, &got); err != nil || status != http.StatusOK || got.User == nil || got.User.Email != email {
		d.t.Errorf("GET /get-session with the access token = %d %s, want %s's session", status, body, email)
	}
	if status, tok := d.poll(); status != http.StatusBadRequest || tok.Error != "invalid_grant" {
		d.t.Errorf("poll after the token was issued = %d %+v, want 400 invalid_grant (the code is spent)", status, tok)
	}
}

// addDeviceUser creates a user with testPassword, without a browser.
func addDeviceUser(t *testing.T, s *testSite, first, email string) {
	t.Helper()
	_, err := s.Auth.SignUpEmail(t.Context(), krag.SignUpInput{Name: first + " Tester", Email: email, Password: testPassword,
		Set: func(u *krag.User) { app.FirstName.Set(u, first) }})
	if err != nil {
		t.Fatal(err)
	}
}

// enterDeviceCode types code into /device's entry form and sends it.
func (tb *tab) enterDeviceCode(code string) {
	tb.t.Helper()
	tb.open("/device")
	tb.fill("#device-user_code", code)
	tb.submit("#main form[action='/device'] button[type=submit]")
}

// wantDevicePrompt checks that the tab shows the approval prompt for userCode from clientID.
func (tb *tab) wantDevicePrompt(userCode, clientID string) {
	tb.t.Helper()
	if p := tb.path(); p != "/device" {
		tb.t.Fatalf("the browser is at %s, want /device", p)
	}
	if h := tb.text("#device-code-heading"); h != "Code "+userCode {
		tb.t.Fatalf("device page heading = %q, want %q", h, "Code "+userCode)
	}
	if facts := tb.text("#main .facts"); !strings.Contains(facts, clientID) {
		tb.t.Errorf("the prompt's facts %q do not name the client %q", facts, clientID)
	}
}

// TestBrowserDeviceApprove: a device gets a code pair; the user follows its complete link
// while signed out, signs in on the real sign-in page, comes back to the prompt and approves;
// the device's poll gets an access token that works as a bearer token. Then a second device,
// whose code the signed-in user types (lower case, with a dash) into /device's form.
func TestBrowserDeviceApprove(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	addDeviceUser(t, s, "Ada", "ada@example.com")
	tb := newTab(t, s)

	d := newDevice(t, s, "acme-cli", "openid profile")
	link, err := url.Parse(d.auth.VerificationURIComplete)
	if err != nil || link.Path != "/device" || link.Query().Get("user_code") != d.auth.UserCode {
		t.Fatalf("verification_uri_complete = %q, want /device?user_code=%s on the site", d.auth.VerificationURIComplete, d.auth.UserCode)
	}
	tb.open(link.RequestURI())
	if p := tb.path(); p != "/sign-in" {
		t.Fatalf("signed out, the device link led to %s, want /sign-in", p)
	}
	tb.fill("#sign-in-email", "ada@example.com", "#sign-in-password", testPassword)
	tb.submit("#main form[action='/sign-in'] button[type=submit]")
	tb.wantDevicePrompt(d.auth.UserCode, "acme-cli")
	if scope := tb.text("#main .facts"); !strings.Contains(scope, "openid profile") {
		t.Errorf("the prompt's facts %q do not show the scope", scope)
	}
	d.wantPending()

	tb.submit("#main form[action='/device'] button[value=approve]")
	if p := tb.path(); p != "/device" {
		t.Errorf("after Approve the browser is at %s, want /device", p)
	}
	if n := tb.text(".alert-success"); !strings.HasPrefix(n, "The device is connected to your account.") {
		t.Errorf("notice after Approve = %q", n)
	}
	d.wantAccess("ada@example.com")

	d2 := newDevice(t, s, "acme-tv", "")
	typed := strings.ToLower(d2.auth.UserCode[:4] + "-" + d2.auth.UserCode[4:])
	tb.enterDeviceCode(typed)
	tb.wantDevicePrompt(d2.auth.UserCode, "acme-tv") // shown as the device shows it, not as typed
	tb.submit("#main form[action='/device'] button[value=approve]")
	if n := tb.text(".alert-success"); !strings.HasPrefix(n, "The device is connected to your account.") {
		t.Errorf("notice after Approve of a typed code = %q", n)
	}
	d2.wantAccess("ada@example.com")
}

// TestBrowserDeviceDeny: the user types the code, sees the prompt and denies; the device's
// poll gets access_denied.
func TestBrowserDeviceDeny(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	addDeviceUser(t, s, "Ada", "ada@example.com")
	tb := newTab(t, s)
	tb.signIn("ada@example.com", testPassword)

	d := newDevice(t, s, "acme-cli", "")
	tb.enterDeviceCode(d.auth.UserCode)
	tb.wantDevicePrompt(d.auth.UserCode, "acme-cli")
	d.wantPending()
	tb.submit("#main form[action='/device'] button[value=deny]")
	if n := tb.text(".alert-success"); !strings.HasPrefix(n, "The device was refused.") {
		t.Errorf("notice after Deny = %q", n)
	}
	if status, tok := d.poll(); status != http.StatusBadRequest || tok.Error != "access_denied" || tok.AccessToken != "" {
		t.Errorf("poll after Deny = %d %+v, want 400 access_denied", status, tok)
	}
}

// TestBrowserDeviceBadCode: an unknown code and an expired one are shown next to the field,
// with the code kept, and no approval is offered.
func TestBrowserDeviceBadCode(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	addDeviceUser(t, s, "Ada", "ada@example.com")
	expired := newDevice(t, s, "acme-cli", "")
	s.Clock.Advance(time.Duration(expired.auth.ExpiresIn)*time.Second + time.Second)

	tests := []struct {
		name, code, want string
	}{
		{"unknown_code", "zzzz-zzzz", "That code isn't valid. Check the code your device shows and enter it again."},
		{"expired_code", expired.auth.UserCode, "That code has expired. Start again on your device to get a new one."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := newTab(t, s)
			tb.signIn("ada@example.com", testPassword)
			tb.expectStatus("/device")
			tb.enterDeviceCode(tt.code)
			if p := tb.path(); p != "/device" {
				t.Fatalf("the browser is at %s, want /device", p)
			}
			if msg := tb.text("#device-user_code-error"); !strings.Contains(msg, tt.want) {
				t.Errorf("error next to the field = %q, want %q", msg, tt.want)
			}
			if msg := tb.text("[role=alert]"); !strings.Contains(msg, tt.want) {
				t.Errorf("alert = %q, want %q", msg, tt.want)
			}
			if v := tb.eval(`document.getElementById("device-user_code").value`); v != tt.code {
				t.Errorf("the code field holds %q, want %q kept", v, tt.code)
			}
			if n := tb.eval(`String(document.querySelectorAll("button[value=approve]").length)`); n != "0" {
				t.Errorf("an unusable code is offered for approval (%s buttons)", n)
			}
		})
	}
}
