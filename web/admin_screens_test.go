package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/internal/app"
	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/web/posts"
)

// shootAdminAndPosts writes the admin pages and /posts into dir, as TestScreenshots does for
// the other pages (which calls it), on a site of their own: a month of sign-ups and sign-ins
// for the chart, a few users, posts and an override.
func shootAdminAndPosts(t *testing.T, dir string) {
	s := newDemoSite(t)
	ctx := t.Context()
	names := []string{"Ada Lovelace", "Alan Turing", "Barbara Liskov", "Claude Shannon", "Donald Knuth", "Edsger Dijkstra",
		"Frances Allen", "Grace Hopper", "John Backus", "Ken Thompson", "Leslie Lamport", "Margaret Hamilton", "Niklaus Wirth",
		"Radia Perlman", "Tony Hoare"}
	// A month, one day at a time: a few sign-ups (each signs in too) and more sign-ins.
	var users []*krag.User
	for day := range 30 {
		if day%2 == 0 && len(users) < len(names) {
			n := names[len(users)]
			first, last, _ := strings.Cut(n, " ")
			res, err := s.Auth.SignUpEmail(ctx, krag.SignUpInput{Name: n, Email: emailOf(n), Password: testPassword,
				Set: func(u *krag.User) { app.FirstName.Set(u, first); app.LastName.Set(u, last) }})
			if err != nil {
				t.Fatal(err)
			}
			users = append(users, res.User)
		}
		for i := range (day*7)%5 + day/6 {
			u := users[(day+i)%len(users)]
			if _, err := s.Auth.SignInEmail(ctx, krag.SignInInput{Email: u.Email, Password: testPassword}); err != nil {
				t.Fatal(err)
			}
		}
		s.Clock.Advance(24 * time.Hour)
	}
	ada, alan, barbara := users[0], users[1], users[2]
	if _, err := s.Sys.RBAC.SetUserRoles(ctx, users[3].ID, []string{posts.EditorRole}); err != nil {
		t.Fatal(err)
	}
	if err := s.Sys.RBAC.SetUserPermission(ctx, alan.ID, posts.PermRead, false); err != nil {
		t.Fatal(err)
	}
	s.write(t, ada, "Notes on the Analytical Engine", true)
	s.write(t, alan, "On computable numbers", true)
	s.write(t, ada, "Diagram of the computation of Bernoulli numbers", false)
	s.write(t, barbara, "Data abstraction and hierarchy", true)
	s.addUser(t, "Root", "root@example.com", rbac.AdminRole)

	admin := newTab(t, s)
	admin.do(chromedp.EmulateViewport(1280, 800))
	admin.signIn("root@example.com", testPassword)
	admin.open("/admin")
	admin.shoot(dir, "admin")
	admin.open("/admin/users")
	admin.shoot(dir, "admin-users")
	admin.open("/admin/users/" + alan.ID)
	admin.shoot(dir, "admin-user")
	admin.open("/admin/roles")
	admin.shoot(dir, "admin-roles")
	admin.open("/admin/roles/" + posts.EditorRole)
	admin.shoot(dir, "admin-role")
	admin.open("/admin/permissions")
	admin.shoot(dir, "admin-permissions")
	admin.expectStatus("/admin/permissions")
	admin.fill("#new-permission-name", "comment:update-own", "#new-permission-action", "update", "#new-permission-resource", "Comment",
		"#new-permission-conditions", `{"authorId": {"$eq": "${user.id}"}, "locked": {"$like": true}}`)
	admin.submit("#main form[action='/admin/permissions'] button[type=submit]")
	if msg := admin.text("#new-permission-conditions-error"); msg == "" {
		t.Error("the invalid conditions' error is not next to the field")
	}
	admin.shoot(dir, "admin-permissions-error")
	perm, err := s.Sys.RBAC.Permission(ctx, posts.PermUpdateOwn)
	if err != nil {
		t.Fatal(err)
	}
	admin.open(fmt.Sprintf("/admin/permissions/%d", perm.ID))
	admin.shoot(dir, "admin-permission")
	admin.open("/admin/users/" + ada.ID)
	admin.submit("#main form[action$='/impersonate'] button[type=submit]")
	admin.shoot(dir, "admin-impersonating")
	admin.open("/posts")
	admin.shoot(dir, "posts-impersonating")
	admin.submit(".banner form button")

	user := newTab(t, s)
	user.do(chromedp.EmulateViewport(1280, 800))
	user.signIn(barbara.Email, testPassword)
	user.open("/posts")
	user.shoot(dir, "posts")
	user.expectStatus("/posts")
	user.submit("#main form[action='/posts'] button[type=submit]")
	user.shoot(dir, "posts-error")
	user.open("/posts")
	user.submit("#posts a[href$='/edit']")
	user.shoot(dir, "posts-edit")
	user.expectStatus("/admin")
	user.open("/admin")
	user.shoot(dir, "admin-forbidden")
}

// emailOf returns "ada.lovelace@example.com" for "Ada Lovelace".
func emailOf(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com"
}
