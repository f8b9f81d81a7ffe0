package krag

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/kragauth/krag/store"
)

// buildRoutes registers the core routes, then the plugins', and attaches request hooks.
func (a *Auth) buildRoutes(setup *Setup) error {
	a.routes = map[string]*route{}
	all := append(append(a.coreRoutes(), a.socialRoutes()...), setup.routes...)
	for _, rt := range all {
		r := &route{name: rt.Method + " " + rt.Path, method: rt.Method, session: rt.Session, form: rt.Form,
			validate: rt.Validate, handler: rt.Handler}
		r.login = r.name == RouteSignInEmail || r.name == RouteSignUpEmail
		r.parts = strings.Split(strings.TrimPrefix(rt.Path, "/"), "/")
		for _, p := range r.parts {
			if strings.HasPrefix(p, ":") {
				r.params = append(r.params, p[1:])
			}
		}
		if _, dup := a.routes[r.name]; dup {
			return fmt.Errorf("krag: route %s declared twice", r.name)
		}
		for _, p := range a.params {
			if p.name == r.name {
				return fmt.Errorf("krag: route %s declared twice", r.name)
			}
		}
		if len(r.params) > 0 {
			a.params = append(a.params, r)
		} else {
			a.routes[r.name] = r
		}
	}
	find := func(name string) *route {
		if r, ok := a.routes[name]; ok {
			return r
		}
		for _, r := range a.params {
			if r.name == name {
				return r
			}
		}
		return nil
	}
	for name, hs := range setup.before {
		r := find(name)
		if r == nil {
			return fmt.Errorf("krag: a before hook names unknown route %q", name)
		}
		r.before = append(r.before, hs...)
	}
	for name, hs := range setup.after {
		r := find(name)
		if r == nil {
			return fmt.Errorf("krag: an after hook names unknown route %q", name)
		}
		r.after = append(r.after, hs...)
	}
	for _, m := range setup.afterAll {
		add := func(r *route) {
			if m.match == nil || m.match(r.name) {
				r.after = append(r.after, m.hook)
			}
		}
		for _, r := range a.routes {
			add(r)
		}
		for _, r := range a.params {
			add(r)
		}
	}
	return nil
}

// match finds the route for a method and a path relative to the base path.
func (a *Auth) match(method, rel string) (*route, []string) {
	if r, ok := a.routes[method+" "+rel]; ok {
		return r, nil
	}
	if len(a.params) == 0 {
		return nil, nil
	}
	parts := strings.Split(strings.TrimPrefix(rel, "/"), "/")
next:
	for _, r := range a.params {
		if r.method != method || len(r.parts) != len(parts) {
			continue
		}
		var vals []string
		for i, p := range r.parts {
			if strings.HasPrefix(p, ":") {
				if parts[i] == "" {
					continue next
				}
				vals = append(vals, parts[i])
				continue
			}
			if p != parts[i] {
				continue next
			}
		}
		return r, vals
	}
	return nil, nil
}

// ServeHTTP answers requests under BasePath, in Better Auth's order
// (shared/spec/better-auth-core.md §1.2): rate limit, route, body, origin checks, session,
// before hooks, handler, after hooks.
func (a *Auth) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	p := hr.URL.Path
	base := a.opts.BasePath
	if !strings.HasPrefix(p, base) || len(p) <= len(base) || p[len(base)] != '/' {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	rel := p[len(base):]
	if rel == "/" || strings.Contains(rel, "//") {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if a.limiter != nil {
		ip := a.clientIP(hr)
		if ip == "" {
			ip = "no-trusted-ip"
		}
		key := strings.TrimRight(rel, "/")
		if wait := a.limiter.allow(ip+"|"+key, a.limiter.rule(key), a.now()); wait > 0 {
			a.log.Warn("krag: rate limited", "route", key, "remote_ip", ip)
			writeRateLimited(w, wait)
			return
		}
	}
	method := hr.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	rt, params := a.match(method, rel)
	if rt == nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	r := &Request{HTTP: hr, auth: a, route: rt, params: params, w: w}
	err := a.serve(r)
	a.respond(w, r, err)
}

func (a *Auth) serve(r *Request) error {
	if err := a.parseBody(r); err != nil {
		return err
	}
	if err := a.csrf(r); err != nil {
		a.log.Warn("krag: origin check failed", "route", r.route.name, "origin", r.HTTP.Header.Get("Origin"), "code", codeOf(err))
		return err
	}
	if err := a.checkURLFields(r); err != nil {
		return err
	}
	if r.route.validate != nil {
		if err := r.route.validate(r); err != nil {
			return err
		}
	}
	if r.route.login {
		if err := a.fetchMetadata(r); err != nil {
			a.log.Warn("krag: sign-in origin check failed", "route", r.route.name, "origin", r.HTTP.Header.Get("Origin"), "code", codeOf(err))
			return err
		}
	}
	if err := a.requireSession(r, r.route.session); err != nil {
		return err
	}
	for _, h := range r.route.before {
		if err := h(r); err != nil {
			return err
		}
	}
	if err := r.route.handler(r); err != nil {
		return err
	}
	for _, h := range r.route.after {
		if err := h(r); err != nil {
			return err
		}
	}
	return nil
}

func codeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// respond writes the response built in r, or err.
func (a *Auth) respond(w http.ResponseWriter, r *Request, err error) {
	h := w.Header()
	for _, c := range r.cookies {
		h.Add("Set-Cookie", c)
	}
	if err != nil {
		var e *Error
		switch {
		case errors.Is(err, store.ErrUnavailable):
			// Whatever error wraps it: a database outage is a 503 the client may retry.
			a.log.Error("krag: database unavailable", "route", r.route.name, "err", err)
			err = ErrServiceUnavailable.Wrap(err)
		case errors.As(err, &e):
			if e.Err != nil && e.Status >= 500 {
				a.log.Error("krag: request failed", "route", r.route.name, "code", e.Code, "err", e.Err)
			}
		default:
			a.log.Error("krag: request failed", "route", r.route.name, "err", err)
		}
		writeError(w, err)
		return
	}
	if r.status == 0 {
		r.status = http.StatusOK
		if r.result == nil {
			r.result = []byte("null")
		}
	}
	if r.location != "" {
		h.Set("Location", r.location)
	}
	if !r.html {
		h["Content-Type"] = a.hdr.json
	}
	w.WriteHeader(r.status)
	if r.result != nil && r.HTTP.Method != http.MethodHead {
		w.Write(r.result)
	}
}
