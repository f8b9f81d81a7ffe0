package krag_test

import (
	"strings"
	"testing"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

// POST /change-password and /verify-password (shared/spec/better-auth-core.md §2.13, §2.14).

func TestChangePassword(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{})
	ada := coreSignUp(t, srv, "Ada", "ada@example.com")
	u, err := srv.Auth.FindUserByID(t.Context(), ada.id)
	if err != nil {
		t.Fatalf("FindUserByID = %v", err)
	}
	other := coreSessionCookie(t, srv, u) // a second browser
	const undef = "Invalid input: expected string, received undefined"
	long := strings.Repeat("a", 129)
	tests := []struct {
		name   string
		body   string
		status int
		want   string
	}{
		{"missing_fields", `{}`, 400, `{"message":"[body.newPassword] ` + undef + `; [body.currentPassword] ` + undef + `","code":"VALIDATION_ERROR"}`},
		{"revoke_not_a_boolean", `{"currentPassword":"` + corePassword + `","newPassword":"new password 1","revokeOtherSessions":"yes"}`, 400, `{"message":"[body.revokeOtherSessions] Invalid input: expected boolean, received string","code":"VALIDATION_ERROR"}`},
		{"new_too_short", `{"currentPassword":"` + corePassword + `","newPassword":"short"}`, 400, `{"message":"Password too short","code":"PASSWORD_TOO_SHORT"}`},
		{"new_too_long", `{"currentPassword":"` + corePassword + `","newPassword":"` + long + `"}`, 400, `{"message":"Password too long","code":"PASSWORD_TOO_LONG"}`},
		{"current_too_long", `{"currentPassword":"` + long + `","newPassword":"new password 1"}`, 400, `{"message":"Password too long","code":"PASSWORD_TOO_LONG"}`},
		{"wrong_current", `{"currentPassword":"wrong password","newPassword":"new password 1"}`, 400, `{"message":"Invalid password","code":"INVALID_PASSWORD"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := coreReq{path: "/change-password", body: tt.body, cookie: ada.cookie}
			res := req.send(t, srv)
			checkJSON(t, req, res, tt.status, tt.want)
			if c := res.setCookies(); len(c) != 0 {
				t.Errorf("%v: Set-Cookie %q, want none", req, c)
			}
		})
	}

	t.Run("keep_sessions", func(t *testing.T) {
		req := coreReq{path: "/change-password", body: `{"currentPassword":"` + corePassword + `","newPassword":"new password 1"}`, cookie: ada.cookie}
		res := req.send(t, srv)
		if res.status != 200 {
			t.Fatalf("%v = %d %s, want 200", req, res.status, res.body)
		}
		got := res.object(t)
		user, _ := got["user"].(map[string]any)
		if got["token"] != nil || user["id"] != ada.id || user["email"] != "ada@example.com" {
			t.Errorf("%v = %s, want token null and Ada", req, res.body)
		}
		if c := res.setCookies(); len(c) != 0 {
			t.Errorf("%v: Set-Cookie %q, want none", req, c)
		}
		for name, cookie := range map[string]string{"this": ada.cookie, "other": other} {
			if coreGetSession(t, srv, cookie) == nil {
				t.Errorf("%s session ended by a change without revokeOtherSessions", name)
			}
		}
		coreCheckPassword(t, srv, "ada@example.com", "new password 1", corePassword)
	})

	t.Run("revoke_other_sessions", func(t *testing.T) {
		req := coreReq{path: "/change-password", body: `{"currentPassword":"new password 1","newPassword":"new password 2","revokeOtherSessions":true}`, cookie: ada.cookie}
		res := req.send(t, srv)
		if res.status != 200 {
			t.Fatalf("%v = %d %s, want 200", req, res.status, res.body)
		}
		got := res.object(t)
		tok, _ := got["token"].(string)
		if !coreID.MatchString(tok) || tok == ada.token {
			t.Fatalf("%v: token %v, want a new session token", req, got["token"])
		}
		want := "better-auth.session_token=" + coreSigned(tok) + "; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"
		if got := res.setCookie("better-auth.session_token"); got != want {
			t.Errorf("%v: Set-Cookie %q, want %q", req, got, want)
		}
		// All the user's sessions are deleted, the current one too, and a new one is made (§2.13).
		for name, cookie := range map[string]string{"this": ada.cookie, "other": other} {
			if sd := coreGetSession(t, srv, cookie); sd != nil {
				t.Errorf("%s session after revokeOtherSessions = %v, want null", name, sd)
			}
		}
		s, _ := coreGetSession(t, srv, res.cookies())["session"].(map[string]any)
		if s["token"] != tok {
			t.Errorf("get-session with the new cookie = %v, want session %s", s, tok)
		}
		if n := coreCount(t, srv, schema.SessionTable, []store.Where{store.Is("userId", ada.id)}); n != 1 {
			t.Errorf("sessions of Ada = %d, want 1", n)
		}
		coreCheckPassword(t, srv, "ada@example.com", "new password 2", "")
	})

	t.Run("no_credential_account", func(t *testing.T) {
		sam := &krag.User{Name: "Sam", Email: "sam@example.com"}
		if err := srv.Auth.CreateUser(t.Context(), sam, &krag.Account{ProviderID: "github", AccountID: "583231"}); err != nil {
			t.Fatalf("CreateUser = %v", err)
		}
		req := coreReq{path: "/change-password", body: `{"currentPassword":"whatever 1","newPassword":"new password 1"}`, cookie: coreSessionCookie(t, srv, sam)}
		checkJSON(t, req, req.send(t, srv), 400, `{"message":"Credential account not found","code":"CREDENTIAL_ACCOUNT_NOT_FOUND"}`)
	})
}

func TestVerifyPassword(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{})
	ada := coreSignUp(t, srv, "Ada", "ada@example.com")
	sam := &krag.User{Name: "Sam", Email: "sam@example.com"}
	if err := srv.Auth.CreateUser(t.Context(), sam, &krag.Account{ProviderID: "github", AccountID: "583231"}); err != nil {
		t.Fatalf("CreateUser = %v", err)
	}
	samCookie := coreSessionCookie(t, srv, sam)
	tests := []struct {
		name   string
		cookie string
		body   string
		status int
		want   string
	}{
		{"right_password", ada.cookie, `{"password":"` + corePassword + `"}`, 200, `{"status":true}`},
		{"wrong_password", ada.cookie, `{"password":"wrong password"}`, 400, `{"message":"Invalid password","code":"INVALID_PASSWORD"}`},
		{"missing_password", ada.cookie, `{}`, 400, `{"message":"[body.password] Invalid input: expected string, received undefined","code":"VALIDATION_ERROR"}`},
		{"no_credential_account", samCookie, `{"password":"` + corePassword + `"}`, 400, `{"message":"Invalid password","code":"INVALID_PASSWORD"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := coreReq{path: "/verify-password", body: tt.body, cookie: tt.cookie}
			checkJSON(t, req, req.send(t, srv), tt.status, tt.want)
		})
	}
}

// coreCheckPassword checks that email signs in with password and, unless old is "", no longer
// with old.
func coreCheckPassword(t *testing.T, srv *kragtest.Server, email, password, old string) {
	t.Helper()
	for _, c := range []struct {
		password string
		status   int
	}{{password, 200}, {old, 401}} {
		if c.password == "" {
			continue
		}
		req := coreReq{path: "/sign-in/email", body: `{"email":"` + email + `","password":"` + c.password + `"}`}
		if res := req.send(t, srv); res.status != c.status {
			t.Errorf("%v = %d %s, want %d", req, res.status, res.body, c.status)
		}
	}
}
