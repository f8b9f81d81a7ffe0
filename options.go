package krag

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/kragauth/krag/passhash"
	"github.com/kragauth/krag/store"
)

// Options configures an Auth. The zero value of every field means the default written in its
// comment; field names follow Better Auth's options, so its documentation maps one to one.
// New copies Options: changing them afterwards has no effect.
type Options struct {
	// AppName names the application in messages and pages. Default "Krag".
	AppName string
	// BaseURL is the public URL of the server (Better Auth's baseURL, env BETTER_AUTH_URL),
	// e.g. "https://app.example.com". Its origin is trusted, https makes cookies Secure, and
	// links Krag builds start with it. Required unless Development is set, where a request's
	// own host is used when it is empty.
	BaseURL string
	// BasePath is where the handler is mounted. Default "/api/auth".
	BasePath string
	// Secret signs cookies and tokens (env BETTER_AUTH_SECRET). Required; at least 32
	// characters unless Development is set.
	Secret string
	// Development relaxes what is only safe on a developer's machine: a short secret, a
	// missing BaseURL, and the rate limiter off unless RateLimit.Enabled.
	Development bool

	// Database holds the tables (see packages store/sqlite, store/mysql, store/postgres).
	// Required. New does not create tables: run migrations first (krag migrate, or
	// sqlstore.DB.Migrate with Schema(opts)).
	Database store.Database

	// TrustedOrigins are origins allowed beside BaseURL's for Origin checks and callback URLs:
	// "https://app.example.com", wildcards such as "https://*.example.com", or custom schemes
	// such as "myapp://" (shared/spec/better-auth-core.md §8).
	TrustedOrigins []string

	EmailAndPassword EmailAndPasswordOptions
	Session          SessionOptions
	User             UserOptions
	Account          TableOptions
	// Social configures sign-in through identity providers (Google, GitHub, any OpenID
	// Connect or OAuth 2 provider: package social) and account linking.
	Social       SocialOptions
	Verification TableOptions
	RateLimit    RateLimitOptions
	Advanced     AdvancedOptions

	// Hooks run around writes to the core tables (Better Auth's databaseHooks).
	Hooks Hooks

	// Plugins add routes, tables, fields, hooks and error codes. Each is initialised once, in
	// order, for this Auth only.
	Plugins []Plugin

	// Logger receives Krag's logs. Default slog.Default().
	Logger *slog.Logger
	// Now returns the current time. Default time.Now. Tests move time with it.
	Now func() time.Time
	// HTTPClient is used for outgoing requests (social providers). Default: a client with a
	// 10-second timeout.
	HTTPClient *http.Client
}

// EmailAndPasswordOptions configures email and password sign-in (Better Auth's emailAndPassword).
type EmailAndPasswordOptions struct {
	// Disabled turns email and password sign-in and sign-up off.
	Disabled bool
	// DisableSignUp refuses new accounts (EMAIL_PASSWORD_SIGN_UP_DISABLED).
	DisableSignUp bool
	// MinPasswordLength is the shortest accepted password in UTF-16 code units. Default 8.
	MinPasswordLength int
	// MaxPasswordLength is the longest. Default 128.
	MaxPasswordLength int
	// DisableAutoSignIn makes sign-up answer without creating a session (Better Auth's
	// autoSignIn: false). Sign-up then also hides whether the email was taken.
	DisableAutoSignIn bool
	// Hasher hashes passwords. Default passhash.NewScrypt(0): Better Auth's scrypt format.
	Hasher passhash.Hasher
}

// SessionOptions configures sessions (Better Auth's session).
type SessionOptions struct {
	// ExpiresIn is a session's lifetime and its cookie's Max-Age. Default 7 days.
	ExpiresIn time.Duration
	// UpdateAge is how old the last extension must be before a use slides the expiry.
	// Default 1 day. Must be less than ExpiresIn.
	UpdateAge time.Duration
	// FreshAge is how recent sign-in must be for sensitive endpoints such as list-sessions.
	// Default 1 day; negative turns the freshness check off (Better Auth's freshAge: 0).
	FreshAge time.Duration
	// DisableSessionRefresh never slides the expiry.
	DisableSessionRefresh bool
	// CookieCache keeps a signed copy of the session in a cookie so get-session can answer
	// without reading the database.
	CookieCache CookieCacheOptions
	// StoreRawTokens stores session tokens as they are, as Better Auth does, instead of their
	// SHA-256 digest. Only for running beside a Better Auth server on one database: with raw
	// tokens, a copy of the session table is a set of live sessions.
	StoreRawTokens bool
	// AdditionalFields are extra columns of the session table.
	AdditionalFields []AdditionalField
	// ModelName and FieldNames rename the table and its columns.
	TableOptions
}

// CookieCacheOptions configures the session_data cookie (Better Auth's session.cookieCache).
type CookieCacheOptions struct {
	// Enabled turns the cache on. Revocations then take up to MaxAge to reach clients that
	// hold a cached copy, as in Better Auth.
	Enabled bool
	// MaxAge is the cache cookie's lifetime. Default 5 minutes.
	MaxAge time.Duration
	// Version is stored in the cache; a cache of another version is ignored. Default "1".
	Version string
	// Strategy is the cookie's format: CookieCacheReference (the default: a random key into
	// this process's memory, 22 bytes and no personal data in the browser) or
	// CookieCacheCompact (Better Auth's signed JSON, for sharing cookies with Better Auth).
	Strategy CookieCacheStrategy
	// MemoEntries bounds the in-memory cache entries (about 2 KiB each). Default 10,000.
	MemoEntries int
}

// UserOptions configures the user table and user endpoints.
type UserOptions struct {
	// AdditionalFields are extra columns of the user table, declared with StringField,
	// IntField, BoolField or TimeField.
	AdditionalFields []AdditionalField
	// ChangeEmail configures POST /change-email.
	ChangeEmail struct {
		// Enabled turns change-email on. Without a verification email sender Krag changes
		// the address at once and marks it unverified.
		Enabled bool
	}
	// DeleteUser configures POST /delete-user.
	DeleteUser struct {
		// Enabled turns delete-user on; otherwise it answers 404.
		Enabled bool
		// BeforeDelete may refuse the deletion by returning an error (a *Error is sent to
		// the client as is).
		BeforeDelete func(ctx context.Context, u *User) error
		// AfterDelete runs once the user is gone.
		AfterDelete func(ctx context.Context, u *User)
	}
	// ModelName and FieldNames rename the table and its columns.
	TableOptions
}

// TableOptions renames a core table and its columns (Better Auth's modelName and fields).
type TableOptions struct {
	// ModelName is the table's name in the database. Default the logical name ("user"...),
	// plus "s" with Advanced.Database.UsePlural.
	ModelName string
	// FieldNames maps logical field names to column names, e.g. {"email": "email_address"}.
	FieldNames map[string]string
}

// RateLimitOptions configures the rate limiter (Better Auth's rateLimit).
type RateLimitOptions struct {
	// Enabled turns the limiter on in Development; outside Development it is on unless Disabled.
	Enabled bool
	// Disabled turns the limiter off. Only for benchmarks and servers behind a limiting proxy.
	Disabled bool
	// Window and Max are the default rule: at most Max requests per Window per client and
	// path. Defaults 10 s and 100.
	Window time.Duration
	Max    int
	// CustomRules override the rule of a path relative to BasePath ("/sign-in/email") or a
	// glob ("/two-factor/*").
	CustomRules map[string]RateLimitRule
}

// RateLimitRule is one rule. Disabled exempts the path.
type RateLimitRule struct {
	Window   time.Duration
	Max      int
	Disabled bool
}

// AdvancedOptions holds Better Auth's advanced options.
type AdvancedOptions struct {
	// UseSecureCookies forces Secure cookies with the __Secure- prefix. By default they are
	// used when BaseURL is https.
	UseSecureCookies bool
	// CookiePrefix replaces "better-auth" in cookie names.
	CookiePrefix string
	// CrossSubDomainCookies sets a Domain on every auth cookie.
	CrossSubDomainCookies struct {
		Enabled bool
		// Domain defaults to BaseURL's host.
		Domain string
	}
	// DisableCSRFCheck skips the Origin and Fetch-Metadata checks.
	// Warning: any site can then make a signed-in browser call Krag.
	DisableCSRFCheck bool
	// DisableOriginCheck skips callback URL validation and, as in Better Auth, the CSRF
	// checks too. Warning: open redirects and cross-site requests become possible.
	DisableOriginCheck bool
	// IPAddressHeaders are the headers the client address is read from. Default
	// ["x-forwarded-for"]. The socket address is never used, as in Better Auth.
	IPAddressHeaders []string
	// TrustedProxies are addresses or CIDRs of proxies whose X-Forwarded-For entries are
	// skipped when reading a list from the right. Without them a list yields no address.
	TrustedProxies []string
	// DisableIPTracking stores no IP address.
	DisableIPTracking bool
	// MaxBodyBytes caps request bodies. Default 1 MiB.
	MaxBodyBytes int64
	// Database holds id and table-name choices.
	Database struct {
		// UsePlural appends "s" to table names.
		UsePlural bool
		// GenerateID chooses ids: "" for 32 random [A-Za-z0-9] (Better Auth's default) or
		// "uuid" for random UUIDs (the seed's choice).
		GenerateID string
	}
}
