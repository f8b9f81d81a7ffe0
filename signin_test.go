package krag_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/passhash"
	"github.com/kragauth/krag/plugin/active"
)

// POST /sign-in/email (shared/spec/better-auth-core.md §2.3, §8.4).

// countingHasher is a real password hasher that counts its calls, to show how much hashing work
// each request does.
type countingHasher struct {
	passhash.Hasher
	hashes, verifies atomic.Int64
}

func (h *countingHasher) Hash(ctx context.Context, password string) (string, error) {
	h.hashes.Add(1)
	return h.Hasher.Hash(ctx, password)
}

func (h *countingHasher) Verify(ctx context.Context, hash, password string) (bool, error) {
	h.verifies.Add(1)
	return h.Hasher.Verify(ctx, hash, password)
}

func TestSignInEmail(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{})
	ada := coreSignUp(t, srv, "Ada", "ada@example.com")
	now := coreTime(srv.Clock.Now())
	user := map[string]any{
		"id": ada.id, "name": "Ada", "email": "ada@example.com", "emailVerified": false,
		"image": nil, "createdAt": now, "updatedAt": now,
	}
	tests := []struct {
		name         string
		req          coreReq
		want         map[string]any // the body, with the token filled in from the answer
		wantLocation string
	}{
		{
			name: "json",
			req:  coreReq{path: "/sign-in/email", body: `{"email":"ada@example.com","password":"` + corePassword + `"}`},
			want: map[string]any{"redirect": false, "user": user},
		},
		{
			name: "email_any_case",
			req:  coreReq{path: "/sign-in/email", body: `{"email":"ADA@Example.com","password":"` + corePassword + `"}`},
			want: map[string]any{"redirect": false, "user": user},
		},
		{
			name: "form",
			req: coreReq{path: "/sign-in/email", body: url.Values{"email": {"ada@example.com"}, "password": {corePassword}}.Encode(),
				header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
			want: map[string]any{"redirect": false, "user": user},
		},
		{
			name:         "callback_url",
			req:          coreReq{path: "/sign-in/email", body: `{"email":"ada@example.com","password":"` + corePassword + `","callbackURL":"/dashboard?tab=1"}`},
			want:         map[string]any{"redirect": true, "url": "/dashboard?tab=1", "user": user},
			wantLocation: "/dashboard?tab=1",
		},
		{
			name:         "callback_url_trusted_origin",
			req:          coreReq{path: "/sign-in/email", body: `{"email":"ada@example.com","password":"` + corePassword + `","callbackURL":"` + srv.URL + `/home"}`},
			want:         map[string]any{"redirect": true, "url": srv.URL + "/home", "user": user},
			wantLocation: srv.URL + "/home",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.req.send(t, srv)
			if res.status != 200 {
				t.Fatalf("%v = %d %s, want 200", tt.req, res.status, res.body)
			}
			got := res.object(t)
			tok, _ := got["token"].(string)
			if !coreID.MatchString(tok) || tok == ada.token {
				t.Errorf("%v: token %q, want a new 32-character token", tt.req, tok)
			}
			want := map[string]any{"token": tok}
			for k, v := range tt.want {
				want[k] = v
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%v: body mismatch (-want +got):\n%s", tt.req, diff)
			}
			if loc := res.header.Get("Location"); loc != tt.wantLocation {
				t.Errorf("%v: Location = %q, want %q", tt.req, loc, tt.wantLocation)
			}
			wantCookies := []string{"better-auth.session_token=" + coreSigned(tok) + "; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"}
			if diff := cmp.Diff(wantCookies, res.setCookies()); diff != "" {
				t.Errorf("%v: Set-Cookie mismatch (-want +got):\n%s", tt.req, diff)
			}
		})
	}
}

// TestSignInEmailErrors checks each failure and that every failure past the email check costs
// exactly one password verification, so its timing does not tell whether the email exists.
func TestSignInEmailErrors(t *testing.T) {
	t.Parallel()
	h := &countingHasher{Hasher: passhash.NewScrypt(0)}
	srv := coreServer(t, krag.Options{EmailAndPassword: krag.EmailAndPasswordOptions{Hasher: h}})
	ctx := t.Context()
	coreSignUp(t, srv, "Ada", "ada@example.com")
	social := &krag.User{Name: "Sam", Email: "sam@example.com"}
	if err := srv.Auth.CreateUser(ctx, social, &krag.Account{ProviderID: "github", AccountID: "583231"}); err != nil {
		t.Fatalf("CreateUser(social-only) = %v", err)
	}
	bare := &krag.User{Name: "Bo", Email: "bo@example.com"}
	if err := srv.Auth.CreateUser(ctx, bare, nil); err != nil {
		t.Fatalf("CreateUser(no account) = %v", err)
	}

	const invalid = `{"message":"Invalid email or password","code":"INVALID_EMAIL_OR_PASSWORD"}`
	const undef = "Invalid input: expected string, received undefined"
	tests := []struct {
		name     string
		body     string
		status   int
		want     string
		verifies int64
	}{
		{"unknown_email", `{"email":"nobody@example.com","password":"` + corePassword + `"}`, 401, invalid, 1},
		{"wrong_password", `{"email":"ada@example.com","password":"wrong password"}`, 401, invalid, 1},
		// Sign-in checks only the maximum length (§5).
		{"short_wrong_password", `{"email":"ada@example.com","password":"x"}`, 401, invalid, 1},
		{"social_only_user", `{"email":"sam@example.com","password":"` + corePassword + `"}`, 401, invalid, 1},
		{"user_without_account", `{"email":"bo@example.com","password":"` + corePassword + `"}`, 401, invalid, 1},
		{"invalid_email", `{"email":"not-an-email","password":"` + corePassword + `"}`, 400, `{"message":"Invalid email","code":"INVALID_EMAIL"}`, 0},
		{"password_too_long", `{"email":"ada@example.com","password":"` + strings.Repeat("a", 129) + `"}`, 400, `{"message":"Password too long","code":"PASSWORD_TOO_LONG"}`, 0},
		{"missing_fields", `{}`, 400, `{"message":"[body.email] ` + undef + `; [body.password] ` + undef + `","code":"VALIDATION_ERROR"}`, 0},
		{"missing_password", `{"email":"ada@example.com"}`, 400, `{"message":"[body.password] ` + undef + `","code":"VALIDATION_ERROR"}`, 0},
		{"email_not_a_string", `{"email":["ada@example.com"],"password":"x"}`, 400, `{"message":"[body.email] Invalid input: expected string, received array","code":"VALIDATION_ERROR"}`, 0},
		{"remember_me_not_a_boolean", `{"email":"ada@example.com","password":"x","rememberMe":1}`, 400, `{"message":"[body.rememberMe] Invalid input: expected boolean, received number","code":"VALIDATION_ERROR"}`, 0},
		{"untrusted_callback_url", `{"email":"ada@example.com","password":"` + corePassword + `","callbackURL":"https://evil.example/steal"}`, 403, `{"message":"Invalid callbackURL","code":"INVALID_CALLBACK_URL"}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.verifies.Load()
			req := coreReq{path: "/sign-in/email", body: tt.body}
			res := req.send(t, srv)
			checkJSON(t, req, res, tt.status, tt.want)
			if c := res.setCookies(); len(c) != 0 {
				t.Errorf("%v: Set-Cookie %q, want none", req, c)
			}
			if n := h.verifies.Load() - before; n != tt.verifies {
				t.Errorf("%v: %d password verifications, want %d", req, n, tt.verifies)
			}
		})
	}
	if n := h.hashes.Load(); n != 1 {
		t.Errorf("password hashes = %d, want 1 (Ada's sign-up)", n)
	}
}

func TestSignInEmailDisabled(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{EmailAndPassword: krag.EmailAndPasswordOptions{Disabled: true}})
	req := coreReq{path: "/sign-in/email", body: `{"email":"ada@example.com","password":"` + corePassword + `"}`}
	checkJSON(t, req, req.send(t, srv), 400, `{"message":"Email and password is not enabled","code":"EMAIL_PASSWORD_DISABLED"}`)
}

// TestSignInEmailRememberMe signs in with rememberMe:false, then normally from the same browser,
// which expires the dont_remember cookie (§2.3, §4.4).
func TestSignInEmailRememberMe(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{})
	ctx := t.Context()
	c := srv.Client(t)
	if _, err := c.SignUpEmail(ctx, client.SignUp{Name: "Ada", Email: "ada@example.com", Password: corePassword}); err != nil {
		t.Fatalf("SignUpEmail = %v", err)
	}
	apiURL, _ := url.Parse(srv.URL + srv.Auth.BasePath())
	jarNames := func() []string {
		var names []string
		for _, ck := range c.Jar().Cookies(apiURL) {
			names = append(names, ck.Name)
		}
		return names
	}

	var out client.SignInResponse
	res, err := c.Do(ctx, http.MethodPost, "/sign-in/email", map[string]any{"email": "ada@example.com", "password": corePassword, "rememberMe": false}, &out)
	if err != nil {
		t.Fatalf("SignInEmail(rememberMe:false) = %v", err)
	}
	want := []string{
		"better-auth.session_token=" + coreSigned(out.Token) + "; Path=/; HttpOnly; SameSite=Lax",
		"better-auth.dont_remember=" + coreSigned("true") + "; Path=/; HttpOnly; SameSite=Lax",
	}
	if diff := cmp.Diff(want, res.Header.Values("Set-Cookie")); diff != "" {
		t.Errorf("SignInEmail(rememberMe:false): Set-Cookie mismatch (-want +got):\n%s", diff)
	}
	sd, err := c.GetSession(ctx, client.GetSessionOptions{})
	if err != nil || sd == nil {
		t.Fatalf("GetSession = %v, %v", sd, err)
	}
	if want := srv.Clock.Now().Add(24 * time.Hour); !sd.Session.ExpiresAt.Equal(want) {
		t.Errorf("session expiresAt = %v, want %v (one day)", sd.Session.ExpiresAt, want)
	}
	if diff := cmp.Diff([]string{"better-auth.session_token", "better-auth.dont_remember"}, jarNames()); diff != "" {
		t.Errorf("cookies kept after rememberMe:false (-want +got):\n%s", diff)
	}

	res, err = c.Do(ctx, http.MethodPost, "/sign-in/email", map[string]any{"email": "ada@example.com", "password": corePassword}, &out)
	if err != nil {
		t.Fatalf("SignInEmail = %v", err)
	}
	want = []string{
		"better-auth.session_token=" + coreSigned(out.Token) + "; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax",
		"better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
	}
	if diff := cmp.Diff(want, res.Header.Values("Set-Cookie")); diff != "" {
		t.Errorf("SignInEmail after rememberMe:false: Set-Cookie mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"better-auth.session_token"}, jarNames()); diff != "" {
		t.Errorf("cookies kept after a normal sign-in (-want +got):\n%s", diff)
	}
}

// TestSignInEmailInactiveUser uses plugin/active: a deactivated user is refused only once the
// password is right, so the code tells nothing to someone without it.
func TestSignInEmailInactiveUser(t *testing.T) {
	t.Parallel()
	act := active.New()
	srv := coreServer(t, krag.Options{Plugins: []krag.Plugin{act}})
	ctx := t.Context()
	ada := coreSignUp(t, srv, "Ada", "ada@example.com")
	if err := act.SetActive(ctx, ada.id, false); err != nil {
		t.Fatalf("SetActive(false) = %v", err)
	}
	if sd := coreGetSession(t, srv, ada.cookie); sd != nil {
		t.Errorf("get-session of a deactivated user = %v, want null", sd)
	}

	signIn := func(password string) (coreReq, coreResp) {
		req := coreReq{path: "/sign-in/email", body: `{"email":"ada@example.com","password":"` + password + `"}`}
		return req, req.send(t, srv)
	}
	req, res := signIn(corePassword)
	checkJSON(t, req, res, 403, `{"message":"User account is inactive","code":"USER_INACTIVE"}`)
	if c := res.setCookies(); len(c) != 0 {
		t.Errorf("%v: Set-Cookie %q, want none", req, c)
	}
	req, res = signIn("wrong password")
	checkJSON(t, req, res, 401, `{"message":"Invalid email or password","code":"INVALID_EMAIL_OR_PASSWORD"}`)

	if err := act.SetActive(ctx, ada.id, true); err != nil {
		t.Fatalf("SetActive(true) = %v", err)
	}
	req, res = signIn(corePassword)
	user, _ := res.object(t)["user"].(map[string]any)
	if res.status != 200 || user["isActive"] != true {
		t.Errorf("%v after reactivation = %d %s, want 200 with isActive true", req, res.status, res.body)
	}
}
