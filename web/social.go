package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kragauth/krag"
)

// API routes the pages run in process, relative to the Auth's BasePath. Krag has no Go API for
// starting a provider flow (the flow's state, cookie and PKCE live in the API's handler), so
// the pages hand the Auth's own handler a request built from the browser's, with no network
// in between: the API's origin check, rate limit and session checks apply unchanged.
const (
	routeSignInSocial = "/sign-in/social"
	routeLinkSocial   = "/link-social"
)

// socialStart is the JSON body of sign-in/social and link-social.
type socialStart struct {
	Provider           string `json:"provider"`
	CallbackURL        string `json:"callbackURL"`
	NewUserCallbackURL string `json:"newUserCallbackURL,omitempty"`
	ErrorCallbackURL   string `json:"errorCallbackURL"`
	DisableRedirect    bool   `json:"disableRedirect"`
}

// startSocial asks the API for the provider's authorization URL, passes on the cookies it sets
// (the signed state cookie) and sends the browser to the provider with 303 See Other. An error
// of the API is returned as the *krag.Error it answered.
func (s *site) startSocial(w http.ResponseWriter, r *http.Request, route string, body socialStart) error {
	body.DisableRedirect = true
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req := r.Clone(r.Context())
	req.Method = http.MethodPost
	req.URL = &url.URL{Path: s.auth.BasePath() + route}
	req.RequestURI = req.URL.Path
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.ContentLength = int64(len(b))
	req.Form, req.PostForm = nil, nil
	req.Header = r.Header.Clone()
	req.Header.Del("Content-Length")
	req.Header.Set("Content-Type", "application/json")
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	s.auth.ServeHTTP(rec, req)
	for _, c := range rec.header.Values("Set-Cookie") {
		w.Header().Add("Set-Cookie", c)
	}
	if rec.status != http.StatusOK {
		var e struct {
			Code    krag.Code `json:"code"`
			Message string    `json:"message"`
		}
		json.Unmarshal(rec.body.Bytes(), &e)
		return &krag.Error{Status: rec.status, Code: e.Code, Message: e.Message}
	}
	var out struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(rec.body.Bytes(), &out); err != nil || out.URL == "" {
		return fmt.Errorf("web: %s answered without a URL: %q", route, rec.body.String())
	}
	http.Redirect(w, r, out.URL, http.StatusSeeOther)
	return nil
}

// recorder keeps the API's in-process answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }

// providerButtons returns a button for each configured provider, in the configured order.
func (s *site) providerButtons() []providerButton {
	var out []providerButton
	for _, p := range s.opts.Providers {
		out = append(out, providerButton{ID: p.ID(), Label: providerLabel(p.ID())})
	}
	return out
}

func (s *site) hasProvider(id string) bool {
	for _, p := range s.opts.Providers {
		if p.ID() == id {
			return true
		}
	}
	return false
}

// providerLabel returns how people know a provider: its brand for the well-known ids, else the
// id with a capital ("okta" → "Okta"; the default OpenID id "oidc" → "single sign-on").
func providerLabel(id string) string {
	switch id {
	case "google":
		return "Google"
	case "github":
		return "GitHub"
	case "gitlab":
		return "GitLab"
	case "microsoft":
		return "Microsoft"
	case "apple":
		return "Apple"
	case "oidc":
		return "single sign-on"
	case "credential":
		return "Email and password"
	}
	r, n := utf8.DecodeRuneInString(id)
	return strings.ReplaceAll(string(unicode.ToUpper(r))+id[n:], "-", " ")
}
