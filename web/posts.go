package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/kragauth/krag/access"
	"github.com/kragauth/krag/store"
	"github.com/kragauth/krag/web/posts"
)

// The demo resource: posts, guarded by permissions alone (package posts). The list is what the
// database returns for the user's "read" rules turned into SQL; every form is checked with the
// user's ability on the post itself. Served only with Options.Posts and Options.RBAC.
func (s *site) postsRoutes() {
	if s.opts.Posts == nil || s.opts.RBAC == nil {
		return
	}
	s.handle("GET /posts", s.signedIn(s.postsPage))
	s.handle("POST /posts", s.signedIn(s.createPost))
	s.handle("GET /posts/{id}/edit", s.signedIn(s.editPostPage))
	s.handle("POST /posts/{id}", s.signedIn(s.updatePost))
	s.handle("POST /posts/{id}/delete", s.signedIn(s.deletePost))
}

// showPosts tells the header whether to link to /posts: for users who may read or write some
// post.
func (s *site) showPosts(r *http.Request) bool {
	if s.opts.Posts == nil || s.opts.RBAC == nil || session(r) == nil {
		return false
	}
	ab, err := s.ability(r)
	return err == nil && (ab.Can("read", access.Type(posts.Subject)) || ab.Can("create", access.Type(posts.Subject)))
}

// postsShown bounds the list: the newest posts first.
const postsShown = 100

// postsData is the posts page's Data.
type postsData struct {
	// New is the form for a new post; nil when the user may not create posts.
	New   *form
	Posts []postView
	// Limited tells that more posts may exist than the postsShown listed.
	Limited bool
	// Partial tells that some read rules had no SQL form and were left out (fewer posts).
	Partial bool
}

// postView is one post as the list shows it, with what the user may do to it.
type postView struct {
	*posts.Post
	Author             string
	Mine               bool
	CanEdit, CanDelete bool
}

// postEditData is the edit page's Data.
type postEditData struct {
	Post      postView
	Form      *form
	CanDelete bool
}

func (s *site) postsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderPosts(w, r, http.StatusOK, nil)
}

// renderPosts shows the list; f is a failed new-post form, or nil for an empty one.
func (s *site) renderPosts(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	ctx := r.Context()
	sd := session(r)
	ab, err := s.opts.RBAC.Ability(ctx, sd.User.ID)
	if err != nil {
		return err
	}
	list, res, err := s.opts.Posts.Accessible(ctx, ab, "read", postsShown+1)
	if err != nil {
		return err
	}
	d := postsData{Partial: len(res.Untranslatable) > 0}
	if len(list) > postsShown {
		list, d.Limited = list[:postsShown], true
	}
	if d.Posts, err = s.postViews(r, ab, list); err != nil {
		return err
	}
	if ab.Can("create", access.Type(posts.Subject)) {
		d.New = f
		if d.New == nil {
			d.New = newForm("new-post", nil)
		}
	}
	v := view{Title: "Posts", Data: d}
	if f != nil {
		v.Error = f.Error
	}
	return s.render(w, r, status, "posts", v)
}

// postViews adds authors' names and the user's rights to posts.
func (s *site) postViews(r *http.Request, ab *access.Ability, list []*posts.Post) ([]postView, error) {
	sd := session(r)
	var ids []any
	seen := map[string]bool{}
	for _, p := range list {
		if !seen[p.AuthorID] {
			seen[p.AuthorID] = true
			ids = append(ids, p.AuthorID)
		}
	}
	names := map[string]string{}
	if len(ids) > 0 {
		users, _, err := s.auth.FindUsers(r.Context(), store.Query{Where: []store.Where{{Field: "id", Op: store.In, Value: ids}}})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			names[u.ID] = s.person(u).DisplayName()
		}
	}
	out := make([]postView, len(list))
	for i, p := range list {
		subj := access.Of(posts.Subject, p)
		out[i] = postView{Post: p, Author: names[p.AuthorID], Mine: p.AuthorID == sd.User.ID,
			CanEdit: ab.Can("update", subj), CanDelete: ab.Can("delete", subj)}
	}
	return out, nil
}

// postInput reads a post form.
func postInput(f *form) posts.Input {
	return posts.Input{Title: f.Value("title"), Body: f.Value("body"), Published: f.Checked("published")}
}

// checkPostInput validates in, recording the problem next to its field.
func checkPostInput(f *form, in *posts.Input) bool {
	err := in.Validate()
	var ve *posts.ValidationError
	if errors.As(err, &ve) {
		f.FieldError(ve.Field, ve.Message)
		f.Error = "Some fields need your attention."
		return false
	}
	return err == nil
}

func (s *site) createPost(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sd := session(r)
	f := postedForm("new-post", r)
	in := postInput(f)
	if !checkPostInput(f, &in) {
		return s.renderPosts(w, r, http.StatusBadRequest, f)
	}
	ab, err := s.opts.RBAC.Ability(ctx, sd.User.ID)
	if err != nil {
		return err
	}
	if !ab.Can("create", access.Of(posts.Subject, s.opts.Posts.Draft(sd.User, in))) {
		return errForbidden
	}
	if _, err := s.opts.Posts.Create(ctx, sd.User, in); err != nil {
		return err
	}
	return s.redirect(w, r, "/posts", "post-created")
}

// postFor loads the post of the request's {id} that the user may do action on: the 404 page
// for a post that does not exist or that the user may not read (its existence stays
// private), the 403 page when they may read it but not do action.
func (s *site) postFor(r *http.Request, action string) (*posts.Post, *access.Ability, error) {
	ctx := r.Context()
	p, err := s.opts.Posts.Post(ctx, r.PathValue("id"))
	if errors.Is(err, posts.ErrNotFound) {
		return nil, nil, errNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	ab, err := s.opts.RBAC.Ability(ctx, session(r).User.ID)
	if err != nil {
		return nil, nil, err
	}
	subj := access.Of(posts.Subject, p)
	if !ab.Can("read", subj) {
		return nil, nil, errNotFound
	}
	if !ab.Can(action, subj) {
		return nil, nil, errForbidden
	}
	return p, ab, nil
}

func (s *site) editPostPage(w http.ResponseWriter, r *http.Request) error {
	p, ab, err := s.postFor(r, "update")
	if err != nil {
		return err
	}
	f := newForm("post", url.Values{"title": {p.Title}, "body": {p.Body}})
	if p.Published {
		f.Values.Set("published", "on")
	}
	return s.renderEditPost(w, r, http.StatusOK, p, ab, f)
}

func (s *site) renderEditPost(w http.ResponseWriter, r *http.Request, status int, p *posts.Post, ab *access.Ability, f *form) error {
	views, err := s.postViews(r, ab, []*posts.Post{p})
	if err != nil {
		return err
	}
	return s.render(w, r, status, "posts-edit", view{Title: "Edit post", Error: f.Error,
		Data: postEditData{Post: views[0], Form: f, CanDelete: views[0].CanDelete}})
}

func (s *site) updatePost(w http.ResponseWriter, r *http.Request) error {
	p, ab, err := s.postFor(r, "update")
	if err != nil {
		return err
	}
	f := postedForm("post", r)
	in := postInput(f)
	if !checkPostInput(f, &in) {
		return s.renderEditPost(w, r, http.StatusBadRequest, p, ab, f)
	}
	// The post as it would be must be allowed too: a rule may let a user edit drafts only,
	// or not publish.
	after := *p
	after.Title, after.Body, after.Published = in.Title, in.Body, in.Published
	if !ab.Can("update", access.Of(posts.Subject, &after)) {
		f.Error = "You may not save the post like this: your permissions don't allow the result."
		return s.renderEditPost(w, r, http.StatusForbidden, p, ab, f)
	}
	if err := s.opts.Posts.Update(r.Context(), p, in); err != nil {
		if errors.Is(err, posts.ErrNotFound) {
			return errNotFound
		}
		return err
	}
	return s.redirect(w, r, "/posts", "post-saved")
}

func (s *site) deletePost(w http.ResponseWriter, r *http.Request) error {
	p, _, err := s.postFor(r, "delete")
	if err != nil {
		return err
	}
	if err := s.opts.Posts.Delete(r.Context(), p.ID); err != nil && !errors.Is(err, posts.ErrNotFound) {
		return err
	}
	return s.redirect(w, r, "/posts", "post-deleted")
}
