package web

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/plugin/active"
	"github.com/kragauth/krag/plugin/admin"
	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/store"
)

func TestDeviceName(t *testing.T) {
	tests := []struct{ ua, want string }{
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36", "Chrome on Windows"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0", "Edge on Windows"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Safari on macOS"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1", "Safari on iPhone"},
		{"Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0", "Firefox on Linux"},
		{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36", "Chrome on Android"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36", "Headless Chrome on Linux"},
		{"curl/8.5.0", "curl"},
		{"Go-http-client/1.1", "Go program"},
		{"", "Unknown device"},
		{"something else", "Unknown device"},
	}
	for _, tt := range tests {
		if got := deviceName(tt.ua); got != tt.want {
			t.Errorf("deviceName(%q) = %q, want %q", tt.ua, got, tt.want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	tests := []struct{ next, want string }{
		{"", "/dashboard"},
		{"/account", "/account"},
		{"/account?tab=1#x", "/account?tab=1#x"},
		{"//evil.example", "/dashboard"},
		{"/\\evil.example", "/dashboard"},
		{"https://evil.example/", "/dashboard"},
		{"javascript:alert(1)", "/dashboard"},
		{"account", "/dashboard"},
		{"/sign-in", "/dashboard"},
		{"/sign-out", "/dashboard"},
		{"/a\r\nLocation: x", "/dashboard"},
	}
	for _, tt := range tests {
		if got := safeNext(tt.next); got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.next, got, tt.want)
		}
	}
}

func TestValidPhone(t *testing.T) {
	for _, ok := range []string{"+44 20 7946 0000", "(555) 010-0199", "555.0100", "12345"} {
		if !validPhone(ok) {
			t.Errorf("validPhone(%q) = false", ok)
		}
	}
	for _, bad := range []string{"call me", "1234", "+1+2 3456", "123456789012345678901", "<script>"} {
		if validPhone(bad) {
			t.Errorf("validPhone(%q) = true", bad)
		}
	}
}

// TestMessages: every error the pages can meet through the Go API reads as a sentence of the
// table, never as the API's terse message or the generic failure.
func TestMessages(t *testing.T) {
	errs := []*krag.Error{
		krag.ErrInvalidEmailOrPassword, krag.ErrInvalidEmail, krag.ErrInvalidPassword, krag.ErrPasswordTooShort,
		krag.ErrPasswordTooLong, krag.ErrUserAlreadyExists, krag.ErrUserAlreadyExistsUseAnother, krag.ErrEmailNotVerified,
		krag.ErrEmailPasswordDisabled, krag.ErrEmailPasswordSignUpDisabled, krag.ErrFailedToCreateUser,
		krag.ErrFailedToCreateSession, krag.ErrCredentialAccountNotFound, krag.ErrSessionExpired, krag.ErrSessionNotFresh,
		krag.ErrFailedToUnlinkLastAccount, krag.ErrAccountNotFound, krag.ErrChangeEmailDisabled, krag.ErrFailedToUpdateUser,
		krag.ErrUnauthorized, krag.ErrProviderNotFound, krag.ErrProviderUnreachable, krag.ErrServiceUnavailable,
		krag.ErrSocialAccountAlreadyLinked, krag.ErrLinkingNotAllowed, krag.ErrLinkingDifferentEmails, krag.ErrLinkingFailed,
		krag.ErrValidation, krag.ErrFieldNotAllowed, krag.ErrMissingField, krag.ErrCrossSiteNavigationLoginBlocked,
		krag.ErrInvalidOrigin, krag.ErrMissingOrNullOrigin, krag.ErrBodyTooLarge,
		active.ErrUserInactive, admin.ErrBannedUser, admin.ErrCannotImpersonateAdmins, admin.ErrNotAllowedToImpersonate,
		admin.ErrCannotBanYourself, admin.ErrNotAllowedToBan, admin.ErrNotAllowedToChangeRole, admin.ErrNotAllowedToListUsers,
		rbac.ErrForbidden, rbac.ErrRoleNotFound, rbac.ErrPermissionNotFound, rbac.ErrRoleExists, rbac.ErrPermissionExists,
		rbac.ErrSystemRole, rbac.ErrRoleInUse, rbac.ErrInvalidRole, rbac.ErrInvalidPermission,
	}
	for _, e := range errs {
		want, ok := sentences[e.Code]
		if !ok {
			t.Errorf("no sentence for %s (%q)", e.Code, e.Message)
			continue
		}
		if got := message(fmt.Errorf("wrapped: %w", e.WithMessage("customised"))); got != want {
			t.Errorf("message(%s) = %q, want %q", e.Code, got, want)
		}
	}
	for code, s := range sentences {
		if code != krag.Code(strings.ToUpper(string(code))) || !strings.HasSuffix(s, ".") || s[:1] != strings.ToUpper(s[:1]) {
			t.Errorf("sentences[%s] = %q: want an upper-case code and a sentence", code, s)
		}
	}
	other := []struct {
		err  error
		want string
	}{
		{&krag.Error{Status: 400, Message: "Email is the same"}, "Email is the same."},
		{&krag.Error{Status: 500, Code: "SOMETHING_NEW", Message: "database said no"}, sentences["INTERNAL_SERVER_ERROR"]},
		{errors.New("sql: connection refused"), sentences["INTERNAL_SERVER_ERROR"]},
		{fmt.Errorf("find: %w", store.ErrUnavailable), sentences["SERVICE_UNAVAILABLE"]},
		{&rateLimited{wait: 7 * time.Second}, "Too many attempts. Wait 7 seconds and try again."},
		{nil, ""},
	}
	for _, tt := range other {
		if got := message(tt.err); got != tt.want {
			t.Errorf("message(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	if got := codeMessage("account_not_linked"); got != sentences["ACCOUNT_NOT_LINKED"] {
		t.Errorf("codeMessage(account_not_linked) = %q", got)
	}
	if got := codeMessage("<script>alert(1)</script>"); strings.Contains(got, "script") {
		t.Errorf("codeMessage echoes an unknown code: %q", got)
	}
}

func TestUnpackRules(t *testing.T) {
	packed := []byte(`[["manage","all"],["read,update","Post",{"authorId":"u1"}],["delete","Post",0,1,0,"no"],["read","User",0,0,"name,email"]]`)
	got := unpackRules(packed)
	want := []ruleView{
		{Allow: true, Actions: "manage", Subjects: "all"},
		{Allow: true, Actions: "read, update", Subjects: "Post", Conditions: `{"authorId":"u1"}`},
		{Allow: false, Actions: "delete", Subjects: "Post", Reason: "no"},
		{Allow: true, Actions: "read", Subjects: "User", Fields: "name, email"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("unpackRules = %+v\nwant %+v", got, want)
	}
	if got := unpackRules([]byte(`not json`)); got != nil {
		t.Errorf("unpackRules(not json) = %v", got)
	}
}

func TestProviderLabel(t *testing.T) {
	for id, want := range map[string]string{"google": "Google", "github": "GitHub", "oidc": "single sign-on", "okta": "Okta", "my-idp": "My idp", "credential": "Email and password"} {
		if got := providerLabel(id); got != want {
			t.Errorf("providerLabel(%q) = %q, want %q", id, got, want)
		}
	}
}
