package electron

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/kragauth/krag"
)

// validateToken checks /electron/token's body as Better Auth's schema does: token, state
// and code_verifier non-empty strings; Krag also reads an optional client_id.
func validateToken(r *krag.Request) error {
	v := r.Validate()
	if v.Object(false) {
		v.NonEmptyString("token")
		v.NonEmptyString("state")
		v.NonEmptyString("code_verifier")
		v.OptString("client_id")
	}
	return v.Err()
}

func (p *Plugin) handleToken(r *krag.Request) error {
	v := r.Validate()
	sd, err := p.Exchange(r.Context(), v.String("token"), v.String("state"), v.String("code_verifier"),
		v.OptString("client_id"), krag.SessionInput{IPAddress: p.auth.ClientIP(r.HTTP), UserAgent: r.HTTP.UserAgent()})
	if err != nil {
		return err
	}
	r.StartSession(sd, false)
	return r.JSON(struct {
		Token string          `json:"token"`
		User  json.RawMessage `json:"user"`
	}{sd.Session.Token, p.auth.UserJSON(sd.User)})
}

// needQuery returns a Route.Validate wanting the named query parameters present.
func needQuery(keys ...string) func(r *krag.Request) error {
	return func(r *krag.Request) error {
		q := r.Query()
		for _, k := range keys {
			if !q.Has(k) {
				return krag.ErrValidation.WithMessage("[query." + k + "] Invalid input: expected string, received undefined")
			}
		}
		return nil
	}
}

var (
	validateInit        = needQuery("provider", "state", "code_challenge")
	validateTransferQry = needQuery("client_id", "state", "code_challenge")
)

func validateInitProvider(r *krag.Request) error {
	if r.Query().Get("provider") == "" {
		return krag.ErrValidation.WithMessage("[query.provider] Too small: expected string to have >=1 characters")
	}
	return nil
}

// handleInit starts a social sign-in for a desktop app, as Better Auth does: it calls its own
// POST /sign-in/social with the app's client_id, state and code_challenge in the query (so
// the sign-in hook keeps them in the transfer cookie across the provider's round trip),
// passes the cookies on, and redirects the browser to the provider.
func (p *Plugin) handleInit(r *krag.Request) error {
	if err := validateInitProvider(r); err != nil {
		return err
	}
	q := r.Query()
	clientID := q.Get("client_id")
	if p.clients[clientID] == nil {
		clientID = p.opts.Clients[0].ID
	}
	req := Request{ClientID: clientID, State: q.Get("state"), CodeChallenge: q.Get("code_challenge"), RedirectURI: q.Get("redirect_uri")}
	if _, err := p.Check(req); err != nil {
		return err
	}
	body := map[string]string{"provider": q.Get("provider")}
	if p.opts.CallbackURL != "" {
		body["callbackURL"] = p.opts.CallbackURL
	}
	b, _ := json.Marshal(body)
	target := p.auth.BasePath() + "/sign-in/social?" + req.Query().Encode()
	sub, err := http.NewRequestWithContext(r.Context(), http.MethodPost, target, bytes.NewReader(b))
	if err != nil {
		return err
	}
	sub.RemoteAddr, sub.Host = r.HTTP.RemoteAddr, r.HTTP.Host
	for k, vs := range r.HTTP.Header {
		if !strings.HasPrefix(k, "Sec-Fetch-") {
			sub.Header[k] = vs
		}
	}
	sub.Header.Set("Origin", p.auth.Origin())
	sub.Header.Set("Content-Type", "application/json")
	sub.Header.Del("Content-Length")
	rec := httptest.NewRecorder()
	p.auth.ServeHTTP(rec, sub)
	for _, line := range rec.Result().Header.Values("Set-Cookie") {
		r.SetCookie(line)
	}
	var out struct {
		URL      string `json:"url"`
		Redirect bool   `json:"redirect"`
	}
	if rec.Code != http.StatusOK {
		var e struct {
			Code    krag.Code `json:"code"`
			Message string    `json:"message"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &e)
		if e.Message == "" {
			e.Message = "An unknown error occurred."
		}
		return krag.NewError(rec.Code, e.Code, e.Message)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err == nil && out.URL != "" && out.Redirect {
		r.Redirect(out.URL)
		return nil
	}
	r.RawJSON(rec.Body.Bytes())
	return nil
}

func validateTransfer(r *krag.Request) error {
	if err := validateTransferQry(r); err != nil {
		return err
	}
	v := r.Validate()
	if v.Object(true) {
		v.OptString("callbackURL")
	}
	return v.Err()
}

// handleTransfer issues a code to the signed-in browser's user.
func (p *Plugin) handleTransfer(r *krag.Request) error {
	callbackURL := r.Validate().OptString("callbackURL")
	if callbackURL != "" && !p.auth.ValidRedirect(callbackURL) {
		return krag.ErrInvalidCallbackURL
	}
	g, err := p.Issue(r.Context(), r.Session.User.ID, RequestFromQuery(r.Query()))
	if err != nil {
		return err
	}
	p.setRedirectCookie(r, g)
	var u *string
	if callbackURL != "" {
		u = &callbackURL
	}
	return r.JSON(struct {
		URL      *string `json:"url"`
		Redirect bool    `json:"redirect"`
		Code     string  `json:"electron_authorization_code"`
	}{u, u != nil, g.Code})
}

// setRedirectCookie hands a new code to the page in the script-readable cookie
// "<CookiePrefix>.<client id>", as Better Auth's pages read it.
func (p *Plugin) setRedirectCookie(r *krag.Request, g *Grant) {
	r.SetScriptCookie(p.opts.CookiePrefix+"."+g.Client.ID, g.Token, p.opts.RedirectCookieExpiresIn)
}

// RedirectCookieName returns the name of the script-readable cookie that carries a new code
// for the client with id.
func (p *Plugin) RedirectCookieName(id string) string { return p.opts.CookiePrefix + "." + id }

// signInPaths are the routes after which a new session is handed to a desktop app (Better
// Auth's hook matcher; the ones Krag serves today are sign-in, sign-up and callback).
var signInPaths = []string{"/sign-in", "/sign-up", "/callback", "/magic-link/verify", "/email-otp/verify-email",
	"/verify-email", "/one-tap/callback", "/passkey/verify-authentication", "/phone-number/verify"}

// transfer is the transfer cookie's JSON.
type transfer struct {
	ClientID      string `json:"client_id"`
	CodeChallenge string `json:"code_challenge"`
	State         string `json:"state"`
	RedirectURI   string `json:"redirect_uri,omitempty"`
}

// signInRoute reports whether the route named route ("POST /sign-in/email") is one after
// which a new session is handed to a desktop app (Better Auth's hook matcher).
func signInRoute(route string) bool {
	_, path, _ := strings.Cut(route, " ")
	for _, pre := range signInPaths {
		if strings.HasPrefix(path, pre) {
			return true
		}
	}
	return false
}

// renewTransfer is Better Auth's hook for the other routes: a new session made elsewhere (a
// second factor, say) renews the transfer cookie, so that the sign-in it finishes still
// reaches the app.
func (p *Plugin) renewTransfer(r *krag.Request) error {
	if r.NewSession != nil {
		if v, ok := r.SignedCookie(transferCookie); ok {
			r.SetSignedCookie(transferCookie, v, p.opts.CodeExpiresIn)
		}
	}
	return nil
}

// afterSignIn is Better Auth's hook for sign-in, sign-up and callback routes. On a sign-in
// or sign-up that names a client in its query, it keeps the request in the signed transfer
// cookie; when the route created a session, it issues a code for the transfer cookie's (or
// the query's) request, sets the script-readable cookie and adds electron_authorization_code
// to a JSON answer.
func (p *Plugin) afterSignIn(r *krag.Request) error {
	_, path, _ := strings.Cut(r.Route(), " ")
	q := r.Query()
	fromQuery := RequestFromQuery(q)
	if (strings.HasPrefix(path, "/sign-in") || strings.HasPrefix(path, "/sign-up")) && p.clients[fromQuery.ClientID] != nil {
		if _, err := p.Check(fromQuery); err == nil {
			b, _ := json.Marshal(transfer{fromQuery.ClientID, fromQuery.CodeChallenge, fromQuery.State, fromQuery.RedirectURI})
			r.SetSignedCookie(transferCookie, string(b), p.opts.CodeExpiresIn)
		}
	}
	if r.NewSession == nil {
		return nil
	}
	var req *Request
	if v, ok := r.SignedCookie(transferCookie); ok {
		r.ExpireCookie(transferCookie)
		var t transfer
		if json.Unmarshal([]byte(v), &t) == nil {
			req = &Request{ClientID: t.ClientID, State: t.State, CodeChallenge: t.CodeChallenge, RedirectURI: t.RedirectURI}
		}
	} else if p.clients[fromQuery.ClientID] != nil && fromQuery.State != "" && fromQuery.CodeChallenge != "" {
		req = &fromQuery
	}
	if req == nil {
		return nil
	}
	g, err := p.Issue(r.Context(), r.NewSession.User.ID, *req)
	if errors.Is(err, ErrInvalidClientID) {
		return nil
	}
	if err != nil {
		return err
	}
	p.setRedirectCookie(r, g)
	if res := r.Result(); len(res) > 1 && res[0] == '{' {
		var obj map[string]json.RawMessage
		if json.Unmarshal(res, &obj) == nil {
			code, _ := json.Marshal(g.Code)
			out := append(bytes.TrimSuffix(bytes.TrimSpace(res), []byte("}")), []byte(`,"electron_authorization_code":`)...)
			if len(obj) == 0 {
				out = []byte(`{"electron_authorization_code":`)
			}
			r.RawJSON(append(append(out, code...), '}'))
		}
	}
	return nil
}
