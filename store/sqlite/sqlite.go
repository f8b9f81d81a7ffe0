// Package sqlite opens Krag's store on an embedded SQLite database (modernc.org/sqlite: pure
// Go, no cgo). The database runs in WAL mode with a busy timeout and foreign keys on, and
// write transactions take the write lock when they begin, so concurrent writers queue instead
// of failing.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store/sqlstore"
)

// Options tune the connection pool. The zero value is ready to use.
type Options struct {
	// MaxOpenConns caps open connections; 0 means 2×GOMAXPROCS+2 (at least 4). SQLite in WAL
	// mode serves readers in parallel and writers one at a time.
	MaxOpenConns int
	// BusyTimeout is how long a writer waits for the write lock; 0 means 5 s.
	BusyTimeout time.Duration
}

// Open opens (creating if needed) the SQLite database at path. The path may be a plain file
// path or a DSN such as "sqlite:./krag.db", "sqlite://./krag.db" or "file:krag.db".
// The parent directory must exist.
func Open(ctx context.Context, path string, o Options) (*sqlstore.DB, error) {
	p, err := ParsePath(path)
	if err != nil {
		return nil, err
	}
	if dir := filepath.Dir(p); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("sqlite: open %s: directory %s does not exist", p, dir)
		}
	}
	busy := o.BusyTimeout
	if busy <= 0 {
		busy = 5 * time.Second
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	dsn := "file:" + p + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", p, err)
	}
	n := o.MaxOpenConns
	if n <= 0 {
		n = max(4, 2*runtime.GOMAXPROCS(0)+2)
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", p, err)
	}
	return sqlstore.Open(db, sqlstore.Dialect{
		Name:          schema.SQLite,
		IsUnique:      isUnique,
		IsUnavailable: isUnavailable,
	}), nil
}

// ParsePath returns the file path named by a SQLite DSN: "sqlite:PATH", "sqlite://PATH",
// "file:PATH" or a bare path. Query parameters are not accepted: Krag sets the pragmas itself.
func ParsePath(dsn string) (string, error) {
	p := dsn
	for _, pre := range []string{"sqlite3://", "sqlite://", "sqlite3:", "sqlite:", "file:"} {
		if strings.HasPrefix(p, pre) {
			p = p[len(pre):]
			break
		}
	}
	if p == "" {
		return "", fmt.Errorf("sqlite: %q names no file", dsn)
	}
	if strings.ContainsAny(p, "?#") {
		return "", fmt.Errorf("sqlite: %q: parameters are not supported in the path; Krag sets WAL, busy timeout and foreign keys itself", dsn)
	}
	if p == ":memory:" {
		return "", fmt.Errorf("sqlite: in-memory databases are not supported (each connection would see its own); use a file in a temporary directory")
	}
	return p, nil
}

func isUnique(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

func isUnavailable(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		switch e.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_FULL:
			return true
		}
	}
	return false
}
