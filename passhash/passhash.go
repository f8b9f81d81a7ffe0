// Package passhash hashes and verifies passwords in Better Auth's format, so hashes written by
// Better Auth verify in Krag and the other way round (shared/spec/better-auth-core.md §5):
//
//	hex(salt) ":" hex(scrypt(NFKC(password), hex(salt) as text, N=16384, r=16, p=1, 64 bytes))
//
// The 16-byte salt is used as its 32-character lower-case hex text, not decoded. A Hasher
// interface leaves room for other algorithms; Detect names the format of a stored hash so that
// imported hashes of other kinds can be recognised.
package passhash

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/scrypt"
	"golang.org/x/text/unicode/norm"
)

// ErrMalformed is returned (wrapped) by Verify for a stored hash it cannot parse.
var ErrMalformed = errors.New("passhash: malformed hash")

// Hasher hashes passwords and verifies them against stored hashes.
type Hasher interface {
	// Hash returns the stored form of password.
	Hash(ctx context.Context, password string) (string, error)
	// Verify reports whether password matches hash. A hash it cannot parse is an error
	// wrapping ErrMalformed, never a match.
	Verify(ctx context.Context, hash, password string) (bool, error)
}

// Scrypt parameters of Better Auth's format.
const (
	N      = 16384
	R      = 16
	P      = 1
	KeyLen = 64
	// SaltLen is the salt's length in bytes; its hex text is twice as long.
	SaltLen = 16
)

// Scrypt is Better Auth's scrypt hasher. Each hash takes 32 MiB of memory (128·N·r bytes) and
// tens of milliseconds of CPU, so Scrypt lets at most Concurrency hashes run at once and queues
// the rest (waiting callers give up when their ctx ends). Build it with NewScrypt.
type Scrypt struct {
	sem chan struct{}
	n   int
}

// NewScrypt returns a Scrypt that runs at most concurrency hashes at once; 0 means GOMAXPROCS.
// It is safe for concurrent use.
func NewScrypt(concurrency int) *Scrypt {
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	return &Scrypt{sem: make(chan struct{}, concurrency), n: N}
}

// NewScryptCost is NewScrypt with another scrypt cost n (a power of two). Hashes made with any
// n other than N verify only with the same n, never in Better Auth: it exists for test builds
// under the race detector, where one hash at full cost takes seconds.
func NewScryptCost(n, concurrency int) *Scrypt {
	s := NewScrypt(concurrency)
	s.n = n
	return s
}

func (s *Scrypt) acquire(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("passhash: waiting to hash: %w", ctx.Err())
	}
}

func (s *Scrypt) release() { <-s.sem }

// derive computes the scrypt key of password under the salt text.
func (s *Scrypt) derive(password, salt string) ([]byte, error) {
	return scrypt.Key([]byte(norm.NFKC.String(password)), []byte(salt), s.n, R, P, KeyLen)
}

// Hash implements Hasher.
func (s *Scrypt) Hash(ctx context.Context, password string) (string, error) {
	var raw [SaltLen]byte
	rand.Read(raw[:])
	salt := hex.EncodeToString(raw[:])
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer s.release()
	key, err := s.derive(password, salt)
	if err != nil {
		return "", fmt.Errorf("passhash: scrypt: %w", err)
	}
	return salt + ":" + hex.EncodeToString(key), nil
}

// Verify implements Hasher. The comparison is constant-time.
func (s *Scrypt) Verify(ctx context.Context, hash, password string) (bool, error) {
	salt, key, err := Parse(hash)
	if err != nil {
		return false, err
	}
	if err := s.acquire(ctx); err != nil {
		return false, err
	}
	defer s.release()
	got, err := s.derive(password, salt)
	if err != nil {
		return false, fmt.Errorf("passhash: scrypt: %w", err)
	}
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// Parse splits a Better Auth scrypt hash into its salt text and decoded key. Better Auth
// accepts any salt text; Krag requires a non-empty salt and a 64-byte hex key, the only shape
// Better Auth writes.
func Parse(hash string) (salt string, key []byte, err error) {
	salt, keyHex, ok := strings.Cut(hash, ":")
	if !ok || salt == "" || keyHex == "" {
		return "", nil, fmt.Errorf("%w: want salt:key", ErrMalformed)
	}
	if len(keyHex) != 2*KeyLen {
		return "", nil, fmt.Errorf("%w: key is %d hex digits, want %d", ErrMalformed, len(keyHex), 2*KeyLen)
	}
	key, err = hex.DecodeString(keyHex)
	if err != nil {
		return "", nil, fmt.Errorf("%w: key is not hex", ErrMalformed)
	}
	if len(salt) > 256 {
		return "", nil, fmt.Errorf("%w: salt too long", ErrMalformed)
	}
	return salt, key, nil
}

// Format names a stored hash's algorithm.
type Format string

// Formats Detect recognises.
const (
	FormatScrypt  Format = "scrypt"  // Better Auth: salthex:keyhex
	FormatBcrypt  Format = "bcrypt"  // $2a$, $2b$, $2y$
	FormatArgon2  Format = "argon2"  // $argon2id$, $argon2i$
	FormatUnknown Format = "unknown" // anything else
)

// Detect returns the format of a stored hash, so that importers can tell which hashes Krag can
// verify (only FormatScrypt today) from those that need a password reset.
func Detect(hash string) Format {
	switch {
	case strings.HasPrefix(hash, "$2a$"), strings.HasPrefix(hash, "$2b$"), strings.HasPrefix(hash, "$2y$"):
		return FormatBcrypt
	case strings.HasPrefix(hash, "$argon2"):
		return FormatArgon2
	}
	if _, _, err := Parse(hash); err == nil {
		return FormatScrypt
	}
	return FormatUnknown
}
