package krag

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/kragauth/krag/social"
	"github.com/kragauth/krag/store/sqlstore"
)

// refusingProvider answers every exchange with ErrInvalidCode: the fuzzed callback can reach
// the exchange but never sign anyone in.
type refusingProvider struct{}

func (refusingProvider) ID() string { return "test" }
func (refusingProvider) AuthCodeURL(context.Context, social.AuthRequest) (string, error) {
	return "https://idp.example/authorize", nil
}
func (refusingProvider) Exchange(context.Context, social.ExchangeRequest) (*social.Tokens, error) {
	return nil, social.ErrInvalidCode
}
func (refusingProvider) Profile(context.Context, *social.Tokens, string) (*social.Profile, error) {
	return nil, social.ErrUserInfo
}
func (refusingProvider) Refresh(context.Context, string) (*social.Tokens, error) {
	return nil, social.ErrRefreshNotSupported
}

// FuzzSocialState checks that a stored state either parses into one with its required parts
// or is refused, and never panics.
func FuzzSocialState(f *testing.F) {
	f.Add([]byte(`{"callbackURL":"/dashboard","codeVerifier":"v","expiresAt":1795765621741,"oauthState":"s"}`))
	f.Add([]byte(`{"callbackURL":"/","codeVerifier":"v","expiresAt":1,"oauthState":"s","link":{"userId":"u","email":"e","sessionId":"x"}}`))
	f.Add([]byte(`{"oauthState":""}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseSocialState(b)
		if err != nil {
			return
		}
		if st.OAuthState == "" || st.CodeVerifier == "" || st.ExpiresAt == 0 {
			t.Fatalf("accepted a state without its required parts: %s", b)
		}
		if _, err := json.Marshal(st); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzSocialCallback sends arbitrary callback queries and cookies: the answer is always a
// redirect (a provider's user is never stuck on a bare error) and never signs anyone in.
func FuzzSocialCallback(f *testing.F) {
	var o Options
	o.Social.Providers = []social.Provider{refusingProvider{}}
	o.RateLimit.Disabled = true // every fuzzed request comes from one address
	a := newTestAuth(f, o)
	sch, err := Schema(o)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := a.opts.Database.(*sqlstore.DB).Migrate(context.Background(), sch); err != nil {
		f.Fatal(err)
	}
	for _, s := range [][2]string{
		{"state=abc&code=xyz", "better-auth.state=abc.sig"},
		{"code=x", ""},
		{"state=&error=access_denied&error_description=no", ""},
		{"state=%00%ff&iss=https://evil", "better-auth.state=%ZZ"},
		{"state=a&state=b&code=c&code=d", "better-auth.state=\"a.b\""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, query, cookieHeader string) {
		u, err := url.Parse("https://app.example.com/api/auth/callback/test?" + query)
		if err != nil {
			return // not a request a server would receive
		}
		req := httptest.NewRequest("GET", "https://app.example.com/", nil)
		req.URL, req.RequestURI = u, u.RequestURI()
		if cookieHeader != "" {
			req.Header.Set("Cookie", cookieHeader)
		}
		w := httptest.NewRecorder()
		a.ServeHTTP(w, req)
		if w.Code != http.StatusFound {
			t.Fatalf("status %d for %q (cookie %q): %s", w.Code, query, cookieHeader, w.Body)
		}
		for _, c := range w.Result().Header["Set-Cookie"] {
			if strings.HasPrefix(c, "better-auth.session_token=") && !strings.Contains(c, "Max-Age=0") {
				t.Fatalf("a session cookie from a fuzzed callback: %s", c)
			}
		}
	})
}
