package desktop

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fakeBrowser sets BROWSER to a script that writes its arguments, one a line, to the file it
// returns (through a rename, so the file is never seen half-written).
func fakeBrowser(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake browser is a shell script")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "opened")
	script := filepath.Join(dir, "browser")
	body := "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"" + out + ".tmp\" && mv \"" + out + ".tmp\" \"" + out + "\"\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BROWSER", script)
	return out
}

func TestOpenBrowser(t *testing.T) {
	out := fakeBrowser(t)
	const url = "https://localhost:4321/sign-in?state=a%20b&redirect=krag-desktop%3A%2F%2Fcb"
	if err := OpenBrowser(url); err != nil {
		t.Fatalf("OpenBrowser: %v", err)
	}
	// The browser runs on its own; wait for what it wrote.
	deadline := time.Now().Add(10 * time.Second)
	var got []byte
	for {
		var err error
		if got, err = os.ReadFile(out); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if string(got) != url+"\n" {
		t.Errorf("the browser got %q, want %q", got, url+"\n")
	}
}

func TestOpenBrowserRefuses(t *testing.T) {
	out := fakeBrowser(t)
	tests := []struct {
		name, url, want string
	}{
		{"file", "file:///etc/passwd", "only http and https"},
		{"javascript", "javascript:alert(1)", "only http and https"},
		{"custom_scheme", "krag-desktop://auth/callback", "only http and https"},
		{"relative", "/sign-in", "only http and https"},
		{"option", "--new-window", "only http and https"},
		{"no_host", "https:///path", "no host"},
		{"space", "https://localhost/a b", "space"},
		{"newline", "https://localhost/\nb", "invalid URL"},
		{"empty", "", "only http and https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := OpenBrowser(tt.url)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("OpenBrowser(%q) = %v, want an error containing %q", tt.url, err, tt.want)
			}
		})
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("the browser was started for a refused URL")
	}
}

func TestOpenBrowserErrors(t *testing.T) {
	t.Run("missing_program", func(t *testing.T) {
		t.Setenv("BROWSER", filepath.Join(t.TempDir(), "no-such-browser"))
		if err := OpenBrowser("http://localhost/"); err == nil {
			t.Error("OpenBrowser with a missing $BROWSER = nil, want an error")
		}
	})
	t.Run("no_display", func(t *testing.T) {
		if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
			t.Skip("no X11 or Wayland here")
		}
		t.Setenv("BROWSER", "")
		t.Setenv("DISPLAY", "")
		t.Setenv("WAYLAND_DISPLAY", "")
		err := OpenBrowser("http://localhost/")
		if err == nil || !strings.Contains(err.Error(), "no graphical session") {
			t.Errorf("OpenBrowser with no display = %v, want the no-graphical-session error", err)
		}
	})
}
