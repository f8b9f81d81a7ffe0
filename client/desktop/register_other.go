//go:build !linux

package desktop

import (
	"errors"
	"fmt"
	"runtime"
)

// registerScheme explains how the scheme is registered on this system, which a running
// program cannot (or should not) do for itself:
//
// macOS: Launch Services reads the schemes from the app bundle's Contents/Info.plist when
// the app is copied to /Applications (or registered with `lsregister -f App.app`):
//
//	<key>CFBundleURLTypes</key>
//	<array>
//	  <dict>
//	    <key>CFBundleURLName</key>    <string>dev.krag.desktop</string>
//	    <key>CFBundleURLSchemes</key> <array><string>krag-desktop</string></array>
//	  </dict>
//	</array>
//
// macOS does not start a second copy of a running app for a URL: it sends the running one an
// Apple Event (kAEGetURL, "open-url"; application:openURLs: in AppKit), which the GUI
// toolkit delivers to the app. When the app is not running, it is started and then receives
// the event; the URL is not in os.Args. Single is then only a guard against a second copy
// started by hand.
//
// Windows: the installer (or the program, once) writes, under HKEY_CURRENT_USER so that no
// administrator is needed:
//
//	HKCU\Software\Classes\krag-desktop
//	    (Default)    = "URL:Krag"
//	    URL Protocol = ""                        (an empty string value; it marks a scheme)
//	HKCU\Software\Classes\krag-desktop\DefaultIcon
//	    (Default)    = "C:\Program Files\Krag\krag.exe,0"
//	HKCU\Software\Classes\krag-desktop\shell\open\command
//	    (Default)    = "C:\Program Files\Krag\krag.exe" "open" "%1"
//
// Windows then starts a new process with the URL as its argument, as on Linux, and Single
// forwards it over an AF_UNIX socket (Windows 10 1803 and later). Unregistering deletes the
// HKCU\Software\Classes\<scheme> key.
func registerScheme(r Registration) error {
	return fmt.Errorf("desktop: register scheme %s: %w on %s: %s", r.Scheme, errors.ErrUnsupported, runtime.GOOS, howToRegister())
}

// unregisterScheme is unsupported for the reasons given on registerScheme.
func unregisterScheme(r Registration) error {
	return fmt.Errorf("desktop: unregister scheme %s: %w on %s: %s", r.Scheme, errors.ErrUnsupported, runtime.GOOS, howToRegister())
}

func howToRegister() string {
	switch runtime.GOOS {
	case "darwin", "ios":
		return "declare the scheme in CFBundleURLTypes of the app bundle's Info.plist and handle the open-url Apple Event"
	case "windows":
		return `have the installer write HKEY_CURRENT_USER\Software\Classes\<scheme> with a "URL Protocol" value and shell\open\command = "<exe>" "%1"`
	default:
		return "register the scheme with the desktop environment, or use the loopback redirect instead"
	}
}
