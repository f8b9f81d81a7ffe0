package social_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/kragauth/krag/social"
)

// TestOIDCUserInfoFallback signs in with an ID token that has no email (the token answer is
// rewritten) and checks that FetchUserInfo completes the profile from mockoidc's userinfo
// endpoint, and refuses an answer about another subject.
func TestOIDCUserInfoFallback(t *testing.T) {
	tests := []struct {
		name    string
		sub     string // of the rewritten ID token
		wantErr error
	}{
		{"same_subject", "u-2", nil},
		{"other_subject", "someone-else", social.ErrUserInfo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startOIDC(t)
			now := time.Now()
			p, err := social.NewOIDC(social.OIDCOptions{
				ID: "mock", Issuer: s.m.Issuer(), ClientID: s.m.ClientID, ClientSecret: s.m.ClientSecret,
				FetchUserInfo: true, Now: func() time.Time { return now },
			})
			if err != nil {
				t.Fatal(err)
			}
			s.queueUser(&mockoidc.MockUser{Subject: "u-2", Email: "bo@example.com", PreferredUsername: "bo"})
			c := s.claims(now, tt.sub, "n")
			delete(c, "email")
			delete(c, "email_verified")
			c["name"] = "Bo From Token"
			noEmail := s.sign(t, c)
			s.setTamper(func(a map[string]any) { a["id_token"] = noEmail })
			f := begin(t, p, "n")
			tok, err := f.exchange(t, p)
			if err != nil {
				t.Fatalf("Exchange = %v", err)
			}
			prof, err := p.Profile(t.Context(), tok, "n")
			if tt.wantErr != nil {
				wantKind(t, "Profile", err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Profile = %v", err)
			}
			if prof.ID != "u-2" || prof.Email != "bo@example.com" || prof.EmailVerified || prof.Name != "Bo From Token" {
				t.Errorf("Profile = %+v, want u-2 with the userinfo email, unverified, and the token's name", prof)
			}
			if prof.Raw["preferred_username"] != "bo" {
				t.Errorf("Profile.Raw = %v, want the userinfo claims added", prof.Raw)
			}
		})
	}
}

// TestOIDCScopes checks the default scopes and that openid is always asked for.
func TestOIDCScopes(t *testing.T) {
	s := startOIDC(t)
	tests := []struct {
		name   string
		scopes []string
		want   string
	}{
		{"default", nil, "openid email profile"},
		{"openid_added", []string{"email", "groups"}, "openid email groups"},
		{"as_given", []string{"email", "openid"}, "openid email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := social.NewOIDC(social.OIDCOptions{ID: "mock", Issuer: s.m.Issuer(), ClientID: "c", Scopes: tt.scopes})
			if err != nil {
				t.Fatal(err)
			}
			raw, err := p.AuthCodeURL(t.Context(), social.AuthRequest{State: "s", RedirectURI: "http://localhost/cb"})
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(raw)
			if got := u.Query().Get("scope"); got != tt.want {
				t.Errorf("scope = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewOIDC(t *testing.T) {
	ok := social.OIDCOptions{ID: "okta", Issuer: "https://login.example", ClientID: "c"}
	tests := []struct {
		name    string
		edit    func(o *social.OIDCOptions)
		wantErr string
	}{
		{"valid", func(*social.OIDCOptions) {}, ""},
		{"public_client", func(o *social.OIDCOptions) { o.ClientSecret = "" }, ""},
		{"no_id", func(o *social.OIDCOptions) { o.ID = "" }, "OIDCOptions.ID"},
		{"credential_id", func(o *social.OIDCOptions) { o.ID = "credential" }, "OIDCOptions.ID"},
		{"slash_in_id", func(o *social.OIDCOptions) { o.ID = "a/b" }, "OIDCOptions.ID"},
		{"no_issuer", func(o *social.OIDCOptions) { o.Issuer = "" }, "OIDCOptions.Issuer"},
		{"relative_issuer", func(o *social.OIDCOptions) { o.Issuer = "/login" }, "OIDCOptions.Issuer"},
		{"no_client_id", func(o *social.OIDCOptions) { o.ClientID = "" }, "OIDCOptions.ClientID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.edit(&o)
			p, err := social.NewOIDC(o)
			if tt.wantErr == "" {
				if err != nil || p.ID() != o.ID || p.Issuer() != o.Issuer {
					t.Errorf("NewOIDC = %v, %v", p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewOIDC = %v, want an error naming %s", err, tt.wantErr)
			}
		})
	}
}
