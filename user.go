package krag

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"sort"
	"strings"

	"github.com/kragauth/krag/schema"
)

// updateUserBody is the body of POST /update-user.
type updateUserBody struct {
	name, image       string
	nameSet, imageSet bool
}

func parseUpdateUser(r *Request) (updateUserBody, error) {
	var b updateUserBody
	if r.body == nil {
		return b, ErrBodyMustBeAnObject
	}
	v := r.Validate()
	b.name = v.OptString("name")
	_, b.nameSet = r.body["name"]
	b.image, b.imageSet = v.NullableString("image")
	return b, v.Err()
}

func (a *Auth) handleUpdateUser(r *Request) error {
	in, err := parseUpdateUser(r)
	if err != nil {
		return err
	}
	if raw, ok := r.body["email"]; ok && !falsy(raw) {
		return ErrEmailCanNotBeUpdated
	}
	name, nameSet, image, imageSet := in.name, in.nameSet, in.image, in.imageSet
	extra, err := a.parseFieldInput(r, a.userTable.Fields[coreUserFields:], false)
	if err != nil {
		return err
	}
	if !nameSet && !imageSet && len(extra) == 0 {
		return errNoFieldsToUpdate
	}
	// The session's user may come from the cookie cache, up to MaxAge old: apply the change to
	// the row as it is now, or a stale copy would write back fields changed since (a role, or
	// a deactivation).
	fresh, err := a.FindUserByID(r.Context(), r.Session.User.ID)
	if err != nil {
		return err
	}
	u := *fresh
	if u.extra == nil {
		u.extra = map[string]any{}
	}
	if nameSet {
		u.Name = name
	}
	if imageSet {
		u.Image = image
	}
	for k, v := range extra {
		u.extra[k] = v
	}
	if err := a.UpdateUser(r.Context(), &u); err != nil {
		if errors.Is(err, ErrUserNotFound) {
			return err
		}
		return ErrFailedToUpdateUser.Wrap(err)
	}
	a.resetSessionCookies(r, &SessionData{Session: r.Session.Session, User: &u})
	return r.JSON(map[string]bool{"status": true})
}

// resetSessionCookies re-sends the session cookie (same token) and the cache after the user
// changed, keeping a dont_remember session a browser-session cookie.
func (a *Auth) resetSessionCookies(r *Request, sd *SessionData) {
	dr := a.dontRemember(r.HTTP)
	maxAge := int(a.opts.Session.ExpiresIn.Seconds())
	if dr {
		maxAge = -1
	}
	r.SetCookie(a.cookies.line(a.cookies.sessionToken, a.signedToken(sd.Session.Token), maxAge))
	a.forgetCache(r)
	a.setCacheCookie(r, sd, dr)
}

// ChangeEmail changes the user's email at once and marks it unverified (Krag's behaviour while
// no verification email sender is configured; Better Auth's flow 1 of
// shared/spec/better-auth-core.md §2.12). An email that belongs to another user changes
// nothing and is not an error, so the answer does not reveal it. Errors:
// ErrChangeEmailDisabled, ErrInvalidEmail, and a 400 "Email is the same".
func (a *Auth) ChangeEmail(ctx context.Context, u *User, newEmail string) (*User, error) {
	if !a.opts.User.ChangeEmail.Enabled {
		return nil, ErrChangeEmailDisabled
	}
	if !ValidEmail(newEmail) {
		return nil, ErrInvalidEmail
	}
	newEmail = strings.ToLower(newEmail)
	if newEmail == u.Email {
		return nil, &Error{Status: http.StatusBadRequest, Message: "Email is the same"}
	}
	if _, err := a.FindUserByEmail(ctx, newEmail); err == nil {
		return u, nil
	} else if !errors.Is(err, ErrUserNotFound) {
		return nil, err
	}
	next := *u
	next.Email = newEmail
	next.EmailVerified = false
	if err := a.UpdateUser(ctx, &next); err != nil {
		if errors.Is(err, ErrUserAlreadyExists) {
			return u, nil
		}
		return nil, err
	}
	return &next, nil
}

func parseChangeEmail(r *Request) (string, error) {
	v := r.Validate()
	if !v.Object(false) {
		return "", v.Err()
	}
	newEmail := v.Email("newEmail")
	v.OptString("callbackURL")
	return newEmail, v.Err()
}

func (a *Auth) handleChangeEmail(r *Request) error {
	newEmail, err := parseChangeEmail(r)
	if err != nil {
		return err
	}
	if !a.opts.User.ChangeEmail.Enabled {
		return ErrChangeEmailDisabled
	}
	u, err := a.ChangeEmail(r.Context(), r.Session.User, newEmail)
	if err != nil {
		return err
	}
	if u != r.Session.User {
		a.resetSessionCookies(r, &SessionData{Session: r.Session.Session, User: u})
	}
	return r.JSON(map[string]bool{"status": true})
}

// DeleteUserInput describes an account deletion for Auth.DeleteUserAccount.
type DeleteUserInput struct {
	// Password, when set, must be the user's password.
	Password string
	// Fresh tells that the session asking was created within Session.FreshAge; without a
	// password a stale session is refused with ErrSessionExpired.
	Fresh bool
}

// DeleteUserAccount deletes the user as Better Auth's POST /delete-user does without a
// verification email (shared/spec/better-auth-core.md §2.15): the password, when given, must
// match; otherwise the session must be fresh. User.DeleteUser's hooks run around it.
func (a *Auth) DeleteUserAccount(ctx context.Context, u *User, in DeleteUserInput) error {
	if !a.opts.User.DeleteUser.Enabled {
		return errNotFoundEmpty
	}
	if in.Password != "" {
		ac, err := a.CredentialAccount(ctx, u.ID)
		if err != nil {
			return err
		}
		ok, err := a.hasher.Verify(ctx, ac.Password, in.Password)
		if err != nil || !ok {
			return ErrInvalidPassword
		}
	} else if !in.Fresh {
		return ErrSessionExpired
	}
	if h := a.opts.User.DeleteUser.BeforeDelete; h != nil {
		if err := h(ctx, u); err != nil {
			return err
		}
	}
	if err := a.DeleteUser(ctx, u); err != nil {
		return err
	}
	if h := a.opts.User.DeleteUser.AfterDelete; h != nil {
		h(ctx, u)
	}
	return nil
}

// deleteUserBody is the body of POST /delete-user.
type deleteUserBody struct{ password, token string }

func parseDeleteUser(r *Request) (deleteUserBody, error) {
	var b deleteUserBody
	v := r.Validate()
	if !v.Object(true) {
		return b, v.Err()
	}
	b.password = v.OptString("password")
	b.token = v.OptString("token")
	v.OptString("callbackURL")
	return b, v.Err()
}

func (a *Auth) handleDeleteUser(r *Request) error {
	in, err := parseDeleteUser(r)
	if err != nil {
		return err
	}
	if !a.opts.User.DeleteUser.Enabled {
		return errNotFoundEmpty
	}
	password, tok := in.password, in.token
	if tok != "" {
		// Delete tokens come with the verification email flow, which needs a mailer.
		return ErrInvalidToken.WithStatus(http.StatusNotFound)
	}
	err = a.DeleteUserAccount(r.Context(), r.Session.User, DeleteUserInput{Password: password, Fresh: a.fresh(r.Session.Session)})
	if err != nil {
		return err
	}
	a.clearSessionCookies(r)
	return r.JSON(map[string]any{"success": true, "message": "User deleted"})
}

func (a *Auth) handleOK(r *Request) error {
	r.RawJSON([]byte(`{"ok":true}`))
	return nil
}

// handleError shows the error page Better Auth serves at GET /error.
func (a *Auth) handleError(r *Request) error {
	q := r.Query()
	code := q.Get("error")
	if !validErrorCode(code) {
		code = "UNKNOWN"
	}
	desc := q.Get("error_description")
	var b strings.Builder
	b.WriteString("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>")
	b.WriteString(html.EscapeString(a.opts.AppName))
	b.WriteString(" · Error</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2328}code{background:#f6f8fa;padding:.1em .3em;border-radius:4px}</style></head><body><main><h1>Something went wrong</h1><p>Sign-in could not be completed.</p><p>Error code: <code>")
	b.WriteString(html.EscapeString(code))
	b.WriteString("</code></p>")
	if desc != "" {
		b.WriteString("<p>")
		b.WriteString(html.EscapeString(desc))
		b.WriteString("</p>")
	}
	b.WriteString("<p><a href=\"/\">Back to the start page</a></p></main></body></html>")
	r.Header().Set("Content-Type", "text/html; charset=utf-8")
	r.status, r.result = http.StatusOK, []byte(b.String())
	r.html = true
	return nil
}

func validErrorCode(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isAlnum(c) || c == '_' || c == '\'' || c == '-') {
			return false
		}
	}
	return true
}

// coreRoutes lists Better Auth's core routes that Krag serves.
func (a *Auth) coreRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/sign-up/email", Form: true, Validate: validates(parseSignUp), Handler: a.handleSignUpEmail},
		{Method: "POST", Path: "/sign-in/email", Form: true, Validate: validates(parseSignIn), Handler: a.handleSignInEmail},
		{Method: "POST", Path: "/sign-out", Handler: a.handleSignOut},
		{Method: "GET", Path: "/get-session", Handler: a.handleGetSession},
		{Method: "GET", Path: "/list-sessions", Session: SessionFresh, Handler: a.handleListSessions},
		{Method: "POST", Path: "/revoke-session", Session: SessionSensitive, Validate: validates(parseRevokeSession), Handler: a.handleRevokeSession},
		{Method: "POST", Path: "/revoke-sessions", Session: SessionSensitive, Handler: a.handleRevokeSessions},
		{Method: "POST", Path: "/revoke-other-sessions", Session: SessionSensitive, Handler: a.handleRevokeOtherSessions},
		{Method: "POST", Path: "/update-user", Session: SessionRequired, Validate: validates(parseUpdateUser), Handler: a.handleUpdateUser},
		{Method: "POST", Path: "/change-password", Session: SessionSensitive, Validate: validates(parseChangePassword), Handler: a.handleChangePassword},
		{Method: "POST", Path: "/verify-password", Session: SessionSensitive, Validate: validates(parseVerifyPassword), Handler: a.handleVerifyPassword},
		{Method: "POST", Path: "/change-email", Session: SessionSensitive, Validate: validates(parseChangeEmail), Handler: a.handleChangeEmail},
		{Method: "POST", Path: "/delete-user", Session: SessionSensitive, Validate: validates(parseDeleteUser), Handler: a.handleDeleteUser},
		{Method: "GET", Path: "/ok", Handler: a.handleOK},
		{Method: "GET", Path: "/error", Handler: a.handleError},
	}
}

// ApplyUserData sets fields of u from a JSON object keyed by logical field names, as an
// administrator sends them (Better Auth's admin update-user and create-user data): the core
// fields name, email, emailVerified and image, and every additional field, read-only ones
// included. Each value must have its field's JSON type; an unknown field, id, or a timestamp is
// refused (400 VALIDATION_ERROR naming it). u is changed only when every value is valid; it is
// not stored.
func (a *Auth) ApplyUserData(u *User, data map[string]json.RawMessage) error {
	var issues []string
	set := make(map[string]any, len(data))
	extra := map[string]*schema.Field{}
	for i := range a.userTable.Fields[coreUserFields:] {
		f := &a.userTable.Fields[coreUserFields+i]
		extra[f.Name] = f
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		raw := data[k]
		bad := func(what string) { issues = append(issues, "[data."+k+"] "+what) }
		switch k {
		case "name", "email":
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				bad("Invalid input: expected string")
				continue
			}
			if k == "email" {
				if !ValidEmail(s) {
					return ErrInvalidEmail
				}
				s = strings.ToLower(s)
			}
			set[k] = s
		case "emailVerified":
			var b bool
			if err := json.Unmarshal(raw, &b); err != nil {
				bad("Invalid input: expected boolean")
				continue
			}
			set[k] = b
		case "image":
			var s *string
			if err := json.Unmarshal(raw, &s); err != nil {
				bad("Invalid input: expected string or null")
				continue
			}
			if s == nil {
				set[k] = ""
			} else {
				set[k] = *s
			}
		default:
			f, ok := extra[k]
			if !ok {
				bad("unknown field, or a field that cannot be set")
				continue
			}
			v, err := jsonFieldValue(f, raw)
			if err != nil {
				bad(err.Error())
				continue
			}
			if v == nil && f.Required {
				bad("Invalid input: expected " + f.Type.String() + ", received null")
				continue
			}
			set[k] = v
		}
	}
	if len(issues) > 0 {
		return ErrValidation.WithMessage(strings.Join(issues, "; "))
	}
	for k, v := range set {
		switch k {
		case "name":
			u.Name = v.(string)
		case "email":
			u.Email = v.(string)
		case "emailVerified":
			u.EmailVerified = v.(bool)
		case "image":
			u.Image = v.(string)
		default:
			if u.extra == nil {
				u.extra = map[string]any{}
			}
			u.extra[k] = v
		}
	}
	return nil
}
