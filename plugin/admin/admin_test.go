package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/plugin/admin"
	"github.com/kragauth/krag/plugin/rbac"
)

var ctx = context.Background()

type env struct {
	srv   *kragtest.Server
	rb    *rbac.Plugin
	ad    *admin.Plugin
	clock *kragtest.Clock
}

func start(t *testing.T, o admin.Options) *env {
	t.Helper()
	e := &env{rb: rbac.New(rbac.Options{}), clock: kragtest.NewClock(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))}
	o.RBAC = e.rb
	e.ad = admin.New(o)
	e.srv = kragtest.New(t, krag.Options{Plugins: []krag.Plugin{e.rb, e.ad}, Now: e.clock.Now})
	return e
}

const password = "password-123"

// user signs a new user up and returns their id and client.
func (e *env) user(t *testing.T, email string) (string, *client.Client) {
	t.Helper()
	c := e.srv.Client(t)
	res, err := c.SignUpEmail(ctx, client.SignUp{Name: "N " + email, Email: email, Password: password})
	if err != nil {
		t.Fatalf("sign up %s: %v", email, err)
	}
	return res.User.ID, c
}

// admin signs up a user and makes them an admin.
func (e *env) admin(t *testing.T, email string) (string, *client.Client) {
	t.Helper()
	id, c := e.user(t, email)
	if _, err := e.rb.SetUserRoles(ctx, id, []string{"admin"}); err != nil {
		t.Fatal(err)
	}
	return id, c
}

// call posts (or gets, when body is nil and path has a query) and decodes into out.
func call(t *testing.T, c *client.Client, method, path string, body, out any) error {
	t.Helper()
	_, err := c.Do(ctx, method, path, body, out)
	return err
}

func wantCode(t *testing.T, err error, status int, code string) {
	t.Helper()
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != status || ce.Code != code {
		t.Fatalf("got %v, want %d %s", err, status, code)
	}
}

type userOut struct {
	ID        string  `json:"id"`
	Email     string  `json:"email"`
	Role      string  `json:"role"`
	RoleID    int64   `json:"roleId"`
	Banned    bool    `json:"banned"`
	BanReason *string `json:"banReason"`
	BanExp    *string `json:"banExpires"`
}

func TestNoSessionIsBare401(t *testing.T) {
	e := start(t, admin.Options{})
	c := e.srv.Client(t)
	res, err := c.Do(ctx, "GET", "/admin/list-users", nil, nil)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusUnauthorized {
		t.Fatalf("got %v", err)
	}
	if res == nil || len(res.Body) != 0 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("want an empty JSON-typed body, got %+v", res)
	}
}

func TestOrdinaryUserIsRefused(t *testing.T) {
	e := start(t, admin.Options{})
	victim, _ := e.user(t, "victim@example.com")
	_, c := e.user(t, "user@example.com")
	for _, tc := range []struct {
		method, path string
		body         any
		code         string
	}{
		{"GET", "/admin/list-users", nil, "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS"},
		{"POST", "/admin/set-role", map[string]any{"userId": victim, "role": "admin"}, "YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE"},
		{"POST", "/admin/ban-user", map[string]any{"userId": victim}, "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS"},
		{"POST", "/admin/impersonate-user", map[string]any{"userId": victim}, "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS"},
		{"POST", "/admin/remove-user", map[string]any{"userId": victim}, "YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS"},
		{"POST", "/admin/set-user-password", map[string]any{"userId": victim, "newPassword": "another-pass-1"}, "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD"},
		{"POST", "/admin/create-user", map[string]any{"email": "n@example.com", "name": "N"}, "YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS"},
		// a user that does not exist is still a 403: no probing for who exists
		{"GET", "/admin/get-user?id=nobody", nil, "YOU_ARE_NOT_ALLOWED_TO_GET_USER"},
	} {
		wantCode(t, call(t, c, tc.method, tc.path, tc.body, nil), http.StatusForbidden, tc.code)
	}
	var has struct {
		Success bool `json:"success"`
	}
	if err := call(t, c, "POST", "/admin/has-permission", map[string]any{"permissions": map[string][]string{"user": {"ban"}}}, &has); err != nil || has.Success {
		t.Fatalf("has-permission: %v %+v", err, has)
	}
}

func TestSetRoleKeepsRoleAndRoleIDTogether(t *testing.T) {
	e := start(t, admin.Options{})
	_, ac := e.admin(t, "admin@example.com")
	id, _ := e.user(t, "u@example.com")
	var out struct{ User userOut }
	if err := call(t, ac, "POST", "/admin/set-role", map[string]any{"userId": id, "role": []string{"Admin", "user"}}, &out); err != nil {
		t.Fatal(err)
	}
	adm, err := e.rb.Role(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if out.User.Role != "admin,user" || out.User.RoleID != adm.ID {
		t.Fatalf("got role %q roleId %d", out.User.Role, out.User.RoleID)
	}
	wantCode(t, call(t, ac, "POST", "/admin/set-role", map[string]any{"userId": id, "role": "owner"}, nil), 400, "YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE")
	wantCode(t, call(t, ac, "POST", "/admin/set-role", map[string]any{"userId": id, "role": 3}, nil), 400, "INVALID_ROLE_TYPE")
	wantCode(t, call(t, ac, "POST", "/admin/set-role", map[string]any{"userId": "nobody", "role": "user"}, nil), 404, "USER_NOT_FOUND")
}

func TestBan(t *testing.T) {
	e := start(t, admin.Options{})
	adminID, ac := e.admin(t, "admin@example.com")
	id, uc := e.user(t, "u@example.com")
	var out struct{ User userOut }
	if err := call(t, ac, "POST", "/admin/ban-user", map[string]any{"userId": id, "banReason": "spam", "banExpiresIn": 3600}, &out); err != nil {
		t.Fatal(err)
	}
	if !out.User.Banned || out.User.BanReason == nil || *out.User.BanReason != "spam" || out.User.BanExp == nil {
		t.Fatalf("ban fields: %+v", out.User)
	}
	// The user's sessions are gone and a new sign-in is refused.
	if sd, err := uc.GetSession(ctx, client.GetSessionOptions{DisableCookieCache: true}); err != nil || sd != nil {
		t.Fatalf("session after ban: %+v %v", sd, err)
	}
	_, err := e.srv.Client(t).SignInEmail(ctx, client.SignIn{Email: "u@example.com", Password: password})
	wantCode(t, err, http.StatusForbidden, "BANNED_USER")
	var ce *client.Error
	errors.As(err, &ce)
	if ce.Message != "You have been banned from this application. Please contact support if you believe this is an error." {
		t.Fatalf("message %q", ce.Message)
	}
	// A wrong password says nothing about the ban.
	_, err = e.srv.Client(t).SignInEmail(ctx, client.SignIn{Email: "u@example.com", Password: "wrong-password"})
	wantCode(t, err, http.StatusUnauthorized, "INVALID_EMAIL_OR_PASSWORD")

	wantCode(t, call(t, ac, "POST", "/admin/ban-user", map[string]any{"userId": adminID}, nil), 400, "YOU_CANNOT_BAN_YOURSELF")

	// After the ban ends, signing in works and clears the ban.
	e.clock.Advance(2 * time.Hour)
	if _, err := e.srv.Client(t).SignInEmail(ctx, client.SignIn{Email: "u@example.com", Password: password}); err != nil {
		t.Fatalf("sign-in after the ban ended: %v", err)
	}
	u, err := e.srv.Auth.FindUserByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := admin.BannedField.Get(u); b {
		t.Fatal("expired ban not cleared")
	}

	// A ban without end, lifted by unban.
	if err := call(t, ac, "POST", "/admin/ban-user", map[string]any{"userId": id}, &out); err != nil {
		t.Fatal(err)
	}
	if out.User.BanReason == nil || *out.User.BanReason != "No reason" || out.User.BanExp != nil {
		t.Fatalf("default ban: %+v", out.User)
	}
	if err := call(t, ac, "POST", "/admin/unban-user", map[string]any{"userId": id}, &out); err != nil {
		t.Fatal(err)
	}
	if out.User.Banned || out.User.BanReason != nil {
		t.Fatalf("after unban: %+v", out.User)
	}
	if _, err := e.srv.Client(t).SignInEmail(ctx, client.SignIn{Email: "u@example.com", Password: password}); err != nil {
		t.Fatalf("sign-in after unban: %v", err)
	}
}

func TestImpersonation(t *testing.T) {
	e := start(t, admin.Options{})
	adminID, ac := e.admin(t, "admin@example.com")
	otherAdmin, _ := e.admin(t, "admin2@example.com")
	id, uc := e.user(t, "u@example.com")

	wantCode(t, call(t, ac, "POST", "/admin/impersonate-user", map[string]any{"userId": otherAdmin}, nil), 403, "YOU_CANNOT_IMPERSONATE_ADMINS")

	var out struct {
		Session struct {
			ExpiresAt      time.Time `json:"expiresAt"`
			ImpersonatedBy string    `json:"impersonatedBy"`
		}
		User userOut
	}
	if err := call(t, ac, "POST", "/admin/impersonate-user", map[string]any{"userId": id}, &out); err != nil {
		t.Fatal(err)
	}
	if out.User.ID != id || out.Session.ImpersonatedBy != adminID || !out.Session.ExpiresAt.Equal(e.clock.Now().Add(time.Hour).Truncate(time.Millisecond)) {
		t.Fatalf("impersonation: %+v", out)
	}
	sd, err := ac.GetSession(ctx, client.GetSessionOptions{})
	if err != nil || sd == nil || sd.User.ID != id {
		t.Fatalf("admin's browser should now be the user: %+v %v", sd, err)
	}
	// The user does not see the administrator's session among theirs.
	list, err := uc.ListSessions(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("user's sessions: %d %v", len(list), err)
	}
	if err := call(t, ac, "POST", "/admin/stop-impersonating", map[string]any{}, &out); err != nil {
		t.Fatal(err)
	}
	if out.User.ID != adminID {
		t.Fatalf("back as %s", out.User.ID)
	}
	sd, err = ac.GetSession(ctx, client.GetSessionOptions{})
	if err != nil || sd == nil || sd.User.ID != adminID {
		t.Fatalf("admin's session after stop: %+v %v", sd, err)
	}
	// Not impersonating any more.
	err = call(t, ac, "POST", "/admin/stop-impersonating", map[string]any{}, nil)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != 400 || ce.Message != "You are not impersonating anyone" {
		t.Fatalf("second stop: %v", err)
	}
}

func TestUsersCRUD(t *testing.T) {
	e := start(t, admin.Options{})
	adminID, ac := e.admin(t, "admin@example.com")
	var created struct{ User userOut }
	if err := call(t, ac, "POST", "/admin/create-user", map[string]any{"email": "New@Example.com", "name": "New", "password": "a-new-password", "role": "admin"}, &created); err != nil {
		t.Fatal(err)
	}
	if created.User.Email != "new@example.com" || created.User.Role != "admin" {
		t.Fatalf("created %+v", created.User)
	}
	wantCode(t, call(t, ac, "POST", "/admin/create-user", map[string]any{"email": "new@example.com", "name": "Again"}, nil), 400, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL")
	if _, err := e.srv.Client(t).SignInEmail(ctx, client.SignIn{Email: "new@example.com", Password: "a-new-password"}); err != nil {
		t.Fatalf("created user signs in: %v", err)
	}
	for i, email := range []string{"a@example.com", "b@example.com", "c@other.org"} {
		if err := call(t, ac, "POST", "/admin/create-user", map[string]any{"email": email, "name": string(rune('A' + i))}, nil); err != nil {
			t.Fatal(err)
		}
	}
	var list struct {
		Users  []userOut
		Total  int
		Limit  int
		Offset int
	}
	if err := call(t, ac, "GET", "/admin/list-users?searchValue=example.com&sortBy=email&limit=2&offset=1", nil, &list); err != nil {
		t.Fatal(err)
	}
	if list.Total != 4 || len(list.Users) != 2 || list.Users[0].Email != "admin@example.com" || list.Limit != 2 || list.Offset != 1 {
		t.Fatalf("list: %+v", list)
	}
	if err := call(t, ac, "GET", "/admin/list-users?filterField=role&filterValue=admin", nil, &list); err != nil {
		t.Fatal(err)
	}
	if list.Total != 2 {
		t.Fatalf("admins: %+v", list)
	}
	wantCode(t, call(t, ac, "GET", "/admin/list-users?filterField=password&filterValue=x", nil, nil), 400, "VALIDATION_ERROR")

	var got userOut
	if err := call(t, ac, "GET", "/admin/get-user?id="+created.User.ID, nil, &got); err != nil || got.Email != "new@example.com" {
		t.Fatalf("get-user: %+v %v", got, err)
	}
	if err := call(t, ac, "POST", "/admin/update-user", map[string]any{"userId": created.User.ID, "data": map[string]any{"name": "Renamed", "role": "user"}}, &got); err != nil {
		t.Fatal(err)
	}
	if got.Role != "user" {
		t.Fatalf("update-user: %+v", got)
	}
	wantCode(t, call(t, ac, "POST", "/admin/update-user", map[string]any{"userId": created.User.ID, "data": map[string]any{}}, nil), 400, "NO_DATA_TO_UPDATE")
	wantCode(t, call(t, ac, "POST", "/admin/update-user", map[string]any{"userId": created.User.ID, "data": map[string]any{"password": "x"}}, nil), 400, "PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER")
	wantCode(t, call(t, ac, "POST", "/admin/update-user", map[string]any{"userId": created.User.ID, "data": map[string]any{"nope": 1}}, nil), 400, "VALIDATION_ERROR")

	if err := call(t, ac, "POST", "/admin/set-user-password", map[string]any{"userId": created.User.ID, "newPassword": "changed-password"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Client(t).SignInEmail(ctx, client.SignIn{Email: "new@example.com", Password: "changed-password"}); err != nil {
		t.Fatalf("sign-in with the set password: %v", err)
	}
	var sessions struct {
		Sessions []json.RawMessage
	}
	if err := call(t, ac, "POST", "/admin/list-user-sessions", map[string]any{"userId": created.User.ID}, &sessions); err != nil || len(sessions.Sessions) != 2 {
		t.Fatalf("list-user-sessions: %d %v", len(sessions.Sessions), err)
	}
	var first struct{ Token string }
	json.Unmarshal(sessions.Sessions[0], &first)
	if err := call(t, ac, "POST", "/admin/revoke-user-session", map[string]any{"sessionToken": first.Token}, nil); err != nil {
		t.Fatal(err)
	}
	if err := call(t, ac, "POST", "/admin/list-user-sessions", map[string]any{"userId": created.User.ID}, &sessions); err != nil || len(sessions.Sessions) != 1 {
		t.Fatalf("after revoke: %d %v", len(sessions.Sessions), err)
	}
	if err := call(t, ac, "POST", "/admin/revoke-user-sessions", map[string]any{"userId": created.User.ID}, nil); err != nil {
		t.Fatal(err)
	}
	wantCode(t, call(t, ac, "POST", "/admin/remove-user", map[string]any{"userId": adminID}, nil), 400, "YOU_CANNOT_REMOVE_YOURSELF")
	if err := call(t, ac, "POST", "/admin/remove-user", map[string]any{"userId": created.User.ID}, nil); err != nil {
		t.Fatal(err)
	}
	wantCode(t, call(t, ac, "GET", "/admin/get-user?id="+created.User.ID, nil, nil), 404, "USER_NOT_FOUND")
}

func TestPermissionConditionsApplyToTheTarget(t *testing.T) {
	e := start(t, admin.Options{})
	mod, err := e.rb.CreateRole(ctx, rbac.RoleInput{Name: "moderator"})
	if err != nil {
		t.Fatal(err)
	}
	user, err := e.rb.Role(ctx, "user")
	if err != nil {
		t.Fatal(err)
	}
	cond, _ := json.Marshal(map[string]any{"roleId": user.ID})
	if _, err := e.rb.CreatePermission(ctx, rbac.PermissionInput{Name: "ban-users", Resource: "user", Action: "ban", Conditions: cond}); err != nil {
		t.Fatal(err)
	}
	if err := e.rb.Grant(ctx, mod.Name, "ban-users", false); err != nil {
		t.Fatal(err)
	}
	modID, mc := e.user(t, "mod@example.com")
	if _, err := e.rb.SetUserRoles(ctx, modID, []string{"moderator"}); err != nil {
		t.Fatal(err)
	}
	adminID, _ := e.admin(t, "admin@example.com")
	plain, _ := e.user(t, "u@example.com")
	wantCode(t, call(t, mc, "POST", "/admin/ban-user", map[string]any{"userId": adminID}, nil), 403, "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS")
	if err := call(t, mc, "POST", "/admin/ban-user", map[string]any{"userId": plain}, nil); err != nil {
		t.Fatalf("moderator bans a user: %v", err)
	}
}
