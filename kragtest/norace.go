//go:build !race

package kragtest

const raceEnabled = false
