package krag_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/kragtest"
)

// TestRecordHooksFire runs a user's life (sign-up, sign-in, refresh, password change, update,
// sign-out, deletion) and checks the record hooks saw each write, in order.
func TestRecordHooksFire(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	note := func(s string) {
		mu.Lock()
		seen = append(seen, s)
		mu.Unlock()
	}
	hooks := krag.Hooks{
		User: krag.RecordHooks[krag.User]{
			BeforeCreate: func(_ context.Context, u *krag.User) error { note("user.beforeCreate"); return nil },
			AfterCreate:  func(_ context.Context, u *krag.User) { note("user.afterCreate") },
			BeforeUpdate: func(_ context.Context, u *krag.User) error { note("user.beforeUpdate:" + u.Name); return nil },
			AfterUpdate:  func(_ context.Context, u *krag.User) { note("user.afterUpdate") },
			BeforeDelete: func(_ context.Context, u *krag.User) error { note("user.beforeDelete"); return nil },
			AfterDelete:  func(_ context.Context, u *krag.User) { note("user.afterDelete") },
		},
		Session: krag.RecordHooks[krag.Session]{
			BeforeCreate: func(_ context.Context, s *krag.Session) error { note("session.beforeCreate"); return nil },
			AfterCreate:  func(_ context.Context, s *krag.Session) { note("session.afterCreate") },
			BeforeUpdate: func(_ context.Context, s *krag.Session) error { note("session.beforeUpdate"); return nil },
			AfterUpdate:  func(_ context.Context, s *krag.Session) { note("session.afterUpdate") },
			BeforeDelete: func(_ context.Context, s *krag.Session) error { note("session.beforeDelete"); return nil },
			AfterDelete:  func(_ context.Context, s *krag.Session) { note("session.afterDelete") },
		},
		Account: krag.RecordHooks[krag.Account]{
			BeforeCreate: func(_ context.Context, a *krag.Account) error {
				note("account.beforeCreate:" + a.ProviderID)
				return nil
			},
			AfterCreate:  func(_ context.Context, a *krag.Account) { note("account.afterCreate") },
			BeforeUpdate: func(_ context.Context, a *krag.Account) error { note("account.beforeUpdate"); return nil },
			AfterUpdate:  func(_ context.Context, a *krag.Account) { note("account.afterUpdate") },
		},
		Verification: krag.RecordHooks[krag.Verification]{
			BeforeCreate: func(_ context.Context, v *krag.Verification) error { note("verification.beforeCreate"); return nil },
			AfterCreate:  func(_ context.Context, v *krag.Verification) { note("verification.afterCreate") },
		},
	}
	opts := krag.Options{Hooks: hooks}
	opts.User.DeleteUser.Enabled = true
	opts.RateLimit.Disabled = true
	srv := kragtest.New(t, opts)
	ctx := t.Context()
	c := signUp(t, srv, "hooks@example.com")
	srv.Clock.Advance(25 * time.Hour)
	if _, err := c.GetSession(ctx, client.GetSessionOptions{}); err != nil { // slides the session
		t.Fatal(err)
	}
	srv.Clock.Advance(-25 * time.Hour) // fresh again for the sensitive calls
	if _, err := c.ChangePassword(ctx, client.ChangePassword{CurrentPassword: testPassword, NewPassword: "another-password"}); err != nil {
		t.Fatal(err)
	}
	name := "Renamed"
	if err := c.UpdateUser(ctx, client.UpdateUser{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Auth.CreateVerification(ctx, "test:hooks", "v", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteUser(ctx, client.DeleteUser{Password: "another-password"}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"user.beforeCreate", "account.beforeCreate:credential", "user.afterCreate", "account.afterCreate",
		"session.beforeCreate", "session.afterCreate",
		"session.beforeUpdate", "session.afterUpdate",
		"account.beforeUpdate", "account.afterUpdate",
		"user.beforeUpdate:Renamed", "user.afterUpdate",
		"verification.beforeCreate", "verification.afterCreate",
		"user.beforeDelete", "user.afterDelete",
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(seen, want) {
		t.Errorf("hooks fired:\n%v\nwant:\n%v", seen, want)
	}
}

// TestBeforeHookRefuses: a before hook's *krag.Error reaches the client as it is, and nothing
// is written.
func TestBeforeHookRefuses(t *testing.T) {
	refuse := krag.NewError(403, "SIGNUPS_CLOSED", "Sign-ups are closed")
	opts := krag.Options{}
	opts.Hooks.User.BeforeCreate = func(context.Context, *krag.User) error { return refuse }
	srv := kragtest.New(t, opts)
	_, err := srv.Client(t).SignUpEmail(t.Context(), client.SignUp{Name: "N", Email: "no@example.com", Password: testPassword})
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 403 || e.Code != "SIGNUPS_CLOSED" || e.Message != "Sign-ups are closed" {
		t.Fatalf("sign-up refused by a hook = %v, want 403 SIGNUPS_CLOSED", err)
	}
	if _, err := srv.Auth.FindUserByEmail(t.Context(), "no@example.com"); !errors.Is(err, krag.ErrUserNotFound) {
		t.Errorf("user written despite the refusal: %v", err)
	}
}
