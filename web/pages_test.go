package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/plugin/active"
	"github.com/kragauth/krag/plugin/admin"
	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/social"
)

const testPassword = "correct horse battery"

// TestPagesRender visits every page signed out and signed in, checks its status and its HTML.
func TestPagesRender(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	c := s.newClient(t)
	for _, tt := range []struct {
		path, wantPath string
		status         int
	}{
		{"/", "/", 200},
		{"/sign-in", "/sign-in", 200},
		{"/sign-up", "/sign-up", 200},
		{"/dashboard", "/sign-in", 200},
		{"/no-such-page", "/no-such-page", 404},
	} {
		p := c.get(tt.path)
		if p.Status != tt.status || p.URL.Path != tt.wantPath {
			t.Errorf("signed out: GET %s = %d at %s, want %d at %s", tt.path, p.Status, p.URL.Path, tt.status, tt.wantPath)
		}
		checkHTML(t, "signed out "+tt.path, p.Body)
	}
	p := c.signUp("Ada", "Lovelace", "ada@example.com", testPassword)
	if p.Status != 200 || p.URL.Path != "/dashboard" || !strings.Contains(string(p.Body), "Welcome, Ada!") {
		t.Fatalf("sign-up = %d at %s, want the dashboard greeting Ada", p.Status, p.URL.Path)
	}
	for _, path := range []string{"/", "/dashboard", "/sign-out", "/no-such-page"} {
		p := c.get(path)
		checkHTML(t, "signed in "+path, p.Body)
	}
}

func TestCSRF(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	c := s.newClient(t)
	c.signUp("Ada", "Lovelace", "csrf@example.com", testPassword)
	tests := []struct {
		name    string
		form    url.Values
		headers map[string]string
	}{
		{"no_token", url.Values{"csrf": {""}}, nil},
		{"wrong_token", url.Values{"csrf": {strings.Repeat("A", 43)}}, nil},
		{"cross_site", nil, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"same_site", nil, map[string]string{"Sec-Fetch-Site": "same-site"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := tt.form
			if form == nil {
				form = url.Values{"csrf": {c.csrf()}}
			}
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/sign-out", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			p := c.do(req)
			if p.Status != http.StatusForbidden || !strings.Contains(string(p.Body), "couldn&#39;t be sent safely") {
				t.Errorf("POST /sign-out (%s) = %d, want 403 with the CSRF page", tt.name, p.Status)
			}
			checkHTML(t, "csrf page", p.Body)
		})
	}
	if p := c.get("/dashboard"); p.URL.Path != "/dashboard" {
		t.Errorf("after refused sign-outs GET /dashboard landed on %s: the session was ended", p.URL.Path)
	}
}

// regexpAll returns the first group of every match of expr in b.
func regexpAll(expr string, b []byte) []string {
	var out []string
	for _, m := range regexp.MustCompile(expr).FindAllSubmatch(b, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

// has reports whether the page contains s (apostrophes as html/template escapes them are
// read back).
func (p *response) has(s string) bool {
	return strings.Contains(strings.ReplaceAll(string(p.Body), "&#39;", "'"), s)
}

func TestSignInErrors(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	c := s.newClient(t)
	c.signUp("Ada", "Lovelace", "ada@example.com", testPassword)
	c.post("/sign-out", nil)
	tests := []struct {
		name     string
		form     url.Values
		status   int
		sentence string
	}{
		{"wrong_password", url.Values{"email": {"ada@example.com"}, "password": {"wrong password"}}, 401, "That email and password don't match an account."},
		{"unknown_email", url.Values{"email": {"nobody@example.com"}, "password": {testPassword}}, 401, "That email and password don't match an account."},
		{"missing_password", url.Values{"email": {"ada@example.com"}}, 400, "Enter your password."},
		{"bad_email", url.Values{"email": {"not-an-email"}, "password": {testPassword}}, 400, "Enter an email address in the form name@example.com."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.post("/sign-in", tt.form)
			if p.Status != tt.status || !p.has(tt.sentence) {
				t.Errorf("POST /sign-in (%s) = %d, want %d with %q", tt.name, p.Status, tt.status, tt.sentence)
			}
			if !p.has(`role="alert"`) || !p.has("<title>Error: Sign in") {
				t.Errorf("POST /sign-in (%s): the error is not announced (role=alert, title)", tt.name)
			}
			if strings.Contains(string(p.Body), testPassword) {
				t.Errorf("POST /sign-in (%s) shows the password again", tt.name)
			}
			checkHTML(t, "sign-in "+tt.name, p.Body)
		})
	}
	p := c.post("/sign-in", url.Values{"email": {"ada@example.com"}, "password": {testPassword}, "remember": {"on"}, "next": {"/account"}})
	if p.URL.Path != "/account" {
		t.Errorf("sign-in with next=/account landed on %s", p.URL.Path)
	}
}

func TestSignUpErrors(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	c := s.newClient(t)
	c.signUp("Ada", "Lovelace", "taken@example.com", testPassword)
	c2 := s.newClient(t)
	tests := []struct {
		name     string
		form     url.Values
		sentence string
	}{
		{"taken_email", url.Values{"firstName": {"Bob"}, "email": {"taken@example.com"}, "password": {testPassword}}, "An account with this email already exists."},
		{"short_password", url.Values{"firstName": {"Bob"}, "email": {"bob@example.com"}, "password": {"short"}}, "That password is too short."},
		{"no_first_name", url.Values{"email": {"bob@example.com"}, "password": {testPassword}}, "Enter your first name."},
		{"bad_phone", url.Values{"firstName": {"Bob"}, "email": {"bob@example.com"}, "password": {testPassword}, "phoneNumber": {"call me"}}, "Enter a phone number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c2.post("/sign-up", tt.form)
			if p.Status < 400 || !p.has(tt.sentence) {
				t.Errorf("POST /sign-up (%s) = %d, want an error with %q", tt.name, p.Status, tt.sentence)
			}
			if tt.form.Get("firstName") != "" && !p.has(`value="`+tt.form.Get("firstName")+`"`) {
				t.Errorf("POST /sign-up (%s) lost the first name", tt.name)
			}
			checkHTML(t, "sign-up "+tt.name, p.Body)
		})
	}
}

// TestSignInSetsTheAPIsCookies: the Better Auth client sees the session the pages started.
func TestSignInSetsTheAPIsCookies(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	c := s.newClient(t)
	c.signUp("Ada", "Lovelace", "api@example.com", testPassword)
	p := c.get("/api/auth/get-session")
	if p.Status != 200 || !p.has(`"email":"api@example.com"`) || !p.has(`"firstName":"Ada"`) {
		t.Errorf("GET /api/auth/get-session after the sign-up form = %d %s", p.Status, p.Body)
	}
	c.post("/sign-out", nil)
	if p := c.get("/api/auth/get-session"); string(p.Body) != "null" {
		t.Errorf("GET /api/auth/get-session after signing out = %s, want null", p.Body)
	}
}

func TestAccount(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	c := s.newClient(t)
	c.signUp("Ada", "Lovelace", "acct@example.com", testPassword)
	p := c.get("/account")
	if p.Status != 200 {
		t.Fatalf("GET /account = %d", p.Status)
	}
	checkHTML(t, "account", p.Body)

	p = c.post("/account/profile", url.Values{"firstName": {"Augusta"}, "lastName": {"King"}, "name": {"Augusta Ada King"}, "phoneNumber": {"+44 1"}})
	if p.Status != 400 || !p.has("Enter a phone number") {
		t.Errorf("POST /account/profile (bad phone) = %d, want 400 with the phone's error", p.Status)
	}
	checkHTML(t, "account profile error", p.Body)
	p = c.post("/account/profile", url.Values{"firstName": {"Augusta"}, "lastName": {"King"}, "name": {"Augusta Ada King"}, "phoneNumber": {"+44 20 7946 0001"}})
	if p.URL.Path != "/account" || !p.has("Your profile is saved.") || !p.has(`value="Augusta"`) {
		t.Errorf("POST /account/profile = %d at %s, want the saved notice and the new name", p.Status, p.URL.Path)
	}
	if p := c.get("/dashboard"); !p.has("Welcome, Augusta!") {
		t.Error("the dashboard does not greet the new first name")
	}

	p = c.post("/account/password", url.Values{"currentPassword": {"not it"}, "newPassword": {"another good password"}})
	if p.Status != 400 || !p.has("That password isn't right.") || !p.has(`id="password-currentPassword-error"`) {
		t.Errorf("POST /account/password (wrong current) = %d, want 400 with the error next to the field", p.Status)
	}
	checkHTML(t, "account password error", p.Body)
	p = c.post("/account/password", url.Values{"currentPassword": {testPassword}, "newPassword": {"another good password"}})
	if !p.has("Your password is changed.") {
		t.Errorf("POST /account/password = %d, want the changed notice", p.Status)
	}

	p = c.post("/account/email", url.Values{"newEmail": {"augusta@example.com"}})
	if !p.has("Your email address is changed.") || !p.has("augusta@example.com") {
		t.Errorf("POST /account/email = %d, want the changed notice", p.Status)
	}
	c.post("/sign-out", nil)
	p = c.post("/sign-in", url.Values{"email": {"augusta@example.com"}, "password": {"another good password"}})
	if p.URL.Path != "/dashboard" {
		t.Errorf("sign-in with the new email and password landed on %s", p.URL.Path)
	}
}

// TestRevokeOtherSession: a session ended from the account page is over for that browser at
// its next page, although the API's cookie cache would still answer for it.
func TestRevokeOtherSession(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	a := s.newClient(t)
	a.signUp("Ada", "Lovelace", "two@example.com", testPassword)
	b := s.newClient(t)
	if p := b.post("/sign-in", url.Values{"email": {"two@example.com"}, "password": {testPassword}}); p.URL.Path != "/dashboard" {
		t.Fatalf("second browser: sign-in landed on %s", p.URL.Path)
	}
	p := a.get("/account")
	handles := regexpAll(`name="session" value="([^"]+)"`, p.Body)
	if len(handles) != 1 {
		t.Fatalf("account lists %d other sessions, want 1", len(handles))
	}
	p = a.post("/account/sessions/revoke", url.Values{"session": {handles[0]}})
	if !p.has("That device is signed out.") {
		t.Errorf("revoke = %d, want the notice", p.Status)
	}
	if p := b.get("/dashboard"); p.URL.Path != "/sign-in" {
		t.Errorf("revoked browser: GET /dashboard landed on %s, want /sign-in", p.URL.Path)
	}
	if p := a.get("/dashboard"); p.URL.Path != "/dashboard" {
		t.Errorf("revoking browser lost its own session (at %s)", p.URL.Path)
	}
}

func TestErrorPages(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	c := s.newClient(t)
	if p := c.get("/nowhere"); p.Status != 404 || !p.has("Page not found") {
		t.Errorf("GET /nowhere = %d", p.Status)
	}
	req, _ := http.NewRequest(http.MethodDelete, s.URL+"/sign-in", nil)
	if p := c.do(req); p.Status != 405 || p.Header.Get("Allow") != "GET, POST" || !p.has("This page can't do that") {
		t.Errorf("DELETE /sign-in = %d Allow %q", p.Status, p.Header.Get("Allow"))
	} else {
		checkHTML(t, "405", p.Body)
	}
	if p := c.get("/account/profile"); p.Status != 405 {
		t.Errorf("GET /account/profile = %d, want 405", p.Status)
	}
	if p := c.get("/static/app.css"); p.Status != 200 || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/css") {
		t.Errorf("GET /static/app.css = %d %s", p.Status, p.Header.Get("Content-Type"))
	}
	if p := c.get("/static/nope.css"); p.Status != 404 {
		t.Errorf("GET /static/nope.css = %d", p.Status)
	}
	// A database that went away is the 500 page, which says nothing of the cause.
	c.signUp("Ada", "Lovelace", "errors@example.com", testPassword)
	s.DB.Close()
	p := c.get("/")
	if p.Status < 500 || !p.has("Try again in a moment") || p.has("sql") {
		t.Errorf("GET / without a database = %d %s", p.Status, p.Body)
	}
	checkHTML(t, "500", p.Body)
}

// TestSignInRateLimit: the sign-in form shares /sign-in/email's limit (3 in 10 s) and says how
// long to wait.
func TestSignInRateLimit(t *testing.T) {
	s := newTestSite(t, siteOptions{RateLimit: true})
	c := s.newClient(t)
	form := url.Values{"email": {"ada@example.com"}, "password": {"wrong password"}}
	for i := range 3 {
		if p := c.post("/sign-in", form); p.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d = %d, want 401", i+1, p.Status)
		}
	}
	p := c.post("/sign-in", form)
	if p.Status != http.StatusTooManyRequests || !p.has("Too many attempts. Wait 10 seconds and try again.") {
		t.Errorf("fourth attempt = %d, want 429 with the wait", p.Status)
	}
	checkHTML(t, "rate limited", p.Body)
	s.Clock.Advance(11 * time.Second)
	if p := c.post("/sign-in", form); p.Status != http.StatusUnauthorized {
		t.Errorf("after the window = %d, want 401", p.Status)
	}
}

// TestRefusedUsers: a deactivated user's open session ends with the reason shown, and neither
// a deactivated nor a banned user can sign in.
func TestRefusedUsers(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	c := s.newClient(t)
	c.signUp("Ada", "Lovelace", "gone@example.com", testPassword)
	u, err := s.Auth.FindUserByEmail(t.Context(), "gone@example.com")
	if err != nil {
		t.Fatal(err)
	}
	active.Field.Set(u, false)
	if err := s.Auth.UpdateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	p := c.get("/dashboard")
	if p.URL.Path != "/sign-in" || !p.has("This account has been deactivated.") {
		t.Errorf("deactivated user's /dashboard = %s, want the sign-in page with the reason", p.URL)
	}
	checkHTML(t, "sign-in refused", p.Body)
	p = c.post("/sign-in", url.Values{"email": {"gone@example.com"}, "password": {testPassword}})
	if p.Status != http.StatusForbidden || !p.has("This account has been deactivated.") {
		t.Errorf("deactivated user's sign-in = %d", p.Status)
	}

	b := s.newClient(t)
	b.signUp("Bob", "Banned", "banned@example.com", testPassword)
	bu, _ := s.Auth.FindUserByEmail(t.Context(), "banned@example.com")
	if _, err := s.Sys.Admin.Ban(t.Context(), bu.ID, admin.BanInput{Reason: "spam"}); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/dashboard"); p.URL.Path != "/sign-in" {
		t.Errorf("banned user's /dashboard = %s, want /sign-in", p.URL)
	}
	p = b.post("/sign-in", url.Values{"email": {"banned@example.com"}, "password": {testPassword}})
	if p.Status != http.StatusForbidden || !p.has("This account has been suspended.") {
		t.Errorf("banned user's sign-in = %d", p.Status)
	}
}

// TestDashboardFollowsPermissions: a permission granted to the user's role shows on the
// dashboard at once, with the user's id filled in.
func TestDashboardFollowsPermissions(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	c := s.newClient(t)
	c.signUp("Ada", "Lovelace", "perm@example.com", testPassword)
	if p := c.get("/dashboard"); !p.has("You have no permissions beyond using your own account.") || !p.has(">User<") {
		t.Fatal("a new user's dashboard does not show the User role without permissions")
	}
	ctx := t.Context()
	if _, err := s.Sys.RBAC.CreatePermission(ctx, rbac.PermissionInput{Name: "post:update-own", Resource: "Post", Action: "update",
		Conditions: json.RawMessage(`{"authorId":"${user.id}"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Sys.RBAC.Grant(ctx, rbac.UserRole, "post:update-own", false); err != nil {
		t.Fatal(err)
	}
	u, _ := s.Auth.FindUserByEmail(ctx, "perm@example.com")
	p := c.get("/dashboard")
	if !p.has(`<td data-label="Action">update</td>`) || !p.has(`{&#34;authorId&#34;:&#34;`+u.ID+`&#34;}`) {
		t.Errorf("after the grant the dashboard does not list update Post for the user's own posts")
	}
	checkHTML(t, "dashboard with permissions", p.Body)
	if _, err := s.Sys.RBAC.SetUserRoles(ctx, u.ID, []string{rbac.AdminRole}); err != nil {
		t.Fatal(err)
	}
	if p := c.get("/dashboard"); !p.has(">Admin<") || !p.has(`<td data-label="Action">manage</td>`) {
		t.Error("after becoming admin the dashboard does not show the role and manage all")
	}
}

// TestStaleSessionConfirms: listing sessions and unlinking need a recent sign-in, as the API's
// list-sessions and unlink-account do; "Confirm it's you" signs in again and comes back.
func TestStaleSessionConfirms(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	c := s.newClient(t)
	c.signUp("Ada", "Lovelace", "stale@example.com", testPassword)
	s.Clock.Advance(25 * time.Hour)
	p := c.get("/account")
	if p.has(`id="sessions"`) || !p.has("Confirm it's you") {
		t.Fatal("a day-old session sees the sessions list")
	}
	p = c.get("/sign-in?reauth=1&next=%2Faccount")
	if p.URL.Path != "/sign-in" || !p.has(`value="stale@example.com"`) || !p.has("<h1>Confirm it's you</h1>") {
		t.Fatalf("reauth = %s, want the sign-in form with the email filled in", p.URL)
	}
	checkHTML(t, "reauth", p.Body)
	p = c.post("/sign-in", url.Values{"email": {"stale@example.com"}, "password": {testPassword}, "next": {"/account"}})
	if p.URL.Path != "/account" || !p.has(`id="sessions"`) {
		t.Errorf("after confirming: %s without the sessions list", p.URL)
	}
	if n := len(regexpAll(`class="(item-title)"`, p.Body)); n != 2 { // this session and the password account
		t.Errorf("after confirming the account shows %d items, want the one new session and one way to sign in", n)
	}
}

// TestSocialStartOverHTTP: the provider button answers with a redirect to the provider and the
// API's state cookie, without JavaScript.
func TestSocialStartOverHTTP(t *testing.T) {
	idp := startIdP(t)
	s := newTestSite(t, siteOptions{Providers: []social.Provider{idp.provider(t)}})
	c := s.newClient(t)
	p := c.get("/sign-in")
	checkHTML(t, "sign-in with a provider", p.Body)
	c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	p = c.post("/sign-in/social", url.Values{"provider": {"idp"}})
	loc := p.Header.Get("Location")
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(loc, idp.Config().Issuer) {
		t.Errorf("POST /sign-in/social = %d to %q, want 303 to the provider", p.Status, loc)
	}
	if !strings.Contains(strings.Join(p.Header.Values("Set-Cookie"), "\n"), "better-auth.state=") {
		t.Errorf("POST /sign-in/social set %q, want the API's state cookie", p.Header.Values("Set-Cookie"))
	}
	c.hc.CheckRedirect = nil
	p = c.post("/sign-in/social", url.Values{"provider": {"nope"}})
	if p.Status != http.StatusBadRequest || !p.has("That sign-in provider isn't set up here.") {
		t.Errorf("POST /sign-in/social (unknown provider) = %d", p.Status)
	}
	p = c.get("/sign-in?error=account_not_linked")
	if !p.has("An account with this email already exists. Sign in with your password") {
		t.Error("the callback's error code is not shown as a sentence")
	}
}

// TestImpersonationBanner: a session an administrator opened as the user shows the banner with
// its stop button, and the user's own account page does not list it.
func TestImpersonationBanner(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	ctx := t.Context()
	userClient := s.newClient(t)
	userClient.signUp("Ada", "Lovelace", "ada@example.com", testPassword)
	boss, err := s.Auth.SignUpEmail(ctx, krag.SignUpInput{Name: "Boss", Email: "boss@example.com", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := s.Auth.FindUserByEmail(ctx, "ada@example.com")
	sd, err := s.Auth.CreateSession(ctx, u, krag.SessionInput{ExpiresIn: time.Hour,
		Prepare: func(ss *krag.Session) { admin.ImpersonatedByField.Set(ss, boss.User.ID) }})
	if err != nil {
		t.Fatal(err)
	}
	imp := s.newClient(t)
	base, _ := url.Parse(s.URL)
	imp.hc.Jar.SetCookies(base, []*http.Cookie{{Name: "better-auth.session_token", Value: s.Auth.SignedCookieValue(sd.Session.Token), Path: "/"}})
	p := imp.get("/dashboard")
	if !p.has("You are acting as <strong>Ada Lovelace</strong>") || !p.has(`action="/admin/stop-impersonating"`) {
		t.Errorf("impersonated dashboard (%d at %s) has no banner", p.Status, p.URL)
	}
	checkHTML(t, "impersonation banner", p.Body)
	if p := userClient.get("/dashboard"); p.has("You are acting as") {
		t.Error("the user's own session shows the impersonation banner")
	}
	if n := len(regexpAll(`(<p class="item-title">)`, userClient.get("/account").Body)); n != 2 { // own session + password
		t.Errorf("the user's account lists %d items, want own session and password only (the impersonation hidden)", n)
	}
}
