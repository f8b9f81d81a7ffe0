package cli

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kragauth/krag/schema"
)

// runIn runs the krag command with stdin as its standard input.
func runIn(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: loadEnv()}
	code = runEnv(t.Context(), env, args)
	return code, out.String(), errb.String()
}

// migrated returns a temporary working directory whose ./krag.db (the default database) has
// been migrated by krag migrate.
func migrated(t *testing.T) string {
	t.Helper()
	dir := inTempDir(t)
	code, out, errs := run(t, "migrate")
	if code != 0 {
		t.Fatalf("migrate = %d %q %q", code, out, errs)
	}
	return dir
}

// must runs a command that has to succeed and returns its stdout.
func must(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := run(t, args...)
	if code != 0 {
		t.Fatalf("krag %s = %d, stderr %q", strings.Join(args, " "), code, errs)
	}
	return out
}

// fails runs a command that has to fail with code and checks that stderr says want.
func fails(t *testing.T, code int, want string, args ...string) {
	t.Helper()
	got, out, errs := run(t, args...)
	if got != code || !strings.Contains(errs, want) {
		t.Errorf("krag %s = %d, stdout %q, stderr %q; want %d and %q", strings.Join(args, " "), got, out, errs, code, want)
	}
}

type listedUser struct {
	ID         string     `json:"id"`
	Email      string     `json:"email"`
	Name       string     `json:"name"`
	Roles      []string   `json:"roles"`
	Banned     bool       `json:"banned"`
	BanReason  string     `json:"banReason"`
	BanExpires *time.Time `json:"banExpires"`
	CreatedAt  time.Time  `json:"createdAt"`
}

func listUsers(t *testing.T, args ...string) ([]listedUser, int64) {
	t.Helper()
	var res struct {
		Users []listedUser `json:"users"`
		Total int64        `json:"total"`
	}
	out := must(t, append([]string{"users", "list", "--json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("users list --json: %v in %q", err, out)
	}
	return res.Users, res.Total
}

type listedRole struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	Active      bool   `json:"isActive"`
	System      bool   `json:"isSystemRole"`
	Granted     int    `json:"granted"`
	Denied      int    `json:"denied"`
}

func listRoles(t *testing.T) map[string]listedRole {
	t.Helper()
	var roles []listedRole
	out := must(t, "roles", "list", "--json")
	if err := json.Unmarshal([]byte(out), &roles); err != nil {
		t.Fatalf("roles list --json: %v in %q", err, out)
	}
	m := map[string]listedRole{}
	for _, r := range roles {
		m[r.Name] = r
	}
	return m
}

func TestAdminHelp(t *testing.T) {
	inTempDir(t)
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"users", "roles", "permissions"}},
		{[]string{"migrate", "--help"}, []string{"system roles admin and user"}},
		{[]string{"users", "--help"}, []string{"Usage: krag users <subcommand>", "set-role", "unban", "--role admin"}},
		{[]string{"users", "create", "--help"}, []string{"Usage: krag users create --email E", "-password-stdin", "-role", "Example:"}},
		{[]string{"users", "list", "-h"}, []string{"-search", "-limit", "-json", "Example:"}},
		{[]string{"users", "set-role", "--help"}, []string{"USER ROLE[,ROLE...]", "Example:"}},
		{[]string{"users", "ban", "--help"}, []string{"-reason", "-for", "72h", "Example:"}},
		{[]string{"users", "unban", "--help"}, []string{"Usage: krag users unban USER", "Example:"}},
		{[]string{"roles", "help"}, []string{"grant", "revoke"}},
		{[]string{"roles", "list", "--help"}, []string{"-json", "Example:"}},
		{[]string{"roles", "create", "--help"}, []string{"-display-name", "-description", "Example:"}},
		{[]string{"roles", "grant", "--help"}, []string{"ROLE PERMISSION [--deny]", "-deny", "Example:"}},
		{[]string{"roles", "revoke", "--help"}, []string{"ROLE PERMISSION", "Example:"}},
		{[]string{"permissions", "--help"}, []string{"list", "create"}},
		{[]string{"permissions", "list", "--help"}, []string{"-json", "Example:"}},
		{[]string{"permissions", "create", "--help"}, []string{"-resource", "-action", "-conditions", "-fields", "-category", "Example:"}},
	}
	for _, tt := range tests {
		code, out, errs := run(t, tt.args...)
		if code != 0 {
			t.Errorf("krag %v = %d, stderr %q; want 0", tt.args, code, errs)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("krag %v: stdout lacks %q:\n%s", tt.args, w, out)
			}
		}
	}
}

// TestAdminBadUsage: arguments that are wrong before any database is opened exit 2 and say
// what is wrong.
func TestAdminBadUsage(t *testing.T) {
	inTempDir(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no_subcommand", []string{"users"}, "missing subcommand"},
		{"unknown_subcommand", []string{"roles", "delete"}, `unknown subcommand "delete"`},
		{"missing_email", []string{"users", "create"}, "--email is required"},
		{"bad_email", []string{"users", "create", "--email", "not-an-address"}, `--email "not-an-address" is not a valid email address`},
		{"two_passwords", []string{"users", "create", "--email", "a@example.com", "--password", "longenough", "--password-stdin"}, "not both"},
		{"empty_stdin", []string{"users", "create", "--email", "a@example.com", "--password-stdin"}, "standard input holds no password"},
		{"empty_role", []string{"users", "create", "--email", "a@example.com", "--role", ","}, "empty value"},
		{"unknown_flag", []string{"users", "list", "--sort", "email"}, "flag provided but not defined"},
		{"negative_limit", []string{"users", "list", "--limit", "-1"}, "--limit -1"},
		{"set_role_without_role", []string{"users", "set-role", "a@example.com"}, "missing ROLE"},
		{"set_role_without_user", []string{"users", "set-role"}, "missing USER"},
		{"ban_without_user", []string{"users", "ban"}, "missing USER"},
		{"ban_for_zero", []string{"users", "ban", "a@example.com", "--for", "0s"}, `--for "0s"`},
		{"ban_for_words", []string{"users", "ban", "a@example.com", "--for", "soon"}, `--for "soon": want a positive Go duration`},
		{"unban_two_users", []string{"users", "unban", "a@example.com", "b@example.com"}, `unexpected argument "b@example.com"`},
		{"roles_list_argument", []string{"roles", "list", "all"}, `unexpected argument "all"`},
		{"create_role_without_name", []string{"roles", "create"}, "missing NAME"},
		{"grant_without_permission", []string{"roles", "grant", "editor"}, "missing PERMISSION"},
		{"revoke_without_arguments", []string{"roles", "revoke"}, "missing ROLE"},
		{"permission_without_resource", []string{"permissions", "create", "post:read", "--action", "read"}, "--resource is required"},
		{"permission_without_action", []string{"permissions", "create", "post:read", "--resource", "Post"}, "--action is required"},
		{"permission_without_name", []string{"permissions", "create", "--resource", "Post", "--action", "read"}, "missing NAME"},
		{"permission_empty_fields", []string{"permissions", "create", "p", "--resource", "Post", "--action", "read", "--fields", ","}, "names no field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runIn(t, "", tt.args...)
			if code != 2 || !strings.Contains(errs, tt.want) || !strings.Contains(errs, "--help' for usage") {
				t.Errorf("krag %v = %d, stderr %q; want 2 and %q", tt.args, code, errs, tt.want)
			}
		})
	}
}

// TestAdminNeedsMigratedDatabase: the commands neither create a database nor run on one whose
// schema is behind; both times they name krag migrate.
func TestAdminNeedsMigratedDatabase(t *testing.T) {
	dir := inTempDir(t)
	fails(t, 1, "no database at ./krag.db; create it with: krag migrate", "users", "list")
	if code, _, _ := run(t, "roles", "list"); code != 1 {
		t.Errorf("roles list without a database = %d, want 1", code)
	}

	dsn := "sqlite:" + filepath.Join(dir, "partial.db")
	db, err := openDatabase(t.Context(), dsn, &Env{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(t.Context(), &schema.Schema{Tables: schema.Core()}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	fails(t, 1, "the database schema is behind (", "users", "list", "--database", dsn)
	fails(t, 1, "run: krag migrate --database "+dsn, "permissions", "list", "--database", dsn)
	must(t, "migrate", "--database", dsn)
	if out := must(t, "users", "list", "--database", dsn); !strings.Contains(out, "EMAIL") {
		t.Errorf("users list after migrate = %q", out)
	}
}

// TestAdminInProduction: the commands serve no request, so production's BETTER_AUTH_SECRET
// and BETTER_AUTH_URL are not required.
func TestAdminInProduction(t *testing.T) {
	inTempDir(t)
	t.Setenv("KRAG_ENV", "production")
	if out := must(t, "migrate"); !strings.Contains(out, "system roles admin and user are in place") {
		t.Errorf("migrate printed %q", out)
	}
	must(t, "users", "create", "--email", "ops@example.com", "--role", "admin")
	if users, _ := listUsers(t, "--role", "admin"); len(users) != 1 {
		t.Errorf("admins = %+v", users)
	}
}

// TestFirstAdmin is the documented start of a fresh install: migrate, then create an
// administrator whose password comes on standard input and whose role is named "Admin".
func TestFirstAdmin(t *testing.T) {
	dir := migrated(t)
	code, out, errs := runIn(t, "correct horse battery\n", "users", "create", "--email", "Admin@Example.com", "--password-stdin", "--role", "Admin")
	if code != 0 {
		t.Fatalf("users create = %d %q %q", code, out, errs)
	}
	if !strings.Contains(out, "created user admin@example.com (id ") || !strings.HasSuffix(out, ") with role admin\n") {
		t.Errorf("users create printed %q", out)
	}
	users, total := listUsers(t)
	if total != 1 || len(users) != 1 || users[0].Email != "admin@example.com" || len(users[0].Roles) != 1 || users[0].Roles[0] != "admin" {
		t.Fatalf("users list = %+v (total %d), want admin@example.com with role admin", users, total)
	}

	// The Go API agrees: the password (without its line ending) verifies and the role may
	// administer users.
	db, err := openDatabase(t.Context(), "sqlite:"+filepath.Join(dir, "krag.db"), &Env{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sys, err := newSystem(&Env{Stderr: &bytes.Buffer{}, Getenv: func(string) string { return "" }}, db)
	if err != nil {
		t.Fatal(err)
	}
	u, err := sys.auth.FindUserByEmail(t.Context(), "admin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := sys.auth.VerifyPassword(t.Context(), u, "correct horse battery"); err != nil {
		t.Errorf("VerifyPassword = %v", err)
	}
	ok, err := sys.admin.HasPermission(t.Context(), u, map[string][]string{"user": {"ban", "set-role", "create"}})
	if err != nil || !ok {
		t.Errorf("HasPermission(admin, ban/set-role/create users) = %v, %v; want true", ok, err)
	}

	fails(t, 1, "a user with email admin@example.com already exists", "users", "create", "--email", "admin@example.com")
}

func TestUsersCommands(t *testing.T) {
	migrated(t)
	out := must(t, "users", "create", "--email", "ada@example.com", "--name", "Ada Lovelace")
	if !strings.Contains(out, "with role user;") || !strings.Contains(out, "no credential account") {
		t.Errorf("users create without a password printed %q", out)
	}
	must(t, "roles", "create", "editor")
	out = must(t, "users", "create", "--email", "bob@example.com", "--password", "longenough", "--role", "editor", "--role", "USER")
	if !strings.Contains(out, "with roles editor, user\n") || strings.Contains(out, "credential") {
		t.Errorf("users create with two roles printed %q", out)
	}

	t.Run("bad_input", func(t *testing.T) {
		fails(t, 1, "a user with email ada@example.com already exists", "users", "create", "--email", "ADA@example.com")
		fails(t, 1, `role "owner" not found; see krag roles list`, "users", "create", "--email", "c@example.com", "--role", "user,owner")
		fails(t, 1, "password too short: it needs at least 8 characters", "users", "create", "--email", "c@example.com", "--password", "short")
		fails(t, 1, "password too long: it may have at most 128 characters", "users", "create", "--email", "c@example.com", "--password", strings.Repeat("x", 129))
		fails(t, 1, `user "nobody@example.com" not found; see krag users list`, "users", "ban", "nobody@example.com")
		fails(t, 1, `user "no-such-id" not found`, "users", "set-role", "no-such-id", "admin")
		fails(t, 1, `role "owner" not found`, "users", "set-role", "ada@example.com", "owner")
		if users, _ := listUsers(t, "--search", "c@example.com"); len(users) != 0 {
			t.Errorf("a failed create left users behind: %+v", users)
		}
	})

	t.Run("list", func(t *testing.T) {
		users, total := listUsers(t)
		if total != 2 || len(users) != 2 || users[0].Email != "ada@example.com" || users[1].Email != "bob@example.com" {
			t.Fatalf("users list = %+v (total %d)", users, total)
		}
		if users, _ := listUsers(t, "--search", "LOVELACE"); len(users) != 1 || users[0].Email != "ada@example.com" {
			t.Errorf("users list --search LOVELACE = %+v", users)
		}
		if users, _ := listUsers(t, "--role", "Editor"); len(users) != 1 || users[0].Email != "bob@example.com" {
			t.Errorf("users list --role Editor = %+v", users)
		}
		if users, _ := listUsers(t, "--role", "user"); len(users) != 2 {
			t.Errorf("users list --role user = %+v, want both", users)
		}
		if users, total := listUsers(t, "--limit", "1"); len(users) != 1 || total != 2 {
			t.Errorf("users list --limit 1 = %d users, total %d; want 1 of 2", len(users), total)
		}
		code, out, errs := run(t, "users", "list", "--limit", "1")
		if code != 0 || !strings.Contains(out, "ada@example.com") || !strings.Contains(errs, "showing 1 of 2 users") {
			t.Errorf("users list --limit 1 = %d %q %q", code, out, errs)
		}
		fails(t, 1, `role "owner" not found`, "users", "list", "--role", "owner")
	})

	t.Run("set_role", func(t *testing.T) {
		users, _ := listUsers(t, "--search", "ada@")
		out := must(t, "users", "set-role", users[0].ID, "Admin,editor")
		if out != "ada@example.com (id "+users[0].ID+") now has roles admin, editor\n" {
			t.Errorf("set-role printed %q", out)
		}
		must(t, "users", "set-role", "ada@example.com", "user", "editor")
		if users, _ := listUsers(t, "--search", "ada@"); strings.Join(users[0].Roles, ",") != "user,editor" {
			t.Errorf("roles after set-role user editor = %v", users[0].Roles)
		}
		if users, _ := listUsers(t, "--role", "admin"); len(users) != 0 {
			t.Errorf("users list --role admin after the admin role was taken away = %+v", users)
		}
	})

	t.Run("ban_and_unban", func(t *testing.T) {
		out := must(t, "users", "ban", "Bob@example.com", "--reason", "spam", "--for", "72h")
		if !strings.HasPrefix(out, "banned bob@example.com (id ") || !strings.Contains(out, `reason "spam"`) || !strings.Contains(out, "sessions were deleted") {
			t.Errorf("ban printed %q", out)
		}
		users, _ := listUsers(t, "--search", "bob@")
		b := users[0]
		if !b.Banned || b.BanReason != "spam" || b.BanExpires == nil || b.BanExpires.Sub(b.CreatedAt) < 71*time.Hour {
			t.Errorf("banned user = %+v, want banned for 72h because of spam", b)
		}
		if out := must(t, "users", "list"); !strings.Contains(out, "until ") {
			t.Errorf("users list does not show the ban's end:\n%s", out)
		}
		if out := must(t, "users", "unban", "bob@example.com"); !strings.HasPrefix(out, "unbanned bob@example.com") {
			t.Errorf("unban printed %q", out)
		}
		if users, _ := listUsers(t, "--search", "bob@"); users[0].Banned || users[0].BanReason != "" {
			t.Errorf("unbanned user = %+v", users[0])
		}
		if out := must(t, "users", "unban", "bob@example.com"); !strings.Contains(out, "is not banned; nothing changed") {
			t.Errorf("second unban printed %q", out)
		}
		if out := must(t, "users", "ban", b.ID); !strings.Contains(out, `with no end, reason "No reason"`) {
			t.Errorf("ban without --for printed %q", out)
		}
		if users, _ := listUsers(t, "--search", "bob@"); !users[0].Banned || users[0].BanExpires != nil {
			t.Errorf("user banned without end = %+v", users[0])
		}
	})
}

func TestRolesAndPermissions(t *testing.T) {
	dir := migrated(t)
	roles := listRoles(t)
	if a, u := roles["admin"], roles["user"]; len(roles) != 2 || !a.System || !u.System || a.Granted != 1 || a.Denied != 1 || u.Granted != 0 {
		t.Fatalf("roles after migrate = %+v, want the system roles admin and user", roles)
	}

	out := must(t, "roles", "create", "Editor", "--display-name", "Content editor", "--description", "Writes posts")
	if !strings.HasPrefix(out, `created role editor (id `) || !strings.Contains(out, `display name "Content editor"`) {
		t.Errorf("roles create printed %q", out)
	}
	fails(t, 1, `role "EDITOR" already exists`, "roles", "create", "EDITOR")
	fails(t, 1, `invalid role name "42": Role names have 1 to 100 characters`, "roles", "create", "42")

	out = must(t, "permissions", "create", "post:update-own", "--resource", "Post", "--action", "update",
		"--conditions", `{"authorId":"${user.id}"}`, "--fields", "title, body", "--description", "Edit own posts", "--category", "posts")
	if !strings.HasPrefix(out, "created permission post:update-own (id ") || !strings.Contains(out, `update Post where {"authorId":"${user.id}"} (fields title,body)`) {
		t.Errorf("permissions create printed %q", out)
	}
	must(t, "permissions", "create", "post:delete", "--resource", "Post", "--action", "delete")

	t.Run("bad_permissions", func(t *testing.T) {
		tests := []struct {
			name, conditions, want string
		}{
			{"not_json", `{"authorId":`, "Invalid permission conditions"},
			{"not_an_object", `["authorId"]`, "conditions must be a JSON object"},
			{"unknown_operator", `{"views":{"$bigger":3}}`, `unsupported operator "$bigger"`},
			{"unknown_placeholder", `{"authorId":"${user.shoeSize}"}`, "${user.shoeSize}"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				code, _, errs := run(t, "permissions", "create", "post:bad", "--resource", "Post", "--action", "read", "--conditions", tt.conditions)
				if code != 1 || !strings.Contains(errs, `invalid permission "post:bad": `) || !strings.Contains(errs, tt.want) {
					t.Errorf("permissions create --conditions %s = %d %q; want 1 and %q", tt.conditions, code, errs, tt.want)
				}
			})
		}
		fails(t, 1, `permission "post:delete" already exists; see krag permissions list`, "permissions", "create", "post:delete", "--resource", "Post", "--action", "delete")
	})

	t.Run("list", func(t *testing.T) {
		var perms []struct {
			ID         int64           `json:"id"`
			Name       string          `json:"name"`
			Conditions json.RawMessage `json:"conditions"`
			Fields     []string        `json:"fields"`
			Category   string          `json:"category"`
		}
		out := must(t, "permissions", "list", "--json")
		if err := json.Unmarshal([]byte(out), &perms); err != nil {
			t.Fatalf("permissions list --json: %v in %q", err, out)
		}
		names := make([]string, len(perms))
		for i, p := range perms {
			names[i] = p.Name
		}
		if got := strings.Join(names, " "); got != "all:manage post:delete post:update-own user:impersonate-admins" {
			t.Errorf("permissions = %s", got)
		}
		var cond bytes.Buffer
		json.Compact(&cond, perms[2].Conditions)
		if p := perms[2]; cond.String() != `{"authorId":"${user.id}"}` || strings.Join(p.Fields, ",") != "title,body" || p.Category != "posts" {
			t.Errorf("post:update-own = %+v", p)
		}
		if out := must(t, "permissions", "list"); !strings.Contains(out, "CONDITIONS") || !strings.Contains(out, "post:update-own") {
			t.Errorf("permissions list:\n%s", out)
		}
		if out := must(t, "roles", "list"); !strings.Contains(out, "DISPLAY NAME") || !strings.Contains(out, "Content editor") {
			t.Errorf("roles list:\n%s", out)
		}
	})

	t.Run("grant_and_revoke", func(t *testing.T) {
		if out := must(t, "roles", "grant", "EDITOR", "post:update-own"); !strings.HasPrefix(out, "granted post:update-own (update Post where") {
			t.Errorf("grant printed %q", out)
		}
		// Flags may follow the arguments, and ids work where names do.
		editor := listRoles(t)["editor"]
		if out := must(t, "roles", "grant", "editor", "post:delete", "--deny"); out != "role editor is now denied post:delete (delete Post)\n" {
			t.Errorf("grant --deny printed %q", out)
		}
		if r := listRoles(t)["editor"]; r.Granted != 1 || r.Denied != 1 {
			t.Errorf("editor after grant and deny = %+v", r)
		}
		if out := must(t, "roles", "revoke", strconv.FormatInt(editor.ID, 10), "post:delete"); out != "revoked post:delete from role editor\n" {
			t.Errorf("revoke printed %q", out)
		}
		if out := must(t, "roles", "revoke", "editor", "post:delete"); !strings.Contains(out, "nothing changed") {
			t.Errorf("second revoke printed %q", out)
		}
		if r := listRoles(t)["editor"]; r.Granted != 1 || r.Denied != 0 {
			t.Errorf("editor after revoke = %+v", r)
		}
		fails(t, 1, `role "owner" not found; see krag roles list`, "roles", "grant", "owner", "post:delete")
		fails(t, 1, `permission "post:publish" not found; see krag permissions list`, "roles", "grant", "editor", "post:publish")
		fails(t, 1, `permission "post:publish" not found`, "roles", "revoke", "editor", "post:publish")
	})

	// --database names the database as DATABASE_URL does.
	t.Run("database_flag", func(t *testing.T) {
		t.Chdir(t.TempDir())
		dsn := "sqlite:" + filepath.Join(dir, "krag.db")
		fails(t, 1, "no database at ./krag.db", "roles", "list")
		if out := must(t, "roles", "list", "--database", dsn); !strings.Contains(out, "editor") {
			t.Errorf("roles list --database:\n%s", out)
		}
		t.Setenv("DATABASE_URL", dsn)
		if out := must(t, "permissions", "list"); !strings.Contains(out, "post:update-own") {
			t.Errorf("permissions list with DATABASE_URL:\n%s", out)
		}
	})
}
