package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/access"
	"github.com/kragauth/krag/plugin/admin"
	"github.com/kragauth/krag/plugin/deviceauth"
	"github.com/kragauth/krag/plugin/electron"
	"github.com/kragauth/krag/plugin/rbac"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/social"
	"github.com/kragauth/krag/web/posts"
)

// Options configures the pages.
type Options struct {
	// Auth is the Krag whose Go API the pages call. Required.
	Auth *krag.Auth
	// RBAC, when set, is the rbac plugin of the same Auth: the dashboard lists the user's roles
	// and effective permissions, and guarded pages ask it.
	RBAC *rbac.Plugin
	// Admin, when set, is the admin plugin of the same Auth (bans, impersonation).
	Admin *admin.Plugin
	// Posts, when set with RBAC, is the demo resource's plugin of the same Auth: /posts lists
	// and edits posts as the user's permissions allow. Nil leaves /posts out.
	Posts *posts.Plugin
	// DeviceAuth, when set, is the device-authorization plugin of the same Auth: /device lets
	// the signed-in user approve or deny a device's user code. Nil leaves /device out.
	DeviceAuth *deviceauth.Plugin
	// Electron, when set, is the electron plugin of the same Auth: /desktop signs a desktop
	// or CLI app's user in and hands the app its one-time code (client/desktop).
	Electron *electron.Plugin
	// Providers are the identity providers given to the Auth (krag.Options.Social.Providers):
	// the sign-in page offers a button for each, the account page a link button. Nil means
	// email and password only.
	Providers []social.Provider
	// AppName names the application in the header and page titles. Default "Krag".
	AppName string
	// MinPasswordLength is the Auth's EmailAndPassword.MinPasswordLength, for the forms' hints
	// and checks in the browser. Default 8, Krag's default.
	MinPasswordLength int
	// Logger receives the pages' logs. Default the Auth's logger.
	Logger *slog.Logger
}

// New returns the handler of the pages, to be mounted at "/" beside the Auth's API (which
// must stay mounted at its BasePath: the pages do not serve it). It parses every template
// once; an error names the template that does not parse. The handler is safe for concurrent
// use.
func New(o Options) (http.Handler, error) {
	if o.Auth == nil {
		return nil, errors.New("web: Options.Auth is required")
	}
	if o.AppName == "" {
		o.AppName = "Krag"
	}
	if o.MinPasswordLength == 0 {
		o.MinPasswordLength = 8
	}
	if o.Logger == nil {
		o.Logger = o.Auth.Logger()
	}
	for _, p := range o.Providers {
		if p == nil {
			return nil, errors.New("web: Options.Providers holds a nil provider")
		}
	}
	s := &site{opts: o, auth: o.Auth, log: o.Logger, mux: http.NewServeMux()}
	s.userFields = map[string]bool{}
	if t := o.Auth.Schema().Table(schema.UserTable); t != nil {
		for _, f := range t.Fields {
			s.userFields[f.Name] = true
		}
	}
	var err error
	if s.pages, s.assets, err = loadTemplates(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// site is the handler New returns.
type site struct {
	opts       Options
	auth       *krag.Auth
	log        *slog.Logger
	mux        *http.ServeMux
	pages      map[string]*pageTemplate // by page name: "dashboard" for templates/dashboard.html
	assets     assetSet
	userFields map[string]bool // the user table's logical field names
}

// routes registers every page. Each page file has its own routes method; add a new file's
// here, in the order pages appear in the header.
func (s *site) routes() {
	s.mux.Handle("GET /static/", s.assets.handler())
	favicon, _ := s.assets.url("favicon.svg")
	s.mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, favicon, http.StatusMovedPermanently)
	})
	s.publicRoutes()
	s.dashboardRoutes()
	s.accountRoutes()
	s.postsRoutes()
	s.adminRoutes()
	s.deviceRoutes()
	s.desktopRoutes()
}

// navigation lists the header's links, in order. An entry shows for signed-in users only
// when SignedIn is set, and only when Show (if set) agrees.
func (s *site) navigation() []navItem {
	return []navItem{
		{Label: "Dashboard", Path: "/dashboard", SignedIn: true},
		{Label: "Account", Path: "/account", SignedIn: true},
		{Label: "Posts", Path: "/posts", SignedIn: true, Show: s.showPosts},
		{Label: "Admin", Path: "/admin", SignedIn: true, Show: s.showAdmin},
	}
}

// navItem is one header link.
type navItem struct {
	Label, Path string
	SignedIn    bool
	Show        func(r *http.Request) bool
}

// signedIn lets only signed-in users reach h; others are sent to sign in and brought back.
func (s *site) signedIn(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if session(r) == nil {
			return krag.ErrUnauthorized
		}
		return h(w, r)
	}
}

// allowed lets only signed-in users whose ability allows action on the subject type reach h
// (as rbac's RequirePermission does); others see the 403 page, visitors are sent to sign in.
// Without Options.RBAC nobody is allowed.
func (s *site) allowed(action, subject string, h handlerFunc) handlerFunc {
	return s.signedIn(func(w http.ResponseWriter, r *http.Request) error {
		ok, err := s.can(r, action, access.Type(subject))
		if err != nil {
			return err
		}
		if !ok {
			return errForbidden
		}
		return h(w, r)
	})
}

// can reports whether the signed-in user may do action on subj. No user, or no RBAC, is a
// denial; an ability that cannot be loaded is an error (the 503 or 500 page: fail closed).
func (s *site) can(r *http.Request, action string, subj access.Subject) (bool, error) {
	sd := session(r)
	if sd == nil || s.opts.RBAC == nil {
		return false, nil
	}
	ab, err := s.opts.RBAC.Ability(r.Context(), sd.User.ID)
	if err != nil {
		return false, err
	}
	return ab.Can(action, subj), nil
}

// handlerFunc is a page handler: it writes a response, or returns an error that the adapter
// turns into an error page (STYLE §2.6).
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle registers h for pattern ("GET /dashboard", "POST /account").
func (s *site) handle(pattern string, h handlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// ServeHTTP answers a page request: security headers, then static files straight away; for
// pages, the session and the CSRF cookie are loaded, every POST is checked for CSRF, and the
// page's handler runs. Unknown paths get the 404 page, known paths with another method the
// 405 page.
func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	if strings.HasPrefix(r.URL.Path, "/static/") {
		s.mux.ServeHTTP(w, r)
		return
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.fail(w, r, fmt.Errorf("panic: %v", v))
		}
	}()
	w.Header().Set("Cache-Control", "no-store")
	st := &state{csrf: s.csrfCookie(w, r)}
	r = withState(r, st)
	sd, err := s.auth.LoadSession(w, r)
	switch {
	case err == nil:
		if sd != nil {
			r = r.WithContext(krag.ContextWithSession(r.Context(), sd))
		}
	case isGateError(err):
		// A banned or deactivated user: the cookies are expired; the pages treat the
		// browser as signed out and say why where it matters.
		st.refused = err
	default:
		s.fail(w, r, err)
		return
	}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.unrouted(w, r)
		return
	}
	if r.Method == http.MethodPost {
		if err := s.checkCSRF(w, r); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// unrouted answers a request no pattern matches: 405 when another method would match, else 404.
func (s *site) unrouted(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if m == r.Method || (m == http.MethodGet && r.Method == http.MethodHead) {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := s.mux.Handler(probe); p != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.fail(w, r, errMethodNotAllowed)
		return
	}
	s.fail(w, r, errNotFound)
}

// setSecurityHeaders sets the headers of every answer. The policy allows only this site's own
// scripts, styles and images: no inline script or style attribute runs (templates must not
// use them; SVG uses presentation attributes). form-action is left open because the social
// sign-in form is answered with a redirect to the provider.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}
