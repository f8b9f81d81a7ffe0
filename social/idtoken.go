package social

import (
	"context"
	"crypto"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
)

const (
	// clockSkew is allowed on exp, nbf and iat, as Better Auth, openid-client and
	// oauth4webapi allow (shared/spec/better-auth-core.md §10.6).
	clockSkew = 30 * time.Second
	// keysMaxAge is how long fetched keys are trusted before they are fetched again, so a
	// key the provider withdrew stops verifying.
	keysMaxAge = time.Hour
	// keysMinInterval spaces fetches caused by tokens naming an unknown key, so forged
	// tokens cannot make Krag hammer the provider.
	keysMinInterval = 10 * time.Second
)

// signingAlgs are the algorithms an ID token may be signed with (go-oidc's list: never
// "none", never HMAC).
var signingAlgs = []string{
	oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512,
	oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA,
}

// metadata is the part of an OpenID Provider's discovery document Krag uses.
type metadata struct {
	Issuer      string   `json:"issuer"`
	AuthURL     string   `json:"authorization_endpoint"`
	TokenURL    string   `json:"token_endpoint"`
	UserInfoURL string   `json:"userinfo_endpoint"`
	JWKSURL     string   `json:"jwks_uri"`
	Algorithms  []string `json:"id_token_signing_alg_values_supported"`
}

// oidcCore is what Google and OIDC share: discovery, the key set, and ID token verification
// (go-oidc checks signature, issuer and audience; the times and nonce are checked here, with
// Better Auth's 30 s clock tolerance). Safe for concurrent use.
type oidcCore struct {
	issuer   string
	clientID string
	// issuerAliases are further accepted iss values (Google's scheme-less issuer).
	issuerAliases []string
	// algs are the accepted algorithms; nil means the discovery document's (RS256 when it
	// names none).
	algs []string
	// maxAge, when not 0, is the oldest iat accepted (Google: one hour).
	maxAge time.Duration
	// check, when not nil, is a provider's own rule on verified claims (Google's hd).
	check func(claims map[string]any) error
	now   func() time.Time
	t     transport

	mu     sync.Mutex
	meta   *metadata
	keys   []jose.JSONWebKey
	keysAt time.Time
}

// discover returns the discovery document, fetching it from <issuer>/.well-known/openid-configuration
// on first use. A failure is not remembered: the next call tries again.
func (c *oidcCore) discover(ctx context.Context) (*metadata, error) {
	c.mu.Lock()
	m := c.meta
	c.mu.Unlock()
	if m != nil {
		return m, nil
	}
	wellKnown := strings.TrimSuffix(c.issuer, "/") + "/.well-known/openid-configuration"
	ans, err := c.t.get(ctx, "discovery", wellKnown, "", ErrUnreachable)
	if err != nil {
		return nil, err
	}
	fail := func(desc string, err error) error {
		e := c.t.fail(ErrUnreachable, "discovery", wellKnown)
		e.Status, e.Description, e.Err = ans.status, desc, err
		return e
	}
	if ans.status != 200 {
		return nil, fail("the discovery document is missing", nil)
	}
	m = &metadata{}
	if err := json.Unmarshal(ans.body, m); err != nil {
		return nil, fail("unreadable discovery document", err)
	}
	if m.Issuer != c.issuer {
		return nil, fail(fmt.Sprintf("the discovery document names issuer %q, not %q", m.Issuer, c.issuer), nil)
	}
	for _, u := range []struct{ name, url string }{
		{"authorization_endpoint", m.AuthURL}, {"token_endpoint", m.TokenURL}, {"jwks_uri", m.JWKSURL},
	} {
		if !absoluteURL(u.url) {
			return nil, fail(fmt.Sprintf("the discovery document's %s %q is not an absolute URL", u.name, u.url), nil)
		}
	}
	if m.UserInfoURL != "" && !absoluteURL(m.UserInfoURL) {
		m.UserInfoURL = ""
	}
	c.mu.Lock()
	if c.meta == nil {
		c.meta = m
	}
	m = c.meta
	c.mu.Unlock()
	return m, nil
}

// absoluteURL reports whether s is an http or https URL with a host.
func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// acceptedAlgs are the algorithms an ID token may use.
func (c *oidcCore) acceptedAlgs(m *metadata) []string {
	if c.algs != nil {
		return c.algs
	}
	var algs []string
	for _, a := range m.Algorithms {
		if slices.Contains(signingAlgs, a) {
			algs = append(algs, a)
		}
	}
	if len(algs) == 0 {
		algs = []string{oidc.RS256}
	}
	return algs
}

// keysFor returns the public keys that may have signed a token naming kid ("" means any),
// fetching the key set when the cached one is missing, older than keysMaxAge, or has no
// such key (at most once per keysMinInterval).
func (c *oidcCore) keysFor(ctx context.Context, jwksURL, kid string) ([]crypto.PublicKey, error) {
	now := c.now()
	c.mu.Lock()
	keys, at := c.keys, c.keysAt
	c.mu.Unlock()
	age := now.Sub(at)
	if keys != nil && age >= 0 && age < keysMaxAge {
		if m := matchKeys(keys, kid); len(m) > 0 || age < keysMinInterval {
			return m, nil
		}
	}
	keys, err := c.fetchKeys(ctx, jwksURL)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.keys, c.keysAt = keys, now
	c.mu.Unlock()
	return matchKeys(keys, kid), nil
}

// fetchKeys reads the provider's JSON Web Key Set, skipping keys that are not public
// signature keys it can read.
func (c *oidcCore) fetchKeys(ctx context.Context, jwksURL string) ([]jose.JSONWebKey, error) {
	ans, err := c.t.get(ctx, "keys", jwksURL, "", ErrUnreachable)
	if err != nil {
		return nil, err
	}
	fail := func(desc string, err error) error {
		e := c.t.fail(ErrUnreachable, "keys", jwksURL)
		e.Status, e.Description, e.Err = ans.status, desc, err
		return e
	}
	if ans.status != 200 {
		return nil, fail("the key set is missing", nil)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(ans.body, &set); err != nil {
		return nil, fail("unreadable key set", err)
	}
	keys := []jose.JSONWebKey{}
	for _, raw := range set.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil || !k.Valid() || !k.IsPublic() {
			continue
		}
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fail("the key set has no usable signing key", nil)
	}
	return keys, nil
}

// matchKeys returns the keys with id kid, or all when kid is "".
func matchKeys(keys []jose.JSONWebKey, kid string) []crypto.PublicKey {
	var out []crypto.PublicKey
	for _, k := range keys {
		if kid == "" || k.KeyID == kid {
			out = append(out, k.Key)
		}
	}
	return out
}

// verify checks rawIDToken: signature by one of the provider's keys with an accepted
// algorithm, issuer, audience (the client id), exp, nbf and iat (with clockSkew, and maxAge
// when set), sub present, the nonce when not empty, and the provider's own check. It returns
// the claims, numbers as json.Number. A token that fails is ErrInvalidToken; keys or
// discovery that cannot be fetched are ErrUnreachable.
func (c *oidcCore) verify(ctx context.Context, rawIDToken, nonce string) (map[string]any, error) {
	m, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	invalid := func(desc string, err error) error {
		e := c.t.fail(ErrInvalidToken, "verify id token", "")
		e.Description, e.Err = desc, err
		return e
	}
	if rawIDToken == "" {
		return nil, invalid("no ID token", nil)
	}
	algs := c.acceptedAlgs(m)
	joseAlgs := make([]jose.SignatureAlgorithm, len(algs))
	for i, a := range algs {
		joseAlgs[i] = jose.SignatureAlgorithm(a)
	}
	jws, err := jose.ParseSignedCompact(rawIDToken, joseAlgs)
	if err != nil {
		return nil, invalid("malformed token or algorithm not accepted", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, invalid("the token must have exactly one signature", nil)
	}
	kid := jws.Signatures[0].Header.KeyID
	keys, err := c.keysFor(ctx, m.JWKSURL, kid)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, invalid(fmt.Sprintf("no key %q in the provider's key set", kid), nil)
	}
	v := oidc.NewVerifier(c.issuer, &oidc.StaticKeySet{PublicKeys: keys}, &oidc.Config{
		ClientID:             c.clientID,
		SupportedSigningAlgs: algs,
		SkipIssuerCheck:      len(c.issuerAliases) > 0, // checked below against each accepted value
		SkipExpiryCheck:      true,                     // checked below, with clockSkew
	})
	tok, err := v.Verify(ctx, rawIDToken)
	if err != nil {
		return nil, invalid("", err)
	}
	if len(c.issuerAliases) > 0 && tok.Issuer != c.issuer && !slices.Contains(c.issuerAliases, tok.Issuer) {
		return nil, invalid(fmt.Sprintf("issued by %q, not %q", tok.Issuer, c.issuer), nil)
	}
	var payload json.RawMessage
	if err := tok.Claims(&payload); err != nil {
		return nil, invalid("unreadable claims", err)
	}
	claims, err := decodeObject(payload)
	if err != nil {
		return nil, invalid("unreadable claims", err)
	}
	if err := c.checkTimes(claims); err != nil {
		return nil, invalid(err.Error(), nil)
	}
	if str(claims["sub"]) == "" {
		return nil, invalid("no sub claim", nil)
	}
	if nonce != "" {
		got, _ := claims["nonce"].(string)
		if subtle.ConstantTimeCompare([]byte(got), []byte(nonce)) != 1 {
			return nil, invalid("the nonce does not match", nil)
		}
	}
	if c.check != nil {
		if err := c.check(claims); err != nil {
			return nil, invalid(err.Error(), nil)
		}
	}
	return claims, nil
}

// checkTimes applies exp (required), iat (required, not in the future, not older than
// maxAge) and nbf (when present), each with clockSkew.
func (c *oidcCore) checkTimes(claims map[string]any) error {
	now := c.now()
	exp, ok := numericDate(claims["exp"])
	if !ok {
		return fmt.Errorf("no exp claim")
	}
	if now.After(exp.Add(clockSkew)) {
		return fmt.Errorf("expired at %s", exp.UTC().Format(time.RFC3339))
	}
	iat, ok := numericDate(claims["iat"])
	if !ok {
		return fmt.Errorf("no iat claim")
	}
	if iat.After(now.Add(clockSkew)) {
		return fmt.Errorf("issued in the future (%s)", iat.UTC().Format(time.RFC3339))
	}
	if c.maxAge > 0 && now.Sub(iat) > c.maxAge+clockSkew {
		return fmt.Errorf("issued at %s, more than %s ago", iat.UTC().Format(time.RFC3339), c.maxAge)
	}
	if v, present := claims["nbf"]; present {
		nbf, ok := numericDate(v)
		if !ok {
			return fmt.Errorf("unreadable nbf claim")
		}
		if nbf.After(now.Add(clockSkew)) {
			return fmt.Errorf("not valid before %s", nbf.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// numericDate reads a JWT NumericDate (seconds since the epoch, possibly fractional).
func numericDate(v any) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > 1e11 {
		return time.Time{}, false
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), true
}

// userInfo asks the discovery document's userinfo endpoint with the access token. An
// answer without sub, or no endpoint, is ErrUserInfo.
func (c *oidcCore) userInfo(ctx context.Context, accessToken string) (map[string]any, error) {
	m, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	if m.UserInfoURL == "" {
		e := c.t.fail(ErrUserInfo, "user info", "")
		e.Description = "the discovery document names no userinfo_endpoint"
		return nil, e
	}
	info, err := fetchProfileJSON(ctx, c.t, m.UserInfoURL, accessToken)
	if err != nil {
		return nil, err
	}
	if str(info["sub"]) == "" {
		e := c.t.fail(ErrUserInfo, "user info", m.UserInfoURL)
		e.Description = "the answer has no sub"
		return nil, e
	}
	return info, nil
}
