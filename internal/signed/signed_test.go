package signed

import (
	"strings"
	"testing"
)

// The vector of shared/spec/better-auth-core.md §3.3, computed by Better Auth 1.7.25.
const (
	vecSecret = "test-secret-0123456789abcdefghijklmnop"
	vecToken  = "0fP4KLSfbxxw98x3aWsAVBqizou6nwfA"
	vecCookie = "0fP4KLSfbxxw98x3aWsAVBqizou6nwfA.XE63flTea1LtXy67fUo5CAc%2FKGs6OhlXtHJXdaZaYGI%3D"
)

func TestCookieValueMatchesBetterAuth(t *testing.T) {
	s := New(vecSecret)
	if got := s.CookieValue(vecToken); got != vecCookie {
		t.Errorf("CookieValue(%q) = %q, want %q", vecToken, got, vecCookie)
	}
}

func TestVerify(t *testing.T) {
	s := New(vecSecret)
	unescaped := "0fP4KLSfbxxw98x3aWsAVBqizou6nwfA.XE63flTea1LtXy67fUo5CAc/KGs6OhlXtHJXdaZaYGI="
	tests := []struct {
		name   string
		cookie string
		want   string
		ok     bool
	}{
		{"percent_encoded", vecCookie, vecToken, true},
		{"plain", unescaped, vecToken, true},
		{"quoted", `"` + vecCookie + `"`, vecToken, true},
		{"other_secret", New("another-secret-0123456789abcdefghij").CookieValue(vecToken), "", false},
		{"tampered_value", "1" + vecCookie[1:], "", false},
		{"no_dot", vecToken, "", false},
		{"short_signature", vecToken + ".abc=", "", false},
		{"signature_without_padding", strings.TrimSuffix(unescaped, "="), "", false},
		{"bad_escape", vecToken + ".%ZZ", "", false},
		{"truncated_escape", vecCookie[:len(vecCookie)-2], "", false},
		{"empty", "", "", false},
		{"dot_in_value", s.Sign("a.b"), "a.b", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := s.Verify(tt.cookie)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Verify(%q) = %q, %v, want %q, %v", tt.cookie, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestEscapeLikeEncodeURIComponent(t *testing.T) {
	in := "aZ09-_.!~*'() +/=?&%é"
	want := "aZ09-_.!~*'()%20%2B%2F%3D%3F%26%25%C3%A9"
	if got := Escape(in); got != want {
		t.Errorf("Escape(%q) = %q, want %q", in, got, want)
	}
	back, err := Unescape(want)
	if err != nil || back != in {
		t.Errorf("Unescape(%q) = %q, %v, want %q", want, back, err, in)
	}
}

func BenchmarkVerify(b *testing.B) {
	s := New(vecSecret)
	b.ReportAllocs()
	for b.Loop() {
		s.Verify(vecCookie)
	}
}

// FuzzVerify checks that no cookie value makes Verify panic, and that whatever it accepts
// re-signs to itself: only values signed with the secret pass.
func FuzzVerify(f *testing.F) {
	s := New(vecSecret)
	f.Add(vecCookie)
	f.Add(`"` + vecCookie + `"`)
	f.Add("a.b")
	f.Add("%")
	f.Add("x.%2")
	f.Add(s.Sign(""))
	f.Fuzz(func(t *testing.T, cookie string) {
		v, ok := s.Verify(cookie)
		if !ok {
			return
		}
		if again, ok2 := s.Verify(s.Sign(v)); !ok2 || again != v {
			t.Fatalf("Verify(Sign(%q)) = %q, %v", v, again, ok2)
		}
		c := strings.Trim(cookie, `"`)
		if u, err := Unescape(c); err == nil {
			c = u
		}
		if c != s.Sign(v) {
			t.Fatalf("Verify accepted %q, which is not Sign(%q) = %q", cookie, v, s.Sign(v))
		}
	})
}
