package access

import (
	"strings"
	"unicode/utf8"
)

// The most common conditions compare fields without dots with strings, numbers or booleans:
// {"authorId": 42, "status": "draft"}. They are compiled to small nodes holding their operands
// unboxed, and a rule whose conditions are only that (flat conditions) is decoded and
// compiled in one pass, without the parsed object, which is built again when asked for.

// operand is a string, number or boolean operand of $eq, unboxed.
type operand struct {
	str  string
	num  float64 // the number, or 1 for true and 0 for false
	kind kind    // kString, kNumber or kBool
}

// operandOf returns v as an operand, if it is a string, a number or a boolean.
func operandOf(v any) (operand, bool) {
	switch x := v.(type) {
	case string:
		return operand{str: x, kind: kString}, true
	case float64:
		return operand{num: x, kind: kNumber}, true
	case bool:
		o := operand{kind: kBool}
		if x {
			o.num = 1
		}
		return o, true
	}
	return operand{}, false
}

// value returns the operand as parsed JSON.
func (o *operand) value() any {
	switch o.kind {
	case kString:
		return o.str
	case kNumber:
		return o.num
	}
	return o.num != 0
}

// equal is x === the operand, for x normalised.
func (o *operand) equal(x any) bool {
	switch y := x.(type) {
	case string:
		return o.kind == kString && y == o.str
	case float64:
		return o.kind == kNumber && y == o.num
	case bool:
		return o.kind == kBool && y == (o.num != 0)
	}
	return false
}

// test is $eq's test of v, a normalised value read from a subject: v, or some element of v
// when it is an array, === the operand.
func (o *operand) test(v any) result {
	if kindOf(v) == kArray {
		return some(v, func(el any) result { return boolResult(o.equal(el)) })
	}
	return boolResult(o.equal(v))
}

// eqField is {field: operand} on obj for a field without dots: as fieldNode's $eq, without
// its lookups when obj is a map or an Object.
func (o *operand) eqField(obj any, field string) result {
	var v any
	var found bool
	switch m := obj.(type) {
	case map[string]any:
		v, found = m[field]
	case *Object:
		v, found = m.Get(field)
	default:
		if !isObjectLike(obj) {
			return no
		}
		v, r := lookup(obj, field)
		if r == bad {
			return bad
		}
		return o.test(v)
	}
	if !found {
		return no // undefined is never === an operand
	}
	switch x := v.(type) { // the common cases, normalised already
	case string:
		return boolResult(o.kind == kString && x == o.str)
	case float64:
		return boolResult(o.kind == kNumber && x == o.num)
	case bool:
		return boolResult(o.kind == kBool && x == (o.num != 0))
	}
	return o.test(norm(v))
}

// eqNode is {field: operand} (or {field: {$eq: operand}}) on a field without dots.
type eqNode struct {
	field   string
	operand operand
}

func (n *eqNode) eval(obj any) result { return n.operand.eqField(obj, n.field) }

// flatNode is flat conditions: the AND of its eqNodes in key order, which the general path
// compiles to one eqNode, or an andNode of them.
type flatNode struct {
	eqs []eqNode
}

func (n *flatNode) eval(obj any) result {
	for i := range n.eqs {
		if r := n.eqs[i].eval(obj); r != yes {
			return r
		}
	}
	return yes
}

// object returns the conditions as parsed: a new Object each time.
func (n *flatNode) object() *Object {
	o := &Object{Keys: make([]string, len(n.eqs)), Values: make([]any, len(n.eqs))}
	for i := range n.eqs {
		o.Keys[i], o.Values[i] = n.eqs[i].field, n.eqs[i].operand.value()
	}
	return o
}

// maxFlat is the most keys compileFlat takes.
const maxFlat = 8

// compileFlat is the fast path of compileRule for flat conditions: one object of at most
// maxFlat plain field names (no "$", no dots, no array indexes, no repeated keys) whose values
// are strings, numbers or booleans, placeholders being replaced from vars. It returns what
// decoding and compileCond give for them, as a flatNode, or false, having built nothing, for
// anything else, which the general path then handles and words errors for.
func (ar *arena) compileFlat(src string, vars map[string]any) (*flatNode, bool) {
	// The nodes are written in place past the end of the arena's block, and carved once all
	// is read; cleared again otherwise, since carve hands out zero values.
	if cap(ar.eqs)-len(ar.eqs) < maxFlat {
		carve(&ar.eqs, maxFlat)
		ar.eqs = ar.eqs[:len(ar.eqs)-maxFlat]
	}
	eqs := ar.eqs[len(ar.eqs) : len(ar.eqs)+maxFlat]
	n, ok := readFlat(src, vars, eqs)
	if !ok {
		clear(eqs)
		return nil, false
	}
	f := &carve(&ar.flats, 1)[0]
	f.eqs = carve(&ar.eqs, n) // eqs[:n]
	return f, true
}

// readFlat reads flat conditions from src into eqs, returning their number, or false.
func readFlat(src string, vars map[string]any, eqs []eqNode) (int, bool) {
	n := 0
	d := decoder{s: src}
	d.space()
	if d.i >= len(src) || src[d.i] != '{' {
		return 0, false
	}
	d.i++
	for {
		d.space()
		if d.i >= len(src) || src[d.i] != '"' || n == maxFlat {
			return 0, false // also {}: the general path sets matchesAll
		}
		k, ok := d.plainKey()
		if !ok {
			return 0, false
		}
		for i := range eqs[:n] {
			if eqs[i].field == k {
				return 0, false
			}
		}
		d.space()
		if d.i >= len(src) || src[d.i] != ':' {
			return 0, false
		}
		d.i++
		d.space()
		if d.i >= len(src) {
			return 0, false
		}
		var o operand
		switch c := src[d.i]; {
		case c == '"':
			s, ok := d.str()
			if !ok {
				return 0, false
			}
			o = operand{str: s, kind: kString}
			if vars != nil && strings.Contains(s, "${") {
				v, err := interpolateString(s, vars)
				if err != nil {
					return 0, false
				}
				if o, ok = operandOf(v); !ok {
					return 0, false
				}
			}
		case c == 't' && d.literal("true"):
			o = operand{num: 1, kind: kBool}
		case c == 'f' && d.literal("false"):
			o = operand{kind: kBool}
		case c == '-' || c >= '0' && c <= '9':
			f, ok := d.float()
			if !ok {
				return 0, false
			}
			o = operand{num: f, kind: kNumber}
		default:
			return 0, false // null, objects and arrays
		}
		eqs[n].field, eqs[n].operand = k, o
		n++
		d.space()
		if d.i >= len(src) {
			return 0, false
		}
		c := src[d.i]
		d.i++
		if c == '}' {
			break
		}
		if c != ',' {
			return 0, false
		}
	}
	d.space()
	if d.i != len(src) {
		return 0, false
	}
	return n, true
}

// plainKey reads a key at d.s[d.i] ('"') if it is a plain field (see plainField).
func (d *decoder) plainKey() (string, bool) {
	s := d.s
	for i := d.i + 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			k := s[d.i+1 : i]
			d.i = i + 1
			return k, k == "" || k[0] != '$' && k[0] != itself[0] && !(k[0] <= '9' && isIndex(k))
		case c == '.':
			return "", false
		case c == '\\' || c < ' ' || c >= utf8.RuneSelf:
			k, ok := d.str() // escapes and the rest of Unicode
			return k, ok && plainField(k)
		}
	}
	return "", false
}

// plainField reports whether k, a key of a document, is a field name that parseDocument
// turns into an eqNode when its value is a scalar, and that keeps its place in the object.
func plainField(k string) bool {
	if k == "" {
		return true
	}
	if c := k[0]; c == '$' || c == itself[0] || c >= '0' && c <= '9' && isIndex(k) {
		return false
	}
	return strings.IndexByte(k, '.') < 0
}

func isIndex(k string) bool {
	_, ok := arrayIndex(k)
	return ok
}
