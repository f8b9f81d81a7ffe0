// Package admin is Better Auth's admin plugin on Krag (shared/spec/better-auth-plugins.md §7):
// the same endpoints under /admin/, the same fields (user.banned, banReason, banExpires and
// session.impersonatedBy), the same error codes, so that better-auth's adminClient works
// unchanged. Where Better Auth checks a fixed table of roles, Krag asks plugin/rbac: every
// endpoint is guarded by a CASL ability built from the database's roles and permissions, on
// the subjects "user" and "session" with Better Auth's statement names as actions (set-role,
// ban, impersonate, impersonate-admins, set-password, …). The seeded admin role may do all of
// it but impersonate other admins, as Better Auth's admin role.
//
// Actions aimed at one user (get, update, set-role, ban, impersonate, set-password, remove,
// list and revoke sessions) are checked against that user, so a permission's conditions apply
// to them: {"action":"ban","resource":"user","conditions":{"roleId":2}} lets a moderator ban
// ordinary users only. Listing and creating users are checked on the type.
//
// Banned users cannot sign in by any route (403 BANNED_USER) and banning deletes their
// sessions; a ban with an expiry lifts itself at the next sign-in after it.
package admin

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/access"
	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/schema"
)

// Fields the plugin adds, as Better Auth's admin plugin names them. None can be set by clients
// through the core endpoints.
var (
	// BannedField is user.banned.
	BannedField = krag.BoolField("banned").Default(false).ReadOnly()
	// BanReasonField is user.banReason.
	BanReasonField = krag.StringField("banReason").ReadOnly()
	// BanExpiresField is user.banExpires; unset means a ban without end.
	BanExpiresField = krag.TimeField("banExpires").ReadOnly()
	// ImpersonatedByField is session.impersonatedBy: the id of the administrator who opened
	// the session as its user.
	ImpersonatedByField = krag.StringField("impersonatedBy").ReadOnly()
)

// Subjects and actions of the permission checks (Better Auth's admin statements).
const (
	SubjectUser    = "user"
	SubjectSession = "session"

	ActionCreate            = "create"
	ActionList              = "list"
	ActionSetRole           = "set-role"
	ActionBan               = "ban"
	ActionImpersonate       = "impersonate"
	ActionImpersonateAdmins = "impersonate-admins"
	ActionDelete            = "delete"
	ActionSetPassword       = "set-password"
	ActionSetEmail          = "set-email"
	ActionSetPhone          = "set-phone"
	ActionGet               = "get"
	ActionUpdate            = "update"
	ActionRevoke            = "revoke"
)

// Options configures the plugin; RBAC is required.
type Options struct {
	// RBAC is the rbac plugin of the same Auth: roles and abilities come from it.
	RBAC *rbac.Plugin
	// AdminRoles name the roles whose users only someone allowed impersonate-admins may
	// impersonate; nil means {"admin"}.
	AdminRoles []string
	// AdminUserIDs pass every check of this plugin, whatever their roles.
	AdminUserIDs []string
	// ImpersonationSessionDuration is how long an impersonation session lasts; 0 means an hour.
	ImpersonationSessionDuration time.Duration
	// AllowImpersonatingAdmins lets anyone allowed to impersonate impersonate admins too.
	AllowImpersonatingAdmins bool
	// DefaultBanReason is stored when a ban gives none; "" means "No reason".
	DefaultBanReason string
	// DefaultBanExpiresIn is the length of a ban that gives none; 0 means no end.
	DefaultBanExpiresIn time.Duration
	// BannedUserMessage is the message of BANNED_USER; "" means Better Auth's.
	BannedUserMessage string
}

// Plugin is the admin plugin. Build it with New; it belongs to one Auth and is safe for
// concurrent use.
type Plugin struct {
	opts   Options
	auth   *krag.Auth
	banned *krag.Error
}

// New returns the plugin.
func New(o Options) *Plugin {
	if o.AdminRoles == nil {
		o.AdminRoles = []string{rbac.AdminRole}
	}
	if o.ImpersonationSessionDuration <= 0 {
		o.ImpersonationSessionDuration = time.Hour
	}
	if o.DefaultBanReason == "" {
		o.DefaultBanReason = "No reason"
	}
	if o.BannedUserMessage == "" {
		o.BannedUserMessage = "You have been banned from this application. Please contact support if you believe this is an error."
	}
	return &Plugin{opts: o, banned: ErrBannedUser.WithMessage(o.BannedUserMessage)}
}

// ID implements krag.Plugin.
func (p *Plugin) ID() string { return "admin" }

// Init implements krag.Plugin.
func (p *Plugin) Init(s *krag.Setup) error {
	if p.opts.RBAC == nil {
		return errNoRBAC
	}
	if a := s.Auth(); a != nil {
		p.auth = a
	}
	s.Field(schema.UserTable, BannedField.Schema())
	s.Field(schema.UserTable, BanReasonField.Schema())
	s.Field(schema.UserTable, BanExpiresField.Schema())
	s.Field(schema.SessionTable, ImpersonatedByField.Schema())
	s.Gate(p.gate)
	s.Hooks(krag.Hooks{Session: krag.RecordHooks[krag.Session]{BeforeCreate: p.liftExpiredBan}})
	s.ErrorCodes(errorCodes...)
	s.After(krag.RouteListSessions, p.hideImpersonations)
	p.routes(s)
	return nil
}

// Banned reports whether u is banned now: banned, with no expiry or one still ahead.
func (p *Plugin) Banned(u *krag.User) bool {
	if b, _ := BannedField.Get(u); !b {
		return false
	}
	exp, ok := BanExpiresField.Get(u)
	return !ok || exp.After(p.auth.Now())
}

// gate refuses sessions to banned users.
func (p *Plugin) gate(u *krag.User) error {
	if p.Banned(u) {
		return p.banned
	}
	return nil
}

// liftExpiredBan clears the ban fields of a user whose ban has ended, when they sign in again.
func (p *Plugin) liftExpiredBan(ctx context.Context, s *krag.Session) error {
	u, err := p.auth.FindUserByID(ctx, s.UserID)
	if err != nil {
		return err
	}
	if b, _ := BannedField.Get(u); !b || p.Banned(u) {
		return nil
	}
	clearBan(u)
	return p.auth.UpdateUser(ctx, u)
}

func clearBan(u *krag.User) {
	BannedField.Set(u, false)
	BanReasonField.Clear(u)
	BanExpiresField.Clear(u)
}

// BanInput describes a ban.
type BanInput struct {
	// Reason is stored as banReason; "" means Options.DefaultBanReason.
	Reason string
	// ExpiresIn is the ban's length; 0 means Options.DefaultBanExpiresIn, negative no end.
	ExpiresIn time.Duration
}

// Ban bans the user and deletes their sessions.
func (p *Plugin) Ban(ctx context.Context, userID string, in BanInput) (*krag.User, error) {
	u, err := p.auth.FindUserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if in.Reason == "" {
		in.Reason = p.opts.DefaultBanReason
	}
	if in.ExpiresIn == 0 {
		in.ExpiresIn = p.opts.DefaultBanExpiresIn
	}
	BannedField.Set(u, true)
	BanReasonField.Set(u, in.Reason)
	if in.ExpiresIn > 0 {
		BanExpiresField.Set(u, p.auth.Now().Add(in.ExpiresIn).UTC())
	} else {
		BanExpiresField.Clear(u)
	}
	if err := p.auth.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	if err := p.auth.RevokeSessions(ctx, userID); err != nil {
		return nil, err
	}
	return u, nil
}

// Unban lifts the user's ban.
func (p *Plugin) Unban(ctx context.Context, userID string) (*krag.User, error) {
	u, err := p.auth.FindUserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	clearBan(u)
	if err := p.auth.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// allowed reports whether the caller may do action on the subject: listed AdminUserIDs always
// may, others as their ability says. target nil is a check on the type.
func (p *Plugin) allowed(ctx context.Context, caller *krag.User, action, subject string, target *krag.User) (bool, error) {
	if slices.Contains(p.opts.AdminUserIDs, caller.ID) {
		return true, nil
	}
	ab, err := p.opts.RBAC.Ability(ctx, caller.ID)
	if err != nil {
		return false, err
	}
	s := access.Type(subject)
	if target != nil {
		s = access.Of(subject, target.Attributes())
	}
	return ab.Can(action, s), nil
}

// require is allowed, with err returned when not.
func (p *Plugin) require(ctx context.Context, caller *krag.User, action, subject string, target *krag.User, err *krag.Error) error {
	ok, e := p.allowed(ctx, caller, action, subject, target)
	if e != nil {
		return e
	}
	if !ok {
		return err
	}
	return nil
}

// isAdmin reports whether u holds one of Options.AdminRoles or is listed in AdminUserIDs.
func (p *Plugin) isAdmin(ctx context.Context, u *krag.User) (bool, error) {
	if slices.Contains(p.opts.AdminUserIDs, u.ID) {
		return true, nil
	}
	roles, err := p.opts.RBAC.RolesOf(ctx, u)
	if err != nil {
		return false, err
	}
	for _, r := range roles {
		if slices.Contains(p.opts.AdminRoles, r.Name) {
			return true, nil
		}
	}
	return false, nil
}

// Error codes (Better Auth's admin $ERROR_CODES).
var (
	ErrUserNotFound               = krag.NewError(http.StatusNotFound, "USER_NOT_FOUND", "User not found")
	ErrFailedToCreateUser         = krag.NewError(http.StatusInternalServerError, "FAILED_TO_CREATE_USER", "Failed to create user")
	ErrUserAlreadyExists          = krag.NewError(http.StatusBadRequest, "USER_ALREADY_EXISTS", "User already exists.")
	ErrUserExistsUseAnotherEmail  = krag.NewError(http.StatusBadRequest, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL", "User already exists. Use another email.")
	ErrCannotBanYourself          = krag.NewError(http.StatusBadRequest, "YOU_CANNOT_BAN_YOURSELF", "You cannot ban yourself")
	ErrNotAllowedToChangeRole     = krag.NewError(http.StatusForbidden, "YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE", "You are not allowed to change users role")
	ErrNotAllowedToCreateUsers    = krag.NewError(http.StatusForbidden, "YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS", "You are not allowed to create users")
	ErrNotAllowedToListUsers      = krag.NewError(http.StatusForbidden, "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS", "You are not allowed to list users")
	ErrNotAllowedToListSessions   = krag.NewError(http.StatusForbidden, "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS", "You are not allowed to list users sessions")
	ErrNotAllowedToBan            = krag.NewError(http.StatusForbidden, "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS", "You are not allowed to ban users")
	ErrNotAllowedToImpersonate    = krag.NewError(http.StatusForbidden, "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS", "You are not allowed to impersonate users")
	ErrNotAllowedToRevokeSessions = krag.NewError(http.StatusForbidden, "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS", "You are not allowed to revoke users sessions")
	ErrNotAllowedToDelete         = krag.NewError(http.StatusForbidden, "YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS", "You are not allowed to delete users")
	ErrNotAllowedToSetPassword    = krag.NewError(http.StatusForbidden, "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD", "You are not allowed to set users password")
	ErrBannedUser                 = krag.NewError(http.StatusForbidden, "BANNED_USER", "You have been banned from this application")
	ErrNotAllowedToGetUser        = krag.NewError(http.StatusForbidden, "YOU_ARE_NOT_ALLOWED_TO_GET_USER", "You are not allowed to get user")
	ErrNoDataToUpdate             = krag.NewError(http.StatusBadRequest, "NO_DATA_TO_UPDATE", "No data to update")
	ErrNotAllowedToUpdateUsers    = krag.NewError(http.StatusForbidden, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_USERS", "You are not allowed to update users")
	ErrCannotRemoveYourself       = krag.NewError(http.StatusBadRequest, "YOU_CANNOT_REMOVE_YOURSELF", "You cannot remove yourself")
	ErrNonExistentRole            = krag.NewError(http.StatusBadRequest, "YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE", "You are not allowed to set a non-existent role value")
	ErrCannotImpersonateAdmins    = krag.NewError(http.StatusForbidden, "YOU_CANNOT_IMPERSONATE_ADMINS", "You cannot impersonate admins")
	ErrInvalidRoleType            = krag.NewError(http.StatusBadRequest, "INVALID_ROLE_TYPE", "Invalid role type")
	ErrNotAllowedToSetEmail       = krag.NewError(http.StatusForbidden, "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_EMAIL", "You are not allowed to update users email")
	ErrNotAllowedToSetPhone       = krag.NewError(http.StatusForbidden, "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PHONE_NUMBER", "You are not allowed to update users phone number")
	ErrPasswordViaUpdateUser      = krag.NewError(http.StatusBadRequest, "PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER", "Password cannot be updated through update-user. Use the set-user-password endpoint instead")
	ErrUserIDCannotBeUpdated      = krag.NewError(http.StatusBadRequest, "USER_ID_CANNOT_BE_UPDATED", "User id cannot be updated")
	errNotImpersonating           = krag.NewError(http.StatusBadRequest, "", "You are not impersonating anyone")
	errAdminSessionNotFound       = krag.NewError(http.StatusInternalServerError, "", "Failed to find admin session")
	errNoPermissionsPassed        = krag.NewError(http.StatusBadRequest, "", "invalid permission check. no permission(s) were passed.")
	errorCodes                    = []*krag.Error{ErrFailedToCreateUser, ErrUserAlreadyExists, ErrUserExistsUseAnotherEmail, ErrCannotBanYourself, ErrNotAllowedToChangeRole, ErrNotAllowedToCreateUsers, ErrNotAllowedToListUsers, ErrNotAllowedToListSessions, ErrNotAllowedToBan, ErrNotAllowedToImpersonate, ErrNotAllowedToRevokeSessions, ErrNotAllowedToDelete, ErrNotAllowedToSetPassword, ErrBannedUser, ErrNotAllowedToGetUser, ErrNoDataToUpdate, ErrNotAllowedToUpdateUsers, ErrCannotRemoveYourself, ErrNonExistentRole, ErrCannotImpersonateAdmins, ErrInvalidRoleType, ErrNotAllowedToSetEmail, ErrNotAllowedToSetPhone, ErrPasswordViaUpdateUser, ErrUserIDCannotBeUpdated}
	errUnauthorized               = krag.NewError(http.StatusUnauthorized, "", "")
)

var errNoRBAC = errors.New("admin: Options.RBAC is required")
