package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kragauth/krag/client/desktop"
	"github.com/kragauth/krag/internal/app"
)

// The CLI's client of plugin/electron and its single-instance name.
const (
	cliInstance = "krag-cli"
	cliAppID    = "dev.krag.cli"
)

const loginSynopsis = `Sign in to a Krag server from this terminal. By default the browser opens the server's
sign-in page and the server sends the code back to a port on 127.0.0.1 that krag listens on
for this sign-in (RFC 8252); paste the code the page shows if that cannot work (another
machine's browser). --device signs in with a code you approve on another device (RFC 8628).
--deep-link has the page open a krag:// link instead (krag registers itself for the scheme
with xdg-mime on Linux; the system then runs 'krag open <link>', which hands the link to this
waiting command).

The session is kept in the system keyring, or, when no keyring service runs, in an encrypted
file under the user's configuration directory (krag says so when it does).

Environment: KRAG_URL (the server, default http://localhost:4321), KRAG_TOKEN_PASSPHRASE (key
for the encrypted-file fallback), KRAG_TOKEN_STORE=file (skip the keyring), KRAG_CONFIG_DIR
(where the file fallback lives), BROWSER (the program that opens the page).`

const logoutSynopsis = `Sign out: revoke the session on the server and forget it here. If the server cannot be
reached, the session is kept so that you can try again; --local forgets it without telling
the server.`

const whoamiSynopsis = `Print who is signed in to the server (validated on the server), or say that nobody is.`

const openSynopsis = `Hand a krag:// sign-in link to the 'krag login --deep-link' waiting for it. The system runs
this when the browser opens such a link; you can also run it with the link yourself.`

// serverFlag adds --server.
func serverFlag(env *Env, fs *flag.FlagSet) *string {
	def := env.Getenv("KRAG_URL")
	if def == "" {
		def = "http://localhost:4321"
	}
	return fs.String("server", def, "the Krag server's URL (default $KRAG_URL, else http://localhost:4321)")
}

// desktopApp returns the CLI's client/desktop App for server.
func desktopApp(env *Env, server string) (*desktop.App, error) {
	store, err := desktop.OpenStore(desktop.StoreOptions{
		Service: "krag", Account: strings.TrimRight(server, "/"), Dir: env.Getenv("KRAG_CONFIG_DIR"),
		Passphrase: []byte(env.Getenv("KRAG_TOKEN_PASSPHRASE")), DisableKeyring: env.Getenv("KRAG_TOKEN_STORE") == "file",
		Warn: func(msg string) { fmt.Fprintln(env.Stderr, "krag: "+strings.TrimPrefix(msg, "desktop: ")) },
	})
	if err != nil {
		return nil, err
	}
	return desktop.New(desktop.Config{BaseURL: server, ClientID: app.CLIClient.ID, Scheme: app.CLIClient.Scheme, Store: store})
}

func runLogin(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "login", loginSynopsis)
	server := serverFlag(env, fs)
	device := fs.Bool("device", false, "sign in with a code approved on another device (RFC 8628)")
	noBrowser := fs.Bool("no-browser", false, "print the sign-in address instead of opening a browser")
	deepLink := fs.Bool("deep-link", false, "receive the code through a krag:// link instead of a loopback port")
	timeout := fs.Duration("timeout", 10*time.Minute, "how long to wait for the sign-in")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *device && *deepLink {
		return fmt.Errorf("%w: --device and --deep-link are different ways to sign in; choose one", errUsage)
	}
	a, err := desktopApp(env, *server)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	say := func(msg string) { fmt.Fprintln(env.Stderr, msg) }
	var s *desktop.Session
	switch {
	case *device:
		s, err = a.SignInDevice(ctx, desktop.DeviceOptions{Progress: say, Show: func(c desktop.DeviceCode) {
			fmt.Fprintf(env.Stderr, "On any device, open\n\n  %s\n\nand enter the code\n\n  %s\n\n", c.VerificationURI, c.UserCode)
			if c.VerificationURIComplete != "" {
				fmt.Fprintf(env.Stderr, "(or open %s)\n\n", c.VerificationURIComplete)
			}
		}})
	case *deepLink:
		s, err = loginDeepLink(ctx, env, a, *noBrowser, say)
	default:
		s, err = a.SignInLoopback(ctx, desktop.LoopbackOptions{NoBrowser: *noBrowser, Progress: say, Paste: pasted(ctx, env)})
	}
	if err != nil {
		return loginError(err)
	}
	fmt.Fprintf(env.Stdout, "Signed in to %s as %s.\n", a.Server(), who(s))
	return nil
}

// loginDeepLink waits for the krag:// link as the primary instance.
func loginDeepLink(ctx context.Context, env *Env, a *desktop.App, noBrowser bool, say func(string)) (*desktop.Session, error) {
	inst, forwarded, err := desktop.Single(cliInstance, nil)
	if err != nil {
		return nil, fmt.Errorf("wait for the sign-in link: %w", err)
	}
	if forwarded {
		return nil, errors.New("another 'krag login --deep-link' is already waiting; finish or stop it first")
	}
	defer inst.Close()
	if exe, err := os.Executable(); err == nil {
		err := desktop.RegisterScheme(desktop.Registration{Scheme: app.CLIClient.Scheme, AppID: cliAppID,
			Name: "Krag CLI sign-in", Exec: exe, Args: []string{"open"}})
		if err != nil {
			say("Couldn't register krag:// links with the system (" + err.Error() + "); paste the code the page shows instead.")
		}
	}
	at, err := a.Begin("")
	if err != nil {
		return nil, err
	}
	defer a.Cancel(at)
	if noBrowser {
		say("Open this address in a browser to sign in:\n\n  " + at.URL + "\n")
	} else {
		say("Opening your browser to sign in…")
		if err := a.OpenInBrowser(at.URL); err != nil {
			say("Couldn't open a browser (" + err.Error() + "). Open this address yourself:\n\n  " + at.URL + "\n")
		}
	}
	say("Waiting for the sign-in link (or paste the code the page shows)…")
	paste := pasted(ctx, env)
	for {
		select {
		case u := <-inst.URLs():
			s, err := a.HandleURL(ctx, u)
			if errors.Is(err, desktop.ErrNotForThisApp) || errors.Is(err, desktop.ErrNoSignIn) {
				say("Ignored a link that isn't for this sign-in.")
				continue
			}
			return s, err
		case code, ok := <-paste:
			if !ok {
				paste = nil
				continue
			}
			if strings.TrimSpace(code) == "" {
				continue
			}
			s, err := a.CompleteCode(ctx, code)
			if errors.Is(err, desktop.ErrNoSignIn) {
				say("That code belongs to another sign-in; paste the one this sign-in's page shows.")
				continue
			}
			return s, err
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the sign-in: %w", context.Cause(ctx))
		}
	}
}

// pasted delivers the lines typed on standard input, when it is not empty.
func pasted(ctx context.Context, env *Env) <-chan string {
	ch := make(chan string)
	if env.Stdin == nil {
		close(ch)
		return ch
	}
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(env.Stdin)
		for sc.Scan() {
			select {
			case ch <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// loginError says what a failed sign-in means.
func loginError(err error) error {
	var he *desktop.HTTPError
	switch {
	case errors.Is(err, desktop.ErrDeviceDenied):
		return errors.New("the sign-in was denied on the other device")
	case errors.Is(err, desktop.ErrDeviceExpired):
		return errors.New("the code expired before it was approved; run 'krag login --device' again")
	case errors.Is(err, context.DeadlineExceeded):
		return errors.New("gave up waiting for the sign-in (see --timeout); run 'krag login' again")
	case errors.As(err, &he) && he.Code == "INVALID_TOKEN":
		return errors.New("the sign-in code was already used or has expired; run 'krag login' again")
	}
	return err
}

// who names the session's user: "Ada Lovelace <ada@example.com>".
func who(s *desktop.Session) string {
	if s.Name == "" {
		return s.Email
	}
	return fmt.Sprintf("%s <%s>", s.Name, s.Email)
}

func runLogout(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "logout", logoutSynopsis)
	server := serverFlag(env, fs)
	local := fs.Bool("local", false, "forget the session here without telling the server")
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := desktopApp(env, *server)
	if err != nil {
		return err
	}
	if *local {
		if err := a.ForgetSession(); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Forgot the session for %s (it is still valid on the server until it expires).\n", a.Server())
		return nil
	}
	if err := a.SignOut(ctx); err != nil {
		return fmt.Errorf("%w\nRun 'krag logout --local' to forget the session without the server", err)
	}
	fmt.Fprintf(env.Stdout, "Signed out of %s.\n", a.Server())
	return nil
}

func runWhoami(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "whoami", whoamiSynopsis)
	server := serverFlag(env, fs)
	asJSON := fs.Bool("json", false, "print the user as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := desktopApp(env, *server)
	if err != nil {
		return err
	}
	s, err := a.Current(ctx)
	if errors.Is(err, desktop.ErrSignedOut) {
		return fmt.Errorf("not signed in to %s; run 'krag login'", a.Server())
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s.User)
	}
	fmt.Fprintf(env.Stdout, "%s\nserver:  %s\nuser id: %s\nsession expires: %s\n", who(s), a.Server(), s.UserID,
		s.ExpiresAt.Local().Format(time.RFC1123))
	return nil
}

func runOpen(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "open", openSynopsis)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want exactly one link", errUsage)
	}
	inst, forwarded, err := desktop.Single(cliInstance, fs.Args())
	if err != nil {
		return fmt.Errorf("hand over the link: %w", err)
	}
	if !forwarded {
		inst.Close()
		return errors.New("no 'krag login --deep-link' is waiting for this link; run it first")
	}
	fmt.Fprintln(env.Stdout, "Handed the sign-in link to the waiting 'krag login'.")
	return nil
}
