package admin

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

// routes declares the endpoints of shared/spec/better-auth-plugins.md §7.4.
func (p *Plugin) routes(s *krag.Setup) {
	post := func(path string, validate func(r *krag.Request) error, h func(r *krag.Request, caller *krag.User) error) {
		s.Handle(krag.Route{Method: "POST", Path: path, Session: krag.SessionOptional, Validate: validate, Handler: p.authed(h)})
	}
	get := func(path string, validate func(r *krag.Request) error, h func(r *krag.Request, caller *krag.User) error) {
		s.Handle(krag.Route{Method: "GET", Path: path, Session: krag.SessionOptional, Validate: validate, Handler: p.authed(h)})
	}
	post("/admin/set-role", krag.NeedStrings("userId"), p.handleSetRole)
	get("/admin/get-user", queryNeeds("id"), p.handleGetUser)
	post("/admin/create-user", krag.NeedStrings("email", "name"), p.handleCreateUser)
	post("/admin/update-user", krag.NeedStrings("userId"), p.handleUpdateUser)
	get("/admin/list-users", nil, p.handleListUsers)
	post("/admin/list-user-sessions", krag.NeedStrings("userId"), p.handleListUserSessions)
	post("/admin/ban-user", krag.NeedStrings("userId"), p.handleBan)
	post("/admin/unban-user", krag.NeedStrings("userId"), p.handleUnban)
	post("/admin/impersonate-user", krag.NeedStrings("userId"), p.handleImpersonate)
	s.Handle(krag.Route{Method: "POST", Path: "/admin/stop-impersonating", Session: krag.SessionSensitive, Handler: p.handleStopImpersonating})
	post("/admin/revoke-user-session", krag.NeedStrings("sessionToken"), p.handleRevokeSession)
	post("/admin/revoke-user-sessions", krag.NeedStrings("userId"), p.handleRevokeSessions)
	post("/admin/remove-user", krag.NeedStrings("userId"), p.handleRemoveUser)
	post("/admin/set-user-password", krag.NeedStrings("newPassword", "userId"), p.handleSetPassword)
	post("/admin/has-permission", validateHasPermission, p.handleHasPermission)
}

// authed loads the caller from the database (never the cookie cache: a revoked administrator
// loses access at once) and answers a bare 401 without one, as Better Auth does.
func (p *Plugin) authed(h func(r *krag.Request, caller *krag.User) error) func(r *krag.Request) error {
	return func(r *krag.Request) error {
		if r.Session == nil {
			return errUnauthorized
		}
		sd, err := p.auth.FindSession(r.Context(), r.Session.Session.Token)
		if err != nil {
			return err
		}
		if sd == nil {
			return errUnauthorized
		}
		return h(r, sd.User)
	}
}

// queryNeeds validates that the query has the named non-empty parameters.
func queryNeeds(keys ...string) func(r *krag.Request) error {
	return func(r *krag.Request) error {
		for _, k := range keys {
			if r.Query().Get(k) == "" {
				return krag.ErrValidation.WithMessage("[query." + k + "] Invalid input: expected string, received undefined")
			}
		}
		return nil
	}
}

func str(r *krag.Request, key string) string {
	var s string
	json.Unmarshal(r.RawBody(key), &s)
	return s
}

// target loads the user an action is aimed at: the caller must be allowed the action on the
// type first (so that a caller without the permission learns nothing about who exists), then
// on that user.
func (p *Plugin) target(ctx context.Context, caller *krag.User, action, subject, userID string, denied *krag.Error) (*krag.User, error) {
	if err := p.require(ctx, caller, action, subject, nil, denied); err != nil {
		return nil, err
	}
	u, err := p.auth.FindUserByID(ctx, userID)
	if errors.Is(err, krag.ErrUserNotFound) {
		return nil, ErrUserNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := p.require(ctx, caller, action, subject, u, denied); err != nil {
		return nil, err
	}
	return u, nil
}

// roles reads a role value: a string or a list of strings (INVALID_ROLE_TYPE otherwise).
func roles(raw json.RawMessage) ([]string, error) {
	list, err := rbac.RoleList(raw)
	if err != nil {
		return nil, ErrInvalidRoleType
	}
	return list, nil
}

// applyRoles sets u's roles; an unknown role is YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE.
func (p *Plugin) applyRoles(ctx context.Context, u *krag.User, list []string) error {
	err := p.opts.RBAC.ApplyRoles(ctx, u, list)
	var ke *krag.Error
	if errors.As(err, &ke) && (ke.Code == rbac.ErrRoleNotFound.Code || ke.Code == rbac.ErrInvalidRole.Code) {
		return ErrNonExistentRole.WithMessage(ErrNonExistentRole.Message + ": " + ke.Message)
	}
	return err
}

func (p *Plugin) userResponse(r *krag.Request, u *krag.User) error {
	r.RawJSON(append(append([]byte(`{"user":`), p.auth.UserJSON(u)...), '}'))
	return nil
}

func (p *Plugin) handleSetRole(r *krag.Request, caller *krag.User) error {
	list, err := roles(r.RawBody("role"))
	if err != nil {
		return err
	}
	ctx := r.Context()
	u, err := p.target(ctx, caller, ActionSetRole, SubjectUser, str(r, "userId"), ErrNotAllowedToChangeRole)
	if err != nil {
		return err
	}
	if err := p.applyRoles(ctx, u, list); err != nil {
		return err
	}
	if err := p.auth.UpdateUser(ctx, u); err != nil {
		return err
	}
	return p.userResponse(r, u)
}

func (p *Plugin) handleGetUser(r *krag.Request, caller *krag.User) error {
	u, err := p.target(r.Context(), caller, ActionGet, SubjectUser, r.Query().Get("id"), ErrNotAllowedToGetUser)
	if err != nil {
		return err
	}
	r.RawJSON(p.auth.UserJSON(u))
	return nil
}

// banFields are the user fields only someone allowed to ban may set.
var banFields = []string{BannedField.Name(), BanReasonField.Name(), BanExpiresField.Name()}

// dataObject reads the optional "data" object of a body.
func dataObject(r *krag.Request) (map[string]json.RawMessage, error) {
	raw := r.RawBody("data")
	if len(raw) == 0 || string(raw) == "null" {
		return map[string]json.RawMessage{}, nil
	}
	var data map[string]json.RawMessage
	if err := json.Unmarshal(raw, &data); err != nil || data == nil {
		return nil, krag.ErrValidation.WithMessage("[body.data] Invalid input: expected object")
	}
	return data, nil
}

// splitData takes the role fields out of data (they go through rbac, which keeps role and
// roleId consistent) and reports whether ban fields are in it.
func splitData(data map[string]json.RawMessage) (roleRaw json.RawMessage, hasBan bool, err error) {
	if raw, ok := data[rbac.RoleField.Name()]; ok {
		roleRaw = raw
		delete(data, rbac.RoleField.Name())
	}
	if raw, ok := data[rbac.RoleIDField.Name()]; ok {
		delete(data, rbac.RoleIDField.Name())
		if roleRaw == nil {
			var id int64
			if json.Unmarshal(raw, &id) != nil {
				return nil, false, ErrInvalidRoleType
			}
			roleRaw, _ = json.Marshal(strconv.FormatInt(id, 10))
		}
	}
	for _, f := range banFields {
		if _, ok := data[f]; ok {
			hasBan = true
		}
	}
	return roleRaw, hasBan, nil
}

func (p *Plugin) handleCreateUser(r *krag.Request, caller *krag.User) error {
	ctx := r.Context()
	if err := p.require(ctx, caller, ActionCreate, SubjectUser, nil, ErrNotAllowedToCreateUsers); err != nil {
		return err
	}
	data, err := dataObject(r)
	if err != nil {
		return err
	}
	roleRaw, hasBan, err := splitData(data)
	if err != nil {
		return err
	}
	if raw := r.RawBody("role"); len(raw) > 0 && string(raw) != "null" {
		roleRaw = raw
	}
	var list []string
	if roleRaw != nil {
		if list, err = roles(roleRaw); err != nil {
			return err
		}
		if err := p.require(ctx, caller, ActionSetRole, SubjectUser, nil, ErrNotAllowedToChangeRole); err != nil {
			return err
		}
	}
	if hasBan {
		if err := p.require(ctx, caller, ActionBan, SubjectUser, nil, ErrNotAllowedToBan); err != nil {
			return err
		}
	}
	email := strings.ToLower(str(r, "email"))
	if !krag.ValidEmail(email) {
		return krag.ErrInvalidEmail
	}
	if _, err := p.auth.FindUserByEmail(ctx, email); err == nil {
		return ErrUserExistsUseAnotherEmail
	} else if !errors.Is(err, krag.ErrUserNotFound) {
		return err
	}
	u := &krag.User{Name: str(r, "name"), Email: email}
	if err := p.auth.ApplyUserData(u, data); err != nil {
		return err
	}
	u.Email = email // data cannot change the address the request named
	if list != nil {
		if err := p.applyRoles(ctx, u, list); err != nil {
			return err
		}
	}
	var ac *krag.Account
	if pw := str(r, "password"); pw != "" {
		hash, err := p.auth.HashPassword(ctx, pw)
		if err != nil {
			return err
		}
		ac = &krag.Account{ProviderID: krag.CredentialProvider, Password: hash}
	}
	if err := p.auth.CreateUser(ctx, u, ac); err != nil {
		if errors.Is(err, krag.ErrUserAlreadyExists) {
			return ErrUserExistsUseAnotherEmail
		}
		var ke *krag.Error
		if errors.As(err, &ke) {
			return err
		}
		return ErrFailedToCreateUser.Wrap(err)
	}
	return p.userResponse(r, u)
}

func (p *Plugin) handleUpdateUser(r *krag.Request, caller *krag.User) error {
	ctx := r.Context()
	raw := r.RawBody("data")
	if len(raw) == 0 {
		return krag.ErrValidation.WithMessage("[body.data] Invalid input: expected record, received undefined")
	}
	data, err := dataObject(r)
	if err != nil {
		return err
	}
	if len(data) == 0 {
		return ErrNoDataToUpdate
	}
	if _, ok := data["id"]; ok {
		return ErrUserIDCannotBeUpdated
	}
	if _, ok := data["password"]; ok {
		return ErrPasswordViaUpdateUser
	}
	u, err := p.target(ctx, caller, ActionUpdate, SubjectUser, str(r, "userId"), ErrNotAllowedToUpdateUsers)
	if err != nil {
		return err
	}
	roleRaw, hasBan, err := splitData(data)
	if err != nil {
		return err
	}
	if roleRaw != nil {
		list, err := roles(roleRaw)
		if err != nil {
			return err
		}
		if err := p.require(ctx, caller, ActionSetRole, SubjectUser, u, ErrNotAllowedToChangeRole); err != nil {
			return err
		}
		if err := p.applyRoles(ctx, u, list); err != nil {
			return err
		}
	}
	if hasBan {
		if err := p.require(ctx, caller, ActionBan, SubjectUser, u, ErrNotAllowedToBan); err != nil {
			return err
		}
	}
	for _, k := range []string{"email", "emailVerified"} {
		if _, ok := data[k]; ok {
			if err := p.require(ctx, caller, ActionSetEmail, SubjectUser, u, ErrNotAllowedToSetEmail); err != nil {
				return err
			}
		}
	}
	for _, k := range []string{"phoneNumber", "phoneNumberVerified"} {
		if _, ok := data[k]; ok {
			if err := p.require(ctx, caller, ActionSetPhone, SubjectUser, u, ErrNotAllowedToSetPhone); err != nil {
				return err
			}
		}
	}
	wasBanned, _ := BannedField.Get(u)
	if err := p.auth.ApplyUserData(u, data); err != nil {
		return err
	}
	banned, _ := BannedField.Get(u)
	if banned && !wasBanned && u.ID == caller.ID {
		return ErrCannotBanYourself
	}
	if err := p.auth.UpdateUser(ctx, u); err != nil {
		if errors.Is(err, krag.ErrUserAlreadyExists) {
			return ErrUserExistsUseAnotherEmail
		}
		return err
	}
	if banned {
		if err := p.auth.RevokeSessions(ctx, u.ID); err != nil {
			return err
		}
	}
	r.RawJSON(p.auth.UserJSON(u))
	return nil
}

// listQuery is the query of GET /admin/list-users.
func (p *Plugin) listQuery(r *krag.Request) (store.Query, int, int, error) {
	q := r.Query()
	var sq store.Query
	bad := func(key, want string) error {
		return krag.ErrValidation.WithMessage("[query." + key + "] Invalid input: expected " + want)
	}
	users := p.auth.Schema().Table(schema.UserTable)
	field := func(key, def string) (*schema.Field, error) {
		name := q.Get(key)
		if name == "" {
			name = def
		}
		f := users.Field(name)
		if f == nil || f.Hidden {
			return nil, bad(key, "a user field")
		}
		return f, nil
	}
	limit, offset := 0, 0
	for _, kv := range []struct {
		key string
		dst *int
	}{{"limit", &limit}, {"offset", &offset}} {
		if s := q.Get(kv.key); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return sq, 0, 0, bad(kv.key, "a non-negative integer")
			}
			*kv.dst = n
		}
	}
	sq.Limit, sq.Offset = limit, offset
	if v := q.Get("searchValue"); v != "" {
		f := q.Get("searchField")
		if f == "" {
			f = "email"
		}
		if f != "email" && f != "name" {
			return sq, 0, 0, bad("searchField", `"email" | "name"`)
		}
		op, ok := map[string]store.Op{"": store.Contains, "contains": store.Contains, "starts_with": store.StartsWith, "ends_with": store.EndsWith}[q.Get("searchOperator")]
		if !ok {
			return sq, 0, 0, bad("searchOperator", `"contains" | "starts_with" | "ends_with"`)
		}
		sq.Where = append(sq.Where, store.Where{Field: f, Op: op, Value: v})
	}
	if vals, ok := q["filterValue"]; ok {
		f, err := field("filterField", "email")
		if err != nil {
			return sq, 0, 0, err
		}
		op, ok := map[string]store.Op{"": store.Eq, "eq": store.Eq, "ne": store.Ne, "lt": store.Lt, "lte": store.Lte, "gt": store.Gt,
			"gte": store.Gte, "in": store.In, "not_in": store.NotIn, "contains": store.Contains, "starts_with": store.StartsWith,
			"ends_with": store.EndsWith}[q.Get("filterOperator")]
		if !ok {
			return sq, 0, 0, bad("filterOperator", "eq | ne | lt | lte | gt | gte | in | not_in | contains | starts_with | ends_with")
		}
		if op == store.In || op == store.NotIn {
			if len(vals) == 1 {
				vals = strings.Split(vals[0], ",")
			}
			list := make([]any, len(vals))
			for i, s := range vals {
				if list[i], err = fieldValue(f, s); err != nil {
					return sq, 0, 0, bad("filterValue", err.Error())
				}
			}
			sq.Where = append(sq.Where, store.Where{Field: f.Name, Op: op, Value: list})
		} else {
			if (op == store.Contains || op == store.StartsWith || op == store.EndsWith) && f.Type != schema.String {
				return sq, 0, 0, bad("filterOperator", "an operator for "+f.Type.String()+" fields")
			}
			v, err := fieldValue(f, vals[0])
			if err != nil {
				return sq, 0, 0, bad("filterValue", err.Error())
			}
			sq.Where = append(sq.Where, store.Where{Field: f.Name, Op: op, Value: v})
		}
	}
	if q.Get("sortBy") != "" {
		f, err := field("sortBy", "")
		if err != nil {
			return sq, 0, 0, err
		}
		dir := q.Get("sortDirection")
		if dir != "" && dir != "asc" && dir != "desc" {
			return sq, 0, 0, bad("sortDirection", `"asc" | "desc"`)
		}
		sq.Sort = []store.Sort{{Field: f.Name, Desc: dir == "desc"}}
	}
	sq.Sort = append(sq.Sort, store.Sort{Field: "id"}) // pages stay stable
	return sq, limit, offset, nil
}

// fieldValue converts a query string to the type of field f.
func fieldValue(f *schema.Field, s string) (any, error) {
	switch f.Type {
	case schema.Boolean:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, errors.New("true or false for " + f.Name)
		}
		return b, nil
	case schema.Number:
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, errors.New("a number for " + f.Name)
		}
		if n == float64(int64(n)) {
			return int64(n), nil
		}
		return n, nil
	case schema.Date:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, errors.New("an ISO-8601 date for " + f.Name)
		}
		return t.UTC(), nil
	}
	if f.Name == "email" {
		return strings.ToLower(s), nil
	}
	return s, nil
}

func (p *Plugin) handleListUsers(r *krag.Request, caller *krag.User) error {
	ctx := r.Context()
	if err := p.require(ctx, caller, ActionList, SubjectUser, nil, ErrNotAllowedToListUsers); err != nil {
		return err
	}
	q, limit, offset, err := p.listQuery(r)
	if err != nil {
		return err
	}
	users, total, err := p.auth.FindUsers(ctx, q)
	if err != nil {
		return err
	}
	b := []byte(`{"users":[`)
	for i, u := range users {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, p.auth.UserJSON(u)...)
	}
	b = append(b, `],"total":`...)
	b = strconv.AppendInt(b, total, 10)
	if limit > 0 {
		b = strconv.AppendInt(append(b, `,"limit":`...), int64(limit), 10)
	}
	if offset > 0 {
		b = strconv.AppendInt(append(b, `,"offset":`...), int64(offset), 10)
	}
	r.RawJSON(append(b, '}'))
	return nil
}

func (p *Plugin) handleListUserSessions(r *krag.Request, caller *krag.User) error {
	ctx := r.Context()
	u, err := p.target(ctx, caller, ActionList, SubjectSession, str(r, "userId"), ErrNotAllowedToListSessions)
	if err != nil {
		return err
	}
	list, err := p.auth.ListSessions(ctx, u.ID, "")
	if err != nil {
		return err
	}
	b := []byte(`{"sessions":[`)
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, p.auth.SessionJSON(s)...)
	}
	r.RawJSON(append(b, "]}"...))
	return nil
}

func (p *Plugin) handleBan(r *krag.Request, caller *krag.User) error {
	ctx := r.Context()
	in := BanInput{Reason: str(r, "banReason")}
	if raw := r.RawBody("banExpiresIn"); len(raw) > 0 && string(raw) != "null" {
		var secs float64
		if err := json.Unmarshal(raw, &secs); err != nil || secs <= 0 {
			return krag.ErrValidation.WithMessage("[body.banExpiresIn] Invalid input: expected a positive number of seconds")
		}
		in.ExpiresIn = time.Duration(secs * float64(time.Second))
	}
	u, err := p.target(ctx, caller, ActionBan, SubjectUser, str(r, "userId"), ErrNotAllowedToBan)
	if err != nil {
		return err
	}
	if u.ID == caller.ID {
		return ErrCannotBanYourself
	}
	if u, err = p.Ban(ctx, u.ID, in); err != nil {
		return err
	}
	return p.userResponse(r, u)
}

func (p *Plugin) handleUnban(r *krag.Request, caller *krag.User) error {
	ctx := r.Context()
	u, err := p.target(ctx, caller, ActionBan, SubjectUser, str(r, "userId"), ErrNotAllowedToBan)
	if err != nil {
		return err
	}
	if u, err = p.Unban(ctx, u.ID); err != nil {
		return err
	}
	return p.userResponse(r, u)
}

func (p *Plugin) handleImpersonate(r *krag.Request, caller *krag.User) error {
	adminToken, dontRemember, ok := r.SessionCookie()
	if !ok {
		return errUnauthorized
	}
	sd, err := p.Impersonate(r.Context(), caller, str(r, "userId"), ImpersonateInput{IPAddress: r.HTTP.RemoteAddr, UserAgent: r.HTTP.UserAgent()})
	if err != nil {
		return err
	}
	r.EndSession()
	r.SetSignedCookie(adminSessionCookie, adminCookieValue(adminToken, dontRemember), p.auth.SessionLifetime())
	r.StartSession(sd, true)
	return p.sessionResponse(r, sd)
}

func (p *Plugin) sessionResponse(r *krag.Request, sd *krag.SessionData) error {
	b := append([]byte(`{"session":`), p.auth.SessionJSON(sd.Session)...)
	b = append(append(b, `,"user":`...), p.auth.UserJSON(sd.User)...)
	r.RawJSON(append(b, '}'))
	return nil
}

func (p *Plugin) handleStopImpersonating(r *krag.Request) error {
	v, _ := r.SignedCookie(adminSessionCookie)
	adminToken, dontRemember := parseAdminCookie(v)
	sd, err := p.StopImpersonating(r.Context(), r.Session, adminToken)
	if err != nil {
		return err
	}
	r.EndSession()
	r.StartSession(sd, dontRemember)
	r.ExpireCookie(adminSessionCookie)
	return p.sessionResponse(r, sd)
}

func (p *Plugin) handleRevokeSession(r *krag.Request, caller *krag.User) error {
	ctx := r.Context()
	if err := p.require(ctx, caller, ActionRevoke, SubjectSession, nil, ErrNotAllowedToRevokeSessions); err != nil {
		return err
	}
	if err := p.auth.RevokeSessionOfAnyUser(ctx, str(r, "sessionToken")); err != nil {
		return err
	}
	return r.JSON(map[string]bool{"success": true})
}

func (p *Plugin) handleRevokeSessions(r *krag.Request, caller *krag.User) error {
	ctx := r.Context()
	u, err := p.target(ctx, caller, ActionRevoke, SubjectSession, str(r, "userId"), ErrNotAllowedToRevokeSessions)
	if err != nil {
		return err
	}
	if err := p.auth.RevokeSessions(ctx, u.ID); err != nil {
		return err
	}
	return r.JSON(map[string]bool{"success": true})
}

func (p *Plugin) handleRemoveUser(r *krag.Request, caller *krag.User) error {
	ctx := r.Context()
	if err := p.require(ctx, caller, ActionDelete, SubjectUser, nil, ErrNotAllowedToDelete); err != nil {
		return err
	}
	if str(r, "userId") == caller.ID {
		return ErrCannotRemoveYourself
	}
	u, err := p.target(ctx, caller, ActionDelete, SubjectUser, str(r, "userId"), ErrNotAllowedToDelete)
	if err != nil {
		return err
	}
	if err := p.auth.DeleteUser(ctx, u); err != nil {
		return err
	}
	return r.JSON(map[string]bool{"success": true})
}

func (p *Plugin) handleSetPassword(r *krag.Request, caller *krag.User) error {
	ctx := r.Context()
	u, err := p.target(ctx, caller, ActionSetPassword, SubjectUser, str(r, "userId"), ErrNotAllowedToSetPassword)
	if err != nil {
		return err
	}
	if err := p.auth.SetPassword(ctx, u.ID, str(r, "newPassword")); err != nil {
		return err
	}
	return r.JSON(map[string]bool{"status": true})
}

// validateHasPermission accepts {permissions: {resource: [action, …]}, userId?, role?}; the
// singular "permission" passes validation and is refused by the handler, as in Better Auth.
func validateHasPermission(r *krag.Request) error {
	v := r.Validate()
	v.Object(false)
	if err := v.Err(); err != nil {
		return err
	}
	for _, key := range []string{"permissions", "permission"} {
		raw := r.RawBody(key)
		if len(raw) == 0 {
			continue
		}
		var m map[string][]string
		if err := json.Unmarshal(raw, &m); err != nil || m == nil {
			return krag.ErrValidation.WithMessage("[body." + key + "] Invalid input: expected record of string arrays")
		}
	}
	return nil
}

func (p *Plugin) handleHasPermission(r *krag.Request, caller *krag.User) error {
	raw := r.RawBody("permissions")
	if len(raw) == 0 {
		return errNoPermissionsPassed
	}
	var perms map[string][]string
	json.Unmarshal(raw, &perms) // validated
	ok, err := p.HasPermission(r.Context(), caller, perms)
	if err != nil {
		return err
	}
	return r.JSON(map[string]any{"error": nil, "success": ok})
}

// HasPermission reports whether u may do every listed action on every listed resource (a
// check on the type: "may u ban users at all?"), as Better Auth's hasPermission with its AND
// connector. An empty request is never granted.
func (p *Plugin) HasPermission(ctx context.Context, u *krag.User, perms map[string][]string) (bool, error) {
	if len(perms) == 0 {
		return false, nil
	}
	for resource, actions := range perms {
		if len(actions) == 0 {
			return false, nil
		}
		for _, a := range actions {
			ok, err := p.allowed(ctx, u, a, resource, nil)
			if err != nil || !ok {
				return false, err
			}
		}
	}
	return true, nil
}

// hideImpersonations removes impersonation sessions from GET /list-sessions, as Better Auth's
// admin plugin does: the impersonated user does not see the administrator's session.
func (p *Plugin) hideImpersonations(r *krag.Request) error {
	var list []json.RawMessage
	if err := json.Unmarshal(r.Result(), &list); err != nil {
		return nil // not a list: nothing to hide
	}
	kept := list[:0]
	for _, raw := range list {
		var s struct {
			ImpersonatedBy *string `json:"impersonatedBy"`
		}
		if json.Unmarshal(raw, &s) == nil && s.ImpersonatedBy != nil && *s.ImpersonatedBy != "" {
			continue
		}
		kept = append(kept, raw)
	}
	if len(kept) == len(list) {
		return nil
	}
	b, err := json.Marshal(kept)
	if err != nil {
		return err
	}
	r.RawJSON(b)
	return nil
}
