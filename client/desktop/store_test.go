package desktop

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// platformSkipOrFail skips the test, or fails it when KRAG_CI=1 (CI must not skip silently).
func platformSkipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("KRAG_CI") == "1" {
		t.Fatalf("KRAG_CI=1: "+format, args...)
	}
	t.Skipf(format, args...)
}

// platformRunSelf runs the test named in a new process of this test binary, with env added to
// this process's environment, and returns its combined output.
func platformRunSelf(t *testing.T, test string, env ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+test+"$", "-test.v", "-test.count=1")
	cmd.Env = append(append(os.Environ(), platformNoRaceSleep()), env...)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// platformNoRaceSleep returns a GORACE setting that spares a child built with -race the
// race detector's one-second sleep at exit.
func platformNoRaceSleep() string {
	return "GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")
}

// shortTempDir returns a new directory with a short path (Unix socket paths are limited to
// about 100 bytes, and t.TempDir's include the test name).
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "kd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func checkMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("mode of %s = %v, want %v", path, got, want)
	}
}

func TestFileStore(t *testing.T) {
	tests := []struct {
		name       string
		passphrase []byte
	}{
		{"key_file", nil},
		{"passphrase", []byte("correct horse battery staple")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "new")
			path := filepath.Join(dir, "token.enc")
			s, err := FileStore(path, tt.passphrase)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := s.Describe(), "the encrypted file "+path; got != want {
				t.Errorf("Describe() = %q, want %q", got, want)
			}
			if _, err := s.Get(); !errors.Is(err, ErrNoToken) {
				t.Fatalf("Get() on nothing: err = %v, want ErrNoToken", err)
			}
			if err := s.Delete(); err != nil {
				t.Fatalf("Delete() on nothing = %v, want nil", err)
			}
			if err := s.Set(""); err == nil {
				t.Error("Set(\"\") = nil, want an error")
			}
			for _, tok := range []string{"first-token", "second.token/with+bytes=\x00\xff"} {
				if err := s.Set(tok); err != nil {
					t.Fatalf("Set: %v", err)
				}
				if got, err := s.Get(); err != nil || got != tok {
					t.Fatalf("Get() = %q, %v; want %q", got, err, tok)
				}
			}
			checkMode(t, dir, 0o700)
			checkMode(t, path, 0o600)
			_, err = os.Stat(path + ".key")
			if hasKey := err == nil; hasKey != (tt.passphrase == nil) {
				t.Errorf("key file exists = %v, want %v", hasKey, tt.passphrase == nil)
			}
			if tt.passphrase == nil {
				checkMode(t, path+".key", 0o600)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(raw, []byte("second.token")) {
				t.Error("the token is in the file in clear")
			}
			// A second store on the same file, as the next run of the program.
			s2, err := FileStore(path, tt.passphrase)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := s2.Get(); err != nil || got != "second.token/with+bytes=\x00\xff" {
				t.Fatalf("Get() from a new store = %q, %v", got, err)
			}
			if err := s2.Delete(); err != nil {
				t.Fatalf("Delete() = %v", err)
			}
			if _, err := s.Get(); !errors.Is(err, ErrNoToken) {
				t.Fatalf("Get() after Delete: err = %v, want ErrNoToken", err)
			}
			if _, err := os.Stat(path + ".key"); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("key file after Delete: %v, want it gone", err)
			}
			left, _ := os.ReadDir(dir)
			if len(left) != 0 {
				t.Errorf("files left after Delete: %v", left)
			}
		})
	}
}

// TestFileStoreRejects checks that every damaged or foreign file is an error, never a token,
// and that no error shows the token.
func TestFileStoreRejects(t *testing.T) {
	const token = "tok-SECRET-123"
	pass := []byte("passphrase")
	tests := []struct {
		name       string
		passphrase []byte // the writer's; the reader's is readWith
		readWith   []byte
		damage     func(t *testing.T, path string)
		want       string // in the error
	}{
		{"wrong_passphrase", pass, []byte("other"), nil, "wrong passphrase"},
		{"passphrase_missing", pass, nil, nil, "encrypted with a passphrase"},
		{"key_file_missing", nil, nil, func(t *testing.T, path string) { os.Remove(path + ".key") }, "key file"},
		{"key_file_replaced", nil, nil, func(t *testing.T, path string) {
			os.WriteFile(path+".key", bytes.Repeat([]byte{7}, 32), 0o600)
		}, "cannot decrypt"},
		{"key_file_short", nil, nil, func(t *testing.T, path string) { os.WriteFile(path+".key", []byte("short"), 0o600) }, "is 5 bytes"},
		{"key_file_readable", nil, nil, func(t *testing.T, path string) {
			if runtime.GOOS == "windows" {
				t.Skip("no Unix modes")
			}
			os.Chmod(path+".key", 0o644)
		}, "other users may read it"},
		{"future_version", nil, nil, func(t *testing.T, path string) { patch(t, path, 4, 2) }, "newer than this program reads"},
		{"version_0", nil, nil, func(t *testing.T, path string) { patch(t, path, 4, 0) }, "version 0"},
		{"unknown_key_source", nil, nil, func(t *testing.T, path string) { patch(t, path, 5, 9) }, "unknown key source"},
		{"huge_scrypt_cost", pass, pass, func(t *testing.T, path string) { patch(t, path, 6, 30) }, "scrypt parameters out of range"},
		{"not_a_token_file", nil, nil, func(t *testing.T, path string) { os.WriteFile(path, []byte("{\"token\":1}"), 0o600) }, "not a krag token file"},
		{"empty_file", nil, nil, func(t *testing.T, path string) { os.WriteFile(path, nil, 0o600) }, "not a krag token file"},
		{"too_long", nil, nil, func(t *testing.T, path string) {
			os.WriteFile(path, append([]byte(fileMagic), make([]byte, maxFileSize)...), 0o600)
		}, "longer than"},
		{"appended_byte", nil, nil, func(t *testing.T, path string) {
			b, _ := os.ReadFile(path)
			os.WriteFile(path, append(b, 0), 0o600)
		}, "cannot decrypt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "token.enc")
			w, _ := FileStore(path, tt.passphrase)
			if err := w.Set(token); err != nil {
				t.Fatal(err)
			}
			if tt.damage != nil {
				tt.damage(t, path)
			}
			r, _ := FileStore(path, tt.readWith)
			got, err := r.Get()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Get() = %q, %v; want an error containing %q", got, err, tt.want)
			}
			if errors.Is(err, ErrNoToken) || strings.Contains(err.Error(), token) {
				t.Errorf("Get() error %q is ErrNoToken or shows the token", err)
			}
		})
	}
}

// patch sets byte i of the file at path.
func patch(t *testing.T, path string, i int, v byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[i] = v
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestFileStoreEveryByte flips each bit of each byte, and cuts the file at each length: every
// result must be an error.
func TestFileStoreEveryByte(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token.enc")
	s, _ := FileStore(path, nil)
	if err := s.Set("tok"); err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	try := func(what string, b []byte) {
		t.Helper()
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(); err == nil {
			t.Errorf("Get() of a file with %s = %q, want an error", what, got)
		}
	}
	for i := range orig {
		for bit := range 8 {
			b := bytes.Clone(orig)
			b[i] ^= 1 << bit
			try(fmt.Sprintf("byte %d bit %d flipped", i, bit), b)
		}
	}
	for n := range len(orig) {
		try(fmt.Sprintf("only %d bytes", n), orig[:n])
	}
}

// TestFileStoreKeyFileThenPassphrase: a token written with the key file is still read once a
// passphrase is set, and the next Set uses the passphrase.
func TestFileStoreKeyFileThenPassphrase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token.enc")
	s, _ := FileStore(path, nil)
	if err := s.Set("old"); err != nil {
		t.Fatal(err)
	}
	p, _ := FileStore(path, []byte("pw"))
	if got, err := p.Get(); err != nil || got != "old" {
		t.Fatalf("Get() = %q, %v; want old", got, err)
	}
	if err := p.Set("new"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(); err == nil || !strings.Contains(err.Error(), "passphrase") {
		t.Fatalf("Get() without passphrase = %v, want the passphrase error", err)
	}
}

// TestFileStoreConcurrent runs stores of several "processes" on one new file at once: they
// must agree on one key file, and every Get returns a token that was Set.
func TestFileStoreConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token.enc")
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			s, _ := FileStore(path, nil)
			for i := range 10 {
				if err := s.Set(fmt.Sprintf("tok-%d-%d", w, i)); err != nil {
					t.Errorf("Set: %v", err)
					return
				}
				got, err := s.Get()
				if err != nil || !strings.HasPrefix(got, "tok-") {
					t.Errorf("Get() = %q, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestFileName(t *testing.T) {
	tests := []struct {
		account, want string
	}{
		{"default", "default.enc"},
		{"krag.example.com", "krag.example.com.enc"},
		{"http://localhost:4321", "http___localhost_4321-"},
		{"../../etc/passwd", "_._.._etc_passwd-"},
		{"", "-"},
		{strings.Repeat("a", 100), strings.Repeat("a", 64) + "-"},
	}
	for _, tt := range tests {
		got := fileName(tt.account)
		if !strings.HasPrefix(got, tt.want) || strings.ContainsAny(got, `/\:`) {
			t.Errorf("fileName(%q) = %q, want prefix %q", tt.account, got, tt.want)
		}
	}
	if a, b := fileName("http://a:1"), fileName("http_a_1"); a == b {
		t.Errorf("fileName gives %q for two accounts", a)
	}
}

func TestOpenStoreDisableKeyring(t *testing.T) {
	tests := []struct {
		name       string
		passphrase []byte
		want       string
	}{
		{"key_file", nil, "only as safe as these files' permissions"},
		{"passphrase", []byte("pw"), "key derived from the passphrase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var warned []string
			s, err := OpenStore(StoreOptions{
				Account:        "http://localhost:4321",
				Dir:            dir,
				Passphrase:     tt.passphrase,
				DisableKeyring: true,
				Warn:           func(msg string) { warned = append(warned, msg) },
			})
			if err != nil {
				t.Fatal(err)
			}
			want := "the encrypted file " + filepath.Join(dir, fileName("http://localhost:4321"))
			if s.Describe() != want {
				t.Errorf("Describe() = %q, want %q", s.Describe(), want)
			}
			if len(warned) != 1 || !strings.Contains(warned[0], "DisableKeyring") || !strings.Contains(warned[0], tt.want) {
				t.Errorf("Warn calls = %q, want one naming DisableKeyring and saying %q", warned, tt.want)
			}
			if err := s.Set("t1"); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Get(); err != nil || got != "t1" {
				t.Errorf("Get() = %q, %v", got, err)
			}
		})
	}
}

const platformChildEnv = "KRAG_DESKTOP_PLATFORM_CHILD"

// TestOpenStoreFallback: with the session bus address pointing at a dead socket, OpenStore
// returns the file store and tells Warn once why. It runs in a new process, because the
// D-Bus library keeps a connection made by an earlier test for the whole process.
func TestOpenStoreFallback(t *testing.T) {
	if os.Getenv(platformChildEnv) != "fallback" {
		dead := filepath.Join(shortTempDir(t), "dead.sock")
		out, err := platformRunSelf(t, "TestOpenStoreFallback", platformChildEnv+"=fallback", "DBUS_SESSION_BUS_ADDRESS=unix:path="+dead)
		if err != nil || !strings.Contains(out, "--- PASS: TestOpenStoreFallback") {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("the keyring does not use D-Bus here")
	}
	tests := []struct {
		name, bus, reason string
	}{
		{"dead_bus", os.Getenv("DBUS_SESSION_BUS_ADDRESS"), "did not answer"},
		{"no_bus", "", "no D-Bus session bus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DBUS_SESSION_BUS_ADDRESS", tt.bus)
			if tt.bus == "" && noSessionBus() == "" {
				t.Skip("this machine has a bus at /run/user/<uid>/bus")
			}
			dir := t.TempDir()
			var warned []string
			s, err := OpenStore(StoreOptions{
				Service: "krag-test",
				Account: "http://localhost:4321",
				Dir:     dir,
				Warn:    func(msg string) { warned = append(warned, msg) },
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := s.(*fileStore); !ok {
				t.Fatalf("OpenStore = %s, want the file store", s.Describe())
			}
			if len(warned) != 1 || !strings.Contains(warned[0], tt.reason) || !strings.Contains(warned[0], dir) {
				t.Fatalf("Warn calls = %q, want one saying %q and naming %s", warned, tt.reason, dir)
			}
			t.Logf("warned: %s", warned[0])
			if err := s.Set("t"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestKeyringStore runs against a real Secret Service. With dbus-run-session and
// gnome-keyring-daemon installed (Debian: dbus gnome-keyring), it runs itself again in a
// private session bus with a new, unlocked keyring under a temporary HOME, so that a
// developer's own keyring is never touched. Otherwise it uses the session bus in the
// environment, if any, and skips without one (fails under KRAG_CI=1).
func TestKeyringStore(t *testing.T) {
	child := os.Getenv(platformChildEnv) == "keyring"
	if !child {
		if runtime.GOOS != "linux" {
			t.Skip("runs against the Secret Service on Linux only")
		}
		_, errRun := exec.LookPath("dbus-run-session")
		_, errKeyring := exec.LookPath("gnome-keyring-daemon")
		if errRun == nil && errKeyring == nil {
			keyringInPrivateSession(t)
			return
		}
		if probeKeyring("krag-test", "probe") != nil {
			platformSkipOrFail(t, "no Secret Service: install dbus and gnome-keyring (dbus-run-session, gnome-keyring-daemon)")
		}
	}

	account := "http://localhost:" + rand.Text()[:8]
	s := KeyringStore("krag-test", account)
	t.Cleanup(func() { s.Delete() })
	if got, want := s.Describe(), "the system keyring (Secret Service)"; got != want {
		t.Errorf("Describe() = %q, want %q", got, want)
	}
	if _, err := s.Get(); !errors.Is(err, ErrNoToken) {
		t.Fatalf("Get() on nothing: err = %v, want ErrNoToken", err)
	}
	if err := s.Delete(); err != nil {
		t.Fatalf("Delete() on nothing = %v", err)
	}
	if err := s.Set(""); err == nil {
		t.Error("Set(\"\") = nil, want an error")
	}
	for _, tok := range []string{"keyring-token-1", "keyring-token-2"} {
		if err := s.Set(tok); err != nil {
			t.Fatalf("Set: %v", err)
		}
		if got, err := s.Get(); err != nil || got != tok {
			t.Fatalf("Get() = %q, %v; want %q", got, err, tok)
		}
	}
	// The secret is really in the Secret Service, where other tools find it.
	if _, err := exec.LookPath("secret-tool"); err == nil {
		out, err := exec.CommandContext(t.Context(), "secret-tool", "lookup", "service", "krag-test", "username", account).Output()
		if err != nil || string(out) != "keyring-token-2" {
			t.Errorf("secret-tool lookup = %q, %v; want keyring-token-2", out, err)
		}
	}
	// OpenStore finds the keyring and says nothing.
	warned := 0
	o, err := OpenStore(StoreOptions{Service: "krag-test", Account: account, Dir: t.TempDir(), Warn: func(string) { warned++ }})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := o.Get(); err != nil || got != "keyring-token-2" || warned != 0 {
		t.Errorf("OpenStore: Get() = %q, %v, Warn called %d times; want keyring-token-2 and no warning", got, err, warned)
	}
	if err := s.Delete(); err != nil {
		t.Fatalf("Delete() = %v", err)
	}
	if _, err := o.Get(); !errors.Is(err, ErrNoToken) {
		t.Fatalf("Get() after Delete: err = %v, want ErrNoToken", err)
	}
}

// keyringInPrivateSession runs TestKeyringStore again inside dbus-run-session, with
// gnome-keyring-daemon started unlocked (machine-facts §3: the password must be a newline,
// echo "", or no login keyring is created).
func keyringInPrivateSession(t *testing.T) {
	home := shortTempDir(t)
	run := filepath.Join(home, "run")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	daemonLog := filepath.Join(home, "daemon.log")
	script := `echo "" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>"$KRAG_DAEMON_LOG"; exec "$0" "$@"`
	cmd := exec.CommandContext(t.Context(), "dbus-run-session", "--", "sh", "-c", script,
		os.Args[0], "-test.run=^TestKeyringStore$", "-test.v", "-test.count=1")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env,
		platformNoRaceSleep(),
		platformChildEnv+"=keyring",
		"KRAG_DAEMON_LOG="+daemonLog,
		"HOME="+home,
		"XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"XDG_RUNTIME_DIR="+run,
	)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestKeyringStore") {
		daemon, _ := os.ReadFile(daemonLog)
		t.Fatalf("TestKeyringStore in dbus-run-session: %v\n%s\ngnome-keyring-daemon's stderr:\n%s", err, out, daemon)
	}
}

// fuzzKey is the key file's content in FuzzFileStoreGet; the seeds in
// testdata/fuzz/FuzzFileStoreGet were sealed with it.
func fuzzKey() []byte {
	key := make([]byte, keySize)
	for i := range key {
		key[i] = byte(i)
	}
	return key
}

// FuzzFileStoreGet feeds arbitrary token files to Get, with a fixed key file: Get must never
// panic, never return an empty token without an error, never report a file that exists as
// ErrNoToken, and return a token only for a file that parses and opens with the key.
func FuzzFileStoreGet(f *testing.F) {
	key := fuzzKey()
	valid, err := sealToken([]byte{'K', 'R', 'G', 'T', fileVersion, keyFromKeyFile}, key, "fuzz-token")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)-1])
	f.Add([]byte("KRGT\x01\x01\x0f\x08\x01salt-salt-salt-snonce-nonce-ciphertext+tag+bytes"))
	f.Add([]byte("KRGT\x02\x00"))
	f.Add([]byte{})

	dir := f.TempDir()
	path := filepath.Join(dir, "token.enc")
	if err := os.WriteFile(path+".key", key, 0o600); err != nil {
		f.Fatal(err)
	}
	s, err := FileStore(path, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		parsed, perr := parseTokenFile(b)
		if perr == nil {
			if !bytes.Equal(append(bytes.Clone(parsed.header), parsed.boxed...), b) {
				t.Fatalf("header and ciphertext do not make up the file")
			}
			if parsed.keySource == keyFromScrypt && checkScrypt(parsed.logN, parsed.r, parsed.p) != nil {
				t.Fatalf("parsed out-of-range scrypt parameters %d %d %d", parsed.logN, parsed.r, parsed.p)
			}
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		tok, err := s.Get()
		switch {
		case err == nil && tok == "":
			t.Fatal("Get() = \"\", nil")
		case errors.Is(err, ErrNoToken):
			t.Fatalf("Get() of an existing file = %v", err)
		case err == nil && perr != nil:
			t.Fatalf("Get() = %q for a file that does not parse: %v", tok, perr)
		case err == nil:
			if want, oerr := parsed.open(key); oerr != nil || want != tok {
				t.Fatalf("Get() = %q, but open gives %q, %v", tok, want, oerr)
			}
		case bytes.Equal(b, valid):
			t.Fatalf("Get() of the valid seed: %v", err)
		}
	})
}
