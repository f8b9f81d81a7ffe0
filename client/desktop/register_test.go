package desktop

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestCheckScheme(t *testing.T) {
	tests := []struct {
		scheme string
		ok     bool
	}{
		{"krag-desktop", true},
		{"Krag+x.y-z9", true},
		{"a", true},
		{"", false},
		{"9krag", false},
		{"-krag", false},
		{"krag_desktop", false},
		{"krag:", false},
		{"krag desktop", false},
		{"kräg", false},
		{"http", false},
		{"HTTPS", false},
		{"file", false},
		{"javascript", false},
		{"mailto", false},
		{strings.Repeat("k", 65), false},
	}
	for _, tt := range tests {
		err := checkScheme(tt.scheme)
		if (err == nil) != tt.ok {
			t.Errorf("checkScheme(%q) = %v, want ok=%v", tt.scheme, err, tt.ok)
		}
		if err != nil && !errors.Is(err, errInvalidScheme) {
			t.Errorf("checkScheme(%q) = %v, want errInvalidScheme", tt.scheme, err)
		}
	}
}

func TestRegistrationCheck(t *testing.T) {
	good := Registration{Scheme: "krag-desktop", AppID: "dev.krag.desktop", Exec: "/usr/bin/krag-desktop"}
	tests := []struct {
		name   string
		change func(*Registration)
		want   string
	}{
		{"good", func(*Registration) {}, ""},
		{"bad_scheme", func(r *Registration) { r.Scheme = "https" }, "Registration.Scheme"},
		{"no_app_id", func(r *Registration) { r.AppID = "" }, "Registration.AppID"},
		{"app_id_dot", func(r *Registration) { r.AppID = ".hidden" }, "Registration.AppID"},
		{"app_id_path", func(r *Registration) { r.AppID = "../../x" }, "Registration.AppID"},
		{"relative_exec", func(r *Registration) { r.Exec = "krag" }, "Registration.Exec"},
		{"newline_arg", func(r *Registration) { r.Args = []string{"a\nExec=/bin/evil"} }, "control character"},
		{"newline_name", func(r *Registration) { r.Name = "K\n[Desktop Entry]" }, "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good
			tt.change(&r)
			err := r.check(true)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("check() = %v, want %q", err, tt.want)
			}
		})
	}
}

// parseExec undoes desktopEntry's Exec value the way the Desktop Entry Specification tells
// readers to: first the string escapes, then the quoting, then %% → %.
func parseExec(t *testing.T, v string) []string {
	t.Helper()
	var s strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
			switch v[i] {
			case 's':
				s.WriteByte(' ')
			case 'n':
				s.WriteByte('\n')
			case 't':
				s.WriteByte('\t')
			case 'r':
				s.WriteByte('\r')
			case '\\':
				s.WriteByte('\\')
			default:
				// Not a string escape: kept for the quoting rules.
				s.WriteByte('\\')
				s.WriteByte(v[i])
			}
			continue
		}
		s.WriteByte(v[i])
	}
	var args []string
	var cur strings.Builder
	in := s.String()
	inArg, quoted := false, false
	for i := 0; i < len(in); i++ {
		c := in[i]
		switch {
		case quoted && c == '\\' && i+1 < len(in) && strings.IndexByte("\"`$\\", in[i+1]) >= 0:
			i++
			cur.WriteByte(in[i])
		case quoted && c == '"':
			quoted = false
		case quoted:
			cur.WriteByte(c)
		case c == '"':
			quoted, inArg = true, true
		case c == ' ':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			if strings.IndexByte("\t\n'\\><~|&;$*?#()`", c) >= 0 {
				t.Fatalf("reserved character %q outside quotes in %q", c, in)
			}
			cur.WriteByte(c)
			inArg = true
		}
	}
	if quoted {
		t.Fatalf("unterminated quote in %q", in)
	}
	if inArg {
		args = append(args, cur.String())
	}
	for i, a := range args {
		if a != "%u" {
			args[i] = strings.ReplaceAll(a, "%%", "%")
		}
	}
	return args
}

func TestDesktopEntry(t *testing.T) {
	r := Registration{
		Scheme: "Krag-Desktop",
		AppID:  "dev.krag.desktop",
		Name:   `Krag \ Desktop`,
		Exec:   `/opt/My Apps/krag "desk"/bin`,
		Args:   []string{"open", "", "100%", `a\b`, "$HOME", "`id`", "it's", "a;b|c&d", "*?#()<>~"},
	}
	entry := desktopEntry(r)
	fields := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(entry, "\n"), "\n")
	if lines[0] != "[Desktop Entry]" {
		t.Fatalf("first line %q, want [Desktop Entry]", lines[0])
	}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("line %q is not key=value", l)
		}
		fields[k] = v
	}
	for k, want := range map[string]string{
		"Type":      "Application",
		"NoDisplay": "true",
		"MimeType":  "x-scheme-handler/krag-desktop;",
		"Name":      `Krag \\ Desktop`,
	} {
		if fields[k] != want {
			t.Errorf("%s=%q, want %q", k, fields[k], want)
		}
	}
	got := parseExec(t, fields["Exec"])
	want := append(append([]string{r.Exec}, r.Args...), "%u")
	if !slices.Equal(got, want) {
		t.Errorf("Exec=%s\nparses as %q\nwant       %q", fields["Exec"], got, want)
	}
}

// TestRegisterScheme registers a scheme for real with xdg-mime under a temporary HOME.
func TestRegisterScheme(t *testing.T) {
	r := Registration{
		Scheme: "krag-test",
		AppID:  "dev.krag.test",
		Name:   "Krag test",
		Exec:   "/usr/local/bin/krag desktop",
		Args:   []string{"open"},
	}
	if runtime.GOOS != "linux" {
		if err := RegisterScheme(r); !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("RegisterScheme = %v, want errors.ErrUnsupported", err)
		}
		if err := UnregisterScheme(r); !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("UnregisterScheme = %v, want errors.ErrUnsupported", err)
		}
		return
	}
	if _, err := exec.LookPath("xdg-mime"); err != nil {
		platformSkipOrFail(t, "xdg-mime not installed (Debian: apt-get install xdg-utils)")
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, "data"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
	t.Setenv("XDG_DATA_DIRS", filepath.Join(home, "system"))
	t.Setenv("XDG_CONFIG_DIRS", filepath.Join(home, "etc"))
	// xdg-mime asks the running desktop's own tools when it detects one.
	for _, v := range []string{"XDG_CURRENT_DESKTOP", "XDG_SESSION_DESKTOP", "DESKTOP_SESSION", "KDE_FULL_SESSION", "GNOME_DESKTOP_SESSION_ID", "MATE_DESKTOP_SESSION_ID", "DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY"} {
		t.Setenv(v, "")
	}
	query := func() string {
		t.Helper()
		out, err := exec.CommandContext(t.Context(), "xdg-mime", "query", "default", "x-scheme-handler/krag-test").Output()
		if err != nil {
			t.Fatalf("xdg-mime query default: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	// Another program's default must survive UnregisterScheme.
	mimeapps := filepath.Join(home, "config", "mimeapps.list")
	os.MkdirAll(filepath.Dir(mimeapps), 0o755)
	other := "[Default Applications]\nx-scheme-handler/other=other.desktop\n"
	if err := os.WriteFile(mimeapps, []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}

	if err := RegisterScheme(r); err != nil {
		t.Fatalf("RegisterScheme: %v", err)
	}
	file := filepath.Join(home, "data", "applications", "dev.krag.test.desktop")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != desktopEntry(r) {
		t.Errorf("desktop file:\n%s\nwant:\n%s", b, desktopEntry(r))
	}
	// desktop-file-utils' validator, when installed, checks the file against the specification.
	if _, err := exec.LookPath("desktop-file-validate"); err == nil {
		if out, err := exec.CommandContext(t.Context(), "desktop-file-validate", file).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("desktop-file-validate: %v\n%s", err, out)
		}
	}
	if got := query(); got != "dev.krag.test.desktop" {
		t.Errorf("xdg-mime query default = %q, want dev.krag.test.desktop", got)
	}
	// Again: same result, no duplicate entry.
	if err := RegisterScheme(r); err != nil {
		t.Fatalf("RegisterScheme again: %v", err)
	}
	if got := query(); got != "dev.krag.test.desktop" {
		t.Errorf("after registering twice, xdg-mime query default = %q", got)
	}

	if err := UnregisterScheme(r); err != nil {
		t.Fatalf("UnregisterScheme: %v", err)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("desktop file after UnregisterScheme: %v", err)
	}
	if got := query(); got != "" {
		t.Errorf("after UnregisterScheme, xdg-mime query default = %q, want nothing", got)
	}
	list, _ := os.ReadFile(mimeapps)
	if !strings.Contains(string(list), "x-scheme-handler/other=other.desktop") || strings.Contains(string(list), "krag-test") {
		t.Errorf("mimeapps.list after UnregisterScheme:\n%s", list)
	}
	if err := UnregisterScheme(r); err != nil {
		t.Errorf("UnregisterScheme with nothing registered = %v, want nil", err)
	}
	if err := RegisterScheme(Registration{Scheme: "http", AppID: "x", Exec: "/bin/x"}); err == nil {
		t.Error("RegisterScheme(http) = nil, want an error")
	}
}
