package desktop

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/crypto/scrypt"
)

// The encrypted token file, version 1. All of it up to the ciphertext is the header, which is
// authenticated as AES-256-GCM's additional data, so a changed byte anywhere fails to open:
//
//	offset  size  field
//	0       4     magic "KRGT"
//	4       1     format version, 1
//	5       1     key source: 0 = the random key in the key file, 1 = scrypt of a passphrase
//	              key source 1 only:
//	6       1       log2 of scrypt's N
//	7       1       scrypt's r
//	8       1       scrypt's p
//	9       16      salt
//	...     12    GCM nonce
//	...     n+16  ciphertext of the token, with GCM's tag
//
// The key file (key source 0) holds exactly 32 random bytes.
const (
	fileMagic      = "KRGT"
	fileVersion    = 1
	keyFromKeyFile = 0
	keyFromScrypt  = 1
	saltSize       = 16
	keySize        = 32 // AES-256
	// maxFileSize bounds what Get reads: a session token is well under 1 KiB.
	maxFileSize = 64 << 10

	// scrypt's cost when writing: 32 MiB and about 50 ms, the interactive-login cost
	// the scrypt paper recommends.
	scryptLogN = 15
	scryptR    = 8
	scryptP    = 1
	// maxScryptMem bounds the memory a file can make Get spend (128·r·N bytes).
	maxScryptMem = 256 << 20
)

var (
	errNotTokenFile = errors.New("not a krag token file")
	errTruncated    = errors.New("truncated")
	errBadParams    = errors.New("scrypt parameters out of range")
	errDecrypt      = errors.New("cannot decrypt: wrong passphrase or key file, or the file was modified")
)

// tokenFile is a parsed token file; see the format above.
type tokenFile struct {
	keySource     byte
	logN, r, p    byte
	salt, nonce   []byte
	header, boxed []byte // header is the additional data: everything before boxed
}

// parseTokenFile splits b into its fields. It checks the format, not the authentication.
func parseTokenFile(b []byte) (tokenFile, error) {
	var f tokenFile
	if len(b) < len(fileMagic) || string(b[:len(fileMagic)]) != fileMagic {
		return f, errNotTokenFile
	}
	if len(b) < 6 {
		return f, errTruncated
	}
	switch v := b[4]; {
	case v == 0:
		return f, fmt.Errorf("invalid format version 0")
	case v > fileVersion:
		return f, fmt.Errorf("format version %d is newer than this program reads (%d): upgrade it", v, fileVersion)
	}
	f.keySource = b[5]
	n := 6
	switch f.keySource {
	case keyFromKeyFile:
	case keyFromScrypt:
		if len(b) < n+3+saltSize {
			return f, errTruncated
		}
		f.logN, f.r, f.p = b[n], b[n+1], b[n+2]
		if err := checkScrypt(f.logN, f.r, f.p); err != nil {
			return f, err
		}
		f.salt = b[n+3 : n+3+saltSize]
		n += 3 + saltSize
	default:
		return f, fmt.Errorf("unknown key source %d", f.keySource)
	}
	// A GCM nonce, then at least one byte of token and the tag.
	if len(b) < n+12+1+16 {
		return f, errTruncated
	}
	f.nonce = b[n : n+12]
	f.header, f.boxed = b[:n+12], b[n+12:]
	return f, nil
}

func checkScrypt(logN, r, p byte) error {
	if logN < 10 || logN > 22 || r < 1 || p < 1 || p > 16 || 128*uint64(r)<<logN > maxScryptMem {
		return fmt.Errorf("%w: log2 N=%d r=%d p=%d", errBadParams, logN, r, p)
	}
	return nil
}

// open decrypts f with key.
func (f tokenFile) open(key []byte) (string, error) {
	aead, err := newGCM(key)
	if err != nil {
		return "", err
	}
	tok, err := aead.Open(nil, f.nonce, f.boxed, f.header)
	if err != nil {
		return "", errDecrypt
	}
	return string(tok), nil
}

// sealToken builds a token file holding token under key; header is the file's start up to
// (not including) the nonce.
func sealToken(header, key []byte, token string) ([]byte, error) {
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(header), len(header)+aead.NonceSize()+len(token)+aead.Overhead())
	copy(out, header)
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	out = append(out, nonce...)
	return aead.Seal(out, nonce, []byte(token), out), nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func scryptKey(passphrase, salt []byte, logN, r, p byte) ([]byte, error) {
	return scrypt.Key(passphrase, salt, 1<<logN, int(r), int(p), keySize)
}

// fileStore is the Store of FileStore.
type fileStore struct {
	path, keyPath string
	passphrase    []byte

	mu sync.Mutex
	// The last scrypt result, so that a Get after a Set does not derive the key again.
	lastSalt, lastKey []byte
}

// FileStore returns a Store that keeps the token in the file at path, encrypted with
// AES-256-GCM.
//
// With a passphrase, the key is derived from it with scrypt (N=2^15, r=8, p=1) and a random
// salt kept in the file's header. Without one, the key is 32 random bytes kept in the file
// path+".key", created with mode 0600 on the first Set; the token is then only as safe as
// the permissions of the two files. Get reads a file written either way, whichever the
// current passphrase; Set writes with the current one.
//
// Files are written atomically (a temporary file renamed over the old one) with mode 0600; a
// directory that does not exist is created with mode 0700, and an existing one is left as it
// is. Get reports a clear error for a file that was modified or truncated, a wrong
// passphrase or key file, a key file readable by other users, and a file written by a newer
// format version; it never returns an empty token. FileStore itself fails only when path is
// empty or cannot be made absolute. The store is safe for concurrent use; several processes
// may share the file.
func FileStore(path string, passphrase []byte) (Store, error) {
	if path == "" {
		return nil, errors.New("desktop: file store: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("desktop: file store: %w", err)
	}
	return &fileStore{
		path:       abs,
		keyPath:    abs + ".key",
		passphrase: bytes.Clone(passphrase),
	}, nil
}

func (s *fileStore) Describe() string { return "the encrypted file " + s.path }

func (s *fileStore) Get() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := readLimited(s.path, maxFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return "", ErrNoToken
	}
	if err != nil {
		return "", fmt.Errorf("desktop: read token: %w", err)
	}
	f, err := parseTokenFile(b)
	if err != nil {
		return "", fmt.Errorf("desktop: read token file %s: %w", s.path, err)
	}
	var key []byte
	switch f.keySource {
	case keyFromScrypt:
		if len(s.passphrase) == 0 {
			return "", fmt.Errorf("desktop: read token file %s: it is encrypted with a passphrase, and none was given", s.path)
		}
		key, err = s.derive(f.salt, f.logN, f.r, f.p)
	default:
		key, err = s.readKey()
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("desktop: read token file %s: its key file %s is missing", s.path, s.keyPath)
		}
	}
	if err != nil {
		return "", fmt.Errorf("desktop: read token file %s: %w", s.path, err)
	}
	tok, err := f.open(key)
	if err != nil {
		return "", fmt.Errorf("desktop: read token file %s: %w", s.path, err)
	}
	return tok, nil
}

func (s *fileStore) Set(token string) error {
	if token == "" {
		return errors.New("desktop: refusing to store an empty token")
	}
	if len(token) > maxFileSize/2 {
		return fmt.Errorf("desktop: token of %d bytes is too long to store", len(token))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("desktop: store token: %w", err)
	}
	header := []byte{fileMagic[0], fileMagic[1], fileMagic[2], fileMagic[3], fileVersion, keyFromKeyFile}
	var key []byte
	var err error
	if len(s.passphrase) > 0 {
		salt := make([]byte, saltSize)
		rand.Read(salt)
		header[5] = keyFromScrypt
		header = append(header, scryptLogN, scryptR, scryptP)
		header = append(header, salt...)
		key, err = s.derive(salt, scryptLogN, scryptR, scryptP)
	} else {
		key, err = s.loadOrCreateKey()
	}
	if err != nil {
		return fmt.Errorf("desktop: store token in %s: %w", s.path, err)
	}
	b, err := sealToken(header, key, token)
	if err != nil {
		return fmt.Errorf("desktop: store token in %s: %w", s.path, err)
	}
	if err := writeAtomic(s.path, b); err != nil {
		return fmt.Errorf("desktop: store token: %w", err)
	}
	return nil
}

func (s *fileStore) Delete() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, p := range []string{s.path, s.keyPath} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("desktop: delete token: %w", err)
	}
	return nil
}

// derive returns scrypt's key for the passphrase and salt, reusing the last result.
func (s *fileStore) derive(salt []byte, logN, r, p byte) ([]byte, error) {
	if s.lastKey != nil && bytes.Equal(salt, s.lastSalt) {
		return s.lastKey, nil
	}
	key, err := scryptKey(s.passphrase, salt, logN, r, p)
	if err != nil {
		return nil, fmt.Errorf("derive key: %w", err)
	}
	s.lastSalt, s.lastKey = bytes.Clone(salt), key
	return key, nil
}

// readKey reads the key file, refusing one that others may read.
func (s *fileStore) readKey() ([]byte, error) {
	st, err := os.Stat(s.keyPath)
	if err != nil {
		return nil, err
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("key file %s has mode %v, so other users may read it: remove it and the token file, or chmod 600 it if nobody else could", s.keyPath, st.Mode().Perm())
	}
	key, err := readLimited(s.keyPath, keySize+1)
	if err != nil {
		return nil, err
	}
	if len(key) != keySize {
		return nil, fmt.Errorf("key file %s is %d bytes, want %d", s.keyPath, len(key), keySize)
	}
	return key, nil
}

// loadOrCreateKey returns the key file's key, creating the file when it does not exist. The
// new file is linked into place, so that two processes racing to create it agree on one key
// and neither ever reads a half-written file.
func (s *fileStore) loadOrCreateKey() ([]byte, error) {
	key, err := s.readKey()
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key = make([]byte, keySize)
	rand.Read(key)
	tmp, err := writeTemp(filepath.Dir(s.keyPath), filepath.Base(s.keyPath), key)
	if err != nil {
		return nil, fmt.Errorf("create key file: %w", err)
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, s.keyPath); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return s.readKey()
		}
		// No hard links here (some file systems): rename, which replaces a key another
		// process may have created since readKey above; that process's next Get then fails
		// to decrypt rather than reading a wrong token.
		if err := os.Rename(tmp, s.keyPath); err != nil {
			return nil, fmt.Errorf("create key file: %w", err)
		}
	}
	return key, nil
}

// writeAtomic replaces the file at path with b, mode 0600.
func writeAtomic(path string, b []byte) error {
	tmp, err := writeTemp(filepath.Dir(path), filepath.Base(path), b)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// writeTemp writes b to a new mode-0600 file in dir and returns its name.
func writeTemp(dir, base string, b []byte) (string, error) {
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	err = f.Chmod(0o600)
	if runtime.GOOS == "windows" {
		err = nil // Chmod is not supported; the file is private to its owner's profile
	}
	if err == nil {
		_, err = f.Write(b)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// readLimited reads the file at path, failing when it is longer than limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is longer than %d bytes", path, limit)
	}
	return b, nil
}

// fileName turns a keyring account (a server URL) into a token file name: the account with
// every byte outside [A-Za-z0-9._-] replaced by "_", cut to 64 bytes, and, when that changed
// anything, followed by 8 hex digits of its SHA-256 so that two accounts never share a file.
func fileName(account string) string {
	var b strings.Builder
	for i := 0; i < len(account) && b.Len() < 64; i++ {
		c := account[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' && i > 0
		if !ok {
			c = '_'
		}
		b.WriteByte(c)
	}
	name := b.String()
	if name != account || name == "" {
		sum := sha256.Sum256([]byte(account))
		name += "-" + hex.EncodeToString(sum[:4])
	}
	return name + ".enc"
}
