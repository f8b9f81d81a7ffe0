package social

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestParseTokenAnswer covers the answer shapes of RFC 6749 §5 and GitHub's documented
// ones ("Authorizing OAuth apps": form-encoded by default, JSON on request, errors with
// status 200; expiring user tokens for GitHub Apps).
func TestParseTokenAnswer(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		want                    tokenAnswer
		wantErr                 bool
	}{
		{
			name:        "github_form",
			contentType: "application/x-www-form-urlencoded; charset=utf-8",
			body:        "access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist&token_type=bearer",
			want:        tokenAnswer{AccessToken: "gho_16C7e42F292c6912E7710c838347Ae178B4a", TokenType: "bearer", Scopes: []string{"repo", "gist"}, HasScope: true},
		},
		{
			name:        "github_json",
			contentType: "application/json; charset=utf-8",
			body:        `{"access_token":"gho_abc","scope":"read:user,user:email","token_type":"bearer"}`,
			want:        tokenAnswer{AccessToken: "gho_abc", TokenType: "bearer", Scopes: []string{"read:user", "user:email"}, HasScope: true},
		},
		{
			name:        "github_error_form",
			contentType: "application/x-www-form-urlencoded; charset=utf-8",
			body:        "error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired.&error_uri=https%3A%2F%2Fdocs.github.com%2Fapps",
			want:        tokenAnswer{Error: "bad_verification_code", ErrorDescription: "The code passed is incorrect or expired.", ErrorURI: "https://docs.github.com/apps"},
		},
		{
			name:        "github_expiring_form",
			contentType: "application/x-www-form-urlencoded",
			body:        "access_token=ghu_x&expires_in=28800&refresh_token=ghr_y&refresh_token_expires_in=15897600&scope=&token_type=bearer",
			want:        tokenAnswer{AccessToken: "ghu_x", TokenType: "bearer", RefreshToken: "ghr_y", ExpiresIn: 28800, RefreshTokenExpiresIn: 15897600},
		},
		{
			name: "rfc6749_json_numbers_as_strings_no_content_type",
			body: ` {"access_token":"a","expires_in":"3600","refresh_token_expires_in":86400.9,"scope":"openid  email\tprofile","id_token":"h.p.s"}`,
			want: tokenAnswer{AccessToken: "a", IDToken: "h.p.s", ExpiresIn: 3600, RefreshTokenExpiresIn: 86400, Scopes: []string{"openid", "email", "profile"}, HasScope: true},
		},
		{
			name:        "scope_array",
			contentType: "application/json",
			body:        `{"access_token":"a","scope":["openid","email profile",7,""]}`,
			want:        tokenAnswer{AccessToken: "a", Scopes: []string{"openid", "email", "profile"}, HasScope: true},
		},
		{
			name:        "unusable_lifetimes",
			contentType: "application/json",
			body:        `{"access_token":"a","expires_in":-5,"refresh_token_expires_in":1e300}`,
			want:        tokenAnswer{AccessToken: "a"},
		},
		{
			name:        "mockoidc_nanoseconds",
			contentType: "application/json",
			body:        `{"access_token":"a","expires_in":600000000000}`,
			want:        tokenAnswer{AccessToken: "a"},
		},
		{
			name:        "error_object",
			contentType: "application/json",
			body:        `{"error":{"message":"bad"}}`,
			want:        tokenAnswer{Error: `{"message":"bad"}`},
		},
		{name: "nulls", contentType: "application/json", body: `{"access_token":"a","refresh_token":null,"scope":null}`, want: tokenAnswer{AccessToken: "a"}},
		{name: "token_not_a_string", contentType: "application/json", body: `{"access_token":5}`, wantErr: true},
		{name: "json_array", contentType: "application/json", body: `["a"]`, wantErr: true},
		{name: "empty", contentType: "application/json", body: "  ", wantErr: true},
		{name: "bad_form", contentType: "text/plain", body: "a=%zz", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseTokenAnswer(tt.contentType, []byte(tt.body))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parseTokenAnswer(%q) = %+v, want an error", tt.body, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseTokenAnswer(%q) = %v", tt.body, err)
			}
			if diff := cmp.Diff(tt.want, *got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("parseTokenAnswer(%q) mismatch (-want +got):\n%s", tt.body, diff)
			}
		})
	}
}

// FuzzParseTokenAnswer feeds token endpoint answers of any shape to the parser, which must
// not panic, and checks what it promises of an answer it accepts. Seeds are the shapes of
// TestParseTokenAnswer; the corpus is in testdata/fuzz/FuzzParseTokenAnswer.
func FuzzParseTokenAnswer(f *testing.F) {
	f.Add("application/x-www-form-urlencoded; charset=utf-8", []byte("access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist&token_type=bearer"))
	f.Add("application/x-www-form-urlencoded", []byte("error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired."))
	f.Add("application/json", []byte(`{"access_token":"gho_abc","scope":"read:user,user:email","token_type":"bearer"}`))
	f.Add("", []byte(`{"access_token":"a","expires_in":"3600","scope":["openid","email"],"id_token":"h.p.s"}`))
	f.Add("text/plain", []byte("access_token=ghu_x&expires_in=28800&refresh_token=ghr_y&refresh_token_expires_in=15897600&scope="))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		a, err := parseTokenAnswer(contentType, body)
		if err != nil {
			return
		}
		if a.ExpiresIn < 0 || a.ExpiresIn > maxLifetime || a.RefreshTokenExpiresIn < 0 || a.RefreshTokenExpiresIn > maxLifetime {
			t.Errorf("lifetimes %d, %d outside [0, %d]", a.ExpiresIn, a.RefreshTokenExpiresIn, maxLifetime)
		}
		if a.HasScope != (len(a.Scopes) > 0) {
			t.Errorf("HasScope = %v with scopes %q", a.HasScope, a.Scopes)
		}
		checkScopes(t, a.Scopes)
		checkScopes(t, parseScopes(string(body)))
	})
}

// checkScopes fails unless each scope is non-empty, has no separator and appears once.
func checkScopes(t *testing.T, scopes []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, s := range scopes {
		if s == "" || strings.ContainsAny(s, ", \t\r\n") || seen[s] {
			t.Fatalf("scope %q: empty, has a separator, or repeated", s)
		}
		seen[s] = true
	}
}

// TestLongLists parses a token answer with 100,000 scopes and builds an authorization URL
// with 100,000 extra parameters. Both must stay linear: a provider's answer or a client's
// additionalParams may be that long, and the fuzzer stalled on the quadratic merges they
// replaced.
func TestLongLists(t *testing.T) {
	const n = 100_000
	var b strings.Builder
	b.WriteString(`{"access_token":"a","scope":"`)
	params := make(map[string]string, n)
	for i := range n {
		fmt.Fprintf(&b, "s%d ", i)
		params[fmt.Sprintf("p%d", i)] = "v"
	}
	b.WriteString(`"}`)
	a, err := parseTokenAnswer("application/json", []byte(b.String()))
	if err != nil || len(a.Scopes) != n {
		t.Fatalf("parseTokenAnswer = %d scopes, %v, want %d", len(a.Scopes), err, n)
	}
	u, err := authCodeURL("p", "https://p/auth", "c", a.Scopes, AuthRequest{State: "s", RedirectURI: "https://app/cb", Params: params}, authOptions{})
	if err != nil || strings.Count(u, "&") < n {
		t.Fatalf("authCodeURL = %d parameters, %v", strings.Count(u, "&"), err)
	}
}
