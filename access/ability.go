package access

import (
	"errors"
	"fmt"
	"sort"
)

// Wildcards of CASL's candidate lookup (§2).
const (
	// Manage is the action every rule for it covers, whatever the action checked.
	Manage = "manage"
	// All is the subject type of rules without a subject; checking it is not a wildcard.
	All = "all"
)

// Options configures an Ability.
type Options struct {
	// Aliases maps an alias to the actions it stands for, e.g. {"modify": {"update",
	// "delete"}}: a rule for modify also allows update and delete (expansion happens on rules,
	// never on checks). Cycles and aliases of or to "manage" are errors.
	Aliases map[string][]string
	// Vars are the values of ${…} placeholders in conditions (see Interpolate), e.g.
	// {"user": map[string]any{"id": 42}}. Nil leaves conditions as they are.
	Vars map[string]any
}

// rule is a compiled rule.
type rule struct {
	index    int // position in the input list
	priority int // 0 for the last rule: lower wins
	actions  []string
	subjects []string
	raw      any // conditions as parsed (and interpolated), nil for none
	cond     *Cond
	fields   []string
	matchF   func(string) bool
	inverted bool
	reason   string
	origin   Rule
	// invalid is set when the rule failed validation. The rule keeps its place: a check that
	// reaches it is denied with this error, as CASL throws when it reaches a rule it cannot
	// parse (casl-semantics.md §8.7, §15).
	invalid *RuleError
}

// Ability answers CASL's questions for a rule list. It is immutable and safe for concurrent
// use; build a new one when rules change.
type Ability struct {
	rules     []*rule // in input order, invalid ones included
	hasFields bool
	// cands[type][action] is the candidate list of §2, merged once, in priority order.
	cands map[string]map[string][]*rule
	// refused is set when the whole list is unusable, where CASL's createMongoAbility throws
	// (a rule with an empty fields array): every question is then answered with this error.
	refused *RuleError
}

// New builds an Ability and refuses rule lists with any invalid rule.
func New(rules []Rule, o Options) (*Ability, error) {
	a, errs := Compile(rules, o)
	if a == nil || len(errs) > 0 {
		all := make([]error, len(errs))
		for i, e := range errs {
			all[i] = e
		}
		return nil, errors.Join(all...)
	}
	return a, nil
}

// Compile builds an Ability and fails closed on invalid rules instead of refusing the list.
// An invalid rule, "can" or "cannot", keeps its place in the list and poisons it: a check
// whose walk through the candidate rules (highest priority first) reaches it is denied with
// an error wrapping ErrInvalidRule, where CASL would throw when parsing it; checks decided by
// a higher-priority rule are answered as usual. Where and AST match nothing, and
// PermittedFields fails, when any candidate rule is invalid. A rule with an empty fields
// array makes CASL refuse the whole list; the Ability then answers every question with an
// error. The errors name each invalid rule. A nil Ability is returned only for invalid
// Options.
func Compile(rules []Rule, o Options) (*Ability, []*RuleError) {
	resolve, err := aliasResolver(o.Aliases)
	if err != nil {
		return nil, []*RuleError{{Index: -1, Err: err}}
	}
	a := &Ability{}
	var errs []*RuleError
	for i, rr := range rules {
		r, err := compileRule(rr, o.Vars, resolve)
		r.index = i
		r.priority = len(rules) - i - 1
		if err != nil {
			re := &RuleError{Index: i, Err: err}
			errs = append(errs, re)
			r.raw, r.cond, r.invalid = nil, nil, re
			if rr.Fields != nil && len(rr.Fields) == 0 && a.refused == nil {
				a.refused = re
			}
		}
		if r.fields != nil {
			a.hasFields = true
		}
		a.rules = append(a.rules, r)
	}
	a.index()
	return a, errs
}

// compileRule validates and compiles one rule. The rule it returns is filed under its
// actions and subjects even with an error, so that it can poison the checks that reach it.
func compileRule(rr Rule, vars map[string]any, resolve func([]string) []string) (*rule, error) {
	r := &rule{origin: rr, inverted: rr.Inverted, reason: rr.Reason}
	r.actions = resolve(rr.Action)
	r.subjects = rr.Subject
	if r.subjects == nil {
		r.subjects = []string{All}
	}
	if rr.Fields != nil {
		if len(rr.Fields) == 0 {
			return r, errors.New("The `rawRule.fields` array cannot be empty. https://bit.ly/390miLa")
		}
		// Set before the matcher so that a rule with fields counts as one even when invalid
		// (CASL's field filter applies as soon as any rule has fields).
		r.fields = rr.Fields
		m, err := fieldMatcher(rr.Fields)
		if err != nil {
			return r, fmt.Errorf("fields: %w", err)
		}
		r.matchF = m
	}
	if len(rr.Action) == 0 && rr.Action == nil {
		return r, errors.New("the rule has no action")
	}
	if len(rr.Conditions) > 0 {
		v, err := parseJSON(rr.Conditions)
		if err != nil {
			return r, fmt.Errorf("conditions are not valid JSON: %w", err)
		}
		if !truthy(v) {
			return r, nil
		}
		if vars != nil {
			if v, err = interpolate(v, vars); err != nil {
				return r, fmt.Errorf("conditions: %w", err)
			}
		}
		c, err := compileCond(v)
		if err != nil {
			return r, err
		}
		r.raw, r.cond = v, c
	}
	return r, nil
}

// aliasResolver validates an alias map as CASL's createAliasResolver does and returns the
// expansion of a rule's actions: the actions, then what they stand for, transitively.
func aliasResolver(aliases map[string][]string) (func([]string) []string, error) {
	if _, ok := aliases[Manage]; ok {
		return nil, fmt.Errorf(`Cannot use "%s" as an alias because it's reserved action.`, Manage)
	}
	keys := make([]string, 0, len(aliases))
	for k := range aliases {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		// Walk the expansion from k, refusing cycles and "manage" as a target.
		acts := []string{k}
		for i := 0; i < len(acts); i++ {
			targets, ok := aliases[acts[i]]
			if !ok {
				continue
			}
			for _, t := range targets {
				if t == Manage {
					return nil, fmt.Errorf(`Cannot make an alias to "%s" because this is reserved action`, Manage)
				}
				for _, seen := range acts {
					if seen == t {
						return nil, fmt.Errorf("Detected cycle %s -> %s", t, joinNames(acts))
					}
				}
			}
			acts = append(acts, targets...)
		}
	}
	return func(actions []string) []string {
		if len(aliases) == 0 {
			return actions
		}
		out := append([]string(nil), actions...)
		for i := 0; i < len(out); i++ {
			if t, ok := aliases[out[i]]; ok {
				out = append(out, t...)
			}
		}
		return out
	}, nil
}

func joinNames(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

// index files the rules under (subject, action) and merges the candidate lists (§2).
func (a *Ability) index() {
	by := map[string]map[string][]*rule{}
	actions := map[string]bool{Manage: true}
	// Highest priority first: the last rule first.
	for i := len(a.rules) - 1; i >= 0; i-- {
		r := a.rules[i]
		for _, s := range r.subjects {
			m := by[s]
			if m == nil {
				m = map[string][]*rule{}
				by[s] = m
			}
			for _, act := range r.actions {
				if l := m[act]; len(l) == 0 || l[len(l)-1] != r {
					m[act] = append(l, r)
				}
				actions[act] = true
			}
		}
	}
	if by[All] == nil {
		by[All] = map[string][]*rule{}
	}
	a.cands = map[string]map[string][]*rule{}
	for t, m := range by {
		out := map[string][]*rule{}
		for act := range actions {
			l := m[act]
			if act != Manage {
				l = mergeRules(l, m[Manage])
			}
			if t != All {
				allList := by[All][act]
				if act != Manage {
					allList = mergeRules(allList, by[All][Manage])
				}
				l = mergeRules(l, allList)
			}
			out[act] = l
		}
		a.cands[t] = out
	}
}

// mergeRules merges two lists sorted by priority, dropping duplicates.
func mergeRules(x, y []*rule) []*rule {
	if len(x) == 0 {
		return y
	}
	if len(y) == 0 {
		return x
	}
	out := make([]*rule, 0, len(x)+len(y))
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i].priority < y[j].priority:
			out = append(out, x[i])
			i++
		case x[i].priority > y[j].priority:
			out = append(out, y[j])
			j++
		default:
			out = append(out, x[i])
			i++
			j++
		}
	}
	out = append(out, x[i:]...)
	return append(out, y[j:]...)
}

// candidates returns the rules that may decide (action, type), highest priority first.
func (a *Ability) candidates(action, typ string) []*rule {
	m, ok := a.cands[typ]
	if !ok {
		m = a.cands[All]
	}
	if l, ok := m[action]; ok {
		return l
	}
	return m[Manage]
}

// Subject is what a check is about: a type alone (a type-level check, "could some Post be
// read?") or an instance of a type with its attributes.
type Subject struct {
	Type   string
	Object any
	// instance tells an instance whose Object is nil from a type-level check.
	instance bool
}

// Type returns the type-level subject t. Type(All) is the any-subject check.
func Type(t string) Subject { return Subject{Type: t} }

// Of returns an instance of type t whose attributes are read from obj: a map[string]any, a
// struct (fields named as encoding/json names them), or a pointer to either.
func Of(t string, obj any) Subject { return Subject{Type: t, Object: obj, instance: true} }

// matchesField reports whether r applies to field ("" for none) (§7.1).
func (r *rule) matchesField(field string) bool {
	if r.fields == nil {
		return true
	}
	if field == "" {
		return !r.inverted
	}
	if r.matchF == nil { // fields that did not compile: the rule may apply to any field
		return true
	}
	return r.matchF(field)
}

// matchesConditions reports whether r applies to s (§4).
func (r *rule) matchesConditions(s Subject) result {
	if r.cond == nil {
		return yes
	}
	if !s.instance {
		if !r.inverted {
			return yes
		}
		return boolResult(r.cond.matchesAll)
	}
	return r.cond.root.eval(norm(s.Object))
}

// Decision is the outcome of a check.
type Decision struct {
	// Allowed is the answer.
	Allowed bool
	// Rule is the index, in the list given to New or Compile, of the rule that decided; -1
	// when no rule matched (a denial).
	Rule int
	// Reason is the deciding inverted rule's reason, if any.
	Reason string
}

// ErrEvaluation is returned (wrapped) when a condition cannot be evaluated on a subject, where
// CASL would throw; the check is denied.
var ErrEvaluation = errors.New("access: condition cannot be evaluated on this subject")

// ErrInvalidRule is returned (wrapped, with the *RuleError) when a question reaches a rule
// that failed validation, or is asked of an Ability whose whole list CASL refuses; the check
// is denied.
var ErrInvalidRule = errors.New("access: invalid rule")

func (e *RuleError) poison() error { return fmt.Errorf("%w: %w", ErrInvalidRule, e) }

// Check answers whether action is allowed on s, for field ("" for none), and which rule
// decided (§3). An evaluation error denies and is returned. Reaching an invalid rule (see
// Compile) denies with an error wrapping ErrInvalidRule and the *RuleError, and Rule is that
// rule's index: where CASL throws, and also for a type-level check that a "can" rule with
// broken conditions would grant in CASL (it does not parse them there).
func (a *Ability) Check(action string, s Subject, field string) (Decision, error) {
	if a.refused != nil {
		return Decision{Rule: -1}, a.refused.poison()
	}
	for _, r := range a.candidates(action, s.Type) {
		if a.hasFields && !r.matchesField(field) {
			continue
		}
		if r.invalid != nil {
			return Decision{Rule: r.index}, r.invalid.poison()
		}
		switch r.matchesConditions(s) {
		case yes:
			return Decision{Allowed: !r.inverted, Rule: r.index, Reason: r.reason}, nil
		case bad:
			return Decision{Rule: -1}, fmt.Errorf("%w (rule %d)", ErrEvaluation, r.index)
		}
	}
	return Decision{Rule: -1}, nil
}

// Can reports whether action is allowed on s. A type-level true means "for some instance":
// check instances before acting on one.
func (a *Ability) Can(action string, s Subject) bool {
	d, _ := a.Check(action, s, "")
	return d.Allowed
}

// CanField reports whether action is allowed on field of s.
func (a *Ability) CanField(action string, s Subject, field string) bool {
	d, _ := a.Check(action, s, field)
	return d.Allowed
}

// ForbiddenError is the denial of a check, worded as CASL's ForbiddenError.
type ForbiddenError struct {
	Action      string
	SubjectType string
	Field       string
	// Message is the deciding rule's reason, or `Cannot execute "<action>" on "<type>"`.
	Message string
	// Err is set when a condition could not be evaluated.
	Err error
}

// Error returns the message, CASL's default or the one set by a rule's reason.
func (e *ForbiddenError) Error() string { return e.Message }

// Unwrap returns the evaluation error, if any.
func (e *ForbiddenError) Unwrap() error { return e.Err }

// Authorize returns nil when action is allowed on s (and field), or a *ForbiddenError.
func (a *Ability) Authorize(action string, s Subject, field string) error {
	d, err := a.Check(action, s, field)
	if d.Allowed {
		return nil
	}
	typ := s.Type
	if typ == "" && !s.instance {
		typ = All
	}
	msg := d.Reason
	if msg == "" || d.Rule < 0 {
		msg = fmt.Sprintf("Cannot execute %q on %q", action, typ)
	}
	return &ForbiddenError{Action: action, SubjectType: typ, Field: field, Message: msg, Err: err}
}

// PermittedFields returns the fields action may use on s (CASL's permittedFieldsOf): rules
// from lowest to highest priority add their fields (allFields(type) for rules without) and
// inverted ones remove them; the result keeps insertion order. It fails, wrapping
// ErrInvalidRule, when any candidate rule is invalid (CASL evaluates every candidate), and
// wrapping ErrEvaluation when a condition cannot be evaluated on s.
func (a *Ability) PermittedFields(action string, s Subject, allFields func(typ string) []string) ([]string, error) {
	if err := a.invalidCandidate(action, s.Type); err != nil {
		return nil, err
	}
	list := a.candidates(action, s.Type)
	var order []string
	present := map[string]bool{}
	for i := len(list) - 1; i >= 0; i-- {
		r := list[i]
		switch r.matchesConditions(s) {
		case bad:
			return nil, fmt.Errorf("%w (rule %d)", ErrEvaluation, r.index)
		case no:
			continue
		}
		fs := r.fields
		if fs == nil && allFields != nil {
			fs = allFields(s.Type)
		}
		for _, f := range fs {
			if r.inverted {
				if present[f] {
					present[f] = false
					for k, x := range order {
						if x == f {
							order = append(order[:k], order[k+1:]...)
							break
						}
					}
				}
				continue
			}
			if !present[f] {
				present[f] = true
				order = append(order, f)
			}
		}
	}
	if order == nil {
		order = []string{}
	}
	return order, nil
}

// invalidCandidate returns the error of the first invalid rule among the candidates for
// action on type t (or of a refused list), nil when there is none.
func (a *Ability) invalidCandidate(action, t string) error {
	if a.refused != nil {
		return a.refused.poison()
	}
	for _, r := range a.candidates(action, t) {
		if r.invalid != nil {
			return r.invalid.poison()
		}
	}
	return nil
}

// RulesFor returns the indexes of the rules that may decide action on type t for field,
// highest priority first (CASL's rulesFor), invalid rules included. It is empty for an
// Ability whose list CASL refuses.
func (a *Ability) RulesFor(action, t, field string) []int {
	if a.refused != nil {
		return nil
	}
	var out []int
	for _, r := range a.candidates(action, t) {
		if a.hasFields && !r.matchesField(field) {
			continue
		}
		out = append(out, r.index)
	}
	return out
}
