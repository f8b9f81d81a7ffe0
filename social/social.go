// Package social holds the identity providers Krag signs users in with: Google (OpenID Connect,
// ID tokens verified through discovery and JWKS), GitHub (OAuth 2 with its REST API), any OpenID
// Connect provider from its discovery URL, and any OAuth 2 provider from its endpoints and a
// user-info mapping. A provider is a value listed in krag.Options.Social.Providers; package krag
// runs Better Auth's wire around it (sign-in/social, the callback, linking, tokens), and this
// package knows only the provider's side: the authorization URL, the code exchange, the
// profile, the refresh. It imports nothing of Krag's, so providers are testable alone.
//
// # Building providers
//
// NewGoogle, NewGitHub, NewOIDC and NewOAuth2 take an options struct, check it and make no
// network call; FromEnv builds Google and GitHub from the seed's environment variables. A
// provider is safe for concurrent use. OpenID Connect providers fetch their discovery
// document and keys on first use and keep them.
//
// # Network
//
// Every call goes through the options' HTTPClient (nil: a client with DefaultTimeout) and the
// caller's context; redirects are never followed, answers are read up to 1 MiB. A network
// failure or timeout is ErrUnreachable, wrapped in an *Error naming the provider, the
// operation and the endpoint.
//
// # Wire behaviour
//
// Authorization URLs carry Better Auth's parameters in its order, with PKCE (S256) for every
// provider; the code is exchanged as client_secret_post with Accept: application/json
// (shared/spec/better-auth-core.md §10.1, §10.3); profiles are mapped as §10.7 says.
package social

import (
	"context"
	"errors"
	"time"
)

// Provider is one identity provider.
type Provider interface {
	// ID is the provider id on the wire and in account.providerId ("google", "github", ...).
	ID() string
	// AuthCodeURL returns the URL the browser is sent to for the user to sign in and consent.
	AuthCodeURL(ctx context.Context, req AuthRequest) (string, error)
	// Exchange trades an authorization code for tokens. A refused code is ErrInvalidCode
	// (wrapped with the provider's answer).
	Exchange(ctx context.Context, req ExchangeRequest) (*Tokens, error)
	// Profile returns the signed-in user's profile for the tokens Exchange returned. OpenID
	// Connect providers verify the ID token first (signature, issuer, audience, expiry, and
	// nonce when not empty): a bad token is ErrInvalidToken. Given only an access token and
	// no nonce (account-info, long after the ID token expired), they ask their userinfo
	// endpoint instead. A profile without a subject is ErrUserInfo.
	Profile(ctx context.Context, t *Tokens, nonce string) (*Profile, error)
	// Refresh trades a refresh token for new tokens (grant_type=refresh_token). A refused
	// refresh token is ErrInvalidCode; ErrRefreshNotSupported when the provider has no
	// refresh. When the answer carries no new refresh token, the result keeps the one given
	// (its RefreshTokenExpiresAt then zero: unknown); its Scopes are nil unless the provider
	// names the granted scopes, so stored scopes are not narrowed.
	Refresh(ctx context.Context, refreshToken string) (*Tokens, error)
}

// IDTokenVerifier is a Provider that also signs users in with an ID token the client obtained
// itself (Better Auth's /sign-in/social with idToken, e.g. Google One Tap).
type IDTokenVerifier interface {
	// VerifyIDToken checks the token (signature, issuer, audience, expiry, nonce when not
	// empty) and returns its profile; ErrInvalidToken when it does not verify, ErrUnreachable
	// when the provider's discovery document or keys cannot be fetched.
	VerifyIDToken(ctx context.Context, idToken, nonce string) (*Profile, error)
}

// Issuer is a Provider that names its issuer, for the callback's iss check (RFC 9207).
type Issuer interface {
	// Issuer is the provider's issuer identifier, as in its discovery document.
	Issuer() string
}

// AuthRequest is what an authorization URL carries.
type AuthRequest struct {
	// State is the opaque value the callback must return.
	State string
	// CodeChallenge is the PKCE S256 challenge of the verifier kept with the state.
	CodeChallenge string
	// Nonce, when not empty, is bound into the ID token. OpenID Connect providers (Google,
	// OIDC) send it; providers without ID tokens (GitHub, OAuth2) leave it out.
	Nonce string
	// RedirectURI is where the provider sends the browser back: <base>/api/auth/callback/<id>.
	RedirectURI string
	// Scopes are requested on top of the provider's own.
	Scopes []string
	// LoginHint, when not empty, pre-fills the provider's sign-in form.
	LoginHint string
	// Params are extra query parameters (reserved OAuth parameters are never overridden).
	Params map[string]string
}

// ExchangeRequest is a code to trade for tokens.
type ExchangeRequest struct {
	// Code is the authorization code from the callback.
	Code string
	// CodeVerifier is the PKCE verifier whose challenge the authorization URL carried.
	CodeVerifier string
	// RedirectURI must equal the authorization request's.
	RedirectURI string
	// Scopes are the extra scopes the authorization request asked for (AuthRequest.Scopes).
	// When the token response does not name the granted scopes, Tokens.Scopes are the
	// provider's own scopes followed by these.
	Scopes []string
}

// Tokens are what a provider's token endpoint returned.
type Tokens struct {
	// AccessToken is never empty: an answer without one is ErrInvalidCode.
	AccessToken string
	// RefreshToken is "" when the provider issued none.
	RefreshToken string
	// IDToken is the raw ID token (OpenID Connect), or "".
	IDToken               string
	AccessTokenExpiresAt  time.Time // zero when the provider did not say
	RefreshTokenExpiresAt time.Time // zero when the provider did not say
	// Scopes are the scopes granted (or, when the provider does not say, requested).
	Scopes []string
}

// Profile is a user as the provider describes them.
type Profile struct {
	// ID is the provider's stable id for the user (OpenID "sub", GitHub's numeric id): the
	// account's accountId.
	ID            string
	Email         string
	EmailVerified bool
	Name          string
	Image         string
	// GivenName and FamilyName, where the provider has them, fill firstName and lastName.
	GivenName, FamilyName string
	// Raw is the provider's own profile (ID token claims, or the user-info answer), for
	// mapping hooks and account-info. Numbers in it are json.Number, so large ids stay
	// exact.
	Raw map[string]any
}

// Errors a provider returns, wrapped with details in an *Error (errors.Is and errors.As both
// work). Package krag maps them onto Better Auth's error codes.
var (
	// ErrInvalidCode: the token endpoint refused the code (expired, replayed, wrong verifier)
	// or the refresh token, answered without an access token, or answered with a redirect
	// (which is never followed).
	ErrInvalidCode = errors.New("social: the provider refused the authorization code")
	// ErrInvalidToken: an ID token did not verify (signature, issuer, audience, expiry, nonce).
	ErrInvalidToken = errors.New("social: the ID token did not verify")
	// ErrUserInfo: the provider gave no usable profile.
	ErrUserInfo = errors.New("social: the provider gave no user profile")
	// ErrUnreachable: the provider did not answer usefully: a network error, a timeout (the
	// HTTP client's or the context's), a 5xx status, or a discovery document or key set that
	// could not be fetched or read.
	ErrUnreachable = errors.New("social: the provider cannot be reached")
	// ErrRefreshNotSupported: the provider has no token refresh.
	ErrRefreshNotSupported = errors.New("social: the provider does not refresh tokens")
)
