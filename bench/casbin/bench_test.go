package casbinbench

import (
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/kragauth/krag/access"
)

// Each benchmark runs Krag and Casbin on one case of access/bench_test.go, as the sub-benchmarks
// krag and casbin. Every iteration checks the decision, so a broken setup fails instead of
// measuring a refusal.

// BenchmarkCanPlain: 50 rules without conditions, one per type and action; the 25th decides.
// Casbin tries its policies in order, so it evaluates its matcher 25 times.
func BenchmarkCanPlain(b *testing.B) {
	b.Run("krag", func(b *testing.B) {
		a, err := access.New(plainRules(), access.Options{})
		if err != nil {
			b.Fatal(err)
		}
		s := access.Type("Type24")
		b.ReportAllocs()
		for b.Loop() {
			if !a.Can("action24", s) {
				b.Fatal("denied")
			}
		}
	})
	b.Run("casbin", func(b *testing.B) {
		e, err := newEnforcer(aclModel, plainPolicies())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			ok, err := e.Enforce(user, "Type24", "action24")
			if err != nil {
				b.Fatal(err)
			}
			if !ok {
				b.Fatal("denied")
			}
		}
	})
}

// BenchmarkCanConditionalLast: 50 conditional rules on Post, and an instance only the first rule
// matches. Krag tries the later rules first (CASL's order), so 50 conditions are tried and the
// last decides; Casbin tries policies in order and stops at the first, which allows.
func BenchmarkCanConditionalLast(b *testing.B) {
	benchConditional(b, firstOnly, true)
}

// BenchmarkCanConditionalNone: an instance no rule matches, so both engines evaluate all 50
// conditions.
func BenchmarkCanConditionalNone(b *testing.B) {
	benchConditional(b, noRule, false)
}

// benchConditional checks read on p against the 50 conditional rules and wants the decision want.
func benchConditional(b *testing.B, p post, want bool) {
	b.Run("krag", func(b *testing.B) {
		a, err := access.New(conditionalRules(), access.Options{})
		if err != nil {
			b.Fatal(err)
		}
		s := p.subject()
		b.ReportAllocs()
		for b.Loop() {
			if a.Can("read", s) != want {
				b.Fatalf("Can(read, %+v) = %v, want %v", p, !want, want)
			}
		}
	})
	b.Run("casbin", func(b *testing.B) {
		e, err := newEnforcer(abacModel, conditionalPolicies())
		if err != nil {
			b.Fatal(err)
		}
		var obj any = p // boxed once, as Krag's subject is built once
		b.ReportAllocs()
		for b.Loop() {
			ok, err := e.Enforce(user, obj, "read")
			if err != nil {
				b.Fatal(err)
			}
			if ok != want {
				b.Fatalf("Enforce(%s, %+v, read) = %v, want %v", user, p, ok, want)
			}
		}
	})
}

// BenchmarkBuild50Conditional builds an engine from 50 conditional rules. Krag parses and
// compiles every condition here; Casbin parses its model and stores the policies, and parses
// the rule expressions only when it enforces. The decision is checked once, after the loop.
func BenchmarkBuild50Conditional(b *testing.B) {
	b.Run("krag", func(b *testing.B) {
		rs := conditionalRules()
		var a *access.Ability
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if a, err = access.New(rs, access.Options{}); err != nil {
				b.Fatal(err)
			}
		}
		if !a.Can("read", firstOnly.subject()) || a.Can("read", noRule.subject()) {
			b.Fatal("wrong decisions from the last ability built")
		}
	})
	b.Run("casbin", func(b *testing.B) {
		ps := conditionalPolicies()
		var e *casbin.Enforcer
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if e, err = newEnforcer(abacModel, ps); err != nil {
				b.Fatal(err)
			}
		}
		first, err1 := e.Enforce(user, firstOnly, "read")
		none, err2 := e.Enforce(user, noRule, "read")
		if err1 != nil || err2 != nil || !first || none {
			b.Fatalf("wrong decisions from the last enforcer built: %v %v (%v, %v)", first, none, err1, err2)
		}
	})
}
