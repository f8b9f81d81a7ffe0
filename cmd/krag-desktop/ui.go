package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kragauth/krag/client/desktop"
)

// auth is what the window needs from client/desktop: *desktop.App in the program, a fake in
// the widget tests. Every call may block on the network, so the window makes them off the UI
// thread.
type auth interface {
	SignInDeepLink(ctx context.Context) (*desktop.Attempt, error)
	HandleURL(ctx context.Context, raw string) (*desktop.Session, error)
	CompleteCode(ctx context.Context, code string) (*desktop.Session, error)
	Current(ctx context.Context) (*desktop.Session, error)
	SignOut(ctx context.Context) error
	Permissions(ctx context.Context) (*desktop.Permissions, error)
	Cancel(at *desktop.Attempt)
}

// state is what the window shows.
type state int

const (
	stateChecking  state = iota // asking the server about the stored session
	stateSignedOut              // the sign-in button
	stateWaiting                // a sign-in is open in the browser
	stateSignedIn               // the user, roles and permissions
)

func (s state) String() string {
	switch s {
	case stateChecking:
		return "checking"
	case stateSignedOut:
		return "signed-out"
	case stateWaiting:
		return "waiting"
	case stateSignedIn:
		return "signed-in"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// callTimeout bounds each call to the server.
const callTimeout = 30 * time.Second

// window is the app's one window: its widgets and the sign-in state they show. Its methods
// run on the Fyne UI thread; results of server calls come back to it through fyne.Do.
type window struct {
	auth   auth
	server string
	log    io.Writer    // one line per state change and per error shown
	async  func(func()) // runs a server call off the UI thread

	state   state
	attempt *desktop.Attempt   // the sign-in in progress, in stateWaiting
	gen     int                // bumped when the user leaves a state, so late answers are dropped
	cancel  context.CancelFunc // cancels the server call in flight, if any
	notices []string           // shown small at the bottom: where the token is kept, warnings

	content     *fyne.Container
	errText     *widget.Label
	footer      *widget.Label
	checking    *fyne.Container
	signedOut   *fyne.Container
	waiting     *fyne.Container
	signedIn    *fyne.Container
	signInBtn   *widget.Button
	signInURL   *widget.Label
	copyBtn     *widget.Button
	codeEntry   *widget.Entry
	codeBtn     *widget.Button
	cancelBtn   *widget.Button
	name        *widget.Label
	email       *widget.Label
	roles       *widget.Label
	rules       *fyne.Container
	signOutBtn  *widget.Button
	serverLabel *widget.Label
}

// newWindow builds the widgets for a (nil auth when setting up failed; the window then only
// shows the error). async nil means a new goroutine per call.
func newWindow(a auth, server string, log io.Writer, async func(func())) *window {
	if async == nil {
		async = func(f func()) { go f() }
	}
	w := &window{auth: a, server: server, log: log, async: async}

	w.errText = widget.NewLabel("")
	w.errText.Importance = widget.DangerImportance
	w.errText.Wrapping = fyne.TextWrapWord
	w.errText.Hide()
	w.footer = widget.NewLabel("")
	w.footer.SizeName = theme.SizeNameCaptionText
	w.footer.Wrapping = fyne.TextWrapWord
	w.footer.Hide()

	w.checking = container.NewVBox(widget.NewLabel("Checking your sign-in…"))

	w.serverLabel = widget.NewLabel("Server: " + server)
	w.serverLabel.Wrapping = fyne.TextWrapBreak
	w.signInBtn = widget.NewButton("Sign in with your browser", w.signIn)
	w.signInBtn.Importance = widget.HighImportance
	w.signedOut = container.NewVBox(heading("Krag Desktop"), w.serverLabel, w.signInBtn)

	w.signInURL = widget.NewLabel("")
	w.signInURL.Selectable = true
	w.signInURL.Wrapping = fyne.TextWrapBreak
	w.copyBtn = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(w.signInURL.Text)
	})
	w.codeEntry = widget.NewEntry()
	w.codeEntry.SetPlaceHolder("Paste code")
	w.codeEntry.OnSubmitted = func(string) { w.submitCode() }
	w.codeBtn = widget.NewButton("Paste code", w.submitCode)
	w.cancelBtn = widget.NewButton("Cancel", w.cancelSignIn)
	hint := widget.NewLabel("If this window does not update after you sign in, paste the code your browser shows:")
	hint.Wrapping = fyne.TextWrapWord
	w.waiting = container.NewVBox(
		heading("Continue in your browser…"),
		container.NewBorder(nil, nil, nil, container.NewCenter(w.copyBtn), w.signInURL),
		hint,
		container.NewBorder(nil, nil, nil, w.codeBtn, w.codeEntry),
		w.cancelBtn,
	)

	w.name = heading("")
	w.email = widget.NewLabel("")
	w.roles = widget.NewLabel("")
	w.roles.Wrapping = fyne.TextWrapWord
	w.rules = container.NewVBox()
	w.signOutBtn = widget.NewButton("Sign out", w.signOut)
	w.signedIn = container.NewBorder(
		container.NewVBox(w.name, w.email),
		w.signOutBtn, nil, nil,
		container.NewVScroll(container.NewVBox(
			w.roles,
			widget.NewLabelWithStyle("Permissions", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			w.rules,
		)),
	)

	body := container.NewStack(w.checking, w.signedOut, w.waiting, w.signedIn)
	w.content = container.NewBorder(w.errText, w.footer, nil, nil, body)
	w.display(stateChecking)
	if a == nil {
		w.display(stateSignedOut)
		w.signInBtn.Disable()
	}
	return w
}

// heading returns a large bold label.
func heading(text string) *widget.Label {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameHeadingText
	l.Wrapping = fyne.TextWrapWord
	return l
}

// show switches to state s and logs the change.
func (w *window) show(s state) {
	w.display(s)
	line := "state: " + s.String()
	if s == stateSignedIn {
		line += " as " + w.name.Text
	}
	fmt.Fprintln(w.log, line)
}

// display switches to state s.
func (w *window) display(s state) {
	w.state = s
	for st, c := range map[state]*fyne.Container{stateChecking: w.checking, stateSignedOut: w.signedOut, stateWaiting: w.waiting, stateSignedIn: w.signedIn} {
		if st == s {
			c.Show()
		} else {
			c.Hide()
		}
	}
}

// showError shows msg above the current state; "" clears it.
func (w *window) showError(msg string) {
	w.errText.SetText(msg)
	if msg == "" {
		w.errText.Hide()
		return
	}
	w.errText.Show()
	fmt.Fprintln(w.log, "error: "+msg)
}

// addNotice adds a line to the small print at the bottom.
func (w *window) addNotice(msg string) {
	w.notices = append(w.notices, msg)
	w.footer.SetText(strings.Join(w.notices, "\n"))
	w.footer.Show()
}

// call runs f off the UI thread with a fresh context, then done on the UI thread, unless the
// user has moved on (Cancel, or another action) in the meantime.
func (w *window) call(f func(ctx context.Context) func()) {
	if w.cancel != nil {
		w.cancel()
	}
	w.gen++
	gen := w.gen
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	w.cancel = cancel
	w.async(func() {
		done := f(ctx)
		fyne.Do(func() {
			if gen != w.gen {
				return
			}
			cancel()
			w.cancel = nil
			done()
		})
	})
}

// start asks the server whether the stored sign-in is still good.
func (w *window) start() {
	if w.auth == nil {
		w.show(stateSignedOut) // with the sign-in button disabled
		return
	}
	w.show(stateChecking)
	w.call(func(ctx context.Context) func() {
		sess, err := w.auth.Current(ctx)
		if err != nil {
			return func() {
				w.show(stateSignedOut)
				if !errors.Is(err, desktop.ErrSignedOut) {
					w.showError(fmt.Sprintf("Could not check your sign-in with %s: %s", w.server, plain(err)))
				}
			}
		}
		return w.loadAccount(ctx, sess)
	})
}

// loadAccount fetches the permissions of a signed-in user and returns the UI update that
// shows them.
func (w *window) loadAccount(ctx context.Context, sess *desktop.Session) func() {
	perms, err := w.auth.Permissions(ctx)
	return func() {
		w.showAccount(sess, perms)
		if err != nil {
			w.showError(fmt.Sprintf("You are signed in, but your permissions could not be loaded: %s", plain(err)))
		}
	}
}

// showAccount fills the signed-in view and shows it.
func (w *window) showAccount(sess *desktop.Session, perms *desktop.Permissions) {
	name := sess.Name
	if name == "" {
		name = sess.Email
	}
	w.name.SetText(name)
	w.email.SetText(sess.Email)
	w.rules.RemoveAll()
	roles := "Roles: none"
	if perms != nil {
		if len(perms.Roles) > 0 {
			roles = "Roles: " + strings.Join(perms.Roles, ", ")
		}
		for _, r := range perms.Rules {
			l := widget.NewLabel(r.String())
			l.Wrapping = fyne.TextWrapWord
			w.rules.Add(l)
		}
	}
	if len(w.rules.Objects) == 0 {
		w.rules.Add(widget.NewLabel("No permissions."))
	}
	w.roles.SetText(roles)
	w.codeEntry.SetText("")
	w.attempt = nil
	w.show(stateSignedIn)
}

// signIn opens the browser at Krag's sign-in page for this app.
func (w *window) signIn() {
	w.showError("")
	w.signInBtn.Disable()
	w.call(func(ctx context.Context) func() {
		att, err := w.auth.SignInDeepLink(ctx)
		return func() {
			w.signInBtn.Enable()
			if att == nil {
				w.showError(fmt.Sprintf("Could not start signing in: %s", plain(err)))
				return
			}
			w.attempt = att
			w.signInURL.SetText(att.URL)
			w.codeEntry.SetText("")
			w.show(stateWaiting)
			if err != nil {
				if inner := errors.Unwrap(err); inner != nil {
					err = inner // the address is below; the wrapper repeats it
				}
				w.showError(fmt.Sprintf("Could not open your browser (%s). Open the address below in it yourself.", plain(err)))
			}
		}
	})
}

// handleURL completes the sign-in with a deep link that the operating system handed to this
// app (or to a second copy, which forwarded it here).
func (w *window) handleURL(raw string) {
	if w.state != stateWaiting {
		w.showError("A sign-in link arrived, but no sign-in is in progress in this window. Choose “Sign in with your browser” to start one.")
		return
	}
	w.finish(func(ctx context.Context) (*desktop.Session, error) { return w.auth.HandleURL(ctx, raw) })
}

// submitCode completes the sign-in with the code the browser shows.
func (w *window) submitCode() {
	code := strings.TrimSpace(w.codeEntry.Text)
	if code == "" {
		w.showError("Paste the code your browser shows first.")
		return
	}
	w.finish(func(ctx context.Context) (*desktop.Session, error) { return w.auth.CompleteCode(ctx, code) })
}

// finish ends a sign-in in progress with exchange, a deep link's or a pasted code's.
func (w *window) finish(exchange func(context.Context) (*desktop.Session, error)) {
	w.showError("")
	w.codeBtn.Disable()
	w.call(func(ctx context.Context) func() {
		sess, err := exchange(ctx)
		if err != nil {
			return func() {
				w.codeBtn.Enable()
				w.showError(fmt.Sprintf("Signing in did not work: %s", plain(err)))
			}
		}
		show := w.loadAccount(ctx, sess)
		return func() {
			w.codeBtn.Enable()
			show()
		}
	})
}

// cancelSignIn abandons the sign-in in progress.
func (w *window) cancelSignIn() {
	if w.cancel != nil {
		w.cancel()
		w.cancel = nil
	}
	w.gen++
	if w.attempt != nil {
		w.auth.Cancel(w.attempt)
		w.attempt = nil
	}
	w.codeBtn.Enable()
	w.showError("")
	w.show(stateSignedOut)
}

// signOut ends the session on the server and forgets the stored token.
func (w *window) signOut() {
	w.showError("")
	w.signOutBtn.Disable()
	w.call(func(ctx context.Context) func() {
		err := w.auth.SignOut(ctx)
		return func() {
			w.signOutBtn.Enable()
			if err != nil {
				w.showError(fmt.Sprintf("Could not sign out: %s", plain(err)))
				return
			}
			w.show(stateSignedOut)
		}
	})
}

// plain returns err's message without the "desktop: " prefixes of client/desktop, for people.
func plain(err error) string {
	if err == nil {
		return "unknown error"
	}
	return strings.ReplaceAll(err.Error(), "desktop: ", "")
}
