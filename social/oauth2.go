package social

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// OAuth2Options configure a generic OAuth 2 provider: one that issues no ID token and
// describes the user at a user-info endpoint.
type OAuth2Options struct {
	// ID is the provider id on the wire and in account.providerId; required. It may not
	// contain "/", "?", "#" or spaces, nor be "credential".
	ID string
	// AuthURL is the authorization endpoint; required.
	AuthURL string
	// TokenURL is the token endpoint; required.
	TokenURL string
	// UserInfoURL is the endpoint that describes the user, asked with the access token as
	// bearer; required.
	UserInfoURL string
	// ClientID is the OAuth client id; required.
	ClientID string
	// ClientSecret is sent as client_secret (client_secret_post); empty for a public client.
	ClientSecret string
	// Scopes are the scopes requested; none by default.
	Scopes []string
	// Prompt is sent as prompt when not empty.
	Prompt string
	// Map turns the user-info answer (numbers as json.Number) into a Profile; nil means
	// ProfileFromClaims. A Profile without ID is ErrUserInfo, and so is an error from Map.
	Map func(raw map[string]any) (*Profile, error)
	// HTTPClient makes every call to the provider; nil means a client with DefaultTimeout.
	// Its redirect policy is replaced: redirects are never followed.
	HTTPClient *http.Client
	// Now is the clock for token lifetimes; nil means time.Now.
	Now func() time.Time
}

// OAuth2 is any OAuth 2 provider given by its endpoints: authorization code with PKCE,
// client_secret_post at the token endpoint, the profile from the user-info endpoint through
// OAuth2Options.Map, refresh at the token endpoint. Safe for concurrent use.
type OAuth2 struct {
	o OAuth2Options
	t transport
}

// NewOAuth2 checks o and returns the provider. It makes no network call.
func NewOAuth2(o OAuth2Options) (*OAuth2, error) {
	if err := checkID("OAuth2Options", o.ID); err != nil {
		return nil, err
	}
	for _, f := range []struct{ name, val string }{
		{"AuthURL", o.AuthURL}, {"TokenURL", o.TokenURL}, {"UserInfoURL", o.UserInfoURL},
	} {
		if !absoluteURL(f.val) {
			return nil, fmt.Errorf("social: OAuth2Options.%s %q is not an absolute http(s) URL", f.name, f.val)
		}
	}
	if o.ClientID == "" {
		return nil, fmt.Errorf("social: OAuth2Options.ClientID is empty")
	}
	if o.Map == nil {
		o.Map = ProfileFromClaims
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Scopes = joinScopes(o.Scopes)
	return &OAuth2{o: o, t: newTransport(o.ID, o.HTTPClient)}, nil
}

// ID returns OAuth2Options.ID.
func (p *OAuth2) ID() string { return p.o.ID }

// AuthCodeURL returns the authorization URL (parameters in Better Auth's order, with
// PKCE). It makes no network call. The nonce is not sent: there is no ID token.
func (p *OAuth2) AuthCodeURL(_ context.Context, req AuthRequest) (string, error) {
	return authCodeURL(p.o.ID, p.o.AuthURL, p.o.ClientID, joinScopes(p.o.Scopes, req.Scopes), req, authOptions{prompt: p.o.Prompt})
}

// tokenClient is the provider's token endpoint.
func (p *OAuth2) tokenClient() tokenClient {
	return tokenClient{t: p.t, url: p.o.TokenURL, clientID: p.o.ClientID, clientSecret: p.o.ClientSecret, now: p.o.Now}
}

// Exchange trades the code at the token endpoint.
func (p *OAuth2) Exchange(ctx context.Context, req ExchangeRequest) (*Tokens, error) {
	return p.tokenClient().exchange(ctx, req, joinScopes(p.o.Scopes, req.Scopes))
}

// Refresh trades a refresh token at the token endpoint.
func (p *OAuth2) Refresh(ctx context.Context, refreshToken string) (*Tokens, error) {
	return p.tokenClient().refresh(ctx, refreshToken)
}

// Profile asks the user-info endpoint with the access token and maps the answer. The nonce
// is ignored.
func (p *OAuth2) Profile(ctx context.Context, t *Tokens, _ string) (*Profile, error) {
	if t == nil || t.AccessToken == "" {
		e := p.t.fail(ErrUserInfo, "user info", "")
		e.Description = "no access token"
		return nil, e
	}
	raw, err := fetchProfileJSON(ctx, p.t, p.o.UserInfoURL, t.AccessToken)
	if err != nil {
		return nil, err
	}
	prof, err := p.o.Map(raw)
	if err != nil {
		e := p.t.fail(ErrUserInfo, "user info", p.o.UserInfoURL)
		e.Description, e.Err = "mapping the profile failed", err
		return nil, e
	}
	if prof == nil || prof.ID == "" {
		e := p.t.fail(ErrUserInfo, "user info", p.o.UserInfoURL)
		e.Description = "the profile has no id"
		return nil, e
	}
	if prof.Raw == nil {
		prof.Raw = raw
	}
	return prof, nil
}

// ProfileFromClaims is the default OAuth2Options.Map, for answers that use the common
// claim names: ID from "sub", else "id" (a string or a number, in its JSON form); Email from
// "email"; EmailVerified from "email_verified" (true or "true"); Name from "name", else
// "preferred_username", else "login"; Image from "picture", else "avatar_url"; GivenName and
// FamilyName from "given_name" and "family_name"; Raw is raw. It never fails; a profile
// without id is refused by the caller.
func ProfileFromClaims(raw map[string]any) (*Profile, error) {
	first := func(keys ...string) string {
		for _, k := range keys {
			if s := str(raw[k]); s != "" {
				return s
			}
		}
		return ""
	}
	return &Profile{
		ID:            first("sub", "id"),
		Email:         first("email"),
		EmailVerified: truthy(raw["email_verified"]),
		Name:          first("name", "preferred_username", "login"),
		Image:         first("picture", "avatar_url"),
		GivenName:     first("given_name"),
		FamilyName:    first("family_name"),
		Raw:           raw,
	}, nil
}
