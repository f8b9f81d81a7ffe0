package web

import (
	"strings"
	"time"

	"github.com/kragauth/krag"
)

// sessionView is a session as the pages show it.
type sessionView struct {
	// Handle names the session in a revoke form: the opaque handle Auth.ListSessions gives.
	Handle    string
	Device    string
	IPAddress string
	Created   time.Time
	LastSeen  time.Time
	Expires   time.Time
	Current   bool
}

// sessionView describes s; current is the raw token of the browser's own session.
func (s *site) sessionView(ss *krag.Session, current string) sessionView {
	ip := ss.IPAddress
	if ip == "" {
		ip = "unknown"
	}
	return sessionView{Handle: ss.Token, Device: deviceName(ss.UserAgent), IPAddress: ip, Created: ss.CreatedAt,
		LastSeen: ss.UpdatedAt, Expires: ss.ExpiresAt, Current: ss.Token == current}
}

// deviceName turns a User-Agent into "Firefox on Windows": the browser or program, then the
// system, as far as they can be told. Unknown agents are "Unknown device"; the full agent is
// never shown (it is long and says little to people).
func deviceName(ua string) string {
	if strings.TrimSpace(ua) == "" {
		return "Unknown device"
	}
	browser := ""
	switch {
	case strings.Contains(ua, "Edg/"), strings.Contains(ua, "Edge/"):
		browser = "Edge"
	case strings.Contains(ua, "OPR/"), strings.Contains(ua, "Opera"):
		browser = "Opera"
	case strings.Contains(ua, "SamsungBrowser/"):
		browser = "Samsung Internet"
	case strings.Contains(ua, "Firefox/"), strings.Contains(ua, "FxiOS/"):
		browser = "Firefox"
	case strings.Contains(ua, "HeadlessChrome/"):
		browser = "Headless Chrome"
	case strings.Contains(ua, "Chromium/"):
		browser = "Chromium"
	case strings.Contains(ua, "Chrome/"), strings.Contains(ua, "CriOS/"):
		browser = "Chrome"
	case strings.Contains(ua, "Safari/") && strings.Contains(ua, "Version/"):
		browser = "Safari"
	case strings.HasPrefix(ua, "curl/"):
		browser = "curl"
	case strings.HasPrefix(ua, "Go-http-client/"):
		browser = "Go program"
	case strings.Contains(ua, "node"), strings.HasPrefix(ua, "undici"):
		browser = "Node.js program"
	case strings.Contains(ua, "Electron/"):
		browser = "Desktop app"
	}
	system := ""
	switch {
	case strings.Contains(ua, "iPhone"):
		system = "iPhone"
	case strings.Contains(ua, "iPad"):
		system = "iPad"
	case strings.Contains(ua, "Android"):
		system = "Android"
	case strings.Contains(ua, "Windows"):
		system = "Windows"
	case strings.Contains(ua, "Mac OS X"), strings.Contains(ua, "Macintosh"):
		system = "macOS"
	case strings.Contains(ua, "CrOS"):
		system = "ChromeOS"
	case strings.Contains(ua, "Linux"):
		system = "Linux"
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "A browser on " + system
	}
	return "Unknown device"
}
