package access

import (
	"math"
	"reflect"
	"slices"
	"testing"
)

// FuzzCond feeds arbitrary conditions and subjects to the parser and the evaluator: neither may
// panic, and an accepted condition is re-accepted after a JSON round trip.
func FuzzCond(f *testing.F) {
	seeds := [][2]string{
		{`{"authorId":1}`, `{"authorId":1}`},
		{`{"a.b":null}`, `{"a":[{"b":1},{"c":2}]}`},
		{`{"tags":{"$all":["a"],"$size":1}}`, `{"tags":["a"]}`},
		{`{"m":{"$elemMatch":{"$gt":5}}}`, `{"m":[null,7]}`},
		{`{"m":{"$elemMatch":{"x.y":1}}}`, `{"m":[0,{"x":{"y":1}}]}`},
		{`{"s":{"$regex":"^a[\\s\\d]+$","$options":"im"}}`, `{"s":"A 1"}`},
		{`{"n":{"$lt":"10"}}`, `{"n":[9,"x",null,true]}`},
		{`{"x":{"$exists":false},"y.0":{"$ne":null}}`, `{"y":"abc"}`},
		{`{"$or":[]}`, `{}`},
		{`{"x":{"$in":[1,"1",true,null]}}`, `{"x":[]}`},
		{`{"n":0,"owner":"u0"}`, `{"n":0,"owner":"u0"}`},
		{`{"a":true,"b":-1.5e3,"c":"\u00e9","d":false}`, `{"a":[true],"b":-1500}`},
		{`{"1":1,"a":2}`, `{"1":1}`},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, cond, subject string) {
		flat, flatOK := (&arena{}).compileFlat(cond, nil)
		c, err := ParseCond([]byte(cond))
		if err != nil {
			if flatOK {
				t.Fatalf("compileFlat(%s) accepted, ParseCond refused: %v", cond, err)
			}
			return
		}
		subjectValue, err := DecodeJSON([]byte(subject))
		if err == nil {
			c.Match(subjectValue)
		}
		c.Match(map[string]any{"x": []any{nil, 1.0, "a"}})
		parsed, _ := DecodeJSON([]byte(cond))
		if _, err := ParseCond(appendJS(nil, parsed)); err != nil {
			t.Fatalf("ParseCond(%s) accepted, but not its re-encoding %s: %v", cond, appendJS(nil, parsed), err)
		}
		// The flat fast path builds what the general path builds.
		if f := flat; flatOK {
			fc := &Cond{root: f}
			if !sameJSON(f.object(), parsed) {
				t.Fatalf("compileFlat(%s) parsed %s, DecodeJSON %s", cond, appendJS(nil, f.object()), appendJS(nil, parsed))
			}
			if got, want := toAST(fc.root), toAST(c.root); !reflect.DeepEqual(got, want) || fc.matchesAll != c.matchesAll {
				t.Fatalf("compileFlat(%s) = %+v, ParseCond %+v", cond, got, want)
			}
			for _, obj := range []any{subjectValue, map[string]any{"x": []any{nil, 1.0, "a"}}, nil, []any{1.0}} {
				m1, ok1 := fc.Match(obj)
				m2, ok2 := c.Match(obj)
				if m1 != m2 || ok1 != ok2 {
					t.Fatalf("compileFlat(%s).Match(%s) = %v, %v; ParseCond: %v, %v", cond, subject, m1, ok1, m2, ok2)
				}
			}
		}
	})
}

// FuzzRegexp checks that every JavaScript pattern the translator accepts compiles and runs
// on any subject without panicking, and that where two bounds decide a subject (multiline
// anchors with atoms that tell line terminators apart), the lower one never matches where
// the upper one does not.
func FuzzRegexp(f *testing.F) {
	for _, p := range []string{`^a.b$`, `[\s\S]`, `\u00e9\x41`, `(?<n>a)|(?:b)`, `[]`, `[^]`, `a{2,3}?`, `\cJ`, `\u{1F600}`, `\uD83D\uDE00`, `^.{2}$`, `[a-z]`, `\r^b|a$`, `[^\n]$`} {
		f.Add(p, "i", "a😀\rb")
		f.Add(p, "m", "a\u2028b\nK\u212a")
	}
	f.Fuzz(func(t *testing.T, pattern, flags, subject string) {
		re, err := compileJSRegexp(pattern, flags)
		if err != nil {
			return
		}
		if re == nil || re.re == nil {
			t.Fatal("nil regexp without error")
		}
		r := re.match(subject)
		if r == bad && re.lt != ltBounded {
			t.Fatalf("/%s/%s.test(%q) cannot be evaluated outside the bounded mode", pattern, flags, subject)
		}
		if re.lt == ltBounded {
			units, collapsed, _ := unitString(subject)
			if re.re.MatchString(units) && !re.wide.MatchString(collapsed) {
				t.Fatalf("/%s/%s on %q: the lower bound matches, the upper one does not", pattern, flags, subject)
			}
		}
	})
}

// FuzzDecoder checks the hand-written JSON decoder against encoding/json (parseJSONStd):
// whatever the decoder accepts, encoding/json accepts with the same value, and parseJSON
// answers exactly as parseJSONStd does, error text included. The seeds are in
// testdata/fuzz/FuzzDecoder.
func FuzzDecoder(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		want, wantErr := parseJSONStd(data)
		if v, ok := decode(string(data), &arena{}); ok {
			if wantErr != nil {
				t.Fatalf("decoder accepts %q = %s, encoding/json refuses it: %v", data, appendJS(nil, v), wantErr)
			}
			if !sameJSON(v, want) {
				t.Fatalf("decoder reads %q as %#v, encoding/json as %#v", data, v, want)
			}
		}
		got, err := parseJSON(data)
		switch {
		case (err == nil) != (wantErr == nil):
			t.Fatalf("parseJSON(%q) = %v, %v; encoding/json: %v, %v", data, got, err, want, wantErr)
		case err != nil && err.Error() != wantErr.Error():
			t.Fatalf("parseJSON(%q) error %q, encoding/json %q", data, err, wantErr)
		case err == nil && !sameJSON(got, want):
			t.Fatalf("parseJSON(%q) = %#v, encoding/json %#v", data, got, want)
		}
	})
}

// sameJSON reports whether a and b are the same parsed JSON: same types, the same float64
// bits (so -0 is not 0), keys in the same order, and nil slices where the other has them.
func sameJSON(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || (x == nil) != (y == nil) || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case *Object:
		y, ok := b.(*Object)
		if !ok || (x.Keys == nil) != (y.Keys == nil) || (x.Values == nil) != (y.Values == nil) ||
			!slices.Equal(x.Keys, y.Keys) || len(x.Values) != len(y.Values) {
			return false
		}
		for i := range x.Values {
			if !sameJSON(x.Values[i], y.Values[i]) {
				return false
			}
		}
		return true
	}
	return false
}
