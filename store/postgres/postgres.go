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

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store/sqlstore"
)

// Options tune the connection pool. The zero value is ready to use.
type Options struct {
	sqlstore.Pool
}

// Open connects to the database named by dsn: "postgres://user:password@host:5432/db" (also
// "postgresql://", and libpq key=value strings).
func Open(ctx context.Context, dsn string, o Options) (*sqlstore.DB, error) {
	pcfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: DSN: %w", err)
	}
	pool := o.Pool.WithDefaults()
	if pcfg.ConnectTimeout == 0 {
		pcfg.ConnectTimeout = pool.DialTimeout
	}
	return pool.Open(ctx, stdlib.OpenDB(*pcfg), sqlstore.Dialect{
		Name:          schema.Postgres,
		IsUnique:      isUnique,
		IsUnavailable: isUnavailable,
	}, fmt.Sprintf("%s:%d as %s", pcfg.Host, pcfg.Port, pcfg.User))
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
