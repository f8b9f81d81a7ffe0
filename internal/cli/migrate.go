package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/internal/app"
	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store/sqlstore"
)

const migrateSynopsis = `Create the tables, columns and indexes Krag needs that the database lacks. Nothing is
dropped or rewritten, and running it twice changes nothing the second time. Then create the
system roles admin and user when they are missing. With --plan, print the SQL that would run
and change nothing.`

func runMigrate(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "migrate", migrateSynopsis)
	database := fs.String("database", "", "database URL (default $DATABASE_URL, else "+defaultDatabase+")")
	plan := fs.Bool("plan", false, "print the statements that would run; change nothing")
	asJSON := fs.Bool("json", false, "with --plan, print the plan as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	dsn := databaseURL(env, *database)
	db, err := openDatabase(ctx, dsn, env)
	if err != nil {
		return err
	}
	defer db.Close()
	sch, err := seedSchema()
	if err != nil {
		return err
	}
	if *plan {
		steps, err := db.Plan(ctx, sch)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(struct {
				Database   string `json:"database"`
				Statements any    `json:"statements"`
			}{redact(dsn), nonNil(steps)})
		}
		if len(steps) == 0 {
			fmt.Fprintf(env.Stdout, "-- %s is up to date\n", redact(dsn))
			return nil
		}
		for _, s := range steps {
			fmt.Fprintf(env.Stdout, "-- %s\n%s;\n", s.Reason, s.SQL)
		}
		return nil
	}
	steps, err := db.Migrate(ctx, sch)
	for _, s := range steps {
		fmt.Fprintf(env.Stdout, "✓ %s\n", s.Reason)
	}
	if err != nil {
		return err
	}
	if len(steps) == 0 {
		fmt.Fprintf(env.Stdout, "%s is up to date\n", redact(dsn))
	} else {
		fmt.Fprintf(env.Stdout, "%s migrated (%d statements)\n", redact(dsn), len(steps))
	}
	return seedRoles(ctx, env, db)
}

// seedRoles creates rbac's system roles when missing, so that a freshly migrated database
// has the admin role for krag users create --role admin.
func seedRoles(ctx context.Context, env *Env, db *sqlstore.DB) error {
	sys, err := newSystem(env, db)
	if err != nil {
		return err
	}
	if err := sys.rbac.Seed(ctx); err != nil {
		return fmt.Errorf("seed the system roles: %w", err)
	}
	fmt.Fprintf(env.Stdout, "system roles %s and %s are in place\n", rbac.AdminRole, rbac.UserRole)
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// seedSchema returns the schema of the system krag serve runs.
func seedSchema() (*schema.Schema, error) {
	opts := app.Options(app.Config{Secret: "schema-only", Development: true, Logger: slog.New(slog.DiscardHandler)})
	return krag.Schema(opts)
}

const generateSynopsis = `Print the SQL that creates Krag's schema (the tables krag serve uses) for a dialect.`

func runGenerate(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "generate", generateSynopsis)
	dialect := fs.String("dialect", "sqlite", "SQL dialect: sqlite, mysql or postgres")
	if err := parse(fs, args); err != nil {
		return err
	}
	d, err := schema.ParseDialect(*dialect)
	if err != nil {
		return fmt.Errorf("%w: --dialect: %v", errUsage, err)
	}
	sch, err := seedSchema()
	if err != nil {
		return err
	}
	for _, stmt := range d.DDL(sch) {
		fmt.Fprintf(env.Stdout, "%s;\n", stmt)
	}
	return nil
}
