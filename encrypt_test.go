package krag_test

import (
	"strings"
	"testing"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/internal/seal"
	"github.com/kragauth/krag/kragtest"
)

// TestEncrypt checks that Auth.Encrypt writes Better Auth's format (internal/seal under the
// secret) and that Decrypt refuses values of another secret.
func TestEncrypt(t *testing.T) {
	srv := kragtest.New(t, krag.Options{})
	sealed, err := srv.Auth.Encrypt("private")
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := seal.NewKey(kragtest.Secret).Open(sealed); err != nil || plain != "private" {
		t.Fatalf("seal.Open: %q, %v", plain, err)
	}
	if plain, err := srv.Auth.Decrypt(sealed); err != nil || plain != "private" {
		t.Fatalf("Decrypt: %q, %v", plain, err)
	}
	other, _ := seal.NewKey(strings.Repeat("x", 40)).Seal("private")
	if _, err := srv.Auth.Decrypt(other); err == nil {
		t.Error("Decrypt opened a value of another secret")
	}
	if srv.Auth.Origin() != srv.URL {
		t.Errorf("Origin %q, want %q", srv.Auth.Origin(), srv.URL)
	}
}
