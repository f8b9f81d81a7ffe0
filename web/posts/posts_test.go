package posts_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/access"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/web/posts"
)

func TestInputValidate(t *testing.T) {
	tests := []struct {
		name, title, field string
	}{
		{"ok", "  A title ", ""},
		{"empty", " \t", "title"},
		{"longest", strings.Repeat("é", posts.MaxTitle), ""},
		{"too_long", strings.Repeat("é", posts.MaxTitle+1), "title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := posts.Input{Title: tt.title}
			err := in.Validate()
			var ve *posts.ValidationError
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("Validate(%q) = %v, want nil", tt.title, err)
			case tt.field != "" && (!errors.As(err, &ve) || ve.Field != tt.field):
				t.Errorf("Validate(%q) = %v, want a problem with %s", tt.title, err, tt.field)
			}
			if err == nil && in.Title != strings.TrimSpace(tt.title) {
				t.Errorf("Validate kept %q, want it trimmed", in.Title)
			}
		})
	}
}

// TestAccessibleMatchesCheck: the rows Accessible returns are exactly those Ability.Check
// allows, for rule lists with conditions, placeholders filled in and denials.
func TestAccessibleMatchesCheck(t *testing.T) {
	rb := rbac.New(rbac.Options{})
	ps := posts.New(posts.Options{RBAC: rb})
	srv := kragtest.New(t, krag.Options{Plugins: []krag.Plugin{rb, ps}})
	ctx := t.Context()
	var users []*krag.User
	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		res, err := srv.Auth.SignUpEmail(ctx, krag.SignUpInput{Name: email, Email: email, Password: "password-123"})
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, res.User)
	}
	var all []*posts.Post
	for i, u := range users {
		for j, published := range []bool{true, false} {
			p, err := ps.Create(ctx, u, posts.Input{Title: strings.Repeat("x", i+j+1), Published: published})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, p)
		}
	}
	me := users[0]
	tests := []struct {
		name  string
		rules string
	}{
		{"nothing", `[]`},
		{"everything", `[{"action":"read","subject":"Post"}]`},
		{"manage_all", `[{"action":"manage","subject":"all"}]`},
		{"published_or_own", `[{"action":"read","subject":"Post","conditions":{"published":true}},
			{"action":"read","subject":"Post","conditions":{"authorId":"${user.id}"}}]`},
		{"own_denied", `[{"action":"read","subject":"Post"},{"action":"read","subject":"Post","conditions":{"authorId":"${user.id}"},"inverted":true}]`},
		{"drafts_of_others", `[{"action":"read","subject":"Post","conditions":{"published":false,"authorId":{"$ne":"${user.id}"}}}]`},
		{"other_action", `[{"action":"update","subject":"Post"}]`},
		{"long_titles", `[{"action":"read","subject":"Post","conditions":{"title":{"$in":["xx","xxx"]}}}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rules []access.Rule
			if err := json.Unmarshal([]byte(tt.rules), &rules); err != nil {
				t.Fatal(err)
			}
			ab, err := access.New(rules, access.Options{Vars: map[string]any{"user": me.Attributes()}})
			if err != nil {
				t.Fatal(err)
			}
			got, res, err := ps.Accessible(ctx, ab, "read", 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Untranslatable) > 0 {
				t.Errorf("untranslatable: %v", res.Untranslatable)
			}
			var gotIDs, wantIDs []string
			for _, p := range got {
				gotIDs = append(gotIDs, p.ID)
			}
			for _, p := range all {
				if ab.Can("read", access.Of(posts.Subject, p)) {
					wantIDs = append(wantIDs, p.ID)
				}
			}
			slices.Sort(gotIDs)
			slices.Sort(wantIDs)
			t.Logf("%d of %d posts", len(wantIDs), len(all))
			if !slices.Equal(gotIDs, wantIDs) {
				t.Errorf("Accessible = %v, want the posts Check allows: %v", gotIDs, wantIDs)
			}
		})
	}
}
