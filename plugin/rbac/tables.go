package rbac

import (
	"github.com/kragauth/krag"
	"github.com/kragauth/krag/schema"
)

// Logical table names. The physical names and columns are the seed's (snake_case), so a
// database laid out by the seed's Drizzle schema reads the same.
const (
	RoleTable           = "role"
	PermissionTable     = "permission"
	RolePermissionTable = "rolePermission"
	UserPermissionTable = "userPermission"
	VersionTable        = "accessVersion"
)

// RoleIDField is the user's role: the id of a row of roles (the seed's user.roleId, a number).
// Clients cannot set it.
var RoleIDField = krag.IntField("roleId").ReadOnly().Index()

// RoleField is Better Auth's admin-plugin role field: role names, comma-separated. Krag keeps
// it consistent with RoleIDField; a Better Auth database's values map to roles by name.
var RoleField = krag.StringField("role").ReadOnly()

func str(name, column string, required bool) schema.Field {
	return schema.Field{Name: name, Column: column, Type: schema.String, Required: required}
}

func flag(name, column string, def bool) schema.Field {
	return schema.Field{Name: name, Column: column, Type: schema.Boolean, Required: true, Default: def}
}

func date(name, column string) schema.Field {
	return schema.Field{Name: name, Column: column, Type: schema.Date, Required: true, DefaultNow: true}
}

// ref is a reference to the serial id of one of the plugin's tables.
func ref(name, column, table string) schema.Field {
	return schema.Field{Name: name, Column: column, Type: schema.Number, BigInt: true, Required: true,
		References: &schema.Reference{Table: table, Field: "id", OnDelete: "cascade"}}
}

// serial is the seed's integer primary key; Krag numbers new rows itself (nextID).
func serial() schema.Field {
	return schema.Field{Name: "id", Type: schema.Number, BigInt: true, Required: true}
}

// Tables returns the plugin's tables: roles, permissions, role_permissions, user_permissions
// (integer ids, as the seed's serial columns)
// and access_version (one row whose value changes with every change of the others, so every
// Krag instance sharing the database notices).
func Tables() []schema.Table {
	return []schema.Table{
		{Name: RoleTable, Physical: "roles", Fields: []schema.Field{
			serial(),
			{Name: "name", Type: schema.String, Required: true, Unique: true, Sortable: true},
			str("displayName", "display_name", false),
			str("description", "description", false),
			flag("isActive", "is_active", true),
			flag("isSystemRole", "is_system_role", false),
			date("createdAt", "created_at"),
			date("updatedAt", "updated_at"),
		}},
		{Name: PermissionTable, Physical: "permissions", Fields: []schema.Field{
			serial(),
			{Name: "name", Type: schema.String, Required: true, Unique: true, Sortable: true},
			{Name: "resource", Type: schema.String, Required: true, Sortable: true},
			{Name: "action", Type: schema.String, Required: true, Sortable: true},
			str("description", "description", false),
			{Name: "category", Type: schema.String, Sortable: true},
			str("conditions", "conditions", false),
			str("fields", "fields", false),
			flag("isActive", "is_active", true),
			date("createdAt", "created_at"),
			date("updatedAt", "updated_at"),
		}, Indexes: []schema.Index{
			{Name: "permissions_resource_action_idx", Fields: []string{"resource", "action"}},
			{Name: "permissions_category_idx", Fields: []string{"category"}},
		}},
		{Name: RolePermissionTable, Physical: "role_permissions", Fields: []schema.Field{
			serial(),
			ref("roleId", "role_id", RoleTable),
			ref("permissionId", "permission_id", PermissionTable),
			flag("inverted", "inverted", false),
			flag("isActive", "is_active", true),
			date("createdAt", "created_at"),
		}, Indexes: []schema.Index{
			{Name: "role_permissions_role_permission_uidx", Fields: []string{"roleId", "permissionId"}, Unique: true},
		}},
		{Name: UserPermissionTable, Physical: "user_permissions", Fields: []schema.Field{
			serial(),
			{Name: "userId", Column: "user_id", Type: schema.String, Required: true,
				References: &schema.Reference{Table: schema.UserTable, Field: "id", OnDelete: "cascade"}},
			ref("permissionId", "permission_id", PermissionTable),
			flag("inverted", "inverted", false),
			flag("isActive", "is_active", true),
			date("createdAt", "created_at"),
		}, Indexes: []schema.Index{
			{Name: "user_permissions_user_permission_uidx", Fields: []string{"userId", "permissionId"}, Unique: true},
		}},
		{Name: VersionTable, Physical: "access_version", Fields: []schema.Field{
			{Name: "id", Type: schema.String, Required: true},
			{Name: "version", Type: schema.Number, BigInt: true, Required: true},
			date("updatedAt", "updated_at"),
		}},
	}
}
