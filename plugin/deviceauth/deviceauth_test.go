package deviceauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/plugin/deviceauth"
)

const password = "password-123"

var (
	deviceCodeForm = regexp.MustCompile(`^[A-Za-z0-9]{40}$`)
	userCodeForm   = regexp.MustCompile(`^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{8}$`)
)

type env struct {
	srv *kragtest.Server
	p   *deviceauth.Plugin
}

func start(t *testing.T, o deviceauth.Options) *env {
	t.Helper()
	p := deviceauth.New(o)
	return &env{srv: kragtest.New(t, krag.Options{Plugins: []krag.Plugin{p}}), p: p}
}

// answer is one HTTP answer.
type answer struct {
	status int
	body   []byte
	header http.Header
}

func (a answer) String() string { return http.StatusText(a.status) + " " + string(a.body) }

// do sends a request to the API path; jar, when not nil, carries a signed-in user's cookies.
func (e *env) do(t *testing.T, jar http.CookieJar, method, path, ctype, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, e.srv.URL+"/api/auth"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Origin", e.srv.URL)
	resp, err := (&http.Client{Jar: jar}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, b, resp.Header}
}

func (e *env) postJSON(t *testing.T, jar http.CookieJar, path string, body any) answer {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return e.do(t, jar, "POST", path, "application/json", string(b))
}

// user signs a new user up and returns their id and cookie jar.
func (e *env) user(t *testing.T, email string) (string, http.CookieJar) {
	t.Helper()
	c := e.srv.Client(t)
	res, err := c.SignUpEmail(t.Context(), client.SignUp{Name: "N", Email: email, Password: password})
	if err != nil {
		t.Fatalf("sign up %s: %v", email, err)
	}
	return res.User.ID, c.Jar()
}

type codeAnswer struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                int64  `json:"interval"`
}

func (e *env) code(t *testing.T, clientID string) codeAnswer {
	t.Helper()
	a := e.postJSON(t, nil, "/device/code", map[string]string{"client_id": clientID, "scope": "openid profile"})
	var out codeAnswer
	if a.status != 200 || json.Unmarshal(a.body, &out) != nil {
		t.Fatalf("/device/code = %v, want 200", a)
	}
	return out
}

func (e *env) token(t *testing.T, clientID, deviceCode string) answer {
	t.Helper()
	return e.postJSON(t, nil, "/device/token", map[string]string{
		"grant_type": deviceauth.GrantType, "device_code": deviceCode, "client_id": clientID})
}

// claim looks the code up while signed in, as the verification page does.
func (e *env) claim(t *testing.T, jar http.CookieJar, userCode string) answer {
	t.Helper()
	return e.do(t, jar, "GET", "/device?user_code="+url.QueryEscape(userCode), "", "")
}

func wantRFC(t *testing.T, what string, a answer, status int, code, desc string) {
	t.Helper()
	var got struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal(a.body, &got); err != nil || a.status != status || got.Error != code || (desc != "" && got.Description != desc) {
		t.Errorf("%s = %v, want %d {error:%q, error_description:%q}", what, a, status, code, desc)
	}
}

func TestCode(t *testing.T) {
	e := start(t, deviceauth.Options{})
	a := e.postJSON(t, nil, "/device/code", map[string]string{"client_id": "cli"})
	var out codeAnswer
	if a.status != 200 || json.Unmarshal(a.body, &out) != nil {
		t.Fatalf("/device/code = %v", a)
	}
	if !deviceCodeForm.MatchString(out.DeviceCode) || !userCodeForm.MatchString(out.UserCode) {
		t.Errorf("codes = %q %q, want 40 of [A-Za-z0-9] and 8 of the user alphabet", out.DeviceCode, out.UserCode)
	}
	if want := e.srv.URL + "/device"; out.VerificationURI != want || out.VerificationURIComplete != want+"?user_code="+out.UserCode {
		t.Errorf("verification URIs = %q %q, want %q", out.VerificationURI, out.VerificationURIComplete, want)
	}
	if out.ExpiresIn != 1800 || out.Interval != 5 {
		t.Errorf("expires_in, interval = %d, %d; want 1800, 5", out.ExpiresIn, out.Interval)
	}
	if a.header.Get("Cache-Control") != "no-store" || a.header.Get("Pragma") != "no-cache" {
		t.Errorf("headers %v, want no-store", a.header)
	}

	rec, err := e.srv.Auth.Store().FindOne(t.Context(), deviceauth.TableName, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rec["status"] != "pending" || rec["pollingInterval"] != int64(5000) || rec["clientId"] != "cli" || rec["userId"] != nil {
		t.Errorf("row = %v, want pending, 5000 ms, clientId cli, no user", rec)
	}

	t.Run("form_body", func(t *testing.T) {
		a := e.do(t, nil, "POST", "/device/code", "application/x-www-form-urlencoded", "client_id=cli&scope=a+b")
		if a.status != 200 || !strings.Contains(string(a.body), `"device_code"`) {
			t.Errorf("form /device/code = %v, want 200", a)
		}
	})
	tests := []struct{ name, body, desc string }{
		{"missing_client_id", `{}`, "[body.client_id] Invalid input: expected string, received undefined"},
		{"empty_client_id", `{"client_id":""}`, "[body.client_id] Invalid input: expected string, received undefined"},
		{"client_id_number", `{"client_id":7}`, "[body.client_id] Invalid input: expected string, received number"},
		{"not_object", `[]`, "[body] Invalid input: expected object, received array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.do(t, nil, "POST", "/device/code", "application/json", tt.body)
			wantRFC(t, "/device/code "+tt.body, a, 400, "invalid_request", tt.desc)
		})
	}
}

func TestApproveThenToken(t *testing.T) {
	e := start(t, deviceauth.Options{})
	uid, jar := e.user(t, "ada@example.com")
	c := e.code(t, "cli")

	wantRFC(t, "token before approval", e.token(t, "cli", c.DeviceCode), 400, "authorization_pending", "Authorization pending")

	// Approving before the claim is refused, as in Better Auth.
	wantRFC(t, "approve unclaimed", e.postJSON(t, jar, "/device/approve", map[string]string{"userCode": c.UserCode}),
		400, "invalid_request", "")

	// Lowercase with a dash finds the code; the claiming user sees client and scope.
	typed := strings.ToLower(c.UserCode[:4] + "-" + c.UserCode[4:])
	a := e.claim(t, jar, typed)
	if want := `{"user_code":"` + typed + `","status":"pending","client_id":"cli","scope":"openid profile"}`; a.status != 200 || string(a.body) != want {
		t.Errorf("GET /device = %v, want 200 %s", a, want)
	}
	// Anyone else sees only the status.
	a = e.claim(t, nil, c.UserCode)
	if want := `{"user_code":"` + c.UserCode + `","status":"pending"}`; a.status != 200 || string(a.body) != want {
		t.Errorf("GET /device without a session = %v, want 200 %s", a, want)
	}
	_, other := e.user(t, "bob@example.com")
	wantRFC(t, "approve by another user", e.postJSON(t, other, "/device/approve", map[string]string{"userCode": c.UserCode}),
		403, "access_denied", "")

	if a := e.postJSON(t, jar, "/device/approve", map[string]string{"userCode": typed}); a.status != 200 || string(a.body) != `{"success":true}` {
		t.Fatalf("approve = %v, want 200 {success:true}", a)
	}
	wantRFC(t, "approve again", e.postJSON(t, jar, "/device/approve", map[string]string{"userCode": c.UserCode}),
		400, "invalid_request", "Device code already processed")

	e.srv.Clock.Advance(5 * time.Second)
	a = e.token(t, "cli", c.DeviceCode)
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
		Scope       string `json:"scope"`
	}
	if a.status != 200 || json.Unmarshal(a.body, &tok) != nil {
		t.Fatalf("token = %v, want 200", a)
	}
	if tok.TokenType != "Bearer" || tok.ExpiresIn != 7*24*3600 || tok.Scope != "openid profile" || a.header.Get("Cache-Control") != "no-store" {
		t.Errorf("token = %s %v", a.body, a.header)
	}
	if len(a.header.Values("Set-Cookie")) != 0 {
		t.Errorf("token set cookies: %v", a.header.Values("Set-Cookie"))
	}
	sd, err := e.srv.Auth.FindSession(t.Context(), tok.AccessToken)
	if err != nil || sd == nil || sd.User.ID != uid {
		t.Fatalf("FindSession(access_token) = %v, %v; want ada's session", sd, err)
	}

	// The device code is spent.
	e.srv.Clock.Advance(5 * time.Second)
	wantRFC(t, "replayed device code", e.token(t, "cli", c.DeviceCode), 400, "invalid_grant", "Invalid device code")
}

func TestDeny(t *testing.T) {
	e := start(t, deviceauth.Options{})
	_, jar := e.user(t, "ada@example.com")
	c := e.code(t, "cli")
	e.claim(t, jar, c.UserCode)
	if a := e.postJSON(t, jar, "/device/deny", map[string]string{"userCode": c.UserCode}); a.status != 200 {
		t.Fatalf("deny = %v", a)
	}
	a := e.claim(t, jar, c.UserCode)
	if !strings.Contains(string(a.body), `"status":"denied"`) {
		t.Errorf("GET /device after deny = %v, want status denied", a)
	}
	wantRFC(t, "token after deny", e.token(t, "cli", c.DeviceCode), 400, "access_denied", "Access denied")
	e.srv.Clock.Advance(5 * time.Second)
	wantRFC(t, "token after access_denied", e.token(t, "cli", c.DeviceCode), 400, "invalid_grant", "Invalid device code")
}

func TestPolling(t *testing.T) {
	e := start(t, deviceauth.Options{})
	c := e.code(t, "cli")
	tests := []struct {
		name    string
		advance time.Duration
		code    string
	}{
		{"first_poll", 0, "authorization_pending"},
		{"too_fast", 4 * time.Second, "slow_down"},
		{"still_too_fast", 999 * time.Millisecond, "slow_down"}, // the last poll that counted was 4.999 s ago
		{"after_interval", time.Millisecond, "authorization_pending"},
		{"again_too_fast", time.Second, "slow_down"},
		{"interval_not_raised", 4 * time.Second, "authorization_pending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.srv.Clock.Advance(tt.advance)
			wantRFC(t, "token", e.token(t, "cli", c.DeviceCode), 400, tt.code, "")
		})
	}
}

func TestExpiry(t *testing.T) {
	e := start(t, deviceauth.Options{ExpiresIn: time.Minute})
	_, jar := e.user(t, "ada@example.com")
	c := e.code(t, "cli")
	if c.ExpiresIn != 60 {
		t.Errorf("expires_in = %d, want 60", c.ExpiresIn)
	}
	e.claim(t, jar, c.UserCode)
	e.srv.Clock.Advance(time.Minute)
	wantRFC(t, "GET /device expired", e.claim(t, jar, c.UserCode), 400, "expired_token", "User code has expired")
	wantRFC(t, "approve expired", e.postJSON(t, jar, "/device/approve", map[string]string{"userCode": c.UserCode}),
		400, "expired_token", "User code has expired")
	wantRFC(t, "token expired", e.token(t, "cli", c.DeviceCode), 400, "expired_token", "Device code has expired")
	e.srv.Clock.Advance(5 * time.Second)
	wantRFC(t, "token after expired_token", e.token(t, "cli", c.DeviceCode), 400, "invalid_grant", "Invalid device code")
}

func TestTokenFailures(t *testing.T) {
	e := start(t, deviceauth.Options{})
	c := e.code(t, "cli")
	t.Run("wrong_client_id", func(t *testing.T) {
		wantRFC(t, "token", e.token(t, "other", c.DeviceCode), 400, "invalid_grant", "Client ID mismatch")
	})
	t.Run("unknown_device_code", func(t *testing.T) {
		wantRFC(t, "token", e.token(t, "cli", strings.ToLower(c.DeviceCode[:1])+c.DeviceCode[1:]+"x"), 400, "invalid_grant", "Invalid device code")
	})
	t.Run("wrong_case_device_code", func(t *testing.T) {
		swapped := strings.Map(func(r rune) rune {
			switch {
			case r >= 'a' && r <= 'z':
				return r - 'a' + 'A'
			case r >= 'A' && r <= 'Z':
				return r - 'A' + 'a'
			}
			return r
		}, c.DeviceCode)
		wantRFC(t, "token", e.token(t, "cli", swapped), 400, "invalid_grant", "Invalid device code")
	})
	t.Run("wrong_grant_type", func(t *testing.T) {
		a := e.postJSON(t, nil, "/device/token", map[string]string{"grant_type": "password", "device_code": c.DeviceCode, "client_id": "cli"})
		want := `{"message":"[body.grant_type] Invalid input: expected \"urn:ietf:params:oauth:grant-type:device_code\"","code":"VALIDATION_ERROR"}`
		if a.status != 400 || string(a.body) != want {
			t.Errorf("token = %v, want 400 %s", a, want)
		}
	})
	t.Run("form_body", func(t *testing.T) {
		// RFC 8628 §3.4's form body is read as the JSON one is (Better Auth 1.7.25 answers 415).
		a := e.do(t, nil, "POST", "/device/token", "application/x-www-form-urlencoded",
			"grant_type="+url.QueryEscape(deviceauth.GrantType)+"&device_code="+c.DeviceCode+"&client_id=cli")
		wantRFC(t, "form token", a, 400, "authorization_pending", "Authorization pending")
	})
}

func TestVerifyAndDecisionFailures(t *testing.T) {
	e := start(t, deviceauth.Options{})
	_, jar := e.user(t, "ada@example.com")
	c := e.code(t, "cli")
	wantRFC(t, "GET /device unknown", e.claim(t, jar, "ZZZZZZZZ"), 400, "invalid_request", "Invalid user code")
	wantRFC(t, "approve unknown", e.postJSON(t, jar, "/device/approve", map[string]string{"userCode": "ZZZZZZZZ"}),
		400, "invalid_request", "Invalid user code")
	wantRFC(t, "approve without session", e.postJSON(t, nil, "/device/approve", map[string]string{"userCode": c.UserCode}),
		401, "unauthorized", "Authentication required")
	wantRFC(t, "deny without session", e.postJSON(t, nil, "/device/deny", map[string]string{"userCode": c.UserCode}),
		401, "unauthorized", "Authentication required")
	if a := e.postJSON(t, jar, "/device/approve", map[string]string{}); a.status != 400 || !strings.Contains(string(a.body), "VALIDATION_ERROR") {
		t.Errorf("approve {} = %v, want 400 VALIDATION_ERROR", a)
	}
	if a := e.do(t, jar, "GET", "/device", "", ""); a.status != 400 || !strings.Contains(string(a.body), "VALIDATION_ERROR") {
		t.Errorf("GET /device without user_code = %v, want 400 VALIDATION_ERROR", a)
	}
}

func TestPreboundUser(t *testing.T) {
	e := start(t, deviceauth.Options{})
	uid, jar := e.user(t, "ada@example.com")
	a := e.postJSON(t, nil, "/device/code", map[string]string{"client_id": "cli", "user_id": uid})
	var c codeAnswer
	if a.status != 200 || json.Unmarshal(a.body, &c) != nil {
		t.Fatalf("/device/code = %v", a)
	}
	if a := e.postJSON(t, jar, "/device/approve", map[string]string{"userCode": c.UserCode}); a.status != 200 {
		t.Errorf("approve a code bound to the caller = %v, want 200", a)
	}
}

func TestValidateClient(t *testing.T) {
	e := start(t, deviceauth.Options{ValidateClient: func(_ context.Context, id string) (bool, error) { return id == "cli", nil }})
	wantRFC(t, "/device/code", e.postJSON(t, nil, "/device/code", map[string]string{"client_id": "evil"}), 400, "invalid_client", "Invalid client ID")
	c := e.code(t, "cli")
	wantRFC(t, "token", e.token(t, "evil", c.DeviceCode), 400, "invalid_client", "Invalid client ID")
}

func TestTokenOnce(t *testing.T) {
	e := start(t, deviceauth.Options{})
	uid, _ := e.user(t, "ada@example.com")
	ctx := t.Context()
	a, err := e.p.RequestCode(ctx, deviceauth.CodeRequest{ClientID: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.Lookup(ctx, a.UserCode, uid); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Approve(ctx, uid, a.UserCode); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 8 {
		wg.Go(func() {
			g, err := e.p.Token(ctx, "cli", a.DeviceCode, krag.SessionInput{})
			switch {
			case err == nil && g.Session.User.ID == uid:
				mu.Lock()
				ok++
				mu.Unlock()
			case errors.Is(err, deviceauth.ErrInvalidDeviceCode), errors.Is(err, deviceauth.ErrPollingTooFrequently):
			default:
				t.Errorf("Token = %v, want a session or invalid_grant or slow_down", err)
			}
		})
	}
	wg.Wait()
	if ok != 1 {
		t.Errorf("%d concurrent token requests succeeded, want 1", ok)
	}
}
