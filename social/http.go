package social

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTimeout bounds every call to a provider when the options give no HTTPClient.
const DefaultTimeout = 10 * time.Second

const (
	// maxAnswer is the most of a provider's answer that is read.
	maxAnswer = 1 << 20
	// userAgent is sent on every call; GitHub's API refuses requests without one.
	userAgent = "krag"
)

// transport makes one provider's HTTP calls: redirects are never followed, answers are read
// up to maxAnswer bytes, and failures become *Error.
type transport struct {
	provider string
	client   *http.Client
}

// newTransport copies c (nil means a client with DefaultTimeout) and makes the copy refuse
// redirects, so the caller's client is left as it was.
func newTransport(provider string, c *http.Client) transport {
	if c == nil {
		c = &http.Client{Timeout: DefaultTimeout}
	}
	cp := *c
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return transport{provider: provider, client: &cp}
}

// answer is a provider's HTTP answer, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// fail builds the *Error for op at rawURL.
func (t transport) fail(kind error, op, rawURL string) *Error {
	return &Error{Kind: kind, Provider: t.provider, Op: op, URL: endpoint(rawURL)}
}

// get sends a GET with the bearer token (when not empty) and asks for JSON.
func (t transport) get(ctx context.Context, op, rawURL, bearer string, refusal error) (*answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		e := t.fail(refusal, op, rawURL)
		e.Err = err
		return nil, e
	}
	req.Header.Set("Accept", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return t.send(req, op, refusal)
}

// postForm sends form as application/x-www-form-urlencoded and asks for JSON.
func (t transport) postForm(ctx context.Context, op, rawURL string, form params, refusal error) (*answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, strings.NewReader(form.encode()))
	if err != nil {
		e := t.fail(refusal, op, rawURL)
		e.Err = err
		return nil, e
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	return t.send(req, op, refusal)
}

// send performs req. A network failure, an answer that cannot be read and a 5xx status are
// ErrUnreachable; a redirect, and an answer larger than maxAnswer, are the refusal kind given
// (the provider's answer is not what was asked for). Any other status is returned for the
// caller to judge.
func (t transport) send(req *http.Request, op string, refusal error) (*answer, error) {
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", userAgent)
	}
	rawURL := req.URL.String()
	resp, err := t.client.Do(req)
	if err != nil {
		e := t.fail(ErrUnreachable, op, rawURL)
		e.Err = err
		return nil, e
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		e := t.fail(ErrUnreachable, op, rawURL)
		e.Status = resp.StatusCode
		e.Description = "reading the answer failed"
		e.Err = err
		return nil, e
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		e := t.fail(refusal, op, rawURL)
		e.Status = resp.StatusCode
		e.Description = fmt.Sprintf("answered with a redirect to %q, which is not followed", endpoint(resp.Header.Get("Location")))
		return nil, e
	case resp.StatusCode >= 500:
		e := t.fail(ErrUnreachable, op, rawURL)
		e.Status = resp.StatusCode
		if a, err := parseTokenAnswer(resp.Header.Get("Content-Type"), body); err == nil {
			e.Code, e.Description = a.Error, a.ErrorDescription
		}
		return nil, e
	case len(body) > maxAnswer:
		e := t.fail(refusal, op, rawURL)
		e.Status = resp.StatusCode
		e.Description = fmt.Sprintf("the answer is larger than %d bytes", maxAnswer)
		return nil, e
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// endpoint is rawURL without query, fragment or user info: enough to name the endpoint in an
// error, never a secret that may sit in a query.
func endpoint(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		if i := strings.IndexAny(rawURL, "?#"); i >= 0 {
			return rawURL[:i]
		}
		return rawURL
	}
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}

// params are query or form parameters in the order they are sent.
type params []param

// param is one parameter.
type param struct{ key, value string }

// encode serialises p as application/x-www-form-urlencoded exactly as the WHATWG URL
// standard (and so Better Auth's URLSearchParams) does: "*-._" and alphanumerics stay, space
// is "+", every other byte is %XX.
func (p params) encode() string {
	var b strings.Builder
	for i, kv := range p {
		if i > 0 {
			b.WriteByte('&')
		}
		formEscape(&b, kv.key)
		b.WriteByte('=')
		formEscape(&b, kv.value)
	}
	return b.String()
}

// formEscape writes s escaped for application/x-www-form-urlencoded.
func formEscape(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '*', c == '-', c == '.', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
}

// fetchProfileJSON GETs a user-info endpoint with the access token and returns its JSON
// object. A refusal or an answer that is not a JSON object is ErrUserInfo.
func fetchProfileJSON(ctx context.Context, t transport, rawURL, accessToken string) (map[string]any, error) {
	ans, err := t.get(ctx, "user info", rawURL, accessToken, ErrUserInfo)
	if err != nil {
		return nil, err
	}
	if ans.status < 200 || ans.status > 299 {
		return nil, userInfoRefused(t, "user info", rawURL, ans)
	}
	m, err := decodeObject(ans.body)
	if err != nil {
		e := t.fail(ErrUserInfo, "user info", rawURL)
		e.Status, e.Description, e.Err = ans.status, "the answer is not a JSON object", err
		return nil, e
	}
	return m, nil
}

// userInfoRefused is the ErrUserInfo for a refusal, with the provider's reason: the OAuth
// error fields (RFC 6750) or a message field (GitHub's REST API).
func userInfoRefused(t transport, op, rawURL string, ans *answer) *Error {
	e := t.fail(ErrUserInfo, op, rawURL)
	e.Status = ans.status
	if m, err := decodeObject(ans.body); err == nil {
		e.Code = str(m["error"])
		e.Description = str(m["error_description"])
		if e.Description == "" {
			e.Description = str(m["message"])
		}
	}
	return e
}
