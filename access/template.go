package access

import (
	"fmt"
	"sort"
	"strings"
)

// Placeholders such as ${user.id} in condition values are replaced before the rule is built
// (CASL has none: its cookbook does the same in the application, §13). The substitution works
// on the parsed conditions, never on JSON text, so no value can inject structure; a value that
// is exactly one placeholder takes the variable's type (the number 42, not "42"); an unknown
// placeholder makes the rule invalid.

// Interpolate returns conditions (JSON) with their placeholders replaced from vars.
func Interpolate(conditions []byte, vars map[string]any) ([]byte, error) {
	v, err := parseJSON(conditions)
	if err != nil {
		return nil, fmt.Errorf("conditions are not valid JSON: %w", err)
	}
	out, err := interpolate(v, vars)
	if err != nil {
		return nil, err
	}
	return appendJS(nil, out), nil
}

func interpolate(v any, vars map[string]any) (any, error) {
	switch x := v.(type) {
	case string:
		return interpolateString(x, vars)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := interpolate(e, vars)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case *Object:
		out := &Object{Keys: append([]string(nil), x.Keys...), Values: make([]any, len(x.Values))}
		for i, e := range x.Values {
			r, err := interpolate(e, vars)
			if err != nil {
				return nil, err
			}
			out.Values[i] = r
		}
		return out, nil
	}
	return v, nil
}

func interpolateString(s string, vars map[string]any) (any, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	if strings.HasPrefix(s, "${") && strings.Index(s, "}") == len(s)-1 {
		return lookupVar(s[2:len(s)-1], vars)
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("unterminated placeholder in %q", s)
		}
		v, err := lookupVar(s[i+2:i+j], vars)
		if err != nil {
			return nil, err
		}
		switch kindOf(v) {
		case kString, kNumber, kBool:
		default:
			return nil, fmt.Errorf("placeholder ${%s} inside a string must be a string, number or boolean", s[i+2:i+j])
		}
		b.WriteString(s[:i])
		b.WriteString(toJSString(v))
		s = s[i+j+1:]
	}
}

// lookupVar resolves a dotted name such as user.id in vars.
func lookupVar(name string, vars map[string]any) (any, error) {
	segs := strings.Split(strings.TrimSpace(name), ".")
	var cur any = vars
	for _, s := range segs {
		if s == "" {
			return nil, fmt.Errorf("invalid placeholder ${%s}", name)
		}
		v, ok := ownKey(norm(cur), s)
		if !ok {
			return nil, fmt.Errorf("unknown placeholder ${%s}", name)
		}
		cur = v
	}
	return toModel(cur), nil
}

// toModel converts a Go value into the parsed-JSON model (for operands).
func toModel(v any) any {
	v = norm(v)
	switch kindOf(v) {
	case kArray:
		n := arrayLen(v)
		out := make([]any, n)
		for i := 0; i < n; i++ {
			out[i] = toModel(arrayAt(v, i))
		}
		return out
	case kObject:
		if o, ok := v.(*Object); ok {
			return o
		}
		if m, ok := v.(map[string]any); ok {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			o := &Object{}
			for _, k := range keys {
				o.set(k, toModel(m[k]))
			}
			return o
		}
		return v
	case kUndefined:
		return nil
	}
	return v
}
