// Package browsertest finds the Chromium that the browser tests drive (web, internal/e2e,
// cmd/krag-desktop): $KRAG_CHROMIUM, else Debian's /usr/bin/chromium, else the usual names
// on PATH. scripts/test.sh installs Debian's.
package browsertest

import (
	"os"
	"os/exec"
)

// ChromiumPath returns the Chromium to run, or "" when none is installed.
func ChromiumPath() string {
	if p := os.Getenv("KRAG_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}
