package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/kragauth/krag/internal/testdb"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
	"github.com/kragauth/krag/store/sqlite"
	"github.com/kragauth/krag/store/storetest"
)

func TestConformance(t *testing.T) {
	testdb.Require(t, "sqlite")
	storetest.Run(t, testdb.StoreSetup("sqlite"))
}

// TestOneConnection runs the suite with a pool of one connection: no code path may need a
// second connection while it holds one (a transaction preparing a statement on the pool did).
func TestOneConnection(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *schema.Schema) store.Store {
		db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "one.db"), sqlite.Options{MaxOpenConns: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(t.Context(), s); err != nil {
			t.Fatal(err)
		}
		st, err := db.Store(s)
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}
