package social

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// OIDCClaims name the ID token claims a profile is read from, for providers that use other
// names than OpenID Connect's. An empty field means the standard claim, given in its
// comment. The subject is always "sub".
type OIDCClaims struct {
	Email         string // "email"
	EmailVerified string // "email_verified" (true or "true" is verified)
	Name          string // "name"
	Picture       string // "picture"
	GivenName     string // "given_name"
	FamilyName    string // "family_name"
}

// withDefaults fills the empty names with the standard ones.
func (c OIDCClaims) withDefaults() OIDCClaims {
	def := func(s *string, d string) {
		if *s == "" {
			*s = d
		}
	}
	def(&c.Email, "email")
	def(&c.EmailVerified, "email_verified")
	def(&c.Name, "name")
	def(&c.Picture, "picture")
	def(&c.GivenName, "given_name")
	def(&c.FamilyName, "family_name")
	return c
}

// profileFromIDToken maps verified claims to a Profile.
func profileFromIDToken(claims map[string]any, names OIDCClaims) *Profile {
	n := names.withDefaults()
	return &Profile{
		ID:            str(claims["sub"]),
		Email:         str(claims[n.Email]),
		EmailVerified: truthy(claims[n.EmailVerified]),
		Name:          str(claims[n.Name]),
		Image:         str(claims[n.Picture]),
		GivenName:     str(claims[n.GivenName]),
		FamilyName:    str(claims[n.FamilyName]),
		Raw:           claims,
	}
}

// OIDCOptions configure a generic OpenID Connect provider.
type OIDCOptions struct {
	// ID is the provider id on the wire and in account.providerId ("okta", "keycloak");
	// required. It may not contain "/", "?", "#" or spaces, nor be "credential" (the
	// email-and-password account's id).
	ID string
	// Issuer is the issuer identifier; required. The discovery document is read from
	// <Issuer>/.well-known/openid-configuration and must name the same issuer.
	Issuer string
	// ClientID is the OAuth client id; required. ID tokens must name it as audience.
	ClientID string
	// ClientSecret is sent as client_secret (client_secret_post); empty for a public client.
	ClientSecret string
	// Scopes are the scopes requested; nil means "openid email profile". "openid" is
	// added first when missing.
	Scopes []string
	// Prompt is sent as prompt when not empty.
	Prompt string
	// Claims name the claims the profile is read from; the zero value means the standard
	// names.
	Claims OIDCClaims
	// FetchUserInfo makes Profile ask the userinfo endpoint (with the access token) when
	// the ID token has no email, and fill the fields the ID token lacks from its answer.
	// The answer's sub must equal the token's. A failed call is ErrUserInfo (ErrUnreachable
	// when the provider does not answer).
	FetchUserInfo bool
	// HTTPClient makes every call to the provider; nil means a client with DefaultTimeout.
	// Its redirect policy is replaced: redirects are never followed.
	HTTPClient *http.Client
	// Now is the clock for token lifetimes and ID token checks; nil means time.Now.
	Now func() time.Time
}

// OIDC is any OpenID Connect provider, configured from its discovery document (fetched on
// first use and kept; keys are fetched again when a token names one not seen yet, and
// hourly). ID tokens are verified (signature with an algorithm the discovery document
// lists, never "none" or HMAC; issuer; audience = ClientID; exp, nbf and iat with 30 s
// tolerance; nonce when given) and the profile is read from their claims. A token without
// sub is ErrInvalidToken. Safe for concurrent use.
type OIDC struct {
	o    OIDCOptions
	core *oidcCore
	tok  transport
}

// NewOIDC checks o and returns the provider. It makes no network call.
func NewOIDC(o OIDCOptions) (*OIDC, error) {
	if err := checkID("OIDCOptions", o.ID); err != nil {
		return nil, err
	}
	if !absoluteURL(o.Issuer) {
		return nil, fmt.Errorf("social: OIDCOptions.Issuer %q is not an absolute http(s) URL", o.Issuer)
	}
	if o.ClientID == "" {
		return nil, fmt.Errorf("social: OIDCOptions.ClientID is empty")
	}
	if o.Scopes == nil {
		o.Scopes = []string{"openid", "email", "profile"}
	}
	o.Scopes = joinScopes([]string{"openid"}, o.Scopes)
	if o.Now == nil {
		o.Now = time.Now
	}
	t := newTransport(o.ID, o.HTTPClient)
	return &OIDC{o: o, tok: t, core: &oidcCore{
		issuer:   o.Issuer,
		clientID: o.ClientID,
		now:      o.Now,
		t:        t,
	}}, nil
}

// checkID refuses provider ids that cannot be a path segment or that collide with the
// email-and-password account.
func checkID(options, id string) error {
	switch {
	case id == "":
		return fmt.Errorf("social: %s.ID is empty", options)
	case id == "credential":
		return fmt.Errorf("social: %s.ID %q is the email-and-password account's provider id", options, id)
	case strings.ContainsAny(id, "/?#% \t\r\n"):
		return fmt.Errorf("social: %s.ID %q has a character that cannot be in a callback path", options, id)
	}
	return nil
}

// ID returns OIDCOptions.ID.
func (p *OIDC) ID() string { return p.o.ID }

// Issuer returns OIDCOptions.Issuer.
func (p *OIDC) Issuer() string { return p.o.Issuer }

// AuthCodeURL returns the provider's authorization URL (parameters in Better Auth's
// order, with nonce and PKCE). The first call fetches the discovery document
// (ErrUnreachable when it cannot).
func (p *OIDC) AuthCodeURL(ctx context.Context, req AuthRequest) (string, error) {
	m, err := p.core.discover(ctx)
	if err != nil {
		return "", err
	}
	o := authOptions{sendNonce: true, prompt: p.o.Prompt}
	return authCodeURL(p.o.ID, m.AuthURL, p.o.ClientID, joinScopes(p.o.Scopes, req.Scopes), req, o)
}

// Exchange trades the code at the token endpoint (client_secret_post, PKCE verifier).
func (p *OIDC) Exchange(ctx context.Context, req ExchangeRequest) (*Tokens, error) {
	m, err := p.core.discover(ctx)
	if err != nil {
		return nil, err
	}
	return p.tokenClient(m).exchange(ctx, req, joinScopes(p.o.Scopes, req.Scopes))
}

// Refresh trades a refresh token at the token endpoint.
func (p *OIDC) Refresh(ctx context.Context, refreshToken string) (*Tokens, error) {
	m, err := p.core.discover(ctx)
	if err != nil {
		return nil, err
	}
	return p.tokenClient(m).refresh(ctx, refreshToken)
}

// tokenClient is the token endpoint of discovery document m.
func (p *OIDC) tokenClient(m *metadata) tokenClient {
	return tokenClient{t: p.tok, url: m.TokenURL, clientID: p.o.ClientID, clientSecret: p.o.ClientSecret, now: p.o.Now}
}

// Profile verifies t.IDToken, reads the profile from its claims, and with FetchUserInfo
// completes a profile without email from the userinfo endpoint. Without an ID token, no
// nonce and an access token, the profile is the userinfo endpoint's answer (ErrUserInfo
// when it refuses); without an ID token otherwise, ErrInvalidToken.
func (p *OIDC) Profile(ctx context.Context, t *Tokens, nonce string) (*Profile, error) {
	if t == nil {
		t = &Tokens{}
	}
	if t.IDToken == "" && nonce == "" && t.AccessToken != "" {
		claims, err := p.core.userInfo(ctx, t.AccessToken)
		if err != nil {
			return nil, err
		}
		return profileFromIDToken(claims, p.o.Claims), nil
	}
	claims, err := p.core.verify(ctx, t.IDToken, nonce)
	if err != nil {
		return nil, err
	}
	if p.o.FetchUserInfo && str(claims[p.o.Claims.withDefaults().Email]) == "" {
		if err := p.addUserInfo(ctx, t.AccessToken, claims); err != nil {
			return nil, err
		}
	}
	return profileFromIDToken(claims, p.o.Claims), nil
}

// VerifyIDToken verifies an ID token the client obtained itself and reads the profile from
// its claims (the userinfo endpoint is not asked: there is no access token).
func (p *OIDC) VerifyIDToken(ctx context.Context, idToken, nonce string) (*Profile, error) {
	claims, err := p.core.verify(ctx, idToken, nonce)
	if err != nil {
		return nil, err
	}
	return profileFromIDToken(claims, p.o.Claims), nil
}

// addUserInfo asks the userinfo endpoint and adds to claims each claim they lack.
func (p *OIDC) addUserInfo(ctx context.Context, accessToken string, claims map[string]any) error {
	info, err := p.core.userInfo(ctx, accessToken)
	if err != nil {
		return err
	}
	if str(info["sub"]) != str(claims["sub"]) {
		e := p.tok.fail(ErrUserInfo, "user info", "")
		e.Description = "the userinfo answer is about another subject than the ID token"
		return e
	}
	for k, v := range info {
		if _, ok := claims[k]; !ok {
			claims[k] = v
		}
	}
	return nil
}
