package krag_test

import (
	"testing"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/passhash"
)

// The client address and user agent recorded on sessions (shared/spec/better-auth-core.md §4.3).

// coreIPServer starts a Krag for the address tests with one user. Hashing is incidental here,
// so a cheaper scrypt cost keeps the many sign-ins fast.
func coreIPServer(t *testing.T, advanced krag.AdvancedOptions) *kragtest.Server {
	t.Helper()
	srv := coreServer(t, krag.Options{
		Advanced:         advanced,
		EmailAndPassword: krag.EmailAndPasswordOptions{Hasher: passhash.NewScryptCost(1024, 0)},
	})
	coreSignUp(t, srv, "Ada", "ada@example.com")
	return srv
}

// coreSessionIP signs in with the given X-Forwarded-For header lines (and any other headers)
// and returns the ipAddress and userAgent of the new session, as get-session shows them.
func coreSessionIP(t *testing.T, srv *kragtest.Server, xff []string, header map[string]string) (ip, userAgent any) {
	t.Helper()
	req := coreReq{path: "/sign-in/email", body: `{"email":"ada@example.com","password":"` + corePassword + `"}`, header: header}
	r := req.request(t, srv)
	for _, v := range xff {
		r.Header.Add("X-Forwarded-For", v)
	}
	res := coreSend(t, srv, r)
	if res.status != 200 {
		t.Fatalf("%v with X-Forwarded-For %q = %d %s, want 200", req, xff, res.status, res.body)
	}
	s, _ := coreGetSession(t, srv, res.cookies())["session"].(map[string]any)
	return s["ipAddress"], s["userAgent"]
}

func TestIPAddress(t *testing.T) {
	t.Parallel()
	srv := coreIPServer(t, krag.AdvancedOptions{})
	tests := []struct {
		name string
		xff  []string
		want string
	}{
		{"ipv4", []string{"203.0.113.7"}, "203.0.113.7"},
		{"ipv4_spaces", []string{" 203.0.113.7 "}, "203.0.113.7"},
		{"no_header", nil, ""},
		{"not_an_address", []string{"unknown"}, ""},
		// Without trusted proxies a list yields nothing.
		{"list_without_trusted_proxies", []string{"203.0.113.7, 198.51.100.9"}, ""},
		// Two header lines are one list (RFC 9110 §5.3), as Node joins them for Better Auth.
		{"two_lines_without_trusted_proxies", []string{"203.0.113.7", "198.51.100.9"}, ""},
		{"ipv4_mapped_ipv6", []string{"::ffff:192.0.2.1"}, "192.0.2.1"},
		{"ipv6_masked_to_64", []string{"2001:db8::1"}, "2001:0db8:0000:0000:0000:0000:0000:0000"},
		{"ipv6_full_form", []string{"2001:DB8:1:2:3:4:5:6"}, "2001:0db8:0001:0002:0000:0000:0000:0000"},
		{"ipv6_loopback", []string{"::1"}, "0000:0000:0000:0000:0000:0000:0000:0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := coreSessionIP(t, srv, tt.xff, nil)
			if got != tt.want {
				t.Errorf("session ipAddress for X-Forwarded-For %q = %#v, want %q", tt.xff, got, tt.want)
			}
		})
	}

	t.Run("user_agent", func(t *testing.T) {
		_, ua := coreSessionIP(t, srv, nil, map[string]string{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"})
		if ua != "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0" {
			t.Errorf("session userAgent = %#v, want the User-Agent header", ua)
		}
	})
}

func TestIPAddressTrustedProxies(t *testing.T) {
	t.Parallel()
	srv := coreIPServer(t, krag.AdvancedOptions{TrustedProxies: []string{"10.0.0.0/8", "2001:db8:ffff::1"}})
	tests := []struct {
		name string
		xff  []string
		want string
	}{
		{"single_untrusted", []string{"198.51.100.9"}, "198.51.100.9"},
		{"right_most_untrusted", []string{"203.0.113.66, 198.51.100.9, 10.0.0.2, 10.0.0.1"}, "198.51.100.9"},
		{"mapped_trusted_proxy", []string{"198.51.100.9, ::ffff:10.0.0.1"}, "198.51.100.9"},
		{"ipv6_trusted_proxy", []string{"198.51.100.9, 2001:db8:ffff::1"}, "198.51.100.9"},
		{"only_trusted_proxies", []string{"10.0.0.2, 10.0.0.1"}, ""},
		// A client's own X-Forwarded-For line comes first; the proxy's line with the address it
		// saw comes last. Both lines form one list (RFC 9110 §5.3).
		{"two_lines", []string{"203.0.113.66", "198.51.100.9, 10.0.0.1"}, "198.51.100.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := coreSessionIP(t, srv, tt.xff, nil)
			if got != tt.want {
				t.Errorf("session ipAddress for X-Forwarded-For %q = %#v, want %q", tt.xff, got, tt.want)
			}
		})
	}
}

func TestIPAddressOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		advanced krag.AdvancedOptions
		header   map[string]string
		want     string
	}{
		{"tracking_disabled", krag.AdvancedOptions{DisableIPTracking: true}, map[string]string{"X-Forwarded-For": "203.0.113.7"}, ""},
		{"custom_header", krag.AdvancedOptions{IPAddressHeaders: []string{"cf-connecting-ip"}}, map[string]string{"CF-Connecting-IP": "203.0.113.8", "X-Forwarded-For": "203.0.113.7"}, "203.0.113.8"},
		{"custom_header_absent", krag.AdvancedOptions{IPAddressHeaders: []string{"cf-connecting-ip"}}, map[string]string{"X-Forwarded-For": "203.0.113.7"}, ""},
		{"first_header_with_an_address", krag.AdvancedOptions{IPAddressHeaders: []string{"x-real-ip", "x-forwarded-for"}}, map[string]string{"X-Real-IP": "garbage", "X-Forwarded-For": "203.0.113.7"}, "203.0.113.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := coreIPServer(t, tt.advanced)
			got, _ := coreSessionIP(t, srv, nil, tt.header)
			if got != tt.want {
				t.Errorf("session ipAddress for headers %q = %#v, want %q", tt.header, got, tt.want)
			}
		})
	}
}
