package krag_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/passhash"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

// POST /sign-up/email (shared/spec/better-auth-core.md §2.2).

func TestSignUpEmail(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{})
	ctx := t.Context()
	req := coreReq{path: "/sign-up/email", body: `{"name":"Ada Lovelace","email":"Ada@Example.COM","password":"` + corePassword + `","image":"https://example.com/ada.png"}`}
	res := req.send(t, srv)
	if res.status != 200 {
		t.Fatalf("%v = %d %s, want 200", req, res.status, res.body)
	}
	got := res.object(t)
	tok, _ := got["token"].(string)
	user, _ := got["user"].(map[string]any)
	id, _ := user["id"].(string)
	if !coreID.MatchString(tok) || !coreID.MatchString(id) {
		t.Fatalf("%v: token %q and user id %q, want 32 characters of [A-Za-z0-9]", req, tok, id)
	}
	now := coreTime(srv.Clock.Now())
	want := map[string]any{
		"token": tok,
		"user": map[string]any{
			"id":            id,
			"name":          "Ada Lovelace",
			"email":         "ada@example.com",
			"emailVerified": false,
			"image":         "https://example.com/ada.png",
			"createdAt":     now,
			"updatedAt":     now,
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%v: body mismatch (-want +got):\n%s", req, diff)
	}

	wantCookies := []string{"better-auth.session_token=" + coreSigned(tok) + "; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"}
	if diff := cmp.Diff(wantCookies, res.setCookies()); diff != "" {
		t.Errorf("%v: Set-Cookie mismatch (-want +got):\n%s", req, diff)
	}

	u, err := srv.Auth.FindUserByEmail(ctx, "ada@example.com")
	if err != nil || u.ID != id {
		t.Fatalf("FindUserByEmail(%q) = %v, %v, want user %s", "ada@example.com", u, err, id)
	}
	ac, err := srv.Auth.CredentialAccount(ctx, id)
	if err != nil {
		t.Fatalf("CredentialAccount(%q) = %v", id, err)
	}
	if ac.ProviderID != "credential" || ac.AccountID != id {
		t.Errorf("credential account = providerId %q accountId %q, want credential and %q", ac.ProviderID, ac.AccountID, id)
	}
	// Better Auth's format, hex(salt) ":" hex(key) (§5); passhash's tests check the algorithm.
	if !regexp.MustCompile(`^[0-9a-f]{32}:[0-9a-f]{128}$`).MatchString(ac.Password) {
		t.Errorf("stored hash %q, want Better Auth's salt:key hex format", ac.Password)
	}
	sd := coreGetSession(t, srv, res.cookies())
	s, _ := sd["session"].(map[string]any)
	if s["token"] != tok || s["userId"] != id || s["expiresAt"] != coreTime(srv.Clock.Now().Add(7*24*time.Hour)) {
		t.Errorf("get-session after sign-up = %v, want token %s of user %s expiring in 7 days", s, tok, id)
	}
}

func TestSignUpEmailValidation(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{})
	coreSignUp(t, srv, "Ada", "ada@example.com")
	const undef = "Invalid input: expected string, received undefined"
	tests := []struct {
		name   string
		body   string
		status int
		want   string
	}{
		{
			name:   "missing_everything",
			body:   `{}`,
			status: 400,
			want:   `{"message":"[body.name] ` + undef + `; [body.email] ` + undef + `; [body.password] ` + undef + `","code":"VALIDATION_ERROR"}`,
		},
		{
			name:   "missing_name_and_password",
			body:   `{"email":"new@example.com"}`,
			status: 400,
			want:   `{"message":"[body.name] ` + undef + `; [body.password] ` + undef + `","code":"VALIDATION_ERROR"}`,
		},
		{
			name:   "invalid_email",
			body:   `{"name":"N","email":"not-an-email","password":"password123"}`,
			status: 400,
			want:   `{"message":"[body.email] Invalid email address","code":"VALIDATION_ERROR"}`,
		},
		{
			name:   "email_without_tld",
			body:   `{"name":"N","email":"new@localhost","password":"password123"}`,
			status: 400,
			want:   `{"message":"[body.email] Invalid email address","code":"VALIDATION_ERROR"}`,
		},
		{
			name:   "name_not_a_string",
			body:   `{"name":42,"email":"new@example.com","password":"password123"}`,
			status: 400,
			want:   `{"message":"[body.name] Invalid input: expected string, received number","code":"VALIDATION_ERROR"}`,
		},
		{
			name:   "image_not_a_string",
			body:   `{"name":"N","email":"new@example.com","password":"password123","image":true}`,
			status: 400,
			want:   `{"message":"[body.image] Invalid input: expected string, received boolean","code":"VALIDATION_ERROR"}`,
		},
		{
			name:   "remember_me_not_a_boolean",
			body:   `{"name":"N","email":"new@example.com","password":"password123","rememberMe":"no"}`,
			status: 400,
			want:   `{"message":"[body.rememberMe] Invalid input: expected boolean, received string","code":"VALIDATION_ERROR"}`,
		},
		{
			// The schema has password: z.string().nonempty() (§2.2: "required, non-empty"), so an
			// empty password fails validation before the length check.
			name:   "empty_password",
			body:   `{"name":"N","email":"new@example.com","password":""}`,
			status: 400,
			want:   `{"message":"[body.password] Too small: expected string to have >=1 characters","code":"VALIDATION_ERROR"}`,
		},
		{
			name:   "password_too_short",
			body:   `{"name":"N","email":"new@example.com","password":"short12"}`,
			status: 400,
			want:   `{"message":"Password too short","code":"PASSWORD_TOO_SHORT"}`,
		},
		{
			name:   "password_too_long",
			body:   `{"name":"N","email":"new@example.com","password":"` + strings.Repeat("a", 129) + `"}`,
			status: 400,
			want:   `{"message":"Password too long","code":"PASSWORD_TOO_LONG"}`,
		},
		{
			// 65 emoji are 65 runes but 130 UTF-16 code units.
			name:   "password_too_long_in_utf16",
			body:   `{"name":"N","email":"new@example.com","password":"` + strings.Repeat("😀", 65) + `"}`,
			status: 400,
			want:   `{"message":"Password too long","code":"PASSWORD_TOO_LONG"}`,
		},
		{
			// 3 emoji are 12 bytes but 6 UTF-16 code units.
			name:   "password_too_short_in_utf16",
			body:   `{"name":"N","email":"new@example.com","password":"😀😀😀"}`,
			status: 400,
			want:   `{"message":"Password too short","code":"PASSWORD_TOO_SHORT"}`,
		},
		{
			name:   "untrusted_callback_url",
			body:   `{"name":"N","email":"new@example.com","password":"password123","callbackURL":"https://evil.example/verified"}`,
			status: 403,
			want:   `{"message":"Invalid callbackURL","code":"INVALID_CALLBACK_URL"}`,
		},
		{
			name:   "email_taken",
			body:   `{"name":"Other","email":"ada@example.com","password":"password123"}`,
			status: 422,
			want:   `{"message":"User already exists. Use another email.","code":"USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"}`,
		},
		{
			name:   "email_taken_other_case",
			body:   `{"name":"Other","email":"ADA@Example.com","password":"password123"}`,
			status: 422,
			want:   `{"message":"User already exists. Use another email.","code":"USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := coreReq{path: "/sign-up/email", body: tt.body}
			res := req.send(t, srv)
			checkJSON(t, req, res, tt.status, tt.want)
			if c := res.setCookies(); len(c) != 0 {
				t.Errorf("%v: Set-Cookie %q, want none", req, c)
			}
		})
	}
	if n := coreCount(t, srv, schema.UserTable, nil); n != 1 {
		t.Errorf("users after the failed sign-ups = %d, want 1", n)
	}
}

func TestSignUpEmailPasswordLengthInUTF16(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{EmailAndPassword: krag.EmailAndPasswordOptions{MaxPasswordLength: 10}})
	tests := []struct {
		name     string
		password string
		status   int
		want     string
	}{
		// 4 emoji: 4 runes, 8 UTF-16 code units, 16 bytes. Only the UTF-16 count accepts it.
		{"four_emoji_count_eight", "😀😀😀😀", 200, ""},
		{"six_emoji_count_twelve", "😀😀😀😀😀😀", 400, `{"message":"Password too long","code":"PASSWORD_TOO_LONG"}`},
		{"three_emoji_count_six", "😀😀😀", 400, `{"message":"Password too short","code":"PASSWORD_TOO_SHORT"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]string{"name": "N", "email": tt.name + "@example.com", "password": tt.password})
			req := coreReq{path: "/sign-up/email", body: string(body)}
			res := req.send(t, srv)
			if tt.want == "" {
				if res.status != tt.status {
					t.Errorf("%v = %d %s, want %d", req, res.status, res.body, tt.status)
				}
				return
			}
			checkJSON(t, req, res, tt.status, tt.want)
		})
	}
}

func TestSignUpEmailDisabled(t *testing.T) {
	t.Parallel()
	const disabled = `{"message":"Email and password sign up is not enabled","code":"EMAIL_PASSWORD_SIGN_UP_DISABLED"}`
	tests := []struct {
		name   string
		opts   krag.EmailAndPasswordOptions
		body   string
		status int
		want   string
	}{
		{"disable_sign_up", krag.EmailAndPasswordOptions{DisableSignUp: true}, `{"name":"N","email":"n@example.com","password":"password123"}`, 400, disabled},
		{"email_and_password_disabled", krag.EmailAndPasswordOptions{Disabled: true}, `{"name":"N","email":"n@example.com","password":"password123"}`, 400, disabled},
		// Schema validation comes first (§2.2, steps 1 and 2).
		{"validation_first", krag.EmailAndPasswordOptions{DisableSignUp: true}, `{"name":"N","email":"nope","password":"password123"}`, 400, `{"message":"[body.email] Invalid email address","code":"VALIDATION_ERROR"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := coreServer(t, krag.Options{EmailAndPassword: tt.opts})
			req := coreReq{path: "/sign-up/email", body: tt.body}
			checkJSON(t, req, req.send(t, srv), tt.status, tt.want)
		})
	}
}

// TestSignUpEmailNoAutoSignIn covers autoSignIn: false: no session, and a taken email answered
// like a new one, with the same hashing work and nothing written (§2.2 step 6, §8.4).
func TestSignUpEmailNoAutoSignIn(t *testing.T) {
	t.Parallel()
	h := &countingHasher{Hasher: passhash.NewScrypt(0)}
	srv := coreServer(t, krag.Options{EmailAndPassword: krag.EmailAndPasswordOptions{DisableAutoSignIn: true, Hasher: h}})
	ctx := t.Context()
	now := coreTime(srv.Clock.Now())

	signUp := func(t *testing.T, body string) (coreResp, map[string]any) {
		t.Helper()
		req := coreReq{path: "/sign-up/email", body: body}
		res := req.send(t, srv)
		if res.status != 200 {
			t.Fatalf("%v = %d %s, want 200", req, res.status, res.body)
		}
		if c := res.setCookies(); len(c) != 0 {
			t.Errorf("%v: Set-Cookie %q, want none", req, c)
		}
		got := res.object(t)
		if user, _ := got["user"].(map[string]any); user != nil {
			if id, _ := user["id"].(string); !coreID.MatchString(id) {
				t.Errorf("%v: user id %q, want 32 characters of [A-Za-z0-9]", req, id)
			}
		}
		return res, got
	}

	_, first := signUp(t, `{"name":"Ada","email":"ada@example.com","password":"`+corePassword+`"}`)
	firstID := first["user"].(map[string]any)["id"]
	want := map[string]any{"token": nil, "user": map[string]any{
		"id": firstID, "name": "Ada", "email": "ada@example.com", "emailVerified": false,
		"image": nil, "createdAt": now, "updatedAt": now,
	}}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("first sign-up: body mismatch (-want +got):\n%s", diff)
	}
	if _, err := srv.Auth.FindUserByEmail(ctx, "ada@example.com"); err != nil {
		t.Errorf("FindUserByEmail after sign-up = %v, want the user", err)
	}
	if n := h.hashes.Load(); n != 1 {
		t.Errorf("hashes after the first sign-up = %d, want 1", n)
	}

	_, second := signUp(t, `{"name":"Impostor","email":"ADA@example.com","password":"another password"}`)
	secondID := second["user"].(map[string]any)["id"]
	if secondID == firstID {
		t.Errorf("sign-up of a taken email returned the existing user's id %v", firstID)
	}
	want = map[string]any{"token": nil, "user": map[string]any{
		"id": secondID, "name": "Impostor", "email": "ada@example.com", "emailVerified": false,
		"image": nil, "createdAt": now, "updatedAt": now,
	}}
	if diff := cmp.Diff(want, second); diff != "" {
		t.Errorf("sign-up of a taken email: body mismatch (-want +got):\n%s", diff)
	}
	if n := h.hashes.Load(); n != 2 {
		t.Errorf("hashes after the sign-up of a taken email = %d, want 2 (hashed anyway)", n)
	}
	if n := coreCount(t, srv, schema.UserTable, nil); n != 1 {
		t.Errorf("users = %d, want 1", n)
	}
	if n := coreCount(t, srv, schema.AccountTable, nil); n != 1 {
		t.Errorf("accounts = %d, want 1", n)
	}
	if n := coreCount(t, srv, schema.SessionTable, nil); n != 0 {
		t.Errorf("sessions = %d, want 0", n)
	}
	if u, err := srv.Auth.FindUserByEmail(ctx, "ada@example.com"); err != nil || u.Name != "Ada" {
		t.Errorf("stored user = %+v, %v, want Ada unchanged", u, err)
	}
}

func TestSignUpEmailRememberMeFalse(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{})
	req := coreReq{path: "/sign-up/email", body: `{"name":"Ada","email":"ada@example.com","password":"` + corePassword + `","rememberMe":false}`}
	res := req.send(t, srv)
	if res.status != 200 {
		t.Fatalf("%v = %d %s, want 200", req, res.status, res.body)
	}
	tok, _ := res.object(t)["token"].(string)
	want := []string{
		"better-auth.session_token=" + coreSigned(tok) + "; Path=/; HttpOnly; SameSite=Lax",
		"better-auth.dont_remember=" + coreSigned("true") + "; Path=/; HttpOnly; SameSite=Lax",
	}
	if diff := cmp.Diff(want, res.setCookies()); diff != "" {
		t.Errorf("%v: Set-Cookie mismatch (-want +got):\n%s", req, diff)
	}
	sd := coreGetSession(t, srv, res.cookies())
	s, _ := sd["session"].(map[string]any)
	if got, want := s["expiresAt"], coreTime(srv.Clock.Now().Add(24*time.Hour)); got != want {
		t.Errorf("session expiresAt = %v, want %s (one day)", got, want)
	}
}

func TestSignUpEmailForm(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{})
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		want        string // "" checks only the status and the session cookie
	}{
		{"form_body", "application/x-www-form-urlencoded", "name=Ada&email=ada%40example.com&password=" + strings.ReplaceAll(corePassword, " ", "+"), 200, ""},
		{"form_body_with_charset", "application/x-www-form-urlencoded; charset=UTF-8", "name=Bob&email=bob%40example.com&password=password123", 200, ""},
		// Form values are strings, so a boolean cannot be sent (§1.3).
		{"form_remember_me", "application/x-www-form-urlencoded", "name=Cy&email=cy%40example.com&password=password123&rememberMe=false", 400, `{"message":"[body.rememberMe] Invalid input: expected boolean, received string","code":"VALIDATION_ERROR"}`},
		{"form_missing_fields", "application/x-www-form-urlencoded", "name=Cy", 400, `{"message":"[body.email] Invalid input: expected string, received undefined; [body.password] Invalid input: expected string, received undefined","code":"VALIDATION_ERROR"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := coreReq{path: "/sign-up/email", body: tt.body, header: map[string]string{"Content-Type": tt.contentType}}
			res := req.send(t, srv)
			if tt.want != "" {
				checkJSON(t, req, res, tt.status, tt.want)
				return
			}
			if res.status != tt.status || res.setCookie("better-auth.session_token") == "" {
				t.Errorf("%v = %d %s (Set-Cookie %q), want %d with a session cookie", req, res.status, res.body, res.setCookies(), tt.status)
			}
		})
	}
}

// The additional fields of the seed's user table, declared as an application would.
var (
	coreFirstName = krag.StringField("firstName")
	coreRoleID    = krag.IntField("roleId").ReadOnly()
	coreIsActive  = krag.BoolField("isActive").Default(true).ReadOnly()
)

func TestSignUpEmailAdditionalFields(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{User: krag.UserOptions{
		AdditionalFields: []krag.AdditionalField{coreFirstName, coreRoleID, coreIsActive},
	}})
	ctx := t.Context()
	tests := []struct {
		name   string
		email  string
		extra  string // more members of the JSON body
		status int
		want   string         // error body
		fields map[string]any // additional fields of the returned and stored user
	}{
		{
			// Core columns such as emailVerified and unknown keys are ignored; a read-only field
			// with a default takes the default whatever was sent.
			name:   "stored_and_returned",
			email:  "ada@example.com",
			extra:  `"firstName":"Ada","isActive":false,"emailVerified":true,"nickname":"al"`,
			status: 200,
			fields: map[string]any{"firstName": "Ada", "roleId": nil, "isActive": true},
		},
		{
			// Falsy values of read-only fields are ignored, truthy ones replaced by the default.
			name:   "read_only_falsy_and_default",
			email:  "bob@example.com",
			extra:  `"roleId":0,"isActive":true`,
			status: 200,
			fields: map[string]any{"firstName": nil, "roleId": nil, "isActive": true},
		},
		{
			name:   "read_only_truthy",
			email:  "cy@example.com",
			extra:  `"roleId":1`,
			status: 400,
			want:   `{"message":"roleId is not allowed to be set","code":"FIELD_NOT_ALLOWED"}`,
		},
		{
			name:   "read_only_truthy_string",
			email:  "cy@example.com",
			extra:  `"roleId":"admin"`,
			status: 400,
			want:   `{"message":"roleId is not allowed to be set","code":"FIELD_NOT_ALLOWED"}`,
		},
		{
			name:   "wrong_type",
			email:  "cy@example.com",
			extra:  `"firstName":42`,
			status: 400,
			want:   `{"message":"[body.firstName] Invalid input: expected string, received number","code":"VALIDATION_ERROR"}`,
		},
		{
			name:   "wrong_type_object",
			email:  "cy@example.com",
			extra:  `"firstName":{"en":"Cy"}`,
			status: 400,
			want:   `{"message":"[body.firstName] Invalid input: expected string, received object","code":"VALIDATION_ERROR"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := coreReq{path: "/sign-up/email", body: `{"name":"N","email":"` + tt.email + `","password":"` + corePassword + `",` + tt.extra + `}`}
			res := req.send(t, srv)
			if tt.want != "" {
				checkJSON(t, req, res, tt.status, tt.want)
				if _, err := srv.Auth.FindUserByEmail(ctx, tt.email); !errors.Is(err, krag.ErrUserNotFound) {
					t.Errorf("FindUserByEmail(%q) after a refused sign-up = %v, want ErrUserNotFound", tt.email, err)
				}
				return
			}
			if res.status != tt.status {
				t.Fatalf("%v = %d %s, want %d", req, res.status, res.body, tt.status)
			}
			user, _ := res.object(t)["user"].(map[string]any)
			if user["emailVerified"] != false {
				t.Errorf("%v: emailVerified = %v, want false", req, user["emailVerified"])
			}
			if _, ok := user["nickname"]; ok {
				t.Errorf("%v: undeclared field nickname returned", req)
			}
			got := map[string]any{}
			for k := range tt.fields {
				got[k] = user[k]
			}
			if diff := cmp.Diff(tt.fields, got); diff != "" {
				t.Errorf("%v: returned fields mismatch (-want +got):\n%s", req, diff)
			}

			u, err := srv.Auth.FindUserByEmail(ctx, tt.email)
			if err != nil {
				t.Fatalf("FindUserByEmail(%q) = %v", tt.email, err)
			}
			stored := map[string]any{}
			if v, ok := coreFirstName.Get(u); ok {
				stored["firstName"] = v
			}
			if v, ok := coreRoleID.Get(u); ok {
				stored["roleId"] = float64(v)
			}
			if v, ok := coreIsActive.Get(u); ok {
				stored["isActive"] = v
			}
			wantStored := map[string]any{}
			for k, v := range tt.fields {
				if v != nil {
					wantStored[k] = v
				}
			}
			if diff := cmp.Diff(wantStored, stored); diff != "" {
				t.Errorf("stored fields of %s mismatch (-want +got):\n%s", tt.email, diff)
			}
			if u.EmailVerified {
				t.Errorf("stored emailVerified of %s = true, want false", tt.email)
			}
		})
	}
}

// TestSignUpEmailClientFields sends and reads additional fields through the Go SDK, as an
// application does.
func TestSignUpEmailClientFields(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{User: krag.UserOptions{
		AdditionalFields: []krag.AdditionalField{coreFirstName, coreRoleID, coreIsActive},
	}})
	ctx := t.Context()
	type profile struct {
		FirstName string `json:"firstName"`
		RoleID    *int64 `json:"roleId"`
		IsActive  bool   `json:"isActive"`
	}
	c := srv.Client(t)
	res, err := c.SignUpEmail(ctx, client.SignUp{Name: "Ada", Email: "ada@example.com", Password: corePassword,
		Fields: map[string]any{"firstName": "Ada"}})
	if err != nil {
		t.Fatalf("SignUpEmail = %v", err)
	}
	var got profile
	if err := res.User.Fields(&got); err != nil {
		t.Fatalf("User.Fields = %v", err)
	}
	if diff := cmp.Diff(profile{FirstName: "Ada", IsActive: true}, got); diff != "" {
		t.Errorf("SignUpEmail: fields mismatch (-want +got):\n%s", diff)
	}
	sd, err := c.GetSession(ctx, client.GetSessionOptions{})
	if err != nil || sd == nil {
		t.Fatalf("GetSession = %v, %v", sd, err)
	}
	got = profile{}
	if err := sd.User.Fields(&got); err != nil {
		t.Fatalf("User.Fields = %v", err)
	}
	if diff := cmp.Diff(profile{FirstName: "Ada", IsActive: true}, got); diff != "" {
		t.Errorf("GetSession: fields mismatch (-want +got):\n%s", diff)
	}

	_, err = c.SignUpEmail(ctx, client.SignUp{Name: "Eve", Email: "eve@example.com", Password: corePassword,
		Fields: map[string]any{"roleId": 1}})
	want := &client.Error{Status: 400, Code: "FIELD_NOT_ALLOWED", Message: "roleId is not allowed to be set"}
	var ce *client.Error
	if !errors.As(err, &ce) || *ce != *want {
		t.Errorf("SignUpEmail(roleId 1) = %v, want %v", err, want)
	}
}

func TestSignUpEmailRequiredField(t *testing.T) {
	t.Parallel()
	lastName := krag.StringField("lastName").Required()
	srv := coreServer(t, krag.Options{User: krag.UserOptions{AdditionalFields: []krag.AdditionalField{lastName}}})
	tests := []struct {
		name   string
		extra  string
		status int
		want   string
	}{
		{"absent", ``, 400, `{"message":"lastName is required","code":"MISSING_FIELD"}`},
		{"null", `,"lastName":null`, 400, `{"message":"[body.lastName] Invalid input: expected string, received null","code":"VALIDATION_ERROR"}`},
		{"present", `,"lastName":"Lovelace"`, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := coreReq{path: "/sign-up/email", body: `{"name":"Ada","email":"ada@example.com","password":"` + corePassword + `"` + tt.extra + `}`}
			res := req.send(t, srv)
			if tt.want != "" {
				checkJSON(t, req, res, tt.status, tt.want)
				return
			}
			user, _ := res.object(t)["user"].(map[string]any)
			if res.status != tt.status || user["lastName"] != "Lovelace" {
				t.Errorf("%v = %d %s, want %d with lastName Lovelace", req, res.status, res.body, tt.status)
			}
		})
	}
}

// TestSignUpEmailHooks writes the seed's "default role on sign-up" as a record hook, and refuses
// some sign-ups from one.
func TestSignUpEmailHooks(t *testing.T) {
	t.Parallel()
	roles := map[string]int64{"admin": 1, "editor": 2, "member": 3}
	blocked := krag.NewError(http.StatusForbidden, "SIGN_UP_BLOCKED", "Sign-up from this domain is blocked")
	srv := coreServer(t, krag.Options{
		User: krag.UserOptions{AdditionalFields: []krag.AdditionalField{coreRoleID}},
		Hooks: krag.Hooks{User: krag.RecordHooks[krag.User]{
			BeforeCreate: func(ctx context.Context, u *krag.User) error {
				if strings.HasSuffix(u.Email, "@blocked.example") {
					return blocked
				}
				if _, ok := coreRoleID.Get(u); !ok {
					coreRoleID.Set(u, roles["member"])
				}
				return nil
			},
		}},
	})
	ctx := t.Context()

	t.Run("default_role", func(t *testing.T) {
		req := coreReq{path: "/sign-up/email", body: `{"name":"Ada","email":"ada@example.com","password":"` + corePassword + `"}`}
		res := req.send(t, srv)
		user, _ := res.object(t)["user"].(map[string]any)
		if res.status != 200 || user["roleId"] != float64(roles["member"]) {
			t.Fatalf("%v = %d %s, want 200 with roleId %d", req, res.status, res.body, roles["member"])
		}
		u, err := srv.Auth.FindUserByEmail(ctx, "ada@example.com")
		if err != nil {
			t.Fatalf("FindUserByEmail = %v", err)
		}
		if got, ok := coreRoleID.Get(u); !ok || got != roles["member"] {
			t.Errorf("stored roleId = %d, %v, want %d", got, ok, roles["member"])
		}
	})

	t.Run("refused", func(t *testing.T) {
		req := coreReq{path: "/sign-up/email", body: `{"name":"Eve","email":"eve@blocked.example","password":"` + corePassword + `"}`}
		res := req.send(t, srv)
		checkJSON(t, req, res, 403, `{"message":"Sign-up from this domain is blocked","code":"SIGN_UP_BLOCKED"}`)
		if c := res.setCookies(); len(c) != 0 {
			t.Errorf("%v: Set-Cookie %q, want none", req, c)
		}
		if n := coreCount(t, srv, schema.UserTable, []store.Where{store.Is("email", "eve@blocked.example")}); n != 0 {
			t.Errorf("users with the refused email = %d, want 0", n)
		}
		if n := coreCount(t, srv, schema.AccountTable, nil); n != 1 {
			t.Errorf("accounts = %d, want 1 (Ada's)", n)
		}
	})
}

// coreCount counts the rows of a table matching where.
func coreCount(t *testing.T, srv *kragtest.Server, table string, where []store.Where) int64 {
	t.Helper()
	n, err := srv.Auth.Store().Count(t.Context(), table, where)
	if err != nil {
		t.Fatalf("Count(%s) = %v", table, err)
	}
	return n
}
