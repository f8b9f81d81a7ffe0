package social

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// GoogleIssuer is Google's issuer identifier and discovery base.
const GoogleIssuer = "https://accounts.google.com"

// googleMaxAge is the oldest ID token Google sign-in accepts (Better Auth's
// GOOGLE_ID_TOKEN_MAX_AGE).
const googleMaxAge = time.Hour

// GoogleOptions configure Google. Field names follow Better Auth's google provider options.
type GoogleOptions struct {
	// ClientID is the OAuth client id; required. ID tokens must name it as audience.
	ClientID string
	// ClientSecret is the OAuth client secret; required.
	ClientSecret string
	// Scopes are requested after the default "email profile openid".
	Scopes []string
	// DisableDefaultScope drops the default scopes, leaving Scopes alone ("openid" must
	// then be among them for an ID token).
	DisableDefaultScope bool
	// HD restricts sign-in to a Google Workspace domain: it is sent as the hd hint, and
	// the verified ID token's hd claim must equal it ("*" accepts any Workspace domain,
	// but not a personal account). Empty: no restriction.
	HD string
	// AccessType is sent as access_type when not empty: "offline" asks for a refresh token.
	AccessType string
	// Prompt is sent as prompt when not empty ("select_account", "consent", ...).
	Prompt string
	// Display is sent as display when not empty ("page", "popup", "touch").
	Display string
	// DisableIncludeGrantedScopes stops sending include_granted_scopes=true, so each
	// authorization covers only the scopes it asks for.
	DisableIncludeGrantedScopes bool
	// Issuer is the issuer and discovery base; empty means GoogleIssuer
	// ("accounts.google.com" means the same). Change it only to point tests at another
	// OpenID Provider. ID tokens whose iss is the issuer without its scheme are accepted
	// too, as Google issues some that way.
	Issuer string
	// HTTPClient makes every call to Google; nil means a client with DefaultTimeout. Its
	// redirect policy is replaced: redirects are never followed.
	HTTPClient *http.Client
	// Now is the clock for token lifetimes and ID token checks; nil means time.Now.
	Now func() time.Time
}

// Google signs users in with Google (OpenID Connect): the authorization and token
// endpoints and the keys come from Google's discovery document, fetched on first use and
// kept; keys are fetched again when a token names one not seen yet, and hourly. ID tokens
// are verified as Better Auth verifies them (RS256 only, audience = ClientID, issuer, exp
// and iat with 30 s tolerance, iat at most an hour old, nonce when given, hd when HD is
// set), and the profile is read from them (§10.7: sub, email, email_verified, name,
// picture, given_name, family_name). A token without sub is ErrInvalidToken. Safe for
// concurrent use.
type Google struct {
	o    GoogleOptions
	core *oidcCore
	tok  transport
}

// NewGoogle checks o and returns the provider. It makes no network call.
func NewGoogle(o GoogleOptions) (*Google, error) {
	if o.ClientID == "" {
		return nil, fmt.Errorf("social: GoogleOptions.ClientID is empty")
	}
	if o.ClientSecret == "" {
		return nil, fmt.Errorf("social: GoogleOptions.ClientSecret is empty")
	}
	switch o.Issuer {
	case "", "accounts.google.com":
		o.Issuer = GoogleIssuer
	}
	if !absoluteURL(o.Issuer) {
		return nil, fmt.Errorf("social: GoogleOptions.Issuer %q is not an absolute http(s) URL", o.Issuer)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Scopes = append([]string(nil), o.Scopes...)
	t := newTransport("google", o.HTTPClient)
	g := &Google{o: o, tok: t}
	alias := o.Issuer[strings.Index(o.Issuer, "://")+3:]
	g.core = &oidcCore{
		issuer:        o.Issuer,
		clientID:      o.ClientID,
		issuerAliases: []string{alias},
		algs:          []string{"RS256"},
		maxAge:        googleMaxAge,
		check:         g.checkHD,
		now:           o.Now,
		t:             t,
	}
	return g, nil
}

// ID returns "google".
func (g *Google) ID() string { return "google" }

// Issuer returns the issuer, GoogleIssuer unless GoogleOptions.Issuer says otherwise.
func (g *Google) Issuer() string { return g.o.Issuer }

// scopes are the scopes Google is asked for before the request's own.
func (g *Google) scopes() []string {
	if g.o.DisableDefaultScope {
		return joinScopes(g.o.Scopes)
	}
	return joinScopes([]string{"email", "profile", "openid"}, g.o.Scopes)
}

// AuthCodeURL returns Google's authorization URL as Better Auth builds it, e.g.
// https://accounts.google.com/o/oauth2/v2/auth?response_type=code&client_id=…&state=…&scope=email+profile+openid&redirect_uri=…&login_hint=…&code_challenge_method=S256&code_challenge=…&include_granted_scopes=true.
// The first call fetches the discovery document (ErrUnreachable when it cannot).
func (g *Google) AuthCodeURL(ctx context.Context, req AuthRequest) (string, error) {
	m, err := g.core.discover(ctx)
	if err != nil {
		return "", err
	}
	o := authOptions{
		sendNonce:  true,
		display:    g.o.Display,
		prompt:     g.o.Prompt,
		hd:         g.o.HD,
		accessType: g.o.AccessType,
	}
	if !g.o.DisableIncludeGrantedScopes {
		o.extra = params{{"include_granted_scopes", "true"}}
	}
	return authCodeURL("google", m.AuthURL, g.o.ClientID, joinScopes(g.scopes(), req.Scopes), req, o)
}

// Exchange trades the code at Google's token endpoint (client_secret_post, PKCE verifier).
func (g *Google) Exchange(ctx context.Context, req ExchangeRequest) (*Tokens, error) {
	m, err := g.core.discover(ctx)
	if err != nil {
		return nil, err
	}
	return g.tokenClient(m).exchange(ctx, req, joinScopes(g.scopes(), req.Scopes))
}

// Refresh trades a refresh token at Google's token endpoint.
func (g *Google) Refresh(ctx context.Context, refreshToken string) (*Tokens, error) {
	m, err := g.core.discover(ctx)
	if err != nil {
		return nil, err
	}
	return g.tokenClient(m).refresh(ctx, refreshToken)
}

// tokenClient is the token endpoint of discovery document m.
func (g *Google) tokenClient(m *metadata) tokenClient {
	return tokenClient{t: g.tok, url: m.TokenURL, clientID: g.o.ClientID, clientSecret: g.o.ClientSecret, now: g.o.Now}
}

// Profile verifies t.IDToken and reads the profile from its claims. Without an ID token,
// no nonce and an access token (account-info), the profile is the answer of Google's
// userinfo endpoint, which also has sub, email, email_verified, name, picture, given_name,
// family_name and hd (HD applies to it too); without an ID token otherwise,
// ErrInvalidToken.
func (g *Google) Profile(ctx context.Context, t *Tokens, nonce string) (*Profile, error) {
	if t == nil {
		t = &Tokens{}
	}
	if t.IDToken == "" && nonce == "" && t.AccessToken != "" {
		claims, err := g.core.userInfo(ctx, t.AccessToken)
		if err != nil {
			return nil, err
		}
		if err := g.checkHD(claims); err != nil {
			e := g.tok.fail(ErrUserInfo, "user info", "")
			e.Description = err.Error()
			return nil, e
		}
		return profileFromIDToken(claims, OIDCClaims{}), nil
	}
	return g.VerifyIDToken(ctx, t.IDToken, nonce)
}

// VerifyIDToken verifies an ID token the client obtained itself (One Tap, a mobile SDK)
// and reads the profile from its claims.
func (g *Google) VerifyIDToken(ctx context.Context, idToken, nonce string) (*Profile, error) {
	claims, err := g.core.verify(ctx, idToken, nonce)
	if err != nil {
		return nil, err
	}
	return profileFromIDToken(claims, OIDCClaims{}), nil
}

// checkHD applies GoogleOptions.HD to verified claims.
func (g *Google) checkHD(claims map[string]any) error {
	if g.o.HD == "" {
		return nil
	}
	hd, _ := claims["hd"].(string)
	switch {
	case hd == "":
		return fmt.Errorf("no hd claim, and sign-in is restricted to %q", g.o.HD)
	case g.o.HD != "*" && hd != g.o.HD:
		return fmt.Errorf("hd claim %q, and sign-in is restricted to %q", hd, g.o.HD)
	}
	return nil
}
