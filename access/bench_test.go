package access

import (
	"encoding/json"
	"fmt"
	"testing"
)

// The benchmarks mirror access/difftest/bench-casl.mjs case by case, so that ns/op can be set
// beside @casl/ability's on the same machine (docs/benchmarks.md).

// plainRules: 50 rules without conditions, each for its own subject type and action.
func plainRules() []Rule {
	rs := make([]Rule, 50)
	for i := range rs {
		rs[i] = Rule{Action: Names{fmt.Sprintf("action%d", i)}, Subject: Names{fmt.Sprintf("Type%d", i)}}
	}
	return rs
}

// conditionalRules: 50 rules on one type and action, rule i matching {"n": i, "owner": "u<i>"}.
func conditionalRules() []Rule {
	rs := make([]Rule, 50)
	for i := range rs {
		c, _ := json.Marshal(map[string]any{"n": i, "owner": fmt.Sprintf("u%d", i)})
		rs[i] = Rule{Action: Names{"read"}, Subject: Names{"Post"}, Conditions: c}
	}
	return rs
}

// BenchmarkCanPlain: a type-level check that the 25th rule decides.
func BenchmarkCanPlain(b *testing.B) {
	a, err := New(plainRules(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	s := Type("Type24")
	b.ReportAllocs()
	for b.Loop() {
		if !a.Can("action24", s) {
			b.Fatal("denied")
		}
	}
}

// BenchmarkCanConditionalLast: an instance that only the first rule (the last evaluated)
// matches, so 50 conditions are tried and the last decides.
func BenchmarkCanConditionalLast(b *testing.B) {
	a, err := New(conditionalRules(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	s := Of("Post", map[string]any{"n": 0.0, "owner": "u0"})
	b.ReportAllocs()
	for b.Loop() {
		if !a.Can("read", s) {
			b.Fatal("denied")
		}
	}
}

// BenchmarkCanConditionalNone: an instance no rule matches: all 50 conditions evaluated.
func BenchmarkCanConditionalNone(b *testing.B) {
	a, err := New(conditionalRules(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	s := Of("Post", map[string]any{"n": -1.0, "owner": "nobody"})
	b.ReportAllocs()
	for b.Loop() {
		if a.Can("read", s) {
			b.Fatal("allowed")
		}
	}
}

// BenchmarkBuild50Conditional builds an ability from 50 conditional rules; conditions are
// parsed and compiled when the ability is built.
func BenchmarkBuild50Conditional(b *testing.B) {
	rs := conditionalRules()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(rs, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuild50Operators is BenchmarkBuild50Conditional with operators in every rule's
// conditions ({"n": {"$gte": i}, "owner": {"$in": ["u<i>", "x"]}}), which take the general
// path instead of the flat one. It has no counterpart in bench-casl.mjs.
func BenchmarkBuild50Operators(b *testing.B) {
	rs := make([]Rule, 50)
	for i := range rs {
		c, _ := json.Marshal(map[string]any{"n": map[string]any{"$gte": i}, "owner": map[string]any{"$in": []any{fmt.Sprintf("u%d", i), "x"}}})
		rs[i] = Rule{Action: Names{"read"}, Subject: Names{"Post"}, Conditions: c}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(rs, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
