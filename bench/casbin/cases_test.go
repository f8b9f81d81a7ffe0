package casbinbench

import (
	"fmt"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/kragauth/krag/access"
)

// The cases of access/bench_test.go, built once for each engine. Casbin keeps every user's
// policies in one enforcer and names the user in each request, while a Krag ability already is
// one user's rules; so every Casbin policy here belongs to the same user, and the policy lists
// are as long as the rule lists.

// rules is the length of every rule and policy list, as in access/bench_test.go.
const rules = 50

// user is the one Casbin subject every policy names.
const user = "alice"

// aclModel is Casbin's basic ACL model: a request matches a policy when user, object and action
// are equal.
const aclModel = `
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.sub == p.sub && r.obj == p.obj && r.act == p.act
`

// abacModel is Casbin's ABAC with rules stored in the policy: the fourth field of a policy is
// an expression over the request, run by eval().
//
// Casbin has two ways to test attributes. A matcher can compare them with policy fields
// (r.obj.N == p.n), which fixes one shape for every policy and compares policy values as
// strings. Or each policy carries its own expression, which the matcher runs with eval();
// Casbin's documentation gives this form for ABAC rules that differ from policy to policy. CASL
// conditions are per-rule data of any shape, so eval() is the counterpart; the fixed matcher
// would only fit because these 50 rules happen to share one shape.
//
// The object's type is a field of the request object, compared with the policy's object, as
// Krag compares the subject type of Of with the rule's.
const abacModel = `
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act, rule

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.sub == p.sub && r.obj.Type == p.obj && r.act == p.act && eval(p.rule)
`

// post is an instance in the conditional cases. Casbin's expressions reach exported fields by
// name through reflection. N is a float64 because Casbin's == is reflect.DeepEqual against a
// float64 literal: an int field would never equal 0.
type post struct {
	Type  string
	N     float64
	Owner string
}

// The two instances of access/bench_test.go: one only the first rule matches, one none does.
var (
	firstOnly = post{Type: "Post", N: 0, Owner: "u0"}
	noRule    = post{Type: "Post", N: -1, Owner: "nobody"}
)

// subject is p as Krag's benchmarks pass it: attributes in a map, numbers as float64.
func (p post) subject() access.Subject {
	return access.Of(p.Type, map[string]any{"n": p.N, "owner": p.Owner})
}

// plainRules: rule i allows action<i> on Type<i>, without conditions (access/bench_test.go).
func plainRules() []access.Rule {
	rs := make([]access.Rule, rules)
	for i := range rs {
		rs[i] = access.Rule{
			Action:  access.Names{fmt.Sprintf("action%d", i)},
			Subject: access.Names{fmt.Sprintf("Type%d", i)},
		}
	}
	return rs
}

// conditionalRules: rule i allows read on Post when {"n": i, "owner": "u<i>"} (access/bench_test.go).
func conditionalRules() []access.Rule {
	rs := make([]access.Rule, rules)
	for i := range rs {
		c := fmt.Sprintf(`{"n":%d,"owner":"u%d"}`, i, i)
		rs[i] = access.Rule{Action: access.Names{"read"}, Subject: access.Names{"Post"}, Conditions: []byte(c)}
	}
	return rs
}

// plainPolicies are plainRules for aclModel.
func plainPolicies() [][]string {
	ps := make([][]string, rules)
	for i := range ps {
		ps[i] = []string{user, fmt.Sprintf("Type%d", i), fmt.Sprintf("action%d", i)}
	}
	return ps
}

// conditionalPolicies are conditionalRules for abacModel.
func conditionalPolicies() [][]string {
	ps := make([][]string, rules)
	for i := range ps {
		ps[i] = []string{user, "Post", "read", fmt.Sprintf("r.obj.N == %d && r.obj.Owner == 'u%d'", i, i)}
	}
	return ps
}

// newEnforcer builds an enforcer from a model's text and its policies, in memory: the model is
// parsed and the policies added through the management API, with no adapter.
func newEnforcer(text string, policies [][]string) (*casbin.Enforcer, error) {
	m, err := model.NewModelFromString(text)
	if err != nil {
		return nil, fmt.Errorf("parse model: %w", err)
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("new enforcer: %w", err)
	}
	ok, err := e.AddPolicies(policies)
	if err != nil {
		return nil, fmt.Errorf("add policies: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("add policies: %d policies not added", len(policies))
	}
	return e, nil
}
