package desktop

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/zalando/go-keyring"
)

// probeTimeout bounds OpenStore's keyring probe. It is long enough for a person to answer an
// unlock prompt, and short enough that a headless run does not look hung forever.
const probeTimeout = 30 * time.Second

// keyringStore is the Store of KeyringStore.
type keyringStore struct {
	service, account string
}

// KeyringStore returns a Store that keeps the token in the system keyring, under service and
// account: the Secret Service over D-Bus on Linux and the BSDs, the Keychain on macOS, the
// Credential Manager on Windows (through github.com/zalando/go-keyring). It checks nothing
// up front: each call reports its own error, and on Linux, with no session bus address set,
// the D-Bus library may try to start one with dbus-launch. Use OpenStore to probe the keyring
// and fall back to a file. The store is safe for concurrent use.
func KeyringStore(service, account string) Store {
	return &keyringStore{service: service, account: account}
}

func (s *keyringStore) Get() (string, error) {
	tok, err := keyring.Get(s.service, s.account)
	if errors.Is(err, keyring.ErrNotFound) || (err == nil && tok == "") {
		return "", ErrNoToken
	}
	if err != nil {
		return "", fmt.Errorf("desktop: read token from %s: %w", s.Describe(), err)
	}
	return tok, nil
}

func (s *keyringStore) Set(token string) error {
	if token == "" {
		return errors.New("desktop: refusing to store an empty token")
	}
	if err := keyring.Set(s.service, s.account, token); err != nil {
		return fmt.Errorf("desktop: store token in %s: %w", s.Describe(), err)
	}
	return nil
}

func (s *keyringStore) Delete() error {
	err := keyring.Delete(s.service, s.account)
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("desktop: delete token from %s: %w", s.Describe(), err)
	}
	return nil
}

func (s *keyringStore) Describe() string {
	switch runtime.GOOS {
	case "darwin", "ios":
		return "the macOS Keychain"
	case "windows":
		return "the Windows Credential Manager"
	default:
		return "the system keyring (Secret Service)"
	}
}

// probeKeyring reads the account once and reports why the keyring cannot be used, or nil
// when it answered (with the token or with "not found").
func probeKeyring(service, account string) error {
	if reason := noSessionBus(); reason != "" {
		return errors.New(reason)
	}
	done := make(chan error, 1)
	go func() {
		_, err := keyring.Get(service, account)
		done <- err
	}()
	timer := time.NewTimer(probeTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, keyring.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("%s did not answer: %v", KeyringStore(service, account).Describe(), err)
	case <-timer.C:
		return fmt.Errorf("%s did not answer within %v (waiting for an unlock prompt?)", KeyringStore(service, account).Describe(), probeTimeout)
	}
}

// noSessionBus returns why there is no D-Bus session bus to reach a Secret Service through,
// or "" when one may be there (or the platform does not use D-Bus). It looks where the D-Bus
// library looks, so that the probe never makes the library start a bus with dbus-launch.
func noSessionBus() string {
	switch runtime.GOOS {
	case "darwin", "ios", "windows", "android", "plan9", "js", "wasip1":
		return ""
	}
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return ""
	}
	run := "/run/user/" + strconv.Itoa(os.Getuid())
	for _, name := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(run + "/" + name); err == nil {
			return ""
		}
	}
	return "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set and " + run + "/bus does not exist)"
}
