package token

import (
	"regexp"
	"strings"
	"testing"
)

func TestNewFormat(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9]{32}$`)
	seen := map[string]bool{}
	for range 1000 {
		s := New()
		if !re.MatchString(s) {
			t.Fatalf("New() = %q, want 32 characters of [A-Za-z0-9]", s)
		}
		if seen[s] {
			t.Fatalf("New() repeated %q", s)
		}
		seen[s] = true
	}
}

// TestStringUniform draws many symbols and checks every one appears with roughly equal
// frequency: a modulo bias would favour the first 256 mod 62 = 8 symbols by 25 %.
func TestStringUniform(t *testing.T) {
	const n = 62 * 4000
	s := String(n, Alnum)
	counts := map[rune]int{}
	for _, r := range s {
		counts[r]++
	}
	if len(counts) != 62 {
		t.Fatalf("saw %d distinct symbols, want 62", len(counts))
	}
	for r, c := range counts {
		if c < 3400 || c > 4600 {
			t.Errorf("symbol %q drawn %d times, want about 4000", r, c)
		}
	}
}

func TestUUID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for range 100 {
		if u := UUID(); !re.MatchString(u) {
			t.Fatalf("UUID() = %q, not a version 4 UUID", u)
		}
	}
}

func TestIsAlnum(t *testing.T) {
	tests := map[string]bool{"abcXYZ019": true, "": false, "ab-c": false, "sha256:x": false, "ks_1": false, strings.Repeat("a", 100): true}
	for in, want := range tests {
		if got := IsAlnum(in); got != want {
			t.Errorf("IsAlnum(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestS256(t *testing.T) {
	// RFC 7636 appendix B.
	if got := S256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Errorf("S256(RFC 7636 verifier) = %q", got)
	}
}
