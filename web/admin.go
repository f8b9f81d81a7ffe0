package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/access"
	"github.com/kragauth/krag/plugin/admin"
	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/store"
)

// The admin pages: users (search, roles, bans, impersonation, per-user permissions), roles and
// permissions, and sign-in activity. Every page and form asks the signed-in user's ability
// for the same action the API's route of that job asks (admin's "list user", rbac's "update
// role", …), so what an administrator may do here is what their permissions say, and a user
// without the permission gets the 403 page. Served only with Options.RBAC; the user pages
// need Options.Admin too.
func (s *site) adminRoutes() {
	if s.opts.RBAC == nil {
		return
	}
	s.handle("GET /admin", s.signedIn(s.adminHome))
	s.rolesRoutes()
	if s.opts.Admin == nil {
		return
	}
	s.handle("POST "+pathStopImpersonating, s.signedIn(s.stopImpersonating))
	s.usersRoutes()
}

// adminRights is what the signed-in user may do in the admin pages, for links and forms.
type adminRights struct {
	ListUsers         bool
	ReadRoles         bool
	CreateRoles       bool
	UpdateRoles       bool
	ReadPermissions   bool
	CreatePermissions bool
	UpdatePermissions bool
}

// Any reports whether any admin page is open to the user.
func (a adminRights) Any() bool { return a.ListUsers || a.ReadRoles || a.ReadPermissions }

// ability returns the signed-in user's ability (RBAC is set wherever this is called).
func (s *site) ability(r *http.Request) (*access.Ability, error) {
	return s.opts.RBAC.Ability(r.Context(), session(r).User.ID)
}

// rightsOf reads the admin rights from ab.
func (s *site) rightsOf(ab *access.Ability) adminRights {
	can := func(action, subject string) bool { return ab.Can(action, access.Type(subject)) }
	return adminRights{
		ListUsers:         s.opts.Admin != nil && can(admin.ActionList, admin.SubjectUser),
		ReadRoles:         can("read", rbac.SubjectRole),
		CreateRoles:       can("create", rbac.SubjectRole),
		UpdateRoles:       can("update", rbac.SubjectRole),
		ReadPermissions:   can("read", rbac.SubjectPermission),
		CreatePermissions: can("create", rbac.SubjectPermission),
		UpdatePermissions: can("update", rbac.SubjectPermission),
	}
}

// showAdmin tells the header whether to link to /admin.
func (s *site) showAdmin(r *http.Request) bool {
	if s.opts.RBAC == nil || session(r) == nil {
		return false
	}
	ab, err := s.ability(r)
	return err == nil && s.rightsOf(ab).Any()
}

// adminNav returns the admin pages' own navigation for the user's rights.
func adminNav(r *http.Request, rights adminRights) []navLink {
	var out []navLink
	add := func(ok bool, label, path string) {
		if ok {
			cur := r.URL.Path == path || (path != "/admin" && strings.HasPrefix(r.URL.Path, path+"/"))
			out = append(out, navLink{Label: label, Path: path, Current: cur})
		}
	}
	add(true, "Overview", "/admin")
	add(rights.ListUsers, "Users", "/admin/users")
	add(rights.ReadRoles, "Roles", "/admin/roles")
	add(rights.ReadPermissions, "Permissions", "/admin/permissions")
	return out
}

// adminHomeData is the overview's Data.
type adminHomeData struct {
	Nav    []navLink
	Rights adminRights
	// Activity is the chart of sign-ins and sign-ups; nil without the right to list users.
	Activity *activityChart
	// Users, Roles and Permissions count what the user may list, read and read.
	Users              int64
	Roles, Permissions int
}

// adminHome is the overview: what the user may manage and, for those who may list users, the
// last 30 days of sign-ins and sign-ups.
func (s *site) adminHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ab, err := s.ability(r)
	if err != nil {
		return err
	}
	rights := s.rightsOf(ab)
	if !rights.Any() {
		return errForbidden
	}
	d := adminHomeData{Nav: adminNav(r, rights), Rights: rights}
	if rights.ListUsers {
		if d.Activity, err = s.activity(ctx, activityDays); err != nil {
			return err
		}
		if _, d.Users, err = s.auth.FindUsers(ctx, store.Query{Limit: 1}); err != nil {
			return err
		}
	}
	if rights.ReadRoles {
		roles, err := s.opts.RBAC.Roles(ctx)
		if err != nil {
			return err
		}
		d.Roles = len(roles)
	}
	if rights.ReadPermissions {
		perms, err := s.opts.RBAC.Permissions(ctx)
		if err != nil {
			return err
		}
		d.Permissions = len(perms)
	}
	return s.render(w, r, http.StatusOK, "admin", view{Title: "Administration", Data: d})
}

// stopImpersonating ends the impersonation of the banner's "Stop impersonating" and brings the
// administrator back to the user's page. When the administrator's own session is gone (signed
// out elsewhere, expired), the impersonation ends all the same and the browser is signed out.
func (s *site) stopImpersonating(w http.ResponseWriter, r *http.Request) error {
	sd := session(r)
	if by, _ := admin.ImpersonatedByField.Get(sd.Session); by == "" {
		return s.redirect(w, r, "/dashboard", "")
	}
	back, err := s.opts.Admin.EndImpersonation(w, r, sd)
	var ke *krag.Error
	if errors.As(err, &ke) {
		s.log.Warn("web: stop impersonating without the administrator's session", "user_id", sd.User.ID, "err", err)
		if err := s.auth.SignOut(r.Context(), sd.Session.Token); err != nil {
			return err
		}
		s.auth.ClearSessionCookies(w, r)
		return s.redirect(w, r, "/sign-in", "signed-out")
	}
	if err != nil {
		return err
	}
	target := "/admin"
	if ok, err := s.canAs(r, back.User, admin.ActionGet, admin.SubjectUser, sd.User); err == nil && ok {
		target = "/admin/users/" + sd.User.ID
	}
	return s.redirect(w, r, target, "impersonation-stopped")
}

// canAs reports whether u (not necessarily the request's user) may do action on target.
func (s *site) canAs(r *http.Request, u *krag.User, action, subject string, target *krag.User) (bool, error) {
	ab, err := s.opts.RBAC.Ability(r.Context(), u.ID)
	if err != nil {
		return false, err
	}
	return ab.Can(action, access.Of(subject, target.Attributes())), nil
}
