package admin_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/plugin/admin"
)

// TestImpersonateGoAPI: Impersonate and StopImpersonating check what the routes check.
func TestImpersonateGoAPI(t *testing.T) {
	e := start(t, admin.Options{})
	adminID, _ := e.admin(t, "admin@example.com")
	otherAdmin, _ := e.admin(t, "admin2@example.com")
	id, _ := e.user(t, "u@example.com")
	a := e.srv.Auth
	// A fourth sign-up through the API would meet its rate limit.
	res, err := a.SignUpEmail(ctx, krag.SignUpInput{Name: "Plain", Email: "plain@example.com", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	plainID := res.User.ID
	caller, err := a.FindUserByID(ctx, adminID)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := a.FindUserByID(ctx, plainID)
	if err != nil {
		t.Fatal(err)
	}
	adminSession, err := a.CreateSession(ctx, caller, krag.SessionInput{})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		caller *krag.User
		target string
		want   error
	}{
		{"not_allowed", plain, id, admin.ErrNotAllowedToImpersonate},
		{"unknown_user", caller, "no-such-user", admin.ErrUserNotFound},
		{"an_admin", caller, otherAdmin, admin.ErrCannotImpersonateAdmins},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := e.ad.Impersonate(ctx, tt.caller, tt.target, admin.ImpersonateInput{}); !errors.Is(err, tt.want) {
				t.Errorf("Impersonate(%s) = %v, want %v", tt.name, err, tt.want)
			}
		})
	}

	sd, err := e.ad.Impersonate(ctx, caller, id, admin.ImpersonateInput{IPAddress: "192.0.2.1", UserAgent: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if by, _ := admin.ImpersonatedByField.Get(sd.Session); sd.User.ID != id || by != adminID || sd.Session.IPAddress != "192.0.2.1" {
		t.Fatalf("Impersonate = user %s impersonatedBy %q ip %q", sd.User.ID, by, sd.Session.IPAddress)
	}
	if want := e.clock.Now().Add(time.Hour); sd.Session.ExpiresAt.Sub(want).Abs() > time.Second {
		t.Errorf("impersonation expires at %v, want %v", sd.Session.ExpiresAt, want)
	}

	if _, err := e.ad.StopImpersonating(ctx, adminSession, adminSession.Session.Token); err == nil || err.Error() == "" {
		t.Errorf("StopImpersonating(a session that is no impersonation) = %v, want an error", err)
	}
	other, err := a.CreateSession(ctx, plain, krag.SessionInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"", other.Session.Token, "no-such-token"} {
		if _, err := e.ad.StopImpersonating(ctx, sd, tok); err == nil {
			t.Errorf("StopImpersonating(token %q) = nil, want an error", tok)
		}
	}
	back, err := e.ad.StopImpersonating(ctx, sd, adminSession.Session.Token)
	if err != nil || back.User.ID != adminID {
		t.Fatalf("StopImpersonating = %+v, %v", back, err)
	}
	if gone, err := a.FindSession(ctx, sd.Session.Token); err != nil || gone != nil {
		t.Errorf("the impersonation session is still there: %+v %v", gone, err)
	}
}

// TestImpersonationPagesAndAPI: an impersonation begun by a page ends through the API and one
// begun through the API ends on a page, since both use the same admin_session cookie.
func TestImpersonationPagesAndAPI(t *testing.T) {
	e := start(t, admin.Options{})
	adminID, ac := e.admin(t, "admin@example.com")
	id, _ := e.user(t, "u@example.com")
	base, _ := url.Parse(e.srv.URL)

	// page runs fn as a page handler would, on a request carrying ac's cookies, and stores the
	// cookies it sets in ac's jar.
	page := func(fn func(w http.ResponseWriter, r *http.Request, sd *krag.SessionData) error) error {
		t.Helper()
		r := httptest.NewRequest(http.MethodPost, e.srv.URL+"/admin", nil)
		for _, c := range ac.Jar().Cookies(base) {
			r.AddCookie(c)
		}
		w := httptest.NewRecorder()
		sd, err := e.srv.Auth.LoadSession(w, r)
		if err != nil || sd == nil {
			t.Fatalf("LoadSession = %+v, %v", sd, err)
		}
		err = fn(w, r, sd)
		ac.Jar().SetCookies(base, w.Result().Cookies())
		return err
	}
	whoami := func() string {
		t.Helper()
		sd, err := ac.GetSession(ctx, client.GetSessionOptions{DisableCookieCache: true})
		if err != nil || sd == nil {
			t.Fatalf("get-session = %+v, %v", sd, err)
		}
		return sd.User.ID
	}

	err := page(func(w http.ResponseWriter, r *http.Request, sd *krag.SessionData) error {
		_, err := e.ad.BeginImpersonation(w, r, sd, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := whoami(); got != id {
		t.Fatalf("after BeginImpersonation the browser is %s, want the user %s", got, id)
	}
	if err := call(t, ac, "POST", "/admin/stop-impersonating", map[string]any{}, nil); err != nil {
		t.Fatalf("the API's stop-impersonating after a page began it: %v", err)
	}
	if got := whoami(); got != adminID {
		t.Fatalf("after the API stopped, the browser is %s, want the admin %s", got, adminID)
	}

	if err := call(t, ac, "POST", "/admin/impersonate-user", map[string]any{"userId": id}, nil); err != nil {
		t.Fatal(err)
	}
	err = page(func(w http.ResponseWriter, r *http.Request, sd *krag.SessionData) error {
		_, err := e.ad.EndImpersonation(w, r, sd)
		return err
	})
	if err != nil {
		t.Fatalf("EndImpersonation after the API began it: %v", err)
	}
	if got := whoami(); got != adminID {
		t.Fatalf("after EndImpersonation the browser is %s, want the admin %s", got, adminID)
	}
	for _, c := range ac.Jar().Cookies(base) {
		if c.Name == "better-auth.admin_session" {
			t.Errorf("admin_session is still set after EndImpersonation")
		}
	}
}
