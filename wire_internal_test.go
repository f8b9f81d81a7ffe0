package krag

import (
	"testing"
	"time"
)

func TestAppendTimeMatchesJavaScript(t *testing.T) {
	tests := []time.Time{
		time.Date(2026, 11, 27, 7, 35, 46, 7_000_000, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 999_999_999, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 0, time.FixedZone("x", 3600)),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for _, tm := range tests {
		want := `"` + tm.UTC().Format(jsTime) + `"`
		if got := string(appendTime(nil, tm)); got != want {
			t.Errorf("appendTime(%v) = %s, want %s", tm, got, want)
		}
	}
}
