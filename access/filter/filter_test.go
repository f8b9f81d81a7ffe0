package filter_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/kragauth/krag/access"
	"github.com/kragauth/krag/access/filter"
	"github.com/kragauth/krag/internal/testdb"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

func docTable() schema.Table {
	return schema.Table{Name: "doc", Physical: "filter_doc", Fields: []schema.Field{
		{Name: "id", Type: schema.String, Required: true},
		{Name: "title", Type: schema.String},
		{Name: "n", Type: schema.Number},
		{Name: "flag", Type: schema.Boolean},
		{Name: "at", Type: schema.Date},
		{Name: "owner", Type: schema.String},
	}}
}

var (
	titles = []any{nil, "abc", "ABC", "abd", "", "10", "9", "Zoë", "😀", "ｚ", "a b"}
	nums   = []any{nil, -5.0, -1.0, 0.0, 1.0, 2.0, 9.0, 10.0, 42.0}
	flags  = []any{nil, true, false}
	base   = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	owners = []any{nil, "u1", "u2", "U1"}
)

func randomRows(r *rand.Rand, n int) []store.Record {
	rows := make([]store.Record, n)
	for i := range rows {
		rec := store.Record{"id": fmt.Sprintf("r%02d", i)}
		rec["title"] = titles[r.IntN(len(titles))]
		rec["n"] = nums[r.IntN(len(nums))]
		if v := rec["n"]; v != nil {
			rec["n"] = int64(v.(float64))
		}
		rec["flag"] = flags[r.IntN(len(flags))]
		if r.IntN(4) > 0 {
			rec["at"] = base.Add(time.Duration(r.IntN(5)-2) * 24 * time.Hour)
		} else {
			rec["at"] = nil
		}
		rec["owner"] = owners[r.IntN(len(owners))]
		rows[i] = rec
	}
	return rows
}

// operand returns a random operand, of any type, for a field.
func operand(r *rand.Rand) any {
	switch r.IntN(8) {
	case 0:
		return nil
	case 1:
		return titles[1+r.IntN(len(titles)-1)]
	case 2:
		return nums[1+r.IntN(len(nums)-1)]
	case 3:
		return []float64{1.5, -0.5, 9.5}[r.IntN(3)]
	case 4:
		return r.IntN(2) == 0
	case 5:
		return base.Add(time.Duration(r.IntN(5)-2) * 24 * time.Hour).Format("2006-01-02T15:04:05.000Z")
	case 6:
		return owners[1+r.IntN(len(owners)-1)]
	}
	return []string{"5", "-3", "x", "2026"}[r.IntN(4)]
}

func randomCondition(r *rand.Rand) map[string]any {
	fields := []string{"title", "n", "flag", "at", "owner", "nope", "title.length", "owner.x"}
	c := map[string]any{}
	for k := 0; k < 1+r.IntN(2); k++ {
		f := fields[r.IntN(len(fields))]
		switch op := []string{"eq", "$ne", "$lt", "$lte", "$gt", "$gte", "$in", "$nin", "$exists", "$size", "$all"}[r.IntN(11)]; op {
		case "eq":
			c[f] = operand(r)
		case "$lt", "$lte", "$gt", "$gte":
			v := operand(r)
			for v == nil || v == true || v == false {
				v = operand(r)
			}
			c[f] = map[string]any{op: v}
		case "$in", "$nin", "$all":
			l := []any{}
			for j := 0; j < r.IntN(4); j++ {
				l = append(l, operand(r))
			}
			c[f] = map[string]any{op: l}
		case "$exists":
			c[f] = map[string]any{op: r.IntN(2) == 0}
		case "$size":
			c[f] = map[string]any{op: float64(r.IntN(3))}
		default:
			c[f] = map[string]any{op: operand(r)}
		}
	}
	return c
}

func randomRules(r *rand.Rand) []access.Rule {
	var rs []access.Rule
	for i := 0; i < 1+r.IntN(4); i++ {
		rule := access.Rule{Action: access.Names{"read"}, Subject: access.Names{"Doc"}, Inverted: r.IntN(3) == 0}
		if r.IntN(5) > 0 {
			b, _ := json.Marshal(randomCondition(r))
			rule.Conditions = b
		}
		rs = append(rs, rule)
	}
	return rs
}

// TestFilterMatchesCan: for random rule sets and rows, the rows the filter returns are exactly
// the rows Can allows (a subset, for rule sets with untranslatable conditions), on every
// database.
func TestFilterMatchesCan(t *testing.T) {
	for _, b := range []string{"sqlite", "mysql", "postgres"} {
		t.Run(b, func(t *testing.T) {
			testdb.Require(t, b)
			seed := uint64(time.Now().UnixNano())
			r := rand.New(rand.NewPCG(seed, 7))
			db := testdb.Open(t, b)
			tbl := docTable()
			s := &schema.Schema{Tables: []schema.Table{tbl}}
			if _, err := db.Migrate(t.Context(), s); err != nil {
				t.Fatal(err)
			}
			st, err := db.Store(s)
			if err != nil {
				t.Fatal(err)
			}
			rows := randomRows(r, 40)
			for _, rec := range rows {
				if err := st.Create(t.Context(), "doc", rec); err != nil {
					t.Fatal(err)
				}
			}
			// Read rows back as the database holds them (types normalised by the store).
			stored, err := st.FindMany(t.Context(), "doc", store.Query{Sort: []store.Sort{{Field: "id"}}})
			if err != nil {
				t.Fatal(err)
			}
			exact, subset := 0, 0
			for c := 0; c < 300; c++ {
				rs := randomRules(r)
				a, errs := access.Compile(rs, access.Options{})
				if a == nil {
					t.Fatal(errs)
				}
				res := filter.For(a, "read", "Doc", s.Table("doc"))
				got, err := st.FindMany(t.Context(), "doc", store.Query{Filter: res.Expr, Sort: []store.Sort{{Field: "id"}}})
				if err != nil {
					rj, _ := json.Marshal(rs)
					t.Fatalf("seed %d: FindMany(filter of %s) = %v", seed, rj, err)
				}
				var gotIDs, wantIDs []string
				for _, g := range got {
					gotIDs = append(gotIDs, g["id"].(string))
				}
				for _, row := range stored {
					if a.Can("read", access.Of("Doc", map[string]any(row))) {
						wantIDs = append(wantIDs, row["id"].(string))
					}
				}
				rj, _ := json.Marshal(rs)
				if len(res.Untranslatable) == 0 {
					exact++
					if !slices.Equal(gotIDs, wantIDs) {
						t.Fatalf("seed %d, rules %s:\nfilter rows %v\nCan rows    %v", seed, rj, gotIDs, wantIDs)
					}
					continue
				}
				subset++
				for _, id := range gotIDs {
					if !slices.Contains(wantIDs, id) {
						t.Fatalf("seed %d, rules %s (untranslatable %v): filter returns %s, which Can denies", seed, rj, res.Untranslatable, id)
					}
				}
			}
			t.Logf("seed %d: %d rule sets exact, %d fail-closed subsets", seed, exact, subset)
		})
	}
}
