package krag

import (
	"context"
)

// ChangePasswordInput describes a password change for Auth.ChangePassword.
type ChangePasswordInput struct {
	CurrentPassword string
	NewPassword     string
	// RevokeOtherSessions deletes every session of the user and creates a new one.
	RevokeOtherSessions bool
	// IPAddress and UserAgent are recorded on the new session.
	IPAddress, UserAgent string
}

// ChangePassword checks the current password and stores the new one. It matches Better Auth's
// POST /change-password (shared/spec/better-auth-core.md §2.13). With RevokeOtherSessions
// the result holds the new session. Errors: ErrPasswordTooShort, ErrPasswordTooLong,
// ErrCredentialAccountNotFound, ErrInvalidPassword.
func (a *Auth) ChangePassword(ctx context.Context, u *User, in ChangePasswordInput) (*AuthResult, error) {
	if err := a.checkPasswordLength(in.NewPassword, true); err != nil {
		return nil, err
	}
	if err := a.checkPasswordLength(in.CurrentPassword, false); err != nil {
		return nil, err
	}
	ac, err := a.CredentialAccount(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if ac.Password == "" {
		return nil, ErrCredentialAccountNotFound
	}
	ok, err := a.hasher.Verify(ctx, ac.Password, in.CurrentPassword)
	if err != nil || !ok {
		return nil, ErrInvalidPassword
	}
	hash, err := a.hasher.Hash(ctx, in.NewPassword)
	if err != nil {
		return nil, err
	}
	ac.Password = hash
	if err := a.UpdateAccount(ctx, ac); err != nil {
		return nil, err
	}
	res := &AuthResult{User: u}
	if in.RevokeOtherSessions {
		if err := a.RevokeSessions(ctx, u.ID); err != nil {
			return nil, err
		}
		sd, err := a.CreateSession(ctx, u, SessionInput{IPAddress: in.IPAddress, UserAgent: in.UserAgent})
		if err != nil {
			return nil, err
		}
		res.Session = sd
	}
	return res, nil
}

// changePasswordBody is the body of POST /change-password.
type changePasswordBody struct {
	newPw, curPw string
	revoke       bool
}

func parseChangePassword(r *Request) (changePasswordBody, error) {
	var b changePasswordBody
	v := r.Validate()
	if !v.Object(false) {
		return b, v.Err()
	}
	b.newPw = v.String("newPassword")
	b.curPw = v.String("currentPassword")
	b.revoke, _ = v.OptBool("revokeOtherSessions")
	return b, v.Err()
}

func (a *Auth) handleChangePassword(r *Request) error {
	in, err := parseChangePassword(r)
	if err != nil {
		return err
	}
	newPw, curPw, revoke := in.newPw, in.curPw, in.revoke
	res, err := a.ChangePassword(r.Context(), r.Session.User, ChangePasswordInput{
		CurrentPassword: curPw, NewPassword: newPw, RevokeOtherSessions: revoke,
		IPAddress: a.clientIP(r.HTTP), UserAgent: r.HTTP.UserAgent(),
	})
	if err != nil {
		return err
	}
	var tok any
	if res.Session != nil {
		a.setSessionCookies(r, res.Session, false)
		r.NewSession = res.Session
		tok = res.Session.Session.Token
	}
	return r.JSON(struct {
		Token any     `json:"token"`
		User  rawJSON `json:"user"`
	}{tok, a.userJSON(res.User)})
}

// VerifyPassword reports ErrInvalidPassword unless password is the user's current password.
func (a *Auth) VerifyPassword(ctx context.Context, u *User, password string) error {
	ac, err := a.CredentialAccount(ctx, u.ID)
	if err != nil {
		a.hasher.Verify(ctx, a.dummyHash, password)
		return ErrInvalidPassword
	}
	ok, err := a.hasher.Verify(ctx, ac.Password, password)
	if err != nil || !ok {
		return ErrInvalidPassword
	}
	return nil
}

func parseVerifyPassword(r *Request) (string, error) {
	v := r.Validate()
	if !v.Object(false) {
		return "", v.Err()
	}
	pw := v.String("password")
	return pw, v.Err()
}

func (a *Auth) handleVerifyPassword(r *Request) error {
	pw, err := parseVerifyPassword(r)
	if err != nil {
		return err
	}
	if err := a.VerifyPassword(r.Context(), r.Session.User, pw); err != nil {
		return err
	}
	return r.JSON(map[string]bool{"status": true})
}
