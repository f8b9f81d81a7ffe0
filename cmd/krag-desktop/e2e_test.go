package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/kragauth/krag/client/desktop"
	"github.com/kragauth/krag/internal/browsertest"
)

// TestEndToEnd signs in for real: krag serve on a temporary SQLite database, krag-desktop in
// Xvfb, the sign-in page in headless Chromium, and the deep link delivered as the operating
// system delivers it, by starting a second krag-desktop with the URL. It runs only with
// KRAG_DESKTOP_E2E=1, and then fails when Xvfb, xdotool or Chromium is missing. With
// KRAG_SCREENSHOTS set it writes docs/screenshots/desktop-*.png.
func TestEndToEnd(t *testing.T) {
	if os.Getenv("KRAG_DESKTOP_E2E") != "1" {
		t.Skip("set KRAG_DESKTOP_E2E=1 to run the end-to-end test (needs Xvfb, xdotool and Chromium)")
	}
	shots := os.Getenv("KRAG_SCREENSHOTS") != ""
	tools := []string{"Xvfb", "xdotool"}
	if shots {
		tools = append(tools, "import")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (apt-get install xvfb xdotool imagemagick): %v", tool, err)
		}
	}
	chromium := browsertest.ChromiumPath()
	if chromium == "" {
		t.Fatal("Chromium is not installed (apt-get install chromium), or set KRAG_CHROMIUM")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	tmp := t.TempDir()
	kragBin := filepath.Join(tmp, "krag")
	desktopBin := filepath.Join(tmp, "krag-desktop")
	goBuild(t, "../..", kragBin, "github.com/kragauth/krag/cmd/krag")
	goBuild(t, ".", desktopBin, ".")

	display := startXvfb(t, tmp)

	// The server, with one user.
	port := freePort(t)
	server := "http://127.0.0.1:" + port
	serverEnv := []string{
		"DATABASE_URL=sqlite:" + filepath.Join(tmp, "krag.db"),
		"BETTER_AUTH_SECRET=" + randomHex(t, 32),
		"BETTER_AUTH_URL=" + server,
		"KRAG_RATE_LIMIT=off",
	}
	runCmd(t, ctx, tmp, serverEnv, "", kragBin, "migrate")
	const name, email, password = "Ada Lovelace", "ada@example.test", "correct-horse-battery"
	runCmd(t, ctx, tmp, serverEnv, password+"\n", kragBin, "users", "create", "--email", email, "--name", name, "--password-stdin")
	startProcess(t, tmp, "krag-serve", serverEnv, kragBin, "serve", "--addr", "127.0.0.1:"+port)
	waitHTTP(t, ctx, server+"/api/auth/ok")

	// The app: a desktop session of its own in tmp, no keyring (the session bus address is
	// dead), and a "browser" that writes down the URL it is given.
	home := filepath.Join(tmp, "home")
	runtime := filepath.Join(tmp, "run")
	for _, d := range []string{home, runtime} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	opened := filepath.Join(tmp, "browser-url")
	browser := filepath.Join(tmp, "browser.sh")
	script := "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '" + opened + "'\n"
	if err := os.WriteFile(browser, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	const passphrase = "e2e passphrase"
	appEnv := []string{
		"DISPLAY=" + display,
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_RUNTIME_DIR=" + runtime,
		"DBUS_SESSION_BUS_ADDRESS=unix:path=" + filepath.Join(tmp, "no-bus"),
		"KRAG_TOKEN_PASSPHRASE=" + passphrase,
		"KRAG_URL=" + server,
		"BROWSER=" + browser,
	}
	primary := startProcess(t, tmp, "krag-desktop", appEnv, desktopBin)
	primary.waitLine(t, ctx, "state: signed-out")
	win := xdotool(t, ctx, display, "search", "--sync", "--onlyvisible", "--name", "^Krag Desktop$")
	win = strings.Fields(win)[0]
	screenshot(t, shots, display, "krag-desktop-signed-out.png")

	// Sign in with the keyboard: Tab focuses the first button, space presses it.
	xdotool(t, ctx, display, "windowfocus", "--sync", win)
	xdotool(t, ctx, display, "key", "--window", win, "Tab", "space")
	primary.waitLine(t, ctx, "state: waiting")
	signInURL := waitFile(t, ctx, opened)
	if !strings.HasPrefix(signInURL, server+"/desktop?") {
		t.Fatalf("the browser was opened at %q, want %s/desktop?…", signInURL, server)
	}
	screenshot(t, shots, display, "krag-desktop-waiting.png")

	link, code := signInInBrowser(t, ctx, chromium, signInURL, email, password)
	if !strings.HasPrefix(link, "krag-desktop://auth/callback#token=") || code == "" {
		t.Fatalf("hand-off page: link %q, code %q", link, code)
	}

	// The OS starts a second copy with the link; it forwards it and exits at once.
	sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
	second := exec.CommandContext(sctx, desktopBin, link)
	second.Env = append(os.Environ(), appEnv...)
	out, err := second.CombinedOutput()
	scancel()
	if err != nil {
		t.Fatalf("second krag-desktop %s (it should forward the link and exit 0): %v\n%s", link, err, out)
	}
	primary.waitLine(t, ctx, "state: signed-in as "+name)
	screenshot(t, shots, display, "krag-desktop-signed-in.png")

	// The token the app stored is a live session of Ada's.
	files, _ := filepath.Glob(filepath.Join(home, ".config", "krag", "*.enc"))
	if len(files) != 1 {
		t.Fatalf("token files in %s: %q, want one", filepath.Join(home, ".config", "krag"), files)
	}
	store, err := desktop.FileStore(files[0], []byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	token, err := store.Get()
	if err != nil {
		t.Fatalf("read the stored token: %v", err)
	}
	if got := sessionUser(t, ctx, server, token); got != name+" <"+email+">" {
		t.Fatalf("get-session with the stored token answered %q, want %s <%s>", got, name, email)
	}

	// A new run finds the session in the store and the server still accepts it.
	stop(primary.cmd)
	primary = startProcess(t, tmp, "krag-desktop", appEnv, desktopBin)
	primary.waitLine(t, ctx, "state: signed-in as "+name)

	// Sign out, with the keyboard: the only button is Sign out.
	win = strings.Fields(xdotool(t, ctx, display, "search", "--sync", "--onlyvisible", "--name", "^Krag Desktop$"))[0]
	xdotool(t, ctx, display, "windowfocus", "--sync", win)
	xdotool(t, ctx, display, "key", "--window", win, "Tab", "space")
	primary.waitLine(t, ctx, "state: signed-out")
	if tok, err := store.Get(); !errors.Is(err, desktop.ErrNoToken) {
		t.Errorf("after sign-out the store holds %d bytes (err %v)", len(tok), err)
	}
	if got := sessionUser(t, ctx, server, token); got != "" {
		t.Errorf("after sign-out the server still accepts the token, for %q", got)
	}

	// A deep link that starts the app when no copy runs cannot complete anything: the
	// verifier was in the memory of the copy that started the sign-in.
	stop(primary.cmd)
	stray := startProcess(t, tmp, "krag-desktop", appEnv, desktopBin, link)
	stray.waitLine(t, ctx, "error: A sign-in link arrived, but no sign-in is in progress")
}

// sessionUser calls get-session with a bearer token and returns "Name <email>", or "" when
// the server knows no session for it.
func sessionUser(t *testing.T, ctx context.Context, server, token string) string {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", server+"/api/auth/get-session", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sess *struct {
		User struct{ Name, Email string } `json:"user"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&sess); err != nil || resp.StatusCode != 200 {
		t.Fatalf("get-session: %s, %v", resp.Status, err)
	}
	if sess == nil {
		return ""
	}
	return sess.User.Name + " <" + sess.User.Email + ">"
}

// signInInBrowser signs in on Krag's page in a headless Chromium, continues to the app, and
// returns the hand-off page's deep link and code.
func signInInBrowser(t *testing.T, ctx context.Context, chromium, signInURL, email, password string) (link, code string) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // root in CI containers: Chromium's sandbox needs user namespaces
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if err := chromedp.Do(bctx); err != nil { // starts the browser, owned by bctx
		t.Fatalf("start Chromium (%s): %v", chromium, err)
	}
	// Each step that leads to another page waits for its load event, as web's browser tests do.
	submit := func(sel chromedp.CSS) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(sel))(ctx, tg)
			return chromedp.Void{}, err
		}
	}
	steps := []struct {
		what string
		do   chromedp.Action[chromedp.Void]
	}{
		{"open the sign-in URL", chromedp.Navigate(signInURL)},
		{"type the email", chromedp.SendKeys(chromedp.CSS(`form[action="/sign-in"] input[name=email]`), email)},
		{"type the password", chromedp.SendKeys(chromedp.CSS(`form[action="/sign-in"] input[name=password]`), password)},
		{"sign in", submit(`form[action="/sign-in"] button[type=submit]`)},
		{"continue", submit("#desktop-continue")},
	}
	for _, s := range steps {
		sctx, scancel := context.WithTimeout(bctx, 30*time.Second)
		err := chromedp.Do(sctx, s.do)
		scancel()
		if err != nil {
			pctx, pcancel := context.WithTimeout(bctx, 5*time.Second)
			page, _ := chromedp.Run(pctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
			pcancel()
			t.Fatalf("sign in on the web page: %s: %v\npage: %s", s.what, err, page)
		}
	}
	var err error
	link, err = chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById("app-link").getAttribute("href")`))
	if err != nil {
		t.Fatal(err)
	}
	code, err = chromedp.Run(bctx, chromedp.Text(chromedp.ID("desktop-code")))
	if err != nil {
		t.Fatal(err)
	}
	return link, strings.TrimSpace(code)
}

// goBuild builds pkg into out, from the module in dir.
func goBuild(t *testing.T, dir, out, pkg string) {
	t.Helper()
	start := time.Now()
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	t.Logf("built %s in %v", pkg, time.Since(start).Round(time.Millisecond))
}

// startXvfb starts a virtual X server on a display number it picks itself (-displayfd, so
// that parallel runs and other X servers on the machine never collide) and returns ":N".
func startXvfb(t *testing.T, tmp string) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	logf, err := os.Create(filepath.Join(tmp, "xvfb.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1024x768x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(func() { stop(cmd); logf.Close() })
	line, err := bufio.NewReader(r).ReadString('\n')
	n, convErr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || convErr != nil {
		b, _ := os.ReadFile(logf.Name())
		t.Fatalf("Xvfb did not report its display (%q, %v):\n%s", line, err, b)
	}
	return ":" + strconv.Itoa(n)
}

// proc is a background process whose stdout lines the test can wait for.
type proc struct {
	name string
	cmd  *exec.Cmd

	mu    sync.Mutex
	lines []string
	next  int           // lines before next were matched or passed over by waitLine
	more  chan struct{} // closed and replaced when a line arrives or the output ends
	ended bool
}

// startProcess starts bin with the test's environment plus env, in dir. Its stdout is kept
// for waitLine and, with stderr, logged when the test fails.
func startProcess(t *testing.T, dir, name string, env []string, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, more: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), env...)
	stderr, err := os.CreateTemp(dir, name+"-*.stderr")
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go p.read(out)
	t.Cleanup(func() {
		stop(p.cmd)
		stderr.Close()
		if t.Failed() {
			b, _ := os.ReadFile(stderr.Name())
			p.mu.Lock()
			t.Logf("%s stdout:\n%s\n%s stderr:\n%s", name, strings.Join(p.lines, "\n"), name, b)
			p.mu.Unlock()
		}
	})
	return p
}

func (p *proc) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		p.mu.Lock()
		p.lines = append(p.lines, sc.Text())
		close(p.more)
		p.more = make(chan struct{})
		p.mu.Unlock()
	}
	p.mu.Lock()
	p.ended = true
	close(p.more)
	p.mu.Unlock()
}

// waitLine waits until the process prints a line that starts with want, after the line that
// the previous waitLine matched.
func (p *proc) waitLine(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	for {
		p.mu.Lock()
		for i := p.next; i < len(p.lines); i++ {
			if strings.HasPrefix(p.lines[i], want) {
				p.next = i + 1
				p.mu.Unlock()
				return
			}
		}
		ended, more := p.ended, p.more
		p.mu.Unlock()
		if ended {
			t.Fatalf("%s exited (%v) without printing %q", p.name, p.cmd.Wait(), want)
		}
		select {
		case <-more:
		case <-ctx.Done():
			t.Fatalf("%s never printed %q", p.name, want)
		}
	}
}

// stop ends a process started by the test: SIGTERM, then SIGKILL after 5 seconds.
func stop(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// runCmd runs bin to completion with stdin and fails the test if it fails.
func runCmd(t *testing.T, ctx context.Context, dir string, env []string, stdin, bin string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, b)
	}
}

// xdotool runs xdotool on display and returns its output.
func xdotool(t *testing.T, ctx context.Context, display string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, "xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("xdotool %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(b))
}

// screenshot saves the whole X screen as docs/screenshots/name when shots is set.
func screenshot(t *testing.T, shots bool, display, name string) {
	t.Helper()
	if !shots {
		return
	}
	// The state line is printed when the window's widgets change; the frame that shows them
	// is drawn a little later. (A pause for the picture only: nothing is asserted on time.)
	time.Sleep(time.Second)
	path := filepath.Join("..", "..", "docs", "screenshots", name)
	cmd := exec.Command("import", "-window", "root", path)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("screenshot %s: %v\n%s", name, err, b)
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// waitHTTP polls url until it answers 200.
func waitHTTP(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never answered 200 (last error %v)", url, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitFile polls until path holds a line and returns the first.
func waitFile(t *testing.T, ctx context.Context, path string) string {
	t.Helper()
	for {
		if b, err := os.ReadFile(path); err == nil {
			if line, _, ok := strings.Cut(string(b), "\n"); ok {
				return line
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("nothing was written to %s", path)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
