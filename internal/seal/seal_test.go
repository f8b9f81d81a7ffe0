package seal

import (
	"strings"
	"testing"
)

func TestRoundTripAndTamper(t *testing.T) {
	k := NewKey("a-secret-of-some-length-0123456789")
	s, err := k.Seal("gho_token")
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 2*(24+len("gho_token")+16) || strings.ToLower(s) != s {
		t.Fatalf("sealed form %q", s)
	}
	if got, err := k.Open(s); err != nil || got != "gho_token" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := NewKey("another").Open(s); err != ErrOpen {
		t.Fatalf("other key: %v", err)
	}
	flipped := []byte(s)
	flipped[len(flipped)-1] ^= 1
	if _, err := k.Open(string(flipped)); err != ErrOpen {
		t.Fatalf("tampered: %v", err)
	}
	for _, bad := range []string{"", "zz", "00", "plain-token"} {
		if _, err := k.Open(bad); err != ErrOpen {
			t.Fatalf("%q: %v", bad, err)
		}
	}
}
