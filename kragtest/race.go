//go:build race

package kragtest

// raceEnabled is true in builds with the race detector, where a full-cost scrypt hash takes
// over a second: New then uses a cheaper cost (see passhash.NewScryptCost).
const raceEnabled = true
