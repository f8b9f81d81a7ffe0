// Package token generates the random strings Krag hands out: session tokens, ids, verification
// tokens. Every value comes from crypto/rand and is uniform over its alphabet (rejection sampling,
// as Better Auth's generateRandomString does), so no symbol is more likely than another.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// Alphabets used by Better Auth's generators (see shared/spec/better-auth-core.md §4.1, §10.1).
const (
	// Alnum is [A-Za-z0-9]: session tokens, ids, reset tokens.
	Alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	// LowerAlnum is [0-9a-z]: delete-account tokens.
	LowerAlnum = "0123456789abcdefghijklmnopqrstuvwxyz"
	// URLSafe is [A-Za-z0-9_-]: OAuth state and PKCE verifiers.
	URLSafe = Alnum + "-_"
)

// String returns n symbols drawn uniformly from alphabet, which must hold between 2 and 256
// distinct bytes. It panics only if the operating system's random source fails, which Go's
// crypto/rand documents as irrecoverable.
func String(n int, alphabet string) string {
	if len(alphabet) < 2 || len(alphabet) > 256 {
		panic("token: alphabet must hold 2 to 256 symbols")
	}
	// Reject bytes at or above the largest multiple of len(alphabet) so every symbol is
	// equally likely.
	limit := 256 - 256%len(alphabet)
	out := make([]byte, n)
	buf := make([]byte, n+n/4+8)
	i := 0
	for i < n {
		rand.Read(buf) // never returns an error (Go 1.24+); it crashes the program instead
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			out[i] = alphabet[int(b)%len(alphabet)]
			i++
			if i == n {
				break
			}
		}
	}
	return string(out)
}

// New returns a 32-character [A-Za-z0-9] token: the format of Better Auth's session tokens
// and default ids.
func New() string { return String(32, Alnum) }

// IsAlnum reports whether s is non-empty and made only of [A-Za-z0-9].
func IsAlnum(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// UUID returns a random (version 4) UUID in its canonical lower-case text form.
func UUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexd = "0123456789abcdef"
	out := make([]byte, 36)
	j := 0
	for i, v := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hexd[v>>4], hexd[v&0x0f]
		j += 2
	}
	return string(out)
}

// S256 returns base64url (no padding) of SHA-256(s): the PKCE S256 challenge of a verifier,
// and the digest Krag stores in place of secret tokens.
func S256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
