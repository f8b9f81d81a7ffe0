package sqlstore_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kragauth/krag/internal/testdb"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
	"github.com/kragauth/krag/store/sqlstore"
)

// krag returns Krag's core schema with two of the seed's additional fields and an index.
func kragSchema() *schema.Schema {
	s := &schema.Schema{Tables: schema.Core()}
	u := s.Table(schema.UserTable)
	u.Fields = append(u.Fields,
		schema.Field{Name: "roleId", Type: schema.Number},
		schema.Field{Name: "firstName", Type: schema.String},
		schema.Field{Name: "isActive", Type: schema.Boolean, Default: true},
		schema.Field{Name: "nickname", Type: schema.String, Index: true},
	)
	return s
}

// exec runs a SQL script of ;-separated statements.
func exec(t *testing.T, db *sqlstore.DB, script string) {
	t.Helper()
	for _, stmt := range strings.Split(script, ";\n") {
		var lines []string
		for _, l := range strings.Split(stmt, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "--") {
				lines = append(lines, l)
			}
		}
		stmt = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(strings.Join(lines, "\n")), ";"))
		if stmt == "" {
			continue
		}
		if _, err := db.SQL().Exec(stmt); err != nil {
			t.Fatalf("exec %q: %v", stmt, err)
		}
	}
}

func eachBackend(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, b := range []string{"sqlite", "mysql", "postgres"} {
		t.Run(b, func(t *testing.T) {
			testdb.Require(t, b)
			fn(t, b)
		})
	}
}

func TestMigrateFreshThenNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, b string) {
		db := testdb.Open(t, b)
		s := kragSchema()
		steps, err := db.Migrate(t.Context(), s)
		if err != nil || len(steps) == 0 {
			t.Fatalf("first Migrate = %d steps, %v", len(steps), err)
		}
		steps, err = db.Migrate(t.Context(), s)
		if err != nil || len(steps) != 0 {
			t.Errorf("second Migrate = %v, %v, want nothing to do", steps, err)
		}
	})
}

// TestUpgradeBetterAuth170 loads a Better Auth 1.7.0 database and migrates it to Krag's schema:
// the new columns appear, the legacy NOT NULL issuer becomes nullable, no row is lost, and
// Krag's writes work.
func TestUpgradeBetterAuth170(t *testing.T) {
	eachBackend(t, func(t *testing.T, b string) {
		db := testdb.Open(t, b)
		script, err := os.ReadFile("testdata/better-auth-1.7.0-" + b + ".sql")
		if err != nil {
			t.Fatal(err)
		}
		exec(t, db, string(script))
		s := kragSchema()
		plan, err := db.Plan(t.Context(), s)
		if err != nil {
			t.Fatal(err)
		}
		var reasons []string
		for _, st := range plan {
			reasons = append(reasons, st.Reason)
		}
		joined := strings.Join(reasons, "\n")
		for _, want := range []string{"add column user.roleId", "add column user.isActive", "index user.nickname", "make account.issuer nullable"} {
			if !strings.Contains(joined, want) {
				t.Errorf("plan lacks %q:\n%s", want, joined)
			}
		}
		if strings.Contains(joined, "create table") {
			t.Errorf("plan creates a table that exists:\n%s", joined)
		}
		if _, err := db.Migrate(t.Context(), s); err != nil {
			t.Fatalf("Migrate = %v", err)
		}
		if again, err := db.Plan(t.Context(), s); err != nil || len(again) != 0 {
			t.Errorf("plan after Migrate = %v, %v, want empty", again, err)
		}
		st, err := db.Store(s)
		if err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()
		u, err := st.FindOne(ctx, schema.UserTable, []store.Where{store.Is("id", "u1")})
		if err != nil || u["email"] != "old@example.com" || u["emailVerified"] != true || u["roleId"] != nil {
			t.Errorf("old user after migrate = %v, %v", u, err)
		}
		if created, _ := u["createdAt"].(time.Time); !created.Equal(time.Date(2025, 10, 1, 10, 0, 0, 0, time.UTC)) {
			t.Errorf("old user's createdAt = %v", u["createdAt"])
		}
		ac, err := st.FindOne(ctx, schema.AccountTable, []store.Where{store.Is("id", "a1")})
		if err != nil || !strings.HasPrefix(ac["password"].(string), "c7db8828") {
			t.Errorf("old account after migrate = %v, %v", ac, err)
		}
		if n, _ := st.Count(ctx, schema.SessionTable, nil); n != 1 {
			t.Errorf("sessions after migrate = %d, want 1", n)
		}
		now := time.Now().UTC()
		err = st.Create(ctx, schema.AccountTable, store.Record{"id": "a2", "accountId": "u1", "providerId": "github",
			"userId": "u1", "createdAt": now, "updatedAt": now})
		if err != nil {
			t.Errorf("insert without issuer after migrate: %v", err)
		}
		var issuer any
		if err := db.SQL().QueryRow(`select ` + q(b, "issuer") + ` from ` + q(b, "account") + ` where ` + q(b, "id") + ` = 'a1'`).Scan(&issuer); err != nil || string(asBytes(issuer)) != "local:credential" {
			t.Errorf("legacy issuer of the old account = %v, %v; the data must stay", issuer, err)
		}
	})
}

func q(backend, name string) string {
	if backend == "mysql" {
		return "`" + name + "`"
	}
	return `"` + name + `"`
}

func asBytes(v any) []byte {
	switch x := v.(type) {
	case []byte:
		return x
	case string:
		return []byte(x)
	}
	return nil
}

// TestIncompatibleColumnStops: a column whose type cannot hold the field stops the plan with
// a message naming it (SQLite's columns hold anything, so it has no such case).
func TestIncompatibleColumnStops(t *testing.T) {
	eachBackend(t, func(t *testing.T, b string) {
		if b == "sqlite" {
			return
		}
		db := testdb.Open(t, b)
		s := kragSchema()
		if _, err := db.Migrate(t.Context(), &schema.Schema{Tables: schema.Core()}); err != nil {
			t.Fatal(err)
		}
		exec(t, db, `alter table `+q(b, "user")+` add column `+q(b, "roleId")+` text`)
		_, err := db.Plan(t.Context(), s)
		if err == nil || !strings.Contains(err.Error(), "user.roleId") || !strings.Contains(err.Error(), "cannot hold a number") {
			t.Errorf("Plan with a text roleId = %v, want an error naming user.roleId", err)
		}
	})
}

func TestUnavailableDatabase(t *testing.T) {
	db := testdb.Open(t, "sqlite")
	st, err := db.Store(kragSchema())
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = st.FindOne(t.Context(), schema.UserTable, []store.Where{store.Is("id", "x")})
	if err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("FindOne on a closed database = %v, want an error", err)
	}
}
