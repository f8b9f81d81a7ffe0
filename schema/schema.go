// Package schema describes Krag's tables as data: the four core tables of Better Auth (user,
// session, account, verification), the extra fields an application declares on them, and the
// tables plugins contribute. The same description drives the SQL store, the DDL printed by
// `krag generate` and the migrations of `krag migrate`, so the schema can never drift from the
// code that runs.
//
// Names come in two layers: the logical name every part of Krag uses ("user", "emailVerified")
// and the physical name in the database, which Better Auth lets applications change (custom
// model and field names, plural table names). Table.Physical and Field.Column hold the latter.
package schema

import (
	"fmt"
	"slices"
	"strings"
)

// Type is the logical type of a field, as in Better Auth's schema.
type Type uint8

// Field types. JSON, StringArray and NumberArray hold JSON text.
const (
	String Type = iota + 1
	Number
	Boolean
	Date
	JSON
	StringArray
	NumberArray
)

// String returns Better Auth's name of the type ("string", "number", ...).
func (t Type) String() string {
	switch t {
	case String:
		return "string"
	case Number:
		return "number"
	case Boolean:
		return "boolean"
	case Date:
		return "date"
	case JSON:
		return "json"
	case StringArray:
		return "string[]"
	case NumberArray:
		return "number[]"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Reference is a foreign key.
type Reference struct {
	Table    string // logical table name
	Field    string // logical field name, usually "id"
	OnDelete string // "cascade", "set null", "restrict" or "" (no action)
}

// Field is one column.
type Field struct {
	// Name is the logical name, in Better Auth's camelCase ("emailVerified").
	Name string
	// Column is the physical column name; "" means Name.
	Column string
	Type   Type
	// Required makes the column NOT NULL.
	Required bool
	// Unique adds a unique constraint; Index adds a plain index.
	Unique, Index bool
	// Sortable marks strings that are compared or sorted, which MySQL needs as varchar(255).
	Sortable bool
	// BigInt stores a Number as a 64-bit integer where the database distinguishes.
	BigInt     bool
	References *Reference
	// Collation, for MySQL text columns, overrides the table's collation (MySQLCollation):
	// migrations set it on foreign keys to tables made with another one.
	Collation string
	// DefaultNow mirrors Better Auth's "default CURRENT_TIMESTAMP" on some date columns of the
	// generated DDL (PostgreSQL and MySQL). Krag itself always writes the time from Go.
	DefaultNow bool

	// The attributes below describe the field on the wire, for additional fields of user and
	// session (Better Auth's input, returned and defaultValue).

	// ReadOnly fields cannot be set by clients (Better Auth's input: false).
	ReadOnly bool
	// Hidden fields are never returned to clients (Better Auth's returned: false).
	Hidden bool
	// Default, when not nil, is stored at creation when the field is absent. It has the Go type
	// of the field: string, int64, float64, bool or time.Time.
	Default any
}

// ColumnName returns the physical column name.
func (f *Field) ColumnName() string {
	if f.Column != "" {
		return f.Column
	}
	return f.Name
}

// Table is one table.
type Table struct {
	// Name is the logical name ("user").
	Name string
	// Physical is the table's name in the database; "" means Name.
	Physical string
	// Fields lists the columns; the first is the primary key "id".
	Fields []Field
	// Indexes are indexes over several fields (single-field ones are Field.Index and
	// Field.Unique).
	Indexes []Index
}

// Index is an index over one or more fields of a table.
type Index struct {
	// Name is the index's name in the database; "" means <table>_<col>_<col>_idx (or _uidx).
	Name string
	// Fields are logical field names, in index order.
	Fields []string
	// Unique makes it a unique index.
	Unique bool
}

// PhysicalName returns the table's name in the database.
func (t *Table) PhysicalName() string {
	if t.Physical != "" {
		return t.Physical
	}
	return t.Name
}

// Field returns the field with the logical name, or nil.
func (t *Table) Field(name string) *Field {
	for i := range t.Fields {
		if t.Fields[i].Name == name {
			return &t.Fields[i]
		}
	}
	return nil
}

// Schema is a set of tables.
type Schema struct {
	Tables []Table
}

// Table returns the table with the logical name, or nil.
func (s *Schema) Table(name string) *Table {
	for i := range s.Tables {
		if s.Tables[i].Name == name {
			return &s.Tables[i]
		}
	}
	return nil
}

// Logical table names of the core tables.
const (
	UserTable         = "user"
	SessionTable      = "session"
	AccountTable      = "account"
	VerificationTable = "verification"
)

func id() Field { return Field{Name: "id", Type: String, Required: true} }

func userRef(index bool) Field {
	return Field{Name: "userId", Type: String, Required: true, Index: index,
		References: &Reference{Table: UserTable, Field: "id", OnDelete: "cascade"}}
}

// Core returns the four core tables, in Better Auth's column order (shared/spec/better-auth-core.md §7).
// Each call returns a fresh copy that the caller may change.
func Core() []Table {
	user := Table{Name: UserTable, Fields: []Field{
		id(),
		{Name: "name", Type: String, Required: true, Sortable: true},
		{Name: "email", Type: String, Required: true, Unique: true, Sortable: true},
		{Name: "emailVerified", Type: Boolean, Required: true, ReadOnly: true, Default: false},
		{Name: "image", Type: String},
		{Name: "createdAt", Type: Date, Required: true, DefaultNow: true},
		{Name: "updatedAt", Type: Date, Required: true, DefaultNow: true},
	}}
	session := Table{Name: SessionTable, Fields: []Field{
		id(),
		{Name: "expiresAt", Type: Date, Required: true},
		{Name: "token", Type: String, Required: true, Unique: true, Sortable: true},
		{Name: "createdAt", Type: Date, Required: true, DefaultNow: true},
		{Name: "updatedAt", Type: Date, Required: true},
		{Name: "ipAddress", Type: String},
		{Name: "userAgent", Type: String},
		userRef(true),
	}}
	account := Table{Name: AccountTable, Fields: []Field{
		id(),
		{Name: "accountId", Type: String, Required: true},
		{Name: "providerId", Type: String, Required: true},
		userRef(true),
		{Name: "accessToken", Type: String},
		{Name: "refreshToken", Type: String},
		{Name: "idToken", Type: String},
		{Name: "accessTokenExpiresAt", Type: Date},
		{Name: "refreshTokenExpiresAt", Type: Date},
		{Name: "scope", Type: String},
		{Name: "password", Type: String},
		{Name: "createdAt", Type: Date, Required: true, DefaultNow: true},
		{Name: "updatedAt", Type: Date, Required: true},
	}}
	verification := Table{Name: VerificationTable, Fields: []Field{
		id(),
		{Name: "identifier", Type: String, Required: true, Index: true, Sortable: true},
		{Name: "value", Type: String, Required: true},
		{Name: "expiresAt", Type: Date, Required: true},
		{Name: "createdAt", Type: Date, Required: true, DefaultNow: true},
		{Name: "updatedAt", Type: Date, Required: true, DefaultNow: true},
	}}
	return []Table{user, session, account, verification}
}

// Validate checks that names are present and unique, types are known and references point at
// existing tables and fields.
func (s *Schema) Validate() error {
	tables := map[string]bool{}
	physical := map[string]bool{}
	for _, t := range s.Tables {
		if t.Name == "" {
			return fmt.Errorf("schema: table with no name")
		}
		if tables[t.Name] {
			return fmt.Errorf("schema: table %q declared twice", t.Name)
		}
		tables[t.Name] = true
		if pn := strings.ToLower(t.PhysicalName()); physical[pn] {
			return fmt.Errorf("schema: two tables named %q in the database", t.PhysicalName())
		} else {
			physical[pn] = true
		}
		if len(t.Fields) == 0 || t.Fields[0].Name != "id" {
			return fmt.Errorf("schema: table %q must start with the field \"id\"", t.Name)
		}
		names := map[string]bool{}
		cols := map[string]bool{}
		for _, f := range t.Fields {
			if !validName(f.Name) {
				return fmt.Errorf("schema: table %q: invalid field name %q", t.Name, f.Name)
			}
			if names[f.Name] {
				return fmt.Errorf("schema: table %q: field %q declared twice", t.Name, f.Name)
			}
			names[f.Name] = true
			if c := strings.ToLower(f.ColumnName()); cols[c] {
				return fmt.Errorf("schema: table %q: two fields use column %q", t.Name, f.ColumnName())
			} else {
				cols[c] = true
			}
			if f.Type < String || f.Type > NumberArray {
				return fmt.Errorf("schema: table %q: field %q has no type", t.Name, f.Name)
			}
			if err := checkDefault(f); err != nil {
				return fmt.Errorf("schema: table %q: %w", t.Name, err)
			}
		}
		for _, ix := range t.Indexes {
			if len(ix.Fields) == 0 {
				return fmt.Errorf("schema: table %q: index %q has no fields", t.Name, ix.Name)
			}
			if ix.Name != "" && !validName(ix.Name) {
				return fmt.Errorf("schema: table %q: invalid index name %q", t.Name, ix.Name)
			}
			for _, fn := range ix.Fields {
				if !names[fn] {
					return fmt.Errorf("schema: table %q: index on unknown field %q", t.Name, fn)
				}
			}
		}
	}
	for _, t := range s.Tables {
		for _, f := range t.Fields {
			if f.References == nil {
				continue
			}
			rt := s.Table(f.References.Table)
			if rt == nil {
				return fmt.Errorf("schema: %s.%s references unknown table %q", t.Name, f.Name, f.References.Table)
			}
			if rt.Field(f.References.Field) == nil {
				return fmt.Errorf("schema: %s.%s references unknown field %s.%s", t.Name, f.Name, rt.Name, f.References.Field)
			}
			if !slices.Contains([]string{"", "cascade", "set null", "restrict", "no action"}, f.References.OnDelete) {
				return fmt.Errorf("schema: %s.%s: unknown on-delete action %q", t.Name, f.Name, f.References.OnDelete)
			}
		}
	}
	return nil
}

func checkDefault(f Field) error {
	if f.Default == nil {
		return nil
	}
	ok := false
	switch f.Default.(type) {
	case string:
		ok = f.Type == String || f.Type == JSON
	case int64, int:
		ok = f.Type == Number
	case float64:
		ok = f.Type == Number
	case bool:
		ok = f.Type == Boolean
	}
	if f.Type == Date {
		_, ok = f.Default.(interface{ IsZero() bool })
	}
	if !ok {
		return fmt.Errorf("field %q: default %v (%T) does not fit type %s", f.Name, f.Default, f.Default, f.Type)
	}
	return nil
}

// validName accepts identifiers of letters, digits and underscores that do not start with a
// digit: every name Better Auth uses, and nothing that needs escaping beyond quoting.
func validName(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '_':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// ValidName reports whether s can name a table or field: letters, digits and underscores,
// not starting with a digit, at most 63 bytes.
func ValidName(s string) bool { return validName(s) }
