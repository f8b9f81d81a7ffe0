package cli

// What the administration commands (users, roles, permissions) share: subcommand dispatch,
// flags mixed with positional arguments, and the seed's system opened on a migrated database.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/internal/app"
	"github.com/kragauth/krag/plugin/admin"
	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/store/sqlite"
	"github.com/kragauth/krag/store/sqlstore"
)

// runGroup runs the subcommand of a command group (krag roles list): args[0] names it.
func runGroup(ctx context.Context, env *Env, group, synopsis string, subs []command, args []string) error {
	groupUsage := func(w io.Writer) {
		fmt.Fprintf(w, "Usage: krag %s <subcommand> [arguments] [flags]\n\n%s\n\nSubcommands:\n", group, synopsis)
		for _, c := range subs {
			fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
		}
		fmt.Fprintf(w, "\nRun 'krag %s <subcommand> --help' for its arguments and flags.\n", group)
	}
	if len(args) == 0 {
		groupUsage(env.Stderr)
		return fmt.Errorf("%w: missing subcommand", errUsage)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		groupUsage(env.Stdout)
		return nil
	}
	for _, c := range subs {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	return fmt.Errorf("%w: unknown subcommand %q", errUsage, args[0])
}

// newCmdFlags returns a FlagSet for the subcommand name (e.g. "roles grant") whose usage line
// shows its arguments (e.g. "ROLE PERMISSION [--deny]"); --help prints it with the synopsis
// and the flags on env.Stdout.
func newCmdFlags(env *Env, name, arguments, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("krag "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stdout, "Usage: krag %s %s\n\n%s\n\nFlags:\n", name, arguments, synopsis)
		fs.SetOutput(env.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(env.Stderr)
	}
	return fs
}

// databaseFlag adds --database, as serve and migrate have it.
func databaseFlag(fs *flag.FlagSet) *string {
	return fs.String("database", "", "database URL (default $DATABASE_URL, else "+defaultDatabase+")")
}

// parseArgs parses flags that may come before, between or after the positional arguments
// (krag users ban ada@example.com --for 24h) and checks that the positional ones are those
// named in want: one each, except that a last name ending in "..." takes one or more.
// Everything after "--" is positional.
func parseArgs(fs *flag.FlagSet, args []string, want ...string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if used := args[:len(args)-len(rest)]; len(used) > 0 && used[len(used)-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	variadic := len(want) > 0 && strings.HasSuffix(want[len(want)-1], "...")
	if len(pos) < len(want) {
		return nil, fmt.Errorf("%w: missing %s", errUsage, strings.TrimSuffix(want[len(pos)], "..."))
	}
	if len(pos) > len(want) && !variadic {
		return nil, fmt.Errorf("%w: unexpected argument %q", errUsage, pos[len(want)])
	}
	for i, p := range pos {
		if strings.TrimSpace(p) == "" {
			return nil, fmt.Errorf("%w: argument %d is empty", errUsage, i+1)
		}
	}
	return pos, nil
}

// system is the seed's system (what krag serve runs) on an open, migrated database.
type system struct {
	auth  *krag.Auth
	rbac  *rbac.Plugin
	admin *admin.Plugin
	db    *sqlstore.DB
	// minPassword and maxPassword are the password length limits HashPassword applies.
	minPassword, maxPassword int
}

// Close closes the database.
func (s *system) Close() error { return s.db.Close() }

// openSystem opens the database named by --database or DATABASE_URL, checks that its schema
// is current (asking for krag migrate when it is not) and builds the seed's system on it.
// A SQLite file that does not exist is an error rather than a new, empty database.
func openSystem(ctx context.Context, env *Env, dbFlag string) (*system, error) {
	dsn := databaseURL(env, dbFlag)
	if !strings.Contains(dsn, "://") || strings.HasPrefix(strings.ToLower(dsn), "sqlite") {
		if path, err := sqlite.ParsePath(dsn); err == nil {
			if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("no database at %s; create it with: krag migrate --database %s (or set --database or DATABASE_URL)", path, dsn)
			}
		}
	}
	db, err := openDatabase(ctx, dsn, env)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redact(dsn), err)
	}
	sys, err := newSystem(env, db)
	if err == nil {
		err = checkSchema(ctx, db, sys.auth, dsn)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return sys, nil
}

// newSystem builds the seed's system on db, for use through its Go API only. The Auth serves
// no request and signs nothing (no cookie, token or link leaves these commands), so it gets a
// random secret of its own instead of requiring BETTER_AUTH_SECRET, and Development, which
// only relaxes what serving needs (BaseURL, secret length, the rate limiter), even in
// production: rows, ids and password hashes are the same either way.
func newSystem(env *Env, db *sqlstore.DB) (*system, error) {
	var raw [32]byte
	rand.Read(raw[:])
	cfg := app.Config{
		Secret:      base64.RawURLEncoding.EncodeToString(raw[:]),
		Development: true,
		Database:    db,
		Logger:      slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	s := app.New(cfg)
	auth, err := krag.New(s.Options)
	if err != nil {
		return nil, fmt.Errorf("configure krag: %w", err)
	}
	pw := s.Options.EmailAndPassword
	if pw.MaxPasswordLength == 0 {
		pw.MaxPasswordLength = 128 // krag.New's default; Auth does not expose the value it chose
	}
	return &system{auth: auth, rbac: s.RBAC, admin: s.Admin, db: db,
		minPassword: pw.MinPasswordLength, maxPassword: pw.MaxPasswordLength}, nil
}

// checkSchema refuses a database that lacks tables or columns of the system's schema.
func checkSchema(ctx context.Context, db *sqlstore.DB, auth *krag.Auth, dsn string) error {
	sch := auth.Schema()
	existing, err := db.Inspect(ctx, sch)
	if err != nil {
		return fmt.Errorf("inspect the database schema: %w", err)
	}
	if len(existing) == 0 {
		return fmt.Errorf("%s has no Krag tables; run: krag migrate --database %s", redact(dsn), redact(dsn))
	}
	steps, err := db.Plan(ctx, sch)
	if err != nil {
		return fmt.Errorf("compare the database schema: %w", err)
	}
	if len(steps) > 0 {
		what := make([]string, len(steps))
		for i, s := range steps {
			what[i] = s.Reason
		}
		return fmt.Errorf("the database schema is behind (%s); run: krag migrate --database %s", strings.Join(what, "; "), redact(dsn))
	}
	return nil
}

// kragMessage returns the message of a *krag.Error in err (what an API client would be told),
// or err's text.
func kragMessage(err error) string {
	if ke, ok := errors.AsType[*krag.Error](err); ok {
		return ke.Message
	}
	return err.Error()
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// newTable returns a writer that aligns tab-separated columns; Flush it.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// orDash shows an empty value as "-" in tables.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// repeated is a flag that may be given several times, each value a comma-separated list.
type repeated []string

func (r *repeated) String() string { return strings.Join(*r, ",") }

func (r *repeated) Set(v string) error {
	items := splitList(v)
	if len(items) == 0 {
		return errors.New("empty value")
	}
	*r = append(*r, items...)
	return nil
}
