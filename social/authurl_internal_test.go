package social

import (
	"slices"
	"strings"
	"testing"
)

// TestFormEscape checks the WHATWG application/x-www-form-urlencoded serialiser, which
// URLSearchParams uses and which differs from url.QueryEscape on "*" and "~".
func TestFormEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"read:user user:email", "read%3Auser+user%3Aemail"},
		{"http://localhost:3000/api/auth/callback/github", "http%3A%2F%2Flocalhost%3A3000%2Fapi%2Fauth%2Fcallback%2Fgithub"},
		{"a@b.c", "a%40b.c"},
		{"*-._~", "*-._%7E"},
		{"é", "%C3%A9"},
		{"a+b&c=d", "a%2Bb%26c%3Dd"},
	}
	for _, tt := range tests {
		var b strings.Builder
		formEscape(&b, tt.in)
		if b.String() != tt.want {
			t.Errorf("formEscape(%q) = %q, want %q", tt.in, b.String(), tt.want)
		}
	}
}

func TestAuthCodeURL(t *testing.T) {
	req := AuthRequest{State: "st", CodeChallenge: "ch", Nonce: "n", RedirectURI: "https://app/cb", LoginHint: "h"}
	tests := []struct {
		name     string
		endpoint string
		scopes   []string
		req      AuthRequest
		o        authOptions
		want     string
		wantErr  string
	}{
		{
			name:     "github_observed",
			endpoint: "https://github.com/login/oauth/authorize",
			scopes:   []string{"read:user", "user:email"},
			req:      AuthRequest{State: "st", CodeChallenge: "ch", RedirectURI: "http://localhost:3000/api/auth/callback/github"},
			want: "https://github.com/login/oauth/authorize?response_type=code&client_id=cid&state=st&scope=read%3Auser+user%3Aemail" +
				"&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fapi%2Fauth%2Fcallback%2Fgithub&code_challenge_method=S256&code_challenge=ch",
		},
		{
			name:     "nonce_only_for_openid",
			endpoint: "https://p/auth",
			req:      req,
			want:     "https://p/auth?response_type=code&client_id=cid&state=st&redirect_uri=https%3A%2F%2Fapp%2Fcb&login_hint=h&code_challenge_method=S256&code_challenge=ch",
		},
		{
			name:     "endpoint_query_kept_unless_replaced",
			endpoint: "https://p/auth?tenant=a%20b&prompt=none&&scope=x",
			scopes:   []string{"s"},
			req:      req,
			o:        authOptions{sendNonce: true, prompt: "login"},
			want: "https://p/auth?tenant=a%20b&response_type=code&client_id=cid&state=st&scope=s&redirect_uri=https%3A%2F%2Fapp%2Fcb" +
				"&login_hint=h&nonce=n&prompt=login&code_challenge_method=S256&code_challenge=ch",
		},
		{
			name:     "no_pkce",
			endpoint: "https://p/auth",
			req:      AuthRequest{State: "st", RedirectURI: "https://app/cb"},
			want:     "https://p/auth?response_type=code&client_id=cid&state=st&redirect_uri=https%3A%2F%2Fapp%2Fcb",
		},
		{name: "no_state", endpoint: "https://p/auth", req: AuthRequest{RedirectURI: "https://app/cb"}, wantErr: "State"},
		{name: "no_redirect_uri", endpoint: "https://p/auth", req: AuthRequest{State: "s"}, wantErr: "RedirectURI"},
		{name: "relative_endpoint", endpoint: "/auth", req: req, wantErr: "not an absolute URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := authCodeURL("p", tt.endpoint, "cid", tt.scopes, tt.req, tt.o)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("authCodeURL = %q, %v, want an error about %s", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("authCodeURL =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestJoinScopes(t *testing.T) {
	got := joinScopes([]string{"a", " b ", ""}, nil, []string{"b", "c", "a"})
	if want := []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("joinScopes = %q, want %q", got, want)
	}
}
