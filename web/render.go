package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/plugin/admin"
)

// files holds the templates and the static assets. Templates whose names start with "_" are
// shared by every page (the layout, partials); every other file is one page, named by its
// file name without ".html".
//
//go:embed templates/*.html static/*
var files embed.FS

// pageTemplate is one page's template set: the shared templates plus the page's own.
type pageTemplate struct {
	t *template.Template
}

// loadTemplates parses every page with the shared templates and fingerprints the assets.
func loadTemplates() (map[string]*pageTemplate, assetSet, error) {
	assets, err := loadAssets()
	if err != nil {
		return nil, assets, err
	}
	base, err := template.New("").Funcs(templateFuncs(assets)).ParseFS(files, "templates/_*.html")
	if err != nil {
		return nil, assets, fmt.Errorf("web: shared templates: %w", err)
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, assets, err
	}
	pages := map[string]*pageTemplate{}
	for _, n := range names {
		file := path.Base(n)
		if strings.HasPrefix(file, "_") {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return nil, assets, err
		}
		if t, err = t.ParseFS(files, n); err != nil {
			return nil, assets, fmt.Errorf("web: template %s: %w", file, err)
		}
		if t.Lookup("main") == nil {
			return nil, assets, fmt.Errorf("web: template %s defines no \"main\"", file)
		}
		pages[strings.TrimSuffix(file, ".html")] = &pageTemplate{t: t}
	}
	return pages, assets, nil
}

// view is what every page template receives. Handlers set Title, Data (the page's own typed
// struct) and, for a failed form, Error; render fills the rest.
type view struct {
	// Title is the page's title and, by convention, its h1.
	Title string
	// Data is the page's own data, a struct of the page's file.
	Data any
	// Error is a sentence about what went wrong, shown at the top of main and announced.
	Error string

	App           string
	Path          string
	CSRF          string
	User          *krag.User
	Person        *person
	Notice        string
	Nav           []navLink
	Impersonation *impersonation
	Status        int
}

// navLink is a header link as the layout shows it.
type navLink struct {
	Label, Path string
	Current     bool
}

// impersonation is what the banner of an impersonated session shows.
type impersonation struct {
	// StopPath is where the banner's "Stop" form posts.
	StopPath string
}

// pathStopImpersonating is where the impersonation banner's "Stop impersonating" form posts.
// The admin pages serve it.
const pathStopImpersonating = "/admin/stop-impersonating"

// render writes the page called name with status. It never fails halfway: the page is
// executed into a buffer first, and a template error becomes the 500 page.
func (s *site) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) error {
	p, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("web: no page template %q", name)
	}
	st := stateOf(r)
	v.App = s.opts.AppName
	v.Path = r.URL.Path
	v.CSRF = st.csrf
	v.Status = status
	sd := session(r)
	if sd != nil {
		v.User = sd.User
		v.Person = s.person(sd.User)
		if s.opts.Admin != nil {
			if by, ok := admin.ImpersonatedByField.Get(sd.Session); ok && by != "" {
				v.Impersonation = &impersonation{StopPath: pathStopImpersonating}
			}
		}
	}
	if v.Notice == "" {
		v.Notice = s.takeFlash(w, r)
	}
	for _, n := range s.navigation() {
		if n.SignedIn && sd == nil {
			continue
		}
		if n.Show != nil && !n.Show(r) {
			continue
		}
		v.Nav = append(v.Nav, navLink{Label: n.Label, Path: n.Path, Current: r.URL.Path == n.Path || strings.HasPrefix(r.URL.Path, n.Path+"/")})
	}
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	if err != nil {
		return errWritten
	}
	return nil
}

// redirect answers 303 See Other to target (a local path), with a notice for the next page
// (a key of notices; "" for none).
func (s *site) redirect(w http.ResponseWriter, r *http.Request, target, notice string) error {
	if notice != "" {
		s.setFlash(w, r, notice)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// templateFuncs are the functions templates may call.
func templateFuncs(assets assetSet) template.FuncMap {
	return template.FuncMap{
		"asset": assets.url,
		// when formats a time for people; the script turns it into the reader's local time.
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "never"
			}
			return t.UTC().Format("2 Jan 2006, 15:04 UTC")
		},
		// iso formats a time for the datetime attribute.
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		// field describes a labelled input of f; see fieldView.
		"field": newField,
	}
}

// --- request state ---

type stateKey struct{}

// state is what ServeHTTP learnt about a request before its page runs. The session itself is
// in the context as krag puts it (krag.SessionFromContext), so rbac's Can works in handlers.
type state struct {
	refused error // a gate's refusal (banned, inactive) of the browser's session
	csrf    string
}

func withState(r *http.Request, st *state) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
}

// stateOf returns the request's state; requests that did not pass ServeHTTP have an empty one.
func stateOf(r *http.Request) *state {
	if st, ok := r.Context().Value(stateKey{}).(*state); ok {
		return st
	}
	return &state{}
}

// session returns the signed-in user's session, or nil.
func session(r *http.Request) *krag.SessionData { return krag.SessionFromContext(r.Context()) }

// --- assets ---

// assetSet serves the embedded static files with fingerprinted URLs, so browsers may cache
// them for a day and still get a new version at once.
type assetSet struct {
	sums map[string]string // file name → short content hash
}

func loadAssets() (assetSet, error) {
	a := assetSet{sums: map[string]string{}}
	entries, err := fs.ReadDir(files, "static")
	if err != nil {
		return a, err
	}
	for _, e := range entries {
		b, err := fs.ReadFile(files, "static/"+e.Name())
		if err != nil {
			return a, err
		}
		sum := sha256.Sum256(b)
		a.sums[e.Name()] = hex.EncodeToString(sum[:6])
	}
	return a, nil
}

// url returns the URL of a static file; a file that does not exist is an error, which fails the
// template's execution (and so the tests that render it).
func (a assetSet) url(name string) (string, error) {
	sum, ok := a.sums[name]
	if !ok {
		return "", fmt.Errorf("web: no static file %q", name)
	}
	return "/static/" + name + "?v=" + sum, nil
}

func (a assetSet) handler() http.Handler {
	sub, _ := fs.Sub(files, "static")
	fileServer := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if _, ok := a.sums[name]; !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fileServer.ServeHTTP(w, r)
	})
}
