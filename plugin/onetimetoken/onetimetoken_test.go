package onetimetoken_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/plugin/onetimetoken"
)

const password = "password-123"

var tokenForm = regexp.MustCompile(`^[A-Za-z0-9_-]{32}$`)

func start(t *testing.T, o onetimetoken.Options) (*kragtest.Server, *onetimetoken.Plugin) {
	t.Helper()
	p := onetimetoken.New(o)
	return kragtest.New(t, krag.Options{Plugins: []krag.Plugin{p}}), p
}

// signedIn returns a client signed in as a new user, and the session token.
func signedIn(t *testing.T, srv *kragtest.Server, email string) (*client.Client, string) {
	t.Helper()
	c := srv.Client(t)
	res, err := c.SignUpEmail(t.Context(), client.SignUp{Name: "N", Email: email, Password: password})
	if err != nil {
		t.Fatalf("sign up %s: %v", email, err)
	}
	if res.Token == nil {
		t.Fatalf("sign up %s: no token", email)
	}
	return c, *res.Token
}

func generate(t *testing.T, c *client.Client) string {
	t.Helper()
	var out struct{ Token string }
	if _, err := c.Do(t.Context(), "GET", "/one-time-token/generate", nil, &out); err != nil {
		t.Fatalf("generate: %v", err)
	}
	if !tokenForm.MatchString(out.Token) {
		t.Fatalf("generate = %q, want 32 characters of [A-Za-z0-9_-]", out.Token)
	}
	return out.Token
}

// verify posts token from a fresh client without cookies and returns the raw answer.
func verify(t *testing.T, srv *kragtest.Server, body string) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", srv.URL+"/api/auth/one-time-token/verify", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", srv.URL)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

func tokenBody(tok string) string { return `{"token":"` + tok + `"}` }

func wantMessage(t *testing.T, status int, body []byte, msg string) {
	t.Helper()
	if want := `{"message":"` + msg + `"}`; status != 400 || string(body) != want {
		t.Errorf("verify = %d %s, want 400 %s", status, body, want)
	}
}

func sessionCookie(h http.Header) string {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "better-auth.session_token" {
			return c.Value
		}
	}
	return ""
}

func TestGenerateAndVerify(t *testing.T) {
	srv, _ := start(t, onetimetoken.Options{})
	c, sessTok := signedIn(t, srv, "ada@example.com")
	ott := generate(t, c)

	// Stored hashed, as Better Auth's storeToken "hashed".
	sum := sha256.Sum256([]byte(ott))
	if _, err := srv.Auth.FindVerification(t.Context(), "one-time-token:"+base64.RawURLEncoding.EncodeToString(sum[:])); err != nil {
		t.Errorf("hashed verification row: %v", err)
	}
	if v, err := srv.Auth.FindVerification(t.Context(), "one-time-token:"+ott); err == nil {
		t.Errorf("plain verification row found: %+v", v)
	}

	status, body, h := verify(t, srv, tokenBody(ott))
	var out struct {
		Session struct{ Token, UserID string }
		User    struct{ Email string }
	}
	if status != 200 || json.Unmarshal(body, &out) != nil {
		t.Fatalf("verify = %d %s, want 200", status, body)
	}
	if out.Session.Token != sessTok || out.User.Email != "ada@example.com" {
		t.Errorf("verify = %s, want ada's session %s", body, sessTok)
	}
	if got, want := sessionCookie(h), srv.Auth.SignedCookieValue(sessTok); got != want {
		t.Errorf("verify session cookie = %q, want %q", got, want)
	}

	// Single use.
	status, body, h = verify(t, srv, tokenBody(ott))
	wantMessage(t, status, body, "Invalid token")
	if sessionCookie(h) != "" {
		t.Errorf("replayed verify set a session cookie")
	}
}

func TestVerifyFailures(t *testing.T) {
	srv, _ := start(t, onetimetoken.Options{})
	c, _ := signedIn(t, srv, "ada@example.com")

	t.Run("generate_needs_session", func(t *testing.T) {
		_, err := srv.Client(t).Do(t.Context(), "GET", "/one-time-token/generate", nil, nil)
		var ce *client.Error
		if !errors.As(err, &ce) || ce.Status != 401 || ce.Code != "UNAUTHORIZED" {
			t.Errorf("generate without a session = %v, want 401 UNAUTHORIZED", err)
		}
	})
	t.Run("wrong_token", func(t *testing.T) {
		generate(t, c)
		status, body, _ := verify(t, srv, tokenBody("abcdefghijklmnopqrstuvwxyzABCDEF"))
		wantMessage(t, status, body, "Invalid token")
	})
	t.Run("expired", func(t *testing.T) {
		ott := generate(t, c)
		srv.Clock.Advance(3*time.Minute + time.Second)
		status, body, _ := verify(t, srv, tokenBody(ott))
		wantMessage(t, status, body, "Invalid token")
	})
	t.Run("just_before_expiry", func(t *testing.T) {
		ott := generate(t, c)
		srv.Clock.Advance(3*time.Minute - time.Second)
		if status, body, _ := verify(t, srv, tokenBody(ott)); status != 200 {
			t.Errorf("verify 1 s before expiry = %d %s, want 200", status, body)
		}
	})
	t.Run("session_signed_out", func(t *testing.T) {
		c2, tok2 := signedIn(t, srv, "bob@example.com")
		ott := generate(t, c2)
		if err := srv.Auth.SignOut(t.Context(), tok2); err != nil {
			t.Fatal(err)
		}
		status, body, h := verify(t, srv, tokenBody(ott))
		wantMessage(t, status, body, "Session not found")
		if sessionCookie(h) != "" {
			t.Errorf("verify of a signed-out session set a cookie")
		}
	})
	t.Run("missing_token", func(t *testing.T) {
		status, body, _ := verify(t, srv, `{}`)
		if status != 400 || !strings.Contains(string(body), `"code":"VALIDATION_ERROR"`) || !strings.Contains(string(body), "[body.token]") {
			t.Errorf("verify {} = %d %s, want 400 VALIDATION_ERROR on body.token", status, body)
		}
	})
	t.Run("token_not_a_string", func(t *testing.T) {
		status, body, _ := verify(t, srv, `{"token":42}`)
		if status != 400 || !strings.Contains(string(body), `"code":"VALIDATION_ERROR"`) {
			t.Errorf("verify {token:42} = %d %s, want 400 VALIDATION_ERROR", status, body)
		}
	})
}

func TestVerifyOnce(t *testing.T) {
	srv, p := start(t, onetimetoken.Options{})
	_, sessTok := signedIn(t, srv, "ada@example.com")
	ott, err := p.Generate(t.Context(), sessTok)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 8 {
		wg.Go(func() {
			sd, err := p.Verify(t.Context(), ott)
			if err == nil && sd.Session.Token == sessTok {
				mu.Lock()
				ok++
				mu.Unlock()
			} else if !errors.Is(err, onetimetoken.ErrInvalidToken) {
				t.Errorf("Verify = %v, want ErrInvalidToken", err)
			}
		})
	}
	wg.Wait()
	if ok != 1 {
		t.Errorf("%d concurrent verifications succeeded, want 1", ok)
	}
}

func TestOptions(t *testing.T) {
	t.Run("disable_client_request", func(t *testing.T) {
		srv, p := start(t, onetimetoken.Options{DisableClientRequest: true})
		c, sessTok := signedIn(t, srv, "ada@example.com")
		resp, err := c.Do(t.Context(), "GET", "/one-time-token/generate", nil, nil)
		var ce *client.Error
		if !errors.As(err, &ce) || ce.Status != 400 || ce.Message != "Client requests are disabled" || ce.Code != "" {
			t.Errorf("generate = %v %v, want 400 Client requests are disabled", resp, err)
		}
		if _, err := p.Generate(t.Context(), sessTok); err != nil {
			t.Errorf("Generate from Go = %v", err)
		}
	})
	t.Run("disable_set_session_cookie", func(t *testing.T) {
		srv, _ := start(t, onetimetoken.Options{DisableSetSessionCookie: true})
		c, _ := signedIn(t, srv, "ada@example.com")
		status, body, h := verify(t, srv, tokenBody(generate(t, c)))
		if status != 200 || sessionCookie(h) != "" {
			t.Errorf("verify = %d %s, cookie %q; want 200 without a cookie", status, body, sessionCookie(h))
		}
	})
	t.Run("store_plain_tokens_and_expiry", func(t *testing.T) {
		srv, _ := start(t, onetimetoken.Options{StorePlainTokens: true, ExpiresIn: time.Minute})
		c, _ := signedIn(t, srv, "ada@example.com")
		ott := generate(t, c)
		v, err := srv.Auth.FindVerification(t.Context(), "one-time-token:"+ott)
		if err != nil {
			t.Fatalf("plain verification row: %v", err)
		}
		if d := v.ExpiresAt.Sub(v.CreatedAt); d != time.Minute {
			t.Errorf("row lives %v, want 1m", d)
		}
	})
	t.Run("set_ott_header", func(t *testing.T) {
		srv, _ := start(t, onetimetoken.Options{SetOTTHeaderOnNewSession: true})
		resp, err := srv.Client(t).Do(t.Context(), "POST", "/sign-up/email",
			map[string]string{"name": "N", "email": "ada@example.com", "password": password}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ott := resp.Header.Get("set-ott")
		if !tokenForm.MatchString(ott) || resp.Header.Get("Access-Control-Expose-Headers") != "set-ott" {
			t.Fatalf("sign-up headers %v, want set-ott exposed", resp.Header)
		}
		if status, body, _ := verify(t, srv, tokenBody(ott)); status != 200 {
			t.Errorf("verify set-ott token = %d %s", status, body)
		}
	})
}
