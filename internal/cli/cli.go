// Package cli implements the krag command: serve, migrate, generate, the administration
// commands users, roles and permissions, and the client commands login, logout, whoami and
// open (client/desktop). cmd/krag's main only calls Run.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the auth server and the web app", runServe},
		{"migrate", "create or upgrade the database schema", runMigrate},
		{"generate", "print the schema as SQL for a dialect", runGenerate},
		{"access", "evaluate permission rules offline (access eval)", runAccess},
		{"users", "create and list users, set their roles, ban and unban them", runUsers},
		{"roles", "list, create, grant and revoke roles", runRoles},
		{"permissions", "list and create permissions", runPermissions},
		{"login", "sign in to a Krag server from this terminal (browser, or --device)", runLogin},
		{"logout", "sign out of the server and forget the session", runLogout},
		{"whoami", "print who is signed in", runWhoami},
		{"open", "hand a krag:// sign-in link to the waiting 'krag login --deep-link'", runOpen},
		{"version", "print the version", runVersion},
	}
}

// Version is Krag's version.
const Version = "0.1.0-dev"

// Env is what a command reads and writes besides its arguments.
type Env struct {
	// Stdin is read by commands that take secrets on standard input (--password-stdin).
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Getenv reads the environment (os.Getenv, with .env applied).
	Getenv func(string) string
}

// errUsage marks an error caused by bad arguments: the command's usage is printed with it.
var errUsage = errors.New("usage")

// Run runs the krag command with args (without the program name) and returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runEnv(ctx, &Env{Stdin: os.Stdin, Stdout: stdout, Stderr: stderr, Getenv: loadEnv()}, args)
}

// runEnv is Run with the environment given, so tests can supply standard input.
func runEnv(ctx context.Context, env *Env, args []string) int {
	stdout, stderr := env.Stdout, env.Stderr
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, env, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "krag %s: %v\nRun 'krag %s --help' for usage.\n", c.name, strings.TrimPrefix(err.Error(), "usage: "), c.name)
			return 2
		default:
			fmt.Fprintf(stderr, "krag %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "krag: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Krag: authentication and authorization, wire-compatible with Better Auth.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: krag <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'krag <command> --help' for a command's flags. Configuration comes from flags,")
	fmt.Fprintln(w, "the environment and a .env file in the working directory (BETTER_AUTH_SECRET,")
	fmt.Fprintln(w, "BETTER_AUTH_URL, DATABASE_URL, ...).")
}

// newFlags returns a FlagSet that prints the command's usage to env.Stdout on --help.
func newFlags(env *Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("krag "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stdout, "Usage: krag %s [flags]\n\n%s\n\nFlags:\n", name, synopsis)
		fs.SetOutput(env.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(env.Stderr)
	}
	return fs
}

// parse parses flags; parse errors become usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}

func runVersion(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "version", "Print Krag's version.")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "krag", Version)
	return nil
}
