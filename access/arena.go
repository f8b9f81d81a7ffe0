package access

import "strings"

// arena hands out the small objects and slices that decoding and compiling conditions need
// from larger blocks, so that building an ability from many rules costs a few allocations
// instead of several per rule. Nothing is ever freed or reused: a block lives as long as
// anything carved from it, which is as long as the ability (or the decoded value) does.
//
// Every slice it returns has its capacity equal to its length, so that an append by whoever
// holds it copies instead of writing over a neighbour.
type arena struct {
	objs   []Object
	strs   []string
	anys   []any
	fields []fieldNode
	eqs    []eqNode
	flats  []flatNode
	mores  []ruleMore
	ands   []andNode
	nodes  []cnode
	// keys, vals and stack are scratch stacks, reused from one document to the next: the
	// entries of the objects and arrays being decoded (see decoder), and the nodes of the
	// documents being compiled, innermost last. A finished one is copied out and popped;
	// what is left above the top is stale but harmless, the arena being dropped after use.
	keys  []string
	vals  []any
	stack []cnode
}

// reserve sizes the first blocks for compiling the conditions of rules, whose text is text.
// It guesses from counts of the characters that structure JSON (strings holding some only
// make the guesses larger): a key has a colon, an object of k keys k-1 commas, an array of n
// values n-1 commas, and an operator key a "$" and a parent key that is not flat either.
func (ar *arena) reserve(text string, rules int) {
	keys := strings.Count(text, ":")
	operators := strings.Count(text, "$")
	ar.eqs = make([]eqNode, 0, max(keys-2*operators, 0)+maxFlat) // compileFlat needs maxFlat free
	ar.flats = make([]flatNode, 0, rules)
	if operators == 0 {
		return // flat conditions, most likely
	}
	objects := strings.Count(text, "{")
	elems := max(strings.Count(text, ",")-keys+objects, 0) + strings.Count(text, "[")
	ar.objs = make([]Object, 0, objects)
	ar.strs = make([]string, 0, keys+operators+strings.Count(text, ".")) // keys, paths' segments
	ar.anys = make([]any, 0, keys+elems)
	ar.fields = make([]fieldNode, 0, operators)
	ar.nodes = make([]cnode, 0, keys)
	ar.ands = make([]andNode, 0, rules)
}

// carve returns n zero values of T from *block, starting a new block when it is too full. New
// blocks double in size, from 8 up to 512 values, or hold n values if that is more.
func carve[T any](block *[]T, n int) []T {
	b := *block
	if cap(b)-len(b) < n {
		size := min(max(2*cap(b), 8), 512)
		b = make([]T, 0, max(size, n))
	}
	s := b[len(b) : len(b)+n : len(b)+n]
	*block = b[:len(b)+n]
	return s
}

// object returns a new Object holding copies of keys and vals (an empty object has nil
// slices, as one built key by key has).
func (ar *arena) object(keys []string, vals []any) *Object {
	o := &carve(&ar.objs, 1)[0]
	if len(keys) > 0 {
		o.Keys = carve(&ar.strs, len(keys))
		copy(o.Keys, keys)
		o.Values = carve(&ar.anys, len(vals))
		copy(o.Values, vals)
	}
	return o
}

// array returns a new non-nil []any holding a copy of vals.
func (ar *arena) array(vals []any) []any {
	a := carve(&ar.anys, len(vals))
	copy(a, vals)
	return a
}
