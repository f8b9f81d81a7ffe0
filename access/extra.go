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
	if r.Action != nil {
		entry[0] = strings.Join(r.Action, ",")
	}
	if r.Subject != nil {
		entry[1] = strings.Join(r.Subject, ",")
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

// Pack returns the ability's effective rules packed for a browser running CASL: dropped
// invalid rules are left out, invalid inverted rules are sent unconditional (as they act
// here), and conditions carry their interpolated values. A browser then decides as the server
// does.
func (a *Ability) Pack() []byte {
	b := []byte{'['}
	for i, r := range a.rules {
		if i > 0 {
			b = append(b, ',')
		}
		rr := r.origin
		if r.invalid {
			rr.Fields = nil
		}
		b = appendPacked(b, rr, r.raw)
	}
	return append(b, ']')
}

// Where returns the condition under which action is allowed on instances of type t, as CASL's
// rulesToCondition builds it for @casl/prisma's accessibleBy but with the conditions kept in
// their Mongo form (§12): {"OR": [...]}, {"AND": [...]}, {"NOT": cond} and {} for "every
// instance". It returns nil when no instance is allowed.
func (a *Ability) Where(action, t string) any {
	var cannots, branches []any
	unconditional := false
	for _, r := range a.candidates(action, t) {
		if a.hasFields && !r.matchesField("") {
			continue
		}
		if r.inverted {
			if r.raw == nil {
				break
			}
			cannots = append(cannots, &Object{Keys: []string{"NOT"}, Values: []any{r.raw}})
			continue
		}
		if r.raw == nil {
			unconditional = true
			break
		}
		var branch any = r.raw
		if len(cannots) > 0 {
			branch = and(append([]any{r.raw}, cannots...))
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
