package postgres_test

import (
	"testing"

	"github.com/kragauth/krag/internal/testdb"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
	"github.com/kragauth/krag/store/storetest"
)

func TestConformance(t *testing.T) {
	testdb.Require(t, "postgres")
	storetest.Run(t, func(t *testing.T, s *schema.Schema) store.Store {
		db := testdb.Open(t, "postgres")
		if _, err := db.Migrate(t.Context(), s); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		st, err := db.Store(s)
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}
