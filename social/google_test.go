package social_test

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kragauth/krag/social"
)

// googleAt is Google pointed at mockoidc server s, with clock now.
func googleAt(t *testing.T, s *oidcServer, now time.Time, o social.GoogleOptions) *social.Google {
	t.Helper()
	if o.ClientID == "" {
		o.ClientID, o.ClientSecret = s.m.ClientID, s.m.ClientSecret
	}
	o.Issuer = s.m.Issuer()
	o.Now = func() time.Time { return now }
	g, err := social.NewGoogle(o)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGoogleAuthCodeURL compares the URL with the one Better Auth 1.7 was observed to
// build (shared/spec/better-auth-core.md §10.1), with mockoidc's endpoint in place of
// Google's.
func TestGoogleAuthCodeURL(t *testing.T) {
	s := startOIDC(t)
	tests := []struct {
		name  string
		opts  social.GoogleOptions
		req   social.AuthRequest
		query string
	}{
		{
			name: "observed",
			opts: social.GoogleOptions{ClientID: "gid", ClientSecret: "gs"},
			req: social.AuthRequest{
				State: "L_nk9", CodeChallenge: "Xq-_9", LoginHint: "a@b.c",
				RedirectURI: "http://localhost:3000/api/auth/callback/google",
			},
			query: "response_type=code&client_id=gid&state=L_nk9&scope=email+profile+openid" +
				"&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fapi%2Fauth%2Fcallback%2Fgoogle" +
				"&login_hint=a%40b.c&code_challenge_method=S256&code_challenge=Xq-_9&include_granted_scopes=true",
		},
		{
			name: "every_option",
			opts: social.GoogleOptions{
				ClientID: "gid", ClientSecret: "gs", HD: "example.com", AccessType: "offline",
				Prompt: "select_account consent", Display: "popup",
				Scopes: []string{"https://www.googleapis.com/auth/drive.readonly"},
			},
			req: social.AuthRequest{
				State: "st", CodeChallenge: "ch", Nonce: "n-1", RedirectURI: "https://app.example/cb",
				Scopes: []string{"openid", "extra"},
				Params: map[string]string{
					// Reserved: never override.
					"state": "evil", "nonce": "evil", "scope": "evil", "client_id": "evil",
					"redirect_uri": "evil", "response_type": "token", "code_challenge": "evil",
					"code_challenge_method": "plain",
					// Others replace in place or are added in key order.
					"access_type": "online", "include_granted_scopes": "false", "zz": "last", "foo": "a b~*",
				},
			},
			query: "response_type=code&client_id=gid&state=st" +
				"&scope=email+profile+openid+https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fdrive.readonly+extra" +
				"&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&display=popup&nonce=n-1&prompt=select_account+consent" +
				"&hd=example.com&access_type=online&code_challenge_method=S256&code_challenge=ch" +
				"&include_granted_scopes=false&foo=a+b%7E*&zz=last",
		},
		{
			name: "without_include_granted_scopes_or_defaults",
			opts: social.GoogleOptions{
				ClientID: "gid", ClientSecret: "gs", DisableIncludeGrantedScopes: true,
				DisableDefaultScope: true, Scopes: []string{"openid"},
			},
			req:   social.AuthRequest{State: "st", RedirectURI: "https://app.example/cb"},
			query: "response_type=code&client_id=gid&state=st&scope=openid&redirect_uri=https%3A%2F%2Fapp.example%2Fcb",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := googleAt(t, s, time.Now(), tt.opts)
			got, err := g.AuthCodeURL(t.Context(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if want := s.m.AuthorizationEndpoint() + "?" + tt.query; got != want {
				t.Errorf("AuthCodeURL =\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestGoogleHostedDomain checks HD against the verified token's hd claim, as Better Auth's
// isGoogleHostedDomainAllowed does.
func TestGoogleHostedDomain(t *testing.T) {
	s := startOIDC(t)
	now := time.Now()
	tests := []struct {
		name, hd, claim string
		ok              bool
	}{
		{"no_restriction", "", "", true},
		{"same_domain", "example.com", "example.com", true},
		{"other_domain", "example.com", "other.com", false},
		{"personal_account", "example.com", "", false},
		{"any_domain", "*", "other.com", true},
		{"any_domain_personal_account", "*", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := googleAt(t, s, now, social.GoogleOptions{HD: tt.hd})
			c := s.claims(now, "u-1", "")
			if tt.claim != "" {
				c["hd"] = tt.claim
			}
			_, err := g.VerifyIDToken(t.Context(), s.sign(t, c), "")
			if tt.ok && err != nil {
				t.Errorf("VerifyIDToken(hd %q) = %v, want accepted", tt.claim, err)
			}
			if !tt.ok {
				wantKind(t, "VerifyIDToken", err, social.ErrInvalidToken)
			}
		})
	}
}

// TestGoogleTokenRules covers what Google adds to OpenID Connect's rules: the scheme-less
// issuer, the one-hour maximum age, RS256 only. The generic OIDC provider is the contrast.
func TestGoogleTokenRules(t *testing.T) {
	s := startOIDC(t)
	now := time.Now()
	g := googleAt(t, s, now, social.GoogleOptions{})
	o, err := social.NewOIDC(social.OIDCOptions{ID: "mock", Issuer: s.m.Issuer(), ClientID: s.m.ClientID, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	schemeless := s.claims(now, "u-1", "")
	schemeless["iss"] = strings.TrimPrefix(s.m.Issuer(), "http://")
	old := s.claims(now, "u-1", "")
	old["iat"] = now.Add(-2 * time.Hour).Unix()
	tests := []struct {
		name             string
		token            string
		googleOK, oidcOK bool
	}{
		{"schemeless_issuer", s.sign(t, schemeless), true, false},
		{"older_than_an_hour", s.sign(t, old), false, true},
		{"rs512", s.signWith(t, jwt.SigningMethodRS512, s.m.Keypair.PrivateKey, s.claims(now, "u-1", "")), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				p  social.IDTokenVerifier
				ok bool
			}{{g, tt.googleOK}, {o, tt.oidcOK}} {
				_, err := c.p.VerifyIDToken(t.Context(), tt.token, "")
				if c.ok && err != nil {
					t.Errorf("%T.VerifyIDToken = %v, want accepted", c.p, err)
				}
				if !c.ok {
					wantKind(t, "VerifyIDToken", err, social.ErrInvalidToken)
				}
			}
		})
	}
}

func TestNewGoogle(t *testing.T) {
	tests := []struct {
		name       string
		opts       social.GoogleOptions
		wantErr    string
		wantIssuer string
	}{
		{"defaults", social.GoogleOptions{ClientID: "i", ClientSecret: "s"}, "", social.GoogleIssuer},
		{"schemeless_issuer", social.GoogleOptions{ClientID: "i", ClientSecret: "s", Issuer: "accounts.google.com"}, "", social.GoogleIssuer},
		{"no_client_id", social.GoogleOptions{ClientSecret: "s"}, "GoogleOptions.ClientID", ""},
		{"no_client_secret", social.GoogleOptions{ClientID: "i"}, "GoogleOptions.ClientSecret", ""},
		{"bad_issuer", social.GoogleOptions{ClientID: "i", ClientSecret: "s", Issuer: "ftp://x"}, "GoogleOptions.Issuer", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := social.NewGoogle(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewGoogle = %v, want an error naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g.Issuer() != tt.wantIssuer || g.ID() != "google" {
				t.Errorf("Issuer(), ID() = %q, %q, want %q, google", g.Issuer(), g.ID(), tt.wantIssuer)
			}
		})
	}
}
