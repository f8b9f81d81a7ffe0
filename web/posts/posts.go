// Package posts is the demo resource of Krag's pages (package web): a table of posts that
// users write, guarded by the permissions engine rather than by code. Who may read, create,
// edit and delete which post is data in plugin/rbac, as CASL rules on the subject "Post":
// users edit their own posts ({"authorId":"${user.id}"}), an Editor role edits all of them, the
// Admin role manages everything.
//
// The list a user sees comes from the database already filtered: the user's ability for
// "read" on "Post" becomes a store filter (access/filter), so the query returns exactly the
// rows the ability allows, whatever the rules say. Actions on one post are checked against
// that post (access.Of).
//
//	posts := posts.New(posts.Options{RBAC: rb})
//	opts.Plugins = append(opts.Plugins, rb, posts) // declares the posts table
//	…
//	err := posts.Seed(ctx) // the Editor role and the post permissions, when missing
//
// The table is the seed's "posts" (id, title, body, published, author_id, created_at,
// updated_at); deleting a user deletes their posts.
package posts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/access"
	"github.com/kragauth/krag/access/filter"
	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

// Table is the logical name of the posts table; its physical name is "posts".
const Table = "post"

// Subject is the subject type of posts in permissions ("Post", the seed's name).
const Subject = "Post"

// MaxTitle is the longest title, in characters.
const MaxTitle = 200

// ErrNotFound is returned for a post that does not exist.
var ErrNotFound = errors.New("posts: post not found")

// Post is a row of the posts table. Its JSON names are the table's logical field names, which
// permissions' conditions use ({"authorId": "${user.id}"}, {"published": true}).
type Post struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Published bool      `json:"published"`
	AuthorID  string    `json:"authorId"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// SubjectType implements access.Typed: a *Post is a "Post" to the ability engine.
func (p *Post) SubjectType() string { return Subject }

// Options configures the plugin.
type Options struct {
	// RBAC is the rbac plugin of the same Auth, for Seed. Required.
	RBAC *rbac.Plugin
}

// Plugin declares the posts table and is the Go API over it. Build it with New and list it
// in krag.Options.Plugins after RBAC; it belongs to one Auth and is safe for concurrent use.
type Plugin struct {
	opts Options
	auth *krag.Auth
}

// New returns the plugin.
func New(o Options) *Plugin { return &Plugin{opts: o} }

// ID implements krag.Plugin.
func (p *Plugin) ID() string { return "posts" }

// Init implements krag.Plugin: it declares the posts table.
func (p *Plugin) Init(s *krag.Setup) error {
	if p.opts.RBAC == nil {
		return errors.New("posts: Options.RBAC is required")
	}
	if a := s.Auth(); a != nil {
		p.auth = a
	}
	s.Table(TableSchema())
	return nil
}

// TableSchema returns the posts table as the plugin declares it.
func TableSchema() schema.Table {
	date := func(name, column string) schema.Field {
		return schema.Field{Name: name, Column: column, Type: schema.Date, Required: true, DefaultNow: true}
	}
	return schema.Table{Name: Table, Physical: "posts", Fields: []schema.Field{
		{Name: "id", Type: schema.String, Required: true},
		{Name: "title", Type: schema.String, Required: true},
		{Name: "body", Type: schema.String},
		{Name: "published", Type: schema.Boolean, Required: true, Default: false},
		{Name: "authorId", Column: "author_id", Type: schema.String, Required: true, Index: true,
			References: &schema.Reference{Table: schema.UserTable, Field: "id", OnDelete: "cascade"}},
		date("createdAt", "created_at"),
		date("updatedAt", "updated_at"),
	}}
}

// Input is what a writer gives for a new or changed post.
type Input struct {
	Title, Body string
	Published   bool
}

// ValidationError says which field of an Input is wrong and why, as a sentence.
type ValidationError struct {
	Field, Message string
}

// Error returns the field and the message.
func (e *ValidationError) Error() string { return "posts: " + e.Field + ": " + e.Message }

// Validate trims in and checks it: a title of 1 to MaxTitle characters. The error is a
// *ValidationError.
func (in *Input) Validate() error {
	in.Title = strings.TrimSpace(in.Title)
	in.Body = strings.TrimSpace(in.Body)
	switch n := len([]rune(in.Title)); {
	case n == 0:
		return &ValidationError{Field: "title", Message: "Enter a title."}
	case n > MaxTitle:
		return &ValidationError{Field: "title", Message: fmt.Sprintf("Shorten the title to %d characters or fewer.", MaxTitle)}
	}
	return nil
}

// Draft returns the post Create would store for author and in, unsaved, without an id: for
// checking the ability on it before Create.
func (p *Plugin) Draft(author *krag.User, in Input) *Post {
	now := store.Time(p.auth.Now())
	return &Post{Title: in.Title, Body: in.Body, Published: in.Published, AuthorID: author.ID, CreatedAt: now, UpdatedAt: now}
}

// Create validates in and stores a new post by author. It checks no permission: callers ask
// the ability first (see Draft).
func (p *Plugin) Create(ctx context.Context, author *krag.User, in Input) (*Post, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	post := p.Draft(author, in)
	post.ID = p.auth.NewID()
	if err := p.auth.Store().Create(ctx, Table, record(post)); err != nil {
		return nil, fmt.Errorf("posts: create: %w", err)
	}
	return post, nil
}

// Post returns the post with id, or ErrNotFound.
func (p *Plugin) Post(ctx context.Context, id string) (*Post, error) {
	rec, err := p.auth.Store().FindOne(ctx, Table, []store.Where{{Field: "id", Op: store.Eq, Value: id, Exact: true}})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("posts: find %s: %w", id, err)
	}
	return fromRecord(rec), nil
}

// Update validates in and writes it over the post. It checks no permission.
func (p *Plugin) Update(ctx context.Context, post *Post, in Input) error {
	if err := in.Validate(); err != nil {
		return err
	}
	post.Title, post.Body, post.Published = in.Title, in.Body, in.Published
	post.UpdatedAt = store.Time(p.auth.Now())
	n, err := p.auth.Store().Update(ctx, Table, []store.Where{{Field: "id", Op: store.Eq, Value: post.ID, Exact: true}},
		store.Record{"title": post.Title, "body": nullable(post.Body), "published": post.Published, "updatedAt": post.UpdatedAt})
	if err != nil {
		return fmt.Errorf("posts: update %s: %w", post.ID, err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// Delete deletes the post. It checks no permission.
func (p *Plugin) Delete(ctx context.Context, id string) error {
	n, err := p.auth.Store().Delete(ctx, Table, []store.Where{{Field: "id", Op: store.Eq, Value: id, Exact: true}})
	if err != nil {
		return fmt.Errorf("posts: delete %s: %w", id, err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// Accessible returns the posts on which ab allows action, newest first, at most limit (0 for
// all): one query whose WHERE clause is the ability's rules for action on "Post"
// (filter.For), so the database returns what Ability.Check would allow row by row. The
// filter's Untranslatable lists the conditions that had no SQL form and were left out, which
// only ever hides rows.
func (p *Plugin) Accessible(ctx context.Context, ab *access.Ability, action string, limit int) ([]*Post, filter.Result, error) {
	f := filter.For(ab, action, Subject, p.auth.Schema().Table(Table))
	recs, err := p.auth.Store().FindMany(ctx, Table, store.Query{Filter: f.Expr, Limit: limit,
		Sort: []store.Sort{{Field: "createdAt", Desc: true}, {Field: "id"}}})
	if err != nil {
		return nil, f, fmt.Errorf("posts: list: %w", err)
	}
	out := make([]*Post, len(recs))
	for i, rec := range recs {
		out[i] = fromRecord(rec)
	}
	return out, f, nil
}

func record(post *Post) store.Record {
	return store.Record{"id": post.ID, "title": post.Title, "body": nullable(post.Body), "published": post.Published,
		"authorId": post.AuthorID, "createdAt": post.CreatedAt, "updatedAt": post.UpdatedAt}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func fromRecord(rec store.Record) *Post {
	str := func(k string) string { s, _ := rec[k].(string); return s }
	tm := func(k string) time.Time { t, _ := rec[k].(time.Time); return t }
	post := &Post{ID: str("id"), Title: str("title"), Body: str("body"), AuthorID: str("authorId"),
		CreatedAt: tm("createdAt"), UpdatedAt: tm("updatedAt")}
	switch v := rec["published"].(type) {
	case bool:
		post.Published = v
	case int64:
		post.Published = v != 0
	}
	return post
}
