package krag

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The rate limiter follows Better Auth's memory storage (shared/spec/better-auth-core.md §8.3):
// a counter per client IP and path, reset when a window has passed since the last allowed
// request; rejected requests do not count.

type rateRule struct {
	window time.Duration
	max    int
	off    bool
}

type rateEntry struct {
	count int
	last  time.Time
}

// maxRateKeys bounds the limiter's memory, as Better Auth's 100,000-key memory store does.
const maxRateKeys = 100_000

type rateLimiter struct {
	def    rateRule
	custom []struct {
		pattern string
		rule    rateRule
	}
	mu      sync.Mutex
	entries map[string]*rateEntry
}

func newRateLimiter(o RateLimitOptions, plugin map[string]RateLimitRule) *rateLimiter {
	l := &rateLimiter{def: rateRule{window: o.Window, max: o.Max}, entries: map[string]*rateEntry{}}
	add := func(p string, r RateLimitRule) {
		l.custom = append(l.custom, struct {
			pattern string
			rule    rateRule
		}{p, rateRule{window: r.Window, max: r.Max, off: r.Disabled}})
	}
	for p, r := range plugin {
		add(p, r)
	}
	for p, r := range o.CustomRules {
		add(p, r)
	}
	return l
}

// rule returns the rule for a path relative to the base path.
func (l *rateLimiter) rule(p string) rateRule {
	r := l.def
	switch {
	case strings.HasPrefix(p, "/sign-in"), strings.HasPrefix(p, "/sign-up"),
		strings.HasPrefix(p, "/change-password"), strings.HasPrefix(p, "/change-email"):
		r = rateRule{window: 10 * time.Second, max: 3}
	case p == "/request-password-reset", p == "/send-verification-email",
		p == "/email-otp/send-verification-otp", p == "/email-otp/request-password-reset",
		strings.HasPrefix(p, "/forget-password"):
		r = rateRule{window: 60 * time.Second, max: 3}
	}
	// Plugin rules, then custom rules; the last match wins.
	for _, c := range l.custom {
		if c.pattern == p || (strings.ContainsAny(c.pattern, "*?") && globMatch(c.pattern, p)) {
			r = c.rule
		}
	}
	return r
}

// allow records a request and returns 0, or the seconds to wait when it is refused.
func (l *rateLimiter) allow(key string, r rateRule, now time.Time) int {
	if r.off || r.max <= 0 {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[key]
	if !ok || now.Sub(e.last) >= r.window {
		if !ok {
			if len(l.entries) >= maxRateKeys {
				l.sweep(now)
			}
			e = &rateEntry{}
			l.entries[key] = e
		}
		e.count, e.last = 1, now
		return 0
	}
	if e.count >= r.max {
		wait := e.last.Add(r.window).Sub(now)
		return int(math.Ceil(wait.Seconds()))
	}
	e.count++
	e.last = now
	return 0
}

// sweep drops entries idle for longer than any window; if none are, it drops all (a flood of
// distinct keys must not grow memory without bound).
func (l *rateLimiter) sweep(now time.Time) {
	for k, e := range l.entries {
		if now.Sub(e.last) > time.Minute {
			delete(l.entries, k)
		}
	}
	if len(l.entries) >= maxRateKeys {
		clear(l.entries)
	}
}

func writeRateLimited(w http.ResponseWriter, wait int) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Retry-After", strconv.Itoa(wait))
	w.WriteHeader(http.StatusTooManyRequests)
	w.Write([]byte(`{"message":"Too many requests. Please try again later."}`))
}
