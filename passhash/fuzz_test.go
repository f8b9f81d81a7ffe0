package passhash_test

import (
	"errors"
	"testing"

	"github.com/kragauth/krag/passhash"
)

// FuzzParse checks that Parse never panics and that what it accepts has Better Auth's shape.
func FuzzParse(f *testing.F) {
	f.Add(specSalt + ":" + specKey)
	f.Add("")
	f.Add(":")
	f.Add("a:b:c")
	f.Add(specSalt + ":" + specKey + "00")
	f.Add("$2b$10$abcdefghijklmnopqrstuu")
	f.Fuzz(func(t *testing.T, hash string) {
		salt, key, err := passhash.Parse(hash)
		if err != nil {
			if !errors.Is(err, passhash.ErrMalformed) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrMalformed", hash, err)
			}
			return
		}
		if salt == "" || len(key) != passhash.KeyLen {
			t.Fatalf("Parse(%q) = %q, %d-byte key, want a salt and a %d-byte key", hash, salt, len(key), passhash.KeyLen)
		}
		if passhash.Detect(hash) != passhash.FormatScrypt {
			t.Fatalf("Detect(%q) != scrypt for a hash Parse accepts", hash)
		}
	})
}
