// Package seal encrypts short strings as Better Auth's symmetricEncrypt does
// (shared/spec/better-auth-plugins.md §1.4): XChaCha20-Poly1305 under SHA-256 of the secret,
// a random 24-byte nonce, stored as lowercase hex of nonce ‖ ciphertext ‖ tag. Values sealed by
// either side open on the other.
package seal

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// Key is a sealing key derived from a secret.
type Key [32]byte

// NewKey derives the key of secret.
func NewKey(secret string) Key { return sha256.Sum256([]byte(secret)) }

// Seal encrypts plain.
func (k Key) Seal(plain string) (string, error) {
	aead, err := chacha20poly1305.NewX(k[:])
	if err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	nonce := make([]byte, chacha20poly1305.NonceSizeX, chacha20poly1305.NonceSizeX+len(plain)+aead.Overhead())
	rand.Read(nonce)
	return hex.EncodeToString(aead.Seal(nonce, nonce, []byte(plain), nil)), nil
}

// ErrOpen reports a value that is not a sealed value of this key.
var ErrOpen = errors.New("seal: value is not sealed with this key")

// Open decrypts a value Seal returned.
func (k Key) Open(sealed string) (string, error) {
	b, err := hex.DecodeString(sealed)
	if err != nil || len(b) < chacha20poly1305.NonceSizeX+chacha20poly1305.Overhead {
		return "", ErrOpen
	}
	aead, err := chacha20poly1305.NewX(k[:])
	if err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	plain, err := aead.Open(nil, b[:chacha20poly1305.NonceSizeX], b[chacha20poly1305.NonceSizeX:], nil)
	if err != nil {
		return "", ErrOpen
	}
	return string(plain), nil
}
