package cli

import (
	"net"
	"strings"
	"testing"
)

// TestLoginCommandsOffline: the client commands' help, usage errors, and their answers with
// no session stored and with a server that does not answer. (internal/e2e signs in for real.)
func TestLoginCommandsOffline(t *testing.T) {
	dir := inTempDir(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	t.Setenv("KRAG_URL", dead)
	t.Setenv("KRAG_TOKEN_STORE", "file")
	t.Setenv("KRAG_CONFIG_DIR", dir)
	t.Setenv("KRAG_TOKEN_PASSPHRASE", "pp")
	t.Setenv("XDG_RUNTIME_DIR", dir)

	for _, c := range []struct{ cmd, want string }{
		{"login", "-device"}, {"login", "-no-browser"}, {"logout", "-local"}, {"whoami", "-json"}, {"open", "krag://"},
	} {
		code, out, errs := run(t, c.cmd, "--help")
		if code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("krag %s --help = %d, %q %q; want %q", c.cmd, code, out, errs, c.want)
		}
	}
	for _, args := range [][]string{{"login", "--device", "--deep-link"}, {"open"}, {"open", "a", "b"}, {"whoami", "extra"}} {
		if code, _, errs := run(t, args...); code != 2 || !strings.Contains(errs, "Run 'krag") {
			t.Errorf("krag %v = %d, %q; want a usage error", args, code, errs)
		}
	}

	code, _, errs := run(t, "whoami")
	if code != 1 || !strings.Contains(errs, "not signed in to "+dead) || !strings.Contains(errs, "krag login") {
		t.Errorf("whoami with no session = %d, %q", code, errs)
	}
	if !strings.Contains(errs, "not using the system keyring") || !strings.Contains(errs, "encrypted") {
		t.Errorf("whoami did not say where the token is kept: %q", errs)
	}
	if code, out, errs := run(t, "logout"); code != 0 || !strings.Contains(out, "Signed out") {
		t.Errorf("logout with no session = %d, %q %q", code, out, errs)
	}
	code, _, errs = run(t, "open", "krag://auth/callback#token=x")
	if code != 1 || !strings.Contains(errs, "no 'krag login --deep-link' is waiting") {
		t.Errorf("open with nobody waiting = %d, %q", code, errs)
	}
	code, _, errs = run(t, "login", "--device")
	if code != 1 || !strings.Contains(errs, "ask for a device code") || !strings.Contains(errs, ln.Addr().String()) {
		t.Errorf("login --device against a dead server = %d, %q", code, errs)
	}
}
