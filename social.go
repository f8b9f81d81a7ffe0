package krag

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kragauth/krag/internal/token"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/social"
	"github.com/kragauth/krag/store"
)

// Social sign-in: Better Auth's wire (shared/spec/better-auth-core.md §2.22-§2.28, §10) around
// the providers of package social.

// SocialOptions configures sign-in through identity providers.
type SocialOptions struct {
	// Providers are the identity providers users may sign in with (package social), each under
	// its ID. The redirect URI each must allow is <BaseURL><BasePath>/callback/<id>.
	Providers []social.Provider
	// Linking says when a provider account may join an existing user.
	Linking AccountLinkingOptions
	// DisableSignUp refuses provider sign-ins of people without a user (signup_disabled).
	DisableSignUp bool
	// EncryptTokens stores the providers' access, refresh and ID tokens encrypted
	// (XChaCha20-Poly1305 under SHA-256 of Secret, as Better Auth's encryptOAuthTokens).
	EncryptTokens bool
	// MapProfile, when set, fills additional fields of a user created from a provider's
	// profile (firstName from GivenName, …). It runs before the user is stored.
	MapProfile func(providerID string, p *social.Profile, u *User)
}

// AccountLinkingOptions says when a provider account may join an existing user. By default it
// may only when both sides vouch for the email: the provider asserts it verified (or is listed
// in TrustedProviders) and the local user's email is verified. Anything else is refused with a
// clear error; Krag never merges accounts silently.
type AccountLinkingOptions struct {
	// Disabled refuses every link, implicit or asked for.
	Disabled bool
	// DisableImplicitLinking refuses linking at sign-in; link-social still links.
	DisableImplicitLinking bool
	// TrustedProviders are provider ids whose emails count as verified.
	TrustedProviders []string
	// AllowUnverifiedLocalEmail lets sign-in link into a user whose own email is not verified
	// (Better Auth's requireLocalEmailVerified: false). Dangerous: whoever registered the
	// address first, without proving it, gets the provider's user's account.
	AllowUnverifiedLocalEmail bool
	// AllowDifferentEmails lets link-social link a provider account with another email than
	// the user's.
	AllowDifferentEmails bool
	// AllowUnlinkingAll lets a user unlink their last account.
	AllowUnlinkingAll bool
}

// socialState is what a social sign-in keeps between the authorization request and the
// callback, as Better Auth stores it (§10.2) in the verification row "auth-state:<state>".
type socialState struct {
	CallbackURL   string     `json:"callbackURL"`
	CodeVerifier  string     `json:"codeVerifier"`
	ErrorURL      string     `json:"errorURL,omitempty"`
	NewUserURL    string     `json:"newUserURL,omitempty"`
	Link          *stateLink `json:"link,omitempty"`
	ExpiresAt     int64      `json:"expiresAt"`
	RequestSignUp bool       `json:"requestSignUp,omitempty"`
	// Nonce is bound into the provider's ID token (Krag's addition; Better Auth does not send
	// one on the redirect flow).
	Nonce string `json:"nonce,omitempty"`
	// Scopes are the scopes the request added (Krag's addition), recorded on the account when
	// the provider does not say what it granted.
	Scopes     []string `json:"scopes,omitempty"`
	OAuthState string   `json:"oauthState"`
}

// stateLink marks a link-social flow: the user and the session that asked.
type stateLink struct {
	UserID    string `json:"userId"`
	Email     string `json:"email"`
	SessionID string `json:"sessionId"`
}

const (
	stateIdentifierPrefix = "auth-state:"
	stateLifetime         = 10 * time.Minute
	stateCookieMaxAge     = 300
	// stateAlphabet is Better Auth's 64 symbols for state and PKCE verifiers.
	stateAlphabet = token.Alnum + "-_"
)

// parseSocialState reads a stored state; anything malformed is an error.
func parseSocialState(b []byte) (*socialState, error) {
	var st socialState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("social state: %w", err)
	}
	if st.OAuthState == "" || st.CodeVerifier == "" || st.ExpiresAt == 0 {
		return nil, errors.New("social state: oauthState, codeVerifier and expiresAt are required")
	}
	return &st, nil
}

// provider returns the configured provider with id.
func (a *Auth) provider(id string) social.Provider {
	for _, p := range a.opts.Social.Providers {
		if p.ID() == id {
			return p
		}
	}
	return nil
}

// redirectURI is where providers send the browser back for provider id.
func (a *Auth) redirectURI(r *http.Request, id string) string {
	base := a.authBase
	if base == "" {
		base = a.requestOrigin(r) + a.opts.BasePath
	}
	return base + "/callback/" + url.PathEscape(id)
}

// socialBody is the body of /sign-in/social and /link-social.
type socialBody struct {
	provider, callbackURL, newUserCallbackURL, errorCallbackURL, loginHint string
	disableRedirect, requestSignUp                                         bool
	scopes                                                                 []string
	params                                                                 map[string]string
	idToken                                                                *idTokenBody
}

type idTokenBody struct {
	Token        string   `json:"token"`
	Nonce        string   `json:"nonce"`
	AccessToken  string   `json:"accessToken"`
	RefreshToken string   `json:"refreshToken"`
	ExpiresAt    *float64 `json:"expiresAt"`
}

// reservedParams are the OAuth parameters additionalParams may not set.
var reservedParams = []string{"state", "client_id", "redirect_uri", "response_type", "code_challenge", "code_challenge_method", "nonce", "scope"}

func parseSocial(r *Request) (socialBody, error) {
	var b socialBody
	v := r.Validate()
	if !v.Object(false) {
		return b, v.Err()
	}
	b.provider = v.String("provider")
	b.callbackURL = v.OptString("callbackURL")
	b.newUserCallbackURL = v.OptString("newUserCallbackURL")
	b.errorCallbackURL = v.OptString("errorCallbackURL")
	b.loginHint = v.OptString("loginHint")
	b.disableRedirect, _ = v.OptBool("disableRedirect")
	b.requestSignUp, _ = v.OptBool("requestSignUp")
	if raw := r.body["scopes"]; len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &b.scopes); err != nil {
			v.add("scopes", "Invalid input: expected array of strings")
		}
	}
	if raw := r.body["additionalParams"]; len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &b.params); err != nil {
			v.add("additionalParams", "Invalid input: expected record of strings")
		}
		for _, k := range reservedParams {
			delete(b.params, k)
		}
	}
	if raw := r.body["idToken"]; len(raw) > 0 && string(raw) != "null" {
		var t idTokenBody
		if err := json.Unmarshal(raw, &t); err != nil || t.Token == "" {
			v.add("idToken", "Invalid input: expected object with a token string")
		} else {
			b.idToken = &t
		}
	}
	return b, v.Err()
}

// startSocial stores a new state and returns the provider's authorization URL.
func (a *Auth) startSocial(r *Request, p social.Provider, b socialBody, link *stateLink) (string, error) {
	st := &socialState{
		CallbackURL:   b.callbackURL,
		CodeVerifier:  token.String(128, stateAlphabet),
		ErrorURL:      b.errorCallbackURL,
		NewUserURL:    b.newUserCallbackURL,
		Link:          link,
		ExpiresAt:     a.now().Add(stateLifetime).UnixMilli(),
		RequestSignUp: b.requestSignUp,
		Nonce:         token.String(32, stateAlphabet),
		Scopes:        b.scopes,
		OAuthState:    token.String(32, stateAlphabet),
	}
	if st.CallbackURL == "" {
		st.CallbackURL = a.baseOrigin
		if st.CallbackURL == "" {
			st.CallbackURL = "/"
		}
	}
	value, err := json.Marshal(st)
	if err != nil {
		return "", fmt.Errorf("social state: %w", err)
	}
	if _, err := a.CreateVerification(r.Context(), stateIdentifierPrefix+st.OAuthState, string(value), stateLifetime); err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(st.CodeVerifier))
	u, err := p.AuthCodeURL(r.Context(), social.AuthRequest{
		State:         st.OAuthState,
		CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:]),
		Nonce:         st.Nonce,
		RedirectURI:   a.redirectURI(r.HTTP, p.ID()),
		Scopes:        b.scopes,
		LoginHint:     b.loginHint,
		Params:        b.params,
	})
	if err != nil {
		if errors.Is(err, social.ErrUnreachable) {
			a.log.Warn("krag: identity provider unreachable", "provider", p.ID(), "err", err)
			return "", ErrProviderUnreachable.Wrap(err)
		}
		return "", fmt.Errorf("social: authorization URL of %s: %w", p.ID(), err)
	}
	r.SetCookie(a.cookies.line(a.cookies.name("state"), a.signer.CookieValue(st.OAuthState), stateCookieMaxAge))
	return u, nil
}

func (a *Auth) handleSignInSocial(r *Request) error {
	b, err := parseSocial(r)
	if err != nil {
		return err
	}
	p := a.provider(b.provider)
	if p == nil {
		return ErrProviderNotFound
	}
	if b.idToken != nil {
		return a.idTokenSignIn(r, p, b)
	}
	u, err := a.startSocial(r, p, b, nil)
	if err != nil {
		return err
	}
	return a.socialRedirect(r, u, b.disableRedirect)
}

// socialRedirect answers {url, redirect} and, unless disabled, a Location header.
func (a *Auth) socialRedirect(r *Request, u string, disable bool) error {
	if !disable {
		r.Header().Set("Location", u)
	}
	return r.JSON(struct {
		URL      string `json:"url"`
		Redirect bool   `json:"redirect"`
	}{u, !disable})
}

// profileTokens turns a client-supplied ID token body into Tokens.
func (t *idTokenBody) tokens() *social.Tokens {
	out := &social.Tokens{IDToken: t.Token, AccessToken: t.AccessToken, RefreshToken: t.RefreshToken}
	if t.ExpiresAt != nil {
		out.AccessTokenExpiresAt = time.UnixMilli(int64(*t.ExpiresAt)).UTC()
	}
	return out
}

// verifyIDToken checks a client-supplied ID token with p.
func (a *Auth) verifyIDToken(r *Request, p social.Provider, t *idTokenBody) (*social.Profile, error) {
	v, ok := p.(social.IDTokenVerifier)
	if !ok {
		return nil, ErrIDTokenNotSupported
	}
	prof, err := v.VerifyIDToken(r.Context(), t.Token, t.Nonce)
	if err != nil {
		if errors.Is(err, social.ErrUnreachable) {
			a.log.Warn("krag: identity provider unreachable", "provider", p.ID(), "err", err)
			return nil, ErrProviderUnreachable.Wrap(err)
		}
		return nil, errInvalidIDToken.Wrap(err)
	}
	if prof == nil || prof.ID == "" {
		return nil, ErrFailedToGetUserInfo
	}
	return prof, nil
}

// idTokenSignIn is /sign-in/social with an ID token the client obtained itself (§10.6).
func (a *Auth) idTokenSignIn(r *Request, p social.Provider, b socialBody) error {
	prof, err := a.verifyIDToken(r, p, b.idToken)
	if err != nil {
		return err
	}
	if prof.Email == "" {
		return ErrUserEmailNotFound
	}
	u, _, err := a.socialUser(r.Context(), p.ID(), prof, b.idToken.tokens(), b.requestSignUp)
	if err != nil {
		var le *linkError
		if errors.As(err, &le) {
			return ErrOAuthLinkError.WithMessage(le.code)
		}
		return err
	}
	sd, err := a.CreateSession(r.Context(), u, SessionInput{IPAddress: a.clientIP(r.HTTP), UserAgent: r.HTTP.UserAgent()})
	if err != nil {
		return err
	}
	a.setSessionCookies(r, sd, false)
	r.NewSession = sd
	return r.JSON(struct {
		Redirect bool    `json:"redirect"`
		Token    string  `json:"token"`
		User     rawJSON `json:"user"`
	}{false, sd.Session.Token, a.userJSON(u)})
}

// linkError is a refusal of the sign-in or link rules, sent as the callback's error code.
type linkError struct{ code, description string }

func (e *linkError) Error() string { return e.code }

func refuse(code, description string) error { return &linkError{code, description} }

// storeTokens writes the provider's tokens into ac (encrypted when configured).
func (a *Auth) storeTokens(ac *Account, t *social.Tokens) {
	if t == nil {
		return
	}
	ac.AccessToken = a.sealToken(t.AccessToken)
	if t.RefreshToken != "" {
		ac.RefreshToken = a.sealToken(t.RefreshToken)
	}
	if t.IDToken != "" {
		ac.IDToken = a.sealToken(t.IDToken)
	}
	ac.AccessTokenExpiresAt = t.AccessTokenExpiresAt
	if !t.RefreshTokenExpiresAt.IsZero() {
		ac.RefreshTokenExpiresAt = t.RefreshTokenExpiresAt
	}
}

// linkAllowed reports whether a provider's email may be trusted for linking.
func (a *Auth) emailTrusted(providerID string, prof *social.Profile) bool {
	return prof.EmailVerified || slices.Contains(a.opts.Social.Linking.TrustedProviders, providerID)
}

// socialUser finds or creates the user a provider profile signs in (§10.4): the account's
// user; else a user with the same email, linked only when both sides vouch for it; else a new
// user. created reports the last case.
func (a *Auth) socialUser(ctx context.Context, providerID string, prof *social.Profile, t *social.Tokens, requestSignUp bool) (u *User, created bool, err error) {
	email := strings.ToLower(prof.Email)
	ac, err := a.findAccount(ctx, providerID, prof.ID)
	if err != nil {
		return nil, false, err
	}
	if ac != nil {
		if u, err = a.FindUserByID(ctx, ac.UserID); err != nil {
			return nil, false, err
		}
		a.storeTokens(ac, t)
		if err := a.UpdateAccount(ctx, ac); err != nil {
			return nil, false, refuse("unable_to_update_account", err.Error())
		}
		return u, false, a.raiseVerified(ctx, u, email, prof)
	}
	u, err = a.FindUserByEmail(ctx, email)
	switch {
	case err == nil:
		l := a.opts.Social.Linking
		if l.Disabled || l.DisableImplicitLinking || !a.emailTrusted(providerID, prof) ||
			(!u.EmailVerified && !l.AllowUnverifiedLocalEmail) {
			a.log.Info("krag: provider sign-in refused to link into an existing user", "provider", providerID, "user", u.ID,
				"providerVerified", prof.EmailVerified, "localVerified", u.EmailVerified)
			return nil, false, refuse("account_not_linked", "An account with this email exists; sign in to it and link "+providerID+" from its settings")
		}
		nac := &Account{UserID: u.ID, ProviderID: providerID, AccountID: prof.ID, Scope: strings.Join(t.Scopes, ",")}
		a.storeTokens(nac, t)
		if err := a.CreateAccount(ctx, nac); err != nil {
			return nil, false, refuse("unable_to_link_account", err.Error())
		}
		return u, false, a.raiseVerified(ctx, u, email, prof)
	case !errors.Is(err, ErrUserNotFound):
		return nil, false, err
	}
	if a.opts.Social.DisableSignUp {
		return nil, false, refuse("signup_disabled", "Signing up through "+providerID+" is turned off")
	}
	u = &User{Name: prof.Name, Email: email, EmailVerified: prof.EmailVerified, Image: prof.Image}
	if a.opts.Social.MapProfile != nil {
		a.opts.Social.MapProfile(providerID, prof, u)
	}
	nac := &Account{ProviderID: providerID, AccountID: prof.ID, Scope: strings.Join(t.Scopes, ",")}
	a.storeTokens(nac, t)
	if err := a.CreateUser(ctx, u, nac); err != nil {
		var ke *Error
		if errors.As(err, &ke) && !errors.Is(err, ErrUserAlreadyExists) {
			return nil, false, err
		}
		return nil, false, refuse("unable_to_create_user", err.Error())
	}
	return u, true, nil
}

// raiseVerified marks the user's email verified when the provider vouches for the same one.
func (a *Auth) raiseVerified(ctx context.Context, u *User, email string, prof *social.Profile) error {
	if u.EmailVerified || !prof.EmailVerified || !strings.EqualFold(u.Email, email) {
		return nil
	}
	u.EmailVerified = true
	return a.UpdateUser(ctx, u)
}

// findAccount returns the account of a provider's user, or nil.
func (a *Auth) findAccount(ctx context.Context, providerID, accountID string) (*Account, error) {
	rec, err := a.store.FindOne(ctx, schema.AccountTable, []store.Where{store.Is("providerId", providerID), store.Is("accountId", accountID)})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find account: %w", err)
	}
	return accountFromRecord(rec), nil
}

// linkAccount joins a provider account to the user who asked through link-social (§10.5).
func (a *Auth) linkAccount(ctx context.Context, link *stateLink, providerID string, prof *social.Profile, t *social.Tokens) error {
	rec, err := a.store.FindOne(ctx, schema.SessionTable, []store.Where{store.Is("id", link.SessionID)})
	if errors.Is(err, store.ErrNotFound) {
		return refuse("unable_to_link_account", "The session that asked for the link has ended")
	}
	if err != nil {
		return err
	}
	if s := a.sessionFromRecord(rec); s.UserID != link.UserID || !s.ExpiresAt.After(a.now()) {
		return refuse("unable_to_link_account", "The session that asked for the link has ended")
	}
	l := a.opts.Social.Linking
	if l.Disabled || !a.emailTrusted(providerID, prof) {
		return refuse("unable_to_link_account", providerID+" does not vouch for this email")
	}
	if !l.AllowDifferentEmails && !strings.EqualFold(prof.Email, link.Email) {
		return refuse("email_does_not_match", "The "+providerID+" account has another email")
	}
	ac, err := a.findAccount(ctx, providerID, prof.ID)
	if err != nil {
		return err
	}
	if ac != nil {
		if ac.UserID != link.UserID {
			return refuse("account_already_linked_to_different_user", "This "+providerID+" account belongs to another user")
		}
		a.storeTokens(ac, t)
		ac.Scope = mergeScopes(ac.Scope, t.Scopes)
		return a.UpdateAccount(ctx, ac)
	}
	nac := &Account{UserID: link.UserID, ProviderID: providerID, AccountID: prof.ID, Scope: strings.Join(t.Scopes, ",")}
	a.storeTokens(nac, t)
	if err := a.CreateAccount(ctx, nac); err != nil {
		return refuse("unable_to_link_account", err.Error())
	}
	return nil
}

// mergeScopes adds scopes to a stored comma-separated list, keeping its order.
func mergeScopes(stored string, add []string) string {
	var out []string
	if stored != "" {
		out = strings.Split(stored, ",")
	}
	for _, s := range add {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return strings.Join(out, ",")
}

// callbackParams are the parameters a provider sends back.
var callbackParams = []string{"code", "error", "error_description", "state", "device_id", "user", "iss"}

// handleCallbackPost turns a provider's form_post into the GET callback, so that the browser's
// Lax cookies come along (§2.23).
func (a *Auth) handleCallbackPost(r *Request) error {
	q := url.Values{}
	for _, k := range callbackParams {
		var s string
		if raw := r.body[k]; len(raw) > 0 && json.Unmarshal(raw, &s) == nil && s != "" {
			q.Set(k, s)
		}
		if v := r.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	r.Redirect(a.redirectURI(r.HTTP, r.Param("id")) + "?" + q.Encode())
	return nil
}

// errorRedirect sends the browser to target (or the error page) with Better Auth's error
// parameters.
func (a *Auth) errorRedirect(r *Request, target, code, description string) error {
	if target == "" {
		base := a.authBase
		if base == "" {
			base = a.requestOrigin(r.HTTP) + a.opts.BasePath
		}
		target = base + "/error"
	}
	q := url.Values{"error": {code}}
	if description != "" {
		q.Set("error_description", description)
	}
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	r.Redirect(target + sep + q.Encode())
	return nil
}

// takeState consumes the state named by the callback and checks it against the browser's
// state cookie. It returns an error code on failure.
func (a *Auth) takeState(r *Request, state string) (*socialState, string) {
	v, err := a.ConsumeVerification(r.Context(), stateIdentifierPrefix+state)
	if err != nil {
		if !errors.Is(err, ErrInvalidToken) {
			a.log.Error("krag: social state lookup failed", "err", err)
			return nil, "internal_server_error"
		}
		return nil, "state_mismatch"
	}
	st, err := parseSocialState([]byte(v.Value))
	if err != nil {
		return nil, "state_invalid"
	}
	c, ok := cookie(r.HTTP, a.cookies.name("state"))
	var fromCookie string
	if ok {
		fromCookie, ok = a.signer.Verify(c)
	}
	if !ok || subtle.ConstantTimeCompare([]byte(fromCookie), []byte(state)) != 1 || subtle.ConstantTimeCompare([]byte(st.OAuthState), []byte(state)) != 1 {
		return nil, "state_mismatch"
	}
	if a.now().UnixMilli() >= st.ExpiresAt {
		return nil, "state_mismatch"
	}
	return st, ""
}

// handleCallback completes a provider sign-in or link (§10.3): every failure is a redirect
// with an error code, never a page the provider's user is stuck on.
func (a *Auth) handleCallback(r *Request) error {
	q := r.Query()
	state := q.Get("state")
	if state == "" {
		return a.errorRedirect(r, "", "state_not_found", "")
	}
	st, code := a.takeState(r, state)
	r.SetCookie(a.cookies.expire(a.cookies.name("state")))
	if st == nil {
		return a.errorRedirect(r, "", code, "")
	}
	errURL := st.ErrorURL
	if e := q.Get("error"); e != "" {
		return a.errorRedirect(r, errURL, e, q.Get("error_description"))
	}
	if q.Get("code") == "" {
		return a.errorRedirect(r, errURL, "no_code", "")
	}
	p := a.provider(r.Param("id"))
	if p == nil {
		return a.errorRedirect(r, errURL, "oauth_provider_not_found", "")
	}
	if iss := q.Get("iss"); iss != "" {
		if pi, ok := p.(social.Issuer); ok && pi.Issuer() != iss {
			return a.errorRedirect(r, errURL, "issuer_mismatch", "")
		}
	}
	ctx := r.Context()
	tokens, err := p.Exchange(ctx, social.ExchangeRequest{Code: q.Get("code"), CodeVerifier: st.CodeVerifier, RedirectURI: a.redirectURI(r.HTTP, p.ID()), Scopes: st.Scopes})
	if err != nil {
		a.log.Warn("krag: provider code exchange failed", "provider", p.ID(), "err", err)
		if errors.Is(err, social.ErrUnreachable) {
			return a.errorRedirect(r, errURL, "invalid_code", p.ID()+" cannot be reached; try again later")
		}
		return a.errorRedirect(r, errURL, "invalid_code", "")
	}
	prof, err := p.Profile(ctx, tokens, st.Nonce)
	if err != nil || prof == nil || prof.ID == "" {
		a.log.Warn("krag: provider profile refused", "provider", p.ID(), "err", err)
		desc := ""
		switch {
		case errors.Is(err, social.ErrUnreachable):
			desc = p.ID() + " cannot be reached; try again later"
		case errors.Is(err, social.ErrInvalidToken):
			desc = "the identity token did not verify"
		}
		return a.errorRedirect(r, errURL, "unable_to_get_user_info", desc)
	}
	if st.Link != nil {
		if err := a.linkAccount(ctx, st.Link, p.ID(), prof, tokens); err != nil {
			return a.callbackError(r, errURL, err)
		}
		r.Redirect(st.CallbackURL)
		return nil
	}
	if prof.Email == "" {
		return a.errorRedirect(r, errURL, "email_not_found", "")
	}
	u, created, err := a.socialUser(ctx, p.ID(), prof, tokens, st.RequestSignUp)
	if err != nil {
		return a.callbackError(r, errURL, err)
	}
	sd, err := a.CreateSession(ctx, u, SessionInput{IPAddress: a.clientIP(r.HTTP), UserAgent: r.HTTP.UserAgent()})
	if err != nil {
		return a.callbackError(r, errURL, err)
	}
	a.setSessionCookies(r, sd, false)
	r.NewSession = sd
	target := st.CallbackURL
	if created && st.NewUserURL != "" {
		target = st.NewUserURL
	}
	r.Redirect(target)
	return nil
}

// callbackError redirects with the code of a refusal, a Krag error (a gate: BANNED_USER,
// USER_INACTIVE) or, for anything else, internal_server_error.
func (a *Auth) callbackError(r *Request, errURL string, err error) error {
	var le *linkError
	var ke *Error
	switch {
	case errors.As(err, &le):
		return a.errorRedirect(r, errURL, le.code, le.description)
	case errors.As(err, &ke) && ke.Status < 500:
		return a.errorRedirect(r, errURL, strings.ToLower(string(ke.Code)), ke.Message)
	}
	a.log.Error("krag: social sign-in failed", "err", err)
	return a.errorRedirect(r, errURL, "internal_server_error", "")
}

func (a *Auth) handleLinkSocial(r *Request) error {
	b, err := parseSocial(r)
	if err != nil {
		return err
	}
	p := a.provider(b.provider)
	if p == nil {
		return ErrProviderNotFound
	}
	sess := r.Session
	link := &stateLink{UserID: sess.User.ID, Email: sess.User.Email, SessionID: sess.Session.ID}
	if b.idToken != nil {
		prof, err := a.verifyIDToken(r, p, b.idToken)
		if err != nil {
			return err
		}
		if err := a.linkAccount(r.Context(), link, p.ID(), prof, b.idToken.tokens()); err != nil {
			var le *linkError
			if errors.As(err, &le) {
				switch le.code {
				case "account_already_linked_to_different_user":
					return ErrSocialAccountAlreadyLinked
				case "email_does_not_match":
					return ErrLinkingDifferentEmails
				case "unable_to_link_account":
					return ErrLinkingNotAllowed.WithMessage(le.description)
				}
				return ErrLinkingFailed
			}
			return err
		}
		return r.JSON(struct {
			URL      string `json:"url"`
			Status   bool   `json:"status"`
			Redirect bool   `json:"redirect"`
		}{"", true, false})
	}
	u, err := a.startSocial(r, p, b, link)
	if err != nil {
		return err
	}
	return a.socialRedirect(r, u, b.disableRedirect)
}

// DeleteAccount removes one account of a user after running the delete hooks.
func (a *Auth) DeleteAccount(ctx context.Context, ac *Account) error {
	if err := runBefore(ctx, a.hooks.account.beforeDelete, ac); err != nil {
		return err
	}
	if _, err := a.store.Delete(ctx, schema.AccountTable, []store.Where{store.Is("id", ac.ID), store.Is("userId", ac.UserID)}); err != nil {
		return fmt.Errorf("delete account: %w", err)
	}
	runAfter(ctx, a.hooks.account.afterDelete, ac)
	return nil
}

func parseUnlink(r *Request) (string, error) {
	v := r.Validate()
	if !v.Object(false) {
		return "", v.Err()
	}
	id := v.String("accountId")
	return id, v.Err()
}

func (a *Auth) handleUnlinkAccount(r *Request) error {
	id, err := parseUnlink(r)
	if err != nil {
		return err
	}
	accounts, err := a.Accounts(r.Context(), r.Session.User.ID)
	if err != nil {
		return err
	}
	if len(accounts) == 1 && !a.opts.Social.Linking.AllowUnlinkingAll {
		return ErrFailedToUnlinkLastAccount
	}
	i := slices.IndexFunc(accounts, func(ac *Account) bool { return ac.ID == id })
	if i < 0 {
		return ErrAccountNotFound
	}
	if err := a.DeleteAccount(r.Context(), accounts[i]); err != nil {
		return err
	}
	return r.JSON(map[string]bool{"status": true})
}

// scopeList splits a stored scope string (Better Auth joins with ","; some rows use spaces).
func scopeList(s string) []string {
	out := []string{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, f)
	}
	return out
}

func (a *Auth) handleListAccounts(r *Request) error {
	accounts, err := a.Accounts(r.Context(), r.Session.User.ID)
	if err != nil {
		return err
	}
	type wireAccount struct {
		AccountID  string   `json:"accountId"`
		ProviderID string   `json:"providerId"`
		UserID     string   `json:"userId"`
		CreatedAt  string   `json:"createdAt"`
		UpdatedAt  string   `json:"updatedAt"`
		ID         string   `json:"id"`
		Scopes     []string `json:"scopes"`
	}
	out := make([]wireAccount, len(accounts))
	for i, ac := range accounts {
		out[i] = wireAccount{ac.AccountID, ac.ProviderID, ac.UserID, isoTime(ac.CreatedAt), isoTime(ac.UpdatedAt), ac.ID, scopeList(ac.Scope)}
	}
	return r.JSON(out)
}

// isoTime formats a time as Better Auth's JSON dates.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// tokenAccount finds the account a token request names among the caller's (§2.27) and its
// provider; noProvider is the error when the account's provider is not configured.
func (a *Auth) tokenAccount(r *Request, noProvider *Error) (*Account, social.Provider, error) {
	if r.Session == nil {
		return nil, nil, errBareUnauthorized
	}
	var body map[string]json.RawMessage
	id := ""
	if r.HTTP.Method == http.MethodGet {
		id = r.Query().Get("accountId")
	} else {
		body = r.body
		for k := range body {
			if k != "accountId" && k != "userId" && k != "useAccountCookie" {
				return nil, nil, ErrValidation.WithMessage("[body] Invalid input: unknown key " + k)
			}
		}
		json.Unmarshal(body["accountId"], &id)
	}
	accounts, err := a.Accounts(r.Context(), r.Session.User.ID)
	if err != nil {
		return nil, nil, err
	}
	i := slices.IndexFunc(accounts, func(ac *Account) bool { return id != "" && ac.ID == id })
	if i < 0 {
		return nil, nil, ErrAccountNotFound
	}
	p := a.provider(accounts[i].ProviderID)
	if p == nil {
		return nil, nil, noProvider
	}
	return accounts[i], p, nil
}

// errBareUnauthorized is a 401 with an empty body (the token endpoints without a session).
var errBareUnauthorized = &Error{Status: http.StatusUnauthorized}

// refreshAccount refreshes ac's tokens through p and stores them.
func (a *Auth) refreshAccount(ctx context.Context, ac *Account, p social.Provider) error {
	rt := a.openToken(ac.RefreshToken)
	if rt == "" {
		return ErrRefreshTokenNotFound
	}
	t, err := p.Refresh(ctx, rt)
	if err != nil {
		if errors.Is(err, social.ErrRefreshNotSupported) {
			return ErrTokenRefreshNotSupported
		}
		a.log.Warn("krag: token refresh failed", "provider", p.ID(), "err", err)
		return ErrFailedToRefreshAccessToken.Wrap(err)
	}
	if t.RefreshToken == "" {
		t.RefreshToken = rt
	}
	a.storeTokens(ac, t)
	return a.UpdateAccount(ctx, ac)
}

// refreshIfExpiring refreshes ac's tokens when its access token expires within 5 s and a
// refresh token is stored (§2.27).
func (a *Auth) refreshIfExpiring(ctx context.Context, ac *Account, p social.Provider) error {
	if ac.RefreshToken == "" || ac.AccessTokenExpiresAt.IsZero() || !ac.AccessTokenExpiresAt.Before(a.now().Add(5*time.Second)) {
		return nil
	}
	return a.refreshAccount(ctx, ac, p)
}

func (a *Auth) handleGetAccessToken(r *Request) error {
	ac, p, err := a.tokenAccount(r, ErrProviderNotSupported)
	if err != nil {
		return err
	}
	if err := a.refreshIfExpiring(r.Context(), ac, p); err != nil {
		return ErrFailedToGetAccessToken.Wrap(err)
	}
	out := map[string]any{"accessToken": a.openToken(ac.AccessToken), "scopes": scopeList(ac.Scope)}
	if !ac.AccessTokenExpiresAt.IsZero() {
		out["accessTokenExpiresAt"] = isoTime(ac.AccessTokenExpiresAt)
	}
	if ac.IDToken != "" {
		out["idToken"] = a.openToken(ac.IDToken)
	}
	return r.JSON(out)
}

func (a *Auth) handleRefreshToken(r *Request) error {
	ac, p, err := a.tokenAccount(r, ErrProviderNotSupported)
	if err != nil {
		return err
	}
	if err := a.refreshAccount(r.Context(), ac, p); err != nil {
		return err
	}
	var atExp, rtExp any
	if !ac.AccessTokenExpiresAt.IsZero() {
		atExp = isoTime(ac.AccessTokenExpiresAt)
	}
	if !ac.RefreshTokenExpiresAt.IsZero() {
		rtExp = isoTime(ac.RefreshTokenExpiresAt)
	}
	return r.JSON(map[string]any{
		"accessToken": a.openToken(ac.AccessToken), "refreshToken": a.openToken(ac.RefreshToken),
		"accessTokenExpiresAt": atExp, "refreshTokenExpiresAt": rtExp, "scope": ac.Scope,
		"idToken": a.openToken(ac.IDToken), "providerId": ac.ProviderID, "accountId": ac.ID,
	})
}

func (a *Auth) handleAccountInfo(r *Request) error {
	ac, p, err := a.tokenAccount(r, ErrProviderNotConfigured)
	if err != nil {
		return err
	}
	if err := a.refreshIfExpiring(r.Context(), ac, p); err != nil {
		return err
	}
	at := a.openToken(ac.AccessToken)
	if at == "" {
		return ErrAccessTokenNotFound
	}
	prof, err := p.Profile(r.Context(), &social.Tokens{AccessToken: at}, "")
	if err != nil || prof == nil {
		return ErrFailedToGetUserInfo.Wrap(err)
	}
	raw := prof.Raw
	if raw == nil {
		raw = map[string]any{}
	}
	return r.JSON(map[string]any{
		"user":    map[string]any{"id": prof.ID, "name": prof.Name, "email": prof.Email, "image": prof.Image, "emailVerified": prof.EmailVerified},
		"data":    raw,
		"account": map[string]any{"id": ac.ID, "providerId": ac.ProviderID, "accountId": ac.AccountID},
	})
}

// socialRoutes are the routes of social sign-in and accounts.
func (a *Auth) socialRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/sign-in/social", Validate: validates(parseSocial), Handler: a.handleSignInSocial},
		{Method: "GET", Path: "/callback/:id", Handler: a.handleCallback},
		{Method: "POST", Path: "/callback/:id", Form: true, Handler: a.handleCallbackPost},
		{Method: "POST", Path: "/link-social", Session: SessionSensitive, Validate: validates(parseSocial), Handler: a.handleLinkSocial},
		{Method: "POST", Path: "/unlink-account", Session: SessionFresh, Validate: validates(parseUnlink), Handler: a.handleUnlinkAccount},
		{Method: "GET", Path: "/list-accounts", Session: SessionRequired, Handler: a.handleListAccounts},
		{Method: "POST", Path: "/get-access-token", Session: SessionOptional, Handler: a.handleGetAccessToken},
		{Method: "POST", Path: "/refresh-token", Session: SessionOptional, Handler: a.handleRefreshToken},
		{Method: "GET", Path: "/account-info", Session: SessionOptional, Handler: a.handleAccountInfo},
	}
}

// sealToken encrypts a provider token for storage when Social.EncryptTokens is set.
func (a *Auth) sealToken(s string) string {
	if !a.opts.Social.EncryptTokens || s == "" {
		return s
	}
	sealed, err := a.sealKey.Seal(s)
	if err != nil {
		a.log.Error("krag: sealing a provider token failed; storing nothing", "err", err)
		return ""
	}
	return sealed
}

// openToken reads a stored provider token: sealed ones are opened; values stored before
// EncryptTokens was set are read as they are.
func (a *Auth) openToken(s string) string {
	if !a.opts.Social.EncryptTokens || s == "" {
		return s
	}
	if plain, err := a.sealKey.Open(s); err == nil {
		return plain
	}
	return s
}

// checkSocial validates Options.Social.
func checkSocial(o *SocialOptions) error {
	seen := map[string]bool{}
	for i, p := range o.Providers {
		if p == nil {
			return fmt.Errorf("krag: Options.Social.Providers[%d] is nil", i)
		}
		id := p.ID()
		if id == "" || strings.ContainsAny(id, "/?#% ") {
			return fmt.Errorf("krag: Options.Social.Providers[%d] has the id %q; ids are non-empty path segments", i, id)
		}
		if seen[id] {
			return fmt.Errorf("krag: Options.Social.Providers lists %q twice", id)
		}
		seen[id] = true
	}
	return nil
}
