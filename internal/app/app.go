// Package app is the system `krag serve` runs: Krag configured as the seed's design
// (shared/seed/better-auth-implementation-guide.md) — the seed's user fields, sessions with a
// 5-minute cookie cache, account deletion and email change on, UUID ids — plus every plugin
// Krag ships as they land, and the pages' demo resource (web/posts).
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/plugin/active"
	"github.com/kragauth/krag/plugin/admin"
	"github.com/kragauth/krag/plugin/bearer"
	"github.com/kragauth/krag/plugin/deviceauth"
	"github.com/kragauth/krag/plugin/electron"
	"github.com/kragauth/krag/plugin/jwt"
	"github.com/kragauth/krag/plugin/onetimetoken"
	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/social"
	"github.com/kragauth/krag/store"
	"github.com/kragauth/krag/web/posts"
)

// The seed's additional user fields. isActive comes with plugin/active, roleId with plugin/rbac.
var (
	// PhoneNumber, FirstName and LastName are free text the user sets.
	PhoneNumber = krag.StringField("phoneNumber")
	FirstName   = krag.StringField("firstName")
	LastName    = krag.StringField("lastName")
)

// Config is what the seed's system needs from the environment.
type Config struct {
	Secret         string
	BaseURL        string
	Development    bool
	TrustedOrigins []string
	// CookieCache is the session cookie cache's lifetime; 0 turns it off.
	CookieCache time.Duration
	// CookieCacheStrategy is the cache cookie's format ("" for Krag's default).
	CookieCacheStrategy krag.CookieCacheStrategy
	// RawTokens stores session tokens raw, for sharing a database with Better Auth.
	RawTokens bool
	// DisableRateLimit turns the limiter off (it is on in production); EnableRateLimit turns
	// it on in development.
	DisableRateLimit bool
	EnableRateLimit  bool
	Database         store.Database
	Logger           *slog.Logger
	// SocialProviders are the identity providers users may sign in with.
	SocialProviders []social.Provider
	// ElectronScheme is the deep-link scheme of the seed's Electron app (client id
	// "electron"); empty: that app gets its code by pasting or the page's cookie.
	ElectronScheme string
}

// Desktop clients of the electron plugin that Krag's own apps use.
var (
	// CLIClient is `krag login`: loopback redirects, and the "krag" scheme.
	CLIClient = electron.Client{ID: "krag-cli", Name: "Krag CLI", Scheme: "krag", Loopback: true}
	// DesktopClient is cmd/krag-desktop: the "krag-desktop" scheme, and loopback.
	DesktopClient = electron.Client{ID: "krag-desktop", Name: "Krag Desktop", Scheme: "krag-desktop", Loopback: true}
)

// System is the configured Krag with its plugins, for commands that use their Go API.
type System struct {
	Options krag.Options
	Active  *active.Plugin
	RBAC    *rbac.Plugin
	Admin   *admin.Plugin
	// Posts is the pages' demo resource: the posts table and its permissions.
	Posts *posts.Plugin
	// DeviceAuth is the device-authorization plugin (RFC 8628), for the /device page.
	DeviceAuth *deviceauth.Plugin
	// Electron is the desktop sign-in plugin, for the /desktop page.
	Electron *electron.Plugin
}

// Seed creates the demo's rows, each only when missing: rbac's system roles, and the Editor
// role and the post permissions of /posts (posts.Plugin.Seed), which give every user rights on
// "Post". Call it once the Auth is built; `krag serve` runs it at start in development, and in
// production only with KRAG_DEMO=on.
func (s *System) Seed(ctx context.Context) error { return s.Posts.Seed(ctx) }

// Options returns the krag.Options of the seed's system.
func Options(c Config) krag.Options { return New(c).Options }

// New returns the seed's system: its options and the plugin values in them (fresh ones on
// every call: a plugin belongs to one Auth).
func New(c Config) *System {
	sys := &System{Active: active.New(), RBAC: rbac.New(rbac.Options{})}
	sys.Admin = admin.New(admin.Options{RBAC: sys.RBAC})
	sys.Posts = posts.New(posts.Options{RBAC: sys.RBAC})
	sys.DeviceAuth = deviceauth.New(deviceauth.Options{})
	sys.Electron = electron.New(electron.Options{CallbackURL: "/desktop/continue", Clients: []electron.Client{
		CLIClient, DesktopClient, {ID: electron.DefaultClientID, Name: "Desktop app", Scheme: c.ElectronScheme}}})
	o := krag.Options{
		AppName:        "Krag",
		BaseURL:        c.BaseURL,
		Secret:         c.Secret,
		Development:    c.Development,
		Database:       c.Database,
		TrustedOrigins: c.TrustedOrigins,
		Logger:         c.Logger,
		Plugins:        []krag.Plugin{sys.Active, sys.RBAC, sys.Admin, sys.Posts, jwt.New(jwt.Options{})},
	}
	o.Plugins = append(o.Plugins, bearer.New(bearer.Options{}), onetimetoken.New(onetimetoken.Options{}),
		sys.DeviceAuth, sys.Electron)
	o.EmailAndPassword.MinPasswordLength = 8
	o.Session.CookieCache.Enabled = c.CookieCache > 0
	o.Session.CookieCache.MaxAge = c.CookieCache
	o.Session.CookieCache.Strategy = c.CookieCacheStrategy
	o.Session.StoreRawTokens = c.RawTokens
	o.User.AdditionalFields = []krag.AdditionalField{PhoneNumber, FirstName, LastName}
	o.User.ChangeEmail.Enabled = true
	o.User.DeleteUser.Enabled = true
	o.Advanced.Database.GenerateID = "uuid"
	o.Social.Providers = c.SocialProviders
	o.Social.MapProfile = mapProfile
	o.RateLimit.Disabled = c.DisableRateLimit
	o.RateLimit.Enabled = c.EnableRateLimit
	sys.Options = o
	return sys
}

// mapProfile fills the seed's firstName and lastName of a user created from a provider that
// knows them (Google's given_name and family_name, any OpenID provider's).
func mapProfile(_ string, p *social.Profile, u *krag.User) {
	if p.GivenName != "" {
		FirstName.Set(u, p.GivenName)
	}
	if p.FamilyName != "" {
		LastName.Set(u, p.FamilyName)
	}
}
