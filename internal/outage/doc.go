// Package outage tests what Krag does when its database goes away under load. The test stops
// and restarts the MariaDB server of scripts/services.sh, so it runs alone, in its own step of
// scripts/test.sh (KRAG_TEST_OUTAGE=1), never beside other tests that use that server.
package outage
