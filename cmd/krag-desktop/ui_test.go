package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/kragauth/krag/client/desktop"
)

// fakeAuth answers as configured and records what the window asked.
type fakeAuth struct {
	current    *desktop.Session
	currentErr error
	attemptErr error
	noAttempt  bool
	exchange   *desktop.Session
	exchErr    error
	perms      *desktop.Permissions
	permsErr   error
	signOutErr error

	handled   []string
	codes     []string
	signedOut int
	cancelled []*desktop.Attempt
}

func (f *fakeAuth) Cancel(at *desktop.Attempt) { f.cancelled = append(f.cancelled, at) }

const signInURL = "http://krag.test/desktop?client_id=krag-desktop&state=s1"

func (f *fakeAuth) SignInDeepLink(ctx context.Context) (*desktop.Attempt, error) {
	if f.noAttempt {
		return nil, f.attemptErr
	}
	return &desktop.Attempt{URL: signInURL}, f.attemptErr
}

func (f *fakeAuth) HandleURL(ctx context.Context, raw string) (*desktop.Session, error) {
	f.handled = append(f.handled, raw)
	return f.exchange, f.exchErr
}

func (f *fakeAuth) CompleteCode(ctx context.Context, code string) (*desktop.Session, error) {
	f.codes = append(f.codes, code)
	return f.exchange, f.exchErr
}

func (f *fakeAuth) Current(ctx context.Context) (*desktop.Session, error) {
	if f.current == nil && f.currentErr == nil {
		return nil, desktop.ErrSignedOut
	}
	return f.current, f.currentErr
}

func (f *fakeAuth) SignOut(ctx context.Context) error {
	f.signedOut++
	if f.signOutErr == nil {
		f.current = nil
	}
	return f.signOutErr
}

func (f *fakeAuth) Permissions(ctx context.Context) (*desktop.Permissions, error) {
	return f.perms, f.permsErr
}

var (
	ada      = &desktop.Session{UserID: "u1", Name: "Ada Lovelace", Email: "ada@example.test"}
	adaPerms = &desktop.Permissions{
		Roles: []string{"editor", "user"},
		Rules: []desktop.Rule{
			{Action: "update", Subject: "Post", Conditions: `{"authorId":"u1"}`},
			{Action: "delete", Subject: "User", Inverted: true},
		},
	}
)

// harness is a window on Fyne's test driver whose server calls run synchronously.
type harness struct {
	t   *testing.T
	f   *fakeAuth
	w   *window
	win fyne.Window
	log *bytes.Buffer
}

func newHarness(t *testing.T, f *fakeAuth) *harness {
	t.Helper()
	test.NewTempApp(t)
	h := &harness{t: t, f: f, log: new(bytes.Buffer)}
	var a auth
	if f != nil {
		a = f
	}
	h.w = newWindow(a, "http://krag.test", h.log, func(f func()) { f() })
	h.win = test.NewTempWindow(t, h.w.content)
	h.win.Resize(fyne.NewSize(480, 360))
	h.w.start()
	return h
}

func (h *harness) wantState(s state) {
	h.t.Helper()
	if h.w.state != s {
		h.t.Fatalf("state = %v, want %v; log:\n%s", h.w.state, s, h.log)
	}
	views := map[state]fyne.CanvasObject{stateChecking: h.w.checking, stateSignedOut: h.w.signedOut, stateWaiting: h.w.waiting, stateSignedIn: h.w.signedIn}
	for st, v := range views {
		if v.Visible() != (st == s) {
			h.t.Errorf("view %v visible = %v in state %v", st, v.Visible(), s)
		}
	}
}

func (h *harness) wantError(substr string) {
	h.t.Helper()
	if substr == "" {
		if h.w.errText.Visible() {
			h.t.Errorf("error shown: %q", h.w.errText.Text)
		}
		return
	}
	if !h.w.errText.Visible() || !strings.Contains(h.w.errText.Text, substr) {
		h.t.Errorf("error = %q (visible %v), want it to contain %q", h.w.errText.Text, h.w.errText.Visible(), substr)
	}
}

func (h *harness) wantLog(line string) {
	h.t.Helper()
	for _, l := range strings.Split(h.log.String(), "\n") {
		if l == line {
			return
		}
	}
	h.t.Errorf("log lacks %q:\n%s", line, h.log)
}

func TestSignedOut(t *testing.T) {
	h := newHarness(t, &fakeAuth{})
	h.wantState(stateSignedOut)
	h.wantError("")
	h.wantLog("state: signed-out")
	if h.w.signInBtn.Text != "Sign in with your browser" || h.w.signInBtn.Disabled() {
		t.Errorf("sign-in button %q disabled=%v", h.w.signInBtn.Text, h.w.signInBtn.Disabled())
	}
	if !strings.Contains(h.w.serverLabel.Text, "http://krag.test") {
		t.Errorf("server label = %q", h.w.serverLabel.Text)
	}
}

func TestServerUnreachable(t *testing.T) {
	h := newHarness(t, &fakeAuth{currentErr: errors.New("connection refused")})
	h.wantState(stateSignedOut)
	h.wantError("connection refused")
	h.wantLog("error: Could not check your sign-in with http://krag.test: connection refused")
}

func TestStoredSession(t *testing.T) {
	h := newHarness(t, &fakeAuth{current: ada, perms: adaPerms})
	h.wantState(stateSignedIn)
	h.wantLog("state: signed-in as Ada Lovelace")
	if h.w.name.Text != "Ada Lovelace" || h.w.email.Text != "ada@example.test" {
		t.Errorf("name %q, email %q", h.w.name.Text, h.w.email.Text)
	}
	if h.w.roles.Text != "Roles: editor, user" {
		t.Errorf("roles = %q", h.w.roles.Text)
	}
	var rules []string
	for _, o := range h.w.rules.Objects {
		rules = append(rules, o.(*widget.Label).Text)
	}
	want := []string{`update Post where {"authorId":"u1"}`, "cannot delete User"}
	if strings.Join(rules, "|") != strings.Join(want, "|") {
		t.Errorf("rules = %q, want %q", rules, want)
	}
}

func TestPermissionsFail(t *testing.T) {
	h := newHarness(t, &fakeAuth{current: ada, permsErr: errors.New("502 Bad Gateway")})
	h.wantState(stateSignedIn)
	h.wantError("permissions could not be loaded: 502 Bad Gateway")
	if h.w.roles.Text != "Roles: none" {
		t.Errorf("roles = %q", h.w.roles.Text)
	}
}

func TestSignInDeepLink(t *testing.T) {
	f := &fakeAuth{exchange: ada, perms: adaPerms}
	h := newHarness(t, f)
	test.Tap(h.w.signInBtn)
	h.wantState(stateWaiting)
	h.wantLog("state: waiting")
	if h.w.signInURL.Text != signInURL || !h.w.signInURL.Selectable {
		t.Errorf("sign-in URL %q selectable=%v", h.w.signInURL.Text, h.w.signInURL.Selectable)
	}
	test.Tap(h.w.copyBtn)
	if got := fyne.CurrentApp().Clipboard().Content(); got != signInURL {
		t.Errorf("Copy put %q on the clipboard", got)
	}
	link := "krag-desktop://auth/callback#token=abc"
	h.w.handleURL(link)
	if len(f.handled) != 1 || f.handled[0] != link {
		t.Errorf("HandleURL got %q", f.handled)
	}
	h.wantState(stateSignedIn)
	h.wantError("")
	h.wantLog("state: signed-in as Ada Lovelace")
}

func TestSignInCode(t *testing.T) {
	f := &fakeAuth{exchange: ada, perms: adaPerms}
	h := newHarness(t, f)
	test.Tap(h.w.signInBtn)

	test.Tap(h.w.codeBtn)
	h.wantState(stateWaiting)
	h.wantError("Paste the code")
	if len(f.codes) != 0 {
		t.Fatalf("CompleteCode called with %q", f.codes)
	}

	test.Type(h.w.codeEntry, "  ABCD-1234 ")
	test.Tap(h.w.codeBtn)
	if len(f.codes) != 1 || f.codes[0] != "ABCD-1234" {
		t.Errorf("CompleteCode got %q", f.codes)
	}
	h.wantState(stateSignedIn)
	h.wantError("")
}

func TestSignInExchangeFails(t *testing.T) {
	f := &fakeAuth{exchErr: errors.New("the code has expired")}
	h := newHarness(t, f)
	test.Tap(h.w.signInBtn)
	h.w.handleURL("krag-desktop://auth/callback#token=old")
	h.wantState(stateWaiting)
	h.wantError("Signing in did not work: the code has expired")
	if h.w.codeBtn.Disabled() {
		t.Error("paste button stays disabled after a failure")
	}
}

func TestSignInStartFails(t *testing.T) {
	h := newHarness(t, &fakeAuth{noAttempt: true, attemptErr: errors.New("server said 404")})
	test.Tap(h.w.signInBtn)
	h.wantState(stateSignedOut)
	h.wantError("Could not start signing in: server said 404")
	if h.w.signInBtn.Disabled() {
		t.Error("sign-in button stays disabled after a failure")
	}
}

func TestBrowserFails(t *testing.T) {
	h := newHarness(t, &fakeAuth{attemptErr: errors.New(`exec: "xdg-open": not found`)})
	test.Tap(h.w.signInBtn)
	h.wantState(stateWaiting)
	h.wantError("Open the address below")
	if h.w.signInURL.Text != signInURL {
		t.Errorf("sign-in URL = %q", h.w.signInURL.Text)
	}
}

func TestLinkWithoutSignIn(t *testing.T) {
	f := &fakeAuth{exchange: ada}
	h := newHarness(t, f)
	h.w.handleURL("krag-desktop://auth/callback#token=abc")
	h.wantState(stateSignedOut)
	h.wantError("no sign-in is in progress")
	if len(f.handled) != 0 {
		t.Errorf("HandleURL called with %q", f.handled)
	}
}

func TestCancel(t *testing.T) {
	f := &fakeAuth{exchange: ada}
	h := newHarness(t, f)
	test.Tap(h.w.signInBtn)
	test.Tap(h.w.cancelBtn)
	h.wantState(stateSignedOut)
	if len(f.cancelled) != 1 || f.cancelled[0].URL != signInURL {
		t.Errorf("App.Cancel got %v", f.cancelled)
	}
	h.w.handleURL("krag-desktop://auth/callback#token=abc")
	h.wantError("no sign-in is in progress")
	if len(f.handled) != 0 {
		t.Errorf("HandleURL called after Cancel with %q", f.handled)
	}
}

// TestCancelDropsLateAnswer: an exchange that finishes after Cancel changes nothing.
func TestCancelDropsLateAnswer(t *testing.T) {
	f := &fakeAuth{exchange: ada}
	h := newHarness(t, f)
	var pending []func()
	h.w.async = func(fn func()) { pending = append(pending, fn) }
	test.Tap(h.w.signInBtn)
	pending[0]()
	h.wantState(stateWaiting)
	h.w.handleURL("krag-desktop://auth/callback#token=abc")
	test.Tap(h.w.cancelBtn)
	pending[1]()
	h.wantState(stateSignedOut)
	if strings.Contains(h.log.String(), "signed-in") {
		t.Errorf("late answer shown:\n%s", h.log)
	}
}

func TestSignOut(t *testing.T) {
	f := &fakeAuth{current: ada, perms: adaPerms}
	h := newHarness(t, f)
	test.Tap(h.w.signOutBtn)
	if f.signedOut != 1 {
		t.Errorf("SignOut called %d times", f.signedOut)
	}
	h.wantState(stateSignedOut)
	h.wantError("")

	test.Tap(h.w.signInBtn)
	h.wantState(stateWaiting)
}

func TestSignOutFails(t *testing.T) {
	f := &fakeAuth{current: ada, signOutErr: errors.New("network is unreachable")}
	h := newHarness(t, f)
	test.Tap(h.w.signOutBtn)
	h.wantState(stateSignedIn)
	h.wantError("Could not sign out: network is unreachable")
	if h.w.signOutBtn.Disabled() {
		t.Error("sign-out button stays disabled after a failure")
	}
}

func TestNoAuth(t *testing.T) {
	h := newHarness(t, nil)
	h.w.showError("Krag Desktop cannot start: no passphrase")
	h.wantState(stateSignedOut)
	h.wantLog("state: signed-out")
	h.wantError("no passphrase")
	if !h.w.signInBtn.Disabled() {
		t.Error("sign-in button enabled without a sign-in flow")
	}
}

func TestNotices(t *testing.T) {
	h := newHarness(t, &fakeAuth{})
	if h.w.footer.Visible() {
		t.Error("empty footer shown")
	}
	h.w.addNotice("Token kept in an encrypted file")
	h.w.addNotice("no keyring")
	if !h.w.footer.Visible() || h.w.footer.Text != "Token kept in an encrypted file\nno keyring" {
		t.Errorf("footer %q visible=%v", h.w.footer.Text, h.w.footer.Visible())
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--help"}, 0},
		{[]string{"--bogus"}, 2},
		{[]string{"krag-desktop://a", "krag-desktop://b"}, 2},
	} {
		var stderr bytes.Buffer
		if code := run(tc.args, io.Discard, &stderr); code != tc.code {
			t.Errorf("run(%q) = %d, want %d; stderr:\n%s", tc.args, code, tc.code, &stderr)
		}
		if !strings.Contains(stderr.String(), "usage: krag-desktop") {
			t.Errorf("run(%q) printed no usage:\n%s", tc.args, &stderr)
		}
	}
}
