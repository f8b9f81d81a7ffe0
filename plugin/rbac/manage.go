package rbac

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/access"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

// Roles returns every role, by name.
func (p *Plugin) Roles(ctx context.Context) ([]*Role, error) {
	cat, err := p.fresh(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Role, 0, len(cat.roles))
	for _, r := range cat.roles {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *Role) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Role returns the role with the id or name (names ignore case), or ErrRoleNotFound.
func (p *Plugin) Role(ctx context.Context, ref string) (*Role, error) {
	cat, err := p.fresh(ctx)
	if err != nil {
		return nil, err
	}
	if r := cat.role(ref); r != nil {
		return r, nil
	}
	return nil, ErrRoleNotFound
}

// fresh returns a catalog read from the database now: management reads what is stored, not
// what was cached.
func (p *Plugin) fresh(ctx context.Context) (*catalog, error) {
	return p.reload(ctx, true)
}

// RoleInput describes a new role.
type RoleInput struct {
	// Name identifies the role; it is stored lower-cased and must be unique ignoring case.
	Name string
	// DisplayName is shown to people; "" means Name as given.
	DisplayName string
	Description string
	// Inactive creates the role switched off.
	Inactive bool
}

// CreateRole creates a role: ErrInvalidRole for a bad name, ErrRoleExists for a taken one.
func (p *Plugin) CreateRole(ctx context.Context, in RoleInput) (*Role, error) {
	display := strings.TrimSpace(cmp.Or(in.DisplayName, in.Name))
	name := normName(in.Name)
	if !validName(name) {
		return nil, ErrInvalidRole.WithMessage("Role names have 1 to 100 characters, not only digits, and no commas")
	}
	if len(display) > 100 {
		return nil, ErrInvalidRole.WithMessage("Display names have at most 100 characters")
	}
	now := p.auth.Now().UTC()
	r := &Role{Name: name, DisplayName: display, Description: in.Description,
		Active: !in.Inactive, CreatedAt: store.Time(now), UpdatedAt: store.Time(now)}
	err := p.change(ctx, func(st store.Store) error {
		var err error
		if r.ID, err = nextID(ctx, st, RoleTable); err != nil {
			return err
		}
		return st.Create(ctx, RoleTable, roleRecord(r))
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, ErrRoleExists.Wrap(err)
	}
	if err != nil {
		return nil, fmt.Errorf("rbac: create role: %w", err)
	}
	return r, nil
}

func roleRecord(r *Role) store.Record {
	return store.Record{"id": r.ID, "name": r.Name, "displayName": r.DisplayName, "description": nullable(r.Description),
		"isActive": r.Active, "isSystemRole": r.System, "createdAt": r.CreatedAt, "updatedAt": r.UpdatedAt}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// RoleUpdate lists the changes to a role; nil fields stay as they are.
type RoleUpdate struct {
	Name, DisplayName, Description *string
	Active                         *bool
}

// UpdateRole changes a role. System roles keep their names.
func (p *Plugin) UpdateRole(ctx context.Context, ref string, u RoleUpdate) (*Role, error) {
	cur, err := p.Role(ctx, ref)
	if err != nil {
		return nil, err
	}
	r := *cur
	if u.Name != nil {
		name := normName(*u.Name)
		if !validName(name) {
			return nil, ErrInvalidRole.WithMessage("Role names have 1 to 100 characters and no commas")
		}
		if r.System && name != r.Name {
			return nil, ErrSystemRole
		}
		r.Name = name
	}
	if u.DisplayName != nil {
		r.DisplayName = strings.TrimSpace(*u.DisplayName)
		if r.DisplayName == "" || len(r.DisplayName) > 100 {
			return nil, ErrInvalidRole.WithMessage("Display names have 1 to 100 characters")
		}
	}
	if u.Description != nil {
		r.Description = *u.Description
	}
	if u.Active != nil {
		r.Active = *u.Active
	}
	r.UpdatedAt = store.Time(p.auth.Now())
	err = p.change(ctx, func(st store.Store) error {
		rec := roleRecord(&r)
		delete(rec, "id")
		delete(rec, "createdAt")
		n, err := st.Update(ctx, RoleTable, []store.Where{store.Is("id", r.ID)}, rec)
		if err == nil && n == 0 {
			return ErrRoleNotFound
		}
		if err == nil && r.Name != cur.Name {
			err = p.renameInUsers(ctx, st, cur.Name, r.Name)
		}
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, ErrRoleExists.Wrap(err)
	}
	if err != nil {
		return nil, fmt.Errorf("rbac: update role: %w", err)
	}
	return &r, nil
}

// renameInUsers rewrites user.role values that name a renamed role.
func (p *Plugin) renameInUsers(ctx context.Context, st store.Store, from, to string) error {
	recs, err := st.FindMany(ctx, schema.UserTable, store.Query{Where: []store.Where{{Field: RoleField.Name(), Op: store.Contains, Value: from}}})
	if err != nil {
		return err
	}
	for _, rec := range recs {
		cur, _ := rec[RoleField.Name()].(string)
		parts := strings.Split(cur, ",")
		changed := false
		for i, n := range parts {
			if normName(n) == from {
				parts[i], changed = to, true
			}
		}
		if !changed {
			continue
		}
		if _, err := st.Update(ctx, schema.UserTable, []store.Where{store.Is("id", rec["id"])},
			store.Record{RoleField.Name(): strings.Join(parts, ",")}); err != nil {
			return err
		}
	}
	return nil
}

// DeleteRole deletes a role and its grants. System roles and roles users still hold are kept
// (ErrSystemRole, ErrRoleInUse).
func (p *Plugin) DeleteRole(ctx context.Context, ref string) error {
	r, err := p.Role(ctx, ref)
	if err != nil {
		return err
	}
	if r.System {
		return ErrSystemRole
	}
	n, err := p.auth.Store().Count(ctx, schema.UserTable, []store.Where{store.Is(RoleIDField.Name(), r.ID)})
	if err != nil {
		return fmt.Errorf("rbac: count users of role: %w", err)
	}
	if n == 0 {
		n, err = p.countByRoleName(ctx, r.Name)
		if err != nil {
			return err
		}
	}
	if n > 0 {
		return ErrRoleInUse.WithMessage(fmt.Sprintf("%d user(s) still hold the role %q; give them another role first", n, r.Name))
	}
	return p.change(ctx, func(st store.Store) error {
		if _, err := st.Delete(ctx, RolePermissionTable, []store.Where{store.Is("roleId", r.ID)}); err != nil {
			return err
		}
		_, err := st.Delete(ctx, RoleTable, []store.Where{store.Is("id", r.ID)})
		return err
	})
}

func (p *Plugin) countByRoleName(ctx context.Context, name string) (int64, error) {
	recs, err := p.auth.Store().FindMany(ctx, schema.UserTable, store.Query{Where: []store.Where{{Field: RoleField.Name(), Op: store.Contains, Value: name}}})
	if err != nil {
		return 0, fmt.Errorf("rbac: find users of role: %w", err)
	}
	var n int64
	for _, rec := range recs {
		cur, _ := rec[RoleField.Name()].(string)
		for part := range strings.SplitSeq(cur, ",") {
			if normName(part) == name {
				n++
				break
			}
		}
	}
	return n, nil
}

// Permissions returns every permission, by name.
func (p *Plugin) Permissions(ctx context.Context) ([]*Permission, error) {
	cat, err := p.fresh(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Permission, 0, len(cat.perms))
	for _, perm := range cat.perms {
		out = append(out, perm)
	}
	slices.SortFunc(out, func(a, b *Permission) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Permission returns the permission with the id or name, or ErrPermissionNotFound.
func (p *Plugin) Permission(ctx context.Context, ref string) (*Permission, error) {
	cat, err := p.fresh(ctx)
	if err != nil {
		return nil, err
	}
	if perm := cat.permission(ref); perm != nil {
		return perm, nil
	}
	return nil, ErrPermissionNotFound
}

// PermissionInput describes a new permission.
type PermissionInput struct {
	// Name identifies the permission, e.g. "post:update-own".
	Name string
	// Resource is the subject type ("Post", "all"); Action the action ("read", "manage").
	Resource, Action string
	Description      string
	Category         string
	// Conditions is a JSON object (MongoDB-style query, ${user.<field>} placeholders allowed)
	// or nil.
	Conditions json.RawMessage
	// Fields restricts the permission to fields; nil for all.
	Fields []string
	// Inactive creates the permission switched off.
	Inactive bool
}

// CreatePermission validates and creates a permission: ErrInvalidPermission names what is
// wrong (conditions that do not parse, unknown operators or placeholders, bad fields),
// ErrPermissionExists for a taken name.
func (p *Plugin) CreatePermission(ctx context.Context, in PermissionInput) (*Permission, error) {
	now := store.Time(p.auth.Now())
	perm := &Permission{Name: strings.TrimSpace(in.Name), Resource: strings.TrimSpace(in.Resource),
		Action: strings.TrimSpace(in.Action), Description: in.Description, Category: strings.TrimSpace(in.Category),
		Conditions: in.Conditions, Fields: in.Fields, Active: !in.Inactive, CreatedAt: now, UpdatedAt: now}
	if err := p.ValidatePermission(perm); err != nil {
		return nil, err
	}
	err := p.change(ctx, func(st store.Store) error {
		var err error
		if perm.ID, err = nextID(ctx, st, PermissionTable); err != nil {
			return err
		}
		return st.Create(ctx, PermissionTable, permissionRecord(perm))
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, ErrPermissionExists.Wrap(err)
	}
	if err != nil {
		return nil, fmt.Errorf("rbac: create permission: %w", err)
	}
	return perm, nil
}

func permissionRecord(perm *Permission) store.Record {
	rec := store.Record{"id": perm.ID, "name": perm.Name, "resource": perm.Resource, "action": perm.Action,
		"description": nullable(perm.Description), "category": nullable(perm.Category), "conditions": nil, "fields": nil,
		"isActive": perm.Active, "createdAt": perm.CreatedAt, "updatedAt": perm.UpdatedAt}
	if len(perm.Conditions) > 0 {
		rec["conditions"] = string(perm.Conditions)
	}
	if perm.Fields != nil {
		b, _ := json.Marshal(perm.Fields)
		rec["fields"] = string(b)
	}
	return rec
}

// ValidatePermission checks a permission as CreatePermission does, and normalises its
// conditions ("null" or "{}"-free forms stay as given; a JSON null becomes none).
func (p *Plugin) ValidatePermission(perm *Permission) error {
	bad := func(format string, args ...any) error {
		return ErrInvalidPermission.WithMessage(fmt.Sprintf(format, args...))
	}
	switch {
	case perm.Name == "" || len(perm.Name) > 100 || strings.Trim(perm.Name, "0123456789") == "":
		return bad("Permission names have 1 to 100 characters, not only digits")
	case perm.Resource == "" || len(perm.Resource) > 50:
		return bad("resource must have 1 to 50 characters")
	case perm.Action == "" || len(perm.Action) > 50:
		return bad("action must have 1 to 50 characters")
	case len(perm.Category) > 50:
		return bad("category has at most 50 characters")
	}
	if c := bytes.TrimSpace(perm.Conditions); len(c) == 0 || string(c) == "null" {
		perm.Conditions = nil
	} else {
		if c[0] != '{' {
			return bad("conditions must be a JSON object")
		}
		perm.Conditions = c
	}
	if perm.Fields != nil {
		if len(perm.Fields) == 0 {
			return bad("fields must not be an empty list (leave it out for every field)")
		}
		for _, f := range perm.Fields {
			if f == "" {
				return bad("fields must not hold an empty name")
			}
		}
	}
	vars := map[string]any{"user": p.sampleUser()}
	if _, err := access.New([]access.Rule{perm.rule(false)}, access.Options{Aliases: p.opts.Aliases, Vars: vars}); err != nil {
		var re *access.RuleError
		if errors.As(err, &re) {
			err = re.Err
		}
		return bad("Invalid permission conditions: %v", err)
	}
	return nil
}

// sampleUser has every user field with a value of its type, to check placeholders against.
func (p *Plugin) sampleUser() map[string]any {
	m := map[string]any{}
	if t := p.auth.Schema().Table(schema.UserTable); t != nil {
		for _, f := range t.Fields {
			switch f.Type {
			case schema.Number:
				m[f.Name] = int64(0)
			case schema.Boolean:
				m[f.Name] = false
			case schema.Date:
				m[f.Name] = time.Time{}
			default:
				m[f.Name] = ""
			}
		}
	}
	return m
}

// PermissionUpdate lists the changes to a permission; nil fields stay as they are. Set
// Conditions to a JSON null to remove them, and Fields to a pointer to nil to remove them.
type PermissionUpdate struct {
	Name, Resource, Action, Description, Category *string
	Conditions                                    json.RawMessage
	Fields                                        *[]string
	Active                                        *bool
}

// UpdatePermission validates and applies the changes.
func (p *Plugin) UpdatePermission(ctx context.Context, ref string, u PermissionUpdate) (*Permission, error) {
	cur, err := p.Permission(ctx, ref)
	if err != nil {
		return nil, err
	}
	perm := *cur
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&perm.Name, u.Name)
	set(&perm.Resource, u.Resource)
	set(&perm.Action, u.Action)
	set(&perm.Category, u.Category)
	if u.Description != nil {
		perm.Description = *u.Description
	}
	if u.Conditions != nil {
		perm.Conditions = u.Conditions
	}
	if u.Fields != nil {
		perm.Fields = *u.Fields
	}
	if u.Active != nil {
		perm.Active = *u.Active
	}
	if err := p.ValidatePermission(&perm); err != nil {
		return nil, err
	}
	perm.UpdatedAt = store.Time(p.auth.Now())
	err = p.change(ctx, func(st store.Store) error {
		rec := permissionRecord(&perm)
		delete(rec, "id")
		delete(rec, "createdAt")
		_, err := st.Update(ctx, PermissionTable, []store.Where{store.Is("id", perm.ID)}, rec)
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, ErrPermissionExists.Wrap(err)
	}
	if err != nil {
		return nil, fmt.Errorf("rbac: update permission: %w", err)
	}
	return &perm, nil
}

// DeletePermission deletes a permission and every grant and override of it.
func (p *Plugin) DeletePermission(ctx context.Context, ref string) error {
	perm, err := p.Permission(ctx, ref)
	if err != nil {
		return err
	}
	return p.change(ctx, func(st store.Store) error {
		by := []store.Where{store.Is("permissionId", perm.ID)}
		if _, err := st.Delete(ctx, RolePermissionTable, by); err != nil {
			return err
		}
		if _, err := st.Delete(ctx, UserPermissionTable, by); err != nil {
			return err
		}
		_, err := st.Delete(ctx, PermissionTable, []store.Where{store.Is("id", perm.ID)})
		return err
	})
}

// Assignment is a permission given to a role or a user, or (Inverted) taken away.
type Assignment struct {
	Permission *Permission `json:"permission"`
	Inverted   bool        `json:"inverted"`
	Active     bool        `json:"isActive"`
	CreatedAt  time.Time   `json:"createdAt"`
}

// Grant gives the permission to the role, or with inverted takes it away from the role (a
// CASL "cannot" after the role's grants). Granting again changes inverted and reactivates.
func (p *Plugin) Grant(ctx context.Context, roleRef, permRef string, inverted bool) error {
	cat, err := p.fresh(ctx)
	if err != nil {
		return err
	}
	r, perm := cat.role(roleRef), cat.permission(permRef)
	if r == nil {
		return ErrRoleNotFound
	}
	if perm == nil {
		return ErrPermissionNotFound
	}
	return p.assign(ctx, RolePermissionTable, "roleId", r.ID, perm.ID, inverted)
}

// Revoke removes the role's assignment of the permission (granted or denied); revoking what
// is not assigned does nothing.
func (p *Plugin) Revoke(ctx context.Context, roleRef, permRef string) error {
	cat, err := p.fresh(ctx)
	if err != nil {
		return err
	}
	r, perm := cat.role(roleRef), cat.permission(permRef)
	if r == nil {
		return ErrRoleNotFound
	}
	if perm == nil {
		return ErrPermissionNotFound
	}
	return p.change(ctx, func(st store.Store) error {
		_, err := st.Delete(ctx, RolePermissionTable, []store.Where{store.Is("roleId", r.ID), store.Is("permissionId", perm.ID)})
		return err
	})
}

// RolePermissions lists the role's assignments, oldest first.
func (p *Plugin) RolePermissions(ctx context.Context, roleRef string) ([]Assignment, error) {
	cat, err := p.fresh(ctx)
	if err != nil {
		return nil, err
	}
	r := cat.role(roleRef)
	if r == nil {
		return nil, ErrRoleNotFound
	}
	return cat.assignments(cat.grants[r.ID]), nil
}

func (c *catalog) assignments(as []assignment) []Assignment {
	out := []Assignment{}
	for _, a := range as {
		if perm := c.perms[a.PermissionID]; perm != nil {
			out = append(out, Assignment{Permission: perm, Inverted: a.Inverted, Active: a.Active, CreatedAt: a.CreatedAt})
		}
	}
	return out
}

// SetUserPermission gives the permission to one user beyond their roles, or with inverted
// takes it away from them whatever their roles grant.
func (p *Plugin) SetUserPermission(ctx context.Context, userID, permRef string, inverted bool) error {
	perm, err := p.Permission(ctx, permRef)
	if err != nil {
		return err
	}
	if _, err := p.auth.FindUserByID(ctx, userID); err != nil {
		return err
	}
	return p.assign(ctx, UserPermissionTable, "userId", userID, perm.ID, inverted)
}

// RemoveUserPermission removes the user's override of the permission.
func (p *Plugin) RemoveUserPermission(ctx context.Context, userID, permRef string) error {
	perm, err := p.Permission(ctx, permRef)
	if err != nil {
		return err
	}
	return p.change(ctx, func(st store.Store) error {
		_, err := st.Delete(ctx, UserPermissionTable, []store.Where{store.Is("userId", userID), store.Is("permissionId", perm.ID)})
		return err
	})
}

// UserPermissions lists the user's overrides, oldest first.
func (p *Plugin) UserPermissions(ctx context.Context, userID string) ([]Assignment, error) {
	cat, err := p.fresh(ctx)
	if err != nil {
		return nil, err
	}
	ovs, err := p.loadOverrides(ctx, p.auth.Store(), userID)
	if err != nil {
		return nil, err
	}
	return cat.assignments(ovs), nil
}

func (p *Plugin) assign(ctx context.Context, table, ownerField string, owner any, permID int64, inverted bool) error {
	return p.change(ctx, func(st store.Store) error {
		where := []store.Where{store.Is(ownerField, owner), store.Is("permissionId", permID)}
		n, err := st.Update(ctx, table, where, store.Record{"inverted": inverted, "isActive": true})
		if err != nil || n > 0 {
			return err
		}
		id, err := nextID(ctx, st, table)
		if err != nil {
			return err
		}
		return st.Create(ctx, table, store.Record{"id": id, ownerField: owner, "permissionId": permID,
			"inverted": inverted, "isActive": true, "createdAt": store.Time(p.auth.Now())})
	})
}

// RolesOf returns the user's active roles.
func (p *Plugin) RolesOf(ctx context.Context, u *krag.User) ([]*Role, error) {
	cat, err := p.refresh(ctx)
	if err != nil {
		return nil, err
	}
	return cat.rolesOf(u), nil
}

// SetUserRoles gives the user the named roles (ids or names; at least one): user.role becomes
// their names joined with commas, as Better Auth stores several roles, and user.roleId the first
// one's id. An unknown role is ErrRoleNotFound.
func (p *Plugin) SetUserRoles(ctx context.Context, userID string, roles []string) (*krag.User, error) {
	u, err := p.auth.FindUserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if err := p.ApplyRoles(ctx, u, roles); err != nil {
		return nil, err
	}
	if err := p.auth.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// ApplyRoles sets u's role fields to the named roles without storing u (for users about to be
// created or updated by other code).
func (p *Plugin) ApplyRoles(ctx context.Context, u *krag.User, roles []string) error {
	if len(roles) == 0 {
		return ErrInvalidRole.WithMessage("At least one role is required")
	}
	cat, err := p.fresh(ctx)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(roles))
	var first *Role
	for _, ref := range roles {
		r := cat.role(ref)
		if r == nil {
			return ErrRoleNotFound.WithMessage(fmt.Sprintf("Role %q not found", ref))
		}
		if first == nil {
			first = r
		}
		if !slices.Contains(names, r.Name) {
			names = append(names, r.Name)
		}
	}
	RoleIDField.Set(u, first.ID)
	RoleField.Set(u, strings.Join(names, ","))
	return nil
}
