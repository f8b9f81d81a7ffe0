// Package storetest is the conformance suite every store.Store implementation runs against a
// real database server: CRUD, every where operator, sorting and paging, joins, transactions and
// rollback, unique violations, NULLs, millisecond time round trips in UTC, large text, numbers,
// booleans, JSON and concurrent writers. A backend's test calls Run with a function that
// creates the suite's tables on a fresh database and returns a Store for them.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

// Schema returns the tables the suite uses: "owner" and "item", with a field of every type.
func Schema() *schema.Schema {
	return &schema.Schema{Tables: []schema.Table{
		{Name: "owner", Fields: []schema.Field{
			{Name: "id", Type: schema.String, Required: true},
			{Name: "name", Type: schema.String, Required: true, Sortable: true},
		}},
		{Name: "item", Physical: "storetest_item", Fields: []schema.Field{
			{Name: "id", Type: schema.String, Required: true},
			{Name: "name", Type: schema.String, Required: true, Sortable: true},
			{Name: "code", Type: schema.String, Unique: true},
			{Name: "n", Type: schema.Number},
			{Name: "big", Type: schema.Number, BigInt: true},
			{Name: "flag", Type: schema.Boolean},
			{Name: "at", Type: schema.Date, Index: true},
			{Name: "note", Type: schema.String, Column: "note_text"},
			{Name: "doc", Type: schema.JSON},
			{Name: "ownerId", Type: schema.String, Index: true,
				References: &schema.Reference{Table: "owner", Field: "id", OnDelete: "cascade"}},
		}},
	}}
}

// Setup creates the tables of s on a fresh, empty database and returns a Store for them.
type Setup func(t *testing.T, s *schema.Schema) store.Store

// Run runs the suite. Each subtest gets its own database from setup.
func Run(t *testing.T, setup Setup) {
	tests := []struct {
		name string
		fn   func(t *testing.T, ctx context.Context, st store.Store)
	}{
		{"crud", testCRUD},
		{"operators", testOperators},
		{"sort_and_page", testSortAndPage},
		{"join", testJoin},
		{"transactions", testTransactions},
		{"unique_violation", testUnique},
		{"nulls", testNulls},
		{"time_round_trip", testTime},
		{"values", testValues},
		{"large_text", testLargeText},
		{"concurrent_writers", testConcurrentWriters},
		{"errors", testErrors},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := setup(t, Schema())
			tt.fn(t, t.Context(), st)
		})
	}
}

var base = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func item(id, name string, n int64) store.Record {
	return store.Record{"id": id, "name": name, "n": n, "flag": n%2 == 0, "at": base.Add(time.Duration(n) * time.Hour)}
}

func mustCreate(t *testing.T, ctx context.Context, st store.Store, table string, rec store.Record) {
	t.Helper()
	if err := st.Create(ctx, table, rec); err != nil {
		t.Fatalf("Create(%s, id %v) = %v", table, rec["id"], err)
	}
}

func ids(recs []store.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r["id"].(string)
	}
	return out
}

func testCRUD(t *testing.T, ctx context.Context, st store.Store) {
	mustCreate(t, ctx, st, "item", item("a", "alpha", 1))
	got, err := st.FindOne(ctx, "item", []store.Where{store.Is("id", "a")})
	if err != nil || got["name"] != "alpha" || got["n"] != int64(1) || got["flag"] != false {
		t.Fatalf("FindOne(a) = %v, %v", got, err)
	}
	n, err := st.Update(ctx, "item", []store.Where{store.Is("id", "a")}, store.Record{"name": "alef", "n": int64(5)})
	if err != nil || n != 1 {
		t.Fatalf("Update(a) = %d, %v, want 1", n, err)
	}
	got, _ = st.FindOne(ctx, "item", []store.Where{store.Is("id", "a")})
	if got["name"] != "alef" || got["n"] != int64(5) {
		t.Errorf("after Update: %v", got)
	}
	// Writing the values a row already holds still matches it (MySQL counts only changed rows
	// unless told otherwise).
	if n, err := st.Update(ctx, "item", []store.Where{store.Is("id", "a")}, store.Record{"name": "alef", "n": int64(5)}); err != nil || n != 1 {
		t.Errorf("Update(a, same values) = %d, %v, want 1", n, err)
	}
	if n, err := st.Update(ctx, "item", []store.Where{store.Is("id", "zzz")}, store.Record{"name": "x"}); err != nil || n != 0 {
		t.Errorf("Update(no match) = %d, %v, want 0", n, err)
	}
	if c, err := st.Count(ctx, "item", nil); err != nil || c != 1 {
		t.Errorf("Count = %d, %v, want 1", c, err)
	}
	if n, err := st.Delete(ctx, "item", []store.Where{store.Is("id", "a")}); err != nil || n != 1 {
		t.Errorf("Delete(a) = %d, %v, want 1", n, err)
	}
	if _, err := st.FindOne(ctx, "item", []store.Where{store.Is("id", "a")}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("FindOne(deleted) = %v, want ErrNotFound", err)
	}
}

func testOperators(t *testing.T, ctx context.Context, st store.Store) {
	names := []string{"apple", "banana", "cherry", "date_fruit", "100%", "ex!cl"}
	for i, nm := range names {
		mustCreate(t, ctx, st, "item", item(fmt.Sprintf("i%d", i), nm, int64(i)))
	}
	mustCreate(t, ctx, st, "item", store.Record{"id": "nil", "name": "nothing"})
	tests := []struct {
		name  string
		where []store.Where
		want  []string
	}{
		{"eq", []store.Where{store.Is("name", "banana")}, []string{"i1"}},
		{"ne", []store.Where{{Field: "n", Op: store.Ne, Value: int64(1)}}, []string{"i0", "i2", "i3", "i4", "i5"}},
		{"lt", []store.Where{{Field: "n", Op: store.Lt, Value: int64(2)}}, []string{"i0", "i1"}},
		{"lte", []store.Where{{Field: "n", Op: store.Lte, Value: int64(2)}}, []string{"i0", "i1", "i2"}},
		{"gt", []store.Where{{Field: "n", Op: store.Gt, Value: int64(3)}}, []string{"i4", "i5"}},
		{"gte", []store.Where{{Field: "n", Op: store.Gte, Value: int64(4)}}, []string{"i4", "i5"}},
		{"in", []store.Where{{Field: "name", Op: store.In, Value: []any{"apple", "cherry", "none"}}}, []string{"i0", "i2"}},
		{"in_empty", []store.Where{{Field: "name", Op: store.In, Value: []any{}}}, nil},
		{"not_in", []store.Where{{Field: "n", Op: store.NotIn, Value: []any{int64(0), int64(1), int64(2)}}}, []string{"i3", "i4", "i5"}},
		{"not_in_empty", []store.Where{{Field: "id", Op: store.NotIn, Value: []any{}}, {Field: "n", Op: store.Gt, Value: int64(4)}}, []string{"i5"}},
		{"contains", []store.Where{{Field: "name", Op: store.Contains, Value: "an"}}, []string{"i1"}},
		{"contains_percent", []store.Where{{Field: "name", Op: store.Contains, Value: "0%"}}, []string{"i4"}},
		{"contains_underscore", []store.Where{{Field: "name", Op: store.Contains, Value: "e_f"}}, []string{"i3"}},
		{"contains_bang", []store.Where{{Field: "name", Op: store.Contains, Value: "x!c"}}, []string{"i5"}},
		{"underscore_is_literal", []store.Where{{Field: "name", Op: store.Contains, Value: "_"}}, []string{"i3"}},
		{"starts_with", []store.Where{{Field: "name", Op: store.StartsWith, Value: "ch"}}, []string{"i2"}},
		{"ends_with", []store.Where{{Field: "name", Op: store.EndsWith, Value: "na"}}, []string{"i1"}},
		{"is_null", []store.Where{{Field: "n", Op: store.Eq, Value: nil}}, []string{"nil"}},
		{"is_not_null", []store.Where{{Field: "n", Op: store.Ne, Value: nil}, {Field: "n", Op: store.Lt, Value: int64(1)}}, []string{"i0"}},
		{"bool", []store.Where{store.Is("flag", true), {Field: "n", Op: store.Lt, Value: int64(3)}}, []string{"i0", "i2"}},
		{"date", []store.Where{{Field: "at", Op: store.Gte, Value: base.Add(4 * time.Hour)}}, []string{"i4", "i5"}},
		{"or_group", []store.Where{store.Is("name", "apple"), {Field: "name", Op: store.Eq, Value: "cherry", Or: true}, store.Is("flag", true)}, []string{"i0", "i2"}},
		{"or_binds_tighter_than_and", []store.Where{store.Is("flag", false), store.Is("name", "apple"), {Field: "name", Op: store.Eq, Value: "banana", Or: true}}, []string{"i1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := st.FindMany(ctx, "item", store.Query{Where: tt.where, Sort: []store.Sort{{Field: "id"}}})
			if err != nil {
				t.Fatalf("FindMany = %v", err)
			}
			got := ids(recs)
			want := tt.want
			slices.Sort(want)
			if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("FindMany(%s) = %v, want %v", tt.name, got, want)
			}
			c, err := st.Count(ctx, "item", tt.where)
			if err != nil || c != int64(len(tt.want)) {
				t.Errorf("Count(%s) = %d, %v, want %d", tt.name, c, err, len(tt.want))
			}
		})
	}
}

func testSortAndPage(t *testing.T, ctx context.Context, st store.Store) {
	for i := 0; i < 10; i++ {
		mustCreate(t, ctx, st, "item", item(fmt.Sprintf("p%02d", i), fmt.Sprintf("n%d", 9-i), int64(i%3)))
	}
	recs, err := st.FindMany(ctx, "item", store.Query{Sort: []store.Sort{{Field: "n", Desc: true}, {Field: "name"}}, Limit: 4, Offset: 2})
	if err != nil {
		t.Fatal(err)
	}
	// n desc: 2 (p02 n7, p05 n4, p08 n1), 1 (p01 n8, p04 n5, p07 n2), ...; by name within.
	if got, want := ids(recs), []string{"p02", "p07", "p04", "p01"}; !slices.Equal(got, want) {
		t.Errorf("sorted page = %v, want %v", got, want)
	}
	recs, _ = st.FindMany(ctx, "item", store.Query{Sort: []store.Sort{{Field: "id"}}, Offset: 8})
	if got := ids(recs); !slices.Equal(got, []string{"p08", "p09"}) {
		t.Errorf("offset without limit = %v", got)
	}
	recs, _ = st.FindMany(ctx, "item", store.Query{Sort: []store.Sort{{Field: "id", Desc: true}}, Limit: 1})
	if got := ids(recs); !slices.Equal(got, []string{"p09"}) {
		t.Errorf("desc limit 1 = %v", got)
	}
}

func testJoin(t *testing.T, ctx context.Context, st store.Store) {
	mustCreate(t, ctx, st, "owner", store.Record{"id": "o1", "name": "Olga"})
	a := item("a", "with owner", 1)
	a["ownerId"] = "o1"
	mustCreate(t, ctx, st, "item", a)
	mustCreate(t, ctx, st, "item", item("b", "orphan", 2))
	j := store.Join{Table: "owner", On: "ownerId"}
	got, err := st.FindOne(ctx, "item", []store.Where{store.Is("id", "a")}, j)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := got["owner"].(store.Record)
	if o == nil || o["name"] != "Olga" || got["name"] != "with owner" {
		t.Errorf("joined = %v", got)
	}
	got, err = st.FindOne(ctx, "item", []store.Where{store.Is("id", "b")}, j)
	if err != nil || got["owner"] != nil {
		t.Errorf("join without a match = %v, %v; want owner nil", got, err)
	}
	recs, err := st.FindMany(ctx, "item", store.Query{Join: []store.Join{j}, Sort: []store.Sort{{Field: "id"}}})
	if err != nil || len(recs) != 2 || recs[0]["owner"] == nil {
		t.Errorf("FindMany with join = %v, %v", recs, err)
	}
	// Deleting the owner cascades to its items.
	if _, err := st.Delete(ctx, "owner", []store.Where{store.Is("id", "o1")}); err != nil {
		t.Fatal(err)
	}
	if c, _ := st.Count(ctx, "item", nil); c != 1 {
		t.Errorf("items after deleting their owner = %d, want 1 (on delete cascade)", c)
	}
}

func testTransactions(t *testing.T, ctx context.Context, st store.Store) {
	err := st.Tx(ctx, func(tx store.Store) error {
		mustCreate(t, ctx, tx, "item", item("c1", "committed", 1))
		return tx.Tx(ctx, func(inner store.Store) error { // nested: same transaction
			return inner.Create(ctx, "item", item("c2", "nested", 2))
		})
	})
	if err != nil {
		t.Fatalf("Tx(commit) = %v", err)
	}
	boom := errors.New("boom")
	err = st.Tx(ctx, func(tx store.Store) error {
		mustCreate(t, ctx, tx, "item", item("r1", "rolled back", 3))
		if c, _ := tx.Count(ctx, "item", nil); c != 3 {
			t.Errorf("inside the transaction Count = %d, want 3", c)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("Tx(error) = %v, want boom", err)
	}
	func() {
		defer func() { recover() }()
		st.Tx(ctx, func(tx store.Store) error {
			mustCreate(t, ctx, tx, "item", item("r2", "panicked", 4))
			panic("boom")
		})
	}()
	recs, err := st.FindMany(ctx, "item", store.Query{Sort: []store.Sort{{Field: "id"}}})
	if got := ids(recs); err != nil || !slices.Equal(got, []string{"c1", "c2"}) {
		t.Errorf("after commit, rollback and panic: %v, %v; want [c1 c2]", got, err)
	}
}

func testUnique(t *testing.T, ctx context.Context, st store.Store) {
	a := item("a", "a", 1)
	a["code"] = "X1"
	mustCreate(t, ctx, st, "item", a)
	dup := item("b", "b", 2)
	dup["code"] = "X1"
	if err := st.Create(ctx, "item", dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Create(duplicate code) = %v, want ErrConflict", err)
	}
	if err := st.Create(ctx, "item", item("a", "same id", 3)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Create(duplicate id) = %v, want ErrConflict", err)
	}
	mustCreate(t, ctx, st, "item", item("c", "c", 4))
	if _, err := st.Update(ctx, "item", []store.Where{store.Is("id", "c")}, store.Record{"code": "X1"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Update(to a duplicate code) = %v, want ErrConflict", err)
	}
	// A failed statement inside a transaction surfaces as ErrConflict and rolls back.
	err := st.Tx(ctx, func(tx store.Store) error {
		if err := tx.Create(ctx, "item", item("d", "d", 5)); err != nil {
			return err
		}
		return tx.Create(ctx, "item", dup)
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("Tx with a duplicate = %v, want ErrConflict", err)
	}
	if _, err := st.FindOne(ctx, "item", []store.Where{store.Is("id", "d")}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("row of the failed transaction: %v, want ErrNotFound", err)
	}
}

func testNulls(t *testing.T, ctx context.Context, st store.Store) {
	mustCreate(t, ctx, st, "item", store.Record{"id": "z", "name": "nulls", "n": nil, "flag": nil, "at": nil, "note": nil, "doc": nil})
	got, err := st.FindOne(ctx, "item", []store.Where{store.Is("id", "z")})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"n", "big", "flag", "at", "note", "doc", "code", "ownerId"} {
		if v, ok := got[f]; !ok || v != nil {
			t.Errorf("field %s = %v (present %v), want nil", f, v, ok)
		}
	}
	if _, err := st.Update(ctx, "item", []store.Where{store.Is("id", "z")}, store.Record{"note": "set"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Update(ctx, "item", []store.Where{store.Is("id", "z")}, store.Record{"note": nil}); err != nil {
		t.Fatal(err)
	}
	got, _ = st.FindOne(ctx, "item", []store.Where{store.Is("id", "z")})
	if got["note"] != nil {
		t.Errorf("note after setting NULL = %v", got["note"])
	}
}

func testTime(t *testing.T, ctx context.Context, st store.Store) {
	in := time.Date(2031, 2, 3, 4, 5, 6, 789_654_321, time.FixedZone("UTC+5", 5*3600))
	rec := item("t", "time", 1)
	rec["at"] = in
	mustCreate(t, ctx, st, "item", rec)
	got, err := st.FindOne(ctx, "item", []store.Where{store.Is("id", "t")})
	if err != nil {
		t.Fatal(err)
	}
	at, ok := got["at"].(time.Time)
	want := in.UTC().Truncate(time.Millisecond)
	if !ok || !at.Equal(want) || at.Location() != time.UTC {
		t.Errorf("time read back = %v (%T), want %v in UTC", got["at"], got["at"], want)
	}
	// Comparisons use the same precision.
	if c, _ := st.Count(ctx, "item", []store.Where{store.Is("at", want)}); c != 1 {
		t.Errorf("Count(at = the value written) = %d, want 1", c)
	}
	if c, _ := st.Count(ctx, "item", []store.Where{{Field: "at", Op: store.Gt, Value: want.Add(-time.Millisecond)}, {Field: "at", Op: store.Lt, Value: want.Add(time.Millisecond)}}); c != 1 {
		t.Errorf("Count(at within 1 ms) = %d, want 1", c)
	}
}

func testValues(t *testing.T, ctx context.Context, st store.Store) {
	rec := item("v", "values ✓ 日本語 😀 \"quoted\" 'single' \\ back", 1)
	rec["big"] = int64(1) << 40
	rec["flag"] = true
	rec["n"] = int64(-2147483648)
	rec["doc"] = `{"a":[1,2,{"b":null}]}`
	mustCreate(t, ctx, st, "item", rec)
	got, err := st.FindOne(ctx, "item", []store.Where{store.Is("id", "v")})
	if err != nil {
		t.Fatal(err)
	}
	if got["name"] != rec["name"] || got["big"] != int64(1)<<40 || got["flag"] != true || got["n"] != int64(-2147483648) {
		t.Errorf("values read back = %v", got)
	}
	doc, _ := got["doc"].(string)
	if strings.ReplaceAll(doc, " ", "") != `{"a":[1,2,{"b":null}]}` {
		t.Errorf("json read back = %q", doc)
	}
}

func testLargeText(t *testing.T, ctx context.Context, st store.Store) {
	// 60 KiB: MySQL's text, the type Better Auth's schema uses there, holds 64 KiB.
	big := strings.Repeat("0123456789abcdef", 60*1024/16)
	rec := item("l", "large", 1)
	rec["note"] = big
	mustCreate(t, ctx, st, "item", rec)
	got, err := st.FindOne(ctx, "item", []store.Where{store.Is("id", "l")})
	if err != nil || got["note"] != big {
		t.Errorf("large text round trip: %d bytes, %v; want %d", len(fmt.Sprint(got["note"])), err, len(big))
	}
	// Too long for the column is an error, never a silent truncation.
	rec = item("l2", "too large", 2)
	rec["note"] = strings.Repeat("x", 17<<20)
	if err := st.Create(ctx, "item", rec); err == nil {
		if got, err := st.FindOne(ctx, "item", []store.Where{store.Is("id", "l2")}); err == nil && len(got["note"].(string)) != 17<<20 {
			t.Errorf("17 MiB text stored as %d bytes: silently truncated", len(got["note"].(string)))
		}
	}
}

func testConcurrentWriters(t *testing.T, ctx context.Context, st store.Store) {
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				id := fmt.Sprintf("w%d-%d", w, i)
				err := st.Tx(ctx, func(tx store.Store) error {
					if err := tx.Create(ctx, "item", item(id, id, int64(i))); err != nil {
						return err
					}
					_, err := tx.Update(ctx, "item", []store.Where{store.Is("id", id)}, store.Record{"note": "done"})
					return err
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write: %v", err)
	}
	if c, err := st.Count(ctx, "item", []store.Where{store.Is("note", "done")}); err != nil || c != workers*each {
		t.Errorf("rows written concurrently = %d, %v, want %d", c, err, workers*each)
	}
}

func testErrors(t *testing.T, ctx context.Context, st store.Store) {
	if err := st.Create(ctx, "nope", store.Record{"id": "x"}); err == nil {
		t.Error("Create(unknown table) = nil")
	}
	if err := st.Create(ctx, "item", store.Record{"id": "x", "name": "x", "bogus": 1}); err == nil {
		t.Error("Create(unknown field) = nil")
	}
	if _, err := st.FindMany(ctx, "item", store.Query{Where: []store.Where{store.Is("bogus", 1)}}); err == nil {
		t.Error("FindMany(unknown field) = nil")
	}
	if err := st.Create(ctx, "item", store.Record{"id": "x", "name": "x", "at": "yesterday"}); err == nil {
		t.Error("Create(a string into a date) = nil")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := st.FindOne(cctx, "item", []store.Where{store.Is("id", "x")}); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("FindOne(cancelled context) = %v, want a context error", err)
	}
}
