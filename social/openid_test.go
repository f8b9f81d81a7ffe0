package social_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/kragauth/krag/social"
)

// Google and OIDC are providers that verify ID tokens and name their issuer.
var (
	_ openIDProvider = (*social.Google)(nil)
	_ openIDProvider = (*social.OIDC)(nil)
)

// openIDProvider is what Google and OIDC both are.
type openIDProvider interface {
	social.Provider
	social.IDTokenVerifier
	social.Issuer
}

// openIDCase is one OpenID Connect provider run through the suite against mockoidc.
type openIDCase struct {
	name string
	// make builds the provider for server s with clock now and client c (nil: default).
	make func(t *testing.T, s *oidcServer, now func() time.Time, c *http.Client) openIDProvider
	// wantScopes are the scopes reported when mockoidc names none.
	wantScopes []string
	// wantName is the profile name of the suite's user (mockoidc issues no name claim;
	// the OIDC case maps preferred_username).
	wantName string
}

var openIDCases = []openIDCase{
	{
		name: "google",
		make: func(t *testing.T, s *oidcServer, now func() time.Time, c *http.Client) openIDProvider {
			t.Helper()
			g, err := social.NewGoogle(social.GoogleOptions{
				ClientID: s.m.ClientID, ClientSecret: s.m.ClientSecret,
				Issuer: s.m.Issuer(), HTTPClient: c, Now: now,
			})
			if err != nil {
				t.Fatal(err)
			}
			return g
		},
		wantScopes: []string{"email", "profile", "openid"},
		wantName:   "",
	},
	{
		name: "oidc",
		make: func(t *testing.T, s *oidcServer, now func() time.Time, c *http.Client) openIDProvider {
			t.Helper()
			p, err := social.NewOIDC(social.OIDCOptions{
				ID: "mock", Issuer: s.m.Issuer(),
				ClientID: s.m.ClientID, ClientSecret: s.m.ClientSecret,
				Claims:     social.OIDCClaims{Name: "preferred_username"},
				HTTPClient: c, Now: now,
			})
			if err != nil {
				t.Fatal(err)
			}
			return p
		},
		wantScopes: []string{"openid", "email", "profile"},
		wantName:   "ada",
	},
}

// otherKey signs tokens that must not verify.
var otherKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// flow is one authorization through mockoidc, up to the code.
type flow struct {
	code, verifier, redirect string
}

// begin builds the authorization URL with PKCE and nonce, sends the browser there and
// takes the code from the redirect.
func begin(t *testing.T, p social.Provider, nonce string) flow {
	t.Helper()
	verifier, challenge := pkce(t)
	redirect := "http://localhost:3000/api/auth/callback/" + p.ID()
	u, err := p.AuthCodeURL(t.Context(), social.AuthRequest{
		State: "st-1", CodeChallenge: challenge, Nonce: nonce, RedirectURI: redirect,
	})
	if err != nil {
		t.Fatalf("AuthCodeURL = %v", err)
	}
	code, state := authorize(t, u)
	if state != "st-1" {
		t.Fatalf("state = %q, want st-1", state)
	}
	return flow{code: code, verifier: verifier, redirect: redirect}
}

// exchange trades the flow's code.
func (f flow) exchange(t *testing.T, p social.Provider) (*social.Tokens, error) {
	t.Helper()
	return p.Exchange(t.Context(), social.ExchangeRequest{Code: f.code, CodeVerifier: f.verifier, RedirectURI: f.redirect})
}

// TestOpenIDProviders runs Google (pointed at mockoidc) and OIDC through the same cases
// against a real mockoidc server: the full authorization code + PKCE + nonce flow and
// every way it must fail.
func TestOpenIDProviders(t *testing.T) {
	for _, pc := range openIDCases {
		t.Run(pc.name, func(t *testing.T) {
			t.Parallel()
			testOpenIDProvider(t, pc)
		})
	}
}

func testOpenIDProvider(t *testing.T, pc openIDCase) {
	setup := func(t *testing.T) (*oidcServer, openIDProvider, time.Time) {
		s := startOIDC(t)
		now := time.Now()
		return s, pc.make(t, s, func() time.Time { return now }, nil), now
	}

	t.Run("round_trip", func(t *testing.T) {
		s, p, _ := setup(t)
		s.queueUser(&mockoidc.MockUser{Subject: "u-1", Email: "ada@example.com", EmailVerified: true, PreferredUsername: "ada"})
		f := begin(t, p, "nonce-1")
		tok, err := f.exchange(t, p)
		if err != nil {
			t.Fatalf("Exchange = %v", err)
		}
		if tok.AccessToken == "" || tok.IDToken == "" || tok.RefreshToken == "" {
			t.Errorf("Exchange = %+v, want access, ID and refresh tokens", tok)
		}
		if !slices.Equal(tok.Scopes, pc.wantScopes) {
			t.Errorf("Scopes = %q, want %q (requested: mockoidc names none)", tok.Scopes, pc.wantScopes)
		}
		prof, err := p.Profile(t.Context(), tok, "nonce-1")
		if err != nil {
			t.Fatalf("Profile = %v", err)
		}
		if prof.ID != "u-1" || prof.Email != "ada@example.com" || !prof.EmailVerified || prof.Name != pc.wantName {
			t.Errorf("Profile = %+v, want u-1 ada@example.com verified %q", prof, pc.wantName)
		}
		if prof.Raw["preferred_username"] != "ada" || prof.Raw["nonce"] != "nonce-1" {
			t.Errorf("Profile.Raw = %v, want the ID token's claims", prof.Raw)
		}
		if p.Issuer() != s.m.Issuer() {
			t.Errorf("Issuer() = %q, want %q", p.Issuer(), s.m.Issuer())
		}
	})

	t.Run("profile_from_access_token", func(t *testing.T) {
		// account-info asks for the profile long after the ID token expired: the userinfo
		// endpoint answers instead.
		s, p, _ := setup(t)
		s.queueUser(&mockoidc.MockUser{Subject: "u-1", Email: "ada@example.com", EmailVerified: true, PreferredUsername: "ada"})
		tok, err := begin(t, p, "n").exchange(t, p)
		if err != nil {
			t.Fatalf("Exchange = %v", err)
		}
		prof, err := p.Profile(t.Context(), &social.Tokens{AccessToken: tok.AccessToken}, "")
		if err != nil {
			t.Fatalf("Profile(access token only) = %v", err)
		}
		if prof.ID != "u-1" || prof.Email != "ada@example.com" || prof.Name != pc.wantName || prof.Raw["preferred_username"] != "ada" {
			t.Errorf("Profile(access token only) = %+v, want mockoidc's userinfo answer", prof)
		}
		_, err = p.Profile(t.Context(), &social.Tokens{AccessToken: tok.AccessToken}, "n")
		wantKind(t, "Profile(access token only, with a nonce)", err, social.ErrInvalidToken)
		_, err = p.Profile(t.Context(), &social.Tokens{AccessToken: "forged"}, "")
		wantKind(t, "Profile(forged access token)", err, social.ErrUserInfo)
	})

	t.Run("round_trip_without_nonce", func(t *testing.T) {
		_, p, _ := setup(t)
		f := begin(t, p, "")
		tok, err := f.exchange(t, p)
		if err != nil {
			t.Fatalf("Exchange = %v", err)
		}
		if _, err := p.Profile(t.Context(), tok, ""); err != nil {
			t.Fatalf("Profile = %v", err)
		}
	})

	t.Run("extra_scopes_reported", func(t *testing.T) {
		_, p, _ := setup(t)
		f := begin(t, p, "")
		tok, err := p.Exchange(t.Context(), social.ExchangeRequest{Code: f.code, CodeVerifier: f.verifier, RedirectURI: f.redirect, Scopes: []string{"groups"}})
		if err != nil {
			t.Fatalf("Exchange = %v", err)
		}
		if want := append(slices.Clone(pc.wantScopes), "groups"); !slices.Equal(tok.Scopes, want) {
			t.Errorf("Scopes = %q, want %q", tok.Scopes, want)
		}
	})

	t.Run("pkce_mismatch", func(t *testing.T) {
		_, p, _ := setup(t)
		f := begin(t, p, "")
		f.verifier, _ = pkce(t)
		_, err := f.exchange(t, p)
		e := wantKind(t, "Exchange", err, social.ErrInvalidCode)
		if e.Code != "invalid_grant" || e.Provider != p.ID() || e.Op != "exchange" {
			t.Errorf("Exchange error = %+v, want invalid_grant from %s's exchange", e, p.ID())
		}
	})

	t.Run("code_replayed", func(t *testing.T) {
		_, p, _ := setup(t)
		f := begin(t, p, "")
		if _, err := f.exchange(t, p); err != nil {
			t.Fatalf("first Exchange = %v", err)
		}
		_, err := f.exchange(t, p)
		wantKind(t, "second Exchange", err, social.ErrInvalidCode)
	})

	t.Run("code_unknown", func(t *testing.T) {
		_, p, _ := setup(t)
		f := begin(t, p, "")
		f.code = "no-such-code"
		_, err := f.exchange(t, p)
		wantKind(t, "Exchange", err, social.ErrInvalidCode)
	})

	t.Run("code_expired", func(t *testing.T) {
		s, p, _ := setup(t)
		f := begin(t, p, "")
		s.queueError(&mockoidc.ServerError{Code: http.StatusBadRequest, Error: "invalid_grant", Description: "Code expired"})
		_, err := f.exchange(t, p)
		e := wantKind(t, "Exchange", err, social.ErrInvalidCode)
		if e.Status != http.StatusBadRequest || e.Description != "Code expired" {
			t.Errorf("Exchange error = %+v, want status 400 and the provider's description", e)
		}
	})

	t.Run("token_endpoint_5xx", func(t *testing.T) {
		s, p, _ := setup(t)
		f := begin(t, p, "")
		s.queueError(&mockoidc.ServerError{Code: http.StatusServiceUnavailable, Error: "temporarily_unavailable"})
		_, err := f.exchange(t, p)
		e := wantKind(t, "Exchange", err, social.ErrUnreachable)
		if e.Status != http.StatusServiceUnavailable || e.Code != "temporarily_unavailable" {
			t.Errorf("Exchange error = %+v, want 503 temporarily_unavailable", e)
		}
	})

	// Tokens the provider under test receives from the token endpoint, rewritten.
	tampered := []struct {
		name  string
		token func(t *testing.T, s *oidcServer, now time.Time) string
	}{
		{"wrong_audience", func(t *testing.T, s *oidcServer, now time.Time) string {
			c := s.claims(now, "u-1", "n")
			c["aud"] = "someone-else"
			return s.sign(t, c)
		}},
		{"bad_signature", func(t *testing.T, s *oidcServer, now time.Time) string {
			return s.signWith(t, jwt.SigningMethodRS256, otherKey(), s.claims(now, "u-1", "n"))
		}},
		{"expired_id_token", func(t *testing.T, s *oidcServer, now time.Time) string {
			c := s.claims(now, "u-1", "n")
			c["iat"], c["exp"] = now.Add(-50*time.Minute).Unix(), now.Add(-40*time.Minute).Unix()
			return s.sign(t, c)
		}},
		{"wrong_issuer", func(t *testing.T, s *oidcServer, now time.Time) string {
			c := s.claims(now, "u-1", "n")
			c["iss"] = "https://evil.example"
			return s.sign(t, c)
		}},
		{"wrong_nonce", func(t *testing.T, s *oidcServer, now time.Time) string {
			return s.sign(t, s.claims(now, "u-1", "other-nonce"))
		}},
		{"no_nonce", func(t *testing.T, s *oidcServer, now time.Time) string {
			return s.sign(t, s.claims(now, "u-1", ""))
		}},
		{"issued_in_future", func(t *testing.T, s *oidcServer, now time.Time) string {
			c := s.claims(now, "u-1", "n")
			c["iat"] = now.Add(5 * time.Minute).Unix()
			return s.sign(t, c)
		}},
		{"not_yet_valid", func(t *testing.T, s *oidcServer, now time.Time) string {
			c := s.claims(now, "u-1", "n")
			c["nbf"] = now.Add(10 * time.Minute).Unix()
			return s.sign(t, c)
		}},
		{"no_exp", func(t *testing.T, s *oidcServer, now time.Time) string {
			c := s.claims(now, "u-1", "n")
			delete(c, "exp")
			return s.sign(t, c)
		}},
		{"no_iat", func(t *testing.T, s *oidcServer, now time.Time) string {
			c := s.claims(now, "u-1", "n")
			delete(c, "iat")
			return s.sign(t, c)
		}},
		{"no_sub", func(t *testing.T, s *oidcServer, now time.Time) string {
			c := s.claims(now, "u-1", "n")
			delete(c, "sub")
			return s.sign(t, c)
		}},
		{"alg_none", func(t *testing.T, s *oidcServer, now time.Time) string {
			return s.signWith(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, s.claims(now, "u-1", "n"))
		}},
		{"alg_hs256_with_client_secret", func(t *testing.T, s *oidcServer, now time.Time) string {
			return s.signWith(t, jwt.SigningMethodHS256, []byte(s.m.ClientSecret), s.claims(now, "u-1", "n"))
		}},
		{"json_serialization", func(t *testing.T, s *oidcServer, now time.Time) string {
			// A correctly signed token in JWS JSON serialisation: ID tokens are compact only.
			part := strings.Split(s.sign(t, s.claims(now, "u-1", "n")), ".")
			b, _ := json.Marshal(map[string]string{"protected": part[0], "payload": part[1], "signature": part[2]})
			return string(b)
		}},
		{"not_a_jwt", func(*testing.T, *oidcServer, time.Time) string { return "not.a.jwt" }},
		{"missing", func(*testing.T, *oidcServer, time.Time) string { return "" }},
	}
	for _, tt := range tampered {
		t.Run("profile_"+tt.name, func(t *testing.T) {
			s, p, now := setup(t)
			bad := tt.token(t, s, now)
			s.setTamper(func(a map[string]any) { a["id_token"] = bad })
			f := begin(t, p, "n")
			tok, err := f.exchange(t, p)
			if err != nil {
				t.Fatalf("Exchange = %v", err)
			}
			_, err = p.Profile(t.Context(), tok, "n")
			wantKind(t, "Profile", err, social.ErrInvalidToken)
		})
		t.Run("verify_"+tt.name, func(t *testing.T) {
			s, p, now := setup(t)
			_, err := p.VerifyIDToken(t.Context(), tt.token(t, s, now), "n")
			wantKind(t, "VerifyIDToken", err, social.ErrInvalidToken)
		})
	}

	t.Run("verify_id_token", func(t *testing.T) {
		s, p, now := setup(t)
		c := s.claims(now, "u-9", "n-9")
		c["preferred_username"] = "grace"
		c["picture"] = "https://img.example/g.png"
		c["given_name"], c["family_name"] = "Grace", "Hopper"
		prof, err := p.VerifyIDToken(t.Context(), s.sign(t, c), "n-9")
		if err != nil {
			t.Fatalf("VerifyIDToken = %v", err)
		}
		if prof.ID != "u-9" || prof.Email != "u-9@example.com" || !prof.EmailVerified ||
			prof.Image != "https://img.example/g.png" || prof.GivenName != "Grace" || prof.FamilyName != "Hopper" {
			t.Errorf("VerifyIDToken = %+v", prof)
		}
		// The nonce is checked only when one is given.
		if _, err := p.VerifyIDToken(t.Context(), s.sign(t, c), ""); err != nil {
			t.Errorf("VerifyIDToken without nonce = %v", err)
		}
	})

	t.Run("clock_skew_tolerated", func(t *testing.T) {
		s, p, now := setup(t)
		c := s.claims(now, "u-1", "")
		c["iat"], c["exp"] = now.Add(-20*time.Minute).Unix(), now.Add(-20*time.Second).Unix()
		if _, err := p.VerifyIDToken(t.Context(), s.sign(t, c), ""); err != nil {
			t.Errorf("VerifyIDToken(expired 20 s ago) = %v, want accepted (30 s skew)", err)
		}
		c["exp"] = now.Add(-31 * time.Second).Unix()
		_, err := p.VerifyIDToken(t.Context(), s.sign(t, c), "")
		wantKind(t, "VerifyIDToken(expired 31 s ago)", err, social.ErrInvalidToken)
	})

	t.Run("refresh", func(t *testing.T) {
		_, p, _ := setup(t)
		f := begin(t, p, "")
		tok, err := f.exchange(t, p)
		if err != nil {
			t.Fatalf("Exchange = %v", err)
		}
		fresh, err := p.Refresh(t.Context(), tok.RefreshToken)
		if err != nil {
			t.Fatalf("Refresh = %v", err)
		}
		if fresh.AccessToken == "" || fresh.RefreshToken != tok.RefreshToken || fresh.Scopes != nil {
			t.Errorf("Refresh = %+v, want a new access token, the refresh token kept, no scopes", fresh)
		}
		_, err = p.Refresh(t.Context(), "not-a-refresh-token")
		wantKind(t, "Refresh(bad token)", err, social.ErrInvalidCode)
	})

	t.Run("key_rotation", func(t *testing.T) {
		s := startOIDC(t)
		var (
			mu  sync.Mutex
			now = time.Now()
		)
		t0 := now
		at := func(d time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			now = t0.Add(d)
		}
		p := pc.make(t, s, func() time.Time { mu.Lock(); defer mu.Unlock(); return now }, nil)
		old := s.sign(t, s.claims(t0, "u-1", ""))
		if _, err := p.VerifyIDToken(t.Context(), old, ""); err != nil {
			t.Fatalf("VerifyIDToken(old key) = %v", err)
		}
		kp, err := mockoidc.NewKeypair(otherKey())
		if err != nil {
			t.Fatal(err)
		}
		s.mu.Lock()
		s.m.Keypair = kp // the provider now publishes (and signs with) only the new key
		s.mu.Unlock()
		fresh, err := kp.SignJWT(s.claims(t0, "u-1", ""))
		if err != nil {
			t.Fatal(err)
		}
		at(time.Second)
		_, err = p.VerifyIDToken(t.Context(), fresh, "")
		wantKind(t, "VerifyIDToken(new key, keys fetched 1 s ago)", err, social.ErrInvalidToken)
		at(11 * time.Second)
		if _, err := p.VerifyIDToken(t.Context(), fresh, ""); err != nil {
			t.Fatalf("VerifyIDToken(new key, 11 s later) = %v, want the keys fetched again", err)
		}
		at(12 * time.Second)
		_, err = p.VerifyIDToken(t.Context(), old, "")
		wantKind(t, "VerifyIDToken(withdrawn key)", err, social.ErrInvalidToken)
	})

	t.Run("concurrent_use", func(t *testing.T) {
		s, p, now := setup(t)
		tok := s.sign(t, s.claims(now, "u-1", ""))
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if _, err := p.VerifyIDToken(t.Context(), tok, ""); err != nil {
					t.Errorf("VerifyIDToken = %v", err)
				}
			})
		}
		wg.Wait()
	})

	t.Run("issuer_mismatch", func(t *testing.T) {
		// The discovery document must name the configured issuer exactly.
		s := startOIDC(t)
		var p social.Provider
		switch pc.name {
		case "google":
			p, _ = social.NewGoogle(social.GoogleOptions{ClientID: "c", ClientSecret: "s", Issuer: s.m.Issuer() + "/"})
		default:
			p, _ = social.NewOIDC(social.OIDCOptions{ID: "mock", ClientID: "c", Issuer: s.m.Issuer() + "/"})
		}
		_, err := p.AuthCodeURL(t.Context(), social.AuthRequest{State: "s", RedirectURI: "http://localhost/cb"})
		e := wantKind(t, "AuthCodeURL", err, social.ErrUnreachable)
		if e.Op != "discovery" {
			t.Errorf("AuthCodeURL error = %+v, want a discovery error", e)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		testUnreachable(t, pc)
	})
}

// testUnreachable points the provider at a listener that accepts connections and never
// answers: each call fails with ErrUnreachable once the client's timeout passes, and a
// cancelled context ends a call at once.
func testUnreachable(t *testing.T, pc openIDCase) {
	silent := silentListener(t)
	// A discovery document whose endpoints are the silent listener.
	disc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"issuer":                 "http://" + r.Host,
			"authorization_endpoint": silent + "/authorize",
			"token_endpoint":         silent + "/token",
			"jwks_uri":               silent + "/jwks",
			"userinfo_endpoint":      silent + "/userinfo",
		})
	}))
	t.Cleanup(disc.Close)
	client := &http.Client{Timeout: 100 * time.Millisecond}
	build := func(issuer string) openIDProvider {
		t.Helper()
		switch pc.name {
		case "google":
			p, err := social.NewGoogle(social.GoogleOptions{ClientID: "c", ClientSecret: "s", Issuer: issuer, HTTPClient: client})
			if err != nil {
				t.Fatal(err)
			}
			return p
		default:
			p, err := social.NewOIDC(social.OIDCOptions{ID: "mock", ClientID: "c", Issuer: issuer, HTTPClient: client})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	anyToken := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"sub": "x"})
	anyToken.Header["kid"] = "k"
	idToken, err := anyToken.SignedString(otherKey())
	if err != nil {
		t.Fatal(err)
	}
	authReq := social.AuthRequest{State: "s", RedirectURI: "http://localhost/cb"}
	exReq := social.ExchangeRequest{Code: "c", CodeVerifier: "v", RedirectURI: "http://localhost/cb"}

	tests := []struct {
		name string
		call func(ctx context.Context, p openIDProvider) error
		p    openIDProvider
		op   string
	}{
		{"discovery", func(ctx context.Context, p openIDProvider) error {
			_, err := p.AuthCodeURL(ctx, authReq)
			return err
		}, build(silent), "discovery"},
		{"token_endpoint", func(ctx context.Context, p openIDProvider) error {
			_, err := p.Exchange(ctx, exReq)
			return err
		}, build(disc.URL), "exchange"},
		{"token_endpoint_refresh", func(ctx context.Context, p openIDProvider) error {
			_, err := p.Refresh(ctx, "rt")
			return err
		}, build(disc.URL), "refresh"},
		{"keys", func(ctx context.Context, p openIDProvider) error {
			_, err := p.VerifyIDToken(ctx, idToken, "")
			return err
		}, build(disc.URL), "keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(t.Context(), tt.p)
			e := wantKind(t, tt.name, err, social.ErrUnreachable)
			if e.Op != tt.op || e.Provider != tt.p.ID() || e.URL == "" {
				t.Errorf("%s error = %+v, want op %q naming the provider and URL", tt.name, e, tt.op)
			}
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			err = tt.call(ctx, tt.p)
			wantKind(t, tt.name+" with a cancelled context", err, social.ErrUnreachable)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s with a cancelled context = %v, want context.Canceled too", tt.name, err)
			}
		})
	}
}
