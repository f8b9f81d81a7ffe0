// Package rbac keeps roles and permissions in the database and turns them into CASL abilities
// (package access): the seed's roles, permissions, role_permissions and user_permissions
// tables, a role per user (user.roleId, kept in step with Better Auth's user.role names),
// per-user overrides that add or remove permissions, and the Go API and routes around them.
//
// # What a user may do
//
// A user's ability is built from, in this order (a later rule wins, as in CASL): the grants of
// the user's roles, the denials of those roles, the user's own grants, the user's own denials.
// A permission is a CASL rule: action, resource (the subject type), optional conditions (a
// MongoDB-style query, which may use ${user.<field>} placeholders filled from the user) and
// optional fields. Inactive users, inactive roles, inactive permissions and inactive
// assignments give nothing. A permission whose conditions cannot be used (a row edited by hand)
// grants nothing, and as a denial denies everything it could have denied; the problem is
// logged. Conditions are checked when a permission is written, so the API never stores one.
//
// Two roles exist from the start, found by name, never by id: admin ("Admin"; may manage all,
// except impersonating other admins, as in Better Auth's admin plugin) and user ("User", the
// default role given at sign-up, with no permissions). Role names are lower-cased; display
// names keep their case; lookups by name ignore case.
//
// # Caching
//
// Abilities are cached per user. Every change made through this package also changes the one
// row of access_version in the same transaction; an instance re-reads that row at most every
// Options.MaxStale (1 s by default) and rebuilds what changed, so changes made by other
// instances take effect within MaxStale, and changes made by this one at once. A database that
// cannot be read denies (fails closed).
package rbac

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/access"
	"github.com/kragauth/krag/plugin/active"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

// The system roles' names.
const (
	AdminRole = "admin"
	UserRole  = "user"
)

// Options configures the plugin. The zero value is usable.
type Options struct {
	// DefaultRole is the role given to new users; "" means "user".
	DefaultRole string
	// Aliases are CASL action aliases for every ability, e.g. {"modify": {"update", "delete"}}.
	Aliases map[string][]string
	// MaxStale bounds how long a change made by another instance may go unnoticed; 0 means
	// one second, a negative value checks on every call.
	MaxStale time.Duration
	// CacheSize bounds the number of users whose abilities are cached; 0 means 10,000.
	CacheSize int
}

// Error codes of the plugin.
var (
	ErrRoleNotFound       = krag.NewError(http.StatusNotFound, "ROLE_NOT_FOUND", "Role not found")
	ErrPermissionNotFound = krag.NewError(http.StatusNotFound, "PERMISSION_NOT_FOUND", "Permission not found")
	ErrRoleExists         = krag.NewError(http.StatusBadRequest, "ROLE_ALREADY_EXISTS", "A role with this name already exists")
	ErrPermissionExists   = krag.NewError(http.StatusBadRequest, "PERMISSION_ALREADY_EXISTS", "A permission with this name already exists")
	ErrSystemRole         = krag.NewError(http.StatusBadRequest, "CANNOT_CHANGE_SYSTEM_ROLE", "System roles cannot be deleted or renamed")
	ErrRoleInUse          = krag.NewError(http.StatusBadRequest, "ROLE_IN_USE", "Users still hold this role; give them another role first")
	ErrInvalidRole        = krag.NewError(http.StatusBadRequest, "INVALID_ROLE", "Invalid role")
	ErrInvalidPermission  = krag.NewError(http.StatusBadRequest, "INVALID_PERMISSION", "Invalid permission")
	ErrForbidden          = krag.NewError(http.StatusForbidden, "FORBIDDEN", "Forbidden")
)

// Plugin is the rbac plugin. Build it with New and list it in krag.Options.Plugins; a Plugin
// belongs to one Auth. It is safe for concurrent use.
type Plugin struct {
	opts Options
	auth *krag.Auth

	refreshMu sync.Mutex // one refresh at a time
	cat       atomic.Pointer[catalog]
	seedMu    sync.Mutex
	seeded    atomic.Bool
	users     userCache
}

// New returns the plugin.
func New(o Options) *Plugin {
	if o.DefaultRole == "" {
		o.DefaultRole = UserRole
	}
	o.DefaultRole = normName(o.DefaultRole)
	if o.MaxStale == 0 {
		o.MaxStale = time.Second
	}
	if o.CacheSize <= 0 {
		o.CacheSize = 10000
	}
	p := &Plugin{opts: o}
	p.users.max = o.CacheSize
	return p
}

// ID implements krag.Plugin.
func (p *Plugin) ID() string { return "rbac" }

// Init implements krag.Plugin.
func (p *Plugin) Init(s *krag.Setup) error {
	if _, err := access.New(nil, access.Options{Aliases: p.opts.Aliases}); err != nil {
		return fmt.Errorf("rbac: Options.Aliases: %w", err)
	}
	if !validName(p.opts.DefaultRole) {
		return fmt.Errorf("rbac: Options.DefaultRole %q is not a valid role name", p.opts.DefaultRole)
	}
	if a := s.Auth(); a != nil {
		p.auth = a
	}
	for _, t := range Tables() {
		s.Table(t)
	}
	s.Field(schema.UserTable, RoleIDField.Schema())
	s.Field(schema.UserTable, RoleField.Schema())
	s.Hooks(krag.Hooks{User: krag.RecordHooks[krag.User]{
		BeforeCreate: p.beforeCreateUser,
		AfterUpdate:  p.afterUpdateUser,
		AfterDelete:  p.afterDeleteUser,
	}})
	s.ErrorCodes(ErrRoleNotFound, ErrPermissionNotFound, ErrRoleExists, ErrPermissionExists, ErrSystemRole,
		ErrRoleInUse, ErrInvalidRole, ErrInvalidPermission, ErrForbidden)
	p.routes(s)
	return nil
}

// beforeCreateUser gives a new user a role: the default one, or the one named by either field.
func (p *Plugin) beforeCreateUser(ctx context.Context, u *krag.User) error {
	cat, err := p.refresh(ctx)
	if err != nil {
		return err
	}
	id, hasID := RoleIDField.Get(u)
	names, hasNames := RoleField.Get(u)
	switch {
	case hasID && !hasNames:
		r := cat.roles[id]
		if r == nil {
			return ErrRoleNotFound
		}
		RoleField.Set(u, r.Name)
	case hasNames && !hasID:
		if r := cat.firstRole(names); r != nil {
			RoleIDField.Set(u, r.ID)
		}
	case !hasID && !hasNames:
		r := cat.byName[p.opts.DefaultRole]
		if r == nil {
			return fmt.Errorf("rbac: the default role %q does not exist", p.opts.DefaultRole)
		}
		RoleIDField.Set(u, r.ID)
		RoleField.Set(u, r.Name)
	}
	return nil
}

// afterUpdateUser makes every instance rebuild the user's ability when what it depends on may
// have changed.
func (p *Plugin) afterUpdateUser(ctx context.Context, u *krag.User) {
	if e := p.users.get(u.ID); e != nil && e.sameUser(u) {
		return
	}
	p.users.drop(u.ID)
	if err := p.bump(ctx, p.auth.Store()); err != nil {
		p.auth.Logger().Error("rbac: record a user change", "user", u.ID, "err", err)
	}
}

func (p *Plugin) afterDeleteUser(ctx context.Context, u *krag.User) {
	p.users.drop(u.ID)
	// The foreign key removes them too, where the database enforces it.
	err := p.change(ctx, func(st store.Store) error {
		_, err := st.Delete(ctx, UserPermissionTable, []store.Where{store.Is("userId", u.ID)})
		return err
	})
	if err != nil {
		p.auth.Logger().Error("rbac: record a user deletion", "user", u.ID, "err", err)
	}
}

// Ability returns the ability of the user with userID, from the cache when nothing it depends
// on has changed. An unknown user gets an empty ability.
func (p *Plugin) Ability(ctx context.Context, userID string) (*access.Ability, error) {
	e, err := p.entry(ctx, userID)
	if err != nil {
		return nil, err
	}
	return e.ability, nil
}

// AbilityOf builds the ability of u as stored now, bypassing the cache (u's role fields and
// isActive are taken from u).
func (p *Plugin) AbilityOf(ctx context.Context, u *krag.User) (*access.Ability, error) {
	cat, err := p.refresh(ctx)
	if err != nil {
		return nil, err
	}
	ovs, err := p.loadOverrides(ctx, p.auth.Store(), u.ID)
	if err != nil {
		return nil, err
	}
	return p.build(cat, u, ovs), nil
}

func (p *Plugin) entry(ctx context.Context, userID string) (*entry, error) {
	cat, err := p.refresh(ctx)
	if err != nil {
		return nil, err
	}
	if e := p.users.get(userID); e != nil && e.stamp == cat.stamp {
		return e, nil
	}
	u, err := p.auth.FindUserByID(ctx, userID)
	if errors.Is(err, krag.ErrUserNotFound) {
		ab, _ := access.New(nil, access.Options{})
		return &entry{stamp: cat.stamp, ability: ab}, nil
	}
	if err != nil {
		return nil, err
	}
	ovs, err := p.loadOverrides(ctx, p.auth.Store(), userID)
	if err != nil {
		return nil, err
	}
	e := newEntry(cat.stamp, u, p.build(cat, u, ovs))
	p.users.put(userID, e)
	return e, nil
}

// build assembles the rules of u and compiles them, failing closed on rules that do not
// compile (each logged).
func (p *Plugin) build(cat *catalog, u *krag.User, ovs []assignment) *access.Ability {
	var rules []access.Rule
	var names []string
	if active.IsActive(u) {
		var grants, denials []*Permission
		for _, r := range cat.rolesOf(u) {
			for _, g := range cat.grants[r.ID] {
				if !g.Active {
					continue
				}
				perm := cat.perms[g.PermissionID]
				if perm == nil || !perm.Active {
					continue
				}
				if g.Inverted {
					denials = append(denials, perm)
				} else {
					grants = append(grants, perm)
				}
			}
		}
		var userGrants, userDenials []*Permission
		for _, o := range ovs {
			perm := cat.perms[o.PermissionID]
			if !o.Active || perm == nil || !perm.Active {
				continue
			}
			if o.Inverted {
				userDenials = append(userDenials, perm)
			} else {
				userGrants = append(userGrants, perm)
			}
		}
		add := func(list []*Permission, inverted bool) {
			for _, perm := range list {
				rules = append(rules, perm.rule(inverted))
				names = append(names, perm.Name)
			}
		}
		add(grants, false)
		add(denials, true)
		add(userGrants, false)
		add(userDenials, true)
	}
	ab, errs := access.Compile(rules, access.Options{Aliases: p.opts.Aliases, Vars: map[string]any{"user": u.Attributes()}})
	for _, e := range errs {
		name := ""
		if e.Index >= 0 && e.Index < len(names) {
			name = names[e.Index]
		}
		p.auth.Logger().Error("rbac: permission cannot be used; it grants nothing", "permission", name, "user", u.ID, "err", e.Err)
	}
	return ab
}

// Can reports whether the signed-in user of ctx (krag.SessionFromContext) may do action on
// subject: a type name ("Post"), an access.Subject, or a value whose type access.Detect works
// out. No session, or an error, is a denial.
func (p *Plugin) Can(ctx context.Context, action string, subject any) bool {
	return p.Authorize(ctx, action, subject) == nil
}

// Authorize is Can with the reason: nil when allowed; krag.ErrUnauthorized without a session;
// a 403 *krag.Error with CASL's message when denied; the store's error when the ability could
// not be loaded.
func (p *Plugin) Authorize(ctx context.Context, action string, subject any) error {
	sd := krag.SessionFromContext(ctx)
	if sd == nil {
		return krag.ErrUnauthorized
	}
	ab, err := p.Ability(ctx, sd.User.ID)
	if err != nil {
		return err
	}
	if err := ab.Authorize(action, access.Detect(subject), ""); err != nil {
		return ErrForbidden.WithMessage(err.Error()).Wrap(err)
	}
	return nil
}

// RequirePermission returns middleware that lets a request through only when its signed-in user
// may do action on the subject type: 401 without a session, 403 FORBIDDEN when denied, 503 when
// the database cannot be read. It loads the session itself when no krag middleware ran before.
func (p *Plugin) RequirePermission(action, subjectType string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if krag.SessionFromContext(r.Context()) == nil {
				p.auth.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r2 *http.Request) {
					p.serveIfAllowed(w, r2, action, subjectType, next)
				})).ServeHTTP(w, r)
				return
			}
			p.serveIfAllowed(w, r, action, subjectType, next)
		})
	}
}

func (p *Plugin) serveIfAllowed(w http.ResponseWriter, r *http.Request, action, subjectType string, next http.Handler) {
	if err := p.Authorize(r.Context(), action, access.Type(subjectType)); err != nil {
		p.auth.WriteError(w, err)
		return
	}
	next.ServeHTTP(w, r)
}

// normName returns a role name in its stored form: trimmed and lower-cased.
func normName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// validName accepts role names of 1-100 characters without commas (Better Auth joins role names
// with commas) or control characters.
// Names of digits only would read as ids.
func validName(s string) bool {
	if s == "" || len(s) > 100 || strings.TrimSpace(s) != s || strings.Trim(s, "0123456789") == "" {
		return false
	}
	for _, r := range s {
		if r == ',' || r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
