// Package desktopstub mirrors the types of github.com/kragauth/krag/client/desktop that the
// GUI uses, so the GUI builds and is tested before that package lands. It is removed then.
package desktopstub

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// ErrSignedOut is returned by Current when no session is stored.
var ErrSignedOut = errors.New("desktop: signed out")

// Attempt is a sign-in in progress.
type Attempt struct {
	URL string
}

// Session is the signed-in user.
type Session struct {
	UserID, Name, Email string
	ExpiresAt           time.Time
}

// Permissions are the user's roles and rules.
type Permissions struct {
	Roles []string
	Rules []Rule
}

// Rule is one permission.
type Rule struct {
	Action, Subject string
	Inverted        bool
	Conditions      string
}

// String describes the rule.
func (r Rule) String() string {
	s := r.Action + " " + r.Subject
	if r.Inverted {
		s = "cannot " + s
	}
	if r.Conditions != "" {
		s += " where " + r.Conditions
	}
	return s
}

// Instance is the primary instance.
type Instance struct{ urls chan string }

// Single always makes this process the primary.
func Single(name string, args []string) (*Instance, bool, error) {
	return &Instance{urls: make(chan string)}, false, nil
}

// URLs delivers forwarded URLs.
func (i *Instance) URLs() <-chan string { return i.urls }

// Close closes URLs.
func (i *Instance) Close() error { close(i.urls); return nil }

// Registration describes the scheme handler.
type Registration struct {
	Scheme, AppID, Name, Exec string
	Args                      []string
	DataHome                  string
}

// RegisterScheme does nothing.
func RegisterScheme(r Registration) error { return errors.New("not implemented") }

// Store keeps the token.
type Store interface {
	Get() (string, error)
	Set(string) error
	Delete() error
	Describe() string
}

// StoreOptions configures OpenStore.
type StoreOptions struct {
	Service, Account, Dir string
	Passphrase            []byte
	Warn                  func(string)
	DisableKeyring        bool
}

type memStore struct{ tok string }

func (m *memStore) Get() (string, error) { return m.tok, nil }
func (m *memStore) Set(s string) error   { m.tok = s; return nil }
func (m *memStore) Delete() error        { m.tok = ""; return nil }
func (m *memStore) Describe() string     { return "memory (stub)" }

// OpenStore returns a memory store.
func OpenStore(o StoreOptions) (Store, error) { return &memStore{}, nil }

// OpenBrowser does nothing.
func OpenBrowser(url string) error { return nil }

// Config configures New.
type Config struct {
	BaseURL, BasePath, SignInPath, ClientID, Scheme string
	Store                                           Store
	HTTPClient                                      *http.Client
	OpenBrowser                                     func(string) error
}

// App is the stub flow.
type App struct{ c Config }

// New returns a stub App.
func New(c Config) (*App, error) { return &App{c}, nil }

var errStub = errors.New("the desktop client package has not landed yet")

// SignInDeepLink returns a fake attempt.
func (a *App) SignInDeepLink(ctx context.Context) (*Attempt, error) {
	return &Attempt{URL: a.c.BaseURL + "/desktop?stub=1"}, nil
}

// HandleURL fails.
func (a *App) HandleURL(ctx context.Context, raw string) (*Session, error) { return nil, errStub }

// CompleteCode fails.
func (a *App) CompleteCode(ctx context.Context, code string) (*Session, error) {
	return nil, errStub
}

// Current says signed out.
func (a *App) Current(ctx context.Context) (*Session, error) { return nil, ErrSignedOut }

// SignOut succeeds.
func (a *App) SignOut(ctx context.Context) error { return nil }

// Permissions fails.
func (a *App) Permissions(ctx context.Context) (*Permissions, error) { return nil, errStub }
