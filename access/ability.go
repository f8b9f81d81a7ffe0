package access

import (
	"errors"
	"fmt"
	"sort"
	"strings"
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
	actions  []string  // aliases expanded
	subjects []string  // nil for all
	cond     cnode     // the compiled conditions, nil for none
	more     *ruleMore // nil when all its fields would be
	// invalid is set when the rule failed validation. The rule keeps its place: a check that
	// reaches it is denied with this error, as CASL throws when it reaches a rule it cannot
	// parse (casl-semantics.md §8.7, §15).
	invalid  *RuleError
	index    int32 // position in the input list: the higher, the higher the priority
	inverted bool
	// matchesAll is Cond's: the conditions are an empty AND.
	matchesAll bool
}

// ruleMore is what only some rules have, kept out of rule to keep it small.
type ruleMore struct {
	action Names // as given, when aliases expanded it
	reason string
	fields []string          // nil for none
	matchF func(string) bool // matches fields; nil when they did not compile
	raw    any               // conditions as parsed (and interpolated), unless flat
	// packSubject and blankAction are Rule's, for Pack.
	packSubject any
	blankAction bool
}

// reason returns the rule's reason, "" for none.
func (r *rule) reason() string {
	if r.more == nil {
		return ""
	}
	return r.more.reason
}

// fields returns the rule's fields, nil for none.
func (r *rule) fields() []string {
	if r.more == nil {
		return nil
	}
	return r.more.fields
}

// given returns the rule as it was given to Compile (with its resolved actions when aliases
// did not change them), for Pack.
func (r *rule) given() Rule {
	rr := Rule{Action: r.actions, Subject: r.subjects, Fields: r.fields(), Inverted: r.inverted, Reason: r.reason()}
	if m := r.more; m != nil {
		if m.action != nil {
			rr.Action = m.action
		}
		rr.packSubject, rr.blankAction = m.packSubject, m.blankAction
	}
	return rr
}

// setMore returns r.more, carving it from ar the first time.
func (r *rule) setMore(ar *arena) *ruleMore {
	if r.more == nil {
		r.more = &carve(&ar.mores, 1)[0]
	}
	return r.more
}

// Ability answers CASL's questions for a rule list. It is immutable and safe for concurrent
// use; build a new one when rules change.
type Ability struct {
	rules     []rule // in input order, invalid ones included
	hasFields bool
	cands     candIndex
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
	a := &Ability{rules: make([]rule, len(rules))}
	var errs []*RuleError
	// Every rule's conditions are copied into one string, which the decoded strings share,
	// and the rules, their conditions and nodes are carved from a few blocks.
	size := 0
	for i := range rules {
		size += len(rules[i].Conditions)
	}
	var text strings.Builder
	text.Grow(size)
	for i := range rules {
		text.Write(rules[i].Conditions)
	}
	src := text.String()
	ar := &arena{}
	ar.reserve(src, len(rules))
	for i := range rules {
		rr, r := &rules[i], &a.rules[i]
		err := ar.compileRule(r, rr, src[:len(rr.Conditions)], o.Vars, resolve)
		src = src[len(rr.Conditions):]
		r.index = int32(i)
		if err != nil {
			re := &RuleError{Index: i, Err: err}
			errs = append(errs, re)
			r.cond, r.invalid = nil, re
			if r.more != nil {
				r.more.raw = nil
			}
			if rr.Fields != nil && len(rr.Fields) == 0 && a.refused == nil {
				a.refused = re
			}
		}
		if r.fields() != nil {
			a.hasFields = true
		}
	}
	a.index(len(errs) > 0)
	return a, errs
}

// compileRule validates rr and compiles it into r; cond is the text of rr.Conditions. With an
// error, r is still filed under its actions and subjects, so that it can poison the checks
// that reach it.
func (ar *arena) compileRule(r *rule, rr *Rule, cond string, vars map[string]any, resolve func([]string) []string) error {
	r.inverted = rr.Inverted
	if rr.Reason != "" {
		r.setMore(ar).reason = rr.Reason
	}
	r.actions = resolve(rr.Action)
	if len(rr.Action) != len(r.actions) || (rr.Action == nil) != (r.actions == nil) {
		r.setMore(ar).action = rr.Action
	}
	if rr.packSubject != nil || rr.blankAction {
		more := r.setMore(ar)
		more.packSubject, more.blankAction = rr.packSubject, rr.blankAction
	}
	r.subjects = rr.Subject // nil for all
	if rr.Fields != nil {
		if len(rr.Fields) == 0 {
			return errors.New("The `rawRule.fields` array cannot be empty. https://bit.ly/390miLa")
		}
		// Set before the matcher so that a rule with fields counts as one even when invalid
		// (CASL's field filter applies as soon as any rule has fields).
		more := r.setMore(ar)
		more.fields = rr.Fields
		m, err := fieldMatcher(rr.Fields)
		if err != nil {
			return fmt.Errorf("fields: %w", err)
		}
		more.matchF = m
	}
	if len(rr.Action) == 0 && rr.Action == nil {
		return errors.New("the rule has no action")
	}
	if len(cond) > 0 {
		if n, ok := ar.compileFlat(cond, vars); ok {
			r.cond = n
			return nil
		}
		v, err := parseJSONString(cond, ar)
		if err != nil {
			return fmt.Errorf("conditions are not valid JSON: %w", err)
		}
		if !truthy(v) {
			return nil
		}
		if vars != nil {
			if v, err = interpolate(v, vars); err != nil {
				return fmt.Errorf("conditions: %w", err)
			}
		}
		var c Cond
		if err := ar.compileCond(&c, v); err != nil {
			return err
		}
		r.setMore(ar).raw, r.cond, r.matchesAll = v, c.root, c.matchesAll
	}
	return nil
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

// index files the rules under (action, subject) and merges the candidate lists (§2). Every
// type that rules name gets a list for each action named for it or for all, and one for
// manage; all gets a list for each action named for it, and one for manage. Other pairs fall
// back to these as candIndex.lookup says. anyInvalid tells whether some rule is invalid.
func (a *Ability) index(anyInvalid bool) {
	ix := pairIndex{types: []pairType{{name: All}}, all: []string{All}}
	// Highest priority (the last rule) first.
	for i := len(a.rules) - 1; i >= 0; i-- {
		ix.file(a.rules, i)
	}
	ix.share(a.rules)
	lists := make([]candList, 0, len(ix.groups)+len(ix.types))
	add := func(act, typ string) {
		l := ix.rules(act, typ)
		if act != Manage {
			l = mergeRules(l, ix.rules(Manage, typ))
		}
		if typ != All {
			allList := ix.rules(act, All)
			if act != Manage {
				allList = mergeRules(allList, ix.rules(Manage, All))
			}
			l = mergeRules(l, allList)
		}
		lists = append(lists, newCandList(act, typ, l, anyInvalid))
	}
	for i := 1; i <= len(ix.types); i++ {
		t := &ix.types[i%len(ix.types)] // All last
		for _, g := range t.groups {
			if act := ix.groups[g].action; act != Manage {
				add(act, t.name)
			}
		}
		add(Manage, t.name)
		if t.name == All {
			break
		}
		for _, g := range ix.types[0].groups {
			if act := ix.groups[g].action; act != Manage && ix.find(act, t.name) < 0 {
				add(act, t.name)
			}
		}
	}
	a.cands.build(lists)
}

// pairIndex files rules by (action, type) while an index is built.
type pairIndex struct {
	groups []pairGroup
	types  []pairType // All first
	// byPair and byType find groups and types once they are too many to search; nil before.
	byPair map[[2]string]int
	byType map[string]int
	last   int      // the group found last: rules in a row often have the same pairs
	all    []string // the subjects of rules without any
	// runs are the filings, in order, as runs of rules in a row filed in the same group.
	runs []pairRun
}

// pairRun is rules[first], rules[first-1], … rules[first-n+1] filed in group.
type pairRun struct {
	group, first, n int
}

// pairGroup holds the rules filed under one (action, type), highest priority first.
type pairGroup struct {
	action  string
	typName string
	typ     int   // position in types
	rule    *rule // the last rule filed: a rule naming a pair twice is filed once
	n       int
	rules   []*rule
}

// pairType is a type and its groups, in order of appearance.
type pairType struct {
	name   string
	groups []int
}

// searched is how many groups or types are searched one by one before maps are built.
const searched = 8

// find returns the position of the group of (act, typ), or -1.
func (ix *pairIndex) find(act, typ string) int {
	if g := ix.last; g < len(ix.groups) && ix.groups[g].action == act && ix.groups[g].typName == typ {
		return g
	}
	if ix.byPair != nil {
		if g, ok := ix.byPair[[2]string{act, typ}]; ok {
			ix.last = g
			return g
		}
		return -1
	}
	for g := range ix.groups {
		if ix.groups[g].action == act && ix.groups[g].typName == typ {
			ix.last = g
			return g
		}
	}
	return -1
}

// typeOf returns the position of typ in types, adding it.
func (ix *pairIndex) typeOf(typ string) int {
	if ix.byType != nil {
		if t, ok := ix.byType[typ]; ok {
			return t
		}
	} else {
		for t := range ix.types {
			if ix.types[t].name == typ {
				return t
			}
		}
	}
	t := len(ix.types)
	ix.types = append(ix.types, pairType{name: typ})
	if ix.byType != nil {
		ix.byType[typ] = t
	} else if len(ix.types) > searched {
		ix.byType = make(map[string]int, 2*len(ix.types))
		for t := range ix.types {
			ix.byType[ix.types[t].name] = t
		}
	}
	return t
}

// file files rules[i] in the groups of its pairs, adding groups.
func (ix *pairIndex) file(rules []rule, i int) {
	r := &rules[i]
	subjects := r.subjects
	if subjects == nil {
		subjects = ix.all
	}
	for _, typ := range subjects {
		for _, act := range r.actions {
			g := ix.find(act, typ)
			if g < 0 {
				g = ix.add(act, typ)
			}
			if gr := &ix.groups[g]; gr.rule != r {
				gr.rule = r
				gr.n++
				if k := len(ix.runs) - 1; k >= 0 && ix.runs[k].group == g && ix.runs[k].first-ix.runs[k].n == i {
					ix.runs[k].n++
				} else {
					ix.runs = append(ix.runs, pairRun{g, i, 1})
				}
			}
		}
	}
}

// add adds the group of (act, typ).
func (ix *pairIndex) add(act, typ string) int {
	t := ix.typeOf(typ)
	g := len(ix.groups)
	ix.groups = append(ix.groups, pairGroup{action: act, typName: typ, typ: t})
	ix.types[t].groups = append(ix.types[t].groups, g)
	if ix.byPair != nil {
		ix.byPair[[2]string{act, typ}] = g
	} else if len(ix.groups) > searched {
		ix.byPair = make(map[[2]string]int, 2*len(ix.groups))
		for g := range ix.groups {
			ix.byPair[[2]string{ix.groups[g].action, ix.groups[g].typName}] = g
		}
	}
	ix.last = g
	return g
}

// share fills the groups' lists, in one array, once every rule is filed.
func (ix *pairIndex) share(rules []rule) {
	total := 0
	for g := range ix.groups {
		total += ix.groups[g].n
	}
	shared := make([]*rule, total)
	for g := range ix.groups {
		gr := &ix.groups[g]
		gr.rules, shared, gr.n = shared[:gr.n:gr.n], shared[gr.n:], 0
	}
	for _, run := range ix.runs {
		gr := &ix.groups[run.group]
		for j := range run.n {
			gr.rules[gr.n] = &rules[run.first-j]
			gr.n++
		}
	}
}

// rules returns the rules of (act, typ), nil for none.
func (ix *pairIndex) rules(act, typ string) []*rule {
	if g := ix.find(act, typ); g >= 0 {
		return ix.groups[g].rules
	}
	return nil
}

// newCandList returns the list of (action, typ), with its type-level answer and, when
// anyInvalid says there may be one, its first invalid rule.
func newCandList(action, typ string, rules []*rule, anyInvalid bool) candList {
	l := candList{action: action, typ: typ, rules: rules}
	for i, r := range rules {
		// An invalid rule has no conditions: it is reached, and poisons the check.
		if r.matchesField("") && r.matchesConditions(nil, false) != no {
			l.decider, l.typeAllowed = i+1, !r.inverted && r.invalid == nil
			break
		}
	}
	for i := 0; anyInvalid && i < len(rules); i++ {
		if l.invalid = rules[i].invalid; l.invalid != nil {
			break
		}
	}
	return l
}

// mergeRules merges two lists sorted by priority (by decreasing index), dropping duplicates.
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
		case x[i].index > y[j].index:
			out = append(out, x[i])
			i++
		case x[i].index < y[j].index:
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
	return a.cands.lookup(action, typ).rules
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

// conditions returns r's conditions as parsed (and interpolated), nil for none. Flat ones
// are built anew from their compiled form at each call.
func (r *rule) conditions() any {
	if r.more != nil && r.more.raw != nil {
		return r.more.raw
	}
	if r.cond != nil {
		if f, ok := r.cond.(*flatNode); ok {
			return f.object()
		}
	}
	return nil
}

// matchesField reports whether r applies to field ("" for none) (§7.1).
func (r *rule) matchesField(field string) bool {
	if r.more == nil || r.more.fields == nil {
		return true
	}
	if field == "" {
		return !r.inverted
	}
	if r.more.matchF == nil { // fields that did not compile: the rule may apply to any field
		return true
	}
	return r.more.matchF(field)
}

// matchesConditions reports whether r applies to an instance whose attributes are obj (as
// norm returns them), or to a type-level check when instance is false (§4).
func (r *rule) matchesConditions(obj any, instance bool) result {
	if r.cond == nil {
		return yes
	}
	if !instance {
		if !r.inverted {
			return yes
		}
		return boolResult(r.matchesAll)
	}
	return r.cond.eval(obj)
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
	l := a.cands.lookup(action, s.Type)
	if !s.instance && (field == "" || !a.hasFields) {
		if l.decider == 0 {
			return Decision{Rule: -1}, nil
		}
		r := l.rules[l.decider-1]
		if r.invalid != nil {
			return Decision{Rule: int(r.index)}, r.invalid.poison()
		}
		return Decision{Allowed: !r.inverted, Rule: int(r.index), Reason: r.reason()}, nil
	}
	return a.check(l.rules, s, field)
}

// check is Check on the candidates of the subject's type.
func (a *Ability) check(rules []*rule, s Subject, field string) (Decision, error) {
	var obj any
	if s.instance {
		obj = norm(s.Object)
	}
	for _, r := range rules {
		if a.hasFields && !r.matchesField(field) {
			continue
		}
		if r.invalid != nil {
			return Decision{Rule: int(r.index)}, r.invalid.poison()
		}
		switch r.matchesConditions(obj, s.instance) {
		case yes:
			return Decision{Allowed: !r.inverted, Rule: int(r.index), Reason: r.reason()}, nil
		case bad:
			return Decision{Rule: -1}, fmt.Errorf("%w (rule %d)", ErrEvaluation, r.index)
		}
	}
	return Decision{Rule: -1}, nil
}

// Can reports whether action is allowed on s. A type-level true means "for some instance":
// check instances before acting on one.
func (a *Ability) Can(action string, s Subject) bool {
	if a.refused != nil {
		return false
	}
	l := a.cands.lookup(action, s.Type)
	if !s.instance {
		return l.typeAllowed
	}
	d, _ := a.check(l.rules, s, "")
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
	var obj any
	if s.instance {
		obj = norm(s.Object)
	}
	var order []string
	present := map[string]bool{}
	for i := len(list) - 1; i >= 0; i-- {
		r := list[i]
		switch r.matchesConditions(obj, s.instance) {
		case bad:
			return nil, fmt.Errorf("%w (rule %d)", ErrEvaluation, r.index)
		case no:
			continue
		}
		fs := r.fields()
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
	if re := a.cands.lookup(action, t).invalid; re != nil {
		return re.poison()
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
		out = append(out, int(r.index))
	}
	return out
}
