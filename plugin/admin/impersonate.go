package admin

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/kragauth/krag"
)

// adminSessionCookie holds the administrator's own session while they impersonate someone:
// "<token>:<remembered>", signed; remembered is "true" when the administrator's session was a
// browser-session one (dont_remember), as Better Auth writes it.
const adminSessionCookie = "admin_session"

// ImpersonateInput describes the client of an impersonation session, recorded on it.
type ImpersonateInput struct {
	IPAddress, UserAgent string
}

// Impersonate opens a session as the user with userID for caller, as POST
// /admin/impersonate-user does without its cookies: the caller must be allowed "impersonate"
// on that user, and "impersonate-admins" too when the user holds one of Options.AdminRoles
// (unless Options.AllowImpersonatingAdmins). The session lasts
// Options.ImpersonationSessionDuration and records the caller in session.impersonatedBy.
// Errors: ErrNotAllowedToImpersonate, ErrUserNotFound, ErrCannotImpersonateAdmins, a gate's
// refusal of the user (BANNED_USER), and the store's errors.
func (p *Plugin) Impersonate(ctx context.Context, caller *krag.User, userID string, in ImpersonateInput) (*krag.SessionData, error) {
	u, err := p.target(ctx, caller, ActionImpersonate, SubjectUser, userID, ErrNotAllowedToImpersonate)
	if err != nil {
		return nil, err
	}
	if !p.opts.AllowImpersonatingAdmins {
		admin, err := p.isAdmin(ctx, u)
		if err != nil {
			return nil, err
		}
		if admin {
			if err := p.require(ctx, caller, ActionImpersonateAdmins, SubjectUser, u, ErrCannotImpersonateAdmins); err != nil {
				return nil, err
			}
		}
	}
	sd, err := p.auth.CreateSession(ctx, u, krag.SessionInput{
		ExpiresIn: p.opts.ImpersonationSessionDuration,
		IPAddress: in.IPAddress,
		UserAgent: in.UserAgent,
		Prepare:   func(s *krag.Session) { ImpersonatedByField.Set(s, caller.ID) },
	})
	if err != nil {
		return nil, fmt.Errorf("admin: impersonate: %w", err)
	}
	return sd, nil
}

// StopImpersonating ends current, an impersonation session, and returns the administrator's
// own session, found by its raw token adminToken, as POST /admin/stop-impersonating does
// without its cookies. The administrator's session must still exist and belong to the
// administrator who opened current. Errors: a 400 "You are not impersonating anyone" when
// current is not an impersonation, a 500 "Failed to find admin session" (Better Auth's) when
// adminToken names no session of that administrator, and the store's errors.
func (p *Plugin) StopImpersonating(ctx context.Context, current *krag.SessionData, adminToken string) (*krag.SessionData, error) {
	adminID, _ := ImpersonatedByField.Get(current.Session)
	if adminID == "" {
		return nil, errNotImpersonating
	}
	if adminToken == "" {
		return nil, errAdminSessionNotFound
	}
	sd, err := p.auth.FindSession(ctx, adminToken)
	if err != nil {
		return nil, fmt.Errorf("admin: stop impersonating: %w", err)
	}
	if sd == nil || sd.User.ID != adminID {
		return nil, errAdminSessionNotFound
	}
	if err := p.auth.RevokeSession(ctx, current.User.ID, current.Session.Token); err != nil {
		return nil, fmt.Errorf("admin: stop impersonating: %w", err)
	}
	return sd, nil
}

// adminCookieValue and parseAdminCookie write and read the admin_session cookie's value.
func adminCookieValue(adminToken string, dontRemember bool) string {
	remembered := ""
	if dontRemember {
		remembered = "true"
	}
	return adminToken + ":" + remembered
}

func parseAdminCookie(v string) (adminToken string, dontRemember bool) {
	adminToken, remembered, _ := strings.Cut(v, ":")
	return adminToken, remembered != ""
}

// BeginImpersonation is Impersonate for pages served beside the API (package web): on success
// it sets on w the cookies POST /admin/impersonate-user sets, so that the browser is the user
// for the pages and the API alike, and either may stop it: admin_session keeps the caller's
// session (r's session cookie), and the new session's cookies replace it, not remembered past
// the browser session. caller is r's session.
func (p *Plugin) BeginImpersonation(w http.ResponseWriter, r *http.Request, caller *krag.SessionData, userID string) (*krag.SessionData, error) {
	adminToken, dontRemember, ok := p.auth.SessionCookie(r)
	if !ok || adminToken != caller.Session.Token {
		return nil, errUnauthorized
	}
	sd, err := p.Impersonate(r.Context(), caller.User, userID, ImpersonateInput{IPAddress: p.auth.ClientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		return nil, err
	}
	p.auth.SetSignedCookie(w, r, adminSessionCookie, adminCookieValue(adminToken, dontRemember), p.auth.SessionLifetime())
	p.auth.SetSessionCookies(w, r, sd, true)
	return sd, nil
}

// EndImpersonation is StopImpersonating for pages served beside the API: it reads the
// administrator's session from r's admin_session cookie (set by BeginImpersonation or by POST
// /admin/impersonate-user) and, on success, sets on w the administrator's session cookies back
// and deletes admin_session, as POST /admin/stop-impersonating does. current is r's session.
func (p *Plugin) EndImpersonation(w http.ResponseWriter, r *http.Request, current *krag.SessionData) (*krag.SessionData, error) {
	v, _ := p.auth.SignedCookie(r, adminSessionCookie)
	adminToken, dontRemember := parseAdminCookie(v)
	sd, err := p.StopImpersonating(r.Context(), current, adminToken)
	if err != nil {
		return nil, err
	}
	p.auth.SetSessionCookies(w, r, sd, dontRemember)
	p.auth.ExpireCookie(w, r, adminSessionCookie)
	return sd, nil
}
