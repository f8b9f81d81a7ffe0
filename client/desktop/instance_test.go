package desktop

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// instanceDir points SocketPath at a new short directory.
func instanceDir(t *testing.T) string {
	t.Helper()
	dir := shortTempDir(t)
	t.Setenv("XDG_RUNTIME_DIR", dir)
	return dir
}

// primary makes this process the primary instance of name, closed at the end of the test.
func primary(t *testing.T, name string) *Instance {
	t.Helper()
	inst, forwarded, err := Single(name, []string{"ignored-by-the-primary"})
	if err != nil || forwarded || inst == nil {
		t.Fatalf("Single(%q) = %v, %v, %v; want a primary", name, inst, forwarded, err)
	}
	t.Cleanup(func() { inst.Close() })
	return inst
}

// receive returns the next forwarded value, failing after a while.
func receive(t *testing.T, inst *Instance) string {
	t.Helper()
	select {
	case u := <-inst.URLs():
		return u
	case <-time.After(10 * time.Second):
		t.Fatal("no URL forwarded")
		return ""
	}
}

// nothingQueued checks that no value is waiting on URLs. The primary queues values before it
// answers "ok", so after an answer this is not racy.
func nothingQueued(t *testing.T, inst *Instance) {
	t.Helper()
	select {
	case u := <-inst.URLs():
		t.Errorf("unexpected URL %q", u)
	default:
	}
}

func TestSingle(t *testing.T) {
	dir := instanceDir(t)
	inst := primary(t, "krag-test")
	path := SocketPath("krag-test")
	if filepath.Dir(path) != dir {
		t.Errorf("SocketPath = %s, want it in %s", path, dir)
	}
	checkMode(t, path, 0o600)
	nothingQueued(t, inst)

	urls := []string{"krag-desktop://auth/callback?code=1&state=a", "", "second"}
	got, forwarded, err := Single("krag-test", urls)
	if err != nil || !forwarded || got != nil {
		t.Fatalf("second Single = %v, %v, %v; want forwarded", got, forwarded, err)
	}
	for _, want := range []string{urls[0], urls[2]} { // the empty argument is not sent
		if u := receive(t, inst); u != want {
			t.Errorf("URLs() gave %q, want %q", u, want)
		}
	}
	nothingQueued(t, inst)

	// Forwarding nothing still finds the primary.
	if _, forwarded, err := Single("krag-test", nil); err != nil || !forwarded {
		t.Fatalf("Single with no args = %v, %v; want forwarded", forwarded, err)
	}

	if err := inst.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if _, ok := <-inst.URLs(); ok {
		t.Error("URLs() not closed by Close")
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("socket after Close: %v, want it removed", err)
	}
	// The next start is primary again.
	primary(t, "krag-test")
}

func TestSingleRefusesBadArgs(t *testing.T) {
	instanceDir(t)
	primary(t, "krag-test")
	tests := []struct {
		name string
		args []string
	}{
		{"too_long", []string{strings.Repeat("x", maxArgLen+1)}},
		{"newline", []string{"a\nb"}},
		{"too_many", strings.Fields(strings.Repeat("u ", maxArgs+1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := Single("krag-test", tt.args); err == nil {
				t.Errorf("Single(%d args) = nil error, want one", len(tt.args))
			}
		})
	}
}

func TestSingleStaleSocket(t *testing.T) {
	instanceDir(t)
	path := SocketPath("krag-test")
	// A primary killed with SIGKILL leaves its socket file behind.
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("stale socket: %v", err)
	}
	inst := primary(t, "krag-test")
	if _, forwarded, err := Single("krag-test", []string{"after-takeover"}); err != nil || !forwarded {
		t.Fatalf("Single = %v, %v; want forwarded", forwarded, err)
	}
	if u := receive(t, inst); u != "after-takeover" {
		t.Errorf("URLs() gave %q", u)
	}
}

func TestSingleRefusesOtherUsersSocket(t *testing.T) {
	if runtime.GOOS == "windows" || os.Getuid() != 0 {
		t.Skip("needs root to give a file to another user")
	}
	instanceDir(t)
	path := SocketPath("krag-test")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := os.Lchown(path, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	_, _, err = Single("krag-test", []string{"x"})
	if err == nil || !strings.Contains(err.Error(), "owned by uid 65534") {
		t.Fatalf("Single = %v, want a refusal naming the owner", err)
	}
}

func TestSingleRefusesNonSocket(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("AF_UNIX files are not reported as sockets")
	}
	instanceDir(t)
	path := SocketPath("krag-test")
	if err := os.WriteFile(path, []byte("not a socket"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Single("krag-test", nil); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("Single = %v, want a refusal", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "not a socket" {
		t.Errorf("the file was changed: %q, %v", b, err)
	}
}

const instanceChildEnv = "KRAG_DESKTOP_INSTANCE_CHILD"

// TestSingleSecondProcess starts this test binary again as the second instance, as the OS
// does for a deep link, and checks that the URL reaches the primary and the child exits.
func TestSingleSecondProcess(t *testing.T) {
	if arg := os.Getenv(instanceChildEnv); arg != "" {
		_, forwarded, err := Single("krag-test", []string{arg})
		if err != nil || !forwarded {
			t.Fatalf("child: Single = %v, %v; want forwarded", forwarded, err)
		}
		return
	}
	instanceDir(t)
	inst := primary(t, "krag-test")
	const url = "krag-desktop://auth/callback?code=FROM_CHILD&state=s"
	out, err := platformRunSelf(t, "TestSingleSecondProcess", instanceChildEnv+"="+url)
	if err != nil || !strings.Contains(out, "--- PASS: TestSingleSecondProcess") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if u := receive(t, inst); u != url {
		t.Errorf("URLs() gave %q, want %q", u, url)
	}
}

// TestSingleOversizeInput talks to the primary as a hostile local peer would.
func TestSingleOversizeInput(t *testing.T) {
	instanceDir(t)
	inst := primary(t, "krag-test")
	tests := []struct {
		name string
		send string
		want string
	}{
		{"ok", "a\nb\n\n", "ok"},
		{"long_line", strings.Repeat("x", maxArgLen+1) + "\n\n", "error: argument longer than"},
		{"endless_line", strings.Repeat("x", 1<<20), "error: argument longer than"},
		{"too_many_lines", strings.Repeat("u\n", maxArgs+1) + "\n", "error: more than 16 arguments"},
		{"no_end", "a\n", "error: read arguments"},
		{"carriage_return", "a\rb\n\n", "error: argument contains a carriage return"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("unix", SocketPath("krag-test"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			go func() {
				io.WriteString(conn, tt.send) // fails once the primary hangs up: fine
				if tt.name == "no_end" {
					conn.(*net.UnixConn).CloseWrite()
				}
			}()
			answer, _ := bufio.NewReader(conn).ReadString('\n')
			if !strings.HasPrefix(answer, tt.want) {
				t.Fatalf("answer = %q, want %q…", answer, tt.want)
			}
			if tt.want == "ok" {
				for _, want := range []string{"a", "b"} {
					if u := receive(t, inst); u != want {
						t.Errorf("URLs() gave %q, want %q", u, want)
					}
				}
			}
			nothingQueued(t, inst)
		})
	}
}

func TestSocketPath(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1000")
	uid := ""
	if runtime.GOOS != "windows" {
		uid = "-" + strconv.Itoa(os.Getuid())
	}
	tests := []struct {
		name, want string
	}{
		{"krag", "krag" + uid + ".sock"},
		{"../evil/app", "_._evil_app" + uid + ".sock"},
	}
	for _, tt := range tests {
		if got := SocketPath(tt.name); got != filepath.Join("/run/user/1000", tt.want) {
			t.Errorf("SocketPath(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	t.Setenv("XDG_RUNTIME_DIR", "")
	if got := SocketPath("krag"); filepath.Dir(got) != filepath.Clean(os.TempDir()) {
		t.Errorf("SocketPath without XDG_RUNTIME_DIR = %q, want it in %s", got, os.TempDir())
	}
}

// FuzzSingleReadArgs feeds what a local peer may send to the primary: readArgs must stay
// within its bounds and return only what the peer sent, line by line.
func FuzzSingleReadArgs(f *testing.F) {
	f.Add([]byte("krag-desktop://auth/callback?code=1&state=a\n\n"))
	f.Add([]byte("a\r\nb\n\n"))
	f.Add([]byte(strings.Repeat("u\n", maxArgs+1) + "\n"))
	f.Add([]byte(strings.Repeat("x", maxArgLen+1) + "\n\n"))
	f.Add([]byte("no end\n"))
	f.Add([]byte("\r0\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		args, err := readArgs(bytes.NewReader(b))
		if err != nil {
			return
		}
		if len(args) > maxArgs {
			t.Fatalf("%d args", len(args))
		}
		var sent strings.Builder
		for _, a := range args {
			if a == "" || len(a) > maxArgLen || strings.ContainsAny(a, "\r\n") {
				t.Fatalf("arg %q", a)
			}
			sent.WriteString(a + "\n")
		}
		sent.WriteString("\n")
		if !strings.HasPrefix(strings.ReplaceAll(string(b), "\r\n", "\n"), sent.String()) {
			t.Fatalf("args %q are not what was sent", args)
		}
	})
}
