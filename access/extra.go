package access

import (
	"strings"
)

// Pack returns rules in CASL's packed form (packRules, §11): per rule
// [actions, subjects, conditions, inverted, fields, reason] with lists joined by commas, 0 for
// no conditions or fields, and trailing falsy entries dropped. The JSON is byte for byte what
// CASL's packRules gives after JSON.stringify, condition key order included.
func Pack(rules []Rule) ([]byte, error) {
	b := []byte{'['}
	for i, r := range rules {
		if i > 0 {
			b = append(b, ',')
		}
		var cond any
		if len(r.Conditions) > 0 {
			v, err := parseJSON(r.Conditions)
			if err != nil {
				return nil, err
			}
			cond = v
		}
		b = appendPacked(b, r, cond)
	}
	return append(b, ']'), nil
}

func appendPacked(b []byte, r Rule, cond any) []byte {
	entry := []any{undefined{}, undefined{}, float64(0), float64(0), float64(0), r.Reason}
	// packRules writes `action || actions` and the subject as given, joined when arrays.
	if r.Action != nil && !r.blankAction {
		entry[0] = strings.Join(r.Action, ",")
	}
	if r.Subject != nil {
		entry[1] = strings.Join(r.Subject, ",")
	} else if r.packSubject != nil {
		entry[1] = r.packSubject
	}
	if cond != nil && truthy(cond) {
		entry[2] = cond
	}
	if r.Inverted {
		entry[3] = float64(1)
	}
	if r.Fields != nil {
		entry[4] = strings.Join(r.Fields, ",")
	}
	n := len(entry)
	for n > 0 && !truthy(entry[n-1]) {
		n--
	}
	return appendJS(b, entry[:n])
}

// Pack returns the ability's effective rules packed for a browser running CASL, so that it
// denies what Krag denies: an invalid rule, "can" or "cannot", is sent in its place as an
// unconditional "cannot" of its actions and subjects without fields (Krag denies every check
// that reaches it; rules without an action, which no check reaches, are left out), and
// conditions carry their interpolated values. A list CASL refuses packs as no rules at all.
func (a *Ability) Pack() []byte {
	b := []byte{'['}
	if a.refused != nil {
		return append(b, ']')
	}
	first := true
	for i := range a.rules {
		r := &a.rules[i]
		rr, cond := r.given(), r.conditions()
		if r.invalid != nil {
			if len(r.actions) == 0 {
				continue
			}
			rr.Conditions, rr.Fields, rr.Inverted, cond = nil, nil, true, nil
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendPacked(b, rr, cond)
	}
	return append(b, ']')
}

// Where returns the condition under which action is allowed on instances of type t, as CASL's
// rulesToCondition builds it for @casl/prisma's accessibleBy but with the conditions kept in
// their Mongo form (§12): {"OR": [...]}, {"AND": [...]}, {"NOT": cond} and {} for "every
// instance". It returns nil when no instance is allowed, and also, failing closed, when any
// candidate rule is invalid (see Compile).
func (a *Ability) Where(action, t string) any {
	if a.invalidCandidate(action, t) != nil {
		return nil
	}
	var cannots, branches []any
	unconditional := false
	for _, r := range a.candidates(action, t) {
		if a.hasFields && !r.matchesField("") {
			continue
		}
		if r.inverted {
			if r.cond == nil {
				break
			}
			cannots = append(cannots, &Object{Keys: []string{"NOT"}, Values: []any{r.conditions()}})
			continue
		}
		if r.cond == nil {
			unconditional = true
			break
		}
		branch := r.conditions()
		if len(cannots) > 0 {
			branch = and(append([]any{branch}, cannots...))
		}
		branches = append(branches, branch)
	}
	if unconditional {
		if len(cannots) == 0 {
			return &Object{}
		}
		if len(branches) == 0 {
			return and(cannots)
		}
		branches = append(branches, and(cannots))
	}
	if len(branches) == 0 {
		return nil
	}
	return &Object{Keys: []string{"OR"}, Values: []any{branches}}
}

func and(items []any) any {
	return &Object{Keys: []string{"AND"}, Values: []any{append([]any(nil), items...)}}
}

// WhereJSON is Where as JSON, with {"OR": []} for "nothing", as accessibleBy writes it.
func (a *Ability) WhereJSON(action, t string) []byte {
	w := a.Where(action, t)
	if w == nil {
		return []byte(`{"OR":[]}`)
	}
	return appendJS(nil, w)
}

// Node is a condition tree: CASL's rulesToAST for a type. Op is "and", "or" or "not" with
// Children, or a field operator ("eq", "ne", "lt", "lte", "gt", "gte", "in", "nin", "all",
// "size", "regex", "elemMatch", "exists") with Field and Value (the operand as parsed JSON:
// nil, bool, float64, string, []any or *Object; for elemMatch the sub-tree is Children[0],
// on the element's fields, or on the element itself when its Field is "").
type Node struct {
	Op       string
	Children []*Node
	Field    string
	Value    any
}

// AST returns the condition under which action is allowed on instances of type t (CASL's
// rulesToAST): nil when none is, an "and" without children when every one is. It is nil,
// failing closed, when any candidate rule is invalid (see Compile): CASL's rulesToAST throws
// on conditions it cannot parse.
func (a *Ability) AST(action, t string) *Node {
	if a.invalidCandidate(action, t) != nil {
		return nil
	}
	var cannots, branches []*Node
	unconditional := false
	for _, r := range a.candidates(action, t) {
		if a.hasFields && !r.matchesField("") {
			continue
		}
		if r.inverted {
			if r.cond == nil {
				break
			}
			cannots = append(cannots, &Node{Op: "not", Children: []*Node{toAST(r.cond)}})
			continue
		}
		if r.cond == nil {
			unconditional = true
			break
		}
		n := toAST(r.cond)
		if len(cannots) > 0 {
			n = compound("and", append([]*Node{n}, cannots...))
		}
		branches = append(branches, n)
	}
	if unconditional {
		if len(cannots) == 0 {
			return &Node{Op: "and"}
		}
		if len(branches) == 0 {
			return compound("and", cannots)
		}
		branches = append(branches, compound("and", cannots))
	}
	if len(branches) == 0 {
		return nil
	}
	return compound("or", branches)
}

// compound builds an and/or node as ucast's optimizedCompoundCondition: one child is itself,
// children of the same kind are flattened.
func compound(op string, children []*Node) *Node {
	if len(children) == 1 {
		return children[0]
	}
	var flat []*Node
	for _, c := range children {
		if c.Op == op {
			flat = append(flat, c.Children...)
			continue
		}
		flat = append(flat, c)
	}
	if len(flat) == 1 {
		return flat[0]
	}
	return &Node{Op: op, Children: flat}
}

func toAST(n cnode) *Node {
	switch x := n.(type) {
	case *andNode:
		out := &Node{Op: "and"}
		for _, c := range x.items {
			out.Children = append(out.Children, toAST(c))
		}
		return out
	case *eqNode:
		return &Node{Op: "eq", Field: x.field, Value: x.operand.value()}
	case *flatNode:
		if len(x.eqs) == 1 {
			return toAST(&x.eqs[0])
		}
		out := &Node{Op: "and"}
		for i := range x.eqs {
			out.Children = append(out.Children, toAST(&x.eqs[i]))
		}
		return out
	case *fieldNode:
		f := x.field
		if f == itself {
			f = ""
		}
		out := &Node{Op: opNames[x.op], Field: f, Value: x.value}
		if x.op == opElemMatch {
			out.Children = []*Node{toAST(x.sub)}
			out.Value = nil
		}
		return out
	}
	return &Node{Op: "and"}
}
