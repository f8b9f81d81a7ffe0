package desktop

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// OpenBrowser opens url in the user's browser: $BROWSER when set (a program path, with the
// URL as its argument), else xdg-open (Linux/BSD), open (macOS), rundll32
// url.dll,FileProtocolHandler (Windows). It does not wait for the browser to exit. Only http
// and https URLs are accepted.
//
// $BROWSER is taken as one program (a path, or a name looked up in PATH), not as the
// colon-separated list with "%s" that some tools read. On Linux and the BSDs without $BROWSER,
// OpenBrowser returns an error when neither DISPLAY nor WAYLAND_DISPLAY is set, because
// xdg-open would then fall back to a text-mode browser without a terminal; the caller should
// print the URL for the user to open. An error from starting the program is returned; a
// failure after it started (for example xdg-open finding no browser) is not seen. The
// program's output goes to this process's stderr.
func OpenBrowser(url string) error {
	if err := checkBrowserURL(url); err != nil {
		return fmt.Errorf("desktop: open browser: %w", err)
	}
	var cmd *exec.Cmd
	if b := os.Getenv("BROWSER"); b != "" {
		cmd = exec.Command(b, url)
	} else {
		switch runtime.GOOS {
		case "darwin":
			cmd = exec.Command("open", url)
		case "windows":
			cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
		default:
			if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
				return errors.New("desktop: open browser: no graphical session (DISPLAY and WAYLAND_DISPLAY are not set) and BROWSER is not set")
			}
			cmd = exec.Command("xdg-open", url)
		}
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("desktop: open browser: %w", err)
	}
	// Reap the process whenever it exits; nobody waits for the browser.
	go cmd.Wait()
	return nil
}

// checkBrowserURL accepts absolute http and https URLs with a host, and nothing a program
// could take for an option or a second argument.
func checkBrowserURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL: %w", err)
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return fmt.Errorf("URL scheme %q: only http and https are opened", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("URL has no host")
	}
	if strings.ContainsFunc(raw, func(c rune) bool { return c <= ' ' || c == 0x7f }) {
		return errors.New("URL contains a space or a control character")
	}
	return nil
}
