package social

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxLifetime is the longest expires_in taken at its word (ten years); a longer or
// negative one counts as not said.
const maxLifetime = 10 * 365 * 24 * 60 * 60

// tokenAnswer is a token endpoint's answer (RFC 6749 §5.1 and §5.2), from JSON or from a
// form-encoded body (GitHub without Accept: application/json).
type tokenAnswer struct {
	AccessToken  string
	TokenType    string
	RefreshToken string
	IDToken      string
	// ExpiresIn and RefreshTokenExpiresIn are in seconds, 0 when not said (or unusable).
	ExpiresIn             int64
	RefreshTokenExpiresIn int64
	// Scopes are the granted scopes; HasScope is false when the answer named none.
	Scopes   []string
	HasScope bool
	// Error, ErrorDescription and ErrorURI are the RFC 6749 error fields.
	Error            string
	ErrorDescription string
	ErrorURI         string
}

// parseTokenAnswer reads a token endpoint's body. The content type decides the format
// (JSON, or form for application/x-www-form-urlencoded and text/plain); without a known one
// a body starting with "{" is JSON. Numbers may come as JSON numbers or numeric strings;
// scope as a space- or comma-separated string (GitHub uses commas) or an array.
func parseTokenAnswer(contentType string, body []byte) (*tokenAnswer, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, errors.New("empty answer")
	}
	isJSON := trimmed[0] == '{'
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		switch {
		case mt == "application/json" || strings.HasSuffix(mt, "+json"):
			isJSON = true
		case mt == "application/x-www-form-urlencoded" || mt == "text/plain":
			isJSON = false
		}
	}
	if isJSON {
		return parseTokenJSON(trimmed)
	}
	return parseTokenForm(string(trimmed))
}

// parseTokenJSON reads a JSON token answer.
func parseTokenJSON(body []byte) (*tokenAnswer, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("reading the JSON answer: %w", err)
	}
	a := &tokenAnswer{}
	var errs []error
	str := func(key string, dst *string) {
		raw, ok := m[key]
		if !ok {
			return
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
			return
		}
		switch v := v.(type) {
		case nil:
		case string:
			*dst = v
		default:
			errs = append(errs, fmt.Errorf("%s is not a string", key))
		}
	}
	str("access_token", &a.AccessToken)
	str("token_type", &a.TokenType)
	str("refresh_token", &a.RefreshToken)
	str("id_token", &a.IDToken)
	str("error_description", &a.ErrorDescription)
	str("error_uri", &a.ErrorURI)
	if raw, ok := m["error"]; ok {
		var v any
		if json.Unmarshal(raw, &v) == nil {
			switch v := v.(type) {
			case nil:
			case string:
				a.Error = v
			default:
				// Some providers send an object; keep it readable rather than drop it.
				a.Error = string(raw)
			}
		}
	}
	a.ExpiresIn = seconds(m["expires_in"])
	a.RefreshTokenExpiresIn = seconds(m["refresh_token_expires_in"])
	if raw, ok := m["scope"]; ok {
		var v any
		if json.Unmarshal(raw, &v) == nil {
			switch v := v.(type) {
			case string:
				a.Scopes = parseScopes(v)
			case []any:
				for _, s := range v {
					if s, ok := s.(string); ok {
						a.Scopes = joinScopes(a.Scopes, parseScopes(s))
					}
				}
			}
			a.HasScope = len(a.Scopes) > 0
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return a, nil
}

// parseTokenForm reads a form-encoded token answer.
func parseTokenForm(body string) (*tokenAnswer, error) {
	v, err := url.ParseQuery(body)
	if err != nil {
		return nil, fmt.Errorf("reading the form answer: %w", err)
	}
	a := &tokenAnswer{
		AccessToken:      v.Get("access_token"),
		TokenType:        v.Get("token_type"),
		RefreshToken:     v.Get("refresh_token"),
		IDToken:          v.Get("id_token"),
		Error:            v.Get("error"),
		ErrorDescription: v.Get("error_description"),
		ErrorURI:         v.Get("error_uri"),
	}
	a.ExpiresIn = secondsString(v.Get("expires_in"))
	a.RefreshTokenExpiresIn = secondsString(v.Get("refresh_token_expires_in"))
	a.Scopes = parseScopes(v.Get("scope"))
	a.HasScope = len(a.Scopes) > 0
	return a, nil
}

// seconds reads a lifetime given as a JSON number or a numeric string; anything else, a
// negative or an absurdly long one, is 0 (not said).
func seconds(raw json.RawMessage) int64 {
	if len(raw) == 0 {
		return 0
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return 0
	}
	switch v := v.(type) {
	case json.Number:
		return secondsString(v.String())
	case string:
		return secondsString(v)
	}
	return 0
}

// secondsString reads a lifetime in seconds written as a decimal number.
func secondsString(s string) int64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n <= 0 || n > maxLifetime {
			return 0
		}
		return n
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f < 1 || f > maxLifetime {
		return 0
	}
	return int64(f)
}

// parseScopes splits a scope field on spaces and commas (RFC 6749 uses spaces, GitHub
// commas), dropping empty entries and repeats.
func parseScopes(s string) []string {
	return joinScopes(strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}))
}

// tokenClient calls one token endpoint as client_secret_post (Better Auth's default with a
// client secret; without one only client_id is sent).
type tokenClient struct {
	t            transport
	url          string
	clientID     string
	clientSecret string
	now          func() time.Time
}

// exchange trades an authorization code (grant_type=authorization_code). requested are the
// scopes to report when the answer names none.
func (c tokenClient) exchange(ctx context.Context, req ExchangeRequest, requested []string) (*Tokens, error) {
	if req.Code == "" {
		e := c.t.fail(ErrInvalidCode, "exchange", c.url)
		e.Description = "empty authorization code"
		return nil, e
	}
	form := params{{"grant_type", "authorization_code"}, {"code", req.Code}}
	if req.CodeVerifier != "" {
		form = append(form, param{"code_verifier", req.CodeVerifier})
	}
	form = append(form, param{"redirect_uri", req.RedirectURI})
	a, err := c.post(ctx, "exchange", form)
	if err != nil {
		return nil, err
	}
	t := a.tokens(c.now())
	if !a.HasScope {
		t.Scopes = joinScopes(requested)
	}
	return t, nil
}

// refresh trades a refresh token (grant_type=refresh_token). A missing refresh token in the
// answer keeps the one given.
func (c tokenClient) refresh(ctx context.Context, refreshToken string) (*Tokens, error) {
	if refreshToken == "" {
		e := c.t.fail(ErrInvalidCode, "refresh", c.url)
		e.Description = "empty refresh token"
		return nil, e
	}
	form := params{{"grant_type", "refresh_token"}, {"refresh_token", refreshToken}}
	a, err := c.post(ctx, "refresh", form)
	if err != nil {
		return nil, err
	}
	t := a.tokens(c.now())
	if t.RefreshToken == "" {
		t.RefreshToken = refreshToken
	}
	return t, nil
}

// post sends form plus the client credentials and reads the answer. The provider's refusal,
// whatever the status (GitHub answers 200 with error=...), is ErrInvalidCode.
func (c tokenClient) post(ctx context.Context, op string, form params) (*tokenAnswer, error) {
	form = append(form, param{"client_id", c.clientID})
	if c.clientSecret != "" {
		form = append(form, param{"client_secret", c.clientSecret})
	}
	ans, err := c.t.postForm(ctx, op, c.url, form, ErrInvalidCode)
	if err != nil {
		return nil, err
	}
	fail := func(desc string) *Error {
		e := c.t.fail(ErrInvalidCode, op, c.url)
		e.Status = ans.status
		e.Description = desc
		return e
	}
	a, err := parseTokenAnswer(ans.header.Get("Content-Type"), ans.body)
	if err != nil {
		e := fail("unreadable answer")
		e.Err = err
		return nil, e
	}
	if a.Error != "" {
		e := fail(a.ErrorDescription)
		e.Code = a.Error
		return nil, e
	}
	if ans.status < 200 || ans.status > 299 {
		return nil, fail("")
	}
	if a.AccessToken == "" {
		return nil, fail("the answer has no access_token")
	}
	return a, nil
}

// tokens converts the answer, with lifetimes counted from now.
func (a *tokenAnswer) tokens(now time.Time) *Tokens {
	t := &Tokens{
		AccessToken:  a.AccessToken,
		RefreshToken: a.RefreshToken,
		IDToken:      a.IDToken,
		Scopes:       a.Scopes,
	}
	if a.ExpiresIn > 0 {
		t.AccessTokenExpiresAt = now.Add(time.Duration(a.ExpiresIn) * time.Second)
	}
	if a.RefreshTokenExpiresIn > 0 {
		t.RefreshTokenExpiresAt = now.Add(time.Duration(a.RefreshTokenExpiresIn) * time.Second)
	}
	return t
}
