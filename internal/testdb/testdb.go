// Package testdb gives each test a fresh, empty database on the backend under test: SQLite in
// t.TempDir(), or a new database (MariaDB/MySQL) or schema (PostgreSQL) on the servers named by
// the environment:
//
//	KRAG_TEST_DATABASE      sqlite (default), mysql or postgres: the backend kragtest uses
//	KRAG_TEST_MYSQL_DSN     mysql://root@127.0.0.1:3307/mysql    (an account that may create databases)
//	KRAG_TEST_POSTGRES_DSN  postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable
//
// A test that needs a server whose DSN is not set is skipped, except under KRAG_CI=1, where it
// fails: CI must run every integration test.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // admin connections for CREATE DATABASE
	_ "github.com/jackc/pgx/v5/stdlib" // admin connections for CREATE SCHEMA

	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
	"github.com/kragauth/krag/store/mysql"
	"github.com/kragauth/krag/store/postgres"
	"github.com/kragauth/krag/store/sqlite"
	"github.com/kragauth/krag/store/sqlstore"
)

// Backend returns the backend named by KRAG_TEST_DATABASE, "sqlite" when unset.
func Backend() string {
	switch b := strings.ToLower(os.Getenv("KRAG_TEST_DATABASE")); b {
	case "", "sqlite", "sqlite3":
		return "sqlite"
	case "mysql", "mariadb":
		return "mysql"
	case "postgres", "postgresql", "pg":
		return "postgres"
	default:
		panic(fmt.Sprintf("testdb: KRAG_TEST_DATABASE=%q: want sqlite, mysql or postgres", b))
	}
}

// CI reports whether missing services must fail tests instead of skipping them.
func CI() bool { return os.Getenv("KRAG_CI") == "1" }

// DSN returns the admin DSN of a server backend, or "" when it is not configured.
func DSN(backend string) string {
	switch backend {
	case "mysql":
		return os.Getenv("KRAG_TEST_MYSQL_DSN")
	case "postgres":
		return os.Getenv("KRAG_TEST_POSTGRES_DSN")
	}
	return ""
}

// Require skips t (fails it under KRAG_CI=1) unless backend is usable.
func Require(t testing.TB, backend string) {
	t.Helper()
	if backend == "sqlite" || DSN(backend) != "" {
		return
	}
	env := "KRAG_TEST_MYSQL_DSN"
	if backend == "postgres" {
		env = "KRAG_TEST_POSTGRES_DSN"
	}
	if CI() {
		t.Fatalf("testdb: %s is not set, and KRAG_CI=1 requires the %s tests to run (scripts/test.sh starts the servers)", env, backend)
	}
	t.Skipf("testdb: %s not set; skipping the %s test (scripts/test.sh sets it up)", env, backend)
}

func randomName(prefix string) string {
	var b [6]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// Open returns a fresh, empty database on backend, dropped when the test ends.
func Open(t testing.TB, backend string) *sqlstore.DB {
	t.Helper()
	Require(t, backend)
	ctx := context.Background()
	switch backend {
	case "sqlite":
		db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "krag.db"), sqlite.Options{})
		if err != nil {
			t.Fatalf("testdb: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	case "mysql":
		return openMySQL(t, DSN(backend))
	case "postgres":
		return openPostgres(t, DSN(backend))
	}
	t.Fatalf("testdb: unknown backend %q", backend)
	return nil
}

func openMySQL(t testing.TB, admin string) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	cfg, err := mysql.ParseDSN(admin)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	adb, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	defer adb.Close()
	name := randomName("krag_t_")
	// latin1 on purpose: Krag's tables must bring their own character set.
	if _, err := adb.ExecContext(ctx, "create database `"+name+"` character set latin1"); err != nil {
		t.Fatalf("testdb: create database: %v", err)
	}
	t.Cleanup(func() {
		adb, err := sql.Open("mysql", cfg.FormatDSN())
		if err == nil {
			adb.Exec("drop database if exists `" + name + "`")
			adb.Close()
		}
	})
	cfg.DBName = name
	db, err := mysql.Open(ctx, cfg.FormatDSN(), mysql.Options{Pool: sqlstore.Pool{MaxOpenConns: 8, ConnMaxLifetime: time.Minute}})
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openPostgres(t testing.TB, admin string) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	adb, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	defer adb.Close()
	name := randomName("krag_t_")
	if _, err := adb.ExecContext(ctx, `create schema "`+name+`"`); err != nil {
		t.Fatalf("testdb: create schema: %v", err)
	}
	t.Cleanup(func() {
		adb, err := sql.Open("pgx", admin)
		if err == nil {
			adb.Exec(`drop schema if exists "` + name + `" cascade`)
			adb.Close()
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("testdb: KRAG_TEST_POSTGRES_DSN must be a postgres:// URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	db, err := postgres.Open(ctx, u.String(), postgres.Options{Pool: sqlstore.Pool{MaxOpenConns: 8, ConnMaxLifetime: time.Minute}})
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// StoreSetup returns a storetest.Setup on backend: a fresh database with the suite's tables.
func StoreSetup(backend string) func(t *testing.T, s *schema.Schema) store.Store {
	return func(t *testing.T, s *schema.Schema) store.Store {
		t.Helper()
		db := Open(t, backend)
		if _, err := db.Migrate(t.Context(), s); err != nil {
			t.Fatalf("testdb: migrate: %v", err)
		}
		st, err := db.Store(s)
		if err != nil {
			t.Fatalf("testdb: %v", err)
		}
		return st
	}
}
