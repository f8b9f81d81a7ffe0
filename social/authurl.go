package social

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// reservedParams are the authorization parameters AuthRequest.Params never override
// (Better Auth's RESERVED_AUTHORIZATION_PARAMS).
var reservedParams = []string{
	"state", "client_id", "redirect_uri", "response_type",
	"code_challenge", "code_challenge_method", "nonce", "scope",
}

// authOptions are a provider's own additions to the authorization URL.
type authOptions struct {
	// sendNonce is true for OpenID Connect providers.
	sendNonce bool
	// display, prompt, hd and accessType are sent when not empty.
	display, prompt, hd, accessType string
	// extra are the provider's fixed additional parameters, sent before AuthRequest.Params.
	extra params
}

// authCodeURL builds the authorization URL with the parameters in Better Auth's order
// (createAuthorizationURL in @better-auth/core, shared/spec/better-auth-core.md §10.1):
// response_type, client_id, state, scope, redirect_uri, display, login_hint, nonce, prompt,
// hd, access_type, code_challenge_method, code_challenge, then the provider's extra
// parameters and req.Params in key order. A key already present gets the new value in place
// (URLSearchParams.set); reserved keys in req.Params are skipped. Query parameters of the
// endpoint itself are kept, before the others, unless one of them replaces it.
func authCodeURL(provider, authEndpoint, clientID string, scopes []string, req AuthRequest, o authOptions) (string, error) {
	if req.State == "" {
		return "", fmt.Errorf("social: %s: authorization URL: empty AuthRequest.State", provider)
	}
	if req.RedirectURI == "" {
		return "", fmt.Errorf("social: %s: authorization URL: empty AuthRequest.RedirectURI", provider)
	}
	u, err := url.Parse(authEndpoint)
	if err != nil {
		return "", fmt.Errorf("social: %s: authorization endpoint %q: %w", provider, authEndpoint, err)
	}
	if u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("social: %s: authorization endpoint %q: %w", provider, authEndpoint, errors.New("not an absolute URL"))
	}

	p := params{{"response_type", "code"}, {"client_id", clientID}, {"state", req.State}}
	if len(scopes) > 0 {
		p = append(p, param{"scope", strings.Join(scopes, " ")})
	}
	p = append(p, param{"redirect_uri", req.RedirectURI})
	add := func(k, v string) {
		if v != "" {
			p = append(p, param{k, v})
		}
	}
	add("display", o.display)
	add("login_hint", req.LoginHint)
	if o.sendNonce {
		add("nonce", req.Nonce)
	}
	add("prompt", o.prompt)
	add("hd", o.hd)
	add("access_type", o.accessType)
	if req.CodeChallenge != "" {
		p = append(p, param{"code_challenge_method", "S256"}, param{"code_challenge", req.CodeChallenge})
	}
	// The keys so far are distinct; pos finds each, so that merging the extra parameters
	// (URLSearchParams.set) stays linear however many the request brings.
	pos := make(map[string]int, len(p)+len(o.extra)+len(req.Params))
	for i, kv := range p {
		pos[kv.key] = i
	}
	set := func(k, v string) {
		if i, ok := pos[k]; ok {
			p[i].value = v
			return
		}
		pos[k] = len(p)
		p = append(p, param{k, v})
	}
	for _, kv := range o.extra {
		set(kv.key, kv.value)
	}
	keys := make([]string, 0, len(req.Params))
	for k := range req.Params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(reservedParams, k) {
			set(k, req.Params[k])
		}
	}

	// Keep the endpoint's own query text as written, minus the names set above.
	var kept []string
	for pair := range strings.SplitSeq(u.RawQuery, "&") {
		if pair == "" {
			continue
		}
		name, _, _ := strings.Cut(pair, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if _, replaced := pos[name]; !replaced {
			kept = append(kept, pair)
		}
	}
	if len(kept) > 0 {
		u.RawQuery = strings.Join(kept, "&") + "&" + p.encode()
	} else {
		u.RawQuery = p.encode()
	}
	return u.String(), nil
}

// joinScopes returns the scopes of each list in order, each once, without empty ones. It
// takes linear time, as a provider's answer may hold a very long scope list.
func joinScopes(lists ...[]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range lists {
		for _, s := range l {
			s = strings.TrimSpace(s)
			if s != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}
