package krag_test

import (
	"database/sql"
	"net/http"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/internal/fixture"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/passhash"
	"github.com/kragauth/krag/plugin/active"
	"github.com/kragauth/krag/store/sqlite"
)

// TestServeBetterAuthDatabase serves the database a real Better Auth 1.7.25 wrote: its users
// sign in with their passwords, a live session cookie signed by Better Auth keeps working, and
// the inactive and password-less users are refused.
func TestServeBetterAuthDatabase(t *testing.T) {
	f := fixture.Load(t)
	path := fixture.CopyDB(t)
	alice := f.User(t, "alice@fixture.test")

	// Keep alice's session alive whatever day the test runs.
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	future := time.Now().UTC().Add(3 * 24 * time.Hour).Format("2006-01-02T15:04:05.000Z")
	if _, err := raw.Exec(`update session set expiresAt = ? where token = ?`, future, alice.Session.Token); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	opts := krag.Options{Secret: f.Secret, Database: db, Plugins: []krag.Plugin{active.New()}}
	opts.User.AdditionalFields = []krag.AdditionalField{
		krag.IntField("roleId").ReadOnly(), krag.StringField("phoneNumber"),
		krag.StringField("firstName"), krag.StringField("lastName"),
	}
	opts.Advanced.Database.GenerateID = "uuid"
	opts.RateLimit.Disabled = true
	// Better Auth's hashes have the full scrypt cost, whatever kragtest picks under -race.
	opts.EmailAndPassword.Hasher = passhash.NewScrypt(0)
	sch, err := krag.Schema(opts)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := db.Migrate(t.Context(), sch)
	if err != nil {
		t.Fatalf("migrate the Better Auth database: %v", err)
	}
	if len(steps) != 0 {
		t.Errorf("migrate added %v to a database that already has the seed's fields", steps)
	}
	srv := kragtest.New(t, opts)

	tests := []struct {
		email, password string
		code            string
	}{
		{"admin@compat.test", "admin-password-123", ""},
		{"alice@fixture.test", "alice-Passw0rd!", ""},
		{"bob@fixture.test", "bob-Passw0rd!", ""},
		{"carol@fixture.test", "carol-Passw0rd!", ""}, // two-factor is not enforced until the plugin lands
		{"erin@fixture.test", "erin-Passw0rd!", ""},
		{"erin@fixture.test", "erin-OldPassw0rd!", "INVALID_EMAIL_OR_PASSWORD"},
		{"frank@fixture.test", "frank-Passw0rd!", "USER_INACTIVE"},
		{"frank@fixture.test", "wrong-Passw0rd!", "INVALID_EMAIL_OR_PASSWORD"},
		{"grace@fixture.test", "any-Passw0rd!", "INVALID_EMAIL_OR_PASSWORD"},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			_, err := srv.Client(t).SignInEmail(t.Context(), client.SignIn{Email: tt.email, Password: tt.password})
			if got := client.CodeOf(err); got != tt.code || (tt.code == "" && err != nil) {
				t.Errorf("SignInEmail(%s) = %v, want code %q", tt.email, err, tt.code)
			}
		})
	}

	t.Run("alice_session_cookie", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
		req.AddCookie(&http.Cookie{Name: "better-auth.session_token", Value: alice.Session.SignedCookieValue, Quoted: false})
		sd, err := srv.Auth.GetSession(t.Context(), req)
		if err != nil || sd == nil {
			t.Fatalf("GetSession(alice's Better Auth cookie) = %v, %v", sd, err)
		}
		if sd.User.ID != alice.ID {
			t.Errorf("session user = %s, want %s", sd.User.ID, alice.ID)
		}
		first, _ := krag.StringField("firstName").Get(sd.User)
		roleID, _ := krag.IntField("roleId").Get(sd.User)
		if first != alice.FirstName || alice.RoleID == nil || roleID != *alice.RoleID {
			t.Errorf("alice's fields = %q, %d, want %q, %v", first, roleID, alice.FirstName, alice.RoleID)
		}
	})

	t.Run("unknown_cookie", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
		req.Header.Set("Cookie", "better-auth.session_token="+srv.Auth.SignedCookieValue("NoSuchSessionToken0123456789abcd"))
		if sd, err := srv.Auth.GetSession(t.Context(), req); sd != nil || err != nil {
			t.Errorf("GetSession(unknown token) = %v, %v", sd, err)
		}
	})
}
