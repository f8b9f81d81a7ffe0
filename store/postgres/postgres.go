// Package postgres opens Krag's store on PostgreSQL through pgx's database/sql driver. Dates
// are timestamptz, booleans native, and pgx's errors are classified for the store (unique
// violations, lost connections, server shutdown).
package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store/sqlstore"
)

// Options tune the connection pool. The zero value is ready to use.
type Options struct {
	// MaxOpenConns caps open connections; 0 means 16.
	MaxOpenConns int
	// MaxIdleConns caps idle connections; 0 means MaxOpenConns.
	MaxIdleConns int
	// ConnMaxLifetime closes connections older than this; 0 means 30 minutes.
	ConnMaxLifetime time.Duration
	// DialTimeout bounds connecting; 0 means 5 s.
	DialTimeout time.Duration
	// QueryTimeout bounds every query that has no earlier deadline; 0 means 10 s.
	QueryTimeout time.Duration
}

// Open connects to the database named by dsn: "postgres://user:password@host:5432/db" (also
// "postgresql://", and libpq key=value strings).
func Open(ctx context.Context, dsn string, o Options) (*sqlstore.DB, error) {
	pcfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: DSN: %w", err)
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 5 * time.Second
	}
	if pcfg.ConnectTimeout == 0 {
		pcfg.ConnectTimeout = o.DialTimeout
	}
	cfg := pcfg.Config
	db := stdlib.OpenDB(*pcfg)
	n := o.MaxOpenConns
	if n <= 0 {
		n = 16
	}
	idle := o.MaxIdleConns
	if idle <= 0 {
		idle = n
	}
	life := o.ConnMaxLifetime
	if life <= 0 {
		life = 30 * time.Minute
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(idle)
	db.SetConnMaxLifetime(life)
	qt := o.QueryTimeout
	if qt <= 0 {
		qt = 10 * time.Second
	}
	pctx, cancel := context.WithTimeout(ctx, o.DialTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect to %s:%d as %s: %w", cfg.Host, cfg.Port, cfg.User, err)
	}
	return sqlstore.Open(db, sqlstore.Dialect{
		Name:          schema.Postgres,
		IsUnique:      isUnique,
		IsUnavailable: isUnavailable,
		QueryTimeout:  qt,
	}), nil
}

func isUnique(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

func isUnavailable(err error) bool {
	if errors.Is(err, driver.ErrBadConn) {
		return true
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var e *pgconn.PgError
	if errors.As(err, &e) {
		// Class 08: connection exceptions; 57P0x: shutdown; 53300: too many connections.
		return len(e.Code) == 5 && (e.Code[:2] == "08" || e.Code[:4] == "57P0" || e.Code == "53300")
	}
	return pgconn.SafeToRetry(err)
}
