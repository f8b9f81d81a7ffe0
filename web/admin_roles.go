package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/plugin/rbac"
)

// The roles and permissions editor: roles with their grants, permissions (CASL rules) with
// conditions checked by rbac before they are stored, each problem shown next to its field.
func (s *site) rolesRoutes() {
	s.handle("GET /admin/roles", s.allowed("read", rbac.SubjectRole, s.rolesPage))
	s.handle("POST /admin/roles", s.allowed("create", rbac.SubjectRole, s.createRole))
	s.handle("GET /admin/roles/{name}", s.allowed("read", rbac.SubjectRole, s.rolePage))
	s.handle("POST /admin/roles/{name}/grant", s.allowed("update", rbac.SubjectRole, s.grantToRole))
	s.handle("POST /admin/roles/{name}/revoke", s.allowed("update", rbac.SubjectRole, s.revokeFromRole))
	s.handle("GET /admin/permissions", s.allowed("read", rbac.SubjectPermission, s.permissionsPage))
	s.handle("POST /admin/permissions", s.allowed("create", rbac.SubjectPermission, s.createPermission))
	s.handle("GET /admin/permissions/{id}", s.allowed("read", rbac.SubjectPermission, s.permissionPage))
	s.handle("POST /admin/permissions/{id}", s.allowed("update", rbac.SubjectPermission, s.updatePermission))
}

// rolePath returns the address of a role's page. Role names may hold spaces, slashes and
// the like: the name is one escaped path segment.
func rolePath(name string) string { return "/admin/roles/" + url.PathEscape(name) }

// roleLink is a role with the address of its page.
type roleLink struct {
	*rbac.Role
	Path string
}

// rolesData is the roles page's Data.
type rolesData struct {
	Nav   []navLink
	Roles []roleLink
	// New is the new-role form; nil without the right to create roles.
	New *form
}

func (s *site) rolesPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderRoles(w, r, http.StatusOK, nil)
}

func (s *site) renderRoles(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	ab, err := s.ability(r)
	if err != nil {
		return err
	}
	rights := s.rightsOf(ab)
	d := rolesData{Nav: adminNav(r, rights)}
	roles, err := s.opts.RBAC.Roles(r.Context())
	if err != nil {
		return err
	}
	for _, role := range roles {
		d.Roles = append(d.Roles, roleLink{Role: role, Path: rolePath(role.Name)})
	}
	if rights.CreateRoles {
		d.New = f
		if d.New == nil {
			d.New = newForm("new-role", nil)
		}
	}
	v := view{Title: "Roles", Data: d}
	if f != nil {
		v.Error = f.Error
	}
	return s.render(w, r, status, "admin-roles", v)
}

func (s *site) createRole(w http.ResponseWriter, r *http.Request) error {
	f := postedForm("new-role", r)
	if !f.Require([2]string{"name", "a name"}) {
		return s.renderRoles(w, r, http.StatusBadRequest, f)
	}
	role, err := s.opts.RBAC.CreateRole(r.Context(), rbac.RoleInput{Name: strings.TrimSpace(f.Value("name")),
		DisplayName: strings.TrimSpace(f.Value("displayName")), Description: strings.TrimSpace(f.Value("description"))})
	if err != nil {
		f.Fail(err, map[string]string{string(rbac.ErrInvalidRole.Code): "name", string(rbac.ErrRoleExists.Code): "name"})
		return s.renderRoles(w, r, s.formStatus(r, err), f)
	}
	return s.redirect(w, r, rolePath(role.Name), "role-created")
}

// roleData is a role's page's Data.
type roleData struct {
	Nav         []navLink
	Role        *rbac.Role
	Path        string // the role page's address
	Assignments []rbac.Assignment
	// Grant is the grant form; nil without the right to update roles.
	Grant  *form
	Revoke *form // carries a failed revocation's error
	// GrantSelect is the grant form's choice of permission.
	GrantSelect permissionChoice
}

// roleFor loads the role of the request's {name}: the 404 page when there is none.
func (s *site) roleFor(r *http.Request) (*rbac.Role, error) {
	role, err := s.opts.RBAC.Role(r.Context(), r.PathValue("name"))
	if errors.Is(err, rbac.ErrRoleNotFound) {
		return nil, errNotFound
	}
	return role, err
}

func (s *site) rolePage(w http.ResponseWriter, r *http.Request) error {
	role, err := s.roleFor(r)
	if err != nil {
		return err
	}
	return s.renderRole(w, r, http.StatusOK, role, nil, nil)
}

func (s *site) renderRole(w http.ResponseWriter, r *http.Request, status int, role *rbac.Role, grant, revoke *form) error {
	ctx := r.Context()
	ab, err := s.ability(r)
	if err != nil {
		return err
	}
	rights := s.rightsOf(ab)
	d := roleData{Nav: adminNav(r, rights), Role: role, Path: rolePath(role.Name), Revoke: revoke}
	if d.Assignments, err = s.opts.RBAC.RolePermissions(ctx, role.Name); err != nil {
		return err
	}
	if rights.UpdateRoles {
		d.Grant = grant
		if d.Grant == nil {
			d.Grant = newForm("grant", url.Values{"effect": {"allow"}})
		}
		perms, err := s.opts.RBAC.Permissions(ctx)
		if err != nil {
			return err
		}
		d.GrantSelect = permissionChoice{Form: d.Grant, Permissions: perms}
	}
	v := view{Title: "Role: " + role.DisplayName, Data: d}
	for _, f := range []*form{grant, revoke} {
		if f != nil && f.Error != "" {
			v.Error = f.Error
		}
	}
	return s.render(w, r, status, "admin-role", v)
}

func (s *site) grantToRole(w http.ResponseWriter, r *http.Request) error {
	role, err := s.roleFor(r)
	if err != nil {
		return err
	}
	f := postedForm("grant", r)
	if !f.Require([2]string{"permission", "a permission"}) {
		return s.renderRole(w, r, http.StatusBadRequest, role, f, nil)
	}
	effect := f.Value("effect")
	if effect != "allow" && effect != "deny" {
		f.FieldError("effect", "Choose whether the role is given the permission or denied it.")
		f.Error = "Some fields need your attention."
		return s.renderRole(w, r, http.StatusBadRequest, role, f, nil)
	}
	if err := s.opts.RBAC.Grant(r.Context(), role.Name, f.Value("permission"), effect == "deny"); err != nil {
		f.Fail(err, map[string]string{string(rbac.ErrPermissionNotFound.Code): "permission"})
		return s.renderRole(w, r, s.formStatus(r, err), role, f, nil)
	}
	return s.redirect(w, r, rolePath(role.Name), "grant-saved")
}

func (s *site) revokeFromRole(w http.ResponseWriter, r *http.Request) error {
	role, err := s.roleFor(r)
	if err != nil {
		return err
	}
	if err := s.opts.RBAC.Revoke(r.Context(), role.Name, r.PostForm.Get("permission")); err != nil {
		f := newForm("revoke", nil)
		f.Fail(err, nil)
		return s.renderRole(w, r, s.formStatus(r, err), role, nil, f)
	}
	return s.redirect(w, r, rolePath(role.Name), "grant-revoked")
}

// permissionsData is the permissions page's Data.
type permissionsData struct {
	Nav         []navLink
	Permissions []permissionView
	// New is the new-permission form; nil without the right to create permissions.
	New *form
}

// permissionView is a permission as the pages show it.
type permissionView struct {
	*rbac.Permission
	ConditionsText string // compact JSON, "" for none
	FieldsText     string // comma-separated, "" for every field
}

func viewPermission(p *rbac.Permission) permissionView {
	v := permissionView{Permission: p, FieldsText: strings.Join(p.Fields, ", ")}
	if len(p.Conditions) > 0 {
		var b bytes.Buffer
		if json.Compact(&b, p.Conditions) == nil {
			v.ConditionsText = b.String()
		} else {
			v.ConditionsText = string(p.Conditions)
		}
	}
	return v
}

func (s *site) permissionsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderPermissions(w, r, http.StatusOK, nil)
}

func (s *site) renderPermissions(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	ab, err := s.ability(r)
	if err != nil {
		return err
	}
	rights := s.rightsOf(ab)
	d := permissionsData{Nav: adminNav(r, rights)}
	perms, err := s.opts.RBAC.Permissions(r.Context())
	if err != nil {
		return err
	}
	for _, p := range perms {
		d.Permissions = append(d.Permissions, viewPermission(p))
	}
	if rights.CreatePermissions {
		d.New = f
		if d.New == nil {
			d.New = newForm("new-permission", nil)
		}
	}
	v := view{Title: "Permissions", Data: d}
	if f != nil {
		v.Error = f.Error
	}
	return s.render(w, r, status, "admin-permissions", v)
}

// permissionInput reads the permission form f and checks each field with rbac's own rules
// (rbac.Plugin.ValidatePermission, one field at a time with harmless values in the others), so
// that each problem is shown next to its field: conditions that are not JSON, not an object,
// or that CASL could not use (an unknown operator, an unknown ${…} placeholder, a regular
// expression Go cannot run as JavaScript does).
func (s *site) permissionInput(f *form) (rbac.PermissionInput, bool) {
	in := rbac.PermissionInput{
		Name: strings.TrimSpace(f.Value("name")), Resource: strings.TrimSpace(f.Value("resource")),
		Action: strings.TrimSpace(f.Value("action")), Description: strings.TrimSpace(f.Value("description")),
		Category: strings.TrimSpace(f.Value("category")),
	}
	f.Require([2]string{"name", "a name"}, [2]string{"action", "an action"}, [2]string{"resource", "a resource"})
	if c := strings.TrimSpace(f.Value("conditions")); c != "" {
		if msg := jsonObjectProblem(c); msg != "" {
			f.FieldError("conditions", msg)
		} else {
			in.Conditions = json.RawMessage(c)
		}
	}
	if fs := strings.TrimSpace(f.Value("fields")); fs != "" {
		for _, name := range strings.Split(fs, ",") {
			if name = strings.TrimSpace(name); name != "" {
				in.Fields = append(in.Fields, name)
			}
		}
		if len(in.Fields) == 0 {
			f.FieldError("fields", "Enter field names separated by commas, or leave this empty for every field.")
		}
	}
	const ok = "check" // a valid name, resource and action, for checking the others alone
	checks := []struct {
		field string
		set   bool
		perm  rbac.Permission
	}{
		{"name", in.Name != "", rbac.Permission{Name: in.Name, Resource: ok, Action: ok}},
		{"action", in.Action != "", rbac.Permission{Name: ok, Resource: ok, Action: in.Action}},
		{"resource", in.Resource != "", rbac.Permission{Name: ok, Resource: in.Resource, Action: ok}},
		{"conditions", in.Conditions != nil, rbac.Permission{Name: ok, Resource: ok, Action: ok, Conditions: in.Conditions}},
		{"fields", in.Fields != nil, rbac.Permission{Name: ok, Resource: ok, Action: ok, Fields: in.Fields}},
		{"category", in.Category != "", rbac.Permission{Name: ok, Resource: ok, Action: ok, Category: in.Category}},
	}
	for _, c := range checks {
		if !c.set || f.Errors[c.field] != "" {
			continue
		}
		if err := s.opts.RBAC.ValidatePermission(&c.perm); err != nil {
			f.FieldError(c.field, permissionProblem(err))
		}
	}
	if f.Invalid() {
		if f.Error == "" {
			f.Error = "Some fields need your attention."
		}
		return in, false
	}
	return in, true
}

// jsonObjectProblem says what is wrong with conditions that are not a JSON object, or "".
func jsonObjectProblem(s string) string {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Sprintf("The conditions aren't valid JSON: %s (at character %d).", err, se.Offset)
		}
		return "The conditions aren't valid JSON: " + err.Error() + "."
	}
	if _, ok := v.(map[string]any); !ok {
		return `Write the conditions as a JSON object, such as {"authorId": "${user.id}"}.`
	}
	return ""
}

// permissionProblem is rbac's explanation of an invalid permission, as a sentence.
func permissionProblem(err error) string {
	var ke *krag.Error
	if errors.As(err, &ke) && ke.Code == rbac.ErrInvalidPermission.Code && ke.Message != rbac.ErrInvalidPermission.Message {
		return sentenceCase(ke.Message)
	}
	return message(err)
}

// permissionFields maps rbac's codes to the permission form's fields.
var permissionFields = map[string]string{string(rbac.ErrPermissionExists.Code): "name"}

func (s *site) createPermission(w http.ResponseWriter, r *http.Request) error {
	f := postedForm("new-permission", r)
	in, ok := s.permissionInput(f)
	if !ok {
		return s.renderPermissions(w, r, http.StatusBadRequest, f)
	}
	perm, err := s.opts.RBAC.CreatePermission(r.Context(), in)
	if err != nil {
		f.Fail(err, permissionFields)
		if msg := permissionProblem(err); codeOf(err) == rbac.ErrInvalidPermission.Code {
			f.Error = msg
		}
		return s.renderPermissions(w, r, s.formStatus(r, err), f)
	}
	return s.redirect(w, r, "/admin/permissions/"+strconv.FormatInt(perm.ID, 10), "permission-created")
}

// permissionData is a permission's page's Data.
type permissionData struct {
	Nav        []navLink
	Permission permissionView
	// Edit is the edit form; nil without the right to update permissions.
	Edit  *form
	Roles []roleGrant // the roles that hold the permission
}

// roleGrant is a role's assignment of one permission.
type roleGrant struct {
	roleLink
	Deny bool
}

// permissionFor loads the permission of the request's {id}: the 404 page when there is none.
func (s *site) permissionFor(r *http.Request) (*rbac.Permission, error) {
	id := r.PathValue("id")
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return nil, errNotFound
	}
	p, err := s.opts.RBAC.Permission(r.Context(), id)
	if errors.Is(err, rbac.ErrPermissionNotFound) {
		return nil, errNotFound
	}
	return p, err
}

func (s *site) permissionPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.permissionFor(r)
	if err != nil {
		return err
	}
	return s.renderPermission(w, r, http.StatusOK, p, nil)
}

func (s *site) renderPermission(w http.ResponseWriter, r *http.Request, status int, p *rbac.Permission, f *form) error {
	ctx := r.Context()
	ab, err := s.ability(r)
	if err != nil {
		return err
	}
	rights := s.rightsOf(ab)
	d := permissionData{Nav: adminNav(r, rights), Permission: viewPermission(p)}
	if rights.UpdatePermissions {
		d.Edit = f
		if d.Edit == nil {
			d.Edit = newForm("permission", url.Values{"name": {p.Name}, "action": {p.Action}, "resource": {p.Resource},
				"conditions": {d.Permission.ConditionsText}, "fields": {d.Permission.FieldsText}, "description": {p.Description},
				"category": {p.Category}})
			if p.Active {
				d.Edit.Values.Set("active", "on")
			}
		}
	}
	if rights.ReadRoles {
		roles, err := s.opts.RBAC.Roles(ctx)
		if err != nil {
			return err
		}
		for _, role := range roles {
			list, err := s.opts.RBAC.RolePermissions(ctx, role.Name)
			if err != nil {
				return err
			}
			for _, a := range list {
				if a.Permission.ID == p.ID {
					d.Roles = append(d.Roles, roleGrant{roleLink: roleLink{Role: role, Path: rolePath(role.Name)}, Deny: a.Inverted})
				}
			}
		}
	}
	v := view{Title: "Permission: " + p.Name, Data: d}
	if f != nil {
		v.Error = f.Error
	}
	return s.render(w, r, status, "admin-permission", v)
}

func (s *site) updatePermission(w http.ResponseWriter, r *http.Request) error {
	p, err := s.permissionFor(r)
	if err != nil {
		return err
	}
	f := postedForm("permission", r)
	in, ok := s.permissionInput(f)
	if !ok {
		return s.renderPermission(w, r, http.StatusBadRequest, p, f)
	}
	active := f.Checked("active")
	u := rbac.PermissionUpdate{Name: &in.Name, Resource: &in.Resource, Action: &in.Action, Description: &in.Description,
		Category: &in.Category, Conditions: in.Conditions, Fields: &in.Fields, Active: &active}
	if u.Conditions == nil {
		u.Conditions = json.RawMessage("null")
	}
	if _, err := s.opts.RBAC.UpdatePermission(r.Context(), strconv.FormatInt(p.ID, 10), u); err != nil {
		f.Fail(err, permissionFields)
		if msg := permissionProblem(err); codeOf(err) == rbac.ErrInvalidPermission.Code {
			f.Error = msg
		}
		return s.renderPermission(w, r, s.formStatus(r, err), p, f)
	}
	return s.redirect(w, r, "/admin/permissions/"+strconv.FormatInt(p.ID, 10), "permission-saved")
}
