package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kragauth/krag/plugin/rbac"
)

const rolesSynopsis = `Roles group permissions; a user holds one or more roles. Two system roles exist from
the start (created by krag migrate): admin, which may do everything, and user, the role new
users get. Role names are lower-case and found ignoring case; ids work wherever a name does.`

func runRoles(ctx context.Context, env *Env, args []string) error {
	return runGroup(ctx, env, "roles", rolesSynopsis, []command{
		{"list", "list the roles", runRolesList},
		{"create", "create a role", runRolesCreate},
		{"grant", "give a role a permission, or deny it with --deny", runRolesGrant},
		{"revoke", "take a granted or denied permission off a role", runRolesRevoke},
	}, args)
}

const rolesListSynopsis = `List the roles with the number of permissions each grants and denies.

Example:
  krag roles list
  krag roles list --json`

// roleRow is a role as krag roles list --json prints it: rbac's JSON plus the counts.
type roleRow struct {
	*rbac.Role
	Granted int `json:"granted"`
	Denied  int `json:"denied"`
}

func runRolesList(ctx context.Context, env *Env, args []string) error {
	fs := newCmdFlags(env, "roles list", "[--json]", rolesListSynopsis)
	database := databaseFlag(fs)
	asJSON := fs.Bool("json", false, "print the roles as a JSON array")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	sys, err := openSystem(ctx, env, *database)
	if err != nil {
		return err
	}
	defer sys.Close()
	roles, err := sys.rbac.Roles(ctx)
	if err != nil {
		return fmt.Errorf("list roles: %w", err)
	}
	rows := make([]roleRow, len(roles))
	for i, r := range roles {
		as, err := sys.rbac.RolePermissions(ctx, strconv.FormatInt(r.ID, 10))
		if err != nil {
			return fmt.Errorf("list the permissions of role %s: %w", r.Name, err)
		}
		rows[i].Role = r
		for _, a := range as {
			if a.Inverted {
				rows[i].Denied++
			} else {
				rows[i].Granted++
			}
		}
	}
	if *asJSON {
		return writeJSON(env.Stdout, rows)
	}
	tw := newTable(env.Stdout)
	fmt.Fprintln(tw, "ID\tNAME\tDISPLAY NAME\tACTIVE\tSYSTEM\tPERMISSIONS")
	for _, r := range rows {
		perms := fmt.Sprintf("%d granted", r.Granted)
		if r.Denied > 0 {
			perms += fmt.Sprintf(", %d denied", r.Denied)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.DisplayName, yesNo(r.Active), yesNo(r.System), perms)
	}
	return tw.Flush()
}

const rolesCreateSynopsis = `Create a role. NAME is stored lower-cased (1 to 100 characters, not only digits, no
commas); the display name keeps its case and defaults to NAME as given.

Example:
  krag roles create editor --display-name Editor --description "Writes and edits posts"
  krag roles grant editor post:update`

func runRolesCreate(ctx context.Context, env *Env, args []string) error {
	fs := newCmdFlags(env, "roles create", "NAME [--display-name X] [--description D]", rolesCreateSynopsis)
	database := databaseFlag(fs)
	display := fs.String("display-name", "", "name shown to people (default NAME as given)")
	desc := fs.String("description", "", "what the role is for")
	pos, err := parseArgs(fs, args, "NAME")
	if err != nil {
		return err
	}
	sys, err := openSystem(ctx, env, *database)
	if err != nil {
		return err
	}
	defer sys.Close()
	r, err := sys.rbac.CreateRole(ctx, rbac.RoleInput{Name: pos[0], DisplayName: *display, Description: *desc})
	switch {
	case errors.Is(err, rbac.ErrRoleExists):
		return fmt.Errorf("role %q already exists; see krag roles list", pos[0])
	case errors.Is(err, rbac.ErrInvalidRole):
		return fmt.Errorf("invalid role name %q: %s", pos[0], kragMessage(err))
	case err != nil:
		return fmt.Errorf("create role %q: %w", pos[0], err)
	}
	fmt.Fprintf(env.Stdout, "created role %s (id %d, display name %q); give it permissions with: krag roles grant %s PERMISSION\n",
		r.Name, r.ID, r.DisplayName, r.Name)
	return nil
}

const rolesGrantSynopsis = `Give ROLE the permission PERMISSION (each by name or id). With --deny, take the
permission away from the role instead: a CASL "cannot" applied after the role's grants.
Granting a permission the role already has, or denies, switches it to what this command says.

Example:
  krag roles grant editor post:update
  krag roles grant editor post:delete --deny`

func runRolesGrant(ctx context.Context, env *Env, args []string) error {
	fs := newCmdFlags(env, "roles grant", "ROLE PERMISSION [--deny]", rolesGrantSynopsis)
	database := databaseFlag(fs)
	deny := fs.Bool("deny", false, "deny the permission to the role instead of granting it")
	pos, err := parseArgs(fs, args, "ROLE", "PERMISSION")
	if err != nil {
		return err
	}
	sys, err := openSystem(ctx, env, *database)
	if err != nil {
		return err
	}
	defer sys.Close()
	r, err := findRole(ctx, sys, pos[0])
	if err != nil {
		return err
	}
	p, err := findPermission(ctx, sys, pos[1])
	if err != nil {
		return err
	}
	if err := sys.rbac.Grant(ctx, strconv.FormatInt(r.ID, 10), strconv.FormatInt(p.ID, 10), *deny); err != nil {
		return fmt.Errorf("grant %s to role %s: %w", p.Name, r.Name, err)
	}
	if *deny {
		fmt.Fprintf(env.Stdout, "role %s is now denied %s (%s)\n", r.Name, p.Name, describePermission(p))
	} else {
		fmt.Fprintf(env.Stdout, "granted %s (%s) to role %s\n", p.Name, describePermission(p), r.Name)
	}
	return nil
}

const rolesRevokeSynopsis = `Remove PERMISSION from ROLE (each by name or id), whether the role was granted or denied
it. Revoking what the role does not have changes nothing.

Example:
  krag roles revoke editor post:delete`

func runRolesRevoke(ctx context.Context, env *Env, args []string) error {
	fs := newCmdFlags(env, "roles revoke", "ROLE PERMISSION", rolesRevokeSynopsis)
	database := databaseFlag(fs)
	pos, err := parseArgs(fs, args, "ROLE", "PERMISSION")
	if err != nil {
		return err
	}
	sys, err := openSystem(ctx, env, *database)
	if err != nil {
		return err
	}
	defer sys.Close()
	r, err := findRole(ctx, sys, pos[0])
	if err != nil {
		return err
	}
	p, err := findPermission(ctx, sys, pos[1])
	if err != nil {
		return err
	}
	roleID := strconv.FormatInt(r.ID, 10)
	as, err := sys.rbac.RolePermissions(ctx, roleID)
	if err != nil {
		return fmt.Errorf("list the permissions of role %s: %w", r.Name, err)
	}
	held := false
	for _, a := range as {
		held = held || a.Permission.ID == p.ID
	}
	if !held {
		fmt.Fprintf(env.Stdout, "role %s neither grants nor denies %s; nothing changed\n", r.Name, p.Name)
		return nil
	}
	if err := sys.rbac.Revoke(ctx, roleID, strconv.FormatInt(p.ID, 10)); err != nil {
		return fmt.Errorf("revoke %s from role %s: %w", p.Name, r.Name, err)
	}
	fmt.Fprintf(env.Stdout, "revoked %s from role %s\n", p.Name, r.Name)
	return nil
}

const permissionsSynopsis = `A permission is one CASL rule: an action on a resource (a subject type such as Post,
or "all"), optionally limited by conditions (a MongoDB-style query that may use
${user.<field>} placeholders) and to fields. Roles are granted or denied permissions with
krag roles grant.`

func runPermissions(ctx context.Context, env *Env, args []string) error {
	return runGroup(ctx, env, "permissions", permissionsSynopsis, []command{
		{"list", "list the permissions", runPermissionsList},
		{"create", "create a permission", runPermissionsCreate},
	}, args)
}

const permissionsListSynopsis = `List the permissions, by name.

Example:
  krag permissions list
  krag permissions list --json`

func runPermissionsList(ctx context.Context, env *Env, args []string) error {
	fs := newCmdFlags(env, "permissions list", "[--json]", permissionsListSynopsis)
	database := databaseFlag(fs)
	asJSON := fs.Bool("json", false, "print the permissions as a JSON array")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	sys, err := openSystem(ctx, env, *database)
	if err != nil {
		return err
	}
	defer sys.Close()
	perms, err := sys.rbac.Permissions(ctx)
	if err != nil {
		return fmt.Errorf("list permissions: %w", err)
	}
	if *asJSON {
		return writeJSON(env.Stdout, nonNil(perms))
	}
	tw := newTable(env.Stdout)
	fmt.Fprintln(tw, "ID\tNAME\tACTION\tRESOURCE\tCONDITIONS\tFIELDS\tCATEGORY\tACTIVE")
	for _, p := range perms {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Name, p.Action, p.Resource,
			orDash(string(p.Conditions)), orDash(strings.Join(p.Fields, ",")), orDash(p.Category), yesNo(p.Active))
	}
	return tw.Flush()
}

const permissionsCreateSynopsis = `Create a permission: NAME (e.g. post:update-own) allows --action on --resource, limited by
--conditions and to --fields when given. Conditions are checked before anything is stored.

Example:
  krag permissions create post:update-own --resource Post --action update \
    --conditions '{"authorId":"${user.id}"}' --fields title,body --category posts`

func runPermissionsCreate(ctx context.Context, env *Env, args []string) error {
	fs := newCmdFlags(env, "permissions create",
		"NAME --resource R --action A [--conditions JSON] [--fields a,b] [--description D] [--category C]", permissionsCreateSynopsis)
	database := databaseFlag(fs)
	resource := fs.String("resource", "", "subject type the permission is about, e.g. Post, or all (required)")
	action := fs.String("action", "", "action it allows, e.g. read, update, or manage for every action (required)")
	conditions := fs.String("conditions", "", `MongoDB-style query as a JSON object, e.g. '{"authorId":"${user.id}"}'`)
	fields := fs.String("fields", "", "comma-separated fields the permission is limited to (default all)")
	desc := fs.String("description", "", "what the permission is for")
	category := fs.String("category", "", "group shown in admin UIs")
	pos, err := parseArgs(fs, args, "NAME")
	if err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(*resource) == "":
		return fmt.Errorf("%w: --resource is required", errUsage)
	case strings.TrimSpace(*action) == "":
		return fmt.Errorf("%w: --action is required", errUsage)
	}
	in := rbac.PermissionInput{Name: pos[0], Resource: *resource, Action: *action, Description: *desc, Category: *category}
	if *conditions != "" {
		in.Conditions = json.RawMessage(*conditions)
	}
	if *fields != "" {
		if in.Fields = splitList(*fields); len(in.Fields) == 0 {
			return fmt.Errorf("%w: --fields %q names no field", errUsage, *fields)
		}
	}
	sys, err := openSystem(ctx, env, *database)
	if err != nil {
		return err
	}
	defer sys.Close()
	p, err := sys.rbac.CreatePermission(ctx, in)
	switch {
	case errors.Is(err, rbac.ErrPermissionExists):
		return fmt.Errorf("permission %q already exists; see krag permissions list", pos[0])
	case errors.Is(err, rbac.ErrInvalidPermission):
		return fmt.Errorf("invalid permission %q: %s", pos[0], kragMessage(err))
	case err != nil:
		return fmt.Errorf("create permission %q: %w", pos[0], err)
	}
	fmt.Fprintf(env.Stdout, "created permission %s (id %d): %s; grant it with: krag roles grant ROLE %s\n",
		p.Name, p.ID, describePermission(p), p.Name)
	return nil
}

// findRole returns the role with the id or name ref, with a message pointing at krag roles
// list when there is none.
func findRole(ctx context.Context, sys *system, ref string) (*rbac.Role, error) {
	r, err := sys.rbac.Role(ctx, ref)
	if errors.Is(err, rbac.ErrRoleNotFound) {
		return nil, fmt.Errorf("role %q not found; see krag roles list", ref)
	}
	if err != nil {
		return nil, fmt.Errorf("find role %q: %w", ref, err)
	}
	return r, nil
}

// findPermission returns the permission with the id or name ref, with a message pointing at
// krag permissions list when there is none.
func findPermission(ctx context.Context, sys *system, ref string) (*rbac.Permission, error) {
	p, err := sys.rbac.Permission(ctx, ref)
	if errors.Is(err, rbac.ErrPermissionNotFound) {
		return nil, fmt.Errorf("permission %q not found; see krag permissions list", ref)
	}
	if err != nil {
		return nil, fmt.Errorf("find permission %q: %w", ref, err)
	}
	return p, nil
}

// describePermission says what a permission allows in a few words: "update Post where
// {...} (fields title,body)".
func describePermission(p *rbac.Permission) string {
	s := p.Action + " " + p.Resource
	if len(p.Conditions) > 0 {
		s += " where " + string(p.Conditions)
	}
	if len(p.Fields) > 0 {
		s += " (fields " + strings.Join(p.Fields, ",") + ")"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
