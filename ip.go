package krag

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientIP returns the client address as Better Auth records it (shared/spec/better-auth-core.md
// §4.3): from the configured headers only (never the socket), a single address unless trusted
// proxies are configured, IPv4-mapped IPv6 unwrapped, other IPv6 masked to /64 and written in
// full. "" when unknown.
func (a *Auth) clientIP(r *http.Request) string {
	if a.opts.Advanced.DisableIPTracking {
		return ""
	}
	for _, h := range a.ipHeaders {
		vals := r.Header.Values(h)
		if len(vals) == 0 {
			continue
		}
		// Several header lines form one list (RFC 9110 §5.3): a proxy that appends its own
		// line must not let the client's line decide.
		v := vals[0]
		if len(vals) > 1 {
			v = strings.Join(vals, ", ")
		}
		if v == "" {
			continue
		}
		if ip, ok := a.pickIP(v); ok {
			return formatIP(ip)
		}
	}
	return ""
}

func (a *Auth) pickIP(v string) (netip.Addr, bool) {
	parts := strings.Split(v, ",")
	if len(a.proxies) == 0 {
		if len(parts) != 1 {
			return netip.Addr{}, false
		}
		ip, err := netip.ParseAddr(strings.TrimSpace(parts[0]))
		return ip, err == nil
	}
	for i := len(parts) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(strings.TrimSpace(parts[i]))
		if err != nil {
			return netip.Addr{}, false
		}
		if !a.trustedProxy(ip) {
			return ip, true
		}
	}
	return netip.Addr{}, false
}

func (a *Auth) trustedProxy(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range a.proxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func formatIP(ip netip.Addr) string {
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	b := p.Addr().As16()
	const hexd = "0123456789abcdef"
	out := make([]byte, 0, 39)
	for i := 0; i < 16; i += 2 {
		if i > 0 {
			out = append(out, ':')
		}
		out = append(out, hexd[b[i]>>4], hexd[b[i]&15], hexd[b[i+1]>>4], hexd[b[i+1]&15])
	}
	return string(out)
}

// parseProxies reads addresses and CIDRs.
func parseProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, err
			}
			out = append(out, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(s)
		if err != nil {
			return nil, err
		}
		ip = ip.Unmap()
		out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
	}
	return out, nil
}
