package casbinbench

import (
	"testing"

	"github.com/kragauth/krag/access"
)

// TestSameDecisions checks that Krag and Casbin, built from the benchmarks' rules, decide alike
// on the benchmarked checks and on a few around them.
func TestSameDecisions(t *testing.T) {
	t.Run("plain", func(t *testing.T) {
		a, err := access.New(plainRules(), access.Options{})
		if err != nil {
			t.Fatal(err)
		}
		e, err := newEnforcer(aclModel, plainPolicies())
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name   string
			action string
			typ    string
			want   bool
		}{
			{"25th_rule", "action24", "Type24", true},
			{"first_rule", "action0", "Type0", true},
			{"last_rule", "action49", "Type49", true},
			{"action_of_other_type", "action24", "Type23", false},
			{"unknown_type", "action24", "Type50", false},
			{"unknown_action", "read", "Type24", false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := a.Can(tt.action, access.Type(tt.typ)); got != tt.want {
					t.Errorf("krag: Can(%q, Type(%q)) = %v, want %v", tt.action, tt.typ, got, tt.want)
				}
				got, err := e.Enforce(user, tt.typ, tt.action)
				if err != nil {
					t.Fatalf("casbin: Enforce(%q, %q, %q): %v", user, tt.typ, tt.action, err)
				}
				if got != tt.want {
					t.Errorf("casbin: Enforce(%q, %q, %q) = %v, want %v", user, tt.typ, tt.action, got, tt.want)
				}
			})
		}
	})

	t.Run("conditional", func(t *testing.T) {
		a, err := access.New(conditionalRules(), access.Options{})
		if err != nil {
			t.Fatal(err)
		}
		e, err := newEnforcer(abacModel, conditionalPolicies())
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name   string
			action string
			p      post
			want   bool
		}{
			{"first_rule_only", "read", firstOnly, true},
			{"no_rule", "read", noRule, false},
			{"last_rule", "read", post{Type: "Post", N: 49, Owner: "u49"}, true},
			{"middle_rule", "read", post{Type: "Post", N: 24, Owner: "u24"}, true},
			{"n_and_owner_of_different_rules", "read", post{Type: "Post", N: 0, Owner: "u1"}, false},
			{"other_action", "update", firstOnly, false},
			{"other_type", "read", post{Type: "Comment", N: 0, Owner: "u0"}, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := a.Can(tt.action, tt.p.subject()); got != tt.want {
					t.Errorf("krag: Can(%q, %+v) = %v, want %v", tt.action, tt.p, got, tt.want)
				}
				got, err := e.Enforce(user, tt.p, tt.action)
				if err != nil {
					t.Fatalf("casbin: Enforce(%q, %+v, %q): %v", user, tt.p, tt.action, err)
				}
				if got != tt.want {
					t.Errorf("casbin: Enforce(%q, %+v, %q) = %v, want %v", user, tt.p, tt.action, got, tt.want)
				}
			})
		}
	})
}
