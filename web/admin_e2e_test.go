package web_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/web/posts"
)

// postTitles returns the titles the tab's /posts lists, in order.
func (tb *tab) postTitles() []string {
	tb.t.Helper()
	tb.open("/posts")
	s := tb.eval(`[...document.querySelectorAll("#posts .item-title")].map(e => e.textContent).join("|")`)
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}

// readsEveryPost reports whether the tab's dashboard lists an unconditional "read Post".
func (tb *tab) readsEveryPost() bool {
	tb.t.Helper()
	tb.open("/dashboard")
	return tb.eval(`String([...document.querySelectorAll("#permissions tbody tr")].some(tr =>
		tr.querySelector("[data-label=Action]").textContent === "read" &&
		tr.querySelector("[data-label=Resource]").textContent === "Post" &&
		tr.querySelector("[data-label='Only when']").textContent === "always"))`) == "true"
}

// TestBrowserAdminGrantChangesUser: an administrator finds a user, gives them a permission from
// their admin page, and the user's dashboard and /posts change at their next page view.
func TestBrowserAdminGrantChangesUser(t *testing.T) {
	s := newDemoSite(t)
	ada := s.addUser(t, "Ada", "ada@example.com", rbac.UserRole)
	s.addUser(t, "Bob", "bob@example.com", rbac.UserRole)
	s.addUser(t, "Root", "root@example.com", rbac.AdminRole)
	s.write(t, ada, "Ada published", true)
	s.write(t, ada, "Ada draft", false)

	user := newTab(t, s)
	user.signIn("bob@example.com", testPassword)
	if got := user.postTitles(); !slices.Equal(got, []string{"Ada published"}) {
		t.Fatalf("before the grant Bob's /posts lists %q, want only the published post", got)
	}
	if user.readsEveryPost() {
		t.Fatal("before the grant Bob's dashboard already lists read Post always")
	}

	admin := newTab(t, s)
	admin.signIn("root@example.com", testPassword)
	admin.open("/admin")
	admin.submit("#main a[href='/admin/users']")
	admin.fill("#search-q", "bob")
	admin.submit("#main form[role=search] button[type=submit]")
	if n := admin.eval(`String(document.querySelectorAll("#users tbody tr").length)`); n != "1" {
		t.Fatalf("searching bob lists %s users, want 1", n)
	}
	admin.submit("#users tbody a")
	if h := admin.text("h1"); h != "Bob Tester" {
		t.Fatalf("the user's page is %q", h)
	}
	admin.do(chromedp.SetValue(chromedp.CSS("#override-permission"), posts.PermRead))
	admin.submit("#main form[action$='/permissions'] button[type=submit]")
	if n := admin.text(".alert-success"); n != "The user's permission override is saved." {
		t.Errorf("notice after the grant = %q", n)
	}
	if item := admin.text("#overrides .item-title"); !strings.HasPrefix(item, posts.PermRead) {
		t.Errorf("the overrides list shows %q", item)
	}

	if !user.readsEveryPost() {
		t.Error("after the grant Bob's dashboard does not list read Post always")
	}
	if got := user.postTitles(); !slices.Equal(got, []string{"Ada draft", "Ada published"}) {
		t.Errorf("after the grant Bob's /posts lists %q, want the draft too", got)
	}

	// And back: removing the override hides the draft again.
	admin.submit("#overrides form button[type=submit]")
	if got := user.postTitles(); !slices.Equal(got, []string{"Ada published"}) {
		t.Errorf("after removing the override Bob's /posts lists %q", got)
	}
}
