package krag_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

// POST /update-user, /change-email and /delete-user (shared/spec/better-auth-core.md §2.10,
// §2.12, §2.15).

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{User: krag.UserOptions{
		AdditionalFields: []krag.AdditionalField{coreFirstName, coreIsActive},
	}})
	ada := coreSignUp(t, srv, "Ada", "ada@example.com")
	srv.Clock.Advance(time.Minute)
	created := coreTime(srv.Clock.Now().Add(-time.Minute))
	now := coreTime(srv.Clock.Now())

	const noFields = `{"message":"No fields to update"}`
	tests := []struct {
		name   string
		body   string
		status int
		want   string
		user   map[string]any // the user get-session shows afterwards
	}{
		{
			name: "name", body: `{"name":"Ada King"}`, status: 200, want: `{"status":true}`,
			user: map[string]any{"name": "Ada King", "image": nil, "firstName": nil, "updatedAt": now},
		},
		{
			name: "image", body: `{"image":"https://example.com/ada.png"}`, status: 200, want: `{"status":true}`,
			user: map[string]any{"name": "Ada King", "image": "https://example.com/ada.png", "firstName": nil, "updatedAt": now},
		},
		{
			name: "additional_field", body: `{"firstName":"Augusta"}`, status: 200, want: `{"status":true}`,
			user: map[string]any{"name": "Ada King", "image": "https://example.com/ada.png", "firstName": "Augusta", "updatedAt": now},
		},
		{
			name: "image_null", body: `{"image":null}`, status: 200, want: `{"status":true}`,
			user: map[string]any{"name": "Ada King", "image": nil, "firstName": "Augusta", "updatedAt": now},
		},
		{name: "empty_object", body: `{}`, status: 400, want: noFields},
		{name: "unknown_key_only", body: `{"nickname":"al"}`, status: 400, want: noFields},
		// Core columns other than name and image are ignored (§2.10).
		{name: "email_verified_ignored", body: `{"emailVerified":true}`, status: 400, want: noFields},
		// A read-only field with a falsy value is ignored, with a truthy one refused (§6.3).
		{name: "read_only_falsy", body: `{"isActive":false}`, status: 400, want: noFields},
		{name: "read_only_truthy", body: `{"isActive":true}`, status: 400, want: `{"message":"isActive is not allowed to be set","code":"FIELD_NOT_ALLOWED"}`},
		{name: "email", body: `{"email":"new@example.com"}`, status: 400, want: `{"message":"Email can not be updated","code":"EMAIL_CAN_NOT_BE_UPDATED"}`},
		{name: "email_with_name", body: `{"name":"X","email":"new@example.com"}`, status: 400, want: `{"message":"Email can not be updated","code":"EMAIL_CAN_NOT_BE_UPDATED"}`},
		{name: "array_body", body: `[{"name":"X"}]`, status: 400, want: `{"message":"Body must be an object","code":"BODY_MUST_BE_AN_OBJECT"}`},
		{name: "name_not_a_string", body: `{"name":42}`, status: 400, want: `{"message":"[body.name] Invalid input: expected string, received number","code":"VALIDATION_ERROR"}`},
		{name: "additional_field_wrong_type", body: `{"firstName":true}`, status: 400, want: `{"message":"[body.firstName] Invalid input: expected string, received boolean","code":"VALIDATION_ERROR"}`},
	}
	last := map[string]any{"name": "Ada", "image": nil, "firstName": nil, "updatedAt": created}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := coreReq{path: "/update-user", body: tt.body, cookie: ada.cookie}
			res := req.send(t, srv)
			checkJSON(t, req, res, tt.status, tt.want)
			wantCookie := ""
			if tt.user != nil {
				// The session cookie is sent again, same value (§2.10).
				wantCookie = "better-auth.session_token=" + coreSigned(ada.token) + "; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"
				last = tt.user
			}
			if got := res.setCookie("better-auth.session_token"); got != wantCookie {
				t.Errorf("%v: Set-Cookie %q, want %q", req, got, wantCookie)
			}
			sd := coreGetSession(t, srv, ada.cookie)
			user, _ := sd["user"].(map[string]any)
			got := map[string]any{}
			for k := range last {
				got[k] = user[k]
			}
			if diff := cmp.Diff(last, got); diff != "" {
				t.Errorf("user after %v (-want +got):\n%s", req, diff)
			}
			if user["email"] != "ada@example.com" || user["isActive"] != true || user["emailVerified"] != false {
				t.Errorf("user after %v = %v, want email, isActive and emailVerified unchanged", req, user)
			}
		})
	}
}

// TestUpdateUserClient updates a profile through the Go SDK, as an application does.
func TestUpdateUserClient(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{User: krag.UserOptions{
		AdditionalFields: []krag.AdditionalField{coreFirstName, coreIsActive},
	}})
	ctx := t.Context()
	c := srv.Client(t)
	if _, err := c.SignUpEmail(ctx, client.SignUp{Name: "Ada", Email: "ada@example.com", Password: corePassword}); err != nil {
		t.Fatalf("SignUpEmail = %v", err)
	}
	name := "Ada King"
	if err := c.UpdateUser(ctx, client.UpdateUser{Name: &name, Fields: map[string]any{"firstName": "Augusta"}}); err != nil {
		t.Fatalf("UpdateUser = %v", err)
	}
	sd, err := c.GetSession(ctx, client.GetSessionOptions{})
	if err != nil || sd == nil {
		t.Fatalf("GetSession = %v, %v", sd, err)
	}
	var got struct {
		Name      string `json:"name"`
		FirstName string `json:"firstName"`
		IsActive  bool   `json:"isActive"`
	}
	if err := sd.User.Fields(&got); err != nil {
		t.Fatalf("User.Fields = %v", err)
	}
	if got.Name != "Ada King" || got.FirstName != "Augusta" || !got.IsActive {
		t.Errorf("user after UpdateUser = %+v, want Ada King, Augusta, active", got)
	}
	err = c.UpdateUser(ctx, client.UpdateUser{Fields: map[string]any{"isActive": true}})
	if code := client.CodeOf(err); code != "FIELD_NOT_ALLOWED" {
		t.Errorf("UpdateUser(isActive) = %v, want FIELD_NOT_ALLOWED", err)
	}
}

// TestUpdateUserDontRemember checks that update-user sends the session cookie again without
// Max-Age while the dont_remember cookie is there (§2.10, §4.4).
func TestUpdateUserDontRemember(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{})
	signUp := coreReq{path: "/sign-up/email", body: `{"name":"Ada","email":"ada@example.com","password":"` + corePassword + `","rememberMe":false}`}
	res := signUp.send(t, srv)
	if res.status != 200 {
		t.Fatalf("%v = %d %s, want 200", signUp, res.status, res.body)
	}
	tok, _ := res.object(t)["token"].(string)
	req := coreReq{path: "/update-user", body: `{"name":"Ada King"}`, cookie: res.cookies()}
	res = req.send(t, srv)
	checkJSON(t, req, res, 200, `{"status":true}`)
	want := "better-auth.session_token=" + coreSigned(tok) + "; Path=/; HttpOnly; SameSite=Lax"
	if got := res.setCookie("better-auth.session_token"); got != want {
		t.Errorf("%v: Set-Cookie %q, want %q", req, got, want)
	}
}

func TestChangeEmail(t *testing.T) {
	t.Parallel()
	opts := krag.Options{}
	opts.User.ChangeEmail.Enabled = true
	srv := coreServer(t, opts)
	ctx := t.Context()
	ada := coreSignUp(t, srv, "Ada", "ada@example.com")
	bob := coreSignUp(t, srv, "Bob", "bob@example.com")
	u, err := srv.Auth.FindUserByID(ctx, ada.id)
	if err != nil {
		t.Fatalf("FindUserByID = %v", err)
	}
	u.EmailVerified = true
	if err := srv.Auth.UpdateUser(ctx, u); err != nil {
		t.Fatalf("UpdateUser = %v", err)
	}

	tests := []struct {
		name      string
		body      string
		status    int
		want      string
		email     string // Ada's email afterwards
		verified  bool   // and whether it is verified
		setCookie bool
	}{
		{"invalid_email", `{"newEmail":"not-an-email"}`, 400, `{"message":"[body.newEmail] Invalid email address","code":"VALIDATION_ERROR"}`, "ada@example.com", true, false},
		{"missing_email", `{}`, 400, `{"message":"[body.newEmail] Invalid input: expected string, received undefined","code":"VALIDATION_ERROR"}`, "ada@example.com", true, false},
		{"same_email", `{"newEmail":"ada@example.com"}`, 400, `{"message":"Email is the same"}`, "ada@example.com", true, false},
		{"same_email_other_case", `{"newEmail":"ADA@Example.com"}`, 400, `{"message":"Email is the same"}`, "ada@example.com", true, false},
		// A taken email is answered as a success and changes nothing (§8.4).
		{"taken_email", `{"newEmail":"bob@example.com"}`, 200, `{"status":true}`, "ada@example.com", true, false},
		{"untrusted_callback_url", `{"newEmail":"ada.king@example.com","callbackURL":"https://evil.example/"}`, 403, `{"message":"Invalid callbackURL","code":"INVALID_CALLBACK_URL"}`, "ada@example.com", true, false},
		{"new_email", `{"newEmail":"Ada.King@Example.com","callbackURL":"/settings"}`, 200, `{"status":true}`, "ada.king@example.com", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := coreReq{path: "/change-email", body: tt.body, cookie: ada.cookie}
			res := req.send(t, srv)
			checkJSON(t, req, res, tt.status, tt.want)
			if got := res.setCookie("better-auth.session_token") != ""; got != tt.setCookie {
				t.Errorf("%v: session cookie sent again = %v, want %v", req, got, tt.setCookie)
			}
			user, _ := coreGetSession(t, srv, ada.cookie)["user"].(map[string]any)
			if user["email"] != tt.email || user["emailVerified"] != tt.verified {
				t.Errorf("after %v: user email %v verified %v, want %s %v", req, user["email"], user["emailVerified"], tt.email, tt.verified)
			}
		})
	}
	if u, err := srv.Auth.FindUserByEmail(ctx, "ada.king@example.com"); err != nil || u.ID != ada.id {
		t.Errorf("FindUserByEmail(new email) = %v, %v, want Ada", u, err)
	}
	if _, err := srv.Auth.FindUserByEmail(ctx, "ada@example.com"); !errors.Is(err, krag.ErrUserNotFound) {
		t.Errorf("FindUserByEmail(old email) = %v, want ErrUserNotFound", err)
	}
	if u, err := srv.Auth.FindUserByID(ctx, bob.id); err != nil || u.Email != "bob@example.com" {
		t.Errorf("Bob = %v, %v, want unchanged", u, err)
	}
}

func TestChangeEmailDisabled(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{})
	ada := coreSignUp(t, srv, "Ada", "ada@example.com")
	tests := []struct {
		name   string
		body   string
		status int
		want   string
	}{
		{"disabled", `{"newEmail":"new@example.com"}`, 400, `{"message":"Change email is disabled","code":"CHANGE_EMAIL_DISABLED"}`},
		// Schema validation runs before the handler, which checks the option (§1.2).
		{"validation_first", `{"newEmail":"not-an-email"}`, 400, `{"message":"[body.newEmail] Invalid email address","code":"VALIDATION_ERROR"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := coreReq{path: "/change-email", body: tt.body, cookie: ada.cookie}
			checkJSON(t, req, req.send(t, srv), tt.status, tt.want)
		})
	}
}

func TestDeleteUser(t *testing.T) {
	t.Parallel()
	opts := krag.Options{}
	opts.User.DeleteUser.Enabled = true
	srv := coreServer(t, opts)
	ctx := t.Context()

	t.Run("fresh_session_without_password", func(t *testing.T) {
		bob := coreSignUp(t, srv, "Bob", "bob@example.com")
		coreCheckDeleted(t, srv, bob, coreReq{path: "/delete-user", body: `{}`, cookie: bob.cookie})
	})

	t.Run("no_credential_account", func(t *testing.T) {
		sam := &krag.User{Name: "Sam", Email: "sam@example.com"}
		if err := srv.Auth.CreateUser(ctx, sam, &krag.Account{ProviderID: "github", AccountID: "583231"}); err != nil {
			t.Fatalf("CreateUser = %v", err)
		}
		req := coreReq{path: "/delete-user", body: `{"password":"` + corePassword + `"}`, cookie: coreSessionCookie(t, srv, sam)}
		checkJSON(t, req, req.send(t, srv), 400, `{"message":"Credential account not found","code":"CREDENTIAL_ACCOUNT_NOT_FOUND"}`)
	})

	ada := coreSignUp(t, srv, "Ada", "ada@example.com")
	t.Run("wrong_password", func(t *testing.T) {
		req := coreReq{path: "/delete-user", body: `{"password":"wrong password"}`, cookie: ada.cookie}
		checkJSON(t, req, req.send(t, srv), 400, `{"message":"Invalid password","code":"INVALID_PASSWORD"}`)
	})
	t.Run("password_not_a_string", func(t *testing.T) {
		req := coreReq{path: "/delete-user", body: `{"password":12345678}`, cookie: ada.cookie}
		checkJSON(t, req, req.send(t, srv), 400, `{"message":"[body.password] Invalid input: expected string, received number","code":"VALIDATION_ERROR"}`)
	})
	// Deletion tokens come with a verification email; none was sent, so any token is unknown.
	t.Run("unknown_token", func(t *testing.T) {
		req := coreReq{path: "/delete-user", body: `{"token":"abcdefghijklmnopqrstuvwxyz012345"}`, cookie: ada.cookie}
		checkJSON(t, req, req.send(t, srv), 404, `{"message":"Invalid token","code":"INVALID_TOKEN"}`)
	})
	t.Run("untrusted_callback_url", func(t *testing.T) {
		req := coreReq{path: "/delete-user", body: `{"password":"` + corePassword + `","callbackURL":"https://evil.example/"}`, cookie: ada.cookie}
		checkJSON(t, req, req.send(t, srv), 403, `{"message":"Invalid callbackURL","code":"INVALID_CALLBACK_URL"}`)
	})

	// A day later the session is no longer fresh: without a password deletion is refused.
	srv.Clock.Advance(25 * time.Hour)
	t.Run("stale_session_without_password", func(t *testing.T) {
		req := coreReq{path: "/delete-user", body: `{}`, cookie: ada.cookie}
		checkJSON(t, req, req.send(t, srv), 400, `{"message":"Session expired. Re-authenticate to perform this action.","code":"SESSION_EXPIRED"}`)
	})
	t.Run("stale_session_with_password", func(t *testing.T) {
		coreCheckDeleted(t, srv, ada, coreReq{path: "/delete-user", body: `{"password":"` + corePassword + `"}`, cookie: ada.cookie})
	})
}

// coreCheckDeleted sends a delete-user request for u and checks that the user, its sessions and
// its accounts are gone and the cookies expired.
func coreCheckDeleted(t *testing.T, srv *kragtest.Server, u coreUser, req coreReq) {
	t.Helper()
	ctx := t.Context()
	res := req.send(t, srv)
	checkJSON(t, req, res, 200, `{"success":true,"message":"User deleted"}`)
	want := []string{
		"better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
		"better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
		"better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
	}
	if diff := cmp.Diff(want, res.setCookies()); diff != "" {
		t.Errorf("%v: Set-Cookie mismatch (-want +got):\n%s", req, diff)
	}
	if _, err := srv.Auth.FindUserByID(ctx, u.id); !errors.Is(err, krag.ErrUserNotFound) {
		t.Errorf("FindUserByID(%s) after deletion = %v, want ErrUserNotFound", u.email, err)
	}
	byUser := []store.Where{store.Is("userId", u.id)}
	if n := coreCount(t, srv, schema.SessionTable, byUser); n != 0 {
		t.Errorf("sessions of %s after deletion = %d, want 0", u.email, n)
	}
	if n := coreCount(t, srv, schema.AccountTable, byUser); n != 0 {
		t.Errorf("accounts of %s after deletion = %d, want 0", u.email, n)
	}
	if sd := coreGetSession(t, srv, u.cookie); sd != nil {
		t.Errorf("get-session with the deleted user's cookie = %v, want null", sd)
	}
}

func TestDeleteUserDisabled(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{})
	ada := coreSignUp(t, srv, "Ada", "ada@example.com")
	req := coreReq{path: "/delete-user", body: `{"password":"` + corePassword + `"}`, cookie: ada.cookie}
	res := req.send(t, srv)
	checkJSON(t, req, res, 404, "")
	if _, err := srv.Auth.FindUserByID(t.Context(), ada.id); err != nil {
		t.Errorf("FindUserByID after a refused deletion = %v, want the user", err)
	}
}

// TestUserEndpointsUnauthenticated sends each endpoint that needs a session without one, and
// with cookies that name none.
func TestUserEndpointsUnauthenticated(t *testing.T) {
	t.Parallel()
	opts := krag.Options{}
	opts.User.ChangeEmail.Enabled = true
	opts.User.DeleteUser.Enabled = true
	srv := coreServer(t, opts)
	requests := []struct {
		name string
		path string
		body string
	}{
		{"update_user", "/update-user", `{"name":"X"}`},
		{"change_password", "/change-password", `{"currentPassword":"password123","newPassword":"password456"}`},
		{"verify_password", "/verify-password", `{"password":"password123"}`},
		{"change_email", "/change-email", `{"newEmail":"x@example.com"}`},
		{"delete_user", "/delete-user", `{}`},
	}
	cookies := []struct {
		name   string
		cookie string
	}{
		{"no_cookie", ""},
		{"unknown_session", "better-auth.session_token=" + coreSigned("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")},
		{"bad_signature", "better-auth.session_token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D"},
		{"unrelated_cookie", "theme=dark"},
	}
	for _, rq := range requests {
		t.Run(rq.name, func(t *testing.T) {
			for _, ck := range cookies {
				t.Run(ck.name, func(t *testing.T) {
					req := coreReq{path: rq.path, body: rq.body, cookie: ck.cookie}
					checkJSON(t, req, req.send(t, srv), 401, `{"message":"Unauthorized","code":"UNAUTHORIZED"}`)
				})
			}
		})
	}
}

// TestUserEndpointsValidationBeforeSession: schema validation runs before the session check, so
// a bad body is a 400 even without a session (§1.2).
func TestUserEndpointsValidationBeforeSession(t *testing.T) {
	t.Parallel()
	opts := krag.Options{}
	opts.User.ChangeEmail.Enabled = true
	srv := coreServer(t, opts)
	const undef = "Invalid input: expected string, received undefined"
	tests := []struct {
		name string
		path string
		body string
		want string
	}{
		{"change_password", "/change-password", `{}`, `{"message":"[body.newPassword] ` + undef + `; [body.currentPassword] ` + undef + `","code":"VALIDATION_ERROR"}`},
		{"verify_password", "/verify-password", `{}`, `{"message":"[body.password] ` + undef + `","code":"VALIDATION_ERROR"}`},
		{"change_email", "/change-email", `{"newEmail":"not-an-email"}`, `{"message":"[body.newEmail] Invalid email address","code":"VALIDATION_ERROR"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := coreReq{path: tt.path, body: tt.body}
			checkJSON(t, req, req.send(t, srv), 400, tt.want)
		})
	}
}
