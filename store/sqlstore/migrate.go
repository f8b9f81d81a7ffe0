package sqlstore

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/kragauth/krag/schema"
)

// Column describes a column found in the database.
type Column struct {
	Name       string
	Type       string // as the database reports it, lower case
	NotNull    bool
	HasDefault bool
	// Collation is a MySQL text column's collation ("" elsewhere).
	Collation string
}

// Existing is what the database holds for one table.
type Existing struct {
	Columns map[string]Column // by lower-cased column name
	Indexes map[string]bool   // lower-cased index names
}

// Inspect returns the existing tables among those named in s, keyed by logical table name.
// Tables that do not exist are absent from the result.
func (db *DB) Inspect(ctx context.Context, s *schema.Schema) (map[string]*Existing, error) {
	out := map[string]*Existing{}
	for i := range s.Tables {
		t := &s.Tables[i]
		ex, err := db.inspectTable(ctx, t.PhysicalName())
		if err != nil {
			return nil, db.wrap(ctx, "inspect "+t.PhysicalName(), err)
		}
		if ex != nil {
			out[t.Name] = ex
		}
	}
	return out, nil
}

func (db *DB) inspectTable(ctx context.Context, name string) (*Existing, error) {
	var colQ, idxQ string
	var args []any
	switch db.d.Name {
	case schema.SQLite:
		colQ = `select name, lower(type), "notnull", dflt_value is not null, '' from pragma_table_info(?)`
		idxQ = `select name from pragma_index_list(?)`
		args = []any{name}
	case schema.MySQL:
		colQ = `select column_name, lower(column_type), is_nullable = 'NO', column_default is not null, coalesce(collation_name, '') from information_schema.columns where table_schema = database() and table_name = ?`
		idxQ = `select distinct index_name from information_schema.statistics where table_schema = database() and table_name = ?`
		args = []any{name}
	case schema.Postgres:
		colQ = `select column_name, lower(data_type), is_nullable = 'NO', column_default is not null, '' from information_schema.columns where table_schema = current_schema() and table_name = $1`
		idxQ = `select indexname from pg_indexes where schemaname = current_schema() and tablename = $1`
		args = []any{name}
	default:
		return nil, fmt.Errorf("sqlstore: no introspection for dialect %q", db.d.Name)
	}
	rows, err := db.sql.QueryContext(ctx, colQ, args...)
	if err != nil {
		return nil, err
	}
	ex := &Existing{Columns: map[string]Column{}, Indexes: map[string]bool{}}
	for rows.Next() {
		var c Column
		if err := rows.Scan(&c.Name, &c.Type, &c.NotNull, &c.HasDefault, &c.Collation); err != nil {
			rows.Close()
			return nil, err
		}
		ex.Columns[strings.ToLower(c.Name)] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ex.Columns) == 0 {
		return nil, nil
	}
	rows, err = db.sql.QueryContext(ctx, idxQ, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		ex.Indexes[strings.ToLower(n)] = true
	}
	return ex, rows.Err()
}

// Step is one statement of a migration plan, with a sentence saying why.
type Step struct {
	Table  string `json:"table"`
	Reason string `json:"reason"`
	SQL    string `json:"sql"`
}

// Plan returns the statements that bring the database up to s: missing tables, columns and
// indexes. It never drops or rewrites anything. A column that exists with a type that cannot
// hold the field is an error naming it.
func (db *DB) Plan(ctx context.Context, s *schema.Schema) ([]Step, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	existing, err := db.Inspect(ctx, s)
	if err != nil {
		return nil, err
	}
	d := db.d.Name
	var steps, idx []Step
	for i := range s.Tables {
		t := &s.Tables[i]
		ex := existing[t.Name]
		if ex == nil {
			steps = append(steps, Step{Table: t.PhysicalName(), Reason: "create table " + t.PhysicalName(), SQL: d.CreateTable(s, matchCollations(t, existing, s))})
			for j := range t.Fields {
				f := &t.Fields[j]
				if f.Index && !f.Unique {
					idx = append(idx, Step{Table: t.PhysicalName(), Reason: "index " + t.PhysicalName() + "." + f.ColumnName(), SQL: d.CreateIndex(t, f, false)})
				}
			}
			for k := range t.Indexes {
				ix := &t.Indexes[k]
				idx = append(idx, Step{Table: t.PhysicalName(), Reason: "index " + schema.CompositeIndexName(t, ix), SQL: d.CreateCompositeIndex(t, ix)})
			}
			continue
		}
		for k := range t.Indexes {
			ix := &t.Indexes[k]
			if !ex.Indexes[strings.ToLower(schema.CompositeIndexName(t, ix))] {
				idx = append(idx, Step{Table: t.PhysicalName(), Reason: "index " + schema.CompositeIndexName(t, ix), SQL: d.CreateCompositeIndex(t, ix)})
			}
		}
		for j := range t.Fields {
			f := &t.Fields[j]
			col, ok := ex.Columns[strings.ToLower(f.ColumnName())]
			if !ok {
				if f.Required && f.Default == nil && j > 0 {
					// A NOT NULL column without a default cannot be added to a table with rows.
					nf := *f
					nf.Required = false
					f = &nf
				}
				steps = append(steps, Step{Table: t.PhysicalName(), Reason: fmt.Sprintf("add column %s.%s", t.PhysicalName(), f.ColumnName()), SQL: d.AddColumn(s, t, f)})
				if f.Unique && d == schema.SQLite {
					idx = append(idx, Step{Table: t.PhysicalName(), Reason: "unique index " + t.PhysicalName() + "." + f.ColumnName(), SQL: d.CreateIndex(t, f, true)})
				}
				if f.Index && !f.Unique {
					idx = append(idx, Step{Table: t.PhysicalName(), Reason: "index " + t.PhysicalName() + "." + f.ColumnName(), SQL: d.CreateIndex(t, f, false)})
				}
				continue
			}
			if !compatible(d, f, col.Type) {
				return nil, fmt.Errorf("sqlstore: column %s.%s has type %q, which cannot hold a %s field; change it by hand, then run again",
					t.PhysicalName(), f.ColumnName(), col.Type, f.Type)
			}
			if f.Index && !f.Unique && !ex.Indexes[strings.ToLower(schema.IndexName(t, f))] {
				idx = append(idx, Step{Table: t.PhysicalName(), Reason: "index " + t.PhysicalName() + "." + f.ColumnName(), SQL: d.CreateIndex(t, f, false)})
			}
		}
		// Columns Krag does not know cannot be NOT NULL without a default, or every insert
		// fails: Better Auth 1.7.0-1.7.2 left account.issuer so. Such columns become nullable;
		// their data stays.
		for _, col := range sortedColumns(ex) {
			if !col.NotNull || col.HasDefault || known(t, col.Name) {
				continue
			}
			st, err := db.relaxNotNull(ctx, t.PhysicalName(), col)
			if err != nil {
				return nil, err
			}
			steps = append(steps, st)
		}
	}
	return append(steps, idx...), nil
}

// matchCollations returns t, or a copy whose foreign-key text columns take the collation of the
// existing columns they reference: MySQL refuses a foreign key between text columns of different
// collations, and tables made by others (Better Auth) use the database's default one.
func matchCollations(t *schema.Table, existing map[string]*Existing, s *schema.Schema) *schema.Table {
	var out *schema.Table
	for i := range t.Fields {
		f := &t.Fields[i]
		if f.References == nil || f.Type != schema.String {
			continue
		}
		ex, rt := existing[f.References.Table], s.Table(f.References.Table)
		if ex == nil || rt == nil {
			continue
		}
		rf := rt.Field(f.References.Field)
		if rf == nil {
			continue
		}
		col, ok := ex.Columns[strings.ToLower(rf.ColumnName())]
		if !ok || col.Collation == "" || col.Collation == schema.MySQLCollation {
			continue
		}
		if out == nil {
			c := *t
			c.Fields = slices.Clone(t.Fields)
			out = &c
		}
		out.Fields[i].Collation = col.Collation
	}
	if out == nil {
		return t
	}
	return out
}

func known(t *schema.Table, column string) bool {
	for i := range t.Fields {
		if strings.EqualFold(t.Fields[i].ColumnName(), column) {
			return true
		}
	}
	return false
}

func sortedColumns(ex *Existing) []Column {
	out := make([]Column, 0, len(ex.Columns))
	for _, c := range ex.Columns {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Column) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// notNullRE finds a column's NOT NULL in SQLite's stored CREATE TABLE text.
func notNullRE(column string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)([\x60"\[]?` + regexp.QuoteMeta(column) + `[\x60"\]]?\s+[a-z]+(?:\s*\([0-9, ]+\))?)\s+not\s+null`)
}

// relaxNotNull returns the step that makes an unknown column nullable.
func (db *DB) relaxNotNull(ctx context.Context, table string, col Column) (Step, error) {
	d := db.d.Name
	st := Step{Table: table, Reason: fmt.Sprintf("make %s.%s nullable (a column Krag does not write)", table, col.Name)}
	switch d {
	case schema.Postgres:
		st.SQL = fmt.Sprintf("alter table %s alter column %s drop not null", d.Quote(table), d.Quote(col.Name))
	case schema.MySQL:
		st.SQL = fmt.Sprintf("alter table %s modify column %s %s null", d.Quote(table), d.Quote(col.Name), col.Type)
	case schema.SQLite:
		// SQLite cannot alter a column: rebuild the table (its documented procedure), on one
		// connection with foreign keys off, keeping every row and index.
		var create string
		if err := db.sql.QueryRowContext(ctx, `select sql from sqlite_master where type = 'table' and name = ?`, table).Scan(&create); err != nil {
			return st, fmt.Errorf("sqlstore: read the definition of %s: %w", table, err)
		}
		re := notNullRE(col.Name)
		if !re.MatchString(create) {
			return st, fmt.Errorf("sqlstore: %s.%s is NOT NULL without a default and Krag cannot find it in the table's definition; make it nullable by hand", table, col.Name)
		}
		tmp := table + "__krag_rebuild"
		newCreate := re.ReplaceAllString(create, "$1")
		i := strings.Index(newCreate, "(")
		newCreate = "create table " + d.Quote(tmp) + " " + newCreate[i:]
		var b strings.Builder
		b.WriteString("pragma foreign_keys = off;\nbegin;\n")
		b.WriteString(newCreate + ";\n")
		fmt.Fprintf(&b, "insert into %s select * from %s;\n", d.Quote(tmp), d.Quote(table))
		fmt.Fprintf(&b, "drop table %s;\n", d.Quote(table))
		fmt.Fprintf(&b, "alter table %s rename to %s;\n", d.Quote(tmp), d.Quote(table))
		rows, err := db.sql.QueryContext(ctx, `select sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null`, table)
		if err != nil {
			return st, err
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return st, err
			}
			b.WriteString(s + ";\n")
		}
		rows.Close()
		b.WriteString("commit;\npragma foreign_keys = on")
		st.SQL = b.String()
	}
	return st, nil
}

// compatible reports whether a column of the database type typ can hold field f.
func compatible(d schema.Dialect, f *schema.Field, typ string) bool {
	typ = strings.ToLower(typ)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(typ, w) {
				return true
			}
		}
		return false
	}
	if d == schema.SQLite {
		// SQLite's type affinity lets any column hold any value; only reject types that
		// would coerce ours (numeric affinity on text that looks numeric is harmless here).
		return true
	}
	switch f.Type {
	case schema.String:
		return has("char", "text", "uuid", "clob")
	case schema.Number:
		return has("int", "numeric", "decimal", "double", "real", "float")
	case schema.Boolean:
		return has("bool", "tinyint", "bit", "smallint", "int")
	case schema.Date:
		return has("time", "date")
	default:
		return has("json", "text", "char")
	}
}

// Migrate applies Plan's statements in order, on one connection, and returns them.
func (db *DB) Migrate(ctx context.Context, s *schema.Schema) ([]Step, error) {
	steps, err := db.Plan(ctx, s)
	if err != nil {
		return nil, err
	}
	if len(steps) == 0 {
		return nil, nil
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, db.wrap(ctx, "migrate", err)
	}
	defer conn.Close()
	for i, st := range steps {
		if _, err := conn.ExecContext(ctx, st.SQL); err != nil {
			return steps[:i], db.wrap(ctx, "migrate: "+st.Reason, err)
		}
	}
	return steps, nil
}
