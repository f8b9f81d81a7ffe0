package rbac

import (
	"encoding/json"
	"strings"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/access"
)

// Subjects and actions that guard the management routes. The admin role's "manage all" covers
// them all; other roles get them through permissions like any other.
const (
	SubjectRole       = "role"
	SubjectPermission = "permission"
	SubjectUser       = "user"
	// ActionSetPermission is the action on "user" that adds and removes a user's overrides.
	ActionSetPermission = "set-permission"
	// ActionSetRole is Better Auth's admin statement for changing a user's roles.
	ActionSetRole = "set-role"
)

// routes declares the plugin's endpoints, relative to the Auth's base path:
//
//	GET  /rbac/rules                    the caller's rules, packed as @casl/ability's packRules, and role names
//	GET  /rbac/list-roles               read role
//	POST /rbac/create-role              create role     {name, displayName?, description?, isActive?}
//	POST /rbac/update-role              update role     {role, name?, displayName?, description?, isActive?}
//	POST /rbac/delete-role              delete role     {role}
//	GET  /rbac/list-role-permissions    read role       ?role=
//	POST /rbac/grant                    update role     {role, permission, inverted?}
//	POST /rbac/revoke                   update role     {role, permission}
//	GET  /rbac/list-permissions         read permission
//	POST /rbac/create-permission        create permission {name, resource, action, description?, category?, conditions?, fields?, isActive?}
//	POST /rbac/update-permission        update permission {permission, ...the same, optional}
//	POST /rbac/delete-permission        delete permission {permission}
//	GET  /rbac/list-user-permissions    read permission ?userId=
//	POST /rbac/set-user-permission      set-permission user {userId, permission, inverted?}
//	POST /rbac/remove-user-permission   set-permission user {userId, permission}
//	POST /rbac/set-user-role            set-role user   {userId, role: string | string[]}
//
// Roles and permissions are named by id or name.
func (p *Plugin) routes(s *krag.Setup) {
	get := func(path, action, subject string, h func(r *krag.Request) error) {
		s.Handle(krag.Route{Method: "GET", Path: path, Session: krag.SessionRequired, Handler: p.guard(action, subject, h)})
	}
	post := func(path, action, subject string, validate func(r *krag.Request) error, h func(r *krag.Request) error) {
		s.Handle(krag.Route{Method: "POST", Path: path, Session: krag.SessionRequired, Validate: validate, Handler: p.guard(action, subject, h)})
	}
	s.Handle(krag.Route{Method: "GET", Path: "/rbac/rules", Session: krag.SessionRequired, Handler: p.handleRules})
	get("/rbac/list-roles", "read", SubjectRole, p.handleListRoles)
	post("/rbac/create-role", "create", SubjectRole, krag.NeedStrings("name"), p.handleCreateRole)
	post("/rbac/update-role", "update", SubjectRole, krag.NeedStrings("role"), p.handleUpdateRole)
	post("/rbac/delete-role", "delete", SubjectRole, krag.NeedStrings("role"), p.handleDeleteRole)
	get("/rbac/list-role-permissions", "read", SubjectRole, p.handleListRolePermissions)
	post("/rbac/grant", "update", SubjectRole, krag.NeedStrings("role", "permission"), p.handleGrant)
	post("/rbac/revoke", "update", SubjectRole, krag.NeedStrings("role", "permission"), p.handleRevoke)
	get("/rbac/list-permissions", "read", SubjectPermission, p.handleListPermissions)
	post("/rbac/create-permission", "create", SubjectPermission, krag.NeedStrings("name", "resource", "action"), p.handleCreatePermission)
	post("/rbac/update-permission", "update", SubjectPermission, krag.NeedStrings("permission"), p.handleUpdatePermission)
	post("/rbac/delete-permission", "delete", SubjectPermission, krag.NeedStrings("permission"), p.handleDeletePermission)
	get("/rbac/list-user-permissions", "read", SubjectPermission, p.handleListUserPermissions)
	post("/rbac/set-user-permission", ActionSetPermission, SubjectUser, krag.NeedStrings("userId", "permission"), p.handleSetUserPermission)
	post("/rbac/remove-user-permission", ActionSetPermission, SubjectUser, krag.NeedStrings("userId", "permission"), p.handleRemoveUserPermission)
	post("/rbac/set-user-role", ActionSetRole, SubjectUser, krag.NeedStrings("userId"), p.handleSetUserRole)
}

// guard runs h when the caller may do action on subject; otherwise 403 FORBIDDEN.
func (p *Plugin) guard(action, subject string, h func(r *krag.Request) error) func(r *krag.Request) error {
	return func(r *krag.Request) error {
		ab, err := p.Ability(r.Context(), r.Session.User.ID)
		if err != nil {
			return err
		}
		if err := ab.Authorize(action, access.Type(subject), ""); err != nil {
			return ErrForbidden.WithMessage(err.Error())
		}
		return h(r)
	}
}

func (p *Plugin) handleRules(r *krag.Request) error {
	ab, err := p.Ability(r.Context(), r.Session.User.ID)
	if err != nil {
		return err
	}
	roles, err := p.RolesOf(r.Context(), r.Session.User)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(roles))
	for _, ro := range roles {
		names = append(names, ro.Name)
	}
	nb, err := json.Marshal(names)
	if err != nil {
		return err
	}
	b := append([]byte(`{"rules":`), ab.Pack()...)
	b = append(append(append(b, `,"roles":`...), nb...), '}')
	r.RawJSON(b)
	return nil
}

func (p *Plugin) handleListRoles(r *krag.Request) error {
	roles, err := p.Roles(r.Context())
	if err != nil {
		return err
	}
	return r.JSON(map[string]any{"roles": roles})
}

func bodyStr(r *krag.Request, key string) string {
	var s string
	_ = json.Unmarshal(r.RawBody(key), &s)
	return s
}

// optStr returns a pointer to the string under key, nil when absent; a non-string is a 400.
func optStr(r *krag.Request, key string) (*string, error) {
	raw := r.RawBody(key)
	if raw == nil {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, krag.ErrValidation.WithMessage("[body." + key + "] Invalid input: expected string")
	}
	return &s, nil
}

func optBool(r *krag.Request, key string) (*bool, error) {
	raw := r.RawBody(key)
	if raw == nil {
		return nil, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil || string(raw) == "null" {
		return nil, krag.ErrValidation.WithMessage("[body." + key + "] Invalid input: expected boolean")
	}
	return &b, nil
}

func (p *Plugin) handleCreateRole(r *krag.Request) error {
	display, err := optStr(r, "displayName")
	if err != nil {
		return err
	}
	desc, err := optStr(r, "description")
	if err != nil {
		return err
	}
	act, err := optBool(r, "isActive")
	if err != nil {
		return err
	}
	in := RoleInput{Name: bodyStr(r, "name")}
	if display != nil {
		in.DisplayName = *display
	}
	if desc != nil {
		in.Description = *desc
	}
	in.Inactive = act != nil && !*act
	role, err := p.CreateRole(r.Context(), in)
	if err != nil {
		return err
	}
	return r.JSON(map[string]any{"role": role})
}

func (p *Plugin) handleUpdateRole(r *krag.Request) error {
	var u RoleUpdate
	var err error
	if u.Name, err = optStr(r, "name"); err != nil {
		return err
	}
	if u.DisplayName, err = optStr(r, "displayName"); err != nil {
		return err
	}
	if u.Description, err = optStr(r, "description"); err != nil {
		return err
	}
	if u.Active, err = optBool(r, "isActive"); err != nil {
		return err
	}
	role, err := p.UpdateRole(r.Context(), bodyStr(r, "role"), u)
	if err != nil {
		return err
	}
	return r.JSON(map[string]any{"role": role})
}

func (p *Plugin) handleDeleteRole(r *krag.Request) error {
	if err := p.DeleteRole(r.Context(), bodyStr(r, "role")); err != nil {
		return err
	}
	return r.JSON(map[string]any{"success": true})
}

func (p *Plugin) handleListRolePermissions(r *krag.Request) error {
	list, err := p.RolePermissions(r.Context(), r.Query().Get("role"))
	if err != nil {
		return err
	}
	return r.JSON(map[string]any{"permissions": list})
}

func (p *Plugin) handleGrant(r *krag.Request) error {
	inv, err := optBool(r, "inverted")
	if err != nil {
		return err
	}
	if err := p.Grant(r.Context(), bodyStr(r, "role"), bodyStr(r, "permission"), inv != nil && *inv); err != nil {
		return err
	}
	return r.JSON(map[string]any{"success": true})
}

func (p *Plugin) handleRevoke(r *krag.Request) error {
	if err := p.Revoke(r.Context(), bodyStr(r, "role"), bodyStr(r, "permission")); err != nil {
		return err
	}
	return r.JSON(map[string]any{"success": true})
}

func (p *Plugin) handleListPermissions(r *krag.Request) error {
	list, err := p.Permissions(r.Context())
	if err != nil {
		return err
	}
	return r.JSON(map[string]any{"permissions": list})
}

// permissionBody reads the permission fields of a create or update body.
func permissionBody(r *krag.Request) (PermissionUpdate, error) {
	var u PermissionUpdate
	var err error
	for key, dst := range map[string]**string{"name": &u.Name, "resource": &u.Resource, "action": &u.Action,
		"description": &u.Description, "category": &u.Category} {
		if *dst, err = optStr(r, key); err != nil {
			return u, err
		}
	}
	if raw := r.RawBody("conditions"); raw != nil {
		if s := strings.TrimSpace(string(raw)); s != "null" && !strings.HasPrefix(s, "{") {
			return u, ErrInvalidPermission.WithMessage("conditions must be a JSON object")
		}
		u.Conditions = raw
	}
	if raw := r.RawBody("fields"); raw != nil {
		var fs []string
		if string(raw) != "null" {
			if err := json.Unmarshal(raw, &fs); err != nil {
				return u, ErrInvalidPermission.WithMessage("fields must be a list of field names")
			}
			if fs == nil {
				fs = []string{}
			}
		}
		u.Fields = &fs
	}
	if u.Active, err = optBool(r, "isActive"); err != nil {
		return u, err
	}
	return u, nil
}

func (p *Plugin) handleCreatePermission(r *krag.Request) error {
	u, err := permissionBody(r)
	if err != nil {
		return err
	}
	in := PermissionInput{Name: *u.Name, Resource: *u.Resource, Action: *u.Action, Conditions: u.Conditions}
	if u.Description != nil {
		in.Description = *u.Description
	}
	if u.Category != nil {
		in.Category = *u.Category
	}
	if u.Fields != nil {
		in.Fields = *u.Fields
	}
	in.Inactive = u.Active != nil && !*u.Active
	perm, err := p.CreatePermission(r.Context(), in)
	if err != nil {
		return err
	}
	return r.JSON(map[string]any{"permission": perm})
}

func (p *Plugin) handleUpdatePermission(r *krag.Request) error {
	u, err := permissionBody(r)
	if err != nil {
		return err
	}
	perm, err := p.UpdatePermission(r.Context(), bodyStr(r, "permission"), u)
	if err != nil {
		return err
	}
	return r.JSON(map[string]any{"permission": perm})
}

func (p *Plugin) handleDeletePermission(r *krag.Request) error {
	if err := p.DeletePermission(r.Context(), bodyStr(r, "permission")); err != nil {
		return err
	}
	return r.JSON(map[string]any{"success": true})
}

func (p *Plugin) handleListUserPermissions(r *krag.Request) error {
	id := r.Query().Get("userId")
	if id == "" {
		return krag.ErrValidation.WithMessage("[query.userId] Invalid input: expected string, received undefined")
	}
	list, err := p.UserPermissions(r.Context(), id)
	if err != nil {
		return err
	}
	return r.JSON(map[string]any{"permissions": list})
}

func (p *Plugin) handleSetUserPermission(r *krag.Request) error {
	inv, err := optBool(r, "inverted")
	if err != nil {
		return err
	}
	if err := p.SetUserPermission(r.Context(), bodyStr(r, "userId"), bodyStr(r, "permission"), inv != nil && *inv); err != nil {
		return err
	}
	return r.JSON(map[string]any{"success": true})
}

func (p *Plugin) handleRemoveUserPermission(r *krag.Request) error {
	if err := p.RemoveUserPermission(r.Context(), bodyStr(r, "userId"), bodyStr(r, "permission")); err != nil {
		return err
	}
	return r.JSON(map[string]any{"success": true})
}

// RoleList reads a role value as Better Auth's admin plugin accepts it: a string or a list of
// strings (ErrInvalidRole otherwise).
func RoleList(raw json.RawMessage) ([]string, error) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil && len(many) > 0 {
		return many, nil
	}
	return nil, ErrInvalidRole.WithMessage("role must be a role name or a list of role names")
}

func (p *Plugin) handleSetUserRole(r *krag.Request) error {
	roles, err := RoleList(r.RawBody("role"))
	if err != nil {
		return err
	}
	u, err := p.SetUserRoles(r.Context(), bodyStr(r, "userId"), roles)
	if err != nil {
		return err
	}
	return r.JSON(map[string]any{"user": p.auth.UserJSON(u)})
}
