package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/kragauth/krag/plugin/electron"
)

// The desktop sign-in pages (plugin/electron, client/desktop): a desktop or CLI app opens
// /desktop?client_id=…&state=…&code_challenge=…[&redirect_uri=…] in the system browser; the
// user signs in as on any page, sees which app asks, and continues; the page issues the
// one-time code and hands it to the app: a redirect to its loopback address, or a button
// that opens its deep link, with the code shown for pasting when neither works. A request
// the plugin refuses (unknown app, no PKCE, a redirect the app may not use) is an error page
// and never redirects. /desktop/continue ends a social sign-in the app started with the
// API's GET /electron/init-oauth-proxy. Served only with Options.Electron.
func (s *site) desktopRoutes() {
	if s.opts.Electron == nil {
		return
	}
	s.handle("GET /desktop", s.signedIn(s.desktopPage))
	s.handle("POST /desktop", s.signedIn(s.desktopDecide))
	s.handle("GET /desktop/continue", s.signedIn(s.desktopContinue))
	s.handle("POST /desktop/continue", s.signedIn(s.desktopContinue))
}

// desktopData is the desktop page's Data.
type desktopData struct {
	// Ask is the app's request, for the hidden fields of the consent form.
	Ask electron.Request
	// App is the asking app's name.
	App string
	// Hand is set once the code is issued: the hand-off.
	Hand *desktopHandoff
	// Cancelled is set when the user said no.
	Cancelled bool
	// Continue asks to confirm the hand-off of a code a social sign-in left
	// (/desktop/continue).
	Continue bool
}

// desktopHandoff is an issued code as the page hands it over.
type desktopHandoff struct {
	// Link is the app's deep link with the code, "" when the app has none. It is a
	// template.URL because html/template refuses custom schemes: the plugin built it from a
	// registered client's scheme only.
	Link template.URL
	// Code is the code to paste.
	Code string
}

// desktopSentences are the plugin's refusals as people read them.
var desktopSentences = []struct {
	err error
	msg string
}{
	{electron.ErrInvalidClientID, "The app that sent you here isn't one this site knows."},
	{electron.ErrMissingState, "The app's link is incomplete (it has no state)."},
	{electron.ErrInvalidState, "The app's link is malformed (its state isn't valid)."},
	{electron.ErrMissingPKCE, "The app's link is incomplete (it has no code challenge)."},
	{electron.ErrInvalidCodeChallenge, "The app's link is malformed (its code challenge isn't valid)."},
	{electron.ErrInvalidRedirectURI, "The app asked to be sent somewhere it isn't allowed to go."},
}

// desktopRefused turns the plugin's refusals into the error page; other errors pass.
func desktopRefused(err error) error {
	for _, d := range desktopSentences {
		if errors.Is(err, d.err) {
			return &pageError{Status: http.StatusBadRequest, Heading: "This sign-in link doesn't work",
				Message: d.msg + " Start signing in again from the app.", Err: err}
		}
	}
	return err
}

func (s *site) desktopPage(w http.ResponseWriter, r *http.Request) error {
	ask := electron.RequestFromQuery(r.URL.Query())
	c, err := s.opts.Electron.Check(ask)
	if err != nil {
		return desktopRefused(err)
	}
	return s.renderDesktop(w, r, desktopData{Ask: ask, App: c.Name})
}

// desktopDecide issues the code when the user continues, and hands it over.
func (s *site) desktopDecide(w http.ResponseWriter, r *http.Request) error {
	f := postedForm("desktop", r)
	ask := electron.RequestFromQuery(url.Values{"client_id": {f.Value("client_id")}, "state": {f.Value("state")},
		"code_challenge": {f.Value("code_challenge")}, "redirect_uri": {f.Value("redirect_uri")}})
	c, err := s.opts.Electron.Check(ask)
	if err != nil {
		return desktopRefused(err)
	}
	switch f.Value("decision") {
	case "cancel":
		return s.renderDesktop(w, r, desktopData{App: c.Name, Cancelled: true})
	case "continue":
	default:
		return &pageError{Status: http.StatusBadRequest, Heading: "This form couldn't be sent",
			Message: "Choose Continue or Cancel. Go back, reload the page and try again."}
	}
	g, err := s.opts.Electron.Issue(r.Context(), session(r).User.ID, ask)
	if err != nil {
		return desktopRefused(err)
	}
	return s.handOff(w, r, g)
}

// desktopContinue asks the signed-in user to confirm handing the app the code that a social
// sign-in it started left in the script-readable cookie; the POST hands it over. The click
// matters: that sign-in may have been started by a link from anywhere, and the provider may
// have answered without showing anything.
func (s *site) desktopContinue(w http.ResponseWriter, r *http.Request) error {
	g, name, err := s.pendingFromCookie(r)
	if err != nil {
		return err
	}
	if r.Method == http.MethodGet {
		return s.renderDesktop(w, r, desktopData{App: g.Client.Name, Continue: true})
	}
	http.SetCookie(w, &http.Cookie{Name: name, Path: "/", MaxAge: -1})
	if postedForm("desktop", r).Value("decision") != "continue" {
		return s.renderDesktop(w, r, desktopData{App: g.Client.Name, Cancelled: true})
	}
	return s.handOff(w, r, g)
}

// pendingFromCookie finds the unspent code of a "better-auth.<client id>" cookie, and the
// cookie's name.
func (s *site) pendingFromCookie(r *http.Request) (*electron.Grant, string, error) {
	for _, ck := range r.Cookies() {
		id, ok := strings.CutPrefix(ck.Name, "better-auth.")
		if !ok || s.opts.Electron.Client(id) == nil || ck.Name != s.opts.Electron.RedirectCookieName(id) {
			continue
		}
		if g, err := s.opts.Electron.Pending(r.Context(), ck.Value); err == nil {
			return g, ck.Name, nil
		}
	}
	return nil, "", &pageError{Status: http.StatusBadRequest, Heading: "There's no sign-in to finish",
		Message: "The sign-in for your app has expired or was finished already. Start signing in again from the app."}
}

// handOff sends the code on: straight to a loopback address, else the hand-off page.
func (s *site) handOff(w http.ResponseWriter, r *http.Request, g *electron.Grant) error {
	if strings.HasPrefix(g.RedirectURL, "http://") {
		http.Redirect(w, r, g.RedirectURL, http.StatusSeeOther)
		return nil
	}
	return s.renderDesktop(w, r, desktopData{App: g.Client.Name, Hand: &desktopHandoff{Link: template.URL(g.RedirectURL), Code: g.Token}})
}

func (s *site) renderDesktop(w http.ResponseWriter, r *http.Request, d desktopData) error {
	title := "Sign in to " + d.App
	switch {
	case d.Hand != nil:
		title = "Return to " + d.App
	case d.Cancelled:
		title = "Sign-in cancelled"
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, http.StatusOK, "desktop", view{Title: title, Data: d})
}
