package social

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// GitHub's endpoints (shared/spec/better-auth-core.md §10.1 and §10.7).
const (
	GitHubAuthURL  = "https://github.com/login/oauth/authorize"    // authorization endpoint
	GitHubTokenURL = "https://github.com/login/oauth/access_token" // token endpoint
	GitHubAPIURL   = "https://api.github.com"                      // REST API base
)

// GitHubOptions configure GitHub. Field names follow Better Auth's github provider options.
type GitHubOptions struct {
	// ClientID is the OAuth (or GitHub) App's client id; required.
	ClientID string
	// ClientSecret is the app's client secret; required.
	ClientSecret string
	// Scopes are requested after the default "read:user user:email".
	Scopes []string
	// DisableDefaultScope drops the default scopes, leaving Scopes alone. Without
	// user:email a private address cannot be read, so the profile may have no email.
	DisableDefaultScope bool
	// Prompt is sent as prompt when not empty ("select_account").
	Prompt string
	// AuthURL is the authorization endpoint; empty means GitHubAuthURL.
	AuthURL string
	// TokenURL is the token endpoint; empty means GitHubTokenURL.
	TokenURL string
	// APIURL is the REST API base; empty means GitHubAPIURL (GitHub Enterprise Server:
	// https://HOST/api/v3).
	APIURL string
	// HTTPClient makes every call to GitHub; nil means a client with DefaultTimeout. Its
	// redirect policy is replaced: redirects are never followed.
	HTTPClient *http.Client
	// Now is the clock for token lifetimes; nil means time.Now.
	Now func() time.Time
}

// GitHub signs users in with GitHub (OAuth 2 and the REST API). The token endpoint is asked
// for JSON, but a form-encoded answer is read too, and its refusals, which come with status
// 200 and an error field, are ErrInvalidCode. Granted scopes come comma-separated. The
// profile is Better Auth's (§10.7): GET /user and GET /user/emails with the bearer token;
// name is name, else login; email is the profile's, else the primary address, else the
// first; email_verified is the verified flag of the address chosen; image is avatar_url; ID
// is the numeric id in decimal. Refresh works for apps with expiring user tokens; for
// others GitHub refuses it (ErrInvalidCode). Safe for concurrent use.
type GitHub struct {
	o GitHubOptions
	t transport
}

// NewGitHub checks o and returns the provider. It makes no network call.
func NewGitHub(o GitHubOptions) (*GitHub, error) {
	if o.ClientID == "" {
		return nil, fmt.Errorf("social: GitHubOptions.ClientID is empty")
	}
	if o.ClientSecret == "" {
		return nil, fmt.Errorf("social: GitHubOptions.ClientSecret is empty")
	}
	for _, f := range []struct {
		name string
		val  *string
		def  string
	}{{"AuthURL", &o.AuthURL, GitHubAuthURL}, {"TokenURL", &o.TokenURL, GitHubTokenURL}, {"APIURL", &o.APIURL, GitHubAPIURL}} {
		if *f.val == "" {
			*f.val = f.def
		}
		if !absoluteURL(*f.val) {
			return nil, fmt.Errorf("social: GitHubOptions.%s %q is not an absolute http(s) URL", f.name, *f.val)
		}
	}
	o.APIURL = strings.TrimSuffix(o.APIURL, "/")
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Scopes = append([]string(nil), o.Scopes...)
	return &GitHub{o: o, t: newTransport("github", o.HTTPClient)}, nil
}

// ID returns "github".
func (g *GitHub) ID() string { return "github" }

// scopes are the scopes GitHub is asked for before the request's own.
func (g *GitHub) scopes() []string {
	if g.o.DisableDefaultScope {
		return joinScopes(g.o.Scopes)
	}
	return joinScopes([]string{"read:user", "user:email"}, g.o.Scopes)
}

// AuthCodeURL returns GitHub's authorization URL as Better Auth builds it, e.g.
// https://github.com/login/oauth/authorize?response_type=code&client_id=…&state=…&scope=read%3Auser+user%3Aemail&redirect_uri=…&code_challenge_method=S256&code_challenge=….
// It makes no network call. The nonce is not sent: GitHub issues no ID token.
func (g *GitHub) AuthCodeURL(_ context.Context, req AuthRequest) (string, error) {
	return authCodeURL("github", g.o.AuthURL, g.o.ClientID, joinScopes(g.scopes(), req.Scopes), req, authOptions{prompt: g.o.Prompt})
}

// tokenClient is GitHub's token endpoint.
func (g *GitHub) tokenClient() tokenClient {
	return tokenClient{t: g.t, url: g.o.TokenURL, clientID: g.o.ClientID, clientSecret: g.o.ClientSecret, now: g.o.Now}
}

// Exchange trades the code at GitHub's token endpoint (client_secret_post, PKCE verifier).
func (g *GitHub) Exchange(ctx context.Context, req ExchangeRequest) (*Tokens, error) {
	return g.tokenClient().exchange(ctx, req, joinScopes(g.scopes(), req.Scopes))
}

// Refresh trades a refresh token (GitHub Apps with expiring user tokens; GitHub answers
// others with error=bad_refresh_token, which is ErrInvalidCode).
func (g *GitHub) Refresh(ctx context.Context, refreshToken string) (*Tokens, error) {
	return g.tokenClient().refresh(ctx, refreshToken)
}

// githubEmail is one entry of GET /user/emails.
type githubEmail struct {
	Email    string `json:"email"`
	Primary  bool   `json:"primary"`
	Verified bool   `json:"verified"`
}

// Profile reads GET /user and GET /user/emails. A refused token or a user without a
// numeric id is ErrUserInfo. When /user/emails is refused with 403 or 404 (the token lacks
// user:email, or is a fine-grained token without the email permission), the profile's own
// email, if any, is used, unverified.
func (g *GitHub) Profile(ctx context.Context, t *Tokens, _ string) (*Profile, error) {
	if t == nil || t.AccessToken == "" {
		e := g.t.fail(ErrUserInfo, "user info", "")
		e.Description = "no access token"
		return nil, e
	}
	userURL := g.o.APIURL + "/user"
	ans, err := g.get(ctx, userURL, t.AccessToken)
	if err != nil {
		return nil, err
	}
	if ans.status != http.StatusOK {
		return nil, userInfoRefused(g.t, "user info", userURL, ans)
	}
	raw, err := decodeObject(ans.body)
	if err != nil {
		e := g.t.fail(ErrUserInfo, "user info", userURL)
		e.Status, e.Description, e.Err = ans.status, "the answer is not a JSON object", err
		return nil, e
	}
	id, ok := raw["id"].(json.Number)
	if !ok || !isDecimal(id.String()) {
		e := g.t.fail(ErrUserInfo, "user info", userURL)
		e.Status, e.Description = ans.status, "the user has no numeric id"
		return nil, e
	}

	emailsURL := g.o.APIURL + "/user/emails"
	ans, err = g.get(ctx, emailsURL, t.AccessToken)
	if err != nil {
		return nil, err
	}
	var emails []githubEmail
	switch ans.status {
	case http.StatusOK:
		if err := json.Unmarshal(ans.body, &emails); err != nil {
			e := g.t.fail(ErrUserInfo, "user info", emailsURL)
			e.Status, e.Description, e.Err = ans.status, "unreadable list of addresses", err
			return nil, e
		}
	case http.StatusForbidden, http.StatusNotFound:
	default:
		return nil, userInfoRefused(g.t, "user info", emailsURL, ans)
	}

	p := &Profile{ID: id.String(), Image: str(raw["avatar_url"]), Raw: raw}
	p.Name = str(raw["name"])
	if p.Name == "" {
		p.Name = str(raw["login"])
	}
	p.Email = str(raw["email"])
	if p.Email == "" && len(emails) > 0 {
		chosen := emails[0]
		for _, e := range emails {
			if e.Primary {
				chosen = e
				break
			}
		}
		p.Email = chosen.Email
		if p.Email != "" {
			// Better Auth writes the chosen address into the profile it keeps.
			raw["email"] = p.Email
		}
	}
	for _, e := range emails {
		if p.Email != "" && e.Email == p.Email {
			p.EmailVerified = e.Verified
			break
		}
	}
	return p, nil
}

// get calls GitHub's REST API as its documentation asks: bearer token, a User-Agent, the
// GitHub media type and API version.
func (g *GitHub) get(ctx context.Context, rawURL, accessToken string) (*answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		e := g.t.fail(ErrUserInfo, "user info", rawURL)
		e.Err = err
		return nil, e
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("Authorization", "Bearer "+accessToken)
	return g.t.send(req, "user info", ErrUserInfo)
}

// isDecimal reports whether s is a non-negative integer in decimal without a sign,
// fraction or exponent.
func isDecimal(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
