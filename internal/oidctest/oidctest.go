// Package oidctest runs a real OpenID Provider (mockoidc) on loopback for Krag's tests and the
// compat suite's compat/idp: discovery, JWKS, authorization with PKCE and nonce, a token
// endpoint and signed ID tokens. mockoidc keeps its sessions in plain maps, so the server
// runs its handlers one at a time.
package oidctest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/kragauth/krag/social"
)

// Server is a running OpenID Provider. The next authorization signs in the person queued with
// Queue, or mockoidc's default user.
type Server struct {
	m  *mockoidc.MockOIDC
	mu sync.Mutex
}

// New starts a provider on 127.0.0.1 with a random port; Close stops it.
func New() (*Server, error) {
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		return nil, fmt.Errorf("oidctest: %w", err)
	}
	s := &Server{m: m}
	err = m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			defer s.mu.Unlock()
			next.ServeHTTP(w, r)
		})
	})
	if err != nil {
		return nil, fmt.Errorf("oidctest: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("oidctest: %w", err)
	}
	if err := m.Start(ln, nil); err != nil {
		return nil, fmt.Errorf("oidctest: %w", err)
	}
	return s, nil
}

// Start is New for a test: the provider stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Close stops the provider.
func (s *Server) Close() error { return s.m.Shutdown() }

// Config returns the issuer and the client credentials the provider accepts.
func (s *Server) Config() *mockoidc.Config { return s.m.Config() }

// User is a person the provider signs in, with the OpenID profile claims mockoidc's own user
// lacks (name, given_name and family_name).
type User struct {
	Sub, Email, Name, Given, Family string
	EmailVerified                   bool
}

// ID implements mockoidc.User.
func (u *User) ID() string { return u.Sub }

// Userinfo implements mockoidc.User.
func (u *User) Userinfo([]string) ([]byte, error) {
	return json.Marshal(u.claims())
}

// Claims implements mockoidc.User.
func (u *User) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return &struct {
		*mockoidc.IDTokenClaims
		Email         string `json:"email,omitempty"`
		EmailVerified bool   `json:"email_verified"`
		Name          string `json:"name,omitempty"`
		GivenName     string `json:"given_name,omitempty"`
		FamilyName    string `json:"family_name,omitempty"`
	}{base, u.Email, u.EmailVerified, u.Name, u.Given, u.Family}, nil
}

func (u *User) claims() map[string]any {
	c := map[string]any{"sub": u.Sub, "email_verified": u.EmailVerified}
	for k, v := range map[string]string{"email": u.Email, "name": u.Name, "given_name": u.Given, "family_name": u.Family} {
		if v != "" {
			c[k] = v
		}
	}
	return c
}

// Queue makes the next authorization sign u in.
func (s *Server) Queue(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.QueueUser(&u)
}

// Fail makes the next call to any endpoint answer with an OAuth error.
func (s *Server) Fail(status int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.QueueError(&mockoidc.ServerError{Code: status, Error: code})
}

// Provider returns the provider as a Krag social provider with the given id.
func (s *Server) Provider(id string) (*social.OIDC, error) {
	cfg := s.Config()
	return social.NewOIDC(social.OIDCOptions{ID: id, Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret})
}
