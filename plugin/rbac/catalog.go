package rbac

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/access"
	"github.com/kragauth/krag/plugin/active"
	"github.com/kragauth/krag/store"
)

// Role is a row of roles.
type Role struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	DisplayName string    `json:"displayName"`
	Description string    `json:"description"`
	Active      bool      `json:"isActive"`
	System      bool      `json:"isSystemRole"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// Permission is a row of permissions: one CASL rule.
type Permission struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Resource string `json:"resource"`
	Action   string `json:"action"`
	// Description and Category are for people; Category is indexed for grouping in admin UIs.
	Description string `json:"description"`
	Category    string `json:"category"`
	// Conditions is a MongoDB-style query (JSON) or nil for none.
	Conditions json.RawMessage `json:"conditions"`
	// Fields restricts the rule to fields; nil for none.
	Fields    []string  `json:"fields"`
	Active    bool      `json:"isActive"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func (perm *Permission) rule(inverted bool) access.Rule {
	r := access.Rule{Action: access.Names{perm.Action}, Subject: access.Names{perm.Resource}, Inverted: inverted}
	if len(perm.Conditions) > 0 {
		r.Conditions = perm.Conditions
	}
	if perm.Fields != nil {
		r.Fields = perm.Fields
	}
	return r
}

// assignment is a row of role_permissions (RoleID set) or user_permissions (UserID set).
type assignment struct {
	ID           int64
	RoleID       int64
	UserID       string
	PermissionID int64
	Inverted     bool
	Active       bool
	CreatedAt    time.Time
}

// catalog is every role, permission and grant, as of one access_version stamp.
type catalog struct {
	stamp   int64
	checked time.Time // when stamp was last confirmed (monotonic clock)
	roles   map[int64]*Role
	byName  map[string]*Role // by stored (lower-case) name
	perms   map[int64]*Permission
	grants  map[int64][]assignment // by role id, oldest first
}

// role returns the role with the id (decimal) or (case-insensitive) name, or nil.
func (c *catalog) role(ref string) *Role {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return c.roles[id]
	}
	return c.byName[normName(ref)]
}

// permission returns the permission with the id (decimal) or name, or nil.
func (c *catalog) permission(ref string) *Permission {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return c.perms[id]
	}
	for _, p := range c.perms {
		if p.Name == ref {
			return p
		}
	}
	return nil
}

// firstRole returns the first known role among comma-separated names, or nil.
func (c *catalog) firstRole(names string) *Role {
	for n := range strings.SplitSeq(names, ",") {
		if r := c.byName[normName(n)]; r != nil {
			return r
		}
	}
	return nil
}

// rolesOf returns u's active roles: the one of roleId, then those its role names name, once
// each. Unknown names are ignored, as Better Auth's admin plugin ignores them.
func (c *catalog) rolesOf(u *krag.User) []*Role {
	var out []*Role
	addRole := func(r *Role) {
		if r != nil && r.Active && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if id, ok := RoleIDField.Get(u); ok {
		addRole(c.roles[id])
	}
	if names, ok := RoleField.Get(u); ok {
		for n := range strings.SplitSeq(names, ",") {
			addRole(c.byName[normName(n)])
		}
	}
	return out
}

const versionRow = "global"

// refresh returns the catalog, re-reading access_version when it was last read more than
// MaxStale ago and everything else when it changed.
func (p *Plugin) refresh(ctx context.Context) (*catalog, error) {
	if c := p.cat.Load(); c != nil && time.Since(c.checked) < p.opts.MaxStale {
		return c, nil
	}
	return p.reload(ctx, false)
}

// reload re-reads access_version, and everything else when it changed or force is set.
func (p *Plugin) reload(ctx context.Context, force bool) (*catalog, error) {
	p.refreshMu.Lock()
	defer p.refreshMu.Unlock()
	c := p.cat.Load()
	if c != nil && !force && time.Since(c.checked) < p.opts.MaxStale {
		return c, nil
	}
	if err := p.Seed(ctx); err != nil {
		return nil, err
	}
	now := time.Now()
	stamp, err := p.readStamp(ctx)
	if err != nil {
		return nil, err
	}
	if c != nil && c.stamp == stamp && !force {
		nc := *c
		nc.checked = now
		p.cat.Store(&nc)
		return &nc, nil
	}
	nc, err := p.load(ctx, stamp)
	if err != nil {
		return nil, err
	}
	nc.checked = now
	if c != nil && force && c.stamp == stamp {
		// Rows changed without the stamp (edited by hand): cached abilities go too.
		p.users.clear()
	}
	p.cat.Store(nc)
	return nc, nil
}

// Reload re-reads every role, permission and grant and drops the cached abilities: for rows
// changed in the database by other means than this package (which changes access_version
// itself).
func (p *Plugin) Reload(ctx context.Context) error {
	_, err := p.reload(ctx, true)
	return err
}

// invalidate makes the next refresh read the database.
func (p *Plugin) invalidate() {
	if c := p.cat.Load(); c != nil {
		nc := *c
		nc.checked = time.Time{}
		p.cat.Store(&nc)
	}
}

func (p *Plugin) readStamp(ctx context.Context) (int64, error) {
	rec, err := p.auth.Store().FindOne(ctx, VersionTable, []store.Where{store.Is("id", versionRow)})
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("rbac: read access_version: %w", err)
	}
	n, _ := rec["version"].(int64)
	return n, nil
}

// bump gives access_version a new value, in st's transaction if it is one.
func (p *Plugin) bump(ctx context.Context, st store.Store) error {
	var b [8]byte
	rand.Read(b[:])
	v := int64(binary.LittleEndian.Uint64(b[:]) >> 1)
	now := p.auth.Now().UTC()
	n, err := st.Update(ctx, VersionTable, []store.Where{store.Is("id", versionRow)}, store.Record{"version": v, "updatedAt": now})
	if err == nil && n == 0 {
		err = st.Create(ctx, VersionTable, store.Record{"id": versionRow, "version": v, "updatedAt": now})
		if errors.Is(err, store.ErrConflict) {
			_, err = st.Update(ctx, VersionTable, []store.Where{store.Is("id", versionRow)}, store.Record{"version": v, "updatedAt": now})
		}
	}
	p.invalidate()
	if err != nil {
		return fmt.Errorf("rbac: update access_version: %w", err)
	}
	return nil
}

// change runs fn in a transaction that also bumps access_version, and drops this instance's
// cached catalog.
// A unique violation is retried twice: new rows take the next id, and another writer may have
// taken it.
func (p *Plugin) change(ctx context.Context, fn func(st store.Store) error) error {
	var err error
	for range 3 {
		err = p.auth.Store().Tx(ctx, func(st store.Store) error {
			if err := fn(st); err != nil {
				return err
			}
			return p.bump(ctx, st)
		})
		if !errors.Is(err, store.ErrConflict) {
			break
		}
	}
	p.invalidate()
	return err
}

func (p *Plugin) load(ctx context.Context, stamp int64) (*catalog, error) {
	st := p.auth.Store()
	c := &catalog{stamp: stamp, roles: map[int64]*Role{}, byName: map[string]*Role{},
		perms: map[int64]*Permission{}, grants: map[int64][]assignment{}}
	recs, err := st.FindMany(ctx, RoleTable, store.Query{})
	if err != nil {
		return nil, fmt.Errorf("rbac: load roles: %w", err)
	}
	for _, rec := range recs {
		r := roleFromRecord(rec)
		c.roles[r.ID] = r
		c.byName[normName(r.Name)] = r
	}
	recs, err = st.FindMany(ctx, PermissionTable, store.Query{})
	if err != nil {
		return nil, fmt.Errorf("rbac: load permissions: %w", err)
	}
	for _, rec := range recs {
		perm := permissionFromRecord(rec)
		c.perms[perm.ID] = perm
	}
	recs, err = st.FindMany(ctx, RolePermissionTable, store.Query{Sort: []store.Sort{{Field: "createdAt"}, {Field: "id"}}})
	if err != nil {
		return nil, fmt.Errorf("rbac: load role permissions: %w", err)
	}
	for _, rec := range recs {
		a := assignmentFromRecord(rec)
		c.grants[a.RoleID] = append(c.grants[a.RoleID], a)
	}
	return c, nil
}

func (p *Plugin) loadOverrides(ctx context.Context, st store.Store, userID string) ([]assignment, error) {
	recs, err := st.FindMany(ctx, UserPermissionTable, store.Query{
		Where: []store.Where{store.Is("userId", userID)},
		Sort:  []store.Sort{{Field: "createdAt"}, {Field: "id"}},
	})
	if err != nil {
		return nil, fmt.Errorf("rbac: load user permissions: %w", err)
	}
	out := make([]assignment, len(recs))
	for i, rec := range recs {
		out[i] = assignmentFromRecord(rec)
	}
	return out, nil
}

func roleFromRecord(rec store.Record) *Role {
	r := &Role{ID: int64Of(rec["id"])}
	r.Name, _ = rec["name"].(string)
	r.DisplayName, _ = rec["displayName"].(string)
	r.Description, _ = rec["description"].(string)
	r.Active = boolOf(rec["isActive"], true)
	r.System = boolOf(rec["isSystemRole"], false)
	r.CreatedAt, _ = rec["createdAt"].(time.Time)
	r.UpdatedAt, _ = rec["updatedAt"].(time.Time)
	if r.DisplayName == "" {
		r.DisplayName = r.Name
	}
	return r
}

func permissionFromRecord(rec store.Record) *Permission {
	perm := &Permission{ID: int64Of(rec["id"])}
	perm.Name, _ = rec["name"].(string)
	perm.Resource, _ = rec["resource"].(string)
	perm.Action, _ = rec["action"].(string)
	perm.Description, _ = rec["description"].(string)
	perm.Category, _ = rec["category"].(string)
	if s, _ := rec["conditions"].(string); s != "" {
		perm.Conditions = json.RawMessage(s)
	}
	if s, _ := rec["fields"].(string); s != "" {
		if err := json.Unmarshal([]byte(s), &perm.Fields); err != nil || perm.Fields == nil {
			// Unreadable fields make a rule that matches no field: it can grant nothing a
			// field check asks for. (An empty list is invalid to CASL and fails closed too.)
			perm.Fields = []string{}
		}
	}
	perm.Active = boolOf(rec["isActive"], true)
	perm.CreatedAt, _ = rec["createdAt"].(time.Time)
	perm.UpdatedAt, _ = rec["updatedAt"].(time.Time)
	return perm
}

func assignmentFromRecord(rec store.Record) assignment {
	a := assignment{ID: int64Of(rec["id"]), RoleID: int64Of(rec["roleId"]), PermissionID: int64Of(rec["permissionId"])}
	a.UserID, _ = rec["userId"].(string)
	a.Inverted = boolOf(rec["inverted"], false)
	a.Active = boolOf(rec["isActive"], true)
	a.CreatedAt, _ = rec["createdAt"].(time.Time)
	return a
}

func int64Of(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

// nextID returns the id for a new row of one of the plugin's serial tables: one more than the
// largest. Two writers racing for it collide on the primary key, and change retries.
func nextID(ctx context.Context, st store.Store, table string) (int64, error) {
	recs, err := st.FindMany(ctx, table, store.Query{Sort: []store.Sort{{Field: "id", Desc: true}}, Limit: 1})
	if err != nil {
		return 0, err
	}
	if len(recs) == 0 {
		return 1, nil
	}
	return int64Of(recs[0]["id"]) + 1, nil
}

func boolOf(v any, def bool) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x != 0
	}
	return def
}

// Seed creates what must exist: the access_version row and the system roles with their
// permissions, each only when missing (a role already there is left as it is). It is safe to
// run concurrently and from several instances; Krag runs it once per process, before the first
// check, and `krag migrate` runs it after migrating.
func (p *Plugin) Seed(ctx context.Context) error {
	if p.seeded.Load() {
		return nil
	}
	p.seedMu.Lock()
	defer p.seedMu.Unlock()
	if p.seeded.Load() {
		return nil
	}
	st := p.auth.Store()
	now := p.auth.Now().UTC()
	if _, err := p.readStamp(ctx); err != nil {
		return err
	}
	if err := st.Create(ctx, VersionTable, store.Record{"id": versionRow, "version": int64(1), "updatedAt": now}); err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("rbac: create access_version: %w", err)
	}
	type seedPerm struct {
		name, resource, action, desc string
		inverted                     bool
	}
	roles := []struct {
		name, display, desc string
		perms               []seedPerm
	}{
		{AdminRole, "Admin", "Full access", []seedPerm{
			{"all:manage", "all", "manage", "Everything", false},
			// Better Auth's admin role may not impersonate other admins.
			{"user:impersonate-admins", "user", "impersonate-admins", "Impersonate users who are admins", true},
		}},
		{UserRole, "User", "The default role of new users", nil},
	}
	if p.opts.DefaultRole != UserRole && p.opts.DefaultRole != AdminRole {
		roles = append(roles, struct {
			name, display, desc string
			perms               []seedPerm
		}{p.opts.DefaultRole, p.opts.DefaultRole, "The default role of new users", nil})
	}
	for _, sr := range roles {
		_, err := st.FindOne(ctx, RoleTable, []store.Where{store.Is("name", sr.name)})
		if err == nil {
			continue
		}
		if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("rbac: find role %s: %w", sr.name, err)
		}
		err = p.change(ctx, func(st store.Store) error {
			roleID, err := nextID(ctx, st, RoleTable)
			if err != nil {
				return err
			}
			if err := st.Create(ctx, RoleTable, store.Record{"id": roleID, "name": sr.name, "displayName": sr.display,
				"description": sr.desc, "isActive": true, "isSystemRole": true, "createdAt": now, "updatedAt": now}); err != nil {
				return err
			}
			for _, sp := range sr.perms {
				permID, err := p.ensurePermission(ctx, st, sp.name, sp.resource, sp.action, sp.desc, now)
				if err != nil {
					return err
				}
				id, err := nextID(ctx, st, RolePermissionTable)
				if err != nil {
					return err
				}
				if err := st.Create(ctx, RolePermissionTable, store.Record{"id": id, "roleId": roleID,
					"permissionId": permID, "inverted": sp.inverted, "isActive": true, "createdAt": now}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil && !errors.Is(err, store.ErrConflict) { // another instance seeded it
			return fmt.Errorf("rbac: create role %s: %w", sr.name, err)
		}
	}
	p.seeded.Store(true)
	return nil
}

func (p *Plugin) ensurePermission(ctx context.Context, st store.Store, name, resource, action, desc string, now time.Time) (int64, error) {
	rec, err := st.FindOne(ctx, PermissionTable, []store.Where{store.Is("name", name)})
	if err == nil {
		return int64Of(rec["id"]), nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return 0, err
	}
	id, err := nextID(ctx, st, PermissionTable)
	if err != nil {
		return 0, err
	}
	err = st.Create(ctx, PermissionTable, store.Record{"id": id, "name": name, "resource": resource, "action": action,
		"description": desc, "isActive": true, "createdAt": now, "updatedAt": now})
	return id, err
}

// entry is one user's cached ability.
type entry struct {
	stamp   int64
	ability *access.Ability
	// What the ability was built from on the user row.
	roleID int64
	role   string
	active bool
}

func newEntry(stamp int64, u *krag.User, ab *access.Ability) *entry {
	e := &entry{stamp: stamp, ability: ab, active: active.IsActive(u)}
	e.roleID, _ = RoleIDField.Get(u)
	e.role, _ = RoleField.Get(u)
	return e
}

// sameUser reports whether u's fields that abilities depend on are those e was built from.
func (e *entry) sameUser(u *krag.User) bool {
	id, _ := RoleIDField.Get(u)
	role, _ := RoleField.Get(u)
	return e.roleID == id && e.role == role && e.active == active.IsActive(u)
}

// userCache maps user ids to entries; when full it is emptied (entries are cheap to rebuild,
// and a bounded map needs no bookkeeping on the hot path).
type userCache struct {
	mu  sync.RWMutex
	m   map[string]*entry
	max int
}

func (c *userCache) get(id string) *entry {
	c.mu.RLock()
	e := c.m[id]
	c.mu.RUnlock()
	return e
}

func (c *userCache) put(id string, e *entry) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = map[string]*entry{}
	}
	c.m[id] = e
	c.mu.Unlock()
}

func (c *userCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

func (c *userCache) drop(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}
