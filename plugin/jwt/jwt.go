// Package jwt is Better Auth's jwt plugin on Krag (shared/spec/better-auth-plugins.md §9):
// signed JSON Web Tokens for services that cannot read Krag's session cookie. A signed-in
// client gets a short-lived token from GET /token (or from the set-auth-jwt header of
// get-session); a service checks it against the public keys at GET /jwks, or, in Go, with
// Plugin.Verify.
//
// Keys live in Better Auth's jwks table, so a Better Auth database's keys keep signing and
// verifying: the private key is stored as Better Auth stores it, a JSON string of its
// encrypted JWK (XChaCha20-Poly1305 under SHA-256 of the secret). The first key, Ed25519
// (EdDSA), is made on first use. Tokens carry the session's user as Better Auth sends it,
// with sub (the user id), iat, exp (15 minutes by default), iss and aud (the base URL's
// origin by default); their header names the key by kid, the key's row id.
package jwt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"

	"github.com/kragauth/krag"
)

// Route names, for hooks.
const (
	RouteToken = "GET /token"
	RouteJWKS  = "GET /jwks"
)

// HeaderName is the response header of get-session that carries a token (Better Auth's
// set-auth-jwt).
const HeaderName = "set-auth-jwt"

// Options configures the plugin. The zero value is Better Auth's defaults.
type Options struct {
	// Issuer is the iss claim, and what Verify expects. Default: the origin of
	// krag.Options.BaseURL.
	Issuer string
	// Audience is the aud claim, and what Verify expects. Default: the origin of
	// krag.Options.BaseURL.
	Audience string
	// ExpiresIn is a token's lifetime. Default 15 minutes.
	ExpiresIn time.Duration
	// JWKSPath is the path of the key set, relative to BasePath. Default "/jwks".
	JWKSPath string
	// RotationInterval, when positive, gives every new key an expiry: a key older than this
	// signs no more tokens and a new one is made. Default: keys never expire.
	RotationInterval time.Duration
	// GracePeriod is how long an expired key stays published and verifying tokens.
	// Default 30 days.
	GracePeriod time.Duration
	// DisablePrivateKeyEncryption stores new private keys as plain JWK JSON, as Better Auth's
	// jwks.disablePrivateKeyEncryption. Dangerous: a copy of the jwks table can then sign
	// tokens for any user.
	DisablePrivateKeyEncryption bool
	// DisableSettingJWTHeader leaves the set-auth-jwt header off get-session.
	DisableSettingJWTHeader bool
}

// Plugin is the jwt plugin. Build it with New; it belongs to one Auth and is safe for
// concurrent use.
type Plugin struct {
	opts Options
	auth *krag.Auth

	mu      sync.Mutex            // guards signing and verifying, and serialises key creation
	signing *key                  // the key that signs, nil until first use
	public  map[string]*publicKey // verifying keys by kid
}

// New returns the plugin.
func New(o Options) *Plugin {
	if o.ExpiresIn <= 0 {
		o.ExpiresIn = 15 * time.Minute
	}
	if o.JWKSPath == "" {
		o.JWKSPath = "/jwks"
	}
	if o.GracePeriod <= 0 {
		o.GracePeriod = 30 * 24 * time.Hour
	}
	return &Plugin{opts: o, public: map[string]*publicKey{}}
}

// ID implements krag.Plugin.
func (p *Plugin) ID() string { return "jwt" }

// Init implements krag.Plugin.
func (p *Plugin) Init(s *krag.Setup) error {
	if a := s.Auth(); a != nil {
		p.auth = a
	}
	if len(p.opts.JWKSPath) < 2 || p.opts.JWKSPath[0] != '/' {
		return fmt.Errorf("jwt: Options.JWKSPath %q must start with / and name a path", p.opts.JWKSPath)
	}
	s.Table(Table())
	s.Handle(krag.Route{Method: "GET", Path: "/token", Session: krag.SessionRequired, Handler: p.handleToken})
	s.Handle(krag.Route{Method: "GET", Path: p.opts.JWKSPath, Handler: p.handleJWKS})
	if !p.opts.DisableSettingJWTHeader {
		s.After(krag.RouteGetSession, p.setHeader)
	}
	return nil
}

// Claims are the claims of a verified token.
type Claims struct {
	// Subject is sub: the user id.
	Subject string
	// Issuer and Audience are iss and aud.
	Issuer   string
	Audience []string
	// IssuedAt and Expiry are iat and exp.
	IssuedAt time.Time
	Expiry   time.Time
	// Payload is the whole claim set as JSON: the user's fields (id, name, email, …, and
	// plugins' fields such as role) beside the registered claims. Decode it with
	// json.Unmarshal.
	Payload json.RawMessage
}

// Errors of Verify. Both match with errors.Is; the returned errors wrap them with the cause.
var (
	// ErrInvalidToken is a token that is malformed, signed by no key of the jwks table, or
	// carries the wrong issuer or audience.
	ErrInvalidToken = errors.New("jwt: invalid token")
	// ErrExpired is a token past its exp.
	ErrExpired = errors.New("jwt: token expired")
)

// Algorithms Verify accepts: every algorithm Better Auth's jwks keys may have.
var algorithms = []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256, jose.ES512, jose.PS256, jose.RS256}

// Verify checks a token issued by this Auth (or by Better Auth on the same database) and
// returns its claims, as Better Auth's verifyJWT: the signature must verify with the key its
// kid names, that key must not be past its grace period, exp must be ahead, sub must be set,
// and iss and aud must be Options.Issuer and Options.Audience (in Development without a
// BaseURL and without those options, iss and aud are not checked).
func (p *Plugin) Verify(ctx context.Context, token string) (*Claims, error) {
	tok, err := josejwt.ParseSigned(token, algorithms)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if len(tok.Headers) != 1 || tok.Headers[0].KeyID == "" {
		return nil, fmt.Errorf("%w: no kid", ErrInvalidToken)
	}
	pub, err := p.publicKey(ctx, tok.Headers[0].KeyID)
	if err != nil {
		return nil, err
	}
	if pub.Algorithm != tok.Headers[0].Algorithm {
		return nil, fmt.Errorf("%w: algorithm %s for a %s key", ErrInvalidToken, tok.Headers[0].Algorithm, pub.Algorithm)
	}
	var std josejwt.Claims
	var payload json.RawMessage
	if err := tok.Claims(pub.Key, &std, &payload); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if std.Subject == "" || std.Expiry == nil {
		return nil, fmt.Errorf("%w: no sub or exp", ErrInvalidToken)
	}
	exp := josejwt.Expected{Time: p.auth.Now()}
	if iss := p.issuer(); iss != "" {
		exp.Issuer = iss
	}
	if aud := p.audience(); aud != "" {
		exp.AnyAudience = josejwt.Audience{aud}
	}
	if err := std.ValidateWithLeeway(exp, 0); err != nil {
		if errors.Is(err, josejwt.ErrExpired) {
			return nil, fmt.Errorf("%w: %w", ErrExpired, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	c := &Claims{Subject: std.Subject, Issuer: std.Issuer, Audience: slices.Clone([]string(std.Audience)),
		Expiry: std.Expiry.Time(), Payload: payload}
	if std.IssuedAt != nil {
		c.IssuedAt = std.IssuedAt.Time()
	}
	return c, nil
}

// Sign returns a token for the user with the session's claims, as GET /token does: the user
// as Better Auth sends users, sub, iat, exp, iss and aud.
func (p *Plugin) Sign(ctx context.Context, u *krag.User) (string, error) {
	return p.sign(ctx, p.auth.UserJSON(u), p.issuer(), p.audience())
}

func (p *Plugin) issuer() string {
	if p.opts.Issuer != "" {
		return p.opts.Issuer
	}
	return p.auth.Origin()
}

func (p *Plugin) audience() string {
	if p.opts.Audience != "" {
		return p.opts.Audience
	}
	return p.auth.Origin()
}

// sign signs the claims: the user object's fields, then iat, sub, exp, iss and aud over them.
func (p *Plugin) sign(ctx context.Context, user json.RawMessage, iss, aud string) (string, error) {
	claims := map[string]json.RawMessage{}
	if err := json.Unmarshal(user, &claims); err != nil {
		return "", fmt.Errorf("jwt: user claims: %w", err)
	}
	now := p.auth.Now()
	set := func(name string, v any) {
		b, _ := json.Marshal(v)
		claims[name] = b
	}
	set("iat", now.Unix())
	set("exp", now.Add(p.opts.ExpiresIn).Unix())
	var sub string
	if err := json.Unmarshal(claims["id"], &sub); err != nil || sub == "" {
		return "", errors.New("jwt: user claims have no id")
	}
	set("sub", sub)
	if iss != "" {
		set("iss", iss)
	}
	if aud != "" {
		set("aud", aud)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("jwt: claims: %w", err)
	}
	k, err := p.signingKey(ctx)
	if err != nil {
		return "", err
	}
	jws, err := k.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("jwt: sign: %w", err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("jwt: sign: %w", err)
	}
	return s, nil
}
