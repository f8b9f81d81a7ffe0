package access

import "reflect"

// Typed is implemented by values that name their own subject type (CASL's modelName).
type Typed interface {
	SubjectType() string
}

// SubjectTypeKey is the map key Detect reads a map's subject type from, as CASL's subject
// helper tags plain objects.
const SubjectTypeKey = "__caslSubjectType__"

// Detect returns the subject for v, working out its type as CASL does for objects (§5): a
// string is a type-level subject; a Subject is returned as is; a value implementing Typed
// names its type; a map[string]any names it under SubjectTypeKey (a string), else it is an
// "Object" as a plain JavaScript object would be; a struct, or a pointer to one, is typed by
// its Go type name. nil is the any-subject check (Type(All)).
func Detect(v any) Subject {
	switch x := v.(type) {
	case nil:
		return Type(All)
	case Subject:
		return x
	case string:
		return Type(x)
	case Typed:
		return Of(x.SubjectType(), v)
	case map[string]any:
		if t, ok := x[SubjectTypeKey].(string); ok {
			return Of(t, v)
		}
		return Of("Object", v)
	}
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() != "" {
		return Of(t.Name(), v)
	}
	return Of("Object", v)
}
