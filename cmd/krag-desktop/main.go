// Command krag-desktop is a small desktop app that signs in to a Krag server through the
// system browser: it opens Krag's sign-in page, and the page hands the sign-in back to the app
// with a krag-desktop:// deep link (or a code to paste). The sign-in flow, the deep links and
// the token store are client/desktop's; this program only draws the window.
//
// Usage:
//
//	krag-desktop [--server URL] [--no-register] [URL]
//
// The server defaults to $KRAG_URL, else http://localhost:4321. A URL argument is a deep link
// from the operating system: a second copy forwards it to the running one and exits.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/kragauth/krag/client/desktop"
)

const (
	appName = "krag-desktop"     // single-instance name, client ID and URL scheme
	appID   = "dev.krag.desktop" // reverse-DNS id: Fyne's preferences and the .desktop file
	title   = "Krag Desktop"

	defaultServer = "http://localhost:4321"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(appName, flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", envOr("KRAG_URL", defaultServer), "URL of the Krag server (default $KRAG_URL, else "+defaultServer+")")
	noRegister := fs.Bool("no-register", false, "do not register "+appName+":// links with the desktop")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s [--server URL] [--no-register] [URL]\n", appName)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return 2
	}
	serverURL := strings.TrimRight(*server, "/")

	var notices []string
	inst, forwarded, err := desktop.Single(appName, fs.Args())
	switch {
	case forwarded:
		return 0 // the running copy has the link now
	case err != nil:
		// Deep links cannot reach this window, but pasting the code still works.
		fmt.Fprintf(stderr, "%s: %v\n", appName, err)
		notices = append(notices, fmt.Sprintf("%s:// links cannot reach this window (%s): paste the code instead.", appName, plain(err)))
	default:
		defer inst.Close()
	}
	if !*noRegister {
		if err := register(); err != nil {
			notices = append(notices, fmt.Sprintf("%s:// links are not set up (%s): paste the code instead.", appName, plain(err)))
		}
	}
	store, err := desktop.OpenStore(desktop.StoreOptions{
		Service:    "krag",
		Account:    serverURL,
		Passphrase: []byte(os.Getenv("KRAG_TOKEN_PASSPHRASE")),
		Warn:       func(msg string) { fmt.Fprintln(stderr, msg) }, // the footer names the file
	})
	var flow auth
	if err != nil {
		err = fmt.Errorf("cannot keep your sign-in: %w", err)
	} else {
		notices = append([]string{"Token kept in " + tildeHome(store.Describe())}, notices...)
		var a *desktop.App
		a, err = desktop.New(desktop.Config{
			BaseURL:    serverURL,
			SignInPath: "/desktop",
			ClientID:   appName,
			Scheme:     appName,
			Store:      store,
		})
		if a != nil {
			flow = a
		}
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer func() { signal.Stop(sigs); close(sigs) }()

	fa := app.NewWithID(appID)
	win := fa.NewWindow(title)
	w := newWindow(flow, serverURL, stdout, nil)
	for _, n := range notices {
		w.addNotice(n)
	}
	if err != nil {
		w.showError("Krag Desktop cannot start: " + plain(err))
	}
	win.SetContent(w.content)
	win.Resize(fyne.NewSize(480, 360))
	fa.Lifecycle().SetOnStarted(func() {
		w.start()
		for _, raw := range fs.Args() {
			w.handleURL(raw) // no sign-in can be in progress yet: says so
		}
		if inst != nil {
			go func() {
				for raw := range inst.URLs() {
					fyne.Do(func() { w.handleURL(raw) })
				}
			}()
		}
		go func() {
			if _, ok := <-sigs; ok {
				fyne.Do(fa.Quit) // then the deferred Close removes the instance's socket
			}
		}()
	})
	win.ShowAndRun()
	return 0
}

// register makes this executable the desktop's handler for krag-desktop:// links.
func register() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return desktop.RegisterScheme(desktop.Registration{Scheme: appName, AppID: appID, Name: title, Exec: exe})
}

// tildeHome shortens the user's home directory in s to "~", for the small print.
func tildeHome(s string) string {
	home, err := os.UserHomeDir()
	if err != nil || len(home) < 2 {
		return s
	}
	return strings.ReplaceAll(s, home+string(os.PathSeparator), "~"+string(os.PathSeparator))
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
