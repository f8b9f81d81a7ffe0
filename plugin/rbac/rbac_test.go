package rbac_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/access"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/plugin/active"
	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/store"
)

type env struct {
	srv *kragtest.Server
	rb  *rbac.Plugin
	act *active.Plugin
	log *logBuffer
}

// logBuffer collects log output, for tests that check what was logged.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func start(t *testing.T, o rbac.Options, opts krag.Options) *env {
	t.Helper()
	e := &env{rb: rbac.New(o), act: active.New(), log: &logBuffer{}}
	opts.Plugins = append([]krag.Plugin{e.act, e.rb}, opts.Plugins...)
	opts.Logger = slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e.srv = kragtest.New(t, opts)
	return e
}

var ctx = context.Background()

// signUp creates a user through the API and returns their id and a signed-in client.
func (e *env) signUp(t *testing.T, email string) (string, *client.Client) {
	t.Helper()
	c := e.srv.Client(t)
	res, err := c.SignUpEmail(ctx, client.SignUp{Name: "N", Email: email, Password: "password-123"})
	if err != nil {
		t.Fatalf("sign up %s: %v", email, err)
	}
	return res.User.ID, c
}

func (e *env) can(t *testing.T, userID, action string, subject any) bool {
	t.Helper()
	ab, err := e.rb.Ability(ctx, userID)
	if err != nil {
		t.Fatalf("ability: %v", err)
	}
	return ab.Can(action, access.Detect(subject))
}

func mustPerm(t *testing.T, p *rbac.Plugin, in rbac.PermissionInput) *rbac.Permission {
	t.Helper()
	perm, err := p.CreatePermission(ctx, in)
	if err != nil {
		t.Fatalf("create permission %s: %v", in.Name, err)
	}
	return perm
}

func TestSystemRolesAndDefaultRole(t *testing.T) {
	e := start(t, rbac.Options{}, krag.Options{})
	id, c := e.signUp(t, "ann@example.com")
	u, err := e.srv.Auth.FindUserByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	user, err := e.rb.Role(ctx, "User")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := rbac.RoleIDField.Get(u); got != user.ID {
		t.Errorf("roleId = %d, want the user role %d", got, user.ID)
	}
	if got, _ := rbac.RoleField.Get(u); got != "user" {
		t.Errorf("role = %q, want user", got)
	}
	roles, err := e.rb.Roles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range roles {
		got = append(got, r.Name+"/"+r.DisplayName)
		if !r.System || !r.Active {
			t.Errorf("role %s: system=%v active=%v", r.Name, r.System, r.Active)
		}
	}
	if strings.Join(got, ",") != "admin/Admin,user/User" {
		t.Errorf("roles = %v", got)
	}
	// The session shows the role fields, and clients cannot set them.
	sd, err := c.GetSession(ctx, client.GetSessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var fields struct {
		Role   string
		RoleID int64
	}
	if err := sd.User.Fields(&fields); err != nil {
		t.Fatal(err)
	}
	if fields.Role != "user" || fields.RoleID != user.ID {
		t.Errorf("session user fields = %+v", fields)
	}
	_, err = e.srv.Client(t).SignUpEmail(ctx, client.SignUp{Name: "M", Email: "mal@example.com", Password: "password-123",
		Fields: map[string]any{"role": "admin"}})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusBadRequest {
		t.Errorf("sign-up with role = %v, want a 400", err)
	}
	// A second Auth on the same database seeds nothing more.
	rb2 := rbac.New(rbac.Options{})
	kragtest.New(t, krag.Options{Database: e.srv.DB, Plugins: []krag.Plugin{active.New(), rb2}})
	roles2, err := rb2.Roles(ctx)
	if err != nil || len(roles2) != 2 {
		t.Errorf("roles after a second start = %d, %v", len(roles2), err)
	}
}

func TestAbilitiesFromRolesAndOverrides(t *testing.T) {
	e := start(t, rbac.Options{}, krag.Options{})
	ann, _ := e.signUp(t, "ann@example.com")
	bob, _ := e.signUp(t, "bob@example.com")
	mustPerm(t, e.rb, rbac.PermissionInput{Name: "post:read", Resource: "Post", Action: "read"})
	mustPerm(t, e.rb, rbac.PermissionInput{Name: "post:update-own", Resource: "Post", Action: "update",
		Conditions: json.RawMessage(`{"authorId":"${user.id}"}`)})
	mustPerm(t, e.rb, rbac.PermissionInput{Name: "post:delete", Resource: "Post", Action: "delete"})
	for _, name := range []string{"post:read", "post:update-own"} {
		if err := e.rb.Grant(ctx, "user", name, false); err != nil {
			t.Fatal(err)
		}
	}
	own := access.Of("Post", map[string]any{"authorId": ann})
	other := access.Of("Post", map[string]any{"authorId": bob})
	if !e.can(t, ann, "read", "Post") || !e.can(t, ann, "update", own) || e.can(t, ann, "update", other) || e.can(t, ann, "delete", "Post") {
		t.Fatal("role grants do not give what they say")
	}
	// Overrides: Bob may delete, Ann may not read.
	if err := e.rb.SetUserPermission(ctx, bob, "post:delete", false); err != nil {
		t.Fatal(err)
	}
	if err := e.rb.SetUserPermission(ctx, ann, "post:read", true); err != nil {
		t.Fatal(err)
	}
	if e.can(t, ann, "read", "Post") || !e.can(t, bob, "read", "Post") || !e.can(t, bob, "delete", "Post") || e.can(t, ann, "delete", "Post") {
		t.Fatal("overrides do not add and remove")
	}
	list, err := e.rb.UserPermissions(ctx, ann)
	if err != nil || len(list) != 1 || !list[0].Inverted || list[0].Permission.Name != "post:read" {
		t.Errorf("user permissions of ann = %+v, %v", list, err)
	}
	if err := e.rb.RemoveUserPermission(ctx, ann, "post:read"); err != nil {
		t.Fatal(err)
	}
	if !e.can(t, ann, "read", "Post") {
		t.Error("removing the override did not restore the role's grant")
	}
	// A role's denial beats its grants; a user grant beats the role's denial.
	if err := e.rb.Grant(ctx, "user", "post:read", true); err != nil {
		t.Fatal(err)
	}
	if e.can(t, ann, "read", "Post") {
		t.Error("role denial ignored")
	}
	if err := e.rb.SetUserPermission(ctx, ann, "post:read", false); err != nil {
		t.Fatal(err)
	}
	if !e.can(t, ann, "read", "Post") {
		t.Error("user grant does not beat the role's denial")
	}
	if err := e.rb.Revoke(ctx, "user", "post:read"); err != nil {
		t.Fatal(err)
	}
	if e.can(t, bob, "read", "Post") {
		t.Error("revoked grant still works")
	}
}

func TestInactiveThingsGiveNothing(t *testing.T) {
	e := start(t, rbac.Options{}, krag.Options{})
	ann, _ := e.signUp(t, "ann@example.com")
	perm := mustPerm(t, e.rb, rbac.PermissionInput{Name: "post:read", Resource: "Post", Action: "read"})
	if err := e.rb.Grant(ctx, "user", perm.Name, false); err != nil {
		t.Fatal(err)
	}
	if !e.can(t, ann, "read", "Post") {
		t.Fatal("grant does not work")
	}
	off, on := false, true
	if _, err := e.rb.UpdatePermission(ctx, perm.Name, rbac.PermissionUpdate{Active: &off}); err != nil {
		t.Fatal(err)
	}
	if e.can(t, ann, "read", "Post") {
		t.Error("inactive permission grants")
	}
	if _, err := e.rb.UpdatePermission(ctx, perm.Name, rbac.PermissionUpdate{Active: &on}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rb.UpdateRole(ctx, "user", rbac.RoleUpdate{Active: &off}); err != nil {
		t.Fatal(err)
	}
	if e.can(t, ann, "read", "Post") {
		t.Error("inactive role grants")
	}
	if _, err := e.rb.UpdateRole(ctx, "user", rbac.RoleUpdate{Active: &on}); err != nil {
		t.Fatal(err)
	}
	if !e.can(t, ann, "read", "Post") {
		t.Fatal("reactivated role does not grant")
	}
	if err := e.act.SetActive(ctx, ann, false); err != nil {
		t.Fatal(err)
	}
	if e.can(t, ann, "read", "Post") {
		t.Error("inactive user has abilities")
	}
}

// The seed's hole: a permission whose conditions do not parse became unconditional. In Krag
// it grants nothing, and as a denial it denies everything it could have.
func TestUnparsableConditionsGrantNothing(t *testing.T) {
	e := start(t, rbac.Options{}, krag.Options{})
	ann, _ := e.signUp(t, "ann@example.com")
	st := e.srv.Auth.Store()
	now := time.Now().UTC()
	for _, p := range []struct {
		id           int64
		name, action string
		cond         string
	}{
		{101, "p-bad-grant", "delete", `{"authorId": `},         // invalid JSON
		{102, "p-bad-op", "update", `{"n":{"$where":"1"}}`},     // unknown operator
		{103, "p-read", "read", ``},                             // fine
		{104, "p-bad-deny", "read", `{"secret": {"$regex": 5}`}, // invalid, used as a denial
	} {
		rec := store.Record{"id": p.id, "name": p.name, "resource": "Post", "action": p.action, "isActive": true,
			"createdAt": now, "updatedAt": now}
		if p.cond != "" {
			rec["conditions"] = p.cond
		}
		if err := st.Create(ctx, rbac.PermissionTable, rec); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []struct {
		perm     string
		inverted bool
	}{{"p-bad-grant", false}, {"p-bad-op", false}, {"p-read", false}} {
		if err := e.rb.Grant(ctx, "user", g.perm, g.inverted); err != nil {
			t.Fatal(err)
		}
	}
	if e.can(t, ann, "delete", "Post") || e.can(t, ann, "update", "Post") || e.can(t, ann, "delete", access.Of("Post", map[string]any{"authorId": ann})) {
		t.Error("a permission with unusable conditions grants")
	}
	if !e.can(t, ann, "read", "Post") {
		t.Error("a valid permission beside invalid ones stopped working")
	}
	if !strings.Contains(e.log.String(), "p-bad-grant") || !strings.Contains(e.log.String(), "grants nothing") {
		t.Errorf("the unusable permission is not logged by name:\n%s", e.log.String())
	}
	if err := e.rb.SetUserPermission(ctx, ann, "p-bad-deny", true); err != nil {
		t.Fatal(err)
	}
	if e.can(t, ann, "read", "Post") || e.can(t, ann, "read", access.Of("Post", map[string]any{"secret": "x"})) {
		t.Error("an unusable denial does not deny")
	}
	// Through the API such conditions are refused, naming the problem.
	for _, c := range []string{`{"authorId": `, `{"n":{"$where":"1"}}`, `{"a":"${user.nope}"}`, `["x"]`, `{"n":{"$in":5}}`} {
		_, err := e.rb.CreatePermission(ctx, rbac.PermissionInput{Name: "x", Resource: "Post", Action: "read", Conditions: json.RawMessage(c)})
		var ke *krag.Error
		if !errors.As(err, &ke) || ke.Code != "INVALID_PERMISSION" || ke.Status != 400 {
			t.Errorf("conditions %s: err = %v, want 400 INVALID_PERMISSION", c, err)
		} else if ke.Message == "Invalid permission" {
			t.Errorf("conditions %s: the message does not say what is wrong", c)
		}
	}
}

func TestAdminManagesAllButImpersonatingAdmins(t *testing.T) {
	e := start(t, rbac.Options{}, krag.Options{})
	ann, _ := e.signUp(t, "ann@example.com")
	if _, err := e.rb.SetUserRoles(ctx, ann, []string{"ADMIN"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		action, subject string
		want            bool
	}{{"delete", "Post", true}, {"manage", "all", true}, {"impersonate", "user", true}, {"impersonate-admins", "user", false}} {
		if got := e.can(t, ann, c.action, c.subject); got != c.want {
			t.Errorf("admin can %s %s = %v, want %v", c.action, c.subject, got, c.want)
		}
	}
	u, _ := e.srv.Auth.FindUserByID(ctx, ann)
	if r, _ := rbac.RoleField.Get(u); r != "admin" {
		t.Errorf("role = %q, want admin", r)
	}
	if _, err := e.rb.SetUserRoles(ctx, ann, []string{"user", "Admin", "user"}); err != nil {
		t.Fatal(err)
	}
	u, _ = e.srv.Auth.FindUserByID(ctx, ann)
	if r, _ := rbac.RoleField.Get(u); r != "user,admin" {
		t.Errorf("role = %q, want user,admin", r)
	}
	if !e.can(t, ann, "delete", "Post") {
		t.Error("a second role gives nothing")
	}
	if _, err := e.rb.SetUserRoles(ctx, ann, []string{"nope"}); !errors.Is(err, rbac.ErrRoleNotFound) {
		t.Errorf("unknown role: %v", err)
	}
}

// A Better Auth database keeps roles as names in user.role; they map to roles by name.
func TestRoleNamesFromBetterAuth(t *testing.T) {
	e := start(t, rbac.Options{}, krag.Options{})
	ann, _ := e.signUp(t, "ann@example.com")
	if e.can(t, ann, "delete", "Post") {
		t.Fatal("a new user can delete posts")
	}
	// As a Better Auth server (or a hand-made SQL update) would write it: Krag learns of it at
	// Reload, since nothing changed access_version.
	if _, err := e.srv.Auth.Store().Update(ctx, "user", []store.Where{store.Is("id", ann)},
		store.Record{"role": "editor,admin", "roleId": nil}); err != nil {
		t.Fatal(err)
	}
	if err := e.rb.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if !e.can(t, ann, "delete", "Post") {
		t.Error("role names in user.role do not map to roles")
	}
}

func TestRoleManagement(t *testing.T) {
	e := start(t, rbac.Options{}, krag.Options{})
	ann, _ := e.signUp(t, "ann@example.com")
	r, err := e.rb.CreateRole(ctx, rbac.RoleInput{Name: "Editor"})
	if err != nil || r.Name != "editor" || r.DisplayName != "Editor" {
		t.Fatalf("create role = %+v, %v", r, err)
	}
	if _, err := e.rb.CreateRole(ctx, rbac.RoleInput{Name: "EDITOR"}); !errors.Is(err, rbac.ErrRoleExists) {
		t.Errorf("duplicate role name: %v", err)
	}
	for _, bad := range []string{"", "a,b", "42", strings.Repeat("x", 101)} {
		if _, err := e.rb.CreateRole(ctx, rbac.RoleInput{Name: bad}); !errors.Is(err, rbac.ErrInvalidRole) {
			t.Errorf("role name %q: %v", bad, err)
		}
	}
	if _, err := e.rb.SetUserRoles(ctx, ann, []string{"editor"}); err != nil {
		t.Fatal(err)
	}
	if err := e.rb.DeleteRole(ctx, "editor"); !errors.Is(err, rbac.ErrRoleInUse) {
		t.Errorf("delete a role in use: %v", err)
	}
	name := "writer"
	if _, err := e.rb.UpdateRole(ctx, "Editor", rbac.RoleUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	u, _ := e.srv.Auth.FindUserByID(ctx, ann)
	if got, _ := rbac.RoleField.Get(u); got != "writer" {
		t.Errorf("after renaming, user.role = %q", got)
	}
	for _, sys := range []string{"admin", "user"} {
		if err := e.rb.DeleteRole(ctx, sys); !errors.Is(err, rbac.ErrSystemRole) {
			t.Errorf("delete system role %s: %v", sys, err)
		}
		if _, err := e.rb.UpdateRole(ctx, sys, rbac.RoleUpdate{Name: &name}); !errors.Is(err, rbac.ErrSystemRole) {
			t.Errorf("rename system role %s: %v", sys, err)
		}
	}
	if _, err := e.rb.SetUserRoles(ctx, ann, []string{"user"}); err != nil {
		t.Fatal(err)
	}
	if err := e.rb.DeleteRole(ctx, "writer"); err != nil {
		t.Errorf("delete an unused role: %v", err)
	}
	if _, err := e.rb.Role(ctx, "writer"); !errors.Is(err, rbac.ErrRoleNotFound) {
		t.Errorf("deleted role still found: %v", err)
	}
}

// Two instances on one database: a change made through one reaches the other within MaxStale.
func TestChangesReachOtherInstances(t *testing.T) {
	e := start(t, rbac.Options{}, krag.Options{})
	ann, _ := e.signUp(t, "ann@example.com")
	other := rbac.New(rbac.Options{MaxStale: -1})
	kragtest.New(t, krag.Options{Database: e.srv.DB, Plugins: []krag.Plugin{active.New(), other}})
	canB := func() bool {
		ab, err := other.Ability(ctx, ann)
		if err != nil {
			t.Fatal(err)
		}
		return ab.Can("read", access.Type("Post"))
	}
	if canB() {
		t.Fatal("granted before any grant")
	}
	mustPerm(t, e.rb, rbac.PermissionInput{Name: "post:read", Resource: "Post", Action: "read"})
	if err := e.rb.Grant(ctx, "user", "post:read", false); err != nil {
		t.Fatal(err)
	}
	if !canB() {
		t.Error("the other instance did not see the grant")
	}
	if err := e.act.SetActive(ctx, ann, false); err != nil {
		t.Fatal(err)
	}
	if canB() {
		t.Error("the other instance did not see the user deactivated")
	}
}

func TestRoutes(t *testing.T) {
	e := start(t, rbac.Options{}, krag.Options{})
	adminID, admin := e.signUp(t, "admin@example.com")
	annID, ann := e.signUp(t, "ann@example.com")
	if _, err := e.rb.SetUserRoles(ctx, adminID, []string{"admin"}); err != nil {
		t.Fatal(err)
	}
	status := func(err error) (int, string) {
		var ce *client.Error
		if errors.As(err, &ce) {
			return ce.Status, ce.Code
		}
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return 200, ""
	}
	_, err := ann.Do(ctx, "GET", "/rbac/list-roles", nil, nil)
	if s, code := status(err); s != 403 || code != "FORBIDDEN" {
		t.Errorf("non-admin list-roles: %d %s", s, code)
	}
	_, err = e.srv.Client(t).Do(ctx, "GET", "/rbac/list-roles", nil, nil)
	if s, _ := status(err); s != 401 {
		t.Errorf("anonymous list-roles: %d", s)
	}
	var roles struct{ Roles []rbac.Role }
	if _, err := admin.Do(ctx, "GET", "/rbac/list-roles", nil, &roles); err != nil || len(roles.Roles) != 2 {
		t.Errorf("admin list-roles: %+v %v", roles, err)
	}
	_, err = admin.Do(ctx, "POST", "/rbac/create-permission", map[string]any{"name": "post:own", "resource": "Post",
		"action": "update", "conditions": map[string]any{"authorId": map[string]any{"$eq": "${user.id}"}, "x": map[string]any{"$nope": 1}}}, nil)
	if s, code := status(err); s != 400 || code != "INVALID_PERMISSION" {
		t.Errorf("invalid conditions: %d %s", s, code)
	}
	_, err = admin.Do(ctx, "POST", "/rbac/create-permission", map[string]any{"name": "post:own", "resource": "Post",
		"action": "update", "conditions": map[string]any{"authorId": "${user.id}"}, "fields": []string{"title"}}, nil)
	if s, _ := status(err); s != 200 {
		t.Fatalf("create permission: %v", err)
	}
	_, err = admin.Do(ctx, "POST", "/rbac/create-permission", map[string]any{"resource": "Post"}, nil)
	if s, code := status(err); s != 400 || code != "VALIDATION_ERROR" {
		t.Errorf("missing name: %d %s", s, code)
	}
	if _, err := admin.Do(ctx, "POST", "/rbac/grant", map[string]any{"role": "User", "permission": "post:own"}, nil); err != nil {
		t.Fatal(err)
	}
	// Ann's rules, packed for @casl/ability, with her id filled in.
	var rules struct {
		Rules json.RawMessage
		Roles []string
	}
	if _, err := ann.Do(ctx, "GET", "/rbac/rules", nil, &rules); err != nil {
		t.Fatal(err)
	}
	want := `[["update","Post",{"authorId":"` + annID + `"},0,"title"]]`
	if string(rules.Rules) != want {
		t.Errorf("packed rules = %s, want %s", rules.Rules, want)
	}
	if len(rules.Roles) != 1 || rules.Roles[0] != "user" {
		t.Errorf("roles = %q, want [user]", rules.Roles)
	}
	if _, err := admin.Do(ctx, "POST", "/rbac/set-user-role", map[string]any{"userId": annID, "role": []string{"admin"}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ann.Do(ctx, "GET", "/rbac/list-permissions", nil, nil); err != nil {
		t.Errorf("ann as admin: %v", err)
	}
	_, err = admin.Do(ctx, "POST", "/rbac/delete-role", map[string]any{"role": "admin"}, nil)
	if s, code := status(err); s != 400 || code != "CANNOT_CHANGE_SYSTEM_ROLE" {
		t.Errorf("delete admin role: %d %s", s, code)
	}
}

func TestRequirePermission(t *testing.T) {
	e := start(t, rbac.Options{}, krag.Options{})
	adminID, admin := e.signUp(t, "admin@example.com")
	_, ann := e.signUp(t, "ann@example.com")
	if _, err := e.rb.SetUserRoles(ctx, adminID, []string{"admin"}); err != nil {
		t.Fatal(err)
	}
	h := e.rb.RequirePermission("delete", "Post")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !e.rb.Can(r.Context(), "delete", "Post") {
			t.Error("Can disagrees with RequirePermission")
		}
		w.Write([]byte("ok"))
	}))
	app := httptest.NewServer(h)
	defer app.Close()
	get := func(c *client.Client) int {
		req, _ := http.NewRequest("GET", app.URL, nil)
		if c != nil {
			u, _ := req.URL.Parse(e.srv.URL)
			for _, ck := range c.Jar().Cookies(u) {
				req.AddCookie(ck)
			}
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if s := get(nil); s != 401 {
		t.Errorf("anonymous: %d", s)
	}
	if s := get(ann); s != 403 {
		t.Errorf("user: %d", s)
	}
	if s := get(admin); s != 200 {
		t.Errorf("admin: %d", s)
	}
}
