package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/access"
	"github.com/kragauth/krag/plugin/admin"
	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/store"
)

// The admin's user pages: the list with search and pages, and one user's page with their role,
// ban, impersonation and permission overrides.
func (s *site) usersRoutes() {
	s.handle("GET /admin/users", s.allowed(admin.ActionList, admin.SubjectUser, s.usersPage))
	s.handle("GET /admin/users/{id}", s.signedIn(s.userPage))
	s.handle("POST /admin/users/{id}/role", s.signedIn(s.setUserRole))
	s.handle("POST /admin/users/{id}/ban", s.signedIn(s.banUser))
	s.handle("POST /admin/users/{id}/unban", s.signedIn(s.unbanUser))
	s.handle("POST /admin/users/{id}/impersonate", s.signedIn(s.impersonateUser))
	s.handle("POST /admin/users/{id}/permissions", s.signedIn(s.setOverride))
	s.handle("POST /admin/users/{id}/permissions/remove", s.signedIn(s.removeOverride))
}

// usersPerPage is the length of a page of the user list.
const usersPerPage = 20

// usersData is the user list's Data.
type usersData struct {
	Nav    []navLink
	Query  string
	Users  []userRow
	Total  int64
	Page   int
	Pages  int
	First  int // the position of the page's first user, from 1
	Last   int
	Prev   string // the previous page's URL, "" on the first
	Next   string // the next page's URL, "" on the last
	Search *form
}

// userRow is one user in the list.
type userRow struct {
	*person
	Roles  string
	Banned bool
}

// usersPage lists users, newest first, usersPerPage at a time; q searches names and emails.
func (s *site) usersPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ab, err := s.ability(r)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	query := store.Query{
		Sort:   []store.Sort{{Field: "createdAt", Desc: true}, {Field: "id"}},
		Limit:  usersPerPage,
		Offset: (page - 1) * usersPerPage,
	}
	if q != "" {
		query.Where = []store.Where{
			{Field: "email", Op: store.Contains, Value: strings.ToLower(q)},
			{Field: "name", Op: store.Contains, Value: q, Or: true},
		}
	}
	users, total, err := s.auth.FindUsers(ctx, query)
	if err != nil {
		return err
	}
	d := usersData{Nav: adminNav(r, s.rightsOf(ab)), Query: q, Total: total, Page: page,
		Pages: max(1, int((total+usersPerPage-1)/usersPerPage)), Search: newForm("search", url.Values{"q": {q}})}
	for _, u := range users {
		row := userRow{person: s.person(u), Banned: s.opts.Admin.Banned(u)}
		roles, err := s.opts.RBAC.RolesOf(ctx, u)
		if err != nil {
			return err
		}
		row.Roles = roleNames(roles)
		d.Users = append(d.Users, row)
	}
	if len(users) > 0 {
		d.First = (page-1)*usersPerPage + 1
		d.Last = d.First + len(users) - 1
	}
	pageURL := func(n int) string {
		v := url.Values{}
		if q != "" {
			v.Set("q", q)
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return "/admin/users"
		}
		return "/admin/users?" + v.Encode()
	}
	if page > 1 {
		d.Prev = pageURL(min(page-1, d.Pages))
	}
	if page < d.Pages {
		d.Next = pageURL(page + 1)
	}
	return s.render(w, r, http.StatusOK, "admin-users", view{Title: "Users", Data: d})
}

// roleNames returns the roles' display names, joined.
func roleNames(roles []*rbac.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r.DisplayName
	}
	return strings.Join(names, ", ")
}

// userData is a user's page's Data.
type userData struct {
	Nav     []navLink
	Person  *person
	Self    bool
	Roles   []*rbac.Role // the user's roles
	Banned  bool
	Ban     banView
	Rules   []ruleView
	Options userOptions

	// The forms the user may use (nil when they may not), each carrying its values and errors.
	Role, BanForm, Unban, Impersonate, Override *form
	Overrides                                   []overrideView
	CanOverride                                 bool
	// OverrideSelect is the override form's choice of permission.
	OverrideSelect permissionChoice
}

// permissionChoice is a form's select of a permission among Permissions.
type permissionChoice struct {
	Form        *form
	Permissions []*rbac.Permission
}

// banView describes a ban in force.
type banView struct {
	Reason  string
	Expires time.Time // zero: no end
}

// userOptions are the choices of the page's selects.
type userOptions struct {
	Roles       []*rbac.Role
	Permissions []*rbac.Permission
	BanLengths  []choice
}

// choice is one option of a select.
type choice struct{ Value, Label string }

// banLengths are the ban form's choices, as durations Go parses.
var banLengths = []choice{{"", "No end"}, {"1h", "One hour"}, {"24h", "One day"}, {"168h", "One week"}, {"720h", "30 days"}}

// overrideView is one of the user's permission overrides.
type overrideView struct {
	Permission *rbac.Permission
	Deny       bool
}

// userForms are a user page's failed forms; nil ones start empty.
type userForms struct {
	role, ban, unban, impersonate, override *form
}

// targetUser loads the user of the request's {id} for an action, as the admin plugin's routes
// do: a user not allowed the action on users at all gets the 403 page before the user is
// looked up (so nobody learns who exists), then the action must be allowed on that user.
func (s *site) targetUser(r *http.Request, action, subject string) (*krag.User, *access.Ability, error) {
	ab, err := s.ability(r)
	if err != nil {
		return nil, nil, err
	}
	if !ab.Can(action, access.Type(subject)) {
		return nil, nil, errForbidden
	}
	u, err := s.auth.FindUserByID(r.Context(), r.PathValue("id"))
	if errors.Is(err, krag.ErrUserNotFound) {
		return nil, nil, errNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	if !ab.Can(action, access.Of(subject, u.Attributes())) {
		return nil, nil, errForbidden
	}
	return u, ab, nil
}

func (s *site) userPage(w http.ResponseWriter, r *http.Request) error {
	u, ab, err := s.targetUser(r, admin.ActionGet, admin.SubjectUser)
	if err != nil {
		return err
	}
	return s.renderUser(w, r, http.StatusOK, u, ab, userForms{})
}

func (s *site) renderUser(w http.ResponseWriter, r *http.Request, status int, u *krag.User, ab *access.Ability, f userForms) error {
	ctx := r.Context()
	sd := session(r)
	rb := s.opts.RBAC
	subj := access.Of(admin.SubjectUser, u.Attributes())
	d := userData{Nav: adminNav(r, s.rightsOf(ab)), Person: s.person(u), Self: u.ID == sd.User.ID,
		Banned: s.opts.Admin.Banned(u), Options: userOptions{BanLengths: banLengths}}
	var err error
	if d.Roles, err = rb.RolesOf(ctx, u); err != nil {
		return err
	}
	if d.Banned {
		d.Ban.Reason, _ = admin.BanReasonField.Get(u)
		d.Ban.Expires, _ = admin.BanExpiresField.Get(u)
	}
	target, err := rb.Ability(ctx, u.ID)
	if err != nil {
		return err
	}
	d.Rules = unpackRules(target.Pack())

	pick := func(failed *form, id string, allowed bool, values url.Values) *form {
		if !allowed {
			return nil
		}
		if failed != nil {
			return failed
		}
		return newForm(id, values)
	}
	if ab.Can(admin.ActionSetRole, subj) {
		if d.Options.Roles, err = rb.Roles(ctx); err != nil {
			return err
		}
		current := ""
		if len(d.Roles) > 0 {
			current = d.Roles[0].Name
		}
		d.Role = pick(f.role, "role", true, url.Values{"role": {current}})
	}
	canBan := ab.Can(admin.ActionBan, subj) && !d.Self
	d.BanForm = pick(f.ban, "ban", canBan && !d.Banned, nil)
	d.Unban = pick(f.unban, "unban", canBan && d.Banned, nil)
	d.Impersonate = pick(f.impersonate, "impersonate", ab.Can(admin.ActionImpersonate, subj) && !d.Self, nil)
	d.CanOverride = ab.Can(rbac.ActionSetPermission, subj)
	if d.CanOverride {
		if d.Options.Permissions, err = rb.Permissions(ctx); err != nil {
			return err
		}
		d.Override = pick(f.override, "override", true, url.Values{"effect": {"allow"}})
		d.OverrideSelect = permissionChoice{Form: d.Override, Permissions: d.Options.Permissions}
		list, err := rb.UserPermissions(ctx, u.ID)
		if err != nil {
			return err
		}
		for _, a := range list {
			d.Overrides = append(d.Overrides, overrideView{Permission: a.Permission, Deny: a.Inverted})
		}
	}
	v := view{Title: d.Person.DisplayName(), Data: d}
	for _, fm := range []*form{f.role, f.ban, f.unban, f.impersonate, f.override} {
		if fm != nil && fm.Error != "" {
			v.Error = fm.Error
			break
		}
	}
	return s.render(w, r, status, "admin-user", v)
}

func (s *site) setUserRole(w http.ResponseWriter, r *http.Request) error {
	u, ab, err := s.targetUser(r, admin.ActionSetRole, admin.SubjectUser)
	if err != nil {
		return err
	}
	f := postedForm("role", r)
	if !f.Require([2]string{"role", "a role"}) {
		return s.renderUser(w, r, http.StatusBadRequest, u, ab, userForms{role: f})
	}
	if _, err := s.opts.RBAC.SetUserRoles(r.Context(), u.ID, []string{f.Value("role")}); err != nil {
		f.Fail(err, map[string]string{string(rbac.ErrRoleNotFound.Code): "role", string(rbac.ErrInvalidRole.Code): "role"})
		return s.renderUser(w, r, s.formStatus(r, err), u, ab, userForms{role: f})
	}
	return s.redirect(w, r, "/admin/users/"+u.ID, "role-set")
}

func (s *site) banUser(w http.ResponseWriter, r *http.Request) error {
	u, ab, err := s.targetUser(r, admin.ActionBan, admin.SubjectUser)
	if err != nil {
		return err
	}
	f := postedForm("ban", r)
	in := admin.BanInput{Reason: strings.TrimSpace(f.Value("reason")), ExpiresIn: -1}
	if v := f.Value("length"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			f.FieldError("length", "Choose one of the lengths listed.")
			f.Error = "Some fields need your attention."
			return s.renderUser(w, r, http.StatusBadRequest, u, ab, userForms{ban: f})
		}
		in.ExpiresIn = d
	}
	if len(in.Reason) > 500 {
		f.FieldError("reason", "Shorten the reason to 500 characters or fewer.")
		f.Error = "Some fields need your attention."
		return s.renderUser(w, r, http.StatusBadRequest, u, ab, userForms{ban: f})
	}
	if u.ID == session(r).User.ID {
		f.Fail(admin.ErrCannotBanYourself, nil)
		return s.renderUser(w, r, http.StatusBadRequest, u, ab, userForms{ban: f})
	}
	if _, err := s.opts.Admin.Ban(r.Context(), u.ID, in); err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/users/"+u.ID, "user-banned")
}

func (s *site) unbanUser(w http.ResponseWriter, r *http.Request) error {
	u, _, err := s.targetUser(r, admin.ActionBan, admin.SubjectUser)
	if err != nil {
		return err
	}
	if _, err := s.opts.Admin.Unban(r.Context(), u.ID); err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/users/"+u.ID, "user-unbanned")
}

// impersonateUser starts acting as the user, as POST /admin/impersonate-user does; the banner
// on every page then offers to stop.
func (s *site) impersonateUser(w http.ResponseWriter, r *http.Request) error {
	u, ab, err := s.targetUser(r, admin.ActionImpersonate, admin.SubjectUser)
	if err != nil {
		return err
	}
	sd := session(r)
	f := postedForm("impersonate", r)
	if u.ID == sd.User.ID {
		f.Error = "You are already yourself: choose another user to act as."
		return s.renderUser(w, r, http.StatusBadRequest, u, ab, userForms{impersonate: f})
	}
	if _, err := s.opts.Admin.BeginImpersonation(w, r, sd, u.ID); err != nil {
		f.Fail(err, nil)
		return s.renderUser(w, r, s.formStatus(r, err), u, ab, userForms{impersonate: f})
	}
	return s.redirect(w, r, "/dashboard", "impersonating")
}

// setOverride gives the user a permission beyond their roles, or takes one away whatever
// their roles say, as POST /rbac/set-user-permission does.
func (s *site) setOverride(w http.ResponseWriter, r *http.Request) error {
	u, ab, err := s.targetUser(r, rbac.ActionSetPermission, rbac.SubjectUser)
	if err != nil {
		return err
	}
	f := postedForm("override", r)
	if !f.Require([2]string{"permission", "a permission"}) {
		return s.renderUser(w, r, http.StatusBadRequest, u, ab, userForms{override: f})
	}
	effect := f.Value("effect")
	if effect != "allow" && effect != "deny" {
		f.FieldError("effect", "Choose whether the permission is given or taken away.")
		f.Error = "Some fields need your attention."
		return s.renderUser(w, r, http.StatusBadRequest, u, ab, userForms{override: f})
	}
	if err := s.opts.RBAC.SetUserPermission(r.Context(), u.ID, f.Value("permission"), effect == "deny"); err != nil {
		f.Fail(err, map[string]string{string(rbac.ErrPermissionNotFound.Code): "permission"})
		return s.renderUser(w, r, s.formStatus(r, err), u, ab, userForms{override: f})
	}
	return s.redirect(w, r, "/admin/users/"+u.ID, "override-set")
}

func (s *site) removeOverride(w http.ResponseWriter, r *http.Request) error {
	u, ab, err := s.targetUser(r, rbac.ActionSetPermission, rbac.SubjectUser)
	if err != nil {
		return err
	}
	if err := s.opts.RBAC.RemoveUserPermission(r.Context(), u.ID, r.PostForm.Get("permission")); err != nil {
		f := newForm("override", url.Values{"effect": {"allow"}})
		f.Fail(err, nil)
		return s.renderUser(w, r, s.formStatus(r, err), u, ab, userForms{override: f})
	}
	return s.redirect(w, r, "/admin/users/"+u.ID, "override-removed")
}
