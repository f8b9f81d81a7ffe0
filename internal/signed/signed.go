// Package signed implements the signed values Better Auth puts in cookies: the raw value, a dot,
// and the standard base64 (padded) HMAC-SHA256 of the value keyed by the secret, percent-encoded
// as JavaScript's encodeURIComponent would (shared/spec/better-auth-core.md §3.3).
package signed

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strings"
	"sync"
)

// sigLen is the length of a base64 (padded) HMAC-SHA256: always 44 characters ending in '='.
const sigLen = 44

// Signer signs and verifies values with one secret. It is safe for concurrent use.
type Signer struct {
	key  []byte
	pool sync.Pool // of hash.Hash (HMAC-SHA256 keyed with key), to keep the hot path allocation-light
}

// New returns a Signer for secret.
func New(secret string) *Signer {
	s := &Signer{key: []byte(secret)}
	s.pool.New = func() any { return hmac.New(sha256.New, s.key) }
	return s
}

// MAC returns HMAC-SHA256(secret, value), appended to dst.
func (s *Signer) MAC(dst []byte, value string) []byte {
	h := s.pool.Get().(hash.Hash)
	h.Reset()
	h.Write([]byte(value))
	dst = h.Sum(dst)
	s.pool.Put(h)
	return dst
}

// Sign returns value + "." + base64(HMAC), not yet percent-encoded: the form Better Auth's
// set-auth-token header carries.
func (s *Signer) Sign(value string) string {
	var mac [sha256.Size]byte
	sum := s.MAC(mac[:0], value)
	var b strings.Builder
	b.Grow(len(value) + 1 + sigLen)
	b.WriteString(value)
	b.WriteByte('.')
	var enc [sigLen]byte
	base64.StdEncoding.Encode(enc[:], sum)
	b.Write(enc[:])
	return b.String()
}

// CookieValue returns the signed value percent-encoded for a Set-Cookie header.
func (s *Signer) CookieValue(value string) string {
	return Escape(s.Sign(value))
}

// Verify parses a cookie value (percent-encoded or not, optionally wrapped in double quotes),
// checks its signature in constant time and returns the raw value. ok is false for a malformed
// value or a bad signature; callers treat both as an absent cookie.
func (s *Signer) Verify(cookie string) (value string, ok bool) {
	if len(cookie) >= 2 && cookie[0] == '"' && cookie[len(cookie)-1] == '"' {
		cookie = cookie[1 : len(cookie)-1]
	}
	if strings.IndexByte(cookie, '%') >= 0 {
		var err error
		cookie, err = Unescape(cookie)
		if err != nil {
			return "", false
		}
	}
	dot := strings.LastIndexByte(cookie, '.')
	if dot < 0 {
		return "", false
	}
	value, sig := cookie[:dot], cookie[dot+1:]
	if len(sig) != sigLen || sig[sigLen-1] != '=' {
		return "", false
	}
	var got [sha256.Size + 1]byte
	n, err := base64.StdEncoding.Decode(got[:], []byte(sig))
	if err != nil || n != sha256.Size {
		return "", false
	}
	var want [sha256.Size]byte
	if !hmac.Equal(got[:n], s.MAC(want[:0], value)) {
		return "", false
	}
	return value, true
}

// Escape percent-encodes s as JavaScript's encodeURIComponent does.
func Escape(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexd = "0123456789ABCDEF"
	out := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			out = append(out, c)
			continue
		}
		out = append(out, '%', hexd[c>>4], hexd[c&15])
	}
	return string(out)
}

// unreserved reports the bytes encodeURIComponent leaves alone.
func unreserved(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '_', '.', '!', '~', '*', '\'', '(', ')':
		return true
	}
	return false
}

// Unescape reverses Escape (decodeURIComponent). A malformed escape is an error.
func Unescape(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 {
		return s, nil
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			out = append(out, c)
			continue
		}
		if i+2 >= len(s) {
			return "", errMalformed
		}
		hi, lo := unhex(s[i+1]), unhex(s[i+2])
		if hi < 0 || lo < 0 {
			return "", errMalformed
		}
		out = append(out, byte(hi<<4|lo))
		i += 2
	}
	return string(out), nil
}

type malformedError struct{}

func (malformedError) Error() string { return "signed: malformed percent-encoding" }

var errMalformed error = malformedError{}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
