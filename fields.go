package krag

import (
	"time"

	"github.com/kragauth/krag/schema"
)

// FieldValue lists the Go types an additional field can hold.
type FieldValue interface {
	string | int64 | bool | time.Time
}

// Field is an additional field on the user or session table, declared once in Go and read and
// written with its own type at every call site:
//
//	var RoleID = krag.IntField("roleId").ReadOnly()
//	...
//	id, ok := RoleID.Get(user) // id is an int64
//
// List it in Options.User.AdditionalFields (or Options.Session.AdditionalFields). On the wire it
// behaves as Better Auth's additionalFields: returned in user and session objects, accepted at
// sign-up and update-user unless ReadOnly, and, beyond Better Auth, type-checked: a value of the
// wrong JSON type is a 400 VALIDATION_ERROR instead of being stored as sent.
//
// A Field is a small immutable value; the builder methods return modified copies.
type Field[T FieldValue] struct {
	def schema.Field
}

func newField[T FieldValue](name string, t schema.Type) Field[T] {
	return Field[T]{def: schema.Field{Name: name, Type: t}}
}

// StringField declares a string field (Better Auth type "string").
func StringField(name string) Field[string] { return newField[string](name, schema.String) }

// IntField declares an integer field (Better Auth type "number").
func IntField(name string) Field[int64] { return newField[int64](name, schema.Number) }

// BoolField declares a boolean field (Better Auth type "boolean").
func BoolField(name string) Field[bool] { return newField[bool](name, schema.Boolean) }

// TimeField declares a date field (Better Auth type "date"), sent as ISO-8601 text.
func TimeField(name string) Field[time.Time] { return newField[time.Time](name, schema.Date) }

// ReadOnly returns a copy that clients cannot set (Better Auth's input: false): a value sent at
// sign-up is refused with FIELD_NOT_ALLOWED, or replaced by the default when there is one.
func (f Field[T]) ReadOnly() Field[T] { f.def.ReadOnly = true; return f }

// Hidden returns a copy that is never sent to clients (Better Auth's returned: false).
func (f Field[T]) Hidden() Field[T] { f.def.Hidden = true; return f }

// Required returns a copy that must be given at sign-up (MISSING_FIELD otherwise) and is NOT
// NULL in the database.
func (f Field[T]) Required() Field[T] { f.def.Required = true; return f }

// Unique returns a copy with a unique constraint.
func (f Field[T]) Unique() Field[T] { f.def.Unique = true; return f }

// Index returns a copy with a database index.
func (f Field[T]) Index() Field[T] { f.def.Index = true; return f }

// Column returns a copy stored in the named column instead of one named like the field.
func (f Field[T]) Column(name string) Field[T] { f.def.Column = name; return f }

// Default returns a copy that takes v when a new record does not set it.
func (f Field[T]) Default(v T) Field[T] {
	f.def.Default = v
	return f
}

// Name returns the field's logical (wire) name.
func (f Field[T]) Name() string { return f.def.Name }

// Schema returns the field's schema definition.
func (f Field[T]) Schema() schema.Field { return f.def }

// Get returns the field's value on x and whether it is set (not NULL).
func (f Field[T]) Get(x Extended) (T, bool) {
	var zero T
	v, ok := (*x.extraFields())[f.def.Name]
	if !ok || v == nil {
		return zero, false
	}
	switch t := v.(type) {
	case T:
		return t, true
	case float64: // a number field written as a float by another server
		var a any = zero
		if _, isInt := a.(int64); isInt && t == float64(int64(t)) {
			return any(int64(t)).(T), true
		}
	}
	return zero, false
}

// Set sets the field's value on x. It changes the Go value only; the typed update calls of
// Auth store it.
func (f Field[T]) Set(x Extended, v T) {
	m := x.extraFields()
	if *m == nil {
		*m = map[string]any{}
	}
	(*m)[f.def.Name] = v
}

// Clear sets the field to NULL on x.
func (f Field[T]) Clear(x Extended) {
	m := x.extraFields()
	if *m == nil {
		*m = map[string]any{}
	}
	(*m)[f.def.Name] = nil
}

// AdditionalField is an extra column declared with StringField, IntField, BoolField or TimeField.
type AdditionalField interface {
	Schema() schema.Field
}

// Extended is a record with additional fields: *User and *Session.
type Extended interface {
	extraFields() *map[string]any
}
