package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"

	"github.com/kragauth/krag/store/mysql"
	"github.com/kragauth/krag/store/postgres"
	"github.com/kragauth/krag/store/sqlite"
	"github.com/kragauth/krag/store/sqlstore"
)

// loadEnv returns a getenv that sees the process environment and, below it, a .env file in
// the working directory (values already in the environment win, as with most tools).
func loadEnv() func(string) string {
	file, err := godotenv.Read(".env")
	if err != nil {
		file = nil
	}
	return func(k string) string {
		if v, ok := os.LookupEnv(k); ok {
			return v
		}
		return file[k]
	}
}

// defaultDatabase is used when neither --database nor DATABASE_URL is given.
const defaultDatabase = "sqlite:./krag.db"

func databaseURL(env *Env, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := env.Getenv("DATABASE_URL"); v != "" {
		return v
	}
	return defaultDatabase
}

// openDatabase opens the database named by a DSN: mysql:// (or mariadb://), postgres:// (or
// postgresql://), or sqlite:PATH / a file path.
func openDatabase(ctx context.Context, dsn string, env *Env) (*sqlstore.DB, error) {
	pool, err := poolOptions(env)
	if err != nil {
		return nil, err
	}
	scheme, _, _ := strings.Cut(dsn, ":")
	switch strings.ToLower(scheme) {
	case "mysql", "mariadb":
		return mysql.Open(ctx, dsn, mysql.Options{Pool: sqlstore.Pool{MaxOpenConns: pool.maxOpen, QueryTimeout: pool.queryTimeout}})
	case "postgres", "postgresql":
		return postgres.Open(ctx, dsn, postgres.Options{Pool: sqlstore.Pool{MaxOpenConns: pool.maxOpen, QueryTimeout: pool.queryTimeout}})
	}
	return sqlite.Open(ctx, dsn, sqlite.Options{MaxOpenConns: pool.maxOpen})
}

type pool struct {
	maxOpen      int
	queryTimeout time.Duration
}

// poolOptions reads KRAG_DB_MAX_CONNS and KRAG_DB_QUERY_TIMEOUT.
func poolOptions(env *Env) (pool, error) {
	var p pool
	if v := env.Getenv("KRAG_DB_MAX_CONNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, fmt.Errorf("KRAG_DB_MAX_CONNS=%q: want a positive number", v)
		}
		p.maxOpen = n
	}
	if v := env.Getenv("KRAG_DB_QUERY_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return p, fmt.Errorf("KRAG_DB_QUERY_TIMEOUT=%q: want a duration such as 5s", v)
		}
		p.queryTimeout = d
	}
	return p, nil
}

// redact hides the password of a DSN for messages.
func redact(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	sep := strings.Index(dsn, "://")
	if at < 0 || sep < 0 || at < sep {
		return dsn
	}
	cred := dsn[sep+3 : at]
	if user, _, ok := strings.Cut(cred, ":"); ok {
		return dsn[:sep+3] + user + ":***" + dsn[at:]
	}
	return dsn
}

// production reports whether the environment says production (KRAG_ENV or NODE_ENV).
func production(env *Env) bool {
	for _, k := range []string{"KRAG_ENV", "NODE_ENV"} {
		if strings.EqualFold(env.Getenv(k), "production") {
			return true
		}
	}
	return false
}

// parseCookieCache reads KRAG_COOKIE_CACHE: "0", "off" or "false" turn the cache off, a Go
// duration ("5m") sets its lifetime; empty means the seed's 5 minutes.
func parseCookieCache(v string) (time.Duration, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return 5 * time.Minute, nil
	case "0", "off", "false", "no":
		return 0, nil
	case "1", "on", "true", "yes":
		return 5 * time.Minute, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		return 0, fmt.Errorf("KRAG_COOKIE_CACHE=%q: want 0 (off) or a duration of at least 1s such as 5m", v)
	}
	return d, nil
}

// devSecret returns the secret stored beside the database, creating it on first use.
func devSecret(dsn string) (secret, path string, created bool, err error) {
	dir := "."
	if p, perr := sqlite.ParsePath(dsn); perr == nil && !strings.Contains(dsn, "@") {
		dir = filepath.Dir(p)
	}
	path = filepath.Join(dir, ".krag-secret")
	b, err := os.ReadFile(path)
	if err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) >= 32 {
			return s, path, false, nil
		}
		return "", path, false, fmt.Errorf("%s holds a secret shorter than 32 characters; delete it or set BETTER_AUTH_SECRET", path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", path, false, fmt.Errorf("read %s: %w", path, err)
	}
	var raw [32]byte
	rand.Read(raw[:])
	s := base64.RawURLEncoding.EncodeToString(raw[:])
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return "", path, false, fmt.Errorf("store a development secret in %s: %w", path, err)
	}
	return s, path, true, nil
}

// splitList splits a comma-separated list, dropping empty entries.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
