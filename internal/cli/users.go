package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/plugin/admin"
	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/store"
)

const usersSynopsis = `Manage users from the command line, as an administrator would through Better Auth's admin
API. USER is an email address or a user id.

The first administrator of a fresh install:
  krag migrate
  krag users create --email admin@example.com --password-stdin --role admin`

func runUsers(ctx context.Context, env *Env, args []string) error {
	return runGroup(ctx, env, "users", usersSynopsis, []command{
		{"create", "create a user, optionally with a password and roles", runUsersCreate},
		{"list", "list users", runUsersList},
		{"set-role", "replace a user's roles", runUsersSetRole},
		{"ban", "ban a user and end their sessions", runUsersBan},
		{"unban", "lift a user's ban", runUsersUnban},
	}, args)
}

const usersCreateSynopsis = `Create a user. With --password or --password-stdin the user gets a credential account and
can sign in with email and password; without, they have no password and cannot sign in with
one yet. Without --role the user gets the default role, user. Role names ignore case.

Example:
  printf '%s\n' "$ADMIN_PASSWORD" | krag users create --email admin@example.com --password-stdin --role admin
  krag users create --email ada@example.com --name "Ada Lovelace" --role editor,user`

// maxPasswordInput bounds what --password-stdin reads; Krag's own limit is far below it.
const maxPasswordInput = 4096

func runUsersCreate(ctx context.Context, env *Env, args []string) error {
	fs := newCmdFlags(env, "users create", "--email E [--name N] [--password P | --password-stdin] [--role R]", usersCreateSynopsis)
	database := databaseFlag(fs)
	email := fs.String("email", "", "the user's email address (required)")
	name := fs.String("name", "", "the user's name")
	password := fs.String("password", "", "the user's password (visible to other local users in the process list; prefer --password-stdin)")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	var roles repeated
	fs.Var(&roles, "role", "role to give the user, by name or id; repeat it or separate roles with commas (default user)")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	addr := strings.ToLower(strings.TrimSpace(*email))
	switch {
	case addr == "":
		return fmt.Errorf("%w: --email is required", errUsage)
	case !krag.ValidEmail(addr):
		return fmt.Errorf("%w: --email %q is not a valid email address", errUsage, *email)
	case *password != "" && *passwordStdin:
		return fmt.Errorf("%w: give --password or --password-stdin, not both", errUsage)
	}
	pw := *password
	if *passwordStdin {
		var err error
		if pw, err = readPassword(env); err != nil {
			return err
		}
	}

	sys, err := openSystem(ctx, env, *database)
	if err != nil {
		return err
	}
	defer sys.Close()
	if u, err := sys.auth.FindUserByEmail(ctx, addr); err == nil {
		return fmt.Errorf("a user with email %s already exists (id %s); see krag users list", addr, u.ID)
	} else if !errors.Is(err, krag.ErrUserNotFound) {
		return fmt.Errorf("look up %s: %w", addr, err)
	}
	u := &krag.User{Email: addr, Name: strings.TrimSpace(*name)}
	if len(roles) > 0 {
		if err := applyRoles(ctx, sys, u, roles); err != nil {
			return err
		}
	}
	var ac *krag.Account
	if pw != "" {
		hash, err := sys.auth.HashPassword(ctx, pw)
		if err != nil {
			return passwordError(sys, err)
		}
		ac = &krag.Account{ProviderID: krag.CredentialProvider, Password: hash}
	}
	if err := sys.auth.CreateUser(ctx, u, ac); err != nil {
		if errors.Is(err, krag.ErrUserAlreadyExists) {
			return fmt.Errorf("a user with email %s already exists; see krag users list", addr)
		}
		return fmt.Errorf("create user %s: %w", addr, err)
	}
	msg := fmt.Sprintf("created user %s (id %s) with %s", u.Email, u.ID, roleList(u))
	if ac == nil {
		msg += "; no password was given, so the user has no credential account and cannot sign in with email and password yet"
	}
	fmt.Fprintln(env.Stdout, msg)
	return nil
}

// readPassword reads the first line of standard input, without its line ending.
func readPassword(env *Env) (string, error) {
	if env.Stdin == nil {
		return "", fmt.Errorf("%w: --password-stdin: no standard input", errUsage)
	}
	if f, ok := env.Stdin.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprintln(env.Stderr, "Reading the password from standard input (it is echoed); end it with Enter.")
		}
	}
	line, err := bufio.NewReader(io.LimitReader(env.Stdin, maxPasswordInput+1)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	if len(line) > maxPasswordInput {
		return "", fmt.Errorf("%w: --password-stdin: the first line of standard input is longer than %d bytes", errUsage, maxPasswordInput)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", fmt.Errorf("%w: --password-stdin: standard input holds no password", errUsage)
	}
	return line, nil
}

// passwordError explains a password HashPassword refused.
func passwordError(sys *system, err error) error {
	switch {
	case errors.Is(err, krag.ErrPasswordTooShort):
		return fmt.Errorf("password too short: it needs at least %d characters", sys.minPassword)
	case errors.Is(err, krag.ErrPasswordTooLong):
		return fmt.Errorf("password too long: it may have at most %d characters", sys.maxPassword)
	}
	return fmt.Errorf("hash the password: %w", err)
}

// applyRoles gives u the roles named in refs (names or ids), each checked first so that an
// unknown one is named in the error.
func applyRoles(ctx context.Context, sys *system, u *krag.User, refs []string) error {
	for _, ref := range refs {
		if _, err := findRole(ctx, sys, ref); err != nil {
			return err
		}
	}
	if err := sys.rbac.ApplyRoles(ctx, u, refs); err != nil {
		if errors.Is(err, rbac.ErrRoleNotFound) || errors.Is(err, rbac.ErrInvalidRole) {
			return fmt.Errorf("%s; see krag roles list", kragMessage(err))
		}
		return fmt.Errorf("set roles: %w", err)
	}
	return nil
}

// roleList says which roles u holds: "role admin" or "roles admin, editor".
func roleList(u *krag.User) string {
	v, _ := rbac.RoleField.Get(u)
	names := splitList(v)
	switch len(names) {
	case 0:
		return "no role"
	case 1:
		return "role " + names[0]
	}
	return "roles " + strings.Join(names, ", ")
}

// findUser returns the user with the email address or id ref.
func findUser(ctx context.Context, sys *system, ref string) (*krag.User, error) {
	var u *krag.User
	var err error
	if strings.Contains(ref, "@") {
		u, err = sys.auth.FindUserByEmail(ctx, strings.ToLower(ref))
	} else {
		u, err = sys.auth.FindUserByID(ctx, ref)
	}
	if errors.Is(err, krag.ErrUserNotFound) {
		return nil, fmt.Errorf("user %q not found; see krag users list", ref)
	}
	if err != nil {
		return nil, fmt.Errorf("find user %q: %w", ref, err)
	}
	return u, nil
}

const usersListSynopsis = `List users, oldest first. --search matches part of the email address or the name;
--role keeps the users holding the role (by name or id).

Example:
  krag users list --search example.com --role admin
  krag users list --limit 0 --json`

// userRow is a user as krag users list --json prints it.
type userRow struct {
	ID            string     `json:"id"`
	Email         string     `json:"email"`
	Name          string     `json:"name"`
	EmailVerified bool       `json:"emailVerified"`
	Roles         []string   `json:"roles"`
	Banned        bool       `json:"banned"`
	BanReason     string     `json:"banReason,omitempty"`
	BanExpires    *time.Time `json:"banExpires,omitempty"`
	CreatedAt     time.Time  `json:"createdAt"`
}

func runUsersList(ctx context.Context, env *Env, args []string) error {
	fs := newCmdFlags(env, "users list", "[--search S] [--role R] [--limit N] [--json]", usersListSynopsis)
	database := databaseFlag(fs)
	search := fs.String("search", "", "show users whose email or name contains this")
	role := fs.String("role", "", "show users holding this role (name or id)")
	limit := fs.Int("limit", 100, "show at most this many users; 0 for all")
	asJSON := fs.Bool("json", false, `print {"users": [...], "total": N} (total counts every match, beyond --limit)`)
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if *limit < 0 {
		return fmt.Errorf("%w: --limit %d: want 0 (all) or more", errUsage, *limit)
	}
	sys, err := openSystem(ctx, env, *database)
	if err != nil {
		return err
	}
	defer sys.Close()
	var filter store.And
	if s := strings.TrimSpace(*search); s != "" {
		filter = append(filter, store.Or{
			store.Leaf{Field: "email", Op: store.Contains, Value: strings.ToLower(s)},
			store.Leaf{Field: "name", Op: store.Contains, Value: s},
		})
	}
	if *role != "" {
		r, err := findRole(ctx, sys, *role)
		if err != nil {
			return err
		}
		// user.role holds role names joined with commas; user.roleId the first one's id.
		field := rbac.RoleField.Name()
		filter = append(filter, store.Or{
			store.Leaf{Field: rbac.RoleIDField.Name(), Op: store.Eq, Value: r.ID},
			store.Leaf{Field: field, Op: store.Eq, Value: r.Name},
			store.Leaf{Field: field, Op: store.StartsWith, Value: r.Name + ","},
			store.Leaf{Field: field, Op: store.EndsWith, Value: "," + r.Name},
			store.Leaf{Field: field, Op: store.Contains, Value: "," + r.Name + ","},
		})
	}
	q := store.Query{Sort: []store.Sort{{Field: "createdAt"}, {Field: "id"}}, Limit: *limit}
	if len(filter) > 0 {
		q.Filter = filter
	}
	users, total, err := sys.auth.FindUsers(ctx, q)
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	rows := make([]userRow, len(users))
	for i, u := range users {
		rows[i] = userRow{ID: u.ID, Email: u.Email, Name: u.Name, EmailVerified: u.EmailVerified, CreatedAt: u.CreatedAt}
		v, _ := rbac.RoleField.Get(u)
		rows[i].Roles = nonNil(splitList(v))
		rows[i].Banned = sys.admin.Banned(u)
		if rows[i].Banned {
			rows[i].BanReason, _ = admin.BanReasonField.Get(u)
			if exp, ok := admin.BanExpiresField.Get(u); ok {
				rows[i].BanExpires = &exp
			}
		}
	}
	if *asJSON {
		return writeJSON(env.Stdout, struct {
			Users []userRow `json:"users"`
			Total int64     `json:"total"`
		}{rows, total})
	}
	tw := newTable(env.Stdout)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLES\tBANNED\tCREATED")
	for _, r := range rows {
		banned := "no"
		if r.Banned {
			banned = "yes"
			if r.BanExpires != nil {
				banned = "until " + r.BanExpires.UTC().Format(time.DateTime)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Email, orDash(r.Name), orDash(strings.Join(r.Roles, ",")),
			banned, r.CreatedAt.UTC().Format(time.DateTime))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if int64(len(rows)) < total {
		fmt.Fprintf(env.Stderr, "showing %d of %d users; use --limit 0 for all\n", len(rows), total)
	}
	return nil
}

const usersSetRoleSynopsis = `Replace USER's roles with the roles listed (names or ids, ignoring case; separated by
commas or given as several arguments). The first one is the user's main role (user.roleId).

Example:
  krag users set-role ada@example.com admin
  krag users set-role ada@example.com editor,user`

func runUsersSetRole(ctx context.Context, env *Env, args []string) error {
	fs := newCmdFlags(env, "users set-role", "USER ROLE[,ROLE...]", usersSetRoleSynopsis)
	database := databaseFlag(fs)
	pos, err := parseArgs(fs, args, "USER", "ROLE...")
	if err != nil {
		return err
	}
	var refs []string
	for _, p := range pos[1:] {
		refs = append(refs, splitList(p)...)
	}
	if len(refs) == 0 {
		return fmt.Errorf("%w: missing ROLE", errUsage)
	}
	sys, err := openSystem(ctx, env, *database)
	if err != nil {
		return err
	}
	defer sys.Close()
	u, err := findUser(ctx, sys, pos[0])
	if err != nil {
		return err
	}
	if err := applyRoles(ctx, sys, u, refs); err != nil {
		return err
	}
	if err := sys.auth.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("update user %s: %w", u.Email, err)
	}
	fmt.Fprintf(env.Stdout, "%s (id %s) now has %s\n", u.Email, u.ID, roleList(u))
	return nil
}

const usersBanSynopsis = `Ban USER: they cannot sign in and their sessions are deleted. Without --for the ban has no
end. A running krag serve may still accept a session it holds in its cookie cache until that
entry expires (KRAG_COOKIE_CACHE, 5 minutes by default).

Example:
  krag users ban spammer@example.com --reason "Spam" --for 72h`

func runUsersBan(ctx context.Context, env *Env, args []string) error {
	fs := newCmdFlags(env, "users ban", "USER [--reason R] [--for DURATION]", usersBanSynopsis)
	database := databaseFlag(fs)
	reason := fs.String("reason", "", `why, stored as banReason (default "No reason")`)
	lengthFlag := fs.String("for", "", "how long the ban lasts, as a Go duration such as 72h or 30m (default no end)")
	pos, err := parseArgs(fs, args, "USER")
	if err != nil {
		return err
	}
	var length time.Duration
	if *lengthFlag != "" {
		if length, err = time.ParseDuration(*lengthFlag); err != nil || length <= 0 {
			return fmt.Errorf("%w: --for %q: want a positive Go duration such as 72h or 30m, or leave it out for a ban without end", errUsage, *lengthFlag)
		}
	}
	sys, err := openSystem(ctx, env, *database)
	if err != nil {
		return err
	}
	defer sys.Close()
	u, err := findUser(ctx, sys, pos[0])
	if err != nil {
		return err
	}
	u, err = sys.admin.Ban(ctx, u.ID, admin.BanInput{Reason: *reason, ExpiresIn: length})
	if err != nil {
		return fmt.Errorf("ban %s: %w", pos[0], err)
	}
	until := "with no end"
	if exp, ok := admin.BanExpiresField.Get(u); ok {
		until = "until " + exp.UTC().Format(time.DateTime) + " UTC"
	}
	why, _ := admin.BanReasonField.Get(u)
	fmt.Fprintf(env.Stdout, "banned %s (id %s) %s, reason %q; their sessions were deleted\n", u.Email, u.ID, until, why)
	return nil
}

const usersUnbanSynopsis = `Lift USER's ban.

Example:
  krag users unban spammer@example.com`

func runUsersUnban(ctx context.Context, env *Env, args []string) error {
	fs := newCmdFlags(env, "users unban", "USER", usersUnbanSynopsis)
	database := databaseFlag(fs)
	pos, err := parseArgs(fs, args, "USER")
	if err != nil {
		return err
	}
	sys, err := openSystem(ctx, env, *database)
	if err != nil {
		return err
	}
	defer sys.Close()
	u, err := findUser(ctx, sys, pos[0])
	if err != nil {
		return err
	}
	if banned, _ := admin.BannedField.Get(u); !banned {
		fmt.Fprintf(env.Stdout, "%s (id %s) is not banned; nothing changed\n", u.Email, u.ID)
		return nil
	}
	if _, err := sys.admin.Unban(ctx, u.ID); err != nil {
		return fmt.Errorf("unban %s: %w", pos[0], err)
	}
	fmt.Fprintf(env.Stdout, "unbanned %s (id %s)\n", u.Email, u.ID)
	return nil
}
