package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/internal/app"
	"github.com/kragauth/krag/plugin/admin"
	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/web/posts"
)

// newDemoSite is a test site with the roles and permissions krag serve seeds.
func newDemoSite(t *testing.T) *testSite {
	t.Helper()
	s := newTestSite(t, siteOptions{})
	if err := s.Sys.Seed(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}

// addUser creates a user through the Go API with the role named (rbac.UserRole for the
// default) and returns it.
func (s *testSite) addUser(t *testing.T, first, email, role string) *krag.User {
	t.Helper()
	res, err := s.Auth.SignUpEmail(t.Context(), krag.SignUpInput{Name: first + " Tester", Email: email, Password: testPassword,
		Set: func(u *krag.User) { app.FirstName.Set(u, first) }})
	if err != nil {
		t.Fatalf("sign up %s: %v", email, err)
	}
	u := res.User
	if role != rbac.UserRole {
		if u, err = s.Sys.RBAC.SetUserRoles(t.Context(), u.ID, []string{role}); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

// signedIn returns a browser signed in as the user with email, through the sign-in form.
func (s *testSite) signedIn(t *testing.T, email string) *client {
	t.Helper()
	c := s.newClient(t)
	p := c.post("/sign-in", url.Values{"email": {email}, "password": {testPassword}})
	if p.URL.Path != "/dashboard" {
		t.Fatalf("sign in %s: at %s (%d)", email, p.URL.Path, p.Status)
	}
	return c
}

// wantPage fails t unless p answered status at path, and checks its HTML.
func wantPage(t *testing.T, what string, p *response, status int, path string) {
	t.Helper()
	if p.Status != status || p.URL.Path != path {
		t.Errorf("%s = %d at %s, want %d at %s", what, p.Status, p.URL.Path, status, path)
	}
	checkHTML(t, what, p.Body)
}

// TestAdminRefusals: without the permissions, every admin page and form is the 403 page and
// the header has no Admin link; a visitor is sent to sign in.
func TestAdminRefusals(t *testing.T) {
	s := newDemoSite(t)
	victim := s.addUser(t, "Vic", "vic@example.com", rbac.UserRole)
	s.addUser(t, "Ursula", "ursula@example.com", rbac.UserRole)
	c := s.signedIn(t, "ursula@example.com")
	if p := c.get("/dashboard"); p.has(`href="/admin"`) {
		t.Error("a user without admin rights sees the Admin link")
	}
	perm, err := s.Sys.RBAC.Permission(t.Context(), posts.PermRead)
	if err != nil {
		t.Fatal(err)
	}
	id := victim.ID
	gets := []string{"/admin", "/admin/users", "/admin/users/" + id, "/admin/roles", "/admin/roles/editor",
		"/admin/permissions", fmt.Sprintf("/admin/permissions/%d", perm.ID)}
	for _, path := range gets {
		wantPage(t, "GET "+path, c.get(path), http.StatusForbidden, path)
	}
	posts := []struct {
		path string
		form url.Values
	}{
		{"/admin/users/" + id + "/role", url.Values{"role": {"admin"}}},
		{"/admin/users/" + id + "/ban", url.Values{"reason": {"x"}}},
		{"/admin/users/" + id + "/unban", nil},
		{"/admin/users/" + id + "/impersonate", nil},
		{"/admin/users/" + id + "/permissions", url.Values{"permission": {posts.PermRead}, "effect": {"allow"}}},
		{"/admin/users/" + id + "/permissions/remove", url.Values{"permission": {posts.PermRead}}},
		{"/admin/roles", url.Values{"name": {"hacker"}}},
		{"/admin/roles/user/grant", url.Values{"permission": {"all:manage"}, "effect": {"allow"}}},
		{"/admin/roles/user/revoke", url.Values{"permission": {posts.PermReadOwn}}},
		{"/admin/permissions", url.Values{"name": {"x:y"}, "action": {"manage"}, "resource": {"all"}}},
		{fmt.Sprintf("/admin/permissions/%d", perm.ID), url.Values{"name": {"x:y"}, "action": {"manage"}, "resource": {"all"}}},
	}
	for _, tt := range posts {
		wantPage(t, "POST "+tt.path, c.post(tt.path, tt.form), http.StatusForbidden, tt.path)
	}
	// Nothing changed.
	if u, _ := s.Auth.FindUserByID(t.Context(), id); s.Sys.Admin.Banned(u) {
		t.Error("a refused ban banned the user")
	}
	if _, err := s.Sys.RBAC.Role(t.Context(), "hacker"); err == nil {
		t.Error("a refused form created a role")
	}
	roles, _ := s.Sys.RBAC.RolesOf(t.Context(), mustUser(t, s, "ursula@example.com"))
	if len(roles) != 1 || roles[0].Name != rbac.UserRole {
		t.Errorf("after refused forms Ursula's roles are %v", roles)
	}

	// A visitor is asked to sign in.
	v := s.newClient(t)
	if p := v.get("/admin/users"); p.URL.Path != "/sign-in" || p.URL.Query().Get("next") != "/admin/users" {
		t.Errorf("signed out, /admin/users led to %s", p.URL)
	}
}

func mustUser(t *testing.T, s *testSite, email string) *krag.User {
	t.Helper()
	u, err := s.Auth.FindUserByEmail(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestAdminPartialRights: a user allowed to read roles only sees the roles page and nothing
// else of the admin, and cannot change roles.
func TestAdminPartialRights(t *testing.T) {
	s := newDemoSite(t)
	ctx := t.Context()
	u := s.addUser(t, "Rita", "rita@example.com", rbac.UserRole)
	if _, err := s.Sys.RBAC.CreatePermission(ctx, rbac.PermissionInput{Name: "role:read", Resource: rbac.SubjectRole, Action: "read"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Sys.RBAC.SetUserPermission(ctx, u.ID, "role:read", false); err != nil {
		t.Fatal(err)
	}
	c := s.signedIn(t, "rita@example.com")
	p := c.get("/admin")
	wantPage(t, "GET /admin (roles only)", p, http.StatusOK, "/admin")
	if !p.has(`href="/admin/roles"`) || p.has(`href="/admin/users"`) || p.has(`href="/admin/permissions"`) || p.has("<svg") {
		t.Error("the overview of a roles-only reader shows more than roles")
	}
	p = c.get("/admin/roles/editor")
	wantPage(t, "GET /admin/roles/editor (read only)", p, http.StatusOK, "/admin/roles/editor")
	if p.has(`action="/admin/roles/editor/grant"`) || p.has(`action="/admin/roles/editor/revoke"`) {
		t.Error("a roles reader is offered the grant and revoke forms")
	}
	if p := c.get("/admin/roles"); p.has(`action="/admin/roles"`) {
		t.Error("a roles reader is offered the new-role form")
	}
	wantPage(t, "GET /admin/users (roles only)", c.get("/admin/users"), http.StatusForbidden, "/admin/users")
}

// TestAdminPagesRender: every admin page, as the admin sees it, is valid HTML with every form
// control labelled.
func TestAdminPagesRender(t *testing.T) {
	s := newDemoSite(t)
	s.addUser(t, "Ada", "ada@example.com", rbac.AdminRole)
	bob := s.addUser(t, "Bob", "bob@example.com", rbac.UserRole)
	perm, err := s.Sys.RBAC.Permission(t.Context(), posts.PermUpdateOwn)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Sys.RBAC.SetUserPermission(t.Context(), bob.ID, posts.PermRead, false); err != nil {
		t.Fatal(err)
	}
	c := s.signedIn(t, "ada@example.com")
	if p := c.get("/dashboard"); !p.has(`href="/admin"`) || !p.has(`href="/posts"`) {
		t.Error("the admin's header lacks the Admin or Posts link")
	}
	for _, path := range []string{"/admin", "/admin/users", "/admin/users?q=bob", "/admin/users/" + bob.ID, "/admin/roles",
		"/admin/roles/editor", "/admin/roles/user", "/admin/permissions", fmt.Sprintf("/admin/permissions/%d", perm.ID)} {
		p := c.get(path)
		u, _ := url.Parse(path)
		wantPage(t, "GET "+path, p, http.StatusOK, u.Path)
	}
	p := c.get("/admin/users/" + bob.ID)
	for _, want := range []string{`action="/admin/users/` + bob.ID + `/role"`, `action="/admin/users/` + bob.ID + `/ban"`,
		`action="/admin/users/` + bob.ID + `/impersonate"`, `action="/admin/users/` + bob.ID + `/permissions"`,
		`<option value="user" selected>User</option>`, posts.PermRead + ` <span class="badge badge-ok">Allowed</span>`} {
		if !p.has(want) {
			t.Errorf("Bob's page lacks %s", want)
		}
	}
	// The admin's own page offers no ban and no impersonation.
	ada := mustUser(t, s, "ada@example.com")
	if p := c.get("/admin/users/" + ada.ID); p.has(`/ban"`) || p.has(`/impersonate"`) {
		t.Error("the admin's own page offers to ban or impersonate themselves")
	}
	for _, tt := range []struct{ path, want string }{
		{"/admin/users/no-such-user", "Page not found"},
		{"/admin/roles/no-such-role", "Page not found"},
		{"/admin/permissions/999999", "Page not found"},
		{"/admin/permissions/abc", "Page not found"},
	} {
		p := c.get(tt.path)
		wantPage(t, "GET "+tt.path, p, http.StatusNotFound, tt.path)
	}
}

// TestAdminUserList: search by name or email, and pages of 20.
func TestAdminUserList(t *testing.T) {
	s := newDemoSite(t)
	s.addUser(t, "Ada", "ada@example.com", rbac.AdminRole)
	for i := range 23 {
		s.addUser(t, fmt.Sprintf("Person%02d", i), fmt.Sprintf("person%02d@example.org", i), rbac.UserRole)
	}
	s.addUser(t, "Zed", "zed@elsewhere.test", rbac.UserRole)
	c := s.signedIn(t, "ada@example.com")
	p := c.get("/admin/users")
	if n := strings.Count(string(p.Body), `<a href="/admin/users/`); n != 20 || !p.has("25 users.") || !p.has(`href="/admin/users?page=2"`) {
		t.Errorf("page 1 lists %d users (want 20 of 25 with a next page)", n)
	}
	p = c.get("/admin/users?page=2")
	wantPage(t, "page 2", p, http.StatusOK, "/admin/users")
	if n := strings.Count(string(p.Body), `<a href="/admin/users/`); n != 5 || !p.has(`href="/admin/users" rel="prev"`) || p.has(`rel="next"`) {
		t.Errorf("page 2 lists %d users (want 5, a previous page and no next)", n)
	}
	tests := []struct {
		q     string
		count int
	}{
		{"zed", 1},             // a name
		{"ELSEWHERE", 1},       // part of an email, any case
		{"example.org", 23},    // many
		{"nobody-at-all", 0},   // none
		{"person1", 10},        // Person10…19
		{"<script>", 0},        // escaped, not run
		{"Person05 Tester", 1}, // a full name
	}
	for _, tt := range tests {
		p := c.get("/admin/users?q=" + url.QueryEscape(tt.q))
		if !p.has(fmt.Sprintf("%d user", tt.count)) {
			t.Errorf("search %q: the count is not %d", tt.q, tt.count)
		}
		checkHTML(t, "search "+tt.q, p.Body)
	}
	p = c.get("/admin/users?q=example.org&page=2")
	if n := strings.Count(string(p.Body), `<a href="/admin/users/`); n != 3 || !p.has(`href="/admin/users?q=example.org" rel="prev"`) {
		t.Errorf("search page 2 lists %d users, want 3 with a link back keeping the search", n)
	}
}

// TestAdminUserForms: role, ban, unban and overrides, each with its success and its errors.
func TestAdminUserForms(t *testing.T) {
	s := newDemoSite(t)
	ctx := t.Context()
	s.addUser(t, "Ada", "ada@example.com", rbac.AdminRole)
	bob := s.addUser(t, "Bob", "bob@example.com", rbac.UserRole)
	c := s.signedIn(t, "ada@example.com")
	bc := s.signedIn(t, "bob@example.com")
	base := "/admin/users/" + bob.ID

	// Role.
	p := c.post(base+"/role", url.Values{"role": {"no-such-role"}})
	wantPage(t, "set an unknown role", p, http.StatusNotFound, base+"/role")
	if !p.has(`id="role-role-error"`) || !p.has("That role doesn&#39;t exist.") && !p.has("That role doesn't exist.") {
		t.Error("an unknown role's error is not next to the role field")
	}
	p = c.post(base+"/role", url.Values{"role": {""}})
	wantPage(t, "set no role", p, http.StatusBadRequest, base+"/role")
	p = c.post(base+"/role", url.Values{"role": {posts.EditorRole}})
	wantPage(t, "set the editor role", p, http.StatusOK, base)
	if !p.has("The user&#39;s role is changed.") && !p.has("The user's role is changed.") {
		t.Error("no notice after changing the role")
	}
	if roles, _ := s.Sys.RBAC.RolesOf(ctx, mustUser(t, s, "bob@example.com")); len(roles) != 1 || roles[0].Name != posts.EditorRole {
		t.Errorf("Bob's roles = %v, want editor", roles)
	}

	// Overrides.
	p = c.post(base+"/permissions", url.Values{"permission": {""}, "effect": {"allow"}})
	wantPage(t, "override without a permission", p, http.StatusBadRequest, base+"/permissions")
	if !p.has(`id="override-permission-error"`) {
		t.Error("a missing permission's error is not next to its field")
	}
	p = c.post(base+"/permissions", url.Values{"permission": {"no:such"}, "effect": {"allow"}})
	wantPage(t, "override with an unknown permission", p, http.StatusNotFound, base+"/permissions")
	if !p.has(`id="override-permission-error"`) {
		t.Error("an unknown permission's error is not next to its field")
	}
	p = c.post(base+"/permissions", url.Values{"permission": {posts.PermRead}, "effect": {"maybe"}})
	wantPage(t, "override with a bad effect", p, http.StatusBadRequest, base+"/permissions")
	if !p.has(`id="override-effect-error"`) {
		t.Error("a bad effect's error is not next to its field")
	}
	p = c.post(base+"/permissions", url.Values{"permission": {posts.PermUpdate}, "effect": {"deny"}})
	wantPage(t, "deny an override", p, http.StatusOK, base)
	if list, _ := s.Sys.RBAC.UserPermissions(ctx, bob.ID); len(list) != 1 || !list[0].Inverted || list[0].Permission.Name != posts.PermUpdate {
		t.Errorf("Bob's overrides = %+v, want post:update denied", list)
	}
	p = c.post(base+"/permissions/remove", url.Values{"permission": {posts.PermUpdate}})
	wantPage(t, "remove an override", p, http.StatusOK, base)
	if list, _ := s.Sys.RBAC.UserPermissions(ctx, bob.ID); len(list) != 0 {
		t.Errorf("after removal Bob has overrides %+v", list)
	}
	p = c.post(base+"/permissions/remove", url.Values{"permission": {"no:such"}})
	wantPage(t, "remove an unknown override", p, http.StatusNotFound, base+"/permissions/remove")

	// Ban: a bad length, then a week's ban, which signs Bob out.
	p = c.post(base+"/ban", url.Values{"reason": {"spam"}, "length": {"forever"}})
	wantPage(t, "ban with a bad length", p, http.StatusBadRequest, base+"/ban")
	if !p.has(`id="ban-length-error"`) || !p.has(`value="spam"`) {
		t.Error("a bad length's error is not next to its field, or the reason was not kept")
	}
	p = c.post(base+"/ban", url.Values{"reason": {"spam"}, "length": {"168h"}})
	wantPage(t, "ban for a week", p, http.StatusOK, base)
	if !p.has(`<span class="badge badge-deny">Banned</span> spam`) || !p.has(`action="`+base+`/unban"`) {
		t.Error("after the ban the page shows no ban or no unban button")
	}
	u := mustUser(t, s, "bob@example.com")
	if exp, _ := admin.BanExpiresField.Get(u); !s.Sys.Admin.Banned(u) || exp.Sub(s.Clock.Now().Add(7*24*time.Hour)).Abs() > time.Minute {
		t.Errorf("Bob banned %v until %v, want a week", s.Sys.Admin.Banned(u), exp)
	}
	if p := bc.get("/dashboard"); p.URL.Path != "/sign-in" {
		t.Errorf("the banned user's browser is still signed in (at %s)", p.URL.Path)
	}
	p = c.post(base+"/unban", nil)
	wantPage(t, "unban", p, http.StatusOK, base)
	if s.Sys.Admin.Banned(mustUser(t, s, "bob@example.com")) {
		t.Error("still banned after unban")
	}
	// No end.
	c.post(base+"/ban", url.Values{"length": {""}})
	if u := mustUser(t, s, "bob@example.com"); !s.Sys.Admin.Banned(u) {
		t.Error("a ban without end did not ban")
	} else if _, ok := admin.BanExpiresField.Get(u); ok {
		t.Error("a ban without end has an end")
	}

	// Oneself.
	ada := mustUser(t, s, "ada@example.com")
	p = c.post("/admin/users/"+ada.ID+"/ban", nil)
	wantPage(t, "ban oneself", p, http.StatusBadRequest, "/admin/users/"+ada.ID+"/ban")
	if s.Sys.Admin.Banned(mustUser(t, s, "ada@example.com")) {
		t.Error("the admin banned themselves")
	}
	p = c.post("/admin/users/"+ada.ID+"/impersonate", nil)
	wantPage(t, "impersonate oneself", p, http.StatusBadRequest, "/admin/users/"+ada.ID+"/impersonate")
}

// TestAdminImpersonation: the admin acts as a user, every page shows the banner, and its
// button brings the admin back; other admins cannot be impersonated.
func TestAdminImpersonation(t *testing.T) {
	s := newDemoSite(t)
	s.addUser(t, "Ada", "ada@example.com", rbac.AdminRole)
	other := s.addUser(t, "Otto", "otto@example.com", rbac.AdminRole)
	bob := s.addUser(t, "Bob", "bob@example.com", rbac.UserRole)
	c := s.signedIn(t, "ada@example.com")

	p := c.post("/admin/users/"+other.ID+"/impersonate", nil)
	wantPage(t, "impersonate an admin", p, http.StatusForbidden, "/admin/users/"+other.ID+"/impersonate")
	if !p.has("You can't act as another administrator.") && !p.has("You can&#39;t act as another administrator.") {
		t.Error("impersonating an admin does not say why it failed")
	}

	p = c.post("/admin/users/"+bob.ID+"/impersonate", nil)
	wantPage(t, "impersonate Bob", p, http.StatusOK, "/dashboard")
	if !p.has("Welcome, Bob!") || !p.has(`class="banner banner-impersonation"`) || !p.has("You are acting as <strong>Bob Tester</strong>") {
		t.Fatal("after impersonating, the dashboard is not Bob's with the banner")
	}
	for _, path := range []string{"/account", "/posts"} {
		if p := c.get(path); !p.has(`action="/admin/stop-impersonating"`) {
			t.Errorf("%s has no stop button while impersonating", path)
		}
	}
	// Bob has no admin rights: neither has the admin while acting as him.
	wantPage(t, "admin while impersonating", c.get("/admin/users"), http.StatusForbidden, "/admin/users")

	p = c.post("/admin/stop-impersonating", nil)
	wantPage(t, "stop impersonating", p, http.StatusOK, "/admin/users/"+bob.ID)
	if p.has("banner-impersonation") || !p.has("You are back to your own account.") {
		t.Error("after stopping, the banner is still there or the notice is missing")
	}
	if sd := sessionOf(t, s, c); sd.User.Email != "ada@example.com" {
		t.Errorf("after stopping the browser is %s", sd.User.Email)
	}
	// Stopping again does nothing.
	if p := c.post("/admin/stop-impersonating", nil); p.URL.Path != "/dashboard" || !p.has("Welcome, Ada!") {
		t.Errorf("a second stop led to %s", p.URL.Path)
	}

	// The admin's own session ends meanwhile: stopping signs the browser out.
	c.post("/admin/users/"+bob.ID+"/impersonate", nil)
	if err := s.Auth.RevokeSessions(t.Context(), mustUser(t, s, "ada@example.com").ID); err != nil {
		t.Fatal(err)
	}
	p = c.post("/admin/stop-impersonating", nil)
	if p.URL.Path != "/sign-in" {
		t.Errorf("stop without the admin's session led to %s, want /sign-in", p.URL.Path)
	}
	if p := c.get("/dashboard"); p.URL.Path != "/sign-in" {
		t.Error("the impersonation session survived a stop without the admin's session")
	}
}

// sessionOf returns the session the client's cookies hold, from the database.
func sessionOf(t *testing.T, s *testSite, c *client) *krag.SessionData {
	t.Helper()
	u, _ := url.Parse(s.URL)
	r, _ := http.NewRequest(http.MethodGet, s.URL, nil)
	for _, ck := range c.hc.Jar.Cookies(u) {
		r.AddCookie(ck)
	}
	tok, _, ok := s.Auth.SessionCookie(r)
	if !ok {
		t.Fatal("no session cookie")
	}
	sd, err := s.Auth.FindSession(t.Context(), tok)
	if err != nil || sd == nil {
		t.Fatalf("session: %v %v", sd, err)
	}
	return sd
}

// TestAdminRoles: create a role, grant and revoke permissions, with their errors.
func TestAdminRoles(t *testing.T) {
	s := newDemoSite(t)
	ctx := t.Context()
	s.addUser(t, "Ada", "ada@example.com", rbac.AdminRole)
	c := s.signedIn(t, "ada@example.com")

	tests := []struct {
		name   string
		form   url.Values
		status int
		field  string
	}{
		{"no_name", url.Values{"name": {""}}, http.StatusBadRequest, "name"},
		{"bad_name", url.Values{"name": {"a,b"}}, http.StatusBadRequest, "name"},
		{"taken", url.Values{"name": {"Editor"}}, http.StatusBadRequest, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.post("/admin/roles", tt.form)
			wantPage(t, "create role "+tt.name, p, tt.status, "/admin/roles")
			if !p.has(`id="new-role-` + tt.field + `-error"`) {
				t.Errorf("create role %s: no error next to %s", tt.name, tt.field)
			}
			if !p.has(`value="` + tt.form.Get("name") + `"`) {
				t.Errorf("create role %s: the name was not kept", tt.name)
			}
		})
	}
	p := c.post("/admin/roles", url.Values{"name": {"Moderator"}, "displayName": {"Moderator"}, "description": {"Keeps order"}})
	wantPage(t, "create role", p, http.StatusOK, "/admin/roles/moderator")
	if !p.has("<h1>Role: Moderator</h1>") || !p.has("This role has no permissions yet.") {
		t.Error("the new role's page is not shown")
	}

	p = c.post("/admin/roles/moderator/grant", url.Values{"permission": {""}, "effect": {"allow"}})
	wantPage(t, "grant nothing", p, http.StatusBadRequest, "/admin/roles/moderator/grant")
	if !p.has(`id="grant-permission-error"`) {
		t.Error("grant without a permission: no error next to the field")
	}
	p = c.post("/admin/roles/moderator/grant", url.Values{"permission": {"no:such"}, "effect": {"allow"}})
	wantPage(t, "grant an unknown permission", p, http.StatusNotFound, "/admin/roles/moderator/grant")
	if !p.has(`id="grant-permission-error"`) || !p.has("That permission doesn") {
		t.Error("grant of an unknown permission: no error next to the field")
	}
	p = c.post("/admin/roles/moderator/grant", url.Values{"permission": {posts.PermRead}, "effect": {"allow"}})
	wantPage(t, "grant", p, http.StatusOK, "/admin/roles/moderator")
	p = c.post("/admin/roles/moderator/grant", url.Values{"permission": {posts.PermUpdate}, "effect": {"deny"}})
	wantPage(t, "deny", p, http.StatusOK, "/admin/roles/moderator")
	if !p.has(`<a href="/admin/permissions/`) || !p.has(`<span class="badge badge-deny">Denied</span>`) {
		t.Error("the role's page does not list the grant and the denial")
	}
	list, _ := s.Sys.RBAC.RolePermissions(ctx, "moderator")
	if len(list) != 2 {
		t.Fatalf("moderator has %d permissions, want 2", len(list))
	}
	p = c.post("/admin/roles/moderator/revoke", url.Values{"permission": {posts.PermRead}})
	wantPage(t, "revoke", p, http.StatusOK, "/admin/roles/moderator")
	if list, _ := s.Sys.RBAC.RolePermissions(ctx, "moderator"); len(list) != 1 || list[0].Permission.Name != posts.PermUpdate {
		t.Errorf("after revoking, moderator has %+v", list)
	}
	p = c.post("/admin/roles/moderator/revoke", url.Values{"permission": {"no:such"}})
	wantPage(t, "revoke an unknown permission", p, http.StatusNotFound, "/admin/roles/moderator/revoke")
	if !p.has("That permission doesn") {
		t.Error("revoking an unknown permission does not say why")
	}
	wantPage(t, "grant to no role", c.post("/admin/roles/nobody/grant", url.Values{"permission": {posts.PermRead}, "effect": {"allow"}}),
		http.StatusNotFound, "/admin/roles/nobody/grant")
}

// TestAdminPermissions: create and update permissions; every problem, conditions first, is
// shown next to its field with the values kept.
func TestAdminPermissions(t *testing.T) {
	s := newDemoSite(t)
	ctx := t.Context()
	s.addUser(t, "Ada", "ada@example.com", rbac.AdminRole)
	c := s.signedIn(t, "ada@example.com")
	valid := func(changes ...string) url.Values {
		v := url.Values{"name": {"comment:update-own"}, "action": {"update"}, "resource": {"Comment"},
			"conditions": {`{"authorId": "${user.id}"}`}, "fields": {"body, title"}, "description": {"Edit own comments"}, "category": {"comments"}}
		for i := 0; i+1 < len(changes); i += 2 {
			v.Set(changes[i], changes[i+1])
		}
		return v
	}
	tests := []struct {
		name  string
		form  url.Values
		field string
		says  string
	}{
		{"not_json", valid("conditions", `{"authorId": }`), "conditions", "The conditions aren"},
		{"trailing_garbage", valid("conditions", `{"a":1} x`), "conditions", "The conditions aren"},
		{"not_an_object", valid("conditions", `["authorId"]`), "conditions", "as a JSON object"},
		{"unknown_operator", valid("conditions", `{"authorId": {"$like": "a%"}}`), "conditions", "$like"},
		{"unknown_placeholder", valid("conditions", `{"authorId": "${user.nope}"}`), "conditions", "user.nope"},
		{"bad_regex", valid("conditions", `{"title": {"$regex": "(?<=a)b"}}`), "conditions", "onditions"},
		{"no_name", valid("name", ""), "name", "Enter a name."},
		{"digits_name", valid("name", "12345"), "name", "not only digits"},
		{"no_action", valid("action", ""), "action", "Enter an action."},
		{"no_resource", valid("resource", " "), "resource", "Enter a resource."},
		{"long_action", valid("action", strings.Repeat("a", 51)), "action", "1 to 50 characters"},
		{"empty_fields", valid("fields", " , ,"), "fields", "separated by commas"},
		{"taken_name", valid("name", posts.PermRead), "name", "already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.post("/admin/permissions", tt.form)
			wantPage(t, "create permission "+tt.name, p, http.StatusBadRequest, "/admin/permissions")
			errs := regexpAll(`<p class="field-error" id="new-permission-([a-z]+)-error">`, p.Body)
			if len(errs) == 0 || errs[0] != tt.field {
				t.Fatalf("create permission %s: errors next to %v, want %s", tt.name, errs, tt.field)
			}
			msg := regexpAll(`id="new-permission-`+tt.field+`-error"><span class="visually-hidden">Error: </span>([^<]*)</p>`, p.Body)
			if len(msg) != 1 || !strings.Contains(strings.ReplaceAll(msg[0], "&#39;", "'"), tt.says) {
				t.Errorf("create permission %s: the %s error says %q, want it to mention %q", tt.name, tt.field, msg, tt.says)
			}
			if tt.field == "conditions" && !p.has(`aria-describedby="new-permission-conditions-hint new-permission-conditions-error"`) {
				t.Errorf("create permission %s: the conditions field does not point at its error", tt.name)
			}
			if c := tt.form.Get("conditions"); !p.has(strings.ReplaceAll(htmlEscape(c), "&#39;", "'")) {
				t.Errorf("create permission %s: the conditions %q were not kept", tt.name, c)
			}
		})
	}
	if _, err := s.Sys.RBAC.Permission(ctx, "comment:update-own"); err == nil {
		t.Fatal("a refused form created the permission")
	}

	p := c.post("/admin/permissions", valid())
	if p.Status != http.StatusOK || !strings.HasPrefix(p.URL.Path, "/admin/permissions/") || !p.has("The permission is created.") {
		t.Fatalf("create permission = %d at %s", p.Status, p.URL.Path)
	}
	checkHTML(t, "the new permission", p.Body)
	perm, err := s.Sys.RBAC.Permission(ctx, "comment:update-own")
	if err != nil || string(perm.Conditions) != `{"authorId": "${user.id}"}` || strings.Join(perm.Fields, ",") != "body,title" || perm.Category != "comments" {
		t.Fatalf("created %+v, %v", perm, err)
	}
	path := p.URL.Path

	// Update: a bad condition is refused next to the field, then a good one is saved, and
	// the permission is switched off.
	p = c.post(path, valid("conditions", `{"authorId": {"$in": "not a list"}}`))
	wantPage(t, "update with bad conditions", p, http.StatusBadRequest, path)
	if !p.has(`id="permission-conditions-error"`) {
		t.Error("update with bad conditions: no error next to the field")
	}
	p = c.post(path, valid("conditions", `{"published": false}`, "fields", ""))
	wantPage(t, "update", p, http.StatusOK, path)
	perm, _ = s.Sys.RBAC.Permission(ctx, "comment:update-own")
	if string(perm.Conditions) != `{"published": false}` || perm.Fields != nil || perm.Active {
		t.Errorf("after update: %s %v active %v, want the new conditions, every field, inactive", perm.Conditions, perm.Fields, perm.Active)
	}
	p = c.post(path, valid("conditions", "", "active", "on"))
	wantPage(t, "update without conditions", p, http.StatusOK, path)
	if perm, _ = s.Sys.RBAC.Permission(ctx, "comment:update-own"); perm.Conditions != nil || !perm.Active {
		t.Errorf("after clearing the conditions: %s active %v", perm.Conditions, perm.Active)
	}
	p = c.post(path, valid("name", posts.PermRead))
	wantPage(t, "rename to a taken name", p, http.StatusBadRequest, path)
	if !p.has(`id="permission-name-error"`) {
		t.Error("rename to a taken name: no error next to the name")
	}
}

// htmlEscape escapes s as html/template writes text.
func htmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")
	return r.Replace(s)
}

// TestAdminActivityChart: the overview's chart counts sign-ups and sign-ins per day, and says
// so in its title, its description and a table.
func TestAdminActivityChart(t *testing.T) {
	s := newDemoSite(t)
	// Day 1: a sign-up, which signs in too. Day 2: two sign-ups (two sign-ins) and three
	// sign-ins.
	s.addUser(t, "Ada", "ada@example.com", rbac.AdminRole)
	s.Clock.Advance(24 * time.Hour)
	s.addUser(t, "Bob", "bob@example.com", rbac.UserRole)
	s.addUser(t, "Cy", "cy@example.com", rbac.UserRole)
	s.signedIn(t, "bob@example.com")
	s.signedIn(t, "cy@example.com")
	c := s.signedIn(t, "ada@example.com")
	p := c.get("/admin")
	wantPage(t, "overview", p, http.StatusOK, "/admin")
	for _, want := range []string{
		`role="img" aria-labelledby="activity-title activity-desc"`,
		`<title id="activity-title">Sign-ins and sign-ups per day, last 30 days</title>`,
		"In the last 30 days: 6 sign-ins and 3 sign-ups.",
		"<p>3 users. Find people",
		"Most sign-ins on " + s.Clock.Now().UTC().Format("2 January") + " (5).",
		"Most sign-ups on " + s.Clock.Now().UTC().Format("2 January") + " (2).",
		`<td data-label="Sign-ins">5</td><td data-label="Sign-ups">2</td>`,
		`<td data-label="Sign-ins">1</td><td data-label="Sign-ups">1</td>`,
		`<td data-label="Sign-ins">0</td><td data-label="Sign-ups">0</td>`,
		`<title>5 sign-ins on ` + s.Clock.Now().UTC().Format("2 Jan") + `</title>`,
	} {
		if !p.has(want) {
			t.Errorf("the overview lacks %s", want)
		}
	}
	if n := strings.Count(string(p.Body), `<th scope="row" data-label="Day"><time`); n != 30 {
		t.Errorf("the table has %d days, want 30", n)
	}
}
