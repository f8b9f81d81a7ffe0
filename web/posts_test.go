package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/web"
	"github.com/kragauth/krag/web/posts"
)

// write stores a post by u through the Go API, a minute after the previous one (so lists,
// newest first, have one order).
func (s *testSite) write(t *testing.T, u *krag.User, title string, published bool) *posts.Post {
	t.Helper()
	s.Clock.Advance(time.Minute)
	p, err := s.Sys.Posts.Create(t.Context(), u, posts.Input{Title: title, Body: "About " + title, Published: published})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// listed returns the titles of the posts /posts shows, in order.
func listed(p *response) []string {
	return regexpAll(`<h3 class="item-title">([^<]*)</h3>`, p.Body)
}

// TestPostsFollowPermissions: each user's list is what their read rules allow, and the edit
// and delete buttons what their rules allow on each post: users their own posts, the Editor
// every post (deleting only their own), the Admin everything.
func TestPostsFollowPermissions(t *testing.T) {
	s := newDemoSite(t)
	ada := s.addUser(t, "Ada", "ada@example.com", rbac.UserRole)
	bob := s.addUser(t, "Bob", "bob@example.com", rbac.UserRole)
	ed := s.addUser(t, "Ed", "ed@example.com", posts.EditorRole)
	s.addUser(t, "Root", "root@example.com", rbac.AdminRole)
	adaPublished := s.write(t, ada, "Ada published", true)
	adaDraft := s.write(t, ada, "Ada draft", false)
	bobDraft := s.write(t, bob, "Bob draft", false)
	edPublished := s.write(t, ed, "Ed published", true)

	tests := []struct {
		email            string
		see              []string
		editable, delete []string
	}{
		{"ada@example.com", []string{"Ed published", "Ada draft", "Ada published"}, []string{adaDraft.ID, adaPublished.ID}, []string{adaDraft.ID, adaPublished.ID}},
		{"bob@example.com", []string{"Ed published", "Bob draft", "Ada published"}, []string{bobDraft.ID}, []string{bobDraft.ID}},
		{"ed@example.com", []string{"Ed published", "Bob draft", "Ada draft", "Ada published"},
			[]string{edPublished.ID, bobDraft.ID, adaDraft.ID, adaPublished.ID}, []string{edPublished.ID}},
		{"root@example.com", []string{"Ed published", "Bob draft", "Ada draft", "Ada published"},
			[]string{edPublished.ID, bobDraft.ID, adaDraft.ID, adaPublished.ID}, []string{edPublished.ID, bobDraft.ID, adaDraft.ID, adaPublished.ID}},
	}
	for _, tt := range tests {
		t.Run(strings.Split(tt.email, "@")[0], func(t *testing.T) {
			c := s.signedIn(t, tt.email)
			p := c.get("/posts")
			wantPage(t, "posts of "+tt.email, p, http.StatusOK, "/posts")
			if got := listed(p); !slices.Equal(got, tt.see) {
				t.Errorf("%s sees %q, want %q", tt.email, got, tt.see)
			}
			if got := regexpAll(`href="/posts/([^/"]+)/edit"`, p.Body); !slices.Equal(got, tt.editable) {
				t.Errorf("%s may edit %q, want %q", tt.email, got, tt.editable)
			}
			if got := regexpAll(`action="/posts/([^/"]+)/delete"`, p.Body); !slices.Equal(got, tt.delete) {
				t.Errorf("%s may delete %q, want %q", tt.email, got, tt.delete)
			}
			if !p.has(`action="/posts"`) {
				t.Errorf("%s is not offered the new-post form", tt.email)
			}
		})
	}

	// What the list hides is not reachable by its address, and what it shows without an edit
	// button cannot be edited.
	c := s.signedIn(t, "bob@example.com")
	refusals := []struct {
		name, method, path string
		status             int
	}{
		{"edit_unreadable", "GET", "/posts/" + adaDraft.ID + "/edit", http.StatusNotFound},
		{"update_unreadable", "POST", "/posts/" + adaDraft.ID, http.StatusNotFound},
		{"delete_unreadable", "POST", "/posts/" + adaDraft.ID + "/delete", http.StatusNotFound},
		{"edit_others", "GET", "/posts/" + adaPublished.ID + "/edit", http.StatusForbidden},
		{"update_others", "POST", "/posts/" + adaPublished.ID, http.StatusForbidden},
		{"delete_others", "POST", "/posts/" + adaPublished.ID + "/delete", http.StatusForbidden},
		{"missing", "GET", "/posts/no-such-post/edit", http.StatusNotFound},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			var p *response
			if tt.method == "GET" {
				p = c.get(tt.path)
			} else {
				p = c.post(tt.path, url.Values{"title": {"Taken over"}})
			}
			wantPage(t, tt.name, p, tt.status, tt.path)
		})
	}
	for _, id := range []string{adaDraft.ID, adaPublished.ID} {
		if p, err := s.Sys.Posts.Post(t.Context(), id); err != nil || p.Title == "Taken over" {
			t.Errorf("post %s after refused forms: %+v %v", id, p, err)
		}
	}

	// A denial for one user alone, which the SQL filter applies too: Bob no longer reads
	// published posts, only his own.
	if err := s.Sys.RBAC.SetUserPermission(t.Context(), bob.ID, posts.PermReadPublished, true); err != nil {
		t.Fatal(err)
	}
	if got := listed(c.get("/posts")); !slices.Equal(got, []string{"Bob draft"}) {
		t.Errorf("with published posts denied, Bob sees %q", got)
	}
}

// TestPostsForms: create, edit and delete, with their errors.
func TestPostsForms(t *testing.T) {
	s := newDemoSite(t)
	ctx := t.Context()
	s.addUser(t, "Ada", "ada@example.com", rbac.UserRole)
	c := s.signedIn(t, "ada@example.com")

	tests := []struct {
		name, title, says string
	}{
		{"no_title", "  ", "Enter a title."},
		{"long_title", strings.Repeat("é", posts.MaxTitle+1), "Shorten the title to 200 characters or fewer."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.post("/posts", url.Values{"title": {tt.title}, "body": {"Kept <b>text</b>"}, "published": {"on"}})
			wantPage(t, "create "+tt.name, p, http.StatusBadRequest, "/posts")
			if !p.has(`<p class="field-error" id="new-post-title-error"><span class="visually-hidden">Error: </span>` + tt.says) {
				t.Errorf("create %s: the error is not next to the title", tt.name)
			}
			if !p.has(">Kept &lt;b&gt;text&lt;/b&gt;</textarea>") || !p.has(`id="new-post-published" name="published" value="on" checked`) {
				t.Errorf("create %s: the text or the published box was not kept", tt.name)
			}
		})
	}
	p := c.post("/posts", url.Values{"title": {" First post "}, "body": {"Hello"}})
	wantPage(t, "create", p, http.StatusOK, "/posts")
	if !p.has("The post is created.") || !slices.Equal(listed(p), []string{"First post"}) || !p.has(`<span class="badge badge-warn">Draft</span>`) {
		t.Fatalf("after creating, the list is %q", listed(p))
	}
	id := regexpAll(`href="/posts/([^/"]+)/edit"`, p.Body)[0]

	p = c.get("/posts/" + id + "/edit")
	wantPage(t, "edit page", p, http.StatusOK, "/posts/"+id+"/edit")
	if !p.has(`value="First post"`) || !p.has(">Hello</textarea>") {
		t.Error("the edit page does not show the post's values")
	}
	p = c.post("/posts/"+id, url.Values{"title": {""}, "body": {"Changed"}})
	wantPage(t, "update without a title", p, http.StatusBadRequest, "/posts/"+id)
	if !p.has(`id="post-title-error"`) || !p.has(">Changed</textarea>") {
		t.Error("update without a title: no error next to the title, or the text was lost")
	}
	p = c.post("/posts/"+id, url.Values{"title": {"First post, edited"}, "body": {"Changed"}, "published": {"on"}})
	wantPage(t, "update", p, http.StatusOK, "/posts")
	if got, _ := s.Sys.Posts.Post(ctx, id); got.Title != "First post, edited" || got.Body != "Changed" || !got.Published {
		t.Errorf("after update: %+v", got)
	}

	// A rule on the result: Ada may edit her posts but not publish one.
	ada := mustUser(t, s, "ada@example.com")
	if _, err := s.Sys.RBAC.CreatePermission(ctx, rbac.PermissionInput{Name: "post:no-publish", Resource: posts.Subject, Action: "update",
		Conditions: []byte(`{"published":true}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Sys.RBAC.SetUserPermission(ctx, ada.ID, "post:no-publish", true); err != nil {
		t.Fatal(err)
	}
	draft := s.write(t, ada, "Draft", false)
	p = c.post("/posts/"+draft.ID, url.Values{"title": {"Draft"}, "published": {"on"}})
	wantPage(t, "publish when not allowed", p, http.StatusForbidden, "/posts/"+draft.ID)
	if !p.has("your permissions don") {
		t.Error("a refused result does not say why")
	}
	if got, _ := s.Sys.Posts.Post(ctx, draft.ID); got.Published {
		t.Error("the refused update was saved")
	}

	p = c.post("/posts/"+id+"/delete", nil)
	wantPage(t, "delete", p, http.StatusOK, "/posts")
	if _, err := s.Sys.Posts.Post(ctx, id); err != posts.ErrNotFound {
		t.Errorf("after delete: %v", err)
	}

	// Without the create permission there is no form, and posting is refused.
	if err := s.Sys.RBAC.Revoke(ctx, rbac.UserRole, posts.PermCreate); err != nil {
		t.Fatal(err)
	}
	if p := c.get("/posts"); p.has(`action="/posts"`) {
		t.Error("the new-post form is offered without the create permission")
	}
	wantPage(t, "create without the permission", c.post("/posts", url.Values{"title": {"No"}}), http.StatusForbidden, "/posts")
}

// TestPostsSeed: the demo's roles and permissions are created once, by name, and seeding
// again keeps what an administrator changed.
func TestPostsSeed(t *testing.T) {
	s := newDemoSite(t)
	ctx := t.Context()
	rb := s.Sys.RBAC
	if err := rb.Revoke(ctx, rbac.UserRole, posts.PermDeleteOwn); err != nil {
		t.Fatal(err)
	}
	if _, err := rb.UpdateRole(ctx, posts.EditorRole, rbac.RoleUpdate{Description: ptr("Changed")}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.Sys.Seed(ctx); err != nil {
			t.Fatal(err)
		}
	}
	role, err := rb.Role(ctx, posts.EditorRole)
	if err != nil || role.Description != "Changed" || role.DisplayName != "Editor" {
		t.Errorf("editor role after seeding again: %+v %v", role, err)
	}
	names := func(role string) []string {
		list, err := rb.RolePermissions(ctx, role)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range list {
			out = append(out, a.Permission.Name)
		}
		slices.Sort(out)
		return out
	}
	if got, want := names(rbac.UserRole), []string{posts.PermCreate, posts.PermReadOwn, posts.PermReadPublished, posts.PermUpdateOwn}; !slices.Equal(got, want) {
		t.Errorf("user role's permissions = %q, want %q (the revoked one stays revoked)", got, want)
	}
	if got, want := names(posts.EditorRole), []string{posts.PermCreate, posts.PermDeleteOwn, posts.PermRead, posts.PermReadOwn,
		posts.PermReadPublished, posts.PermUpdate, posts.PermUpdateOwn}; !slices.Equal(got, want) {
		t.Errorf("editor role's permissions = %q, want %q", got, want)
	}
	perms, _ := rb.Permissions(ctx)
	count := 0
	for _, p := range perms {
		if strings.HasPrefix(p.Name, "post:") {
			count++
		}
	}
	if count != 7 {
		t.Errorf("%d post permissions after seeding three times, want 7", count)
	}
}

func ptr[T any](v T) *T { return &v }

// TestPostsRoutes: /posts is for signed-in users, linked from the header, and absent from a
// site built without Options.Posts.
func TestPostsRoutes(t *testing.T) {
	s := newDemoSite(t)
	s.addUser(t, "Ada", "ada@example.com", rbac.UserRole)
	c := s.signedIn(t, "ada@example.com")
	if p := c.get("/dashboard"); !p.has(`href="/posts"`) {
		t.Error("the header has no Posts link")
	}
	v := s.newClient(t)
	if p := v.get("/posts"); p.URL.Path != "/sign-in" || p.URL.Query().Get("next") != "/posts" {
		t.Errorf("signed out, /posts led to %s", p.URL)
	}
	// Without the demo's permissions nobody but admins may read posts: no link for the others.
	bare := newTestSite(t, siteOptions{})
	if _, err := bare.Auth.SignUpEmail(t.Context(), krag.SignUpInput{Name: "Bo", Email: "bo@example.com", Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	if p := bare.signedIn(t, "bo@example.com").get("/dashboard"); p.has(`href="/posts"`) {
		t.Error("a user without any right on posts has the Posts link")
	}
	h, err := web.New(web.Options{Auth: s.Auth, RBAC: s.Sys.RBAC, Admin: s.Sys.Admin})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/posts", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("without Options.Posts GET /posts = %d, want 404", rec.Code)
	}
}
