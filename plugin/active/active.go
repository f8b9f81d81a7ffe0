// Package active adds the seed's isActive user field and enforces it: a user whose isActive is
// false cannot sign in (403 USER_INACTIVE after a correct password, so the code reveals nothing
// to someone without it), and their existing sessions stop working at their next use.
//
// Better Auth stores such a field but does not enforce it; the seed's design relied on every
// application remembering to check it. A NULL value (rows written before the field existed)
// counts as active.
package active

import (
	"context"
	"fmt"
	"net/http"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/schema"
)

// CodeUserInactive is the error code for a deactivated user.
const CodeUserInactive krag.Code = "USER_INACTIVE"

// ErrUserInactive refuses a deactivated user.
var ErrUserInactive = krag.NewError(http.StatusForbidden, CodeUserInactive, "User account is inactive")

// Field is the isActive user field: a boolean, true by default, that clients cannot set.
var Field = krag.BoolField("isActive").Default(true).ReadOnly()

// Plugin enforces Field. Build it with New; it is safe for concurrent use.
type Plugin struct {
	auth *krag.Auth
}

// New returns the plugin.
func New() *Plugin { return &Plugin{} }

// ID implements krag.Plugin.
func (p *Plugin) ID() string { return "active" }

// Init implements krag.Plugin: it adds the field, a user gate and the error code.
func (p *Plugin) Init(s *krag.Setup) error {
	if a := s.Auth(); a != nil { // nil while krag.Schema only collects tables
		p.auth = a
	}
	s.Field(schema.UserTable, Field.Schema())
	s.Gate(func(u *krag.User) error {
		if IsActive(u) {
			return nil
		}
		return ErrUserInactive
	})
	s.ErrorCodes(ErrUserInactive)
	return nil
}

// IsActive reports whether u may sign in: isActive is true or unset.
func IsActive(u *krag.User) bool {
	v, ok := Field.Get(u)
	return !ok || v
}

// SetActive changes a user's isActive. Deactivating also revokes the user's sessions, so
// clients holding a cached session cookie lose it at their next database check.
func (p *Plugin) SetActive(ctx context.Context, userID string, active bool) error {
	u, err := p.auth.FindUserByID(ctx, userID)
	if err != nil {
		return err
	}
	Field.Set(u, active)
	if err := p.auth.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("active: update user: %w", err)
	}
	if !active {
		if err := p.auth.RevokeSessions(ctx, userID); err != nil {
			return fmt.Errorf("active: revoke sessions: %w", err)
		}
	}
	return nil
}
