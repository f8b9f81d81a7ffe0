package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/kragauth/krag/schema"
)

// Column describes a column found in the database.
type Column struct {
	Name    string
	Type    string // as the database reports it, lower case
	NotNull bool
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
		colQ = `select name, lower(type), "notnull" from pragma_table_info(?)`
		idxQ = `select name from pragma_index_list(?)`
		args = []any{name}
	case schema.MySQL:
		colQ = `select column_name, lower(column_type), is_nullable = 'NO' from information_schema.columns where table_schema = database() and table_name = ?`
		idxQ = `select distinct index_name from information_schema.statistics where table_schema = database() and table_name = ?`
		args = []any{name}
	case schema.Postgres:
		colQ = `select column_name, lower(data_type), is_nullable = 'NO' from information_schema.columns where table_schema = current_schema() and table_name = $1`
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
		if err := rows.Scan(&c.Name, &c.Type, &c.NotNull); err != nil {
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
			steps = append(steps, Step{Table: t.PhysicalName(), Reason: "create table " + t.PhysicalName(), SQL: d.CreateTable(s, t)})
			for j := range t.Fields {
				f := &t.Fields[j]
				if f.Index && !f.Unique {
					idx = append(idx, Step{Table: t.PhysicalName(), Reason: "index " + t.PhysicalName() + "." + f.ColumnName(), SQL: d.CreateIndex(t, f, false)})
				}
			}
			continue
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
	}
	return append(steps, idx...), nil
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

// Migrate applies Plan's statements in order and returns them.
func (db *DB) Migrate(ctx context.Context, s *schema.Schema) ([]Step, error) {
	steps, err := db.Plan(ctx, s)
	if err != nil {
		return nil, err
	}
	for i, st := range steps {
		if _, err := db.sql.ExecContext(ctx, st.SQL); err != nil {
			return steps[:i], db.wrap(ctx, "migrate: "+st.Reason, err)
		}
	}
	return steps, nil
}
