package mysql_test

import (
	"testing"

	"github.com/kragauth/krag/internal/testdb"
	"github.com/kragauth/krag/store/storetest"
)

func TestConformance(t *testing.T) {
	testdb.Require(t, "mysql")
	storetest.Run(t, testdb.StoreSetup("mysql"))
}
