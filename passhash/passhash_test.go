package passhash_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/kragauth/krag/internal/fixture"
	"github.com/kragauth/krag/passhash"
)

// The vector of shared/spec/better-auth-core.md §5, computed by Better Auth 1.7.25.
const (
	specSalt = "c7db8828c62e2cb9b1d949b27854487b"
	specKey  = "bc4d5072b2ab7b081552ad7ea004e7bfeda02eeb6c4d5fdf104c147b59de6844cef57ad8f531cf2db069e2dc5a10e73ba9e381dfae666dec3016133d035296e6"
)

func TestVerifySpecVector(t *testing.T) {
	h := passhash.NewScrypt(0)
	tests := []struct {
		name     string
		password string
		want     bool
	}{
		{"right_password", "password123", true},
		{"wrong_password", "password124", false},
		{"empty_password", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Verify(t.Context(), specSalt+":"+specKey, tt.password)
			if err != nil || got != tt.want {
				t.Errorf("Verify(%q) = %v, %v, want %v", tt.password, got, err, tt.want)
			}
		})
	}
}

// TestVerifyBetterAuthFixture checks the hashes Better Auth wrote for the fixture's users.
func TestVerifyBetterAuthFixture(t *testing.T) {
	f := fixture.Load(t)
	db, err := sql.Open("sqlite", "file:"+fixture.CopyDB(t)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h := passhash.NewScrypt(0)
	checked := 0
	for _, u := range f.Users {
		if u.Password == "" {
			continue
		}
		var hash string
		err := db.QueryRow(`select a.password from account a join "user" u on u.id = a.userId
			where u.email = ? and a.providerId = 'credential' and a.accountId = u.id`, u.Email).Scan(&hash)
		if err != nil {
			t.Fatalf("%s: %v", u.Email, err)
		}
		if got := passhash.Detect(hash); got != passhash.FormatScrypt {
			t.Errorf("Detect(hash of %s) = %s, want scrypt", u.Email, got)
		}
		ok, err := h.Verify(t.Context(), hash, u.Password)
		if err != nil || !ok {
			t.Errorf("Verify(hash of %s, its password) = %v, %v, want true", u.Email, ok, err)
		}
		if u.OldPassword != "" {
			if ok, _ := h.Verify(t.Context(), hash, u.OldPassword); ok {
				t.Errorf("Verify(hash of %s, old password) = true, want false", u.Email)
			}
		}
		checked++
	}
	if checked < 6 {
		t.Fatalf("checked %d fixture users, want at least 6", checked)
	}
}

func TestHashRoundTrip(t *testing.T) {
	h := passhash.NewScrypt(0)
	ctx := t.Context()
	// NFKC: the full-width and the ASCII forms are one password.
	hash, err := h.Hash(ctx, "ｐａｓｓｗｏｒｄ")
	if err != nil {
		t.Fatal(err)
	}
	salt, key, err := passhash.Parse(hash)
	if err != nil || len(salt) != 2*passhash.SaltLen || len(key) != passhash.KeyLen {
		t.Fatalf("Parse(%q) = %q, %d bytes, %v", hash, salt, len(key), err)
	}
	if strings.ToLower(hash) != hash || len(hash) != 161 {
		t.Errorf("hash %q: want 161 lower-case characters", hash)
	}
	for _, pw := range []string{"ｐａｓｓｗｏｒｄ", "password"} {
		if ok, err := h.Verify(ctx, hash, pw); !ok || err != nil {
			t.Errorf("Verify(%q) = %v, %v, want true", pw, ok, err)
		}
	}
	if ok, _ := h.Verify(ctx, hash, "Password"); ok {
		t.Error("Verify(other case) = true, want false")
	}
	other, _ := h.Hash(ctx, "password")
	if other == hash {
		t.Error("two hashes of one password are equal: salt not random")
	}
}

func TestParseMalformed(t *testing.T) {
	tests := []struct{ name, hash string }{
		{"empty", ""},
		{"no_colon", specSalt + specKey},
		{"empty_salt", ":" + specKey},
		{"empty_key", specSalt + ":"},
		{"short_key", specSalt + ":" + specKey[:100]},
		{"not_hex", specSalt + ":" + strings.Repeat("zz", 64)},
		{"bcrypt", "$2b$10$abcdefghijklmnopqrstuuJ9pRkz2rcxPKx9I1XoYq5cSaGqfIfq2"},
	}
	h := passhash.NewScrypt(0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := h.Verify(context.Background(), tt.hash, "password123")
			if ok || !errors.Is(err, passhash.ErrMalformed) {
				t.Errorf("Verify(%q) = %v, %v, want false, ErrMalformed", tt.hash, ok, err)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		hash string
		want passhash.Format
	}{
		{specSalt + ":" + specKey, passhash.FormatScrypt},
		{"$2a$10$abc", passhash.FormatBcrypt},
		{"$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", passhash.FormatArgon2},
		{"plain", passhash.FormatUnknown},
	}
	for _, tt := range tests {
		if got := passhash.Detect(tt.hash); got != tt.want {
			t.Errorf("Detect(%q) = %s, want %s", tt.hash, got, tt.want)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	h := passhash.NewScrypt(0)
	hash := specSalt + ":" + specKey
	ctx := context.Background()
	for b.Loop() {
		h.Verify(ctx, hash, "password123")
	}
}
