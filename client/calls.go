package client

import (
	"context"
	"net/http"
	"net/url"
)

// The calls below are Better Auth's core endpoints (shared/spec/better-auth-core.md §2), named
// as the JS client names them.

// SignUp is the body of SignUpEmail.
type SignUp struct {
	Name     string
	Email    string
	Password string
	Image    string
	// RememberMe false asks for a one-day, browser-session cookie; nil means the default.
	RememberMe  *bool
	CallbackURL string
	// Fields holds additional user fields: a struct with json tags or a map.
	Fields any
}

// AuthResponse answers SignUpEmail and ChangePassword. Token is nil when no session was made.
type AuthResponse struct {
	Token *string `json:"token"`
	User  User    `json:"user"`
}

// SignUpEmail creates a user (POST /sign-up/email).
func (c *Client) SignUpEmail(ctx context.Context, in SignUp) (*AuthResponse, error) {
	body := map[string]any{"name": in.Name, "email": in.Email, "password": in.Password}
	if in.Image != "" {
		body["image"] = in.Image
	}
	if in.RememberMe != nil {
		body["rememberMe"] = *in.RememberMe
	}
	if in.CallbackURL != "" {
		body["callbackURL"] = in.CallbackURL
	}
	body, err := withFields(body, in.Fields)
	if err != nil {
		return nil, err
	}
	var out AuthResponse
	if _, err := c.Do(ctx, http.MethodPost, "/sign-up/email", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SignIn is the body of SignInEmail.
type SignIn struct {
	Email       string
	Password    string
	RememberMe  *bool
	CallbackURL string
}

// SignInResponse answers SignInEmail.
type SignInResponse struct {
	Redirect bool   `json:"redirect"`
	Token    string `json:"token"`
	URL      string `json:"url"`
	User     User   `json:"user"`
}

// SignInEmail signs in with an email and password (POST /sign-in/email).
func (c *Client) SignInEmail(ctx context.Context, in SignIn) (*SignInResponse, error) {
	body := map[string]any{"email": in.Email, "password": in.Password}
	if in.RememberMe != nil {
		body["rememberMe"] = *in.RememberMe
	}
	if in.CallbackURL != "" {
		body["callbackURL"] = in.CallbackURL
	}
	var out SignInResponse
	if _, err := c.Do(ctx, http.MethodPost, "/sign-in/email", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SignOut ends the session (POST /sign-out).
func (c *Client) SignOut(ctx context.Context) error {
	_, err := c.Do(ctx, http.MethodPost, "/sign-out", map[string]any{}, nil)
	return err
}

// GetSessionOptions are get-session's query switches.
type GetSessionOptions struct {
	DisableCookieCache bool
	DisableRefresh     bool
}

// GetSession returns the current session, or nil when signed out (GET /get-session).
func (c *Client) GetSession(ctx context.Context, o GetSessionOptions) (*SessionData, error) {
	q := url.Values{}
	if o.DisableCookieCache {
		q.Set("disableCookieCache", "true")
	}
	if o.DisableRefresh {
		q.Set("disableRefresh", "true")
	}
	path := "/get-session"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out *SessionData
	if _, err := c.Do(ctx, http.MethodGet, path, nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// ListSessions lists the user's sessions (GET /list-sessions).
func (c *Client) ListSessions(ctx context.Context) ([]Session, error) {
	var out []Session
	if _, err := c.Do(ctx, http.MethodGet, "/list-sessions", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// RevokeSession revokes one session by the token ListSessions shows (POST /revoke-session).
func (c *Client) RevokeSession(ctx context.Context, token string) error {
	_, err := c.Do(ctx, http.MethodPost, "/revoke-session", map[string]any{"token": token}, nil)
	return err
}

// RevokeSessions revokes every session of the user, this one included (POST /revoke-sessions).
func (c *Client) RevokeSessions(ctx context.Context) error {
	_, err := c.Do(ctx, http.MethodPost, "/revoke-sessions", map[string]any{}, nil)
	return err
}

// RevokeOtherSessions revokes every session but this one (POST /revoke-other-sessions).
func (c *Client) RevokeOtherSessions(ctx context.Context) error {
	_, err := c.Do(ctx, http.MethodPost, "/revoke-other-sessions", map[string]any{}, nil)
	return err
}

// UpdateUser is the body of UpdateUser. Nil pointers leave fields alone.
type UpdateUser struct {
	Name *string
	// Image sets the image; set ClearImage to send null instead.
	Image      *string
	ClearImage bool
	// Fields holds additional user fields to change.
	Fields any
}

// UpdateUser changes the user's profile (POST /update-user).
func (c *Client) UpdateUser(ctx context.Context, in UpdateUser) error {
	body := map[string]any{}
	if in.Name != nil {
		body["name"] = *in.Name
	}
	if in.Image != nil {
		body["image"] = *in.Image
	}
	if in.ClearImage {
		body["image"] = nil
	}
	body, err := withFields(body, in.Fields)
	if err != nil {
		return err
	}
	_, err = c.Do(ctx, http.MethodPost, "/update-user", body, nil)
	return err
}

// ChangePassword is the body of ChangePassword.
type ChangePassword struct {
	CurrentPassword     string
	NewPassword         string
	RevokeOtherSessions bool
}

// ChangePassword changes the password (POST /change-password).
func (c *Client) ChangePassword(ctx context.Context, in ChangePassword) (*AuthResponse, error) {
	body := map[string]any{"currentPassword": in.CurrentPassword, "newPassword": in.NewPassword}
	if in.RevokeOtherSessions {
		body["revokeOtherSessions"] = true
	}
	var out AuthResponse
	if _, err := c.Do(ctx, http.MethodPost, "/change-password", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// VerifyPassword checks the current password (POST /verify-password).
func (c *Client) VerifyPassword(ctx context.Context, password string) error {
	_, err := c.Do(ctx, http.MethodPost, "/verify-password", map[string]any{"password": password}, nil)
	return err
}

// ChangeEmail changes the email address (POST /change-email).
func (c *Client) ChangeEmail(ctx context.Context, newEmail, callbackURL string) error {
	body := map[string]any{"newEmail": newEmail}
	if callbackURL != "" {
		body["callbackURL"] = callbackURL
	}
	_, err := c.Do(ctx, http.MethodPost, "/change-email", body, nil)
	return err
}

// DeleteUser is the body of DeleteUser.
type DeleteUser struct {
	Password    string
	CallbackURL string
}

// DeleteUser deletes the signed-in user (POST /delete-user).
func (c *Client) DeleteUser(ctx context.Context, in DeleteUser) error {
	body := map[string]any{}
	if in.Password != "" {
		body["password"] = in.Password
	}
	if in.CallbackURL != "" {
		body["callbackURL"] = in.CallbackURL
	}
	_, err := c.Do(ctx, http.MethodPost, "/delete-user", body, nil)
	return err
}

// OK checks that the server answers (GET /ok).
func (c *Client) OK(ctx context.Context) error {
	var out struct {
		OK bool `json:"ok"`
	}
	if _, err := c.Do(ctx, http.MethodGet, "/ok", nil, &out); err != nil {
		return err
	}
	if !out.OK {
		return &Error{Status: 200, Message: "server did not answer ok"}
	}
	return nil
}
