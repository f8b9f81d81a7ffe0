package access

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf16"
)

// The condition language is CASL's default (createMongoAbility): MongoDB-style queries with
// exactly these operators, evaluated with @ucast/js's semantics (shared/spec/casl-semantics.md
// §8). Krag is stricter where CASL silently accepts something that can never match or
// silently ignores a key: such conditions are errors, and the rule fails closed (§15).

// isOperator reports whether k is one of the field operators CASL registers by default.
func isOperator(k string) bool {
	switch k {
	case "$eq", "$ne", "$lt", "$lte", "$gt", "$gte", "$in", "$nin", "$all", "$size", "$regex",
		"$options", "$elemMatch", "$exists":
		return true
	}
	return false
}

// itself is the field of conditions inside an operator-style $elemMatch: the element itself.
const itself = "\x00itself"

// result is the outcome of evaluating a condition: no, yes, or an evaluation error (CASL
// throws; Krag denies).
type result int8

const (
	no  result = 0
	yes result = 1
	bad result = -1
)

func boolResult(b bool) result {
	if b {
		return yes
	}
	return no
}

type cnode interface {
	eval(obj any) result
}

// andNode is all of its children, evaluated in order until one is not yes.
type andNode struct{ items []cnode }

func (a *andNode) eval(obj any) result {
	for _, c := range a.items {
		if r := c.eval(obj); r != yes {
			return r
		}
	}
	return yes
}

type op uint8

const (
	opEq op = iota
	opNe
	opLt
	opLte
	opGt
	opGte
	opIn
	opNin
	opAll
	opSize
	opRegex
	opElemMatch
	opExists
)

var opNames = [...]string{"eq", "ne", "lt", "lte", "gt", "gte", "in", "nin", "all", "size", "regex", "elemMatch", "exists"}

// fieldNode is one operator applied to one field path.
type fieldNode struct {
	field string
	segs  []string  // field split on "."; nil for itself
	last  string    // the last segment
	value any       // the operand, normalised; a []any for $in, $nin and $all
	re    *jsRegexp // $regex
	sub   cnode     // $elemMatch
	size  float64   // $size
	op    op
	// boolean is the operand of $exists.
	boolean bool
}

// prefix returns the segments before the last, for operators that look at the parent: nil
// for a field without dots.
func (n *fieldNode) prefix() []string {
	if len(n.segs) < 2 {
		return nil
	}
	return n.segs[:len(n.segs)-1]
}

// list returns the operand of $in, $nin and $all.
func (n *fieldNode) list() []any {
	l, _ := n.value.([]any)
	return l
}

// Cond is a compiled, validated condition set. It is immutable and safe for concurrent use.
type Cond struct {
	root cnode
	// matchesAll is set when the conditions parse to an empty AND ({} or only $options): an
	// inverted rule with them applies to type-level checks (§4).
	matchesAll bool
}

// Match reports whether obj satisfies the conditions; an evaluation error (CASL would throw)
// is reported as a non-match with ok false.
func (c *Cond) Match(obj any) (match, ok bool) {
	r := c.root.eval(norm(obj))
	return r == yes, r != bad
}

// ParseCond parses and validates conditions given as JSON.
func ParseCond(data []byte) (*Cond, error) {
	ar := &arena{}
	v, err := parseJSONString(string(data), ar)
	if err != nil {
		return nil, fmt.Errorf("conditions are not valid JSON: %w", err)
	}
	c := &Cond{}
	if err := ar.compileCond(c, v); err != nil {
		return nil, err
	}
	return c, nil
}

// compileCond compiles parsed conditions into c.
func (ar *arena) compileCond(c *Cond, v any) error {
	o, ok := v.(*Object)
	if !ok {
		return fmt.Errorf("conditions must be a JSON object, not %s", describe(v))
	}
	n, err := ar.parseDocument(o)
	if err != nil {
		return err
	}
	c.root = n
	if a, ok := n.(*andNode); ok && len(a.items) == 0 {
		c.matchesAll = true
	}
	return nil
}

func describe(v any) string {
	switch kindOf(v) {
	case kNull:
		return "null"
	case kBool:
		return "a boolean"
	case kNumber:
		return "a number"
	case kString:
		return "a string"
	case kArray:
		return "an array"
	case kObject:
		return "an object"
	}
	return "undefined"
}

// hasOperators reports whether v is a plain object with at least one registered operator key.
func hasOperators(v any) bool {
	o, ok := v.(*Object)
	if !ok {
		return false
	}
	for _, k := range o.Keys {
		if isOperator(k) {
			return true
		}
	}
	return false
}

// parseDocument parses a document-level query: field paths, each with an operator object or
// a value for implicit equality, AND-ed in key order.
func (ar *arena) parseDocument(o *Object) (cnode, error) {
	base := len(ar.stack)
	defer ar.pop(base)
	for i, k := range o.Keys {
		v := o.Values[i]
		if isOperator(k) {
			return nil, fmt.Errorf(`Cannot use parsing instruction for operator %q in "document" context as it is supposed to be used in  "field" context`, k)
		}
		if strings.HasPrefix(k, "$") {
			// CASL reads an unknown $-key as a field name that never matches ($or, $and,
			// $where, …): a rule written with it does not mean what its author thought.
			return nil, fmt.Errorf("unsupported operator %q: CASL's default conditions have no %s (write several rules for an OR)", k, k)
		}
		if err := ar.parseField(k, v); err != nil {
			return nil, err
		}
	}
	return ar.andOf(ar.stack[base:]), nil
}

// pop drops the nodes above base from the stack.
func (ar *arena) pop(base int) {
	clear(ar.stack[base:])
	ar.stack = ar.stack[:base]
}

// andOf returns the node that is all of nodes: the node itself when there is one.
func (ar *arena) andOf(nodes []cnode) cnode {
	if len(nodes) == 1 {
		return nodes[0]
	}
	a := &carve(&ar.ands, 1)[0]
	if len(nodes) > 0 {
		a.items = carve(&ar.nodes, len(nodes))
		copy(a.items, nodes)
	}
	return a
}

// parseField parses the value of one field key and pushes its nodes on the stack.
func (ar *arena) parseField(field string, v any) error {
	if hasOperators(v) {
		return ar.parseOperators(field, v.(*Object))
	}
	if o, ok := v.(*Object); ok {
		for _, k := range o.Keys {
			if strings.HasPrefix(k, "$") {
				return fmt.Errorf("field %q: unsupported operator %q", field, k)
			}
		}
		return fmt.Errorf("field %q: comparing with an object never matches in CASL (no deep equality); compare its fields with dotted paths such as %q", field, field+"."+firstKey(o))
	}
	if kindOf(v) == kArray {
		return fmt.Errorf("field %q: comparing with an array never matches in CASL (no deep equality); use $all or $in", field)
	}
	n, err := ar.newField(field, opEq, v)
	if err != nil {
		return err
	}
	ar.stack = append(ar.stack, n)
	return nil
}

func firstKey(o *Object) string {
	if len(o.Keys) == 0 {
		return "x"
	}
	return o.Keys[0]
}

// parseOperators parses an operator object, every key of which must be an operator, and
// pushes its nodes on the stack.
func (ar *arena) parseOperators(field string, o *Object) error {
	for i, k := range o.Keys {
		if !isOperator(k) {
			return fmt.Errorf("Field query for %q may contain only operators or a plain object as a value", displayField(field))
		}
		v := o.Values[i]
		var n cnode
		var err error
		switch k {
		case "$options":
			continue // only flags for $regex
		case "$regex":
			flags := ""
			if f, ok := o.Get("$options"); ok {
				// CASL passes `$options || ''` to new RegExp: a falsy value means no flags.
				s, isStr := f.(string)
				if !isStr && truthy(f) {
					return fmt.Errorf(`field %q: "$options" must be a string of regular expression flags`, displayField(field))
				}
				flags = s
			}
			n, err = ar.newRegexField(field, v, flags)
		default:
			n, err = ar.newField(field, opByName(k), v)
		}
		if err != nil {
			return err
		}
		ar.stack = append(ar.stack, n)
	}
	return nil
}

func displayField(f string) string {
	if f == itself {
		return "__itself__"
	}
	return f
}

func opByName(k string) op {
	switch k {
	case "$eq":
		return opEq
	case "$ne":
		return opNe
	case "$lt":
		return opLt
	case "$lte":
		return opLte
	case "$gt":
		return opGt
	case "$gte":
		return opGte
	case "$in":
		return opIn
	case "$nin":
		return opNin
	case "$all":
		return opAll
	case "$size":
		return opSize
	case "$elemMatch":
		return opElemMatch
	case "$exists":
		return opExists
	}
	panic("access: unknown operator " + k)
}

// fieldBase returns a node for field and o, its path split on dots: prefix is every segment
// but the last.
func (ar *arena) fieldBase(field string, o op) *fieldNode {
	n := &carve(&ar.fields, 1)[0]
	n.field, n.op = field, o
	if field != itself {
		segs := carve(&ar.strs, strings.Count(field, ".")+1)
		rest := field
		for j := 0; j < len(segs)-1; j++ {
			i := strings.IndexByte(rest, '.')
			segs[j], rest = rest[:i], rest[i+1:]
		}
		segs[len(segs)-1] = rest
		n.segs, n.last = segs, rest
	}
	return n
}

func (ar *arena) newField(field string, o op, v any) (cnode, error) {
	if o == opEq && field != itself && strings.IndexByte(field, '.') < 0 {
		if x, ok := operandOf(v); ok {
			n := &carve(&ar.eqs, 1)[0]
			n.field, n.operand = field, x
			return n, nil
		}
	}
	n := ar.fieldBase(field, o)
	switch o {
	case opEq, opNe:
		if kindOf(v) == kArray || kindOf(v) == kObject {
			return nil, fmt.Errorf("field %q: $%s with an object or array operand never matches in CASL", displayField(field), opNames[o])
		}
	case opLt, opLte, opGt, opGte:
		switch v.(type) {
		case string, float64:
		default:
			return nil, fmt.Errorf(`"%s" expects value to be comparable (i.e., string, number or date)`, opNames[o])
		}
	case opIn, opNin, opAll:
		arr, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf(`"%s" expects value to be an array`, opNames[o])
		}
		for _, e := range arr {
			if k := kindOf(e); k == kArray || k == kObject {
				return nil, fmt.Errorf("field %q: $%s items that are objects or arrays never match in CASL", displayField(field), opNames[o])
			}
		}
	case opSize:
		f, ok := v.(float64)
		if !ok {
			return nil, fmt.Errorf(`"size" expects value to be a "number"`)
		}
		n.size = f
	case opExists:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf(`"exists" expects value to be a "boolean"`)
		}
		n.boolean = b
	case opElemMatch:
		sub, ok := v.(*Object)
		if !ok {
			return nil, fmt.Errorf(`"elemMatch" expects to receive an object with nested query or field level operators`)
		}
		if hasOperators(sub) {
			base := len(ar.stack)
			err := ar.parseOperators(itself, sub)
			if err == nil {
				n.sub = ar.andOf(ar.stack[base:])
			}
			ar.pop(base)
			if err != nil {
				return nil, err
			}
		} else {
			d, err := ar.parseDocument(sub)
			if err != nil {
				return nil, err
			}
			n.sub = d
		}
	}
	n.value = v
	return n, nil
}

func (ar *arena) newRegexField(field string, v any, flags string) (cnode, error) {
	s, ok := v.(string)
	if !ok {
		return nil, errors.New(`"regex" expects value to be a regular expression or a string that represents regular expression`)
	}
	re, err := compileJSRegexp(s, flags)
	if err != nil {
		return nil, err
	}
	n := ar.fieldBase(field, opRegex)
	n.re, n.value = re, v
	return n, nil
}

// --- evaluation (@ucast/js) ---

// isNumericKey reports whether Number(key) is not NaN, which makes a key index an array
// instead of being read from every element.
func isNumericKey(key string) bool { return !math.IsNaN(stringToNumber(key)) }

// lookup reads key from v as ucast's getter does: on an array and a non-numeric key, the key
// is read from every element and the results concatenated (arrays flattened by one level).
func lookup(v any, key string) (any, result) {
	if kindOf(v) == kArray && !isNumericKey(key) {
		out := []any{}
		for i, n := 0, arrayLen(v); i < n; i++ {
			el := arrayAt(v, i)
			switch kindOf(el) {
			case kNull, kUndefined:
				return nil, bad // JavaScript: reading a property of null throws
			}
			x := prop(el, key)
			switch kindOf(x) {
			case kUndefined:
			case kArray:
				for j, m := 0, arrayLen(x); j < m; j++ {
					out = append(out, arrayAt(x, j))
				}
			default:
				out = append(out, x)
			}
		}
		return out, yes
	}
	return prop(v, key), yes
}

// prop is JavaScript's v[key] for own properties.
func prop(v any, key string) any {
	switch x := v.(type) {
	case string:
		u := utf16.Encode([]rune(x))
		if key == "length" {
			return float64(len(u))
		}
		if i, ok := arrayIndex(key); ok && int(i) < len(u) {
			return string(utf16.Decode(u[i : i+1]))
		}
		return undefined{}
	}
	switch kindOf(v) {
	case kArray:
		if key == "length" {
			return float64(arrayLen(v))
		}
		val, _ := ownKey(v, key)
		return val
	case kObject:
		val, _ := ownKey(v, key)
		return val
	}
	return undefined{}
}

// hasOwn is Object.hasOwn.
func hasOwn(v any, key string) bool {
	switch x := v.(type) {
	case string:
		if key == "length" {
			return true
		}
		i, ok := arrayIndex(key)
		return ok && int(i) < len(utf16.Encode([]rune(x)))
	}
	switch kindOf(v) {
	case kArray:
		if key == "length" {
			return true
		}
		i, ok := arrayIndex(key)
		return ok && int(i) < arrayLen(v)
	case kObject:
		_, ok := ownKey(v, key)
		return ok
	}
	return false
}

func isObjectLike(v any) bool {
	k := kindOf(v)
	return k == kArray || k == kObject
}

// getPath is ucast's getObjectField: a falsy object throws; intermediate values that are
// falsy or not objects end the walk with undefined; the last value is returned as it is.
func getPath(obj any, segs []string) (any, result) {
	if segs == nil { // itself
		return obj, yes
	}
	if !truthy(obj) {
		return nil, bad
	}
	a := obj
	for i, s := range segs {
		var r result
		a, r = lookup(a, s)
		if r == bad {
			return nil, bad
		}
		if !truthy(a) || !isObjectLike(a) {
			if i < len(segs)-1 {
				return undefined{}, yes
			}
			return a, yes
		}
	}
	return a, yes
}

// parent returns the value holding the last segment: ucast's getObjectFieldCursor.
func (n *fieldNode) parent(obj any) (any, result) {
	prefix := n.prefix()
	if prefix == nil {
		return obj, yes
	}
	return getPath(obj, prefix)
}

// child reads the last segment from a parent, only when the parent is an object or array.
func (n *fieldNode) child(p any) (any, result) {
	if n.segs == nil {
		return p, yes
	}
	if !isObjectLike(p) {
		return undefined{}, yes
	}
	return lookup(p, n.last)
}

// some evaluates f on every element of an array value until one is yes.
func some(arr any, f func(any) result) result {
	for i, n := 0, arrayLen(arr); i < n; i++ {
		if r := f(arrayAt(arr, i)); r != no {
			return r
		}
	}
	return no
}

func (n *fieldNode) eval(obj any) result {
	switch n.op {
	case opEq:
		return n.evalEq(obj)
	case opNe:
		r := n.evalEq(obj)
		if r == bad {
			return bad
		}
		return boolResult(r == no)
	case opNin:
		r := n.overValue(obj, n.within)
		if r == bad {
			return bad
		}
		return boolResult(r == no)
	case opIn:
		return n.overValue(obj, n.within)
	case opLt, opLte, opGt, opGte:
		return n.overValue(obj, n.order)
	case opRegex:
		return n.overValue(obj, func(x any) result {
			s, ok := x.(string)
			if !ok {
				return no
			}
			return n.re.match(s)
		})
	case opAll:
		a, r := getPath(obj, n.segs)
		if r == bad {
			return bad
		}
		if kindOf(a) != kArray {
			return no
		}
		for _, item := range n.list() {
			if some(a, func(el any) result { return boolResult(strictEqual(el, item)) }) != yes {
				return no
			}
		}
		return yes
	case opElemMatch:
		a, r := getPath(obj, n.segs)
		if r == bad {
			return bad
		}
		if kindOf(a) != kArray {
			return no
		}
		return some(a, n.sub.eval)
	case opSize:
		p, r := n.parent(obj)
		if r == bad {
			return bad
		}
		test := func(x any) result {
			c, r := n.child(x)
			if r == bad {
				return bad
			}
			return boolResult(kindOf(c) == kArray && float64(arrayLen(c)) == n.size)
		}
		if n.segs != nil && kindOf(p) == kArray && !isNumericKey(n.last) {
			return some(p, test)
		}
		return test(p)
	case opExists:
		if n.segs == nil {
			return boolResult(kindOf(obj) != kUndefined)
		}
		p, r := n.parent(obj)
		if r == bad {
			return bad
		}
		test := func(x any) result {
			if k := kindOf(x); k == kNull || k == kUndefined {
				return boolResult(!n.boolean)
			}
			return boolResult(hasOwn(x, n.last) == n.boolean)
		}
		if kindOf(p) == kArray && !isNumericKey(n.last) {
			return some(p, test)
		}
		return test(p)
	}
	return bad
}

// overValue reads the full path and applies test to it, or to some element when it is an
// array (ucast's testValueOrArray).
func (n *fieldNode) overValue(obj any, test func(any) result) result {
	v, r := getPath(obj, n.segs)
	if r == bad {
		return bad
	}
	if kindOf(v) == kArray {
		return some(v, test)
	}
	return test(v)
}

func (n *fieldNode) within(x any) result {
	for _, item := range n.list() {
		if strictEqual(item, x) {
			return yes
		}
	}
	return no
}

func (n *fieldNode) order(x any) result {
	c := compare(x, n.value)
	switch n.op {
	case opLt:
		return boolResult(c == -1)
	case opLte:
		return boolResult(c <= 0)
	case opGt:
		return boolResult(c == 1)
	default:
		return boolResult(c >= 0)
	}
}

func (n *fieldNode) evalEq(obj any) result {
	p, r := n.parent(obj)
	if r == bad {
		return bad
	}
	if n.value == nil {
		// {f: null}: f missing from its parent, null, or an array holding null (§8.5).
		test := func(x any) result {
			if !isObjectLike(x) {
				return no
			}
			if !hasOwn(x, n.last) {
				return yes
			}
			v, r := lookup(x, n.last)
			if r == bad {
				return bad
			}
			if kindOf(v) == kNull {
				return yes
			}
			if kindOf(v) == kArray {
				return some(v, func(el any) result { return boolResult(kindOf(el) == kNull) })
			}
			return no
		}
		if n.segs != nil && kindOf(p) == kArray && !isNumericKey(n.last) {
			return some(p, test)
		}
		return test(p)
	}
	v, r := n.child(p)
	if r == bad {
		return bad
	}
	if kindOf(v) == kArray {
		return some(v, func(el any) result { return boolResult(strictEqual(el, n.value)) })
	}
	return boolResult(strictEqual(v, n.value))
}
