package access

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The condition engine works on JavaScript's value model, because CASL's semantics are
// JavaScript's: undefined, null, booleans, numbers (float64), strings, arrays and objects. Go
// subjects are read through it without being copied: maps and structs are objects, slices are
// arrays, integers are numbers, time.Time is the ISO-8601 string a browser would see after JSON.

// undefined is JavaScript's undefined: a missing key or path.
type undefined struct{}

// kind is a value's JavaScript type, with arrays told apart from objects.
type kind uint8

const (
	kUndefined kind = iota
	kNull
	kBool
	kNumber
	kString
	kArray
	kObject
)

// norm turns a Go scalar into its JavaScript value; arrays and objects are returned as they are
// and recognised by kindOf.
func norm(v any) any {
	switch x := v.(type) {
	case nil, undefined, bool, float64, string, []any, *Object, map[string]any, reflect.Value:
		return v
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case uint:
		return float64(x)
	case uint64:
		return float64(x)
	case uint32:
		return float64(x)
	case float32:
		return float64(x)
	case json.Number:
		f, _ := strconv.ParseFloat(string(x), 64)
		return f
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.000Z")
	case *time.Time:
		if x == nil {
			return nil
		}
		return x.UTC().Format("2006-01-02T15:04:05.000Z")
	case json.RawMessage:
		p, err := parseJSON(x)
		if err != nil {
			return undefined{}
		}
		return p
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	case reflect.String:
		return rv.String()
	case reflect.Slice:
		if rv.IsNil() {
			return nil
		}
		return rv
	case reflect.Array, reflect.Map, reflect.Struct:
		if t, ok := rv.Interface().(time.Time); ok {
			return t.UTC().Format("2006-01-02T15:04:05.000Z")
		}
		return rv
	}
	return undefined{}
}

func kindOf(v any) kind {
	switch x := v.(type) {
	case undefined:
		return kUndefined
	case nil:
		return kNull
	case bool:
		return kBool
	case float64:
		return kNumber
	case string:
		return kString
	case []any:
		return kArray
	case *Object, map[string]any:
		return kObject
	case reflect.Value:
		switch x.Kind() {
		case reflect.Slice, reflect.Array:
			return kArray
		default:
			return kObject
		}
	}
	return kUndefined
}

// arrayLen and arrayAt read arrays of any Go slice type.
func arrayLen(v any) int {
	switch x := v.(type) {
	case []any:
		return len(x)
	case reflect.Value:
		return x.Len()
	}
	return 0
}

func arrayAt(v any, i int) any {
	switch x := v.(type) {
	case []any:
		return norm(x[i])
	case reflect.Value:
		return norm(x.Index(i).Interface())
	}
	return undefined{}
}

// ownKey returns the value of an object's own key, or undefined.
func ownKey(v any, key string) (any, bool) {
	switch x := v.(type) {
	case *Object:
		if val, ok := x.Get(key); ok {
			return norm(val), true
		}
		return undefined{}, false
	case map[string]any:
		if val, ok := x[key]; ok {
			return norm(val), true
		}
		return undefined{}, false
	case []any:
		if i, ok := arrayIndex(key); ok && int(i) < len(x) {
			return norm(x[i]), true
		}
		return undefined{}, false
	case reflect.Value:
		switch x.Kind() {
		case reflect.Map:
			if x.Type().Key().Kind() != reflect.String {
				return undefined{}, false
			}
			val := x.MapIndex(reflect.ValueOf(key).Convert(x.Type().Key()))
			if !val.IsValid() {
				return undefined{}, false
			}
			return norm(val.Interface()), true
		case reflect.Struct:
			idx, ok := structFields(x.Type())[key]
			if !ok {
				return undefined{}, false
			}
			f, err := x.FieldByIndexErr(idx)
			if err != nil { // through a nil embedded pointer
				return undefined{}, false
			}
			if !f.CanInterface() {
				return undefined{}, false
			}
			return norm(f.Interface()), true
		case reflect.Slice, reflect.Array:
			if i, ok := arrayIndex(key); ok && int(i) < x.Len() {
				return norm(x.Index(int(i)).Interface()), true
			}
		}
	}
	return undefined{}, false
}

// structFields maps a struct type's JSON names to field indexes, as encoding/json names them.
// The cache is keyed by type and never grows beyond the program's struct types.
var fieldCache sync.Map // reflect.Type → map[string][]int

func structFields(t reflect.Type) map[string][]int {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string][]int)
	}
	m := map[string][]int{}
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			idx := append(append([]int(nil), prefix...), i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft, idx)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, dup := m[name]; !dup || len(idx) <= len(m[name]) {
				m[name] = idx
			}
		}
	}
	walk(t, nil)
	actual, _ := fieldCache.LoadOrStore(t, m)
	return actual.(map[string][]int)
}

// truthy is JavaScript's ToBoolean.
func truthy(v any) bool {
	switch x := v.(type) {
	case undefined, nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0 && !math.IsNaN(x)
	case string:
		return x != ""
	}
	return true
}

// strictEqual is JavaScript's === on normalised values: arrays and objects are never equal to
// the operands of a condition, which are always other objects.
func strictEqual(a, b any) bool {
	switch x := a.(type) {
	case undefined:
		_, ok := b.(undefined)
		return ok
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	}
	return false
}

// greater is JavaScript's a > b, coercions included (shared/spec/casl-semantics.md §8.4).
func greater(a, b any) bool {
	pa, pb := toPrimitive(a), toPrimitive(b)
	sa, aStr := pa.(string)
	sb, bStr := pb.(string)
	if aStr && bStr {
		return utf16Less(sb, sa)
	}
	na, nb := toNumber(pa), toNumber(pb)
	return na > nb // false when either is NaN
}

// compare is ucast's comparison: 0 when ===, 1 when >, -1 otherwise (NaN included).
func compare(a, b any) int {
	if strictEqual(a, b) {
		return 0
	}
	if greater(a, b) {
		return 1
	}
	return -1
}

// toPrimitive is ToPrimitive with the number hint for the values of this model: arrays become
// the join of their elements' strings, objects "[object Object]".
func toPrimitive(v any) any {
	switch kindOf(v) {
	case kArray:
		var b strings.Builder
		for i, n := 0, arrayLen(v); i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			e := arrayAt(v, i)
			switch kindOf(e) {
			case kUndefined, kNull:
			default:
				b.WriteString(toJSString(toPrimitive(e)))
			}
		}
		return b.String()
	case kObject:
		return "[object Object]"
	}
	return v
}

// toJSString is ToString of a primitive.
func toJSString(v any) string {
	switch x := v.(type) {
	case undefined:
		return "undefined"
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case float64:
		if math.IsNaN(x) {
			return "NaN"
		}
		if math.IsInf(x, 1) {
			return "Infinity"
		}
		if math.IsInf(x, -1) {
			return "-Infinity"
		}
		return string(appendJSNumber(nil, x))
	case string:
		return x
	}
	return ""
}

// toNumber is ToNumber of a primitive.
func toNumber(v any) float64 {
	switch x := v.(type) {
	case undefined:
		return math.NaN()
	case nil:
		return 0
	case bool:
		if x {
			return 1
		}
		return 0
	case float64:
		return x
	case string:
		return stringToNumber(x)
	}
	return math.NaN()
}

// stringToNumber is JavaScript's StringToNumber: trimmed decimal literals, Infinity, and
// 0x/0o/0b integers; "" is 0; anything else NaN.
func stringToNumber(s string) float64 {
	s = strings.TrimFunc(s, isJSSpace)
	if s == "" {
		return 0
	}
	if len(s) > 2 && s[0] == '0' {
		base := 0
		switch s[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 0 {
			n, err := strconv.ParseUint(s[2:], base, 64)
			if err != nil {
				if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
					f := 0.0
					for _, c := range s[2:] {
						f = f*float64(base) + float64(digitVal(c))
					}
					return f
				}
				return math.NaN()
			}
			return float64(n)
		}
	}
	switch s {
	case "Infinity", "+Infinity":
		return math.Inf(1)
	case "-Infinity":
		return math.Inf(-1)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return math.NaN()
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f
		}
		return math.NaN()
	}
	return f
}

func digitVal(c rune) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return 0
}

// isJSSpace reports JavaScript's WhiteSpace and LineTerminator characters.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// ToNumber is JavaScript's ToNumber of a value of the parsed-JSON model (an operand): null is
// 0, booleans 0 and 1, strings their numeric literal (NaN when not one), arrays and objects
// NaN unless their string form is numeric.
func ToNumber(v any) float64 { return toNumber(toPrimitive(norm(v))) }
