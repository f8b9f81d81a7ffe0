package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/kragauth/krag"
)

// The pages anyone may see: the landing page, sign-in, sign-up and sign-out.
func (s *site) publicRoutes() {
	s.handle("GET /{$}", s.home)
	s.handle("GET /sign-in", s.signInPage)
	s.handle("POST /sign-in", s.signIn)
	s.handle("POST /sign-in/social", s.signInSocial)
	s.handle("GET /sign-up", s.signUpPage)
	s.handle("POST /sign-up", s.signUp)
	s.handle("GET /sign-out", s.signOutPage)
	s.handle("POST /sign-out", s.signOut)
}

func (s *site) home(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "home", view{Title: s.opts.AppName})
}

// signInData is the sign-in page's Data.
type signInData struct {
	Form      *form
	Providers []providerButton
	Next      string
}

// providerButton is a configured identity provider as a button shows it.
type providerButton struct {
	ID, Label string
}

// signInPage shows the sign-in form; a signed-in visitor goes straight to next, unless the page
// asks them to confirm who they are (reauth=1: sensitive actions need a recent sign-in).
func (s *site) signInPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	next := safeNext(q.Get("next"))
	f := newForm("sign-in", url.Values{"remember": {"on"}})
	if sd := session(r); sd != nil {
		if q.Get("reauth") != "1" {
			return s.redirect(w, r, next, "")
		}
		f.Values.Set("email", sd.User.Email)
	}
	f.Error = codeMessage(q.Get("error"))
	return s.renderSignIn(w, r, http.StatusOK, f, next)
}

func (s *site) renderSignIn(w http.ResponseWriter, r *http.Request, status int, f *form, next string) error {
	title := "Sign in"
	if session(r) != nil {
		title = "Confirm it's you"
	}
	v := view{Title: title, Error: f.Error, Data: signInData{Form: f, Providers: s.providerButtons(), Next: next}}
	return s.render(w, r, status, "sign-in", v)
}

// signIn signs in with an email and password through the Go API and sets the same cookies
// POST /api/auth/sign-in/email sets. It counts against that endpoint's rate limit.
func (s *site) signIn(w http.ResponseWriter, r *http.Request) error {
	f := postedForm("sign-in", r)
	next := safeNext(f.Value("next"))
	if !f.Require([2]string{"email", "your email address"}, [2]string{"password", "your password"}) {
		return s.renderSignIn(w, r, http.StatusBadRequest, f, next)
	}
	if err := s.limit(r, "/sign-in/email"); err != nil {
		f.Fail(err, nil)
		return s.renderSignIn(w, r, http.StatusTooManyRequests, f, next)
	}
	dontRemember := !f.Checked("remember")
	res, err := s.auth.SignInEmail(r.Context(), krag.SignInInput{
		Email: strings.TrimSpace(f.Value("email")), Password: f.Value("password"), DontRemember: dontRemember,
		IPAddress: s.auth.ClientIP(r), UserAgent: r.UserAgent(),
	})
	if err != nil {
		f.Fail(err, map[string]string{"INVALID_EMAIL": "email"})
		return s.renderSignIn(w, r, s.formStatus(r, err), f, next)
	}
	s.replaceSession(w, r, res.Session, dontRemember)
	return s.redirect(w, r, next, "")
}

// replaceSession signs the browser in with sd, ending the session it had before, if any.
func (s *site) replaceSession(w http.ResponseWriter, r *http.Request, sd *krag.SessionData, dontRemember bool) {
	if old := session(r); old != nil {
		if err := s.auth.SignOut(r.Context(), old.Session.Token); err != nil {
			s.log.Warn("web: end the previous session", "err", err)
		}
	}
	s.auth.SetSessionCookies(w, r, sd, dontRemember)
}

// signUpData is the sign-up page's Data.
type signUpData struct {
	Form        *form
	Providers   []providerButton
	MinPassword int
	// The seed's fields the Auth has.
	FirstName, LastName, Phone bool
}

func (s *site) signUpPage(w http.ResponseWriter, r *http.Request) error {
	if session(r) != nil {
		return s.redirect(w, r, "/dashboard", "")
	}
	return s.renderSignUp(w, r, http.StatusOK, newForm("sign-up", nil))
}

func (s *site) renderSignUp(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := view{Title: "Create your account", Error: f.Error, Data: signUpData{
		Form: f, Providers: s.providerButtons(), MinPassword: s.opts.MinPasswordLength,
		FirstName: s.userFields[firstNameField.Name()], LastName: s.userFields[lastNameField.Name()],
		Phone: s.userFields[phoneNumberField.Name()],
	}}
	return s.render(w, r, status, "sign-up", v)
}

// signUpErrorFields places sign-up's errors next to their fields.
var signUpErrorFields = map[string]string{
	"INVALID_EMAIL":                         "email",
	"USER_ALREADY_EXISTS":                   "email",
	"USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL": "email",
	"PASSWORD_TOO_SHORT":                    "password",
	"PASSWORD_TOO_LONG":                     "password",
}

// signUp creates the account through the Go API with the seed's fields, signs the browser in
// and greets the new user on the dashboard. It counts against POST /sign-up/email's limit.
func (s *site) signUp(w http.ResponseWriter, r *http.Request) error {
	f := postedForm("sign-up", r)
	required := [][2]string{{"email", "your email address"}, {"password", "a password"}}
	hasFirst := s.userFields[firstNameField.Name()]
	if hasFirst {
		required = append([][2]string{{"firstName", "your first name"}}, required...)
	}
	ok := f.Require(required...)
	first, last := strings.TrimSpace(f.Value("firstName")), strings.TrimSpace(f.Value("lastName"))
	phone := strings.TrimSpace(f.Value("phoneNumber"))
	if phone != "" && !validPhone(phone) {
		f.FieldError("phoneNumber", "Enter a phone number using digits, spaces and + - ( ) only.")
		ok = false
	}
	if n := len([]rune(f.Value("password"))); n > 0 && n < s.opts.MinPasswordLength {
		f.FieldError("password", message(krag.ErrPasswordTooShort))
		ok = false
	}
	if !ok {
		if f.Error == "" {
			f.Error = "Some fields need your attention."
		}
		return s.renderSignUp(w, r, http.StatusBadRequest, f)
	}
	if err := s.limit(r, "/sign-up/email"); err != nil {
		f.Fail(err, nil)
		return s.renderSignUp(w, r, http.StatusTooManyRequests, f)
	}
	name := strings.TrimSpace(f.Value("name"))
	if name == "" {
		name = strings.TrimSpace(first + " " + last)
	}
	if name == "" {
		name, _, _ = strings.Cut(strings.TrimSpace(f.Value("email")), "@")
	}
	res, err := s.auth.SignUpEmail(r.Context(), krag.SignUpInput{
		Name: name, Email: strings.TrimSpace(f.Value("email")), Password: f.Value("password"),
		IPAddress: s.auth.ClientIP(r), UserAgent: r.UserAgent(),
		Set: func(u *krag.User) { s.setProfile(u, first, last, phone) },
	})
	if err != nil {
		f.Fail(err, signUpErrorFields)
		return s.renderSignUp(w, r, s.formStatus(r, err), f)
	}
	if res.Session == nil { // auto sign-in is off
		return s.redirect(w, r, "/sign-in", "welcome")
	}
	s.replaceSession(w, r, res.Session, false)
	return s.redirect(w, r, "/dashboard", "welcome")
}

// setProfile sets the seed's fields the Auth has on u; empty values are stored as NULL.
func (s *site) setProfile(u *krag.User, first, last, phone string) {
	for _, f := range []struct {
		field krag.Field[string]
		value string
	}{{firstNameField, first}, {lastNameField, last}, {phoneNumberField, phone}} {
		if !s.userFields[f.field.Name()] {
			continue
		}
		if f.value == "" {
			f.field.Clear(u)
		} else {
			f.field.Set(u, f.value)
		}
	}
}

// validPhone accepts what people write for a phone number: digits with spaces, dots, dashes,
// parentheses and a leading plus, 5 to 20 digits.
func validPhone(s string) bool {
	digits := 0
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '+' && i == 0, c == ' ', c == '-', c == '.', c == '(', c == ')':
		default:
			return false
		}
	}
	return digits >= 5 && digits <= 20
}

func (s *site) signOutPage(w http.ResponseWriter, r *http.Request) error {
	if session(r) == nil {
		return s.redirect(w, r, "/", "")
	}
	return s.render(w, r, http.StatusOK, "sign-out", view{Title: "Sign out"})
}

// signOut ends the browser's session and expires its cookies, as POST /api/auth/sign-out does.
func (s *site) signOut(w http.ResponseWriter, r *http.Request) error {
	if sd := session(r); sd != nil {
		if err := s.auth.SignOut(r.Context(), sd.Session.Token); err != nil {
			return err
		}
	}
	s.auth.ClearSessionCookies(w, r)
	return s.redirect(w, r, "/", "signed-out")
}

// signInSocial starts a sign-in with the chosen provider and sends the browser there; the
// provider sends it back to the API's callback, which lands on the dashboard, or on the
// sign-in page with an error code.
func (s *site) signInSocial(w http.ResponseWriter, r *http.Request) error {
	id := r.PostForm.Get("provider")
	if !s.hasProvider(id) {
		f := newForm("sign-in", url.Values{"remember": {"on"}})
		f.Fail(krag.ErrProviderNotFound, nil)
		return s.renderSignIn(w, r, http.StatusBadRequest, f, "/dashboard")
	}
	err := s.startSocial(w, r, routeSignInSocial, socialStart{
		Provider: id, CallbackURL: "/dashboard", NewUserCallbackURL: "/dashboard", ErrorCallbackURL: "/sign-in",
	})
	if err != nil {
		f := newForm("sign-in", url.Values{"remember": {"on"}})
		f.Fail(err, nil)
		return s.renderSignIn(w, r, s.formStatus(r, err), f, "/dashboard")
	}
	return nil
}

// safeNext returns next when it is a path on this site, else "/dashboard".
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/dashboard"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "/sign-in" || u.Path == "/sign-out" {
		return "/dashboard"
	}
	return next
}

// formStatus returns the status to answer a failed form with, and logs failures that are not
// the visitor's doing.
func (s *site) formStatus(r *http.Request, err error) int {
	var ke *krag.Error
	var rl *rateLimited
	switch {
	case errors.As(err, &rl):
		return http.StatusTooManyRequests
	case errors.As(err, &ke) && ke.Status >= 400 && ke.Status < 500:
		return ke.Status
	}
	s.log.Error("web: form failed", "path", r.URL.Path, "err", err)
	if ke != nil {
		return ke.Status
	}
	return http.StatusInternalServerError
}
