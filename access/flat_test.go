package access

import (
	"reflect"
	"testing"
)

// TestFlatMatchesGeneral: flat conditions compiled by the fast path give the parsed object,
// condition tree and answers of the general path (decode, interpolate, compile), and the
// fast path leaves the others to it.
func TestFlatMatchesGeneral(t *testing.T) {
	vars := map[string]any{"user": map[string]any{
		"id": 42, "name": "ann", "admin": true, "none": nil, "tags": []any{"a"}, "org": map[string]any{"id": 7},
	}}
	subjects := []any{
		map[string]any{"authorId": 42.0, "slug": "u-ann", "n": 0.0, "owner": "u0", "ok": true, "admin": true},
		map[string]any{"authorId": []any{1.0, 42.0}, "n": -0.0, "owner": "u1"},
		&Object{Keys: []string{"authorId", "owner"}, Values: []any{42.0, "u0"}},
		struct {
			AuthorID int    `json:"authorId"`
			Owner    string `json:"owner"`
		}{42, "u0"},
		nil, "authorId", []any{map[string]any{"n": 0.0}},
	}
	tests := []struct {
		name, cond string
		flat       bool
	}{
		{"two_keys", `{"n":0,"owner":"u0"}`, true},
		{"spaces_escapes", " { \"owner\" : \"u\\u0030\" ,\"ok\":true, \"no\":false } ", true},
		{"number_forms", `{"n":-0,"m":1.5e3,"k":12345678901234567890}`, true},
		{"placeholder_number", `{"authorId":"${user.id}"}`, true},
		{"placeholder_in_string", `{"slug":"u-${user.name}"}`, true},
		{"placeholder_bool", `{"admin":"${user.admin}"}`, true},
		{"placeholder_null", `{"x":"${user.none}"}`, false},
		{"placeholder_array", `{"x":"${user.tags}"}`, false},
		{"placeholder_object", `{"x":"${user.org}"}`, false},
		{"null", `{"x":null}`, false},
		{"dotted", `{"a.b":1}`, false},
		{"operator", `{"n":{"$gt":1}}`, false},
		{"repeated", `{"n":1,"n":2}`, false},
		{"index_key", `{"b":1,"0":2}`, false},
		{"empty", `{}`, false},
		{"dollar", `{"$or":[]}`, false},
		{"unicode_key", `{"título":"x"}`, true},
		{"trailing", `{"n":1} x`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := (&arena{}).compileFlat(tt.cond, vars)
			fc := &Cond{root: f}
			if ok != tt.flat {
				t.Fatalf("compileFlat(%s) took it: %v, want %v", tt.cond, ok, tt.flat)
			}
			if !ok {
				return
			}
			v, err := parseJSON([]byte(tt.cond))
			if err != nil {
				t.Fatal(err)
			}
			if v, err = interpolate(v, vars); err != nil {
				t.Fatal(err)
			}
			c, err := ParseCond(appendJS(nil, v))
			if err != nil {
				t.Fatal(err)
			}
			if got := fc.root.(*flatNode).object(); !sameJSON(got, v) {
				t.Errorf("parsed %s, want %s", appendJS(nil, got), appendJS(nil, v))
			}
			if got, want := toAST(fc.root), toAST(c.root); !reflect.DeepEqual(got, want) {
				t.Errorf("AST %+v, want %+v", got, want)
			}
			for _, s := range subjects {
				m1, ok1 := fc.Match(s)
				m2, ok2 := c.Match(s)
				if m1 != m2 || ok1 != ok2 {
					t.Errorf("Match(%v) = %v, %v; want %v, %v", s, m1, ok1, m2, ok2)
				}
			}
		})
	}
}
