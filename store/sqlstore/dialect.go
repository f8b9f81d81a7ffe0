package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/kragauth/krag/schema"
)

// Dialect tells the store how one database differs. The driver packages (store/sqlite,
// store/mysql, store/postgres) fill it; the SQL itself is written once, in this package.
type Dialect struct {
	// Name selects quoting, column types and value encodings.
	Name schema.Dialect
	// IsUnique reports whether err is a unique-constraint violation.
	IsUnique func(err error) bool
	// IsUnavailable reports whether err means the database cannot be reached (connection
	// refused or lost, server shutting down). Context deadlines are detected by the store.
	IsUnavailable func(err error) bool
	// QueryTimeout bounds each call (a transaction as a whole) whose context has no earlier
	// deadline; 0 means none. A database that hangs then fails calls instead of hanging them.
	QueryTimeout time.Duration
}

func (d *Dialect) placeholder(b []byte, n int) []byte {
	if d.Name == schema.Postgres {
		b = append(b, '$')
		return strconv.AppendInt(b, int64(n), 10)
	}
	return append(b, '?')
}

func (d *Dialect) quote(b []byte, name string) []byte {
	q := byte('"')
	if d.Name == schema.MySQL {
		q = '`'
	}
	b = append(b, q)
	b = append(b, name...)
	return append(b, q)
}

// bound applies QueryTimeout to ctx.
func (d *Dialect) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if d.QueryTimeout <= 0 {
		return ctx, func() {}
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= d.QueryTimeout {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d.QueryTimeout)
}

// Pool configures a network database's connection pool; store/mysql and store/postgres embed
// it in their Options. The zero value is ready to use.
type Pool struct {
	// MaxOpenConns caps open connections; 0 means 16.
	MaxOpenConns int
	// MaxIdleConns caps idle connections; 0 means MaxOpenConns.
	MaxIdleConns int
	// ConnMaxLifetime closes connections older than this; 0 means 30 minutes.
	ConnMaxLifetime time.Duration
	// DialTimeout bounds connecting; 0 means 5 s.
	DialTimeout time.Duration
	// QueryTimeout bounds every call that has no earlier deadline; 0 means 10 s.
	QueryTimeout time.Duration
}

// WithDefaults returns p with its zero fields set to their defaults.
func (p Pool) WithDefaults() Pool {
	if p.MaxOpenConns <= 0 {
		p.MaxOpenConns = 16
	}
	if p.MaxIdleConns <= 0 {
		p.MaxIdleConns = p.MaxOpenConns
	}
	if p.ConnMaxLifetime <= 0 {
		p.ConnMaxLifetime = 30 * time.Minute
	}
	if p.DialTimeout <= 0 {
		p.DialTimeout = 5 * time.Second
	}
	if p.QueryTimeout <= 0 {
		p.QueryTimeout = 10 * time.Second
	}
	return p
}

// Open sets the pool's limits on db, checks that the database answers within DialTimeout and
// wraps it for the store; on failure it closes db. what names the server in errors.
func (p Pool) Open(ctx context.Context, db *sql.DB, d Dialect, what string) (*DB, error) {
	p = p.WithDefaults()
	db.SetMaxOpenConns(p.MaxOpenConns)
	db.SetMaxIdleConns(p.MaxIdleConns)
	db.SetConnMaxLifetime(p.ConnMaxLifetime)
	pctx, cancel := context.WithTimeout(ctx, p.DialTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: connect to %s: %w", d.Name, what, err)
	}
	d.QueryTimeout = p.QueryTimeout
	return Open(db, d), nil
}
