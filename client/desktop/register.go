package desktop

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Registration describes the handler of a custom URL scheme (a deep link such as
// krag-desktop://auth/callback?code=…) for RegisterScheme and UnregisterScheme.
type Registration struct {
	// Scheme is the URL scheme, e.g. "krag-desktop": a letter, then letters, digits, "+", "-"
	// or "." (RFC 3986 section 3.1). It is compared and registered in lower case. Schemes
	// of the web and the system (http, https, file, mailto, javascript, …) are refused.
	Scheme string
	// AppID is the desktop-file base name, e.g. "dev.krag.desktop" (a reverse-DNS name), to
	// which ".desktop" is appended; letters, digits, ".", "_" and "-".
	AppID string
	// Name is the human name shown by the desktop, e.g. "Krag". Default AppID.
	Name string
	// Exec is the absolute path of the program; the URL is passed as its last argument.
	Exec string
	// Args are the arguments before the URL, e.g. []string{"open"}.
	Args []string
	// DataHome is the XDG data directory the desktop file goes under (Linux only). Default
	// $XDG_DATA_HOME, else ~/.local/share.
	DataHome string
}

// RegisterScheme makes the program r.Exec the user's handler of URLs of r.Scheme.
//
// On Linux it writes <DataHome>/applications/<AppID>.desktop (Type=Application,
// NoDisplay=true, MimeType=x-scheme-handler/<scheme>;, an Exec line quoted per the Desktop
// Entry Specification, ending with %u), runs `xdg-mime default <AppID>.desktop
// x-scheme-handler/<scheme>` (package xdg-utils), which records the default in
// $XDG_CONFIG_HOME/mimeapps.list, and then `update-desktop-database` on the applications
// directory when that program is installed. Registering again replaces the file.
//
// On other systems the registration belongs to the app's installer or bundle, and
// RegisterScheme returns an error wrapping errors.ErrUnsupported that says what to do: on
// macOS, CFBundleURLTypes in the app bundle's Info.plist; on Windows, the key
// HKEY_CURRENT_USER\Software\Classes\<scheme> with a "URL Protocol" value and a
// shell\open\command. register_other.go has the details.
//
// Every field is checked first (see Registration); an invalid one is an error naming it.
func RegisterScheme(r Registration) error {
	if err := r.check(true); err != nil {
		return fmt.Errorf("desktop: register scheme: %w", err)
	}
	return registerScheme(r)
}

// UnregisterScheme undoes RegisterScheme for r.Scheme and r.AppID (the other fields are not
// used). On Linux it removes the desktop file and the scheme's entries naming it from
// $XDG_CONFIG_HOME/mimeapps.list (another program's entries are kept), then runs
// update-desktop-database when it is installed. Nothing registered is not an error. On other
// systems it returns an error wrapping errors.ErrUnsupported, as RegisterScheme does.
func UnregisterScheme(r Registration) error {
	if err := r.check(false); err != nil {
		return fmt.Errorf("desktop: unregister scheme: %w", err)
	}
	return unregisterScheme(r)
}

// reservedSchemes are schemes an app must never claim: the web's, the file system's, and
// ones browsers or desktops handle themselves.
var reservedSchemes = map[string]bool{
	"http": true, "https": true, "file": true, "ftp": true, "ftps": true, "sftp": true,
	"ws": true, "wss": true, "data": true, "blob": true, "about": true, "javascript": true,
	"vbscript": true, "mailto": true, "tel": true, "sms": true, "news": true, "nntp": true,
	"ssh": true, "telnet": true, "irc": true, "ircs": true, "smb": true, "nfs": true,
	"view-source": true, "chrome": true, "resource": true, "urn": true, "geo": true,
}

// errInvalidScheme is wrapped by the errors of checkScheme.
var errInvalidScheme = errors.New("invalid URL scheme")

// checkScheme reports whether s is a scheme an app may register, per RFC 3986 section 3.1:
// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
func checkScheme(s string) error {
	if s == "" || len(s) > 64 {
		return fmt.Errorf("%w %q: want 1 to 64 characters", errInvalidScheme, s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !alpha && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return fmt.Errorf("%w %q: a letter, then letters, digits, \"+\", \"-\" or \".\" (RFC 3986 section 3.1)", errInvalidScheme, s)
		}
	}
	if reservedSchemes[strings.ToLower(s)] {
		return fmt.Errorf("%w %q: it belongs to the browser or the system", errInvalidScheme, s)
	}
	return nil
}

// check validates r; full also checks what only RegisterScheme needs.
func (r Registration) check(full bool) error {
	if err := checkScheme(r.Scheme); err != nil {
		return fmt.Errorf("Registration.Scheme: %w", err)
	}
	if r.AppID == "" || len(r.AppID) > 200 || r.AppID[0] == '.' || r.AppID[0] == '-' {
		return fmt.Errorf("Registration.AppID %q: want a name such as dev.krag.desktop (the file is <AppID>.desktop)", r.AppID)
	}
	for _, c := range []byte(r.AppID) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("Registration.AppID %q: only letters, digits, \".\", \"_\" and \"-\"", r.AppID)
		}
	}
	if !full {
		return nil
	}
	if !filepath.IsAbs(r.Exec) {
		return fmt.Errorf("Registration.Exec %q: want an absolute path", r.Exec)
	}
	for _, s := range append([]string{r.Name, r.Exec}, r.Args...) {
		if strings.ContainsFunc(s, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
			return fmt.Errorf("Registration: %q contains a control character", s)
		}
	}
	return nil
}

// desktopEntry returns the desktop file that registers r, per the Desktop Entry
// Specification 1.5.
func desktopEntry(r Registration) string {
	name := r.Name
	if name == "" {
		name = r.AppID
	}
	var exec []string
	for _, a := range append([]string{r.Exec}, r.Args...) {
		exec = append(exec, execArg(a))
	}
	exec = append(exec, "%u")
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=" + escapeString(name) + "\n" +
		"Exec=" + escapeString(strings.Join(exec, " ")) + "\n" +
		"Terminal=false\n" +
		"NoDisplay=true\n" +
		"MimeType=x-scheme-handler/" + strings.ToLower(r.Scheme) + ";\n"
}

// execArg quotes one argument of an Exec key: "%" is doubled (it starts field codes), and an
// argument that is empty or holds a reserved character is put in double quotes, inside which
// `"`, "`", "$" and `\` get a backslash.
func execArg(a string) string {
	a = strings.ReplaceAll(a, "%", "%%")
	if a != "" && !strings.ContainsAny(a, " \t\n\"'\\><~|&;$*?#()`") {
		return a
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range a {
		if c == '"' || c == '`' || c == '$' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	b.WriteByte('"')
	return b.String()
}

// escapeString applies the escapes of the specification's string type, which readers undo
// before the Exec quoting: so a backslash in a quoted argument is written as four.
func escapeString(s string) string {
	return strings.ReplaceAll(s, `\`, `\\`)
}
