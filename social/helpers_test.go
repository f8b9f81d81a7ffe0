package social_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/kragauth/krag/social"
)

// oidcServer is a real mockoidc OpenID Provider on loopback. Its handlers run one at a
// time (mockoidc keeps sessions in plain maps), and token answers can be rewritten to
// tamper with what the provider under test receives.
type oidcServer struct {
	m *mockoidc.MockOIDC

	mu     sync.Mutex
	tamper func(answer map[string]any)
}

// startOIDC starts a mockoidc server for the test.
func startOIDC(t *testing.T) *oidcServer {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &oidcServer{m: m}
	err = m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if r.URL.Path != mockoidc.TokenEndpoint || s.tamper == nil {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var answer map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil || rec.Code != http.StatusOK {
				w.WriteHeader(rec.Code)
				w.Write(rec.Body.Bytes())
				return
			}
			s.tamper(answer)
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(answer)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return s
}

// setTamper rewrites every following token answer with f (nil: none).
func (s *oidcServer) setTamper(f func(answer map[string]any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tamper = f
}

// queueUser makes the next authorization sign in u.
func (s *oidcServer) queueUser(u *mockoidc.MockUser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.QueueUser(u)
}

// queueError makes the next call to any endpoint answer with the error.
func (s *oidcServer) queueError(e *mockoidc.ServerError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.QueueError(e)
}

// claims are an ID token's claims as mockoidc would issue them for sub at now, nonce n.
func (s *oidcServer) claims(now time.Time, sub, nonce string) jwt.MapClaims {
	c := jwt.MapClaims{
		"iss":            s.m.Issuer(),
		"aud":            s.m.ClientID,
		"sub":            sub,
		"iat":            now.Unix(),
		"exp":            now.Add(10 * time.Minute).Unix(),
		"email":          sub + "@example.com",
		"email_verified": true,
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	return c
}

// sign signs claims with the server's own key (RS256, its kid).
func (s *oidcServer) sign(t *testing.T, c jwt.MapClaims) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, err := s.m.Keypair.SignJWT(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// signWith signs claims with method and key under the server key's kid.
func (s *oidcServer) signWith(t *testing.T, method jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	s.mu.Lock()
	kid, err := s.m.Keypair.KeyID()
	s.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	tok := jwt.NewWithClaims(method, c)
	tok.Header["kid"] = kid
	out, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// authorize sends the browser's request to authURL without following the redirect and
// returns the code and state of the redirect back to the client.
func authorize(t *testing.T, authURL string) (code, state string) {
	t.Helper()
	c := &http.Client{
		Timeout:       5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		t.Fatalf("GET %s: status %d, want 302: %s", authURL, resp.StatusCode, b.String())
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query().Get("code"), loc.Query().Get("state")
}

// pkce returns a Better Auth-shaped verifier (128 characters of [A-Za-z0-9_-]) and its
// S256 challenge.
func pkce(t *testing.T) (verifier, challenge string) {
	t.Helper()
	b := make([]byte, 96)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// silentListener accepts connections and never answers them; its URL is returned.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// wantKind fails unless err is a *social.Error of kind.
func wantKind(t *testing.T, op string, err, kind error) *social.Error {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s = %v, want %v", op, err, kind)
	}
	var e *social.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s = %T, want *social.Error", op, err)
	}
	t.Logf("%s: %v", op, err)
	return e
}
