package krag

import (
	"context"
	"errors"
)

// SignInInput describes an email-and-password sign-in for Auth.SignInEmail.
type SignInInput struct {
	Email    string
	Password string
	// DontRemember makes a one-day session (Better Auth's rememberMe: false).
	DontRemember bool
	// IPAddress and UserAgent are recorded on the session.
	IPAddress, UserAgent string
}

// SignInEmail checks an email and password and creates a session. It matches Better Auth's
// POST /sign-in/email (shared/spec/better-auth-core.md §2.3): an unknown email, a user without
// a password and a wrong password all give ErrInvalidEmailOrPassword after the same work (one
// password hash), so neither the answer nor its timing tells whether the email exists. Gates
// run only after the password is right (ErrUserInactive for a deactivated user).
func (a *Auth) SignInEmail(ctx context.Context, in SignInInput) (*AuthResult, error) {
	if a.opts.EmailAndPassword.Disabled {
		return nil, ErrEmailPasswordDisabled
	}
	if !ValidEmail(in.Email) {
		return nil, ErrInvalidEmail
	}
	if err := a.checkPasswordLength(in.Password, false); err != nil {
		return nil, err
	}
	u, err := a.FindUserByEmail(ctx, in.Email)
	if err != nil && !errors.Is(err, ErrUserNotFound) {
		return nil, err
	}
	hash := ""
	if u != nil {
		ac, err := a.CredentialAccount(ctx, u.ID)
		switch {
		case err == nil:
			hash = ac.Password
		case !errors.Is(err, ErrCredentialAccountNotFound):
			return nil, err
		}
	}
	if hash == "" {
		// Same cost as a real check; the result is ignored.
		a.hasher.Verify(ctx, a.dummyHash, in.Password)
		return nil, ErrInvalidEmailOrPassword
	}
	ok, err := a.hasher.Verify(ctx, hash, in.Password)
	if err != nil {
		a.log.Error("krag: stored password hash cannot be read", "user_id", u.ID, "err", err)
		return nil, ErrInvalidEmailOrPassword
	}
	if !ok {
		return nil, ErrInvalidEmailOrPassword
	}
	sd, err := a.CreateSession(ctx, u, SessionInput{DontRemember: in.DontRemember, IPAddress: in.IPAddress, UserAgent: in.UserAgent})
	if err != nil {
		return nil, err
	}
	return &AuthResult{User: u, Session: sd}, nil
}

// signInBody is the body of POST /sign-in/email.
type signInBody struct {
	email, password, callbackURL string
	dontRemember                 bool
}

func parseSignIn(r *Request) (signInBody, error) {
	var b signInBody
	v := r.Validate()
	if !v.Object(false) {
		return b, v.Err()
	}
	b.email = v.String("email")
	b.password = v.String("password")
	b.callbackURL = v.OptString("callbackURL")
	rememberMe, set := v.OptBool("rememberMe")
	b.dontRemember = set && !rememberMe
	return b, v.Err()
}

func (a *Auth) handleSignInEmail(r *Request) error {
	in, err := parseSignIn(r)
	if err != nil {
		return err
	}
	if a.opts.EmailAndPassword.Disabled {
		return ErrEmailPasswordDisabled
	}
	email, password, callbackURL, dontRemember := in.email, in.password, in.callbackURL, in.dontRemember
	res, err := a.SignInEmail(r.Context(), SignInInput{
		Email: email, Password: password, DontRemember: dontRemember,
		IPAddress: a.clientIP(r.HTTP), UserAgent: r.HTTP.UserAgent(),
	})
	if err != nil {
		return err
	}
	a.setSessionCookies(r, res.Session, dontRemember)
	if !dontRemember {
		if _, ok := cookie(r.HTTP, a.cookies.dontRemember); ok {
			r.SetCookie(a.cookies.expire(a.cookies.dontRemember))
		}
	}
	r.NewSession = res.Session
	out := struct {
		Redirect bool    `json:"redirect"`
		Token    string  `json:"token"`
		URL      string  `json:"url,omitempty"`
		User     rawJSON `json:"user"`
	}{callbackURL != "", res.Session.Session.Token, callbackURL, a.userJSON(res.User)}
	if callbackURL != "" {
		r.Header().Set("Location", callbackURL)
	}
	return r.JSON(out)
}
