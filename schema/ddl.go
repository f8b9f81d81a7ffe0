package schema

import (
	"fmt"
	"strings"
)

// Dialect names a SQL dialect for DDL and for the SQL store.
type Dialect string

// The dialects Krag supports.
const (
	SQLite   Dialect = "sqlite"
	MySQL    Dialect = "mysql"
	Postgres Dialect = "postgres"
)

// ParseDialect accepts "sqlite", "mysql" (also "mariadb") and "postgres" (also "postgresql", "pg").
func ParseDialect(s string) (Dialect, error) {
	switch strings.ToLower(s) {
	case "sqlite", "sqlite3":
		return SQLite, nil
	case "mysql", "mariadb":
		return MySQL, nil
	case "postgres", "postgresql", "pg":
		return Postgres, nil
	}
	return "", fmt.Errorf("schema: unknown dialect %q (want sqlite, mysql or postgres)", s)
}

// MySQLCollation is the collation of the tables Krag creates on MySQL: names and user agents
// need all of Unicode, and tokens and identifiers must compare byte for byte.
const MySQLCollation = "utf8mb4_bin"

// Quote returns name quoted as an identifier for d.
func (d Dialect) Quote(name string) string {
	if d == MySQL {
		return "`" + name + "`"
	}
	return `"` + name + `"`
}

// ColumnType returns the SQL type d uses for f, matching what Better Auth's migration generator
// emits (shared/spec/better-auth-core.md §7.2).
func (d Dialect) ColumnType(f *Field) string {
	switch d {
	case SQLite:
		switch f.Type {
		case String, JSON, StringArray, NumberArray:
			return "text"
		case Number, Boolean:
			return "integer"
		case Date:
			return "date"
		}
	case Postgres:
		switch f.Type {
		case String:
			return "text"
		case Number:
			if f.BigInt {
				return "bigint"
			}
			return "integer"
		case Boolean:
			return "boolean"
		case Date:
			return "timestamptz"
		case JSON, StringArray, NumberArray:
			return "jsonb"
		}
	case MySQL:
		switch f.Type {
		case String:
			switch {
			case f.Name == "id" || f.References != nil:
				return "varchar(36)"
			case f.Unique || f.Index || f.Sortable:
				return "varchar(255)"
			}
			return "text"
		case Number:
			if f.BigInt {
				return "bigint"
			}
			return "integer"
		case Boolean:
			return "boolean"
		case Date:
			return "timestamp(3)"
		case JSON, StringArray, NumberArray:
			return "json"
		}
	}
	return "text"
}

// ColumnDef returns the column definition of f for CREATE TABLE or ALTER TABLE ADD COLUMN.
// primary marks the table's primary key.
func (d Dialect) ColumnDef(f *Field, primary bool) string {
	var b strings.Builder
	b.WriteString(d.Quote(f.ColumnName()))
	b.WriteByte(' ')
	b.WriteString(d.ColumnType(f))
	if d == MySQL && f.Collation != "" && f.Type == String && validName(f.Collation) {
		b.WriteString(" collate " + f.Collation)
	}
	if f.Required || primary {
		b.WriteString(" not null")
	}
	if primary {
		b.WriteString(" primary key")
	}
	if f.Unique && !primary {
		b.WriteString(" unique")
	}
	if f.DefaultNow && f.Type == Date {
		switch d {
		case Postgres:
			b.WriteString(" default CURRENT_TIMESTAMP")
		case MySQL:
			b.WriteString(" default CURRENT_TIMESTAMP(3)")
		}
	}
	return b.String()
}

// reference returns the inline foreign key clause of f, or "". MySQL parses inline REFERENCES
// but ignores them, so its foreign keys are table constraints instead (foreignKey).
func (d Dialect) reference(s *Schema, f *Field) string {
	if f.References == nil || d == MySQL {
		return ""
	}
	return d.referenceClause(s, f)
}

// foreignKey returns MySQL's table-level foreign key for f.
func (d Dialect) foreignKey(s *Schema, f *Field) string {
	return "foreign key (" + d.Quote(f.ColumnName()) + ")" + d.referenceClause(s, f)
}

func (d Dialect) referenceClause(s *Schema, f *Field) string {
	rt := s.Table(f.References.Table)
	if rt == nil {
		return ""
	}
	col := f.References.Field
	if rf := rt.Field(col); rf != nil {
		col = rf.ColumnName()
	}
	out := fmt.Sprintf(" references %s (%s)", d.Quote(rt.PhysicalName()), d.Quote(col))
	if f.References.OnDelete != "" {
		out += " on delete " + f.References.OnDelete
	}
	return out
}

// CreateTable returns the CREATE TABLE statement for t, with inline foreign keys to tables of s.
func (d Dialect) CreateTable(s *Schema, t *Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "create table %s (", d.Quote(t.PhysicalName()))
	for i := range t.Fields {
		f := &t.Fields[i]
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.ColumnDef(f, i == 0))
		b.WriteString(d.reference(s, f))
	}
	if d == MySQL {
		for i := range t.Fields {
			if f := &t.Fields[i]; f.References != nil && s.Table(f.References.Table) != nil {
				b.WriteString(", ")
				b.WriteString(d.foreignKey(s, f))
			}
		}
	}
	b.WriteString(")")
	if d == MySQL {
		// Whatever the database's default: names and user agents need all of Unicode, and
		// tokens and identifiers must compare byte for byte (the default collations ignore
		// case).
		b.WriteString(" character set utf8mb4 collate " + MySQLCollation)
	}
	return b.String()
}

// AddColumn returns the statement adding f to t.
func (d Dialect) AddColumn(s *Schema, t *Table, f *Field) string {
	def := d.ColumnDef(f, false)
	if d == SQLite && f.Unique {
		// SQLite cannot add a UNIQUE column; the unique index is created separately.
		def = strings.Replace(def, " unique", "", 1)
	}
	stmt := fmt.Sprintf("alter table %s add column %s%s", d.Quote(t.PhysicalName()), def, d.reference(s, f))
	if d == MySQL && f.References != nil && s.Table(f.References.Table) != nil {
		stmt += ", add " + d.foreignKey(s, f)
	}
	return stmt
}

// IndexName returns Better Auth's name for the index on t.f: <table>_<field>_idx.
func IndexName(t *Table, f *Field) string {
	return t.PhysicalName() + "_" + f.ColumnName() + "_idx"
}

// CreateIndex returns the CREATE INDEX statement for t.f (unique when unique is set).
func (d Dialect) CreateIndex(t *Table, f *Field, unique bool) string {
	kind := "index"
	name := IndexName(t, f)
	if unique {
		kind = "unique index"
		name = t.PhysicalName() + "_" + f.ColumnName() + "_uidx"
	}
	return fmt.Sprintf("create %s %s on %s (%s)", kind, d.Quote(name), d.Quote(t.PhysicalName()), d.Quote(f.ColumnName()))
}

// CompositeIndexName returns ix's name in the database on table t.
func CompositeIndexName(t *Table, ix *Index) string {
	if ix.Name != "" {
		return ix.Name
	}
	name := t.PhysicalName()
	for _, fn := range ix.Fields {
		if f := t.Field(fn); f != nil {
			name += "_" + f.ColumnName()
		}
	}
	if ix.Unique {
		return name + "_uidx"
	}
	return name + "_idx"
}

// CreateCompositeIndex returns the CREATE INDEX statement for ix on t.
func (d Dialect) CreateCompositeIndex(t *Table, ix *Index) string {
	kind := "index"
	if ix.Unique {
		kind = "unique index"
	}
	cols := make([]string, len(ix.Fields))
	for i, fn := range ix.Fields {
		col := fn
		if f := t.Field(fn); f != nil {
			col = f.ColumnName()
		}
		cols[i] = d.Quote(col)
	}
	return fmt.Sprintf("create %s %s on %s (%s)", kind, d.Quote(CompositeIndexName(t, ix)), d.Quote(t.PhysicalName()), strings.Join(cols, ", "))
}

// DDL returns the statements creating every table of s and its indexes, in order (tables in
// declaration order, then indexes), as Better Auth's generator lays them out.
func (d Dialect) DDL(s *Schema) []string {
	var out, idx []string
	for i := range s.Tables {
		t := &s.Tables[i]
		out = append(out, d.CreateTable(s, t))
		for j := range t.Fields {
			f := &t.Fields[j]
			if f.Index && !f.Unique {
				idx = append(idx, d.CreateIndex(t, f, false))
			}
		}
		for j := range t.Indexes {
			idx = append(idx, d.CreateCompositeIndex(t, &t.Indexes[j]))
		}
	}
	return append(out, idx...)
}
