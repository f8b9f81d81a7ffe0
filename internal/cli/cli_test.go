package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kragauth/krag/schema"
)

// goldenDir is the package's testdata, resolved before tests change directory.
var goldenDir = func() string {
	d, _ := filepath.Abs("testdata")
	return d
}()

// run runs the krag command in a fresh working directory with a clean environment.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(t.Context(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func inTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	for _, k := range []string{"BETTER_AUTH_SECRET", "AUTH_SECRET", "BETTER_AUTH_URL", "DATABASE_URL", "KRAG_ENV", "NODE_ENV", "KRAG_COOKIE_CACHE", "KRAG_RATE_LIMIT", "BETTER_AUTH_TRUSTED_ORIGINS"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	return dir
}

func TestHelp(t *testing.T) {
	inTempDir(t)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, 0, "Usage: krag <command>"},
		{[]string{"serve", "--help"}, 0, "-addr"},
		{[]string{"migrate", "--help"}, 0, "-plan"},
		{[]string{"generate", "--help"}, 0, "-dialect"},
		{[]string{"version"}, 0, "krag " + Version},
	}
	for _, tt := range tests {
		code, out, errs := run(t, tt.args...)
		if code != tt.code || !strings.Contains(out, tt.want) {
			t.Errorf("krag %v = %d, stdout %q, stderr %q; want %d and %q", tt.args, code, out, errs, tt.code, tt.want)
		}
	}
}

func TestBadUsage(t *testing.T) {
	inTempDir(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"serve", "--nope"}, "flag provided but not defined"},
		{[]string{"generate", "--dialect", "oracle"}, `unknown dialect "oracle"`},
		{[]string{"migrate", "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "--log-level", "loud"}, "--log-level"},
	}
	for _, tt := range tests {
		code, _, errs := run(t, tt.args...)
		if code != 2 || !strings.Contains(errs, tt.want) {
			t.Errorf("krag %v = %d, stderr %q; want 2 and %q", tt.args, code, errs, tt.want)
		}
	}
}

func TestGenerate(t *testing.T) {
	inTempDir(t)
	for _, d := range []string{"sqlite", "mysql", "postgres"} {
		code, out, errs := run(t, "generate", "--dialect", d)
		if code != 0 {
			t.Fatalf("generate %s = %d: %s", d, code, errs)
		}
		for _, want := range []string{"create table", "session_userId_idx", "firstName", "isActive"} {
			if !strings.Contains(out, want) {
				t.Errorf("generate %s: output lacks %q", d, want)
			}
		}
	}
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGenerateGolden keeps `krag generate` output per dialect in testdata/*.golden: a change
// to the schema shows up in review as a diff of SQL.
func TestGenerateGolden(t *testing.T) {
	inTempDir(t)
	for _, d := range []string{"sqlite", "mysql", "postgres"} {
		t.Run(d, func(t *testing.T) {
			code, out, errs := run(t, "generate", "--dialect", d)
			if code != 0 {
				t.Fatalf("generate = %d: %s", code, errs)
			}
			path := filepath.Join(goldenDir, "generate-"+d+".sql.golden")
			if *update {
				if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/cli -run TestGenerateGolden -update)", err)
			}
			if out != string(want) {
				t.Errorf("generate --dialect %s differs from %s:\n%s", d, path, out)
			}
		})
	}
}

func TestMigrateTwiceChangesNothing(t *testing.T) {
	dir := inTempDir(t)
	db := "sqlite:" + filepath.Join(dir, "m.db")
	code, out, errs := run(t, "migrate", "--database", db, "--plan")
	if code != 0 || !strings.Contains(out, "create table") {
		t.Fatalf("migrate --plan on an empty database = %d %q %q", code, out, errs)
	}
	code, out, errs = run(t, "migrate", "--database", db)
	if code != 0 || !strings.Contains(out, "migrated") {
		t.Fatalf("migrate = %d %q %q", code, out, errs)
	}
	code, out, _ = run(t, "migrate", "--database", db)
	if code != 0 || !strings.Contains(out, "up to date") {
		t.Errorf("second migrate = %d %q, want up to date", code, out)
	}
	code, out, _ = run(t, "migrate", "--database", db, "--plan", "--json")
	var plan struct {
		Statements []any `json:"statements"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &plan) != nil || plan.Statements == nil || len(plan.Statements) != 0 {
		t.Errorf("migrate --plan --json after migrate = %d %q, want an empty statements list", code, out)
	}
}

func TestServeNeedsSecretInProduction(t *testing.T) {
	inTempDir(t)
	t.Setenv("KRAG_ENV", "production")
	code, _, errs := run(t, "serve", "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errs, "BETTER_AUTH_SECRET is not set") {
		t.Errorf("serve in production without a secret = %d %q", code, errs)
	}
	t.Setenv("BETTER_AUTH_SECRET", strings.Repeat("x", 40))
	code, _, errs = run(t, "serve", "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errs, "BETTER_AUTH_URL is not set") {
		t.Errorf("serve in production without a URL = %d %q", code, errs)
	}
	t.Setenv("KRAG_COOKIE_CACHE", "soon")
	code, _, errs = run(t, "serve")
	if code != 1 || !strings.Contains(errs, "KRAG_COOKIE_CACHE") {
		t.Errorf("serve with a bad KRAG_COOKIE_CACHE = %d %q", code, errs)
	}
}

// TestServeRunsAndStops starts krag serve on a free port in development, checks it answers
// and that a development secret was stored once, and stops it through its context.
func TestServeRunsAndStops(t *testing.T) {
	dir := inTempDir(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	var errb bytes.Buffer
	go func() { done <- Run(ctx, []string{"serve", "--addr", addr}, &bytes.Buffer{}, &errb) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/api/auth/ok")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("krag serve did not answer: %s", errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exited %d: %s", code, errb.String())
	}
	secret, err := os.ReadFile(filepath.Join(dir, ".krag-secret"))
	if err != nil || len(strings.TrimSpace(string(secret))) < 32 {
		t.Errorf("development secret = %q, %v", secret, err)
	}
	if !strings.Contains(errb.String(), "generated a development secret") {
		t.Errorf("no warning about the generated secret in %q", errb.String())
	}
}

func TestRedact(t *testing.T) {
	tests := map[string]string{
		"mysql://user:pw@host:3306/db": "mysql://user:***@host:3306/db",
		"sqlite:./krag.db":             "sqlite:./krag.db",
		"postgres://u@h/db":            "postgres://u@h/db",
	}
	for in, want := range tests {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestServeRefusesPartialSchema: a database that has Krag's tables but lacks columns (here, a
// Better Auth schema without the seed's fields) stops serve with the command to run.
func TestServeRefusesPartialSchema(t *testing.T) {
	dir := inTempDir(t)
	dsn := "sqlite:" + filepath.Join(dir, "partial.db")
	db, err := openDatabase(t.Context(), dsn, &Env{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(t.Context(), &schema.Schema{Tables: schema.Core()}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, _, errs := run(t, "serve", "--addr", "127.0.0.1:0", "--database", dsn)
	if code != 1 || !strings.Contains(errs, "add column user.roleId") || !strings.Contains(errs, "run: krag migrate --database "+dsn) {
		t.Errorf("serve on a partial schema = %d %q, want a refusal naming krag migrate", code, errs)
	}
	if code, out, _ := run(t, "migrate", "--database", dsn); code != 0 || !strings.Contains(out, "add column user.roleId") {
		t.Errorf("migrate = %d %q", code, out)
	}
}
