package desktop

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Store keeps one secret (a session token) between runs of a desktop or CLI app.
//
// The implementations in this package are safe for concurrent use by one process, and
// never log or print the secret, not even in their errors.
type Store interface {
	// Get returns the stored token, or an error wrapping ErrNoToken when nothing is stored.
	Get() (string, error)
	// Set stores token, replacing any token stored before. An empty token is refused.
	Set(token string) error
	// Delete removes the stored token. It returns nil when nothing is stored.
	Delete() error
	// Describe says where the secret lives, for messages to the user, e.g.
	// "the system keyring (Secret Service)" or
	// "the encrypted file /home/u/.config/krag/localhost_4321-1a2b3c4d.enc".
	Describe() string
}

// ErrNoToken is returned (possibly wrapped) by Store.Get when nothing is stored.
var ErrNoToken = errors.New("desktop: no token stored")

// StoreOptions configures OpenStore. The zero value of each field means the default written in
// its comment.
type StoreOptions struct {
	// Service is the keyring service name, e.g. "krag". Default "krag".
	Service string
	// Account is the keyring account, and the base of the fallback file's name: the server the
	// token belongs to, e.g. "http://localhost:4321". It is sanitized for use as a file name.
	// Default "default".
	Account string
	// Dir is the directory of the encrypted-file fallback. Default os.UserConfigDir()/krag.
	// A directory that does not exist is created with mode 0700; an existing one is used as is.
	Dir string
	// Passphrase, when set, is the key material of the encrypted-file fallback: the file key is
	// derived from it with scrypt (a CLI passes $KRAG_TOKEN_PASSPHRASE). When empty, a random
	// key is kept in a 0600 key file beside the token file, and the token is then only as safe
	// as those files' permissions.
	Passphrase []byte
	// Warn is told, once per OpenStore call, when the encrypted-file fallback is used and why.
	// The message never contains the token. Default: the message and a newline to os.Stderr.
	Warn func(msg string)
	// DisableKeyring makes OpenStore use the encrypted file without trying the keyring (tests,
	// headless servers). Warn is still told.
	DisableKeyring bool
}

// OpenStore returns the system keyring when it answers, else the encrypted-file fallback.
//
// The keyring is probed with a harmless Get of the account; on Linux and the BSDs that needs
// a D-Bus session bus and a Secret Service (gnome-keyring, KeePassXC, KWallet 6), on macOS
// the Keychain, on Windows the Credential Manager. A probe that does not answer within 30
// seconds (for example an unlock prompt nobody sees) counts as a failure; its goroutine is
// left to finish on its own. When the keyring is not used, Warn is told the reason (e.g. "no
// D-Bus session bus") and the file's path, and OpenStore returns FileStore's store in
// o.Dir. OpenStore fails only when neither can be used, e.g. when no user configuration
// directory is known and o.Dir is empty.
func OpenStore(o StoreOptions) (Store, error) {
	if o.Service == "" {
		o.Service = "krag"
	}
	if o.Account == "" {
		o.Account = "default"
	}
	if o.Warn == nil {
		o.Warn = func(msg string) { fmt.Fprintln(os.Stderr, msg) }
	}
	reason := "the keyring is disabled (StoreOptions.DisableKeyring)"
	if !o.DisableKeyring {
		ks := KeyringStore(o.Service, o.Account)
		err := probeKeyring(o.Service, o.Account)
		if err == nil {
			return ks, nil
		}
		reason = err.Error()
	}
	dir := o.Dir
	if dir == "" {
		cfg, err := os.UserConfigDir()
		if err != nil {
			return nil, fmt.Errorf("desktop: open store: %s, and no directory for the file fallback: %w", reason, err)
		}
		dir = filepath.Join(cfg, "krag")
	}
	s, err := FileStore(filepath.Join(dir, fileName(o.Account)), o.Passphrase)
	if err != nil {
		return nil, fmt.Errorf("desktop: open store: %s, and the file fallback failed: %w", reason, err)
	}
	fs := s.(*fileStore)
	msg := fmt.Sprintf("desktop: not using the system keyring: %s; the token is kept in %s", reason, fs.Describe())
	if len(o.Passphrase) == 0 {
		msg += fmt.Sprintf(", encrypted with a random key stored in %s: the token is only as safe as these files' permissions (set a passphrase to encrypt it with a key derived from it instead)", fs.keyPath)
	} else {
		msg += ", encrypted with a key derived from the passphrase"
	}
	o.Warn(msg)
	return s, nil
}
