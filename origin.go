package krag

import (
	"net/http"
	"net/url"
	"path"
	"strings"
)

// Origin and open-redirect checks (shared/spec/better-auth-core.md §8.1, §8.2).

// originPattern is one trusted origin entry, prepared for matching.
type originPattern struct {
	raw    string
	exact  string // normalised origin for plain http(s) entries
	glob   bool   // has * or ?
	host   bool   // glob on the host only (no scheme in the pattern)
	ipv4   bool   // host-only glob of digits, dots and wildcards: matches IPv4 hosts only
	scheme string // custom scheme entries ("myapp"), with authority and path below
	auth   string
	path   string
}

func parseOriginPattern(s string) (originPattern, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return originPattern{}, false
	}
	p := originPattern{raw: s}
	if strings.ContainsAny(s, "*?") {
		p.glob = true
		if !strings.Contains(s, "://") {
			p.host = true
			p.ipv4 = strings.Trim(s, "0123456789.*?") == ""
		}
		return p, true
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return originPattern{}, false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme == "http" || scheme == "https" {
		if u.Host == "" {
			return originPattern{}, false
		}
		p.exact = scheme + "://" + strings.ToLower(u.Host)
		return p, true
	}
	p.scheme = scheme
	p.auth = strings.ToLower(u.Host)
	p.path = cleanPath(u)
	return p, true
}

// cleanPath percent-decodes a URL's path and resolves "." and ".." segments.
func cleanPath(u *url.URL) string {
	p := u.Path
	if p == "" {
		p = u.Opaque
	}
	if p == "" {
		return ""
	}
	c := path.Clean("/" + p)
	if c == "/" {
		return ""
	}
	return c
}

// globMatch matches s against a pattern in which * matches any run of characters except "/"
// and ? one such character.
func globMatch(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			rest := pattern[1:]
			for i := 0; i <= len(s); i++ {
				if i > 0 && s[i-1] == '/' {
					return false
				}
				if globMatch(rest, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if len(s) == 0 || s[0] == '/' {
				return false
			}
		default:
			if len(s) == 0 || s[0] != pattern[0] {
				return false
			}
		}
		pattern, s = pattern[1:], s[1:]
	}
	return len(s) == 0
}

func isIPv4(h string) bool {
	parts := strings.Split(h, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// trusted reports whether the absolute URL u matches a trusted origin.
func (a *Auth) trusted(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Host)
	origin := scheme + "://" + host
	for i := range a.origins {
		p := &a.origins[i]
		switch {
		case p.exact != "":
			if origin == p.exact {
				return true
			}
		case p.glob && p.host:
			if scheme != "http" && scheme != "https" {
				continue
			}
			h := strings.ToLower(u.Hostname())
			if p.ipv4 && !isIPv4(h) {
				continue
			}
			if globMatch(strings.ToLower(p.raw), h) || globMatch(strings.ToLower(p.raw), host) {
				return true
			}
		case p.glob:
			if globMatch(strings.ToLower(p.raw), origin) {
				return true
			}
		case p.scheme != "":
			if scheme != p.scheme {
				continue
			}
			if p.auth == "" {
				return true
			}
			if host != p.auth {
				continue
			}
			if p.path == "" {
				return true
			}
			cp := cleanPath(u)
			if cp == p.path || strings.HasPrefix(cp, strings.TrimSuffix(p.path, "/")+"/") {
				return true
			}
		}
	}
	return false
}

// safeRelative reports whether s is a path on this site that cannot be turned into another
// origin: one leading "/", no backslash, no control characters, no encoded slashes.
func safeRelative(s string) bool {
	if len(s) == 0 || s[0] != '/' || strings.HasPrefix(s, "//") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\' {
			return false
		}
	}
	p := s
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	lp := strings.ToLower(p)
	if strings.Contains(lp, "%2f") || strings.Contains(lp, "%5c") {
		return false
	}
	u, err := url.Parse("http://krag.invalid" + s)
	return err == nil && u.Host == "krag.invalid" && u.User == nil
}

// ValidRedirect reports whether target may be redirected to: a safe relative path or a URL on
// a trusted origin. Use it for any URL taken from a request.
func (a *Auth) ValidRedirect(target string) bool {
	if a.opts.Advanced.DisableOriginCheck {
		return true
	}
	return safeRelative(target) || a.trusted(target)
}

// urlFields are the request fields holding URLs Krag may redirect to, with their error.
var urlFields = [...]struct {
	key   string
	query bool
	label string
	err   *Error
}{
	{"callbackURL", true, "callbackURL", ErrInvalidCallbackURL},
	{"redirectTo", false, "redirectURL", ErrInvalidRedirectURL},
	{"errorCallbackURL", false, "errorCallbackURL", ErrInvalidErrorCallbackURL},
	{"newUserCallbackURL", false, "newUserCallbackURL", ErrInvalidNewUserCallbackURL},
}

// checkURLFields validates the URL fields of the body and query.
func (a *Auth) checkURLFields(r *Request) error {
	if a.opts.Advanced.DisableOriginCheck {
		return nil
	}
	for _, f := range urlFields {
		if raw, ok := r.body[f.key]; ok && string(raw) != "null" {
			var s string
			if len(raw) == 0 || raw[0] != '"' || jsonUnquote(raw, &s) != nil {
				return &Error{Status: http.StatusBadRequest, Message: "Invalid " + f.label + ": expected a string"}
			}
			if s != "" && !a.ValidRedirect(s) {
				return f.err
			}
		}
		if f.query && r.HTTP.URL.RawQuery != "" {
			if s := r.Query().Get(f.key); s != "" && !a.ValidRedirect(s) {
				return f.err
			}
		}
	}
	return nil
}

// requestOrigin returns the origin the request was made to: BaseURL's, or in Development
// without a BaseURL, the request's own host.
func (a *Auth) requestOrigin(r *http.Request) string {
	if a.baseOrigin != "" {
		return a.baseOrigin
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + strings.ToLower(r.Host)
}

// checkOrigin validates the Origin (or Referer) header of a state-changing request.
func (a *Auth) checkOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "null" && r.Header.Get("Sec-Fetch-Site") == "same-origin" {
		origin = a.requestOrigin(r)
	}
	if origin == "" {
		if ref := r.Header.Get("Referer"); ref != "" {
			if u, err := url.Parse(ref); err == nil && u.Scheme != "" && u.Host != "" {
				origin = u.Scheme + "://" + u.Host
			} else {
				return ErrInvalidOrigin
			}
		}
	}
	if origin == "" || origin == "null" {
		return ErrMissingOrNullOrigin
	}
	if !a.trusted(origin) && !(a.baseOrigin == "" && strings.EqualFold(origin, a.requestOrigin(r))) {
		return ErrInvalidOrigin
	}
	return nil
}

// csrf applies the global origin check to state-changing requests that carry cookies.
func (a *Auth) csrf(r *Request) error {
	if a.opts.Advanced.DisableCSRFCheck || a.opts.Advanced.DisableOriginCheck {
		return nil
	}
	hr := r.HTTP
	if hr.Method == http.MethodGet || hr.Method == http.MethodHead || hr.Method == http.MethodOptions {
		return nil
	}
	if len(hr.Header["Cookie"]) > 0 {
		return a.checkOrigin(hr)
	}
	return nil
}

// fetchMetadata is sign-in's and sign-up's extra check for requests without cookies, run after
// the body is validated: a cross-site navigation is refused, and a browser request (one with
// Fetch Metadata headers) or one that names an origin must come from a trusted origin.
func (a *Auth) fetchMetadata(r *Request) error {
	if a.opts.Advanced.DisableCSRFCheck || a.opts.Advanced.DisableOriginCheck {
		return nil
	}
	hr := r.HTTP
	if len(hr.Header["Cookie"]) > 0 {
		return nil // checked by csrf already
	}
	site, mode, dest := hr.Header.Get("Sec-Fetch-Site"), hr.Header.Get("Sec-Fetch-Mode"), hr.Header.Get("Sec-Fetch-Dest")
	if site != "" || mode != "" || dest != "" {
		if site == "cross-site" && mode == "navigate" {
			return ErrCrossSiteNavigationLoginBlocked
		}
		return a.checkOrigin(hr)
	}
	if hr.Header.Get("Origin") != "" || hr.Header.Get("Referer") != "" {
		return a.checkOrigin(hr)
	}
	return nil
}
