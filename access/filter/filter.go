// Package filter turns an ability into a database filter: the rows of a table that an action
// is allowed on, in one query, with the same answer as access.Ability.Check on each row (CASL's
// accessibleBy semantics, shared/spec/casl-semantics.md §12).
//
// A row is read as a JavaScript object with every column as a key (NULL as null). Conditions
// become two-valued SQL: each leaf guards its NULLs explicitly, so NOT keeps its meaning under
// SQL's three-valued logic, and where CASL's loose comparisons treat null as 0 or a missing
// key as undefined, the filter says so with constants. Strings compare byte for byte.
//
// Some conditions have no portable SQL form (regular expressions on text columns, comparisons
// of text columns with numbers, paths into JSON). They fail closed: a "can" branch that needs
// one is left out (fewer rows), a "cannot" is taken to match every row (fewer rows), and
// For reports them in Result.Untranslatable so callers can tell "exact" from "safe".
package filter

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/kragauth/krag/access"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

// Result is a translated filter.
type Result struct {
	// Expr selects the allowed rows; store.Bool(false) when none is.
	Expr store.Expr
	// Untranslatable lists the conditions that were replaced to fail closed, with why.
	Untranslatable []string
}

// For returns the filter of the rows of table t on which action is allowed by a, with t
// standing for the subject type typ.
func For(a *access.Ability, action, typ string, t *schema.Table) Result {
	tr := &translator{t: t}
	n := a.AST(action, typ)
	if n == nil {
		return Result{Expr: store.Bool(false)}
	}
	e := tr.node(n, false)
	return Result{Expr: simplify(e), Untranslatable: tr.skipped}
}

type translator struct {
	t       *schema.Table
	skipped []string
}

// node translates n. neg tells whether n sits under an odd number of NOTs: an untranslatable
// leaf then becomes true (the NOT above makes it exclude), otherwise false.
func (tr *translator) node(n *access.Node, neg bool) store.Expr {
	switch n.Op {
	case "and", "or":
		items := make([]store.Expr, len(n.Children))
		for i, c := range n.Children {
			items[i] = tr.node(c, neg)
		}
		if n.Op == "and" {
			return store.And(items)
		}
		return store.Or(items)
	case "not":
		return store.Not{X: tr.node(n.Children[0], !neg)}
	}
	e, err := tr.leaf(n)
	if err != nil {
		tr.skipped = append(tr.skipped, fmt.Sprintf("%s %s: %v", n.Field, n.Op, err))
		return store.Bool(neg)
	}
	return e
}

// colType is a column's JavaScript type as a row is read.
type colType uint8

const (
	tString colType = iota
	tNumber
	tBool
	tDate
)

func typeOf(f *schema.Field) colType {
	switch f.Type {
	case schema.Number:
		return tNumber
	case schema.Boolean:
		return tBool
	case schema.Date:
		return tDate
	}
	return tString // strings and JSON kept as text
}

const isoLayout = "2006-01-02T15:04:05.000Z"

// canonicalTime parses the ISO-8601 form a row's dates take in JavaScript.
func canonicalTime(s string) (time.Time, bool) {
	t, err := time.Parse(isoLayout, s)
	if err != nil || t.Format(isoLayout) != s {
		return time.Time{}, false
	}
	return t, true
}

func (tr *translator) leaf(n *access.Node) (store.Expr, error) {
	field := n.Field
	if i := strings.IndexByte(field, '.'); i >= 0 {
		return tr.dotted(n, field[:i], field[i+1:])
	}
	f := tr.t.Field(field)
	if f == nil {
		return missing(n)
	}
	ct := typeOf(f)
	isNull := store.Leaf{Field: field, Op: store.Eq}
	notNull := store.Leaf{Field: field, Op: store.Ne}
	switch n.Op {
	case "eq", "ne":
		e, err := tr.eq(field, ct, n.Value)
		if err != nil {
			return nil, err
		}
		if n.Op == "ne" {
			return store.Not{X: e}, nil
		}
		return e, nil
	case "in", "nin":
		items, _ := n.Value.([]any)
		or := store.Or{}
		for _, it := range items {
			e, err := tr.eq(field, ct, it)
			if err != nil {
				return nil, err
			}
			or = append(or, e)
		}
		if n.Op == "nin" {
			return store.Not{X: or}, nil
		}
		return or, nil
	case "lt", "lte", "gt", "gte":
		// A NULL column is null, which compares as 0 (JavaScript): a constant per operand.
		nullGreater := 0 > access.ToNumber(n.Value)
		nullRows := nullGreater
		if n.Op == "lt" || n.Op == "lte" {
			nullRows = !nullGreater
		}
		cmp, err := tr.order(field, ct, n.Op, n.Value)
		if err != nil {
			return nil, err
		}
		return store.Or{store.And{notNull, cmp}, store.And{isNull, store.Bool(nullRows)}}, nil
	case "all", "size", "elemMatch":
		return store.Bool(false), nil // a column is never an array
	case "exists":
		b, _ := n.Value.(bool)
		return store.Bool(b), nil // every column is a key of the row, NULL or not
	case "regex":
		if ct == tString {
			return nil, fmt.Errorf("regular expressions on text columns have no portable SQL form")
		}
		return store.Bool(false), nil // only strings match, and dates are read as strings
	}
	return nil, fmt.Errorf("unknown operator")
}

// eq is JavaScript strict equality of the column with a scalar operand, two-valued.
func (tr *translator) eq(field string, ct colType, v any) (store.Expr, error) {
	isNull := store.Leaf{Field: field, Op: store.Eq}
	notNull := store.Leaf{Field: field, Op: store.Ne}
	if v == nil {
		return isNull, nil
	}
	var val any
	switch x := v.(type) {
	case string:
		switch ct {
		case tString:
			val = x
		case tDate:
			t, ok := canonicalTime(x)
			if !ok {
				return store.Bool(false), nil
			}
			val = t
		default:
			return store.Bool(false), nil
		}
	case float64:
		if ct != tNumber {
			return store.Bool(false), nil
		}
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return store.Bool(false), nil // integer columns
		}
		val = int64(x)
	case bool:
		if ct != tBool {
			return store.Bool(false), nil
		}
		val = x
	default:
		return nil, fmt.Errorf("operand %T", v)
	}
	return store.And{store.Leaf{Field: field, Op: store.Eq, Value: val, Exact: true}, notNull}, nil
}

// order is the comparison of a non-NULL column with an operand.
func (tr *translator) order(field string, ct colType, op string, v any) (store.Expr, error) {
	sop := map[string]store.Op{"lt": store.Lt, "lte": store.Lte, "gt": store.Gt, "gte": store.Gte}[op]
	lessish := op == "lt" || op == "lte"
	switch ct {
	case tNumber:
		num := access.ToNumber(v)
		if math.IsNaN(num) {
			// A number against a non-numeric string: never equal, never greater.
			return store.Bool(lessish), nil
		}
		if _, isNum := v.(float64); !isNum {
			// A number is never === a string: lt means "not greater", gte "greater".
			if lessish {
				op, sop = "lte", store.Lte
			} else {
				op, sop = "gt", store.Gt
			}
		}
		// Integer columns: move a fractional bound to the integer that keeps the meaning.
		if num != math.Trunc(num) {
			if op == "lt" || op == "gte" {
				num = math.Ceil(num)
			} else {
				num = math.Floor(num)
			}
		}
		if math.Abs(num) > 1<<53 {
			return nil, fmt.Errorf("bound out of range")
		}
		return store.Leaf{Field: field, Op: sop, Value: int64(num)}, nil
	case tString:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("a text column compared with a number compares numbers parsed from the text")
		}
		for _, c := range s {
			if c >= 0xE000 {
				// JavaScript orders by UTF-16 code units, SQL by code points: they disagree
				// between characters above U+FFFF and those from U+E000 to U+FFFF.
				return nil, fmt.Errorf("%q orders differently in JavaScript and SQL", s)
			}
		}
		return store.Leaf{Field: field, Op: sop, Value: s, Exact: true}, nil
	case tDate:
		s, ok := v.(string)
		if !ok {
			return store.Bool(lessish), nil // an ISO string against a number is NaN
		}
		t, ok := canonicalTime(s)
		if !ok {
			return nil, fmt.Errorf("dates compare as ISO-8601 text; %q is not in that exact form", s)
		}
		return store.Leaf{Field: field, Op: sop, Value: t}, nil
	case tBool:
		num := access.ToNumber(v)
		if math.IsNaN(num) {
			return store.Bool(lessish), nil
		}
		// A boolean is never === a number or string: lt means "not greater".
		truth := func(x float64) store.Expr { return store.Bool((x > num) != lessish) }
		return store.Or{
			store.And{store.Leaf{Field: field, Op: store.Eq, Value: true}, truth(1)},
			store.And{store.Leaf{Field: field, Op: store.Eq, Value: false}, truth(0)},
		}, nil
	}
	return nil, fmt.Errorf("unsupported column type")
}

// missing is a condition on a key rows do not have: its answer is the same for every row.
func missing(n *access.Node) (store.Expr, error) {
	switch n.Op {
	case "eq":
		return store.Bool(n.Value == nil), nil
	case "ne":
		return store.Bool(n.Value != nil), nil
	case "lt", "lte":
		return store.Bool(true), nil
	case "nin":
		return store.Bool(true), nil
	case "exists":
		b, _ := n.Value.(bool)
		return store.Bool(!b), nil
	}
	return store.Bool(false), nil // gt, gte, in, all, size, elemMatch, regex
}

// dotted is a path into a column: rows hold no objects, so the answer is constant, except
// $exists on text (strings have own "length" and index keys).
func (tr *translator) dotted(n *access.Node, first, rest string) (store.Expr, error) {
	f := tr.t.Field(first)
	switch n.Op {
	case "eq":
		return store.Bool(false), nil // the parent is never an object, so even null is false
	case "ne":
		return store.Bool(true), nil
	case "exists":
		b, _ := n.Value.(bool)
		last := rest
		if i := strings.LastIndexByte(rest, '.'); i >= 0 {
			last = rest[i+1:]
		} else if f != nil && typeOf(f) == tString && (last == "length" || isIndex(last)) {
			return nil, fmt.Errorf("$exists on %q reads a property of the text", n.Field)
		}
		return store.Bool(!b), nil
	}
	return missing(&access.Node{Op: n.Op, Value: n.Value})
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// simplify folds constants.
func simplify(e store.Expr) store.Expr {
	switch x := e.(type) {
	case store.And:
		out := store.And{}
		for _, c := range x {
			c = simplify(c)
			if b, ok := c.(store.Bool); ok {
				if !b {
					return store.Bool(false)
				}
				continue
			}
			out = append(out, c)
		}
		switch len(out) {
		case 0:
			return store.Bool(true)
		case 1:
			return out[0]
		}
		return out
	case store.Or:
		out := store.Or{}
		for _, c := range x {
			c = simplify(c)
			if b, ok := c.(store.Bool); ok {
				if b {
					return store.Bool(true)
				}
				continue
			}
			out = append(out, c)
		}
		switch len(out) {
		case 0:
			return store.Bool(false)
		case 1:
			return out[0]
		}
		return out
	case store.Not:
		c := simplify(x.X)
		if b, ok := c.(store.Bool); ok {
			return store.Bool(!b)
		}
		return store.Not{X: c}
	}
	return e
}
