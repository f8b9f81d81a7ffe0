package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kragauth/krag/client/desktop"
	"github.com/kragauth/krag/kragtest"
)

const (
	userEmail    = "ada@example.com"
	userPassword = "correct-horse-9"
	passphrase   = "e2e passphrase"
)

// world is a running `krag serve` on SQLite with one user, the krag binary, and the
// environment `krag login` runs in (a home, a runtime directory, a file token store, and a
// BROWSER that writes the address it is given to a file instead of opening one).
type world struct {
	t      *testing.T
	dir    string
	krag   string
	server string // http://localhost:<port>
	env    []string
	opened string // the file BROWSER writes to
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, dir: t.TempDir()}
	w.krag = buildKrag(t)
	port := freePort(t)
	w.server = fmt.Sprintf("http://localhost:%d", port)
	db := "sqlite:" + filepath.Join(w.dir, "krag.db")
	w.opened = filepath.Join(w.dir, "opened.url")
	browser := filepath.Join(w.dir, "browser.sh")
	if err := os.WriteFile(browser, []byte("#!/bin/sh\nprintf '%s' \"$1\" > "+w.opened+".tmp && mv "+w.opened+".tmp "+w.opened+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"home", "run", "cfg"} {
		if err := os.MkdirAll(filepath.Join(w.dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	w.env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Join(w.dir, "home"),
		"XDG_RUNTIME_DIR=" + filepath.Join(w.dir, "run"), "XDG_DATA_HOME=" + filepath.Join(w.dir, "home", ".local", "share"),
		"XDG_CONFIG_HOME=" + filepath.Join(w.dir, "home", ".config"),
		"KRAG_URL=" + w.server, "KRAG_TOKEN_STORE=file", "KRAG_CONFIG_DIR=" + filepath.Join(w.dir, "cfg"),
		"KRAG_TOKEN_PASSPHRASE=" + passphrase, "BROWSER=" + browser, "DATABASE_URL=" + db}

	w.run(nil, "migrate")
	w.run(strings.NewReader(userPassword+"\n"), "users", "create", "--email", userEmail, "--name", "Ada Lovelace", "--password-stdin")
	serve := exec.Command(w.krag, "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--base-url", w.server)
	serve.Env = w.env
	serve.Dir = w.dir
	var serveLog bytes.Buffer
	serve.Stdout, serve.Stderr = &serveLog, &serveLog
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = serve.Process.Kill()
		_ = serve.Wait()
		if t.Failed() {
			t.Logf("krag serve's log:\n%s", serveLog.String())
		}
	})
	waitFor(t, "krag serve to answer", func() bool {
		res, err := http.Get(w.server + "/api/auth/ok")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	})
	return w
}

// run runs krag with args to completion and returns its standard output; a failure fails
// the test.
func (w *world) run(stdin *strings.Reader, args ...string) string {
	w.t.Helper()
	cmd := exec.Command(w.krag, args...)
	cmd.Env, cmd.Dir = w.env, w.dir
	if stdin != nil {
		cmd.Stdin = stdin
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		w.t.Fatalf("krag %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// login is a `krag login` running in the background.
type login struct {
	cmd       *exec.Cmd
	out, errb syncBuffer
	done      chan error
}

// syncBuffer is a bytes.Buffer a process writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// errText returns what krag login has written to standard error so far.
func (l *login) errText() string { return l.errb.String() }

func (w *world) startLogin(args ...string) *login {
	w.t.Helper()
	_ = os.Remove(w.opened)
	l := &login{done: make(chan error, 1)}
	l.cmd = exec.Command(w.krag, append([]string{"login"}, args...)...)
	l.cmd.Env, l.cmd.Dir = w.env, w.dir
	l.cmd.Stdout, l.cmd.Stderr = &l.out, &l.errb
	if err := l.cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	go func() { l.done <- l.cmd.Wait() }()
	w.t.Cleanup(func() { _ = l.cmd.Process.Kill() })
	return l
}

// wait waits for the login to end and returns its error.
func (l *login) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-l.done:
		return err
	case <-time.After(2 * time.Minute):
		t.Fatalf("krag login did not finish; stderr:\n%s", l.errb.String())
		return nil
	}
}

// openedURL waits for BROWSER to have been given an address.
func (w *world) openedURL() string {
	w.t.Helper()
	var u string
	waitFor(w.t, "krag login to open the browser", func() bool {
		b, err := os.ReadFile(w.opened)
		u = string(b)
		return err == nil && u != ""
	})
	return u
}

// storedToken reads the session krag login kept, as krag does.
func (w *world) storedToken() string {
	w.t.Helper()
	st, err := desktop.OpenStore(desktop.StoreOptions{Service: "krag", Account: w.server, Dir: filepath.Join(w.dir, "cfg"),
		Passphrase: []byte(passphrase), DisableKeyring: true, Warn: func(string) {}})
	if err != nil {
		w.t.Fatal(err)
	}
	tok, err := st.Get()
	if err != nil {
		w.t.Fatalf("no stored session: %v", err)
	}
	return tok
}

// approveInBrowser opens the sign-in address in the tab, signs in on Krag's page when asked
// and continues on the app's consent page.
func approveInBrowser(t *testing.T, ctx context.Context, signIn string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(signIn), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatalf("open %s: %v", signIn, err)
	}
	path, err := chromedp.Run(ctx, chromedp.Evaluate[string]("location.pathname"))
	if err != nil {
		t.Fatal(err)
	}
	if path == "/sign-in" {
		err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#sign-in-email"), userEmail),
			chromedp.SendKeys(chromedp.CSS("#sign-in-password"), userPassword),
			chromedp.Click(chromedp.CSS("#main form[action='/sign-in'] button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#desktop-continue")))
		if err != nil {
			t.Fatalf("sign in on the page: %v", err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#desktop-continue")), chromedp.Click(chromedp.CSS("#desktop-continue"))); err != nil {
		t.Fatalf("continue on the consent page: %v", err)
	}
}

// TestDeepLink: krag login --deep-link waits; Chromium signs in on Krag's page; the deep
// link the page offers is delivered by running the binary with it, as the OS does (krag
// open: single-instance forwarding); the stored session is one get-session accepts by
// bearer token; whoami and logout work with it.
func TestDeepLink(t *testing.T) {
	ctx := needBrowser(t)
	w := newWorld(t)
	l := w.startLogin("--deep-link")
	signIn := w.openedURL()
	if !strings.HasPrefix(signIn, w.server+"/desktop?") || !strings.Contains(signIn, "redirect_uri=krag%3A%2F%2Fauth%2Fcallback") {
		t.Fatalf("krag login opened %q", signIn)
	}
	approveInBrowser(t, ctx, signIn)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#app-link"))); err != nil {
		t.Fatalf("hand-off page: %v", err)
	}
	attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#app-link"), "href"))
	if err != nil {
		t.Fatal(err)
	}
	link := attr.Value
	if !strings.HasPrefix(link, "krag://auth/callback#token=") {
		t.Fatalf("the page's app link is %q", link)
	}
	if out := w.run(nil, "open", link); !strings.Contains(out, "Handed") {
		t.Errorf("krag open said %q", out)
	}
	if err := l.wait(t); err != nil {
		t.Fatalf("krag login: %v\nstderr:\n%s", err, l.errb.String())
	}
	if !strings.Contains(l.out.String(), "Signed in to "+w.server+" as Ada Lovelace <"+userEmail+">") {
		t.Errorf("krag login said %q", l.out.String())
	}
	tok := w.storedToken()
	if got := kragtest.BearerEmail(t, w.server, tok); got != userEmail {
		t.Fatalf("get-session with the stored token: %q", got)
	}
	if out := w.run(nil, "whoami"); !strings.Contains(out, userEmail) {
		t.Errorf("whoami: %q", out)
	}
	// The link again: nobody waits for it any more.
	cmd := exec.Command(w.krag, "open", link)
	cmd.Env = w.env
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "no 'krag login --deep-link' is waiting") {
		t.Errorf("a second krag open: %v %s", err, out)
	}
	if out := w.run(nil, "logout"); !strings.Contains(out, "Signed out") {
		t.Errorf("logout: %q", out)
	}
	if got := kragtest.BearerEmail(t, w.server, tok); got != "" {
		t.Errorf("after logout the server still accepts the token (%q)", got)
	}
}

// TestLoopback: krag login (the default) listens on 127.0.0.1; Chromium signs in and the
// page redirects to that port with the code.
func TestLoopback(t *testing.T) {
	ctx := needBrowser(t)
	w := newWorld(t)
	l := w.startLogin()
	signIn := w.openedURL()
	if !strings.Contains(signIn, "redirect_uri=http%3A%2F%2F127.0.0.1%3A") {
		t.Fatalf("krag login opened %q", signIn)
	}
	approveInBrowser(t, ctx, signIn)
	var heading string
	waitFor(t, "the loopback page", func() bool {
		heading, _ = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
		return heading == "You're signed in"
	})
	if heading != "You're signed in" {
		t.Errorf("loopback page says %q", heading)
	}
	if err := l.wait(t); err != nil {
		t.Fatalf("krag login: %v\nstderr:\n%s", err, l.errb.String())
	}
	if got := kragtest.BearerEmail(t, w.server, w.storedToken()); got != userEmail {
		t.Fatalf("get-session with the stored token: %q", got)
	}
	if !strings.Contains(l.errb.String(), "encrypted") {
		t.Errorf("krag login did not say where it keeps the token:\n%s", l.errb.String())
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDevice: krag login --device shows a code; Chromium approves it on Krag's /device page
// and the CLI ends signed in; a second sign-in denied there ends with the CLI saying so.
func TestDevice(t *testing.T) {
	ctx := needBrowser(t)
	w := newWorld(t)
	decide := func(button string) *login {
		l := w.startLogin("--device")
		var complete string
		waitFor(t, "krag login --device to show its code", func() bool {
			for _, f := range strings.Fields(l.errText()) {
				if strings.HasPrefix(f, w.server+"/device?user_code=") {
					complete = f
					return true
				}
			}
			return false
		})
		if err := chromedp.Do(ctx, chromedp.Navigate(complete), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
			t.Fatal(err)
		}
		if path, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("location.pathname")); path == "/sign-in" {
			if err := chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.CSS("#sign-in-email"), userEmail),
				chromedp.SendKeys(chromedp.CSS("#sign-in-password"), userPassword),
				chromedp.Click(chromedp.CSS("#main form[action='/sign-in'] button[type=submit]"))); err != nil {
				t.Fatal(err)
			}
		}
		sel := "#main form[action='/device'] button[value=" + button + "]"
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel))); err != nil {
			t.Fatalf("%s on /device: %v", button, err)
		}
		return l
	}

	l := decide("approve")
	if err := l.wait(t); err != nil {
		t.Fatalf("krag login --device: %v\nstderr:\n%s", err, l.errText())
	}
	if got := kragtest.BearerEmail(t, w.server, w.storedToken()); got != userEmail {
		t.Fatalf("get-session with the device's token: %q", got)
	}

	l = decide("deny")
	if err := l.wait(t); err == nil || !strings.Contains(l.errText(), "denied") {
		t.Fatalf("a denied device sign-in: %v\nstderr:\n%s", err, l.errText())
	}
}
