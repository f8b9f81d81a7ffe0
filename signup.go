package krag

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/kragauth/krag/schema"
)

// SignUpInput describes a new email-and-password user for Auth.SignUpEmail.
type SignUpInput struct {
	Name     string
	Email    string
	Password string
	Image    string
	// DontRemember makes a one-day session (Better Auth's rememberMe: false).
	DontRemember bool
	// IPAddress and UserAgent are recorded on the session.
	IPAddress, UserAgent string
	// Set, when not nil, sets additional fields on the new user before it is stored, with
	// their Field values: func(u *krag.User) { FirstName.Set(u, "Ada") }. Read-only fields may
	// be set here: the Go API trusts its caller.
	Set func(u *User)
}

// AuthResult is what sign-up and sign-in return: the user and, when one was created, the
// session (its Token is the raw token to hand to the client).
type AuthResult struct {
	User    *User
	Session *SessionData // nil when sign-up did not sign in
}

// Token returns the new session's raw token, or "".
func (r *AuthResult) Token() string {
	if r.Session == nil {
		return ""
	}
	return r.Session.Session.Token
}

// SignUpEmail creates a user with a password and, unless EmailAndPassword.DisableAutoSignIn,
// a session. It matches Better Auth's POST /sign-up/email (shared/spec/better-auth-core.md §2.2).
// Errors: ErrEmailPasswordSignUpDisabled, ErrInvalidEmail, ErrPasswordTooShort,
// ErrPasswordTooLong, ErrUserAlreadyExistsUseAnother (a taken email, revealed only when
// auto sign-in is on, as in Better Auth), ErrUserAlreadyExists (a concurrent sign-up won).
func (a *Auth) SignUpEmail(ctx context.Context, in SignUpInput) (*AuthResult, error) {
	ep := &a.opts.EmailAndPassword
	if ep.Disabled || ep.DisableSignUp {
		return nil, ErrEmailPasswordSignUpDisabled
	}
	if !ValidEmail(in.Email) {
		return nil, ErrInvalidEmail
	}
	if err := a.checkPasswordLength(in.Password, true); err != nil {
		return nil, err
	}
	email := strings.ToLower(in.Email)
	u := &User{Name: in.Name, Email: email, Image: in.Image}
	if in.Set != nil {
		in.Set(u)
	}
	existing, err := a.FindUserByEmail(ctx, email)
	if err != nil && !errors.Is(err, ErrUserNotFound) {
		return nil, err
	}
	if existing != nil {
		if !ep.DisableAutoSignIn {
			return nil, ErrUserAlreadyExistsUseAnother
		}
		// Enumeration-safe: hash anyway and answer as if a user had been created.
		if _, err := a.hasher.Hash(ctx, in.Password); err != nil {
			return nil, err
		}
		now := a.now().UTC()
		u.ID, u.CreatedAt, u.UpdatedAt = a.newID(), now, now
		a.applyDefaults(u)
		return &AuthResult{User: u}, nil
	}
	hash, err := a.hasher.Hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	if err := a.CreateUser(ctx, u, &Account{ProviderID: CredentialProvider, Password: hash}); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, err
		}
		return nil, ErrFailedToCreateUser.Wrap(err)
	}
	res := &AuthResult{User: u}
	if ep.DisableAutoSignIn {
		return res, nil
	}
	sd, err := a.CreateSession(ctx, u, SessionInput{DontRemember: in.DontRemember, IPAddress: in.IPAddress, UserAgent: in.UserAgent})
	if err != nil {
		return nil, err
	}
	res.Session = sd
	return res, nil
}

// checkPasswordLength applies the length limits, counted in UTF-16 code units as Better Auth
// counts them; min is skipped for passwords being checked rather than set.
func (a *Auth) checkPasswordLength(pw string, min bool) error {
	n := jsLen(pw)
	if min && n < a.opts.EmailAndPassword.MinPasswordLength {
		return ErrPasswordTooShort
	}
	if n > a.opts.EmailAndPassword.MaxPasswordLength {
		return ErrPasswordTooLong
	}
	return nil
}

// signUpBody is the body of POST /sign-up/email.
type signUpBody struct {
	name, email, password, image string
	dontRemember                 bool
}

func parseSignUp(r *Request) (signUpBody, error) {
	var b signUpBody
	v := r.Validate()
	if !v.Object(false) {
		return b, v.Err()
	}
	b.name = v.String("name")
	b.email = v.Email("email")
	b.password = v.NonEmptyString("password")
	b.image = v.OptString("image")
	v.OptString("callbackURL")
	rememberMe, set := v.OptBool("rememberMe")
	b.dontRemember = set && !rememberMe
	return b, v.Err()
}

func (a *Auth) handleSignUpEmail(r *Request) error {
	in, err := parseSignUp(r)
	if err != nil {
		return err
	}
	name, email, password, image := in.name, in.email, in.password, in.image
	ep := &a.opts.EmailAndPassword
	if ep.Disabled || ep.DisableSignUp {
		return ErrEmailPasswordSignUpDisabled
	}
	if err := a.checkPasswordLength(password, true); err != nil {
		return err
	}
	extra, err := a.parseFieldInput(r, a.userTable.Fields[coreUserFields:], true)
	if err != nil {
		return err
	}
	res, err := a.SignUpEmail(r.Context(), SignUpInput{
		Name: name, Email: email, Password: password, Image: image,
		DontRemember: in.dontRemember,
		IPAddress:    a.clientIP(r.HTTP), UserAgent: r.HTTP.UserAgent(),
		Set: func(u *User) { u.extra = extra },
	})
	if err != nil {
		return err
	}
	var tok any
	if res.Session != nil {
		a.setSessionCookies(r, res.Session, in.dontRemember)
		r.NewSession = res.Session
		tok = res.Session.Session.Token
	}
	return r.JSON(struct {
		Token any     `json:"token"`
		User  rawJSON `json:"user"`
	}{tok, a.userJSON(res.User)})
}

// parseFieldInput reads the additional fields of a body as Better Auth's parseInputData does
// (shared/spec/better-auth-core.md §6.3), with type checks added: read-only fields refuse truthy
// values (at creation a default replaces them instead), required ones must be present at
// creation, and every value must have its field's JSON type.
func (a *Auth) parseFieldInput(r *Request, fields []schema.Field, create bool) (map[string]any, error) {
	out := map[string]any{}
	var issues []string
	for i := range fields {
		f := &fields[i]
		raw, present := r.body[f.Name]
		if f.ReadOnly {
			if !present || falsy(raw) || (create && f.Default != nil) {
				continue
			}
			return nil, ErrFieldNotAllowed.WithMessage(f.Name + " is not allowed to be set")
		}
		if !present {
			if create && f.Required && f.Default == nil {
				return nil, ErrMissingField.WithMessage(f.Name + " is required")
			}
			continue
		}
		val, err := jsonFieldValue(f, raw)
		if err != nil {
			issues = append(issues, "[body."+f.Name+"] "+err.Error())
			continue
		}
		if val == nil && f.Required {
			issues = append(issues, "[body."+f.Name+"] Invalid input: expected "+f.Type.String()+", received null")
			continue
		}
		out[f.Name] = val
	}
	if len(issues) > 0 {
		return nil, ErrValidation.WithMessage(strings.Join(issues, "; "))
	}
	return out, nil
}

// falsy reports JavaScript falsiness of a JSON value: false, 0, "", null.
func falsy(raw json.RawMessage) bool {
	switch strings.TrimSpace(string(raw)) {
	case "false", "0", "-0", `""`, "null", "0.0":
		return true
	}
	return false
}
