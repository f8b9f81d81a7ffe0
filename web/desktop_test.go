package web_test

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/kragauth/krag/plugin/electron"
)

// desktopAsk is an app's sign-in request: the query of /desktop.
func desktopAsk(client, redirect string) (url.Values, string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	verifier := base64.RawURLEncoding.EncodeToString(b)
	q := url.Values{"client_id": {client}, "state": {"st-" + verifier[:10]}, "code_challenge": {electron.Challenge(verifier)}}
	if redirect != "" {
		q.Set("redirect_uri", redirect)
	}
	return q, verifier
}

// TestDesktopPage: a visitor is sent to sign in and back; the signed-in user sees which app
// asks and continues or cancels; the code goes to the app's loopback address or deep link;
// requests the plugin refuses are error pages that never redirect.
func TestDesktopPage(t *testing.T) {
	s := newTestSite(t, siteOptions{})
	q, _ := desktopAsk("krag-desktop", "")
	if p := s.newClient(t).get("/desktop?" + q.Encode()); p.URL.Path != "/sign-in" || p.URL.Query().Get("next") != "/desktop?"+q.Encode() {
		t.Errorf("visitor at /desktop = %d at %s, want the sign-in page coming back", p.Status, p.URL)
	}

	ada := s.newClient(t)
	ada.signUp("Ada", "Lovelace", "ada@example.com", "password-123")
	p := ada.get("/desktop?" + q.Encode())
	wantPage(t, "consent", p, http.StatusOK, "/desktop")
	if !p.has("Krag Desktop wants to sign in as you") || !p.has(`value="continue"`) || !p.has(`value="cancel"`) || !p.has("ada@example.com") {
		t.Errorf("consent page:\n%s", p.Body)
	}

	form := url.Values{"decision": {"continue"}}
	for k, v := range q {
		form[k] = v
	}
	p = ada.post("/desktop", form)
	wantPage(t, "hand-off", p, http.StatusOK, "/desktop")
	if !p.has(`id="app-link"`) || !p.has(`href="krag-desktop://auth/callback#token=`) || !p.has(`id="desktop-code"`) {
		t.Fatalf("hand-off page has no deep link or code:\n%s", p.Body)
	}
	if cc := p.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("hand-off page Cache-Control = %q, want no-store", cc)
	}
	i := strings.Index(string(p.Body), `id="desktop-code"`)
	code := string(p.Body[i:])
	code = code[strings.Index(code, ">")+1 : strings.Index(code, "<")]
	g, err := s.Sys.Electron.Pending(t.Context(), code)
	if err != nil || g.Client.ID != "krag-desktop" {
		t.Fatalf("the shown code %q is not a pending code of krag-desktop: %+v %v", code, g, err)
	}

	form.Set("decision", "cancel")
	p = ada.post("/desktop", form)
	wantPage(t, "cancel", p, http.StatusOK, "/desktop")
	if !p.has("wasn't signed in") || p.has(`id="app-link"`) {
		t.Errorf("cancel page:\n%s", p.Body)
	}

	// Loopback: the page redirects the browser to the app's port with the code.
	var mu sync.Mutex
	var got url.Values
	appSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.URL.Query()
		mu.Unlock()
		_, _ = w.Write([]byte("ok"))
	}))
	defer appSrv.Close()
	lq, _ := desktopAsk("krag-cli", appSrv.URL+"/callback")
	form = url.Values{"decision": {"continue"}}
	for k, v := range lq {
		form[k] = v
	}
	p = ada.post("/desktop", form)
	mu.Lock()
	tok := got.Get("token")
	mu.Unlock()
	if p.URL.Host != strings.TrimPrefix(appSrv.URL, "http://") || tok == "" {
		t.Fatalf("loopback: ended at %s with token %q", p.URL, tok)
	}
	if _, state, err := electron.DecodeToken(tok); err != nil || state != lq.Get("state") {
		t.Errorf("loopback token %q: state %q %v", tok, state, err)
	}

	// Refused requests: the error page, no redirect, nothing issued.
	for name, bad := range map[string]url.Values{
		"unknown app":   {"client_id": {"nope"}, "state": {"s"}, "code_challenge": {q.Get("code_challenge")}},
		"no PKCE":       {"client_id": {"krag-cli"}, "state": {"s"}},
		"plain PKCE":    {"client_id": {"krag-cli"}, "state": {"s"}, "code_challenge": {"plain"}},
		"no state":      {"client_id": {"krag-cli"}, "code_challenge": {q.Get("code_challenge")}},
		"other host":    {"client_id": {"krag-cli"}, "state": {"s"}, "code_challenge": {q.Get("code_challenge")}, "redirect_uri": {"https://evil.example/cb"}},
		"other scheme":  {"client_id": {"krag-desktop"}, "state": {"s"}, "code_challenge": {q.Get("code_challenge")}, "redirect_uri": {"krag-cli://auth/callback"}},
		"localhost uri": {"client_id": {"krag-cli"}, "state": {"s"}, "code_challenge": {q.Get("code_challenge")}, "redirect_uri": {"http://localhost:9/cb"}},
	} {
		p := ada.get("/desktop?" + bad.Encode())
		wantPage(t, name, p, http.StatusBadRequest, "/desktop")
		if !p.has("This sign-in link doesn") || p.has(`value="continue"`) {
			t.Errorf("%s: not the refusal page:\n%s", name, p.Body)
		}
		form := url.Values{"decision": {"continue"}}
		for k, v := range bad {
			form[k] = v
		}
		p = ada.post("/desktop", form)
		wantPage(t, name+" (posted)", p, http.StatusBadRequest, "/desktop")
	}

	// /desktop/continue: the code a social sign-in left in the script-readable cookie is handed
	// over only after the user confirms.
	cq, _ := desktopAsk("krag-desktop", "")
	if _, err := s.Sys.Electron.Issue(t.Context(), "no-such-user", electron.RequestFromQuery(cq)); err == nil {
		t.Fatal("Issue gave a code for a user that does not exist")
	}
	sd, _ := s.Auth.FindUserByEmail(t.Context(), "ada@example.com")
	g, err = s.Sys.Electron.Issue(t.Context(), sd.ID, electron.RequestFromQuery(cq))
	if err != nil {
		t.Fatal(err)
	}
	site, _ := url.Parse(s.URL)
	ada.hc.Jar.SetCookies(site, []*http.Cookie{{Name: "better-auth.krag-desktop", Value: g.Token, Path: "/"}})
	p = ada.get("/desktop/continue")
	wantPage(t, "continue: confirm", p, http.StatusOK, "/desktop/continue")
	if !p.has("Finish signing in to Krag Desktop") || p.has(g.Token) {
		t.Errorf("continue before the click shows the code or no question:\n%s", p.Body)
	}
	p = ada.post("/desktop/continue", url.Values{"decision": {"continue"}})
	wantPage(t, "continue: hand-off", p, http.StatusOK, "/desktop/continue")
	if !p.has(`href="krag-desktop://auth/callback#token=` + g.Token + `"`) {
		t.Errorf("continue hand-off has no deep link with the code:\n%s", p.Body)
	}

	// /desktop/continue without a pending code.
	p = ada.get("/desktop/continue")
	wantPage(t, "continue without a code", p, http.StatusBadRequest, "/desktop/continue")
	if !p.has("no sign-in to finish") {
		t.Errorf("continue without a code:\n%s", p.Body)
	}
}
