// Package store defines the storage seam under Krag: a small, generic, context-first interface
// over tables described by package schema, and the one untyped value Krag allows, Record.
//
// Names in a Store call are logical names (table "user", field "emailVerified"); an
// implementation maps them to physical names once. Above this package, Krag's typed layer turns
// records into *krag.User, *krag.Session and so on; records never travel further up.
//
// The package imports no database driver: backends live in their own packages (store/sqlstore
// and the thin store/sqlite, store/mysql, store/postgres).
package store

import (
	"context"
	"errors"
	"time"

	"github.com/kragauth/krag/schema"
)

// ErrNotFound is returned by FindOne when no row matches.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned (wrapped) when a write violates a unique constraint, whatever the
// database: Krag maps it to USER_ALREADY_EXISTS and similar codes.
var ErrConflict = errors.New("store: unique constraint violated")

// ErrUnavailable is returned (wrapped) when the database cannot be reached or the query timed
// out. Krag answers it with 503.
var ErrUnavailable = errors.New("store: database unavailable")

// Record is one row: logical field name to value. Values are string, int64, float64, bool,
// time.Time (UTC), []byte or nil (NULL). It is the only map Krag passes between layers, and it
// stays below the typed layer.
type Record map[string]any

// Op is a comparison operator in a Where clause.
type Op uint8

// Operators, as in Better Auth's adapter where-clauses.
const (
	Eq         Op = iota // field = value (value nil: IS NULL)
	Ne                   // field <> value (value nil: IS NOT NULL)
	Lt                   // field < value
	Lte                  // field <= value
	Gt                   // field > value
	Gte                  // field >= value
	In                   // field IN (values...); Value is a []any
	NotIn                // field NOT IN (values...); Value is a []any
	Contains             // string contains Value (LIKE %v%, with wildcards escaped)
	StartsWith           // string starts with Value
	EndsWith             // string ends with Value
)

// Where is one condition. Conditions in a slice are joined with AND, except that a condition
// with Or set is joined to the previous one with OR, binding tighter than AND: [a, b(Or), c]
// means (a OR b) AND c.
type Where struct {
	Field string
	Op    Op
	Value any
	Or    bool
	// Exact compares strings byte for byte whatever the column's collation (MySQL's default
	// ones ignore case; PostgreSQL's order by locale).
	Exact bool
}

// Is returns the condition field = v, the most common one.
func Is(field string, v any) Where { return Where{Field: field, Op: Eq, Value: v} }

// Sort orders FindMany results.
type Sort struct {
	Field string
	Desc  bool
}

// Join asks FindOne or FindMany to load, with each row, the row of Table whose Key field equals
// this row's On field (a many-to-one join such as session.userId → user.id). The joined row is
// returned under the key Table in the result, as a Record, or nil when there is none.
type Join struct {
	Table string
	On    string // field of the main table
	Key   string // field of the joined table; "" means "id"
}

// Query selects rows for FindMany.
type Query struct {
	Where []Where
	// Filter, when not nil, is AND-ed with Where: a boolean expression of any shape.
	Filter Expr
	Sort   []Sort
	Limit  int // 0: no limit
	Offset int
	Join   []Join
}

// Expr is a boolean expression over a table's fields, for Query.Filter: And, Or, Not, a Where
// leaf (Leaf), or a constant (Bool). Leaves follow SQL's three-valued logic; callers that need
// two-valued answers under Not guard NULLs themselves (Eq nil is IS NULL).
type Expr interface{ isExpr() }

// And is true when every expression is; an empty And is true.
type And []Expr

// Or is true when some expression is; an empty Or is false.
type Or []Expr

// Not negates an expression.
type Not struct{ X Expr }

// Leaf is one condition.
type Leaf Where

// Bool is a constant.
type Bool bool

func (And) isExpr()  {}
func (Or) isExpr()   {}
func (Not) isExpr()  {}
func (Leaf) isExpr() {}
func (Bool) isExpr() {}

// Store is the storage interface. Implementations are safe for concurrent use, bound every call
// by ctx, and return ErrNotFound, ErrConflict or ErrUnavailable (wrapped) where they apply.
type Store interface {
	// Create inserts rec into table. The caller supplies every value, the id included.
	Create(ctx context.Context, table string, rec Record) error
	// FindOne returns the first row matching where, with the joined rows of joins.
	FindOne(ctx context.Context, table string, where []Where, joins ...Join) (Record, error)
	// FindMany returns the rows matching q.
	FindMany(ctx context.Context, table string, q Query) ([]Record, error)
	// Count returns the number of rows matching where.
	Count(ctx context.Context, table string, where []Where) (int64, error)
	// Update sets the fields of set on every row matching where and returns how many rows matched.
	Update(ctx context.Context, table string, where []Where, set Record) (int64, error)
	// Delete removes every row matching where and returns how many were removed.
	Delete(ctx context.Context, table string, where []Where) (int64, error)
	// Tx runs fn in a transaction: the Store it receives sees and makes changes atomically;
	// they are committed if fn returns nil and rolled back otherwise. Tx inside Tx reuses the
	// outer transaction.
	Tx(ctx context.Context, fn func(Store) error) error
}

// Time returns t truncated to milliseconds in UTC: the precision every backend keeps, so that a
// value read back compares equal to the one written.
func Time(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// Database is an open database that can serve a Store for the tables of a schema.
// *sqlstore.DB implements it.
type Database interface {
	// Store returns a Store over the tables of s. It does not create them: migrations do.
	Store(s *schema.Schema) (Store, error)
}
