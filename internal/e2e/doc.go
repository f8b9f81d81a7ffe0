// Package e2e holds end-to-end tests of the krag binary with a real browser: `krag serve`
// on SQLite, `krag login` signing in through Chromium on Krag's own pages, the deep link
// delivered by running the binary with it (as the operating system does) and the RFC 8252
// loopback redirect. It has no code outside its tests.
package e2e
