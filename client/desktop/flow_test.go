package desktop_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client/desktop"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/plugin/bearer"
	"github.com/kragauth/krag/plugin/deviceauth"
	"github.com/kragauth/krag/plugin/electron"
)

// memStore is a Store in memory.
type memStore struct {
	mu  sync.Mutex
	tok string
}

func (m *memStore) Get() (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tok == "" {
		return "", desktop.ErrNoToken
	}
	return m.tok, nil
}

func (m *memStore) Set(t string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tok = t
	return nil
}

func (m *memStore) Delete() error    { return m.Set("") }
func (m *memStore) Describe() string { return "memory" }

// env is a Krag with the electron, bearer and device plugins, and one user.
type env struct {
	t      *testing.T
	srv    *kragtest.Server
	el     *electron.Plugin
	dev    *deviceauth.Plugin
	userID string
}

func start(t *testing.T) *env {
	t.Helper()
	e := &env{t: t}
	e.el = electron.New(electron.Options{Clients: []electron.Client{
		{ID: "test-app", Scheme: "krag-test", Loopback: true},
		{ID: "other-app", Scheme: "krag-other"},
	}})
	e.dev = deviceauth.New(deviceauth.Options{})
	o := krag.Options{Plugins: []krag.Plugin{e.el, bearer.New(bearer.Options{}), e.dev}}
	o.RateLimit.Disabled = true
	e.srv = kragtest.New(t, o)
	res, err := e.srv.Auth.SignUpEmail(t.Context(), krag.SignUpInput{Name: "Ada Lovelace", Email: "ada@example.com", Password: "password-123"})
	if err != nil {
		t.Fatal(err)
	}
	e.userID = res.User.ID
	return e
}

// app returns a desktop App of the client "test-app" whose browser is open.
func (e *env) app(open func(string) error) (*desktop.App, *memStore) {
	e.t.Helper()
	st := &memStore{}
	if open == nil {
		open = func(string) error { return nil }
	}
	a, err := desktop.New(desktop.Config{BaseURL: e.srv.URL, ClientID: "test-app", Scheme: "krag-test", Store: st,
		OpenBrowser: open, HTTPClient: e.srv.HTTP.Client()})
	if err != nil {
		e.t.Fatal(err)
	}
	return a, st
}

// approve plays the signed-in browser on the sign-in page: it issues the code the page
// would for the request in signInURL, for client (the URL's own when "").
func (e *env) approve(signInURL, client string) *electron.Grant {
	e.t.Helper()
	u, err := url.Parse(signInURL)
	if err != nil {
		e.t.Fatal(err)
	}
	req := electron.RequestFromQuery(u.Query())
	if client != "" {
		req.ClientID = client
		req.RedirectURI = ""
	}
	g, err := e.el.Issue(e.t.Context(), e.userID, req)
	if err != nil {
		e.t.Fatalf("issue for %s: %v", signInURL, err)
	}
	return g
}

func TestDeepLinkSignInAndOut(t *testing.T) {
	e := start(t)
	var opened string
	a, st := e.app(func(u string) error { opened = u; return nil })
	at, err := a.SignInDeepLink(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if opened != at.URL || !strings.HasPrefix(at.URL, e.srv.URL+"/desktop?") || at.RedirectURI != "krag-test://auth/callback" {
		t.Fatalf("opened %q, attempt %+v", opened, at)
	}
	g := e.approve(at.URL, "")
	if !strings.HasPrefix(g.RedirectURL, "krag-test://auth/callback#token=") {
		t.Fatalf("redirect = %q", g.RedirectURL)
	}
	s, err := a.HandleURL(t.Context(), g.RedirectURL)
	if err != nil {
		t.Fatal(err)
	}
	if s.Email != "ada@example.com" || s.Name != "Ada Lovelace" || s.UserID != e.userID || s.ExpiresAt.IsZero() {
		t.Fatalf("session = %+v", s)
	}
	tok, _ := st.Get()
	if !strings.Contains(tok, ".") {
		t.Errorf("stored token %q is not the signed form from set-auth-token", tok)
	}
	if got := kragtest.BearerEmail(t, e.srv.URL, tok); got != "ada@example.com" {
		t.Fatalf("get-session with the stored token = %q", got)
	}
	// The same link again: the sign-in is over.
	if _, err := a.HandleURL(t.Context(), g.RedirectURL); !errors.Is(err, desktop.ErrNoSignIn) {
		t.Errorf("replayed link: %v, want ErrNoSignIn", err)
	}
	if err := a.SignOut(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := kragtest.BearerEmail(t, e.srv.URL, tok); got != "" {
		t.Errorf("after SignOut the server still accepts the token (%q)", got)
	}
	if _, err := st.Get(); !errors.Is(err, desktop.ErrNoToken) {
		t.Errorf("after SignOut the store holds a token: %v", err)
	}
	if _, err := a.Current(t.Context()); !errors.Is(err, desktop.ErrSignedOut) {
		t.Errorf("Current after SignOut: %v", err)
	}
}

func TestLinksThatMustFail(t *testing.T) {
	e := start(t)
	a, st := e.app(nil)
	at, err := a.Begin("")
	if err != nil {
		t.Fatal(err)
	}
	g := e.approve(at.URL, "")

	// Wrong state: a link whose state this app never made (someone else's sign-in).
	forged := electron.EncodeToken(g.Code, "someone-elses-state")
	if _, err := a.HandleURL(t.Context(), "krag-test://auth/callback#token="+forged); !errors.Is(err, desktop.ErrNoSignIn) {
		t.Errorf("wrong state: %v, want ErrNoSignIn", err)
	}
	// Another app's scheme, and links without a token.
	for _, u := range []string{
		strings.Replace(g.RedirectURL, "krag-test:", "krag-other:", 1),
		"krag-test://auth/elsewhere#token=" + g.Token,
		"krag-test://auth/callback",
		"https://evil.example/auth/callback#token=" + g.Token,
		"::",
	} {
		if _, err := a.HandleURL(t.Context(), u); !errors.Is(err, desktop.ErrNotForThisApp) {
			t.Errorf("HandleURL(%q): %v, want ErrNotForThisApp", u, err)
		}
	}
	if _, err := a.CompleteCode(t.Context(), "not a code"); err == nil || errors.Is(err, desktop.ErrNoSignIn) {
		t.Errorf("garbage code: %v", err)
	}
	// None of that spent the real sign-in.
	if _, err := a.HandleURL(t.Context(), g.RedirectURL); err != nil {
		t.Fatalf("the real link after the bad ones: %v", err)
	}

	// An expired code: the app still waits, the server refuses.
	_ = a.ForgetSession()
	at, _ = a.Begin("")
	g = e.approve(at.URL, "")
	e.srv.Clock.Advance(electron.DefaultCodeExpiresIn + time.Second)
	_, err = a.HandleURL(t.Context(), g.RedirectURL)
	var he *desktop.HTTPError
	if !errors.As(err, &he) || he.Status != 404 || he.Code != "INVALID_TOKEN" {
		t.Errorf("expired code: %v, want 404 INVALID_TOKEN", err)
	}

	// A code issued to another app, with this app's state: the server refuses it to us.
	at, _ = a.Begin("")
	g = e.approve(at.URL, "other-app")
	_, err = a.CompleteCode(t.Context(), g.Token)
	if !errors.As(err, &he) || he.Code != "INVALID_CLIENT_ID" {
		t.Errorf("another app's code: %v, want INVALID_CLIENT_ID", err)
	}
	if _, err := st.Get(); !errors.Is(err, desktop.ErrNoToken) {
		t.Errorf("a failed sign-in stored a token: %v", err)
	}
}

func TestLoopback(t *testing.T) {
	e := start(t)
	var wg sync.WaitGroup
	defer wg.Wait()
	// The browser: a stray request first, then a link with a forged state, then the page's
	// redirect with the code.
	open := func(signIn string) error {
		wg.Go(func() {
			g := e.approve(signIn, "")
			u, _ := url.Parse(g.RedirectURL)
			for _, bad := range []string{
				"http://" + u.Host + "/favicon.ico",
				"http://" + u.Host + "/callback?token=" + electron.EncodeToken(g.Code, "forged"),
				"http://" + u.Host + "/callback?token=garbage",
			} {
				if res, err := http.Get(bad); err == nil {
					res.Body.Close()
					if res.StatusCode < 400 {
						t.Errorf("GET %s: %d, want an error page", bad, res.StatusCode)
					}
				}
			}
			res, err := http.Get(g.RedirectURL)
			if err != nil {
				t.Errorf("GET %s: %v", g.RedirectURL, err)
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || !strings.Contains(string(b), "signed in") {
				t.Errorf("loopback page: %d %s", res.StatusCode, b)
			}
		})
		return nil
	}
	a, st := e.app(open)
	var said []string
	s, err := a.SignInLoopback(t.Context(), desktop.LoopbackOptions{Progress: func(m string) { said = append(said, m) }})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := st.Get()
	if s.Email != "ada@example.com" || kragtest.BearerEmail(t, e.srv.URL, tok) != "ada@example.com" {
		t.Fatalf("session %+v; get-session %q", s, kragtest.BearerEmail(t, e.srv.URL, tok))
	}
	if len(said) == 0 {
		t.Error("no progress was reported")
	}
}

func TestLoopbackPaste(t *testing.T) {
	e := start(t)
	a, _ := e.app(func(string) error { t.Error("--no-browser opened a browser"); return nil })
	paste := make(chan string, 3)
	var signIn string
	progress := func(m string) {
		if i := strings.Index(m, e.srv.URL+"/desktop?"); i >= 0 && signIn == "" {
			signIn = strings.TrimSpace(m[i:])
			other, _ := a.Begin("") // another sign-in of the same app: its code must not complete this one
			paste <- "garbage"
			paste <- e.approve(other.URL, "").Token
			paste <- e.approve(signIn, "").Token
		}
	}
	s, err := a.SignInLoopback(t.Context(), desktop.LoopbackOptions{NoBrowser: true, Progress: progress, Paste: paste})
	if err != nil || s.Email != "ada@example.com" {
		t.Fatalf("paste: %+v %v", s, err)
	}
}

func TestLoopbackGivesUp(t *testing.T) {
	e := start(t)
	a, _ := e.app(nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := a.SignInLoopback(ctx, desktop.LoopbackOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
}

// deviceRun signs in with the device flow; decide runs at each poll with the poll's number
// and the user code. Each sleep advances the server's clock by advance(d).
func (e *env) deviceRun(a *desktop.App, advance func(d time.Duration) time.Duration, decide func(n int, code string)) (*desktop.Session, []time.Duration, []string, error) {
	var code string
	var sleeps []time.Duration
	var said []string
	n := 0
	s, err := a.SignInDevice(e.t.Context(), desktop.DeviceOptions{
		Show:     func(c desktop.DeviceCode) { code = c.UserCode },
		Progress: func(m string) { said = append(said, m) },
		Sleep: func(ctx context.Context, d time.Duration) error {
			sleeps = append(sleeps, d)
			e.srv.Clock.Advance(advance(d))
			n++
			decide(n, code)
			return nil
		},
	})
	return s, sleeps, said, err
}

func TestDeviceFlow(t *testing.T) {
	e := start(t)
	claim := func(code string) {
		if _, err := e.dev.Lookup(t.Context(), code, e.userID); err != nil {
			t.Fatalf("lookup %s: %v", code, err)
		}
	}
	full := func(d time.Duration) time.Duration { return d }

	t.Run("approve", func(t *testing.T) {
		a, st := e.app(nil)
		s, sleeps, _, err := e.deviceRun(a, full, func(n int, code string) {
			if n == 2 {
				claim(code)
				if err := e.dev.Approve(t.Context(), e.userID, code); err != nil {
					t.Fatal(err)
				}
			}
		})
		if err != nil || s.Email != "ada@example.com" {
			t.Fatalf("device approve: %+v %v", s, err)
		}
		if len(sleeps) != 2 {
			t.Errorf("polled %d times, want 2 (pending, then approved)", len(sleeps))
		}
		tok, _ := st.Get()
		if kragtest.BearerEmail(t, e.srv.URL, tok) != "ada@example.com" {
			t.Error("the device's token is not a session get-session accepts")
		}
	})
	t.Run("deny", func(t *testing.T) {
		a, st := e.app(nil)
		_, _, _, err := e.deviceRun(a, full, func(n int, code string) {
			if n == 1 {
				claim(code)
				if err := e.dev.Deny(t.Context(), e.userID, code); err != nil {
					t.Fatal(err)
				}
			}
		})
		if !errors.Is(err, desktop.ErrDeviceDenied) {
			t.Fatalf("deny: %v", err)
		}
		if _, err := st.Get(); !errors.Is(err, desktop.ErrNoToken) {
			t.Error("a denied sign-in stored a token")
		}
	})
	t.Run("expiry", func(t *testing.T) {
		a, _ := e.app(nil)
		_, _, _, err := e.deviceRun(a, func(time.Duration) time.Duration { return 31 * time.Minute }, func(int, string) {})
		if !errors.Is(err, desktop.ErrDeviceExpired) {
			t.Fatalf("expiry: %v", err)
		}
	})
	t.Run("slow_down", func(t *testing.T) {
		a, _ := e.app(nil)
		// The first poll comes too early (no time passes): the server says slow_down and the
		// app waits 5 seconds longer from then on.
		s, sleeps, said, err := e.deviceRun(a, func(d time.Duration) time.Duration {
			if d == 5*time.Second {
				return 0
			}
			return d
		}, func(n int, code string) {
			if n == 3 {
				claim(code)
				_ = e.dev.Approve(t.Context(), e.userID, code)
			}
		})
		if err != nil || s == nil {
			t.Fatalf("slow_down: %v", err)
		}
		if len(sleeps) < 3 || sleeps[0] != 5*time.Second || sleeps[2] <= sleeps[0] {
			t.Errorf("sleeps = %v, want the interval raised after slow_down", sleeps)
		}
		if !strings.Contains(strings.Join(said, "\n"), "less often") {
			t.Errorf("slow_down not reported: %q", said)
		}
	})
}

// FuzzHandleURL: whatever URL the OS hands over, HandleURL of an app with no sign-in in
// progress fails without a request (the HTTP client would fail the test) and never panics.
func FuzzHandleURL(f *testing.F) {
	f.Add("krag-test://auth/callback#token=" + electron.EncodeToken("abcdefghijklmnopqrstuvwxyzABCDEF", "state"))
	f.Add("krag-test://auth/callback?token=e30")
	f.Add("krag-test:/auth/callback#token=%zz")
	f.Add("http://127.0.0.1:1/callback?token=x")
	f.Add("krag-test://auth/callback#token=" + strings.Repeat("A", 4096))
	noNetwork := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		f.Errorf("HandleURL sent a request to %s", r.URL)
		return nil, errors.New("no network in this test")
	})}
	a, err := desktop.New(desktop.Config{BaseURL: "http://krag.invalid", ClientID: "test-app", Scheme: "krag-test",
		Store: &memStore{}, HTTPClient: noNetwork})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if _, err := a.HandleURL(context.Background(), raw); err == nil {
			t.Fatalf("HandleURL(%q) succeeded with no sign-in in progress", raw)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
