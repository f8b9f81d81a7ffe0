package krag

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/kragauth/krag/internal/seal"
	"github.com/kragauth/krag/internal/signed"
	"github.com/kragauth/krag/internal/token"
	"github.com/kragauth/krag/passhash"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

// Auth is a configured Krag: an http.Handler for BasePath and the Go API behind it. It is
// immutable and safe for concurrent use; build a new one to change settings.
type Auth struct {
	opts       Options
	log        *slog.Logger
	now        func() time.Time
	store      store.Store
	schema     *schema.Schema
	signer     *signed.Signer
	sealKey    seal.Key // provider tokens at rest (Social.EncryptTokens)
	hasher     passhash.Hasher
	dummyHash  string
	cookies    cookieNames
	baseOrigin string // origin of BaseURL, "" in Development without one
	authBase   string // BaseURL + BasePath
	origins    []originPattern
	ipHeaders  []string
	proxies    []netip.Prefix
	limiter    *rateLimiter
	cacheMemo  *memo[*cachedSession] // session_data cookie value → entry
	tokenMemo  *memo[string]         // verified session_token cookie value → raw token
	hdr        headerValues

	userTable    *schema.Table
	sessionTable *schema.Table

	hooks hookSet
	gates []UserGate
	// sources supply session tokens besides the cookie (Setup.TokenSource).
	sources []TokenSource
	routes  map[string]*route // "METHOD /path" of static routes
	params  []*route          // routes with :params
	codes   map[Code]*Error
}

// route is a registered Route with what the pipeline needs.
type route struct {
	name     string // "METHOD /path"
	method   string
	parts    []string // path segments, ":name" for parameters
	params   []string
	session  SessionRequirement
	form     bool
	login    bool // sign-in/sign-up: Fetch Metadata check
	validate func(*Request) error
	handler  func(*Request) error
	before   []RequestHook
	after    []RequestHook
}

// Defaults.
const (
	DefaultBasePath     = "/api/auth"
	DefaultCookiePrefix = "better-auth"
)

// New validates opts, initialises the plugins and returns an Auth. Errors name the field to fix,
// e.g. "krag: Options.Session.UpdateAge must be less than Options.Session.ExpiresIn".
// New does no I/O: the tables must exist already (see Schema).
func New(opts Options) (*Auth, error) {
	a := &Auth{}
	if err := a.init(opts); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *Auth) init(opts Options) error {
	o := opts
	if err := fillDefaults(&o); err != nil {
		return err
	}
	a.opts = o
	a.log = o.Logger
	a.now = o.Now
	if o.Database == nil {
		return errors.New("krag: Options.Database is required (for example sqlite.Open)")
	}
	if o.Secret == "" {
		return errors.New("krag: Options.Secret is required: set BETTER_AUTH_SECRET to a random string of at least 32 characters (openssl rand -base64 32)")
	}
	if len(o.Secret) < 32 && !o.Development {
		return errors.New("krag: Options.Secret must be at least 32 characters outside development")
	}
	if o.Secret == "better-auth-secret-12345678901234567890" && !o.Development {
		return errors.New("krag: Options.Secret is Better Auth's published fallback secret; set a random one")
	}
	if o.BaseURL == "" && !o.Development {
		return errors.New("krag: Options.BaseURL is required outside development (env BETTER_AUTH_URL, e.g. https://app.example.com)")
	}
	if o.BaseURL != "" {
		u, err := url.Parse(o.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("krag: Options.BaseURL %q must be an absolute http or https URL", o.BaseURL)
		}
		a.baseOrigin = strings.ToLower(u.Scheme + "://" + u.Host)
		p := strings.TrimSuffix(u.Path, "/")
		if p == "" {
			p = o.BasePath
		}
		a.authBase = a.baseOrigin + p
	}
	if !strings.HasPrefix(o.BasePath, "/") || strings.HasSuffix(o.BasePath, "/") {
		return fmt.Errorf("krag: Options.BasePath %q must start with / and not end with one", o.BasePath)
	}
	s := &o.Session
	if s.UpdateAge >= s.ExpiresIn {
		return errors.New("krag: Options.Session.UpdateAge must be less than Options.Session.ExpiresIn")
	}
	if s.CookieCache.MaxAge < time.Second {
		return errors.New("krag: Options.Session.CookieCache.MaxAge must be at least one second")
	}
	if st := s.CookieCache.Strategy; st != CookieCacheReference && st != CookieCacheCompact {
		return fmt.Errorf("krag: Options.Session.CookieCache.Strategy %q: want %q or %q", st, CookieCacheReference, CookieCacheCompact)
	}
	if s.CookieCache.MemoEntries < 16 {
		return errors.New("krag: Options.Session.CookieCache.MemoEntries must be at least 16")
	}
	if err := checkSocial(&o.Social); err != nil {
		return err
	}
	if e := &o.EmailAndPassword; e.MinPasswordLength < 1 || e.MaxPasswordLength < e.MinPasswordLength {
		return errors.New("krag: Options.EmailAndPassword.MinPasswordLength must be at least 1 and at most MaxPasswordLength")
	}
	switch o.Advanced.Database.GenerateID {
	case "", "uuid":
	default:
		return fmt.Errorf(`krag: Options.Advanced.Database.GenerateID %q: want "" or "uuid"`, o.Advanced.Database.GenerateID)
	}
	proxies, err := parseProxies(o.Advanced.TrustedProxies)
	if err != nil {
		return fmt.Errorf("krag: Options.Advanced.TrustedProxies: %w", err)
	}
	a.proxies = proxies
	for _, h := range o.Advanced.IPAddressHeaders {
		a.ipHeaders = append(a.ipHeaders, http.CanonicalHeaderKey(h))
	}

	// Plugins declare; then the schema is built from core tables, fields and plugin tables.
	setup, err := runPlugins(a, o.Development, o.Plugins)
	if err != nil {
		return err
	}
	sch, err := buildSchema(&o, setup)
	if err != nil {
		return err
	}
	a.schema = sch
	a.userTable = sch.Table(schema.UserTable)
	a.sessionTable = sch.Table(schema.SessionTable)
	st, err := o.Database.Store(sch)
	if err != nil {
		return fmt.Errorf("krag: Options.Database: %w", err)
	}
	a.store = st

	a.signer = signed.New(o.Secret)
	a.sealKey = seal.NewKey(o.Secret)
	a.cacheMemo = newMemo(o.Session.CookieCache.MemoEntries, func(c *cachedSession, now int64) bool { return c.expiresAt <= now })
	a.tokenMemo = newMemo[string](o.Session.CookieCache.MemoEntries, nil)
	a.hdr = newHeaderValues()
	a.hasher = o.EmailAndPassword.Hasher
	if a.hasher == nil {
		a.hasher = passhash.NewScrypt(0)
	}
	// The hash verified when an email is unknown, so that path costs what a real one does.
	a.dummyHash = "00000000000000000000000000000000:" + strings.Repeat("00", passhash.KeyLen)

	secure := o.Advanced.UseSecureCookies || strings.HasPrefix(o.BaseURL, "https://")
	domain := ""
	if o.Advanced.CrossSubDomainCookies.Enabled {
		domain = o.Advanced.CrossSubDomainCookies.Domain
		if domain == "" {
			if u, err := url.Parse(o.BaseURL); err == nil {
				domain = u.Hostname()
			}
		}
		if domain == "" {
			return errors.New("krag: Options.Advanced.CrossSubDomainCookies needs a Domain or a BaseURL")
		}
	}
	a.cookies = newCookieNames(o.Advanced.CookiePrefix, secure, domain)

	var origins []string
	if a.baseOrigin != "" {
		origins = append(origins, a.baseOrigin)
	}
	origins = append(origins, o.TrustedOrigins...)
	origins = append(origins, setup.origins...)
	for _, s := range origins {
		p, ok := parseOriginPattern(s)
		if !ok {
			return fmt.Errorf("krag: Options.TrustedOrigins: %q is not an origin (want https://host, a wildcard such as https://*.example.com, or myapp://)", s)
		}
		a.origins = append(a.origins, p)
	}

	if (!o.Development && !o.RateLimit.Disabled) || (o.Development && o.RateLimit.Enabled) {
		a.limiter = newRateLimiter(o.RateLimit, setup.rateRules)
	}

	a.hooks.add(o.Hooks)
	for _, h := range setup.hooks {
		a.hooks.add(h)
	}
	a.gates = setup.gates
	a.sources = setup.sources
	a.codes = map[Code]*Error{}
	for _, e := range setup.codes {
		if e.Code == "" {
			return fmt.Errorf("krag: a plugin declared an error with no code (%q)", e.Message)
		}
		a.codes[e.Code] = e
	}
	return a.buildRoutes(setup)
}

func fillDefaults(o *Options) error {
	if o.AppName == "" {
		o.AppName = "Krag"
	}
	if o.BasePath == "" {
		o.BasePath = DefaultBasePath
	}
	o.BaseURL = strings.TrimSuffix(o.BaseURL, "/")
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	s := &o.Session
	if s.ExpiresIn == 0 {
		s.ExpiresIn = 7 * 24 * time.Hour
	}
	if s.UpdateAge == 0 {
		s.UpdateAge = 24 * time.Hour
	}
	if s.FreshAge == 0 {
		s.FreshAge = 24 * time.Hour
	}
	if s.CookieCache.MaxAge == 0 {
		s.CookieCache.MaxAge = 5 * time.Minute
	}
	if s.CookieCache.Version == "" {
		s.CookieCache.Version = "1"
	}
	if s.CookieCache.Strategy == "" {
		s.CookieCache.Strategy = CookieCacheReference
	}
	if s.CookieCache.MemoEntries == 0 {
		s.CookieCache.MemoEntries = 10_000
	}
	e := &o.EmailAndPassword
	if e.MinPasswordLength == 0 {
		e.MinPasswordLength = 8
	}
	if e.MaxPasswordLength == 0 {
		e.MaxPasswordLength = 128
	}
	if o.RateLimit.Window == 0 {
		o.RateLimit.Window = 10 * time.Second
	}
	if o.RateLimit.Max == 0 {
		o.RateLimit.Max = 100
	}
	if o.Advanced.CookiePrefix == "" {
		o.Advanced.CookiePrefix = DefaultCookiePrefix
	}
	if len(o.Advanced.IPAddressHeaders) == 0 {
		o.Advanced.IPAddressHeaders = []string{"x-forwarded-for"}
	}
	if o.Advanced.MaxBodyBytes == 0 {
		o.Advanced.MaxBodyBytes = 1 << 20
	}
	return nil
}

// runPlugins calls every plugin's Init into one Setup.
func runPlugins(a *Auth, dev bool, plugins []Plugin) (*Setup, error) {
	setup := newSetup(a, dev)
	seen := map[string]bool{}
	for i, p := range plugins {
		if p == nil {
			return nil, fmt.Errorf("krag: Options.Plugins[%d] is nil", i)
		}
		id := p.ID()
		if id == "" || seen[id] {
			return nil, fmt.Errorf("krag: Options.Plugins[%d]: plugin ID %q is empty or used twice", i, id)
		}
		seen[id] = true
		setup.plugin = id
		if err := p.Init(setup); err != nil {
			return nil, fmt.Errorf("krag: plugin %q: %w", id, err)
		}
	}
	if len(setup.errs) > 0 {
		return nil, errors.Join(setup.errs...)
	}
	return setup, nil
}

// Schema returns every table an Auth with opts uses: the core tables with their additional
// fields and the tables of the plugins, with the configured names. It runs the plugins' Init
// but needs no database, so `krag generate` and migrations use it.
func Schema(opts Options) (*schema.Schema, error) {
	o := opts
	if err := fillDefaults(&o); err != nil {
		return nil, err
	}
	setup, err := runPlugins(nil, o.Development, o.Plugins)
	if err != nil {
		return nil, err
	}
	return buildSchema(&o, setup)
}

func buildSchema(o *Options, setup *Setup) (*schema.Schema, error) {
	s := &schema.Schema{Tables: schema.Core()}
	coreNames := map[string]bool{}
	for _, t := range s.Tables {
		coreNames[t.Name] = true
	}
	add := func(table string, f schema.Field, where string) error {
		t := s.Table(table)
		if t == nil {
			return fmt.Errorf("krag: %s: field %q is for unknown table %q", where, f.Name, table)
		}
		if t.Field(f.Name) != nil {
			if coreNames[table] && t.Fields[0].Name == "id" && isCore(table, f.Name) {
				return fmt.Errorf("krag: %s: %q is a core field of %s", where, f.Name, table)
			}
			return fmt.Errorf("krag: %s: field %s.%s declared twice", where, table, f.Name)
		}
		t.Fields = append(t.Fields, f)
		return nil
	}
	for i, f := range o.User.AdditionalFields {
		if f == nil {
			return nil, fmt.Errorf("krag: Options.User.AdditionalFields[%d] is nil", i)
		}
		if err := add(schema.UserTable, f.Schema(), "Options.User.AdditionalFields"); err != nil {
			return nil, err
		}
	}
	for i, f := range o.Session.AdditionalFields {
		if f == nil {
			return nil, fmt.Errorf("krag: Options.Session.AdditionalFields[%d] is nil", i)
		}
		if err := add(schema.SessionTable, f.Schema(), "Options.Session.AdditionalFields"); err != nil {
			return nil, err
		}
	}
	for _, t := range setup.tables {
		if s.Table(t.Name) != nil {
			return nil, fmt.Errorf("krag: plugin table %q declared twice", t.Name)
		}
		s.Tables = append(s.Tables, t)
	}
	for table, fs := range setup.fields {
		for _, f := range fs {
			if err := add(table, f, "plugin"); err != nil {
				return nil, err
			}
		}
	}
	// Names: model names, field names, plural.
	renames := map[string]TableOptions{
		schema.UserTable:         o.User.TableOptions,
		schema.SessionTable:      o.Session.TableOptions,
		schema.AccountTable:      o.Account,
		schema.VerificationTable: o.Verification,
	}
	for i := range s.Tables {
		t := &s.Tables[i]
		ro := renames[t.Name]
		named := !coreNames[t.Name] && t.Physical != "" // a plugin's table with a fixed name
		if ro.ModelName != "" {
			t.Physical = ro.ModelName
		}
		if o.Advanced.Database.UsePlural && !named {
			t.Physical = t.PhysicalName() + "s"
		}
		for logical, col := range ro.FieldNames {
			f := t.Field(logical)
			if f == nil {
				return nil, fmt.Errorf("krag: Options FieldNames of %s: unknown field %q", t.Name, logical)
			}
			if !schema.ValidName(col) {
				return nil, fmt.Errorf("krag: Options FieldNames of %s: invalid column name %q", t.Name, col)
			}
			f.Column = col
		}
		if !schema.ValidName(t.PhysicalName()) {
			return nil, fmt.Errorf("krag: invalid table name %q", t.PhysicalName())
		}
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("krag: %w", err)
	}
	return s, nil
}

func isCore(table, field string) bool {
	for _, t := range schema.Core() {
		if t.Name == table {
			return t.Field(field) != nil
		}
	}
	return false
}

// Store returns the store Krag uses, for plugins' own tables. Build Where clauses for your
// own tables only; use Auth's typed methods for the core tables.
func (a *Auth) Store() store.Store { return a.store }

// Schema returns the tables this Auth uses.
func (a *Auth) Schema() *schema.Schema { return a.schema }

// Logger returns the Auth's logger.
func (a *Auth) Logger() *slog.Logger { return a.log }

// Now returns the current time from Options.Now.
func (a *Auth) Now() time.Time { return a.now() }

// BasePath returns where the handler expects to be mounted.
func (a *Auth) BasePath() string { return a.opts.BasePath }

// Origin returns the origin of Options.BaseURL ("https://app.example.com"), or "" in
// Development without a BaseURL.
func (a *Auth) Origin() string { return a.baseOrigin }

// newID returns an id for a new row, as Options.Advanced.Database.GenerateID says.
func (a *Auth) newID() string {
	if a.opts.Advanced.Database.GenerateID == "uuid" {
		return token.UUID()
	}
	return token.New()
}

// NewID returns an id for a new row of any table, as Options.Advanced.Database.GenerateID says:
// for plugins' tables.
func (a *Auth) NewID() string { return a.newID() }
