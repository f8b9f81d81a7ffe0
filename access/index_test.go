package access

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// referenceCandidates is §2 written plainly, as the index was first built: the rules filed
// by type then action, every type's list for every action merged with manage's and all's.
func referenceCandidates(a *Ability, action, typ string) []int {
	by := map[string]map[string][]*rule{}
	actions := map[string]bool{Manage: true}
	for i := len(a.rules) - 1; i >= 0; i-- {
		r := &a.rules[i]
		subjects := r.subjects
		if subjects == nil {
			subjects = []string{All}
		}
		for _, s := range subjects {
			if by[s] == nil {
				by[s] = map[string][]*rule{}
			}
			for _, act := range r.actions {
				if l := by[s][act]; len(l) == 0 || l[len(l)-1] != r {
					by[s][act] = append(l, r)
				}
				actions[act] = true
			}
		}
	}
	if by[All] == nil {
		by[All] = map[string][]*rule{}
	}
	m, ok := by[typ]
	if !ok {
		typ, m = All, by[All]
	}
	if !actions[action] {
		action = Manage
	}
	l := m[action]
	if action != Manage {
		l = mergeRules(l, m[Manage])
	}
	if typ != All {
		allList := by[All][action]
		if action != Manage {
			allList = mergeRules(allList, by[All][Manage])
		}
		l = mergeRules(l, allList)
	}
	var out []int
	for _, r := range l {
		out = append(out, int(r.index))
	}
	return out
}

// TestCandidateIndex compares the index with referenceCandidates on random rule lists, with
// names long enough to collide in the hash table's keys.
func TestCandidateIndex(t *testing.T) {
	long := strings.Repeat("x", 20)
	actions := []string{"read", "update", Manage, "", "a", "ab", "abc", "action24", "modify",
		"prefix" + long + "1suffix", "prefix" + long + "2suffix"}
	types := []string{"Post", "Comment", All, "", "T", "Type24", "all ", long + "A" + long, long + "B" + long}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(from []string) []string {
		var out []string
		for range 1 + rng.IntN(2) {
			out = append(out, from[rng.IntN(len(from))])
		}
		return out
	}
	for round := range 300 {
		rs := make([]Rule, 1+rng.IntN(12))
		for i := range rs {
			rs[i] = Rule{Action: pick(actions), Inverted: rng.IntN(3) == 0}
			if rng.IntN(4) > 0 {
				rs[i].Subject = pick(types)
			}
		}
		o := Options{}
		if round%3 == 0 {
			o.Aliases = map[string][]string{"modify": {"update", "delete"}}
		}
		a, err := New(rs, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, act := range append(actions, "delete", "unknown") {
			for _, typ := range append(types, "Unknown", long+"C"+long) {
				var got []int
				for _, r := range a.candidates(act, typ) {
					got = append(got, int(r.index))
				}
				if want := referenceCandidates(a, act, typ); !slices.Equal(got, want) {
					t.Fatalf("rules %s: candidates(%q, %q) = %v, want %v", fmt.Sprint(rs), act, typ, got, want)
				}
			}
		}
	}
}

// TestCandidateIndexCollisions: names that look alike to the hash table (same length, same
// first and last eight bytes) are still told apart, and a table full of them is replaced by a
// map.
func TestCandidateIndexCollisions(t *testing.T) {
	var rs []Rule
	for i := range 40 {
		rs = append(rs, Rule{Action: Names{"read"}, Subject: Names{fmt.Sprintf("Typename%03dTypename", i)}})
	}
	a, err := New(rs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.cands.byName == nil {
		t.Error("40 colliding types kept in the hash table, want a map")
	}
	for i := range 40 {
		typ := fmt.Sprintf("Typename%03dTypename", i)
		if got := a.RulesFor("read", typ, ""); !slices.Equal(got, []int{i}) {
			t.Errorf("RulesFor(read, %s) = %v, want [%d]", typ, got, i)
		}
	}
	if a.Can("read", Type("Typename999Typename")) {
		t.Error("Can(read, Typename999Typename) = true, want false")
	}
}

// TestZeroAbility: an Ability not built by New denies everything, as it did before the index.
func TestZeroAbility(t *testing.T) {
	var a Ability
	if a.Can("read", Type("Post")) || a.Can("read", Of("Post", map[string]any{})) {
		t.Error("a zero Ability allows")
	}
	if d, err := a.Check("read", Of("Post", nil), "title"); d.Allowed || d.Rule != -1 || err != nil {
		t.Errorf("Check = %+v, %v; want a denial by no rule", d, err)
	}
	if w := a.Where("read", "Post"); w != nil {
		t.Errorf("Where = %v, want nil", w)
	}
	if n := a.AST("read", "Post"); n != nil {
		t.Errorf("AST = %v, want nil", n)
	}
	if got := string(a.Pack()); got != "[]" {
		t.Errorf("Pack = %s, want []", got)
	}
	if got := a.RulesFor("read", "Post", ""); len(got) != 0 {
		t.Errorf("RulesFor = %v, want none", got)
	}
}
