package posts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kragauth/krag/plugin/rbac"
)

// EditorRole is the name of the demo's Editor role: it reads and edits every post.
const EditorRole = "editor"

// Permission names Seed creates. Each is one CASL rule on "Post".
const (
	PermReadPublished = "post:read-published" // read {"published": true}
	PermReadOwn       = "post:read-own"       // read {"authorId": "${user.id}"}
	PermCreate        = "post:create"         // create {"authorId": "${user.id}"}
	PermUpdateOwn     = "post:update-own"     // update {"authorId": "${user.id}"}
	PermDeleteOwn     = "post:delete-own"     // delete {"authorId": "${user.id}"}
	PermRead          = "post:read"           // read, every post
	PermUpdate        = "post:update"         // update, every post
)

const own = `{"authorId":"${user.id}"}`

// demoPermissions are the permissions Seed creates, with the roles that get them.
var demoPermissions = []struct {
	in    rbac.PermissionInput
	roles []string
}{
	{rbac.PermissionInput{Name: PermReadPublished, Resource: Subject, Action: "read", Category: "posts",
		Description: "Read published posts", Conditions: json.RawMessage(`{"published":true}`)}, []string{rbac.UserRole, EditorRole}},
	{rbac.PermissionInput{Name: PermReadOwn, Resource: Subject, Action: "read", Category: "posts",
		Description: "Read one's own posts, drafts included", Conditions: json.RawMessage(own)}, []string{rbac.UserRole, EditorRole}},
	{rbac.PermissionInput{Name: PermCreate, Resource: Subject, Action: "create", Category: "posts",
		Description: "Write posts under one's own name", Conditions: json.RawMessage(own)}, []string{rbac.UserRole, EditorRole}},
	{rbac.PermissionInput{Name: PermUpdateOwn, Resource: Subject, Action: "update", Category: "posts",
		Description: "Edit one's own posts", Conditions: json.RawMessage(own)}, []string{rbac.UserRole, EditorRole}},
	{rbac.PermissionInput{Name: PermDeleteOwn, Resource: Subject, Action: "delete", Category: "posts",
		Description: "Delete one's own posts", Conditions: json.RawMessage(own)}, []string{rbac.UserRole, EditorRole}},
	{rbac.PermissionInput{Name: PermRead, Resource: Subject, Action: "read", Category: "posts",
		Description: "Read every post, drafts included"}, []string{EditorRole}},
	{rbac.PermissionInput{Name: PermUpdate, Resource: Subject, Action: "update", Category: "posts",
		Description: "Edit every post"}, []string{EditorRole}},
}

// Seed creates the demo's roles and permissions, by name, each only when missing: rbac's
// system roles (rbac.Plugin.Seed), the Editor role, and the post permissions. A permission
// is granted to its roles only when Seed creates it or the role, so a grant an administrator
// revoked stays revoked and Seed may run at every start. It is safe to run from several
// instances at once: whoever loses a race to create a row leaves it to the winner. The admin
// role needs nothing: it manages all. The permissions give every user rights on "Post": seed
// only where "Post" means these posts.
func (p *Plugin) Seed(ctx context.Context) error {
	rb := p.opts.RBAC
	if err := rb.Seed(ctx); err != nil {
		return fmt.Errorf("posts: seed: %w", err)
	}
	newRole := map[string]bool{}
	_, err := rb.Role(ctx, EditorRole)
	if errors.Is(err, rbac.ErrRoleNotFound) {
		_, err = rb.CreateRole(ctx, rbac.RoleInput{Name: EditorRole, DisplayName: "Editor", Description: "Reads and edits every post"})
		newRole[EditorRole] = err == nil
		if errors.Is(err, rbac.ErrRoleExists) {
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("posts: seed the %s role: %w", EditorRole, err)
	}
	for _, dp := range demoPermissions {
		created := false
		_, err := rb.Permission(ctx, dp.in.Name)
		if errors.Is(err, rbac.ErrPermissionNotFound) {
			_, err = rb.CreatePermission(ctx, dp.in)
			created = err == nil
			if errors.Is(err, rbac.ErrPermissionExists) {
				err = nil
			}
		}
		if err != nil {
			return fmt.Errorf("posts: seed the permission %s: %w", dp.in.Name, err)
		}
		for _, role := range dp.roles {
			if !created && !newRole[role] {
				continue
			}
			if err := rb.Grant(ctx, role, dp.in.Name, false); err != nil {
				return fmt.Errorf("posts: grant %s to %s: %w", dp.in.Name, role, err)
			}
		}
	}
	return nil
}
