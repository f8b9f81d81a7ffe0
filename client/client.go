// Package client is a Go SDK for Krag's wire protocol, which is Better Auth's: it signs users
// up and in, reads and manages sessions and updates users, against Krag or a Better Auth
// server alike. It keeps the session cookie in a cookie jar, as a browser would, and sends the
// Origin header that the server's CSRF checks expect.
//
// Additional user fields are typed at the call site: pass a struct with json tags as Fields
// when signing up or updating, and decode them back with User.Fields.
//
//	c, _ := client.New("http://localhost:4321", client.Options{})
//	_, err := c.SignUpEmail(ctx, client.SignUp{Name: "Ada", Email: "ada@example.com",
//		Password: "correct horse", Fields: Profile{FirstName: "Ada"}})
//	sd, _ := c.GetSession(ctx, client.GetSessionOptions{})
//	var p Profile
//	_ = sd.User.Fields(&p)
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// Options configures a Client. The zero value is ready to use.
type Options struct {
	// HTTPClient sends the requests. Its Jar is replaced by the Client's own cookie jar unless
	// it already has one. Default: a client with a 30-second timeout.
	HTTPClient *http.Client
	// BasePath is where the server mounts its API. Default "/api/auth".
	BasePath string
	// Origin is sent as the Origin header of every request. Default: the base URL's origin.
	Origin string
	// NoCookies makes the Client keep and send no cookies, for apps that authenticate each
	// call with a bearer token instead (WithBearer).
	NoCookies bool
}

// Client talks to one server. It is safe for concurrent use; its cookie jar is shared by all
// calls, so one Client is one signed-in browser.
type Client struct {
	api    string // base URL + base path
	origin string
	hc     *http.Client
}

// New returns a Client for the server at baseURL ("http://localhost:4321"). When baseURL has a
// path, it is taken as the API's base path.
func New(baseURL string, o Options) (*Client, error) {
	u, err := url.Parse(strings.TrimSuffix(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: base URL %q must be an absolute http or https URL", baseURL)
	}
	base := o.BasePath
	if base == "" {
		base = "/api/auth"
	}
	if u.Path != "" {
		base = u.Path
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	} else {
		c := *hc
		hc = &c
	}
	switch {
	case o.NoCookies:
		hc.Jar = nil
	case hc.Jar == nil:
		jar, _ := cookiejar.New(nil)
		hc.Jar = jar
	}
	// Redirects are answers to read (status and Location), not to follow.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	origin := o.Origin
	if origin == "" {
		origin = u.Scheme + "://" + u.Host
	}
	return &Client{api: u.Scheme + "://" + u.Host + base, origin: origin, hc: hc}, nil
}

// Jar returns the client's cookie jar (nil with Options.NoCookies).
func (c *Client) Jar() http.CookieJar { return c.hc.Jar }

// Error is an error answer of the server: its HTTP status and Better Auth's code and message.
type Error struct {
	Status  int
	Code    string
	Message string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Code == "" && e.Message == "" {
		return fmt.Sprintf("client: HTTP %d", e.Status)
	}
	return fmt.Sprintf("client: HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// Is matches another *Error with the same Code (or, without codes, the same status).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	if e.Code == "" && t.Code == "" {
		return e.Status == t.Status
	}
	return e.Code == t.Code
}

// CodeOf returns the Better Auth code of err, or "".
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Response is a raw answer, for Do.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// CallOption changes one request that Do sends, after its own headers are set.
type CallOption func(*http.Request)

// WithBearer sends token as "Authorization: Bearer <token>" (Better Auth's bearer plugin).
func WithBearer(token string) CallOption {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

// Do sends a request to path (relative to the API base, "/get-session") with body encoded as
// JSON (nil: no body) and decodes a 2xx JSON answer into out (nil: ignored). Answers of 400 and
// above become *Error: Better Auth's {"code","message"}, or RFC 6749's {"error",
// "error_description"} (the device flow's) as Code and Message. Plugins' endpoints are reached
// this way.
func (c *Client) Do(ctx context.Context, method, path string, body, out any, opts ...CallOption) (*Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("client: encode %s body: %w", path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.api+path, rd)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.origin != "" {
		req.Header.Set("Origin", c.origin)
	}
	for _, o := range opts {
		o(req)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("client: read %s: %w", path, err)
	}
	resp := &Response{Status: res.StatusCode, Header: res.Header, Body: data}
	if res.StatusCode >= 400 {
		e := &Error{Status: res.StatusCode}
		var eb struct {
			Message string `json:"message"`
			Code    string `json:"code"`
			Err     string `json:"error"`
			Desc    string `json:"error_description"`
		}
		if json.Unmarshal(data, &eb) == nil {
			e.Code, e.Message = eb.Code, eb.Message
			if e.Code == "" && e.Message == "" {
				e.Code, e.Message = eb.Err, eb.Desc
			}
		}
		return resp, e
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp, fmt.Errorf("client: decode %s answer: %w", path, err)
		}
	}
	return resp, nil
}

// withFields merges the JSON object of fields (a struct or map; nil for none) into base.
func withFields(base map[string]any, fields any) (map[string]any, error) {
	if fields == nil {
		return base, nil
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return nil, fmt.Errorf("client: encode fields: %w", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("client: fields must encode as a JSON object: %w", err)
	}
	for k, v := range m {
		if _, core := base[k]; !core {
			base[k] = v
		}
	}
	return base, nil
}
