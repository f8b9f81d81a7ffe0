// Package sqlstore is Krag's one database/sql implementation of store.Store, parameterised by a
// Dialect. Every query Krag runs is built here, from the logical names of package schema, with
// bound parameters only; the driver packages (store/sqlite, store/mysql, store/postgres) choose
// the dialect and open the connection pool.
//
// Statements are prepared once per SQL text and reused; values are converted between Go types
// and each database's encoding (dates as ISO text on SQLite, as Better Auth writes them).
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

// DB is an open database: a connection pool and its dialect. It is safe for concurrent use.
type DB struct {
	sql    *sql.DB
	d      Dialect
	cached atomic.Int64 // statements in the caches of this DB's stores
}

// Open wraps an open *sql.DB. The driver packages call it; applications call their Open.
func Open(db *sql.DB, d Dialect) *DB {
	if d.IsUnique == nil {
		d.IsUnique = func(error) bool { return false }
	}
	if d.IsUnavailable == nil {
		d.IsUnavailable = func(error) bool { return false }
	}
	return &DB{sql: db, d: d}
}

// SQL returns the underlying pool, for tests and tools.
func (db *DB) SQL() *sql.DB { return db.sql }

// Dialect returns the database's dialect.
func (db *DB) Dialect() schema.Dialect { return db.d.Name }

// Close closes the pool.
func (db *DB) Close() error { return db.sql.Close() }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return db.wrap(ctx, "ping", err)
	}
	return nil
}

// Store returns a store.Store over the tables of s, which must be valid. The Store shares the
// pool of db.
func (db *DB) Store(s *schema.Schema) (store.Store, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	st := &Store{db: db, d: &db.d, tables: map[string]*table{}, stmts: &sync.Map{}, prefixes: &sync.Map{}}
	for i := range s.Tables {
		st.tables[s.Tables[i].Name] = newTable(&db.d, &s.Tables[i])
	}
	return st, nil
}

// table is a schema table with what the store needs precomputed.
type table struct {
	t      *schema.Table
	quoted []byte            // quoted physical name
	fields map[string]*field // by logical name
	cols   []byte            // quoted column list for SELECT, in field order
}

type field struct {
	f      *schema.Field
	quoted []byte
}

func newTable(d *Dialect, t *schema.Table) *table {
	tb := &table{t: t, quoted: d.quote(nil, t.PhysicalName()), fields: map[string]*field{}}
	for i := range t.Fields {
		f := &t.Fields[i]
		q := d.quote(nil, f.ColumnName())
		tb.fields[f.Name] = &field{f: f, quoted: q}
		if i > 0 {
			tb.cols = append(tb.cols, ", "...)
		}
		tb.cols = d.selectExpr(tb.cols, "", f, q)
	}
	return tb
}

// selectExpr appends the SELECT expression of a column. On SQLite, dates are selected as text:
// the driver would otherwise try several layouts on every date it reads, and decode parses
// Better Auth's one layout far faster.
func (d *Dialect) selectExpr(b []byte, alias string, f *schema.Field, quoted []byte) []byte {
	cast := d.Name == schema.SQLite && f.Type == schema.Date
	if cast {
		b = append(b, "cast("...)
	}
	if alias != "" {
		b = append(b, alias...)
		b = append(b, '.')
	}
	b = append(b, quoted...)
	if cast {
		b = append(b, " as text)"...)
	}
	return b
}

// Store implements store.Store on a DB for one schema.
type Store struct {
	db       *DB
	d        *Dialect
	tables   map[string]*table
	stmts    *sync.Map // SQL text → *sql.Stmt, shared with transaction stores
	prefixes *sync.Map // joinKey → *prefix
	tx       *sql.Tx   // nil outside a transaction
}

var _ store.Store = (*Store)(nil)

func (s *Store) table(name string) (*table, error) {
	t, ok := s.tables[name]
	if !ok {
		return nil, fmt.Errorf("sqlstore: unknown table %q", name)
	}
	return t, nil
}

func (t *table) field(name string) (*field, error) {
	f, ok := t.fields[name]
	if !ok {
		return nil, fmt.Errorf("sqlstore: unknown field %s.%s", t.t.Name, name)
	}
	return f, nil
}

// maxCachedStmts bounds the statement cache: SQL texts that vary without bound (IN lists of
// many lengths) are prepared per call past it.
const maxCachedStmts = 512

// bound applies the dialect's query timeout to a call outside a transaction (a transaction
// is bounded as a whole by Tx).
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.tx != nil {
		return ctx, func() {}
	}
	return s.d.bound(ctx)
}

// stmt returns the prepared statement for query, prepared once on the pool and cached, and a
// function to call when done with it.
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, func(), error) {
	v, ok := s.stmts.Load(query)
	if !ok && s.tx != nil {
		// Preparing on the pool would need a second connection while this transaction holds
		// one: with every connection held by such a transaction, nothing would move.
		st, err := s.tx.PrepareContext(ctx, query)
		if err != nil {
			return nil, nil, err
		}
		return st, func() { st.Close() }, nil
	}
	if !ok {
		st, err := s.db.sql.PrepareContext(ctx, query)
		if err != nil {
			return nil, nil, err
		}
		if s.db.cached.Add(1) > maxCachedStmts {
			s.db.cached.Add(-1)
			return st, func() { st.Close() }, nil
		}
		if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
			s.db.cached.Add(-1)
			st.Close()
			v = prev
		} else {
			v = st
		}
	}
	st := v.(*sql.Stmt)
	if s.tx != nil {
		txst := s.tx.StmtContext(ctx, st)
		return txst, func() { txst.Close() }, nil
	}
	return st, func() {}, nil
}

func (s *Store) exec(ctx context.Context, query string, args []any) (int64, error) {
	st, done, err := s.stmt(ctx, query)
	if err != nil {
		return 0, err
	}
	defer done()
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// wrap classifies a driver error: unique violations become store.ErrConflict, lost or
// unreachable databases and expired deadlines store.ErrUnavailable.
func (db *DB) wrap(ctx context.Context, op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return err
	case db.d.IsUnique(err):
		return fmt.Errorf("%s: %w: %v", op, store.ErrConflict, err)
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return fmt.Errorf("%s: %w", op, err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, sql.ErrConnDone), db.d.IsUnavailable(err):
		return fmt.Errorf("%s: %w: %v", op, store.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Create implements store.Store.
func (s *Store) Create(ctx context.Context, tableName string, rec store.Record) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	t, err := s.table(tableName)
	if err != nil {
		return err
	}
	b := make([]byte, 0, 256)
	b = append(b, "insert into "...)
	b = append(b, t.quoted...)
	b = append(b, " ("...)
	args := make([]any, 0, len(rec))
	// Field order keeps the SQL text stable, so the prepared statement is reused.
	for i := range t.t.Fields {
		f := &t.t.Fields[i]
		v, ok := rec[f.Name]
		if !ok {
			continue
		}
		enc, err := s.encode(f, v)
		if err != nil {
			return fmt.Errorf("create %s: %w", tableName, err)
		}
		if len(args) > 0 {
			b = append(b, ", "...)
		}
		b = append(b, t.fields[f.Name].quoted...)
		args = append(args, enc)
	}
	if len(args) != len(rec) {
		for k := range rec {
			if _, ok := t.fields[k]; !ok {
				return fmt.Errorf("create %s: unknown field %q", tableName, k)
			}
		}
	}
	b = append(b, ") values ("...)
	for i := range args {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = s.d.placeholder(b, i+1)
	}
	b = append(b, ')')
	_, err = s.exec(ctx, string(b), args)
	return s.db.wrap(ctx, "create "+tableName, err)
}

// where appends " where ..." for ws to b, and the arguments to args. n is the number of
// placeholders already used.
func (s *Store) where(b []byte, args []any, t *table, alias string, ws []store.Where) ([]byte, []any, error) {
	if len(ws) == 0 {
		return b, args, nil
	}
	b = append(b, " where "...)
	open := false
	for i, w := range ws {
		nextOr := i+1 < len(ws) && ws[i+1].Or
		if i > 0 {
			if w.Or {
				b = append(b, " or "...)
			} else {
				if open {
					b = append(b, ')')
					open = false
				}
				b = append(b, " and "...)
			}
		}
		if nextOr && !open {
			b = append(b, '(')
			open = true
		}
		var err error
		if b, args, err = s.leaf(b, args, t, alias, w); err != nil {
			return nil, nil, err
		}
	}
	if open {
		b = append(b, ')')
	}
	return b, args, nil
}

// leaf appends one condition.
func (s *Store) leaf(b []byte, args []any, t *table, alias string, w store.Where) ([]byte, []any, error) {
	f, err := t.field(w.Field)
	if err != nil {
		return nil, nil, err
	}
	if w.Op == store.In || w.Op == store.NotIn {
		if vals, ok := w.Value.([]any); ok && len(vals) == 0 {
			// IN () matches nothing; NOT IN () matches everything.
			if w.Op == store.In {
				return append(b, "1 = 0"...), args, nil
			}
			return append(b, "1 = 1"...), args, nil
		}
	}
	exact := w.Exact && f.f.Type == schema.String
	if exact && s.d.Name == schema.MySQL {
		b = append(b, "binary "...)
	}
	if alias != "" {
		b = append(b, alias...)
		b = append(b, '.')
	}
	b = append(b, f.quoted...)
	if exact && s.d.Name == schema.Postgres {
		b = append(b, ` collate "C"`...)
	}
	switch w.Op {
	case store.Eq, store.Ne:
		if w.Value == nil {
			if w.Op == store.Eq {
				return append(b, " is null"...), args, nil
			}
			return append(b, " is not null"...), args, nil
		}
		if w.Op == store.Eq {
			b = append(b, " = "...)
		} else {
			b = append(b, " <> "...)
		}
	case store.Lt:
		b = append(b, " < "...)
	case store.Lte:
		b = append(b, " <= "...)
	case store.Gt:
		b = append(b, " > "...)
	case store.Gte:
		b = append(b, " >= "...)
	case store.In, store.NotIn:
		vals, ok := w.Value.([]any)
		if !ok {
			return nil, nil, fmt.Errorf("sqlstore: %s.%s: In and NotIn need a []any, got %T", t.t.Name, w.Field, w.Value)
		}
		if w.Op == store.In {
			b = append(b, " in ("...)
		} else {
			b = append(b, " not in ("...)
		}
		for j, v := range vals {
			enc, err := s.encode(f.f, v)
			if err != nil {
				return nil, nil, err
			}
			if j > 0 {
				b = append(b, ", "...)
			}
			args = append(args, enc)
			b = s.d.placeholder(b, len(args))
		}
		return append(b, ')'), args, nil
	case store.Contains, store.StartsWith, store.EndsWith:
		str, ok := w.Value.(string)
		if !ok {
			return nil, nil, fmt.Errorf("sqlstore: %s.%s: pattern operators need a string, got %T", t.t.Name, w.Field, w.Value)
		}
		str = escapeLike(str)
		switch w.Op {
		case store.Contains:
			str = "%" + str + "%"
		case store.StartsWith:
			str += "%"
		default:
			str = "%" + str
		}
		b = append(b, " like "...)
		args = append(args, str)
		b = s.d.placeholder(b, len(args))
		return append(b, " escape '!'"...), args, nil
	default:
		return nil, nil, fmt.Errorf("sqlstore: unknown operator %d", w.Op)
	}
	enc, err := s.encode(f.f, w.Value)
	if err != nil {
		return nil, nil, err
	}
	args = append(args, enc)
	return s.d.placeholder(b, len(args)), args, nil
}

// expr appends a boolean expression.
func (s *Store) expr(b []byte, args []any, t *table, alias string, e store.Expr) ([]byte, []any, error) {
	var err error
	switch x := e.(type) {
	case store.Bool:
		if x {
			return append(b, "1 = 1"...), args, nil
		}
		return append(b, "1 = 0"...), args, nil
	case store.Leaf:
		b = append(b, '(')
		if b, args, err = s.leaf(b, args, t, alias, store.Where(x)); err != nil {
			return nil, nil, err
		}
		return append(b, ')'), args, nil
	case store.Not:
		b = append(b, "not ("...)
		if b, args, err = s.expr(b, args, t, alias, x.X); err != nil {
			return nil, nil, err
		}
		return append(b, ')'), args, nil
	case store.And, store.Or:
		items, joiner, empty := []store.Expr(nil), " and ", "1 = 1"
		if a, ok := x.(store.And); ok {
			items = a
		} else {
			items, joiner, empty = x.(store.Or), " or ", "1 = 0"
		}
		if len(items) == 0 {
			return append(b, empty...), args, nil
		}
		b = append(b, '(')
		for i, it := range items {
			if i > 0 {
				b = append(b, joiner...)
			}
			if b, args, err = s.expr(b, args, t, alias, it); err != nil {
				return nil, nil, err
			}
		}
		return append(b, ')'), args, nil
	case nil:
		return append(b, "1 = 1"...), args, nil
	}
	return nil, nil, fmt.Errorf("sqlstore: unknown expression %T", e)
}

// filter appends Query.Filter to a statement that may already have a WHERE.
func (s *Store) filter(b []byte, args []any, t *table, alias string, hasWhere bool, e store.Expr) ([]byte, []any, error) {
	if e == nil {
		return b, args, nil
	}
	if hasWhere {
		b = append(b, " and "...)
	} else {
		b = append(b, " where "...)
	}
	return s.expr(b, args, t, alias, e)
}

// escapeLike escapes LIKE's wildcards with '!', an escape character that means nothing special
// in any dialect's string literals (a backslash does in MySQL's).
func escapeLike(s string) string {
	if !strings.ContainsAny(s, "%_!") {
		return s
	}
	r := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")
	return r.Replace(s)
}

type joined struct {
	t    *table
	j    store.Join
	on   *field
	key  *field
	name string // alias
}

// selectSQL builds a SELECT of t's columns (and joined tables' columns) with ws.
func (s *Store) selectSQL(t *table, ws []store.Where, joins []store.Join) ([]byte, []any, []joined, error) {
	b := make([]byte, 0, 256)
	b = append(b, "select "...)
	var js []joined
	if len(joins) == 0 {
		b = append(b, t.cols...)
		b = append(b, " from "...)
		b = append(b, t.quoted...)
		b, args, err := s.where(b, nil, t, "", ws)
		return b, args, nil, err
	}
	pre, err := s.joinPrefix(t, joins)
	if err != nil {
		return nil, nil, nil, err
	}
	b = append(b[:0], pre.sql...)
	js = pre.js
	b, args, err := s.where(b, nil, t, "t0", ws)
	return b, args, js, err
}

// joinKey names a SELECT ... FROM ... LEFT JOIN prefix of one table and one join.
type joinKey struct{ table, jtable, on, key string }

// prefix is a cached SELECT prefix with its joins.
type prefix struct {
	sql []byte
	js  []joined
}

// joinPrefix returns "select <columns> from <table> t0 left join ... " for t and joins, built
// once per shape: the column lists are the costly part of the statement text, and the session
// check builds this one on every request.
func (s *Store) joinPrefix(t *table, joins []store.Join) (*prefix, error) {
	var key joinKey
	if len(joins) == 1 {
		key = joinKey{t.t.Name, joins[0].Table, joins[0].On, joins[0].Key}
		if v, ok := s.prefixes.Load(key); ok {
			return v.(*prefix), nil
		}
	}
	b := make([]byte, 0, 512)
	b = append(b, "select "...)
	appendCols := func(alias string, tb *table) {
		for i := range tb.t.Fields {
			if i > 0 {
				b = append(b, ", "...)
			}
			f := &tb.t.Fields[i]
			b = s.d.selectExpr(b, alias, f, tb.fields[f.Name].quoted)
		}
	}
	appendCols("t0", t)
	var js []joined
	for i, j := range joins {
		jt, err := s.table(j.Table)
		if err != nil {
			return nil, err
		}
		on, err := t.field(j.On)
		if err != nil {
			return nil, err
		}
		k := j.Key
		if k == "" {
			k = "id"
		}
		kf, err := jt.field(k)
		if err != nil {
			return nil, err
		}
		b = append(b, ", "...)
		alias := fmt.Sprintf("t%d", i+1)
		appendCols(alias, jt)
		js = append(js, joined{t: jt, j: j, on: on, key: kf, name: alias})
	}
	b = append(b, " from "...)
	b = append(b, t.quoted...)
	b = append(b, " t0"...)
	for _, j := range js {
		b = append(b, " left join "...)
		b = append(b, j.t.quoted...)
		b = append(b, ' ')
		b = append(b, j.name...)
		b = append(b, " on "...)
		b = append(b, j.name...)
		b = append(b, '.')
		b = append(b, j.key.quoted...)
		b = append(b, " = t0."...)
		b = append(b, j.on.quoted...)
	}
	p := &prefix{sql: b, js: js}
	if len(joins) == 1 {
		s.prefixes.Store(key, p)
	}
	return p, nil
}

// scan reads one row of t (and its joins) into a Record.
func scan(rows *sql.Rows, t *table, js []joined) (store.Record, error) {
	n := len(t.t.Fields)
	for _, j := range js {
		n += len(j.t.t.Fields)
	}
	buf := make([]any, 2*n)
	vals, ptrs := buf[:n], buf[n:]
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	rec, err := record(t, vals[:len(t.t.Fields)])
	if err != nil {
		return nil, err
	}
	off := len(t.t.Fields)
	for _, j := range js {
		part := vals[off : off+len(j.t.t.Fields)]
		off += len(j.t.t.Fields)
		if part[0] == nil { // no joined row: its id is NULL
			rec[j.j.Table] = nil
			continue
		}
		jr, err := record(j.t, part)
		if err != nil {
			return nil, err
		}
		rec[j.j.Table] = jr
	}
	return rec, nil
}

func record(t *table, vals []any) (store.Record, error) {
	rec := make(store.Record, len(vals)+1)
	for i := range t.t.Fields {
		f := &t.t.Fields[i]
		v, err := decode(f, vals[i])
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", t.t.Name, err)
		}
		rec[f.Name] = v
	}
	return rec, nil
}

// FindOne implements store.Store.
func (s *Store) FindOne(ctx context.Context, tableName string, ws []store.Where, joins ...store.Join) (store.Record, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	t, err := s.table(tableName)
	if err != nil {
		return nil, err
	}
	b, args, js, err := s.selectSQL(t, ws, joins)
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", tableName, err)
	}
	b = append(b, " limit 1"...)
	var rec store.Record
	err = s.query(ctx, string(b), args, func(rows *sql.Rows) error {
		if !rows.Next() {
			return store.ErrNotFound
		}
		var err error
		rec, err = scan(rows, t, js)
		return err
	})
	if err != nil {
		return nil, s.db.wrap(ctx, "find "+tableName, err)
	}
	return rec, nil
}

// query runs a SELECT and hands the rows to fn. A read that fails because a pooled connection
// was dropped is retried once: reads are idempotent.
func (s *Store) query(ctx context.Context, q string, args []any, fn func(*sql.Rows) error) error {
	run := func() error {
		st, done, err := s.stmt(ctx, q)
		if err != nil {
			return err
		}
		defer done()
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := fn(rows); err != nil {
			return err
		}
		return rows.Err()
	}
	err := run()
	if err != nil && s.tx == nil && ctx.Err() == nil && (errors.Is(err, sql.ErrConnDone) || s.d.IsUnavailable(err)) {
		err = run()
	}
	return err
}

// FindMany implements store.Store.
func (s *Store) FindMany(ctx context.Context, tableName string, q store.Query) ([]store.Record, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	t, err := s.table(tableName)
	if err != nil {
		return nil, err
	}
	b, args, js, err := s.selectSQL(t, q.Where, q.Join)
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", tableName, err)
	}
	alias := ""
	if len(js) > 0 {
		alias = "t0."
	}
	if q.Filter != nil {
		// where() leaves an AND chain (OR runs are parenthesised), so the filter is AND-ed.
		if b, args, err = s.filter(b, args, t, strings.TrimSuffix(alias, "."), len(q.Where) > 0, q.Filter); err != nil {
			return nil, fmt.Errorf("find %s: %w", tableName, err)
		}
	}
	for i, so := range q.Sort {
		f, err := t.field(so.Field)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			b = append(b, " order by "...)
		} else {
			b = append(b, ", "...)
		}
		b = append(b, alias...)
		b = append(b, f.quoted...)
		if so.Desc {
			b = append(b, " desc"...)
		} else {
			b = append(b, " asc"...)
		}
	}
	if q.Limit > 0 || q.Offset > 0 {
		limit := q.Limit
		if limit <= 0 {
			limit = 1 << 31
		}
		b = fmt.Appendf(b, " limit %d", limit)
		if q.Offset > 0 {
			b = fmt.Appendf(b, " offset %d", q.Offset)
		}
	}
	var out []store.Record
	err = s.query(ctx, string(b), args, func(rows *sql.Rows) error {
		for rows.Next() {
			rec, err := scan(rows, t, js)
			if err != nil {
				return err
			}
			out = append(out, rec)
		}
		return nil
	})
	if err != nil {
		return nil, s.db.wrap(ctx, "find "+tableName, err)
	}
	return out, nil
}

// Count implements store.Store.
func (s *Store) Count(ctx context.Context, tableName string, ws []store.Where) (int64, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	t, err := s.table(tableName)
	if err != nil {
		return 0, err
	}
	b := append([]byte("select count(*) from "), t.quoted...)
	b, args, err := s.where(b, nil, t, "", ws)
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", tableName, err)
	}
	var n int64
	err = s.query(ctx, string(b), args, func(rows *sql.Rows) error {
		if !rows.Next() {
			return fmt.Errorf("count returned no row")
		}
		return rows.Scan(&n)
	})
	return n, s.db.wrap(ctx, "count "+tableName, err)
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, tableName string, ws []store.Where, set store.Record) (int64, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	t, err := s.table(tableName)
	if err != nil {
		return 0, err
	}
	if len(set) == 0 {
		return 0, fmt.Errorf("update %s: nothing to set", tableName)
	}
	b := make([]byte, 0, 256)
	b = append(b, "update "...)
	b = append(b, t.quoted...)
	b = append(b, " set "...)
	args := make([]any, 0, len(set)+len(ws))
	for i := range t.t.Fields {
		f := &t.t.Fields[i]
		v, ok := set[f.Name]
		if !ok {
			continue
		}
		enc, err := s.encode(f, v)
		if err != nil {
			return 0, fmt.Errorf("update %s: %w", tableName, err)
		}
		if len(args) > 0 {
			b = append(b, ", "...)
		}
		b = append(b, t.fields[f.Name].quoted...)
		b = append(b, " = "...)
		args = append(args, enc)
		b = s.d.placeholder(b, len(args))
	}
	if len(args) != len(set) {
		for k := range set {
			if _, ok := t.fields[k]; !ok {
				return 0, fmt.Errorf("update %s: unknown field %q", tableName, k)
			}
		}
	}
	b, args, err = s.where(b, args, t, "", ws)
	if err != nil {
		return 0, fmt.Errorf("update %s: %w", tableName, err)
	}
	n, err := s.exec(ctx, string(b), args)
	return n, s.db.wrap(ctx, "update "+tableName, err)
}

// Delete implements store.Store.
func (s *Store) Delete(ctx context.Context, tableName string, ws []store.Where) (int64, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	t, err := s.table(tableName)
	if err != nil {
		return 0, err
	}
	b := append([]byte("delete from "), t.quoted...)
	b, args, err := s.where(b, nil, t, "", ws)
	if err != nil {
		return 0, fmt.Errorf("delete %s: %w", tableName, err)
	}
	n, err := s.exec(ctx, string(b), args)
	return n, s.db.wrap(ctx, "delete "+tableName, err)
}

// Tx implements store.Store.
func (s *Store) Tx(ctx context.Context, fn func(store.Store) error) (err error) {
	if s.tx != nil {
		return fn(s)
	}
	ctx, cancel := s.d.bound(ctx)
	defer cancel()
	tx, err := s.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return s.db.wrap(ctx, "begin", err)
	}
	inner := *s
	inner.tx = tx
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(&inner); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.db.wrap(ctx, "commit", err)
	}
	return nil
}
