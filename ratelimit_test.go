package krag_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/kragtest"
)

// The rate limiter (shared/spec/better-auth-core.md §8.3). Sign-in requests here carry an invalid
// email: an allowed one is answered 400 INVALID_EMAIL without password hashing, a refused one
// 429.

const coreTooMany = `{"message":"Too many requests. Please try again later."}`

// coreHit sends one cheap request to path from the client address ip ("" sends no
// X-Forwarded-For) and returns the answer.
func coreHit(t *testing.T, srv *kragtest.Server, ip, path string) coreResp {
	t.Helper()
	req := coreReq{method: "GET", path: path, header: map[string]string{"X-Forwarded-For": ip}}
	if path != "/ok" {
		req.method, req.body = "", `{"email":"x","password":"y"}`
	}
	return req.send(t, srv)
}

// coreWantLimited checks that res is the limiter's 429 with X-Retry-After retry.
func coreWantLimited(t *testing.T, call string, res coreResp, retry string) {
	t.Helper()
	checkJSON(t, call, res, http.StatusTooManyRequests, coreTooMany)
	if got := res.header.Get("X-Retry-After"); got != retry {
		t.Errorf("%s: X-Retry-After = %q, want %q", call, got, retry)
	}
	if got := res.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("%s: Content-Type = %q, want application/json", call, got)
	}
	if got := res.header.Get("Retry-After"); got != "" {
		t.Errorf("%s: Retry-After = %q, want none", call, got)
	}
}

// coreWantAllowed checks that res was not limited.
func coreWantAllowed(t *testing.T, call string, res coreResp) {
	t.Helper()
	if res.status == http.StatusTooManyRequests {
		t.Errorf("%s = 429 %s, want it allowed", call, res.body)
	}
}

func TestRateLimitSignIn(t *testing.T) {
	t.Parallel()
	srv := kragtest.New(t, krag.Options{})
	const ip = "203.0.113.5"
	for i := 1; i <= 3; i++ {
		checkJSON(t, "sign-in from "+ip, coreHit(t, srv, ip, "/sign-in/email"), 400, coreInvalidEmail)
	}
	coreWantLimited(t, "4th sign-in from "+ip, coreHit(t, srv, ip, "/sign-in/email"), "10")

	// The key is the address and the path.
	coreWantAllowed(t, "sign-in from another address", coreHit(t, srv, "198.51.100.7", "/sign-in/email"))
	coreWantAllowed(t, "sign-up from the same address", coreHit(t, srv, ip, "/sign-up/email"))
	coreWantAllowed(t, "GET /ok from the same address", coreHit(t, srv, ip, "/ok"))
	// Trailing slashes are removed from the key, and the limiter runs before routing.
	coreWantLimited(t, "sign-in with a trailing slash", coreHit(t, srv, ip, "/sign-in/email/"), "10")

	srv.Clock.Advance(3500 * time.Millisecond)
	coreWantLimited(t, "sign-in 3.5 s later", coreHit(t, srv, ip, "/sign-in/email"), "7")
	// Refused requests do not move the window: 10 s after the last allowed one it reopens.
	srv.Clock.Advance(6500 * time.Millisecond)
	checkJSON(t, "sign-in 10 s later", coreHit(t, srv, ip, "/sign-in/email"), 400, coreInvalidEmail)
}

// TestRateLimitWindowFromLastRequest follows the memory store's algorithm: the window is counted
// from the last allowed request, not from the first.
func TestRateLimitWindowFromLastRequest(t *testing.T) {
	t.Parallel()
	srv := kragtest.New(t, krag.Options{})
	const ip = "203.0.113.9"
	for i := 0; i < 3; i++ {
		coreWantAllowed(t, "sign-in", coreHit(t, srv, ip, "/sign-in/email"))
		srv.Clock.Advance(4 * time.Second)
	}
	// Allowed at 0, 4 and 8 s; now 12 s.
	coreWantLimited(t, "sign-in at 12 s", coreHit(t, srv, ip, "/sign-in/email"), "6")
	srv.Clock.Advance(5 * time.Second)
	coreWantLimited(t, "sign-in at 17 s", coreHit(t, srv, ip, "/sign-in/email"), "1")
	srv.Clock.Advance(time.Second)
	coreWantAllowed(t, "sign-in at 18 s", coreHit(t, srv, ip, "/sign-in/email"))
}

func TestRateLimitDefaultRule(t *testing.T) {
	t.Parallel()
	srv := kragtest.New(t, krag.Options{})
	const ip = "203.0.113.5"
	for i := 1; i <= 100; i++ {
		if res := coreHit(t, srv, ip, "/ok"); res.status != 200 {
			t.Fatalf("GET /ok number %d = %d %s, want 200", i, res.status, res.body)
		}
	}
	coreWantLimited(t, "GET /ok number 101", coreHit(t, srv, ip, "/ok"), "10")
}

// TestRateLimitWithoutAddress: requests whose address cannot be read share one bucket.
func TestRateLimitWithoutAddress(t *testing.T) {
	t.Parallel()
	srv := kragtest.New(t, krag.Options{})
	coreWantAllowed(t, "sign-in without X-Forwarded-For", coreHit(t, srv, "", "/sign-in/email"))
	coreWantAllowed(t, "sign-in with an unparsable X-Forwarded-For", coreHit(t, srv, "unknown", "/sign-in/email"))
	// A list is not read without trusted proxies (§4.3).
	coreWantAllowed(t, "sign-in with a list in X-Forwarded-For", coreHit(t, srv, "203.0.113.5, 198.51.100.7", "/sign-in/email"))
	coreWantLimited(t, "4th sign-in without an address", coreHit(t, srv, "", "/sign-in/email"), "10")
	coreWantAllowed(t, "sign-in from a readable address", coreHit(t, srv, "203.0.113.5", "/sign-in/email"))
}

func TestRateLimitOnOff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    krag.Options
		limited bool
	}{
		{"production_default", krag.Options{}, true},
		{"development_default", krag.Options{Development: true}, false},
		{"development_enabled", krag.Options{Development: true, RateLimit: krag.RateLimitOptions{Enabled: true}}, true},
		{"disabled", krag.Options{RateLimit: krag.RateLimitOptions{Disabled: true}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := kragtest.New(t, tt.opts)
			for i := 1; i <= 3; i++ {
				coreWantAllowed(t, "sign-in", coreHit(t, srv, "203.0.113.5", "/sign-in/email"))
			}
			res := coreHit(t, srv, "203.0.113.5", "/sign-in/email")
			if tt.limited {
				coreWantLimited(t, "4th sign-in", res, "10")
			} else {
				checkJSON(t, "4th sign-in", res, 400, coreInvalidEmail)
			}
		})
	}
}

func TestRateLimitCustomRules(t *testing.T) {
	t.Parallel()
	srv := kragtest.New(t, krag.Options{RateLimit: krag.RateLimitOptions{
		Window: time.Minute,
		Max:    5,
		CustomRules: map[string]krag.RateLimitRule{
			"/sign-in/email": {Disabled: true},
			"/sign-up/*":     {Window: 30 * time.Second, Max: 1},
		},
	}})
	const ip = "203.0.113.5"
	for i := 1; i <= 10; i++ {
		coreWantAllowed(t, "sign-in with its rule disabled", coreHit(t, srv, ip, "/sign-in/email"))
	}
	coreWantAllowed(t, "first sign-up", coreHit(t, srv, ip, "/sign-up/email"))
	coreWantLimited(t, "second sign-up", coreHit(t, srv, ip, "/sign-up/email"), "30")
	// Window and Max replace the default rule.
	for i := 1; i <= 5; i++ {
		coreWantAllowed(t, "GET /ok", coreHit(t, srv, ip, "/ok"))
	}
	coreWantLimited(t, "GET /ok number 6", coreHit(t, srv, ip, "/ok"), "60")
}
