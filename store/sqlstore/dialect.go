package sqlstore

import (
	"context"
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
