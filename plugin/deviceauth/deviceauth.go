// Package deviceauth is Better Auth's device-authorization plugin, the OAuth 2.0 device
// authorization grant of RFC 8628 (shared/spec/better-auth-plugins.md §11): a device without a
// browser (a CLI, a TV) asks for a code pair (POST /device/code), shows the user code and the
// verification URI, and polls POST /device/token while the user, signed in on another device,
// looks the code up (GET /device, which claims it) and approves or denies it
// (POST /device/approve, POST /device/deny). An approved code is traded once for a new
// session whose raw token is the access token.
//
// Codes live in the deviceCode table. Device codes are 40 characters of [A-Za-z0-9]; user
// codes are 8 characters of ABCDEFGHJKLMNPQRSTUVWXYZ23456789, matched as typed and then with
// separators removed and upper-cased. Codes found in the database are compared again in
// constant time.
//
// Errors of the device flow are RFC 8628 bodies {"error","error_description"} (type Error),
// except schema failures of /device/token, /device and the approval routes, which are Krag's
// usual 400 VALIDATION_ERROR, as in Better Auth.
//
// As in Better Auth 1.7.25, a poll sooner than the polling interval is answered slow_down
// without raising the interval (RFC 8628 §3.5 asks for 5 more seconds); the interval in force
// stays the one the device was given.
//
// Where Krag differs: /device/token takes RFC 8628 §3.4's form body as well as JSON (Better
// Auth 1.7.25 answers a form 415, so RFC clients such as golang.org/x/oauth2 fail against it);
// a form body with a repeated field keeps its first value (Better Auth answers
// invalid_request).
package deviceauth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/store"
)

// Routes of the plugin, as names for krag.Setup.Before and After.
const (
	RouteCode    = "POST /device/code"
	RouteToken   = "POST /device/token"
	RouteVerify  = "GET /device"
	RouteApprove = "POST /device/approve"
	RouteDeny    = "POST /device/deny"
)

// GrantType is the grant_type of POST /device/token.
const GrantType = "urn:ietf:params:oauth:grant-type:device_code"

// Defaults of Options.
const (
	DefaultExpiresIn        = 30 * time.Minute
	DefaultInterval         = 5 * time.Second
	DefaultDeviceCodeLength = 40
	DefaultUserCodeLength   = 8
	DefaultVerificationURI  = "/device"
)

// maxCodeLength is Better Auth's upper bound on both code lengths.
const maxCodeLength = 191

// Options configures the plugin (Better Auth's deviceAuthorization options).
type Options struct {
	// ExpiresIn is how long a code pair stays valid. Default 30 minutes.
	ExpiresIn time.Duration
	// Interval is the polling interval given to devices. Default 5 seconds.
	Interval time.Duration
	// DeviceCodeLength is the length of device codes, at most 191. Default 40.
	DeviceCodeLength int
	// UserCodeLength is the length of user codes, at most 191. Default 8.
	UserCodeLength int
	// VerificationURI is the page where users enter codes, resolved against the origin of
	// krag.Options.BaseURL (not under the base path). Default "/device".
	VerificationURI string
	// ValidateClient, when set, accepts or refuses a client id on /device/code and
	// /device/token (400 invalid_client when it returns false). Default: any client id.
	ValidateClient func(ctx context.Context, clientID string) (bool, error)
}

// Plugin is the device-authorization plugin. Build it with New; it is safe for concurrent use.
type Plugin struct {
	opts Options
	auth *krag.Auth
}

// New returns the plugin with opts, defaults filled in. Lengths above 191 are cut to 191.
func New(opts Options) *Plugin {
	if opts.ExpiresIn <= 0 {
		opts.ExpiresIn = DefaultExpiresIn
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.DeviceCodeLength <= 0 {
		opts.DeviceCodeLength = DefaultDeviceCodeLength
	}
	if opts.UserCodeLength <= 0 {
		opts.UserCodeLength = DefaultUserCodeLength
	}
	opts.DeviceCodeLength = min(opts.DeviceCodeLength, maxCodeLength)
	opts.UserCodeLength = min(opts.UserCodeLength, maxCodeLength)
	if opts.VerificationURI == "" {
		opts.VerificationURI = DefaultVerificationURI
	}
	return &Plugin{opts: opts}
}

// ID implements krag.Plugin: "device-authorization", as Better Auth's.
func (p *Plugin) ID() string { return "device-authorization" }

// Init implements krag.Plugin: the deviceCode table, the five routes and Better Auth's rate
// limit on /device (5 per ExpiresIn).
func (p *Plugin) Init(s *krag.Setup) error {
	if a := s.Auth(); a != nil { // nil while krag.Schema only collects tables
		p.auth = a
	}
	if _, err := url.Parse(p.opts.VerificationURI); err != nil {
		return fmt.Errorf("deviceauth: Options.VerificationURI: %w", err)
	}
	s.Table(Table())
	s.Handle(krag.Route{Method: "POST", Path: "/device/code", Form: true, Handler: p.handleCode})
	// RFC 8628 §3.4 clients (golang.org/x/oauth2 among them) poll with a form body; Better
	// Auth 1.7.25 answers those 415, Krag takes both.
	s.Handle(krag.Route{Method: "POST", Path: "/device/token", Form: true, Validate: validateToken, Handler: p.handleToken})
	s.Handle(krag.Route{Method: "GET", Path: "/device", Session: krag.SessionOptional, Validate: validateVerify, Handler: p.handleVerify})
	s.Handle(krag.Route{Method: "POST", Path: "/device/approve", Session: krag.SessionOptional, Validate: krag.NeedStrings("userCode"), Handler: p.handleApprove})
	s.Handle(krag.Route{Method: "POST", Path: "/device/deny", Session: krag.SessionOptional, Validate: krag.NeedStrings("userCode"), Handler: p.handleDeny})
	s.RateLimit("/device", krag.RateLimitRule{Window: p.opts.ExpiresIn, Max: 5})
	return nil
}

// CodeRequest is what a device sends to POST /device/code.
type CodeRequest struct {
	ClientID string
	// Scope is space-separated; "" for none.
	Scope string
	// UserID, when set, binds the code to that user in advance, as if they had claimed it.
	UserID string
}

// Authorization is the answer to POST /device/code (RFC 8628 §3.2).
type Authorization struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	// ExpiresIn and Interval are in seconds.
	ExpiresIn int64 `json:"expires_in"`
	Interval  int64 `json:"interval"`
}

// RequestCode issues a new code pair. It matches Better Auth's POST /device/code. Errors:
// ErrInvalidClient, or a wrapped storage error.
func (p *Plugin) RequestCode(ctx context.Context, in CodeRequest) (*Authorization, error) {
	if err := p.validateClient(ctx, in.ClientID); err != nil {
		return nil, err
	}
	now := p.auth.Now()
	r := &row{
		deviceCode: randomString(deviceAlphabet, p.opts.DeviceCodeLength),
		userID:     in.UserID, expiresAt: now.Add(p.opts.ExpiresIn), status: StatusPending,
		pollingInterval: p.opts.Interval, clientID: in.ClientID, scope: in.Scope,
	}
	var err error
	for range 5 { // a user code may collide with a live one: draw again
		r.id = p.auth.NewID()
		r.userCode = randomString(userAlphabet, p.opts.UserCodeLength)
		err = p.auth.Store().Create(ctx, TableName, r.record())
		if !errors.Is(err, store.ErrConflict) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("deviceauth: store device code: %w", err)
	}
	uri := p.verificationURI()
	return &Authorization{
		DeviceCode: r.deviceCode, UserCode: r.userCode,
		VerificationURI: uri, VerificationURIComplete: uri + "?user_code=" + url.QueryEscape(r.userCode),
		ExpiresIn: int64(p.opts.ExpiresIn / time.Second), Interval: int64(p.opts.Interval / time.Second),
	}, nil
}

// verificationURI resolves Options.VerificationURI against the base URL's origin.
func (p *Plugin) verificationURI() string {
	ref, _ := url.Parse(p.opts.VerificationURI) // checked in Init
	base, err := url.Parse(p.auth.Origin())
	if err != nil || base.Host == "" {
		return p.opts.VerificationURI
	}
	return base.ResolveReference(ref).String()
}

func (p *Plugin) validateClient(ctx context.Context, clientID string) error {
	if p.opts.ValidateClient == nil {
		return nil
	}
	ok, err := p.opts.ValidateClient(ctx, clientID)
	if err != nil {
		return fmt.Errorf("deviceauth: validate client: %w", err)
	}
	if !ok {
		return ErrInvalidClient
	}
	return nil
}

// Grant is what an approved device code is traded for.
type Grant struct {
	// Session is the new session; its Token is the access token.
	Session *krag.SessionData
	// Scope is the code's scope, "" for none.
	Scope string
}

// Token trades an approved device code for a new session, once. It matches Better Auth's
// POST /device/token, checking in its order: the client (ErrInvalidClient), the code
// (ErrInvalidDeviceCode, ErrClientIDMismatch), the polling interval (ErrPollingTooFrequently),
// expiry (ErrExpiredDeviceCode), the user's decision (ErrAuthorizationPending,
// ErrAccessDenied). in describes the session to create.
func (p *Plugin) Token(ctx context.Context, clientID, deviceCode string, in krag.SessionInput) (*Grant, error) {
	if err := p.validateClient(ctx, clientID); err != nil {
		return nil, err
	}
	r, err := p.findBy(ctx, "deviceCode", deviceCode)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, ErrInvalidDeviceCode
	}
	if r.clientID != "" && r.clientID != clientID {
		return nil, ErrClientIDMismatch
	}
	now := p.auth.Now()
	if !r.lastPolledAt.IsZero() && now.Sub(r.lastPolledAt) < r.pollingInterval {
		return nil, ErrPollingTooFrequently
	}
	if _, err := p.auth.Store().Update(ctx, TableName, []store.Where{store.Is("id", r.id)}, store.Record{"lastPolledAt": now}); err != nil {
		return nil, fmt.Errorf("deviceauth: record poll: %w", err)
	}
	if !r.expiresAt.After(now) {
		if err := p.deleteRow(ctx, r.id); err != nil {
			return nil, err
		}
		return nil, ErrExpiredDeviceCode
	}
	switch r.status {
	case StatusPending:
		return nil, ErrAuthorizationPending
	case StatusDenied:
		if err := p.deleteRow(ctx, r.id); err != nil {
			return nil, err
		}
		return nil, ErrAccessDenied
	}
	if r.status != StatusApproved || r.userID == "" {
		return nil, ErrInvalidStatus
	}
	// Claim the code: of two concurrent polls only one deletes the row.
	n, err := p.auth.Store().Delete(ctx, TableName, []store.Where{store.Is("id", r.id), store.Is("status", StatusApproved)})
	if err != nil {
		return nil, fmt.Errorf("deviceauth: claim device code: %w", err)
	}
	if n == 0 {
		return nil, ErrInvalidDeviceCode
	}
	u, err := p.auth.FindUserByID(ctx, r.userID)
	if err != nil {
		return nil, fmt.Errorf("deviceauth: find user: %w", err)
	}
	if u == nil {
		return nil, ErrUserNotFound
	}
	sd, err := p.auth.CreateSession(ctx, u, in)
	if err != nil {
		return nil, fmt.Errorf("deviceauth: create session: %w", err)
	}
	return &Grant{Session: sd, Scope: r.scope}, nil
}

// CodeStatus is what GET /device tells about a user code.
type CodeStatus struct {
	// UserCode is the code as the device shows it ("ABCDEFGH"), whatever form it was typed in.
	UserCode string
	// Status is StatusPending, StatusApproved or StatusDenied.
	Status string
	// Claimed reports whether the code belongs to the user who asked; ClientID and Scope are
	// only filled in then.
	Claimed         bool
	ClientID, Scope string
}

// Lookup finds a user code and, when userID is not empty and the code is pending and
// unclaimed, claims it for that user. It matches Better Auth's GET /device. Errors:
// ErrInvalidUserCode, ErrExpiredUserCode, or a wrapped storage error.
func (p *Plugin) Lookup(ctx context.Context, userCode, userID string) (*CodeStatus, error) {
	r, err := p.findUserCode(ctx, userCode)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, ErrInvalidUserCode
	}
	if !r.expiresAt.After(p.auth.Now()) {
		return nil, ErrExpiredUserCode
	}
	if userID != "" && r.status == StatusPending && r.userID == "" {
		n, err := p.auth.Store().Update(ctx, TableName,
			[]store.Where{store.Is("id", r.id), store.Is("status", StatusPending), store.Is("userId", nil)},
			store.Record{"userId": userID})
		if err != nil {
			return nil, fmt.Errorf("deviceauth: claim user code: %w", err)
		}
		if n == 1 {
			r.userID = userID
		}
	}
	cs := &CodeStatus{UserCode: r.userCode, Status: r.status}
	if userID != "" && r.userID == userID {
		cs.Claimed, cs.ClientID, cs.Scope = true, r.clientID, r.scope
	}
	return cs, nil
}

// Approve approves the user code for userID, who must have claimed it (Lookup). It matches
// Better Auth's POST /device/approve. Errors: ErrInvalidUserCode, ErrExpiredUserCode,
// ErrAlreadyProcessed, ErrNotClaimed, ErrClaimedByOther, or a wrapped storage error.
func (p *Plugin) Approve(ctx context.Context, userID, userCode string) error {
	return p.decide(ctx, userID, userCode, StatusApproved)
}

// Deny denies the user code for userID, who must have claimed it (Lookup). It matches Better
// Auth's POST /device/deny and returns the errors Approve does.
func (p *Plugin) Deny(ctx context.Context, userID, userCode string) error {
	return p.decide(ctx, userID, userCode, StatusDenied)
}

func (p *Plugin) decide(ctx context.Context, userID, userCode, status string) error {
	r, err := p.findUserCode(ctx, userCode)
	if err != nil {
		return err
	}
	if r == nil {
		return ErrInvalidUserCode
	}
	if !r.expiresAt.After(p.auth.Now()) {
		return ErrExpiredUserCode
	}
	if r.status != StatusPending {
		return ErrAlreadyProcessed
	}
	if r.userID == "" {
		return ErrNotClaimed
	}
	if r.userID != userID {
		return ErrClaimedByOther
	}
	n, err := p.auth.Store().Update(ctx, TableName,
		[]store.Where{store.Is("id", r.id), store.Is("status", StatusPending), store.Is("userId", userID)},
		store.Record{"status": status})
	if err != nil {
		return fmt.Errorf("deviceauth: record decision: %w", err)
	}
	if n == 0 {
		return ErrAlreadyProcessed
	}
	return nil
}

// Alphabets of the codes (spec §11.1). userAlphabet has 32 symbols, no I, O, 0 or 1.
const (
	deviceAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	userAlphabet   = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
)

// randomString returns n symbols of alphabet drawn uniformly from crypto/rand (rejection
// sampling: bytes past the largest multiple of len(alphabet) are drawn again).
func randomString(alphabet string, n int) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		rand.Read(buf[:]) // never fails (crypto/rand documents a crash instead)
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}
