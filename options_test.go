package krag_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/plugin/active"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store/sqlite"
)

func TestNewValidatesOptions(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "k.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	valid := func() krag.Options {
		return krag.Options{BaseURL: "https://app.example.com", Secret: strings.Repeat("s", 32), Database: db}
	}
	tests := []struct {
		name   string
		change func(*krag.Options)
		want   string // substring of the error; "" for success
	}{
		{"valid", func(*krag.Options) {}, ""},
		{"no_database", func(o *krag.Options) { o.Database = nil }, "Options.Database is required"},
		{"no_secret", func(o *krag.Options) { o.Secret = "" }, "BETTER_AUTH_SECRET"},
		{"short_secret", func(o *krag.Options) { o.Secret = "short" }, "at least 32 characters"},
		{"short_secret_dev", func(o *krag.Options) { o.Secret = "short"; o.Development = true }, ""},
		{"fallback_secret", func(o *krag.Options) { o.Secret = "better-auth-secret-12345678901234567890" }, "fallback secret"},
		{"no_base_url", func(o *krag.Options) { o.BaseURL = "" }, "Options.BaseURL is required"},
		{"no_base_url_dev", func(o *krag.Options) { o.BaseURL = ""; o.Development = true }, ""},
		{"relative_base_url", func(o *krag.Options) { o.BaseURL = "app.example.com" }, "absolute http or https URL"},
		{"base_path", func(o *krag.Options) { o.BasePath = "api/auth/" }, "Options.BasePath"},
		{"update_age", func(o *krag.Options) { o.Session.UpdateAge = 8 * 24 * time.Hour }, "UpdateAge must be less than"},
		{"password_lengths", func(o *krag.Options) {
			o.EmailAndPassword.MinPasswordLength = 20
			o.EmailAndPassword.MaxPasswordLength = 10
		}, "MinPasswordLength"},
		{"generate_id", func(o *krag.Options) { o.Advanced.Database.GenerateID = "serial" }, "GenerateID"},
		{"trusted_origin", func(o *krag.Options) { o.TrustedOrigins = []string{"not an origin"} }, "TrustedOrigins"},
		{"proxies", func(o *krag.Options) { o.Advanced.TrustedProxies = []string{"10.0.0.0/33"} }, "TrustedProxies"},
		{"field_twice", func(o *krag.Options) {
			o.User.AdditionalFields = []krag.AdditionalField{krag.StringField("nick"), krag.StringField("nick")}
		}, "declared twice"},
		{"core_field", func(o *krag.Options) {
			o.User.AdditionalFields = []krag.AdditionalField{krag.StringField("email")}
		}, "core field"},
		{"bad_field_name", func(o *krag.Options) {
			o.User.AdditionalFields = []krag.AdditionalField{krag.StringField("drop table")}
		}, "invalid field name"},
		{"unknown_field_rename", func(o *krag.Options) { o.User.FieldNames = map[string]string{"nope": "x"} }, `unknown field "nope"`},
		{"nil_plugin", func(o *krag.Options) { o.Plugins = []krag.Plugin{nil} }, "Options.Plugins[0] is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := valid()
			tt.change(&o)
			_, err := krag.New(o)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("New() = %v, want success", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "krag: ") {
				t.Errorf("New() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestSchemaNames(t *testing.T) {
	var o krag.Options
	o.Advanced.Database.UsePlural = true
	o.User.ModelName = "member"
	o.User.FieldNames = map[string]string{"email": "email_address"}
	o.User.AdditionalFields = []krag.AdditionalField{krag.StringField("firstName").Column("first_name")}
	s, err := krag.Schema(o)
	if err != nil {
		t.Fatal(err)
	}
	u := s.Table(schema.UserTable)
	if u.PhysicalName() != "members" || u.Field("email").ColumnName() != "email_address" || u.Field("firstName").ColumnName() != "first_name" {
		t.Errorf("user table %s, email %s, firstName %s", u.PhysicalName(), u.Field("email").ColumnName(), u.Field("firstName").ColumnName())
	}
	if got := s.Table(schema.SessionTable).PhysicalName(); got != "sessions" {
		t.Errorf("session table = %s, want sessions", got)
	}
	ddl := strings.Join(schema.SQLite.DDL(s), "\n")
	if !strings.Contains(ddl, `references "members" ("id") on delete cascade`) {
		t.Errorf("DDL does not reference the renamed user table:\n%s", ddl)
	}
}

// TestRenamedTablesWork runs sign-up and get-session on plural, renamed tables and columns.
func TestRenamedTablesWork(t *testing.T) {
	var o krag.Options
	o.Advanced.Database.UsePlural = true
	o.User.ModelName = "member"
	o.User.FieldNames = map[string]string{"email": "email_address", "emailVerified": "email_verified"}
	o.Session.FieldNames = map[string]string{"userId": "member_id", "expiresAt": "expires_at"}
	o.User.AdditionalFields = []krag.AdditionalField{krag.StringField("firstName").Column("first_name")}
	srv := kragtest.New(t, o)
	c := signUp(t, srv, "renamed@example.com")
	sd, err := c.GetSession(t.Context(), client.GetSessionOptions{DisableCookieCache: true})
	if err != nil || sd == nil || sd.User.Email != "renamed@example.com" {
		t.Fatalf("GetSession on renamed tables = %+v, %v", sd, err)
	}
	var n int
	d := srv.DB.Dialect()
	q := "select count(*) from " + d.Quote("members") + " where " + d.Quote("email_address") + " = 'renamed@example.com'"
	if err := srv.DB.SQL().QueryRow(q).Scan(&n); err != nil || n != 1 {
		t.Errorf("row in members.email_address: %d, %v", n, err)
	}
}

// TestSchemaAfterNewKeepsPlugins: collecting the schema again (krag generate, migrations) must
// not disturb the plugins of a running Auth.
func TestSchemaAfterNewKeepsPlugins(t *testing.T) {
	act := active.New()
	srv := kragtest.New(t, krag.Options{Plugins: []krag.Plugin{act}})
	c := signUp(t, srv, "keep@example.com")
	sd, _ := c.GetSession(t.Context(), client.GetSessionOptions{})
	if _, err := krag.Schema(krag.Options{Plugins: []krag.Plugin{act}}); err != nil {
		t.Fatal(err)
	}
	if err := act.SetActive(t.Context(), sd.User.ID, false); err != nil {
		t.Fatalf("SetActive after Schema = %v", err)
	}
}
