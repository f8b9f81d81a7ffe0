package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/plugin/admin"
)

// The account page: profile, email, password, sessions and linked accounts. Each form posts to
// its own path; a failed form shows the page again at that path with its values and errors.
func (s *site) accountRoutes() {
	s.handle("GET /account", s.signedIn(s.account))
	s.handle("POST /account/profile", s.signedIn(s.updateProfile))
	s.handle("POST /account/email", s.signedIn(s.changeEmail))
	s.handle("POST /account/password", s.signedIn(s.changePassword))
	s.handle("POST /account/sessions/revoke", s.signedIn(s.revokeSession))
	s.handle("POST /account/sessions/revoke-others", s.signedIn(s.revokeOtherSessions))
	s.handle("POST /account/accounts/unlink", s.signedIn(s.unlinkAccount))
	s.handle("POST /account/accounts/link", s.signedIn(s.linkAccount))
}

// accountData is the account page's Data.
type accountData struct {
	Profile, Email, Password *form
	// Sessions and Linked carry only an Error, for their sections' buttons.
	Sessions, Linked *form

	FirstName, LastName, Phone bool // the seed's fields the Auth has
	MinPassword                int
	HasPassword                bool
	// Fresh tells whether the session is recent enough to list sessions and unlink accounts
	// (the API's list-sessions and unlink-account require it).
	Fresh       bool
	SessionList []sessionView
	Accounts    []linkedAccount
	Linkable    []providerButton
}

// linkedAccount is one way of signing in, as the account page lists it.
type linkedAccount struct {
	ID, Label  string
	Since      time.Time
	Credential bool
}

// accountForms are the forms to show; nil ones start from the user's values.
type accountForms struct {
	profile, email, password, sessions, linked *form
}

func (s *site) account(w http.ResponseWriter, r *http.Request) error {
	f := accountForms{linked: newForm("linked", nil)}
	f.linked.Error = codeMessage(r.URL.Query().Get("error"))
	return s.renderAccount(w, r, http.StatusOK, f)
}

func (s *site) renderAccount(w http.ResponseWriter, r *http.Request, status int, f accountForms) error {
	ctx := r.Context()
	sd := session(r)
	u := sd.User
	p := s.person(u)
	d := accountData{
		Profile: f.profile, Email: f.email, Password: f.password, Sessions: f.sessions, Linked: f.linked,
		FirstName: p.HasFirstName, LastName: p.HasLastName, Phone: p.HasPhone,
		MinPassword: s.opts.MinPasswordLength, Fresh: s.auth.FreshSession(sd.Session),
	}
	if d.Profile == nil {
		d.Profile = newForm("profile", url.Values{"name": {u.Name}, "firstName": {p.FirstName}, "lastName": {p.LastName}, "phoneNumber": {p.Phone}})
	}
	if d.Email == nil {
		d.Email = newForm("email", nil)
	}
	if d.Password == nil {
		d.Password = newForm("password", nil)
	}
	if d.Sessions == nil {
		d.Sessions = newForm("sessions", nil)
	}
	if d.Linked == nil {
		d.Linked = newForm("linked", nil)
	}
	accounts, err := s.auth.Accounts(ctx, u.ID)
	if err != nil {
		return err
	}
	linked := map[string]bool{}
	for _, ac := range accounts {
		linked[ac.ProviderID] = true
		if ac.ProviderID == krag.CredentialProvider {
			d.HasPassword = true
		}
		d.Accounts = append(d.Accounts, linkedAccount{ID: ac.ID, Label: providerLabel(ac.ProviderID), Since: ac.CreatedAt, Credential: ac.ProviderID == krag.CredentialProvider})
	}
	for _, b := range s.providerButtons() {
		if !linked[b.ID] {
			d.Linkable = append(d.Linkable, b)
		}
	}
	if d.Fresh {
		list, err := s.auth.ListSessions(ctx, u.ID, sd.Session.Token)
		if err != nil {
			return err
		}
		for _, ss := range list {
			// An administrator's impersonation of the user is not the user's device; the API's
			// list-sessions hides it too (plugin/admin).
			if by, ok := admin.ImpersonatedByField.Get(ss); ok && by != "" && ss.Token != sd.Session.Token {
				continue
			}
			d.SessionList = append(d.SessionList, s.sessionView(ss, sd.Session.Token))
		}
		slices.SortStableFunc(d.SessionList, func(a, b sessionView) int {
			if a.Current != b.Current {
				if a.Current {
					return -1
				}
				return 1
			}
			return b.LastSeen.Compare(a.LastSeen)
		})
	}
	v := view{Title: "Your account", Data: d}
	for _, fm := range []*form{d.Profile, d.Email, d.Password, d.Sessions, d.Linked} {
		if fm.Error != "" {
			v.Error = fm.Error
			break
		}
	}
	return s.render(w, r, status, "account", v)
}

// updateProfile saves the name and the seed's fields, as POST /update-user does.
func (s *site) updateProfile(w http.ResponseWriter, r *http.Request) error {
	f := postedForm("profile", r)
	first, last := strings.TrimSpace(f.Value("firstName")), strings.TrimSpace(f.Value("lastName"))
	phone := strings.TrimSpace(f.Value("phoneNumber"))
	name := strings.TrimSpace(f.Value("name"))
	if name == "" {
		name = strings.TrimSpace(first + " " + last)
	}
	if name == "" {
		f.FieldError("name", "Enter a name, or your first and last name.")
	}
	if phone != "" && !validPhone(phone) {
		f.FieldError("phoneNumber", "Enter a phone number using digits, spaces and + - ( ) only.")
	}
	if len(f.Errors) > 0 {
		f.Error = "Some fields need your attention."
		return s.renderAccount(w, r, http.StatusBadRequest, accountForms{profile: f})
	}
	if err := s.limit(r, "/update-user"); err != nil {
		f.Fail(err, nil)
		return s.renderAccount(w, r, http.StatusTooManyRequests, accountForms{profile: f})
	}
	sd := session(r)
	// Change the row as it is now, not the session's copy, so no field changed since (a role,
	// a deactivation) is written back.
	u, err := s.auth.FindUserByID(r.Context(), sd.User.ID)
	if err != nil {
		return err
	}
	u.Name = name
	s.setProfile(u, first, last, phone)
	if err := s.auth.UpdateUser(r.Context(), u); err != nil {
		f.Fail(err, nil)
		return s.renderAccount(w, r, s.formStatus(r, err), accountForms{profile: f})
	}
	s.auth.RefreshSessionCookies(w, r, &krag.SessionData{Session: sd.Session, User: u})
	return s.redirect(w, r, "/account", "profile-saved")
}

// changeEmail changes the email at once, marked unverified (Krag's change-email without a
// mailer).
func (s *site) changeEmail(w http.ResponseWriter, r *http.Request) error {
	f := postedForm("email", r)
	if !f.Require([2]string{"newEmail", "your new email address"}) {
		return s.renderAccount(w, r, http.StatusBadRequest, accountForms{email: f})
	}
	if err := s.limit(r, "/change-email"); err != nil {
		f.Fail(err, nil)
		return s.renderAccount(w, r, http.StatusTooManyRequests, accountForms{email: f})
	}
	sd := session(r)
	u, err := s.auth.FindUserByID(r.Context(), sd.User.ID)
	if err != nil {
		return err
	}
	next, err := s.auth.ChangeEmail(r.Context(), u, strings.TrimSpace(f.Value("newEmail")))
	if err != nil {
		f.Fail(err, map[string]string{"INVALID_EMAIL": "newEmail", "": "newEmail"})
		return s.renderAccount(w, r, s.formStatus(r, err), accountForms{email: f})
	}
	if next.Email == u.Email {
		return s.redirect(w, r, "/account", "email-unchanged")
	}
	s.auth.RefreshSessionCookies(w, r, &krag.SessionData{Session: sd.Session, User: next})
	return s.redirect(w, r, "/account", "email-changed")
}

// changePassword checks the current password and sets the new one; with "sign out everywhere
// else" every other session ends and this browser gets a new one, as POST /change-password
// does.
func (s *site) changePassword(w http.ResponseWriter, r *http.Request) error {
	f := postedForm("password", r)
	if !f.Require([2]string{"currentPassword", "your current password"}, [2]string{"newPassword", "a new password"}) {
		return s.renderAccount(w, r, http.StatusBadRequest, accountForms{password: f})
	}
	if err := s.limit(r, "/change-password"); err != nil {
		f.Fail(err, nil)
		return s.renderAccount(w, r, http.StatusTooManyRequests, accountForms{password: f})
	}
	sd := session(r)
	revoke := f.Checked("revokeOtherSessions")
	res, err := s.auth.ChangePassword(r.Context(), sd.User, krag.ChangePasswordInput{
		CurrentPassword: f.Value("currentPassword"), NewPassword: f.Value("newPassword"), RevokeOtherSessions: revoke,
		IPAddress: s.auth.ClientIP(r), UserAgent: r.UserAgent(),
	})
	if err != nil {
		f.Fail(err, map[string]string{"INVALID_PASSWORD": "currentPassword", "PASSWORD_TOO_SHORT": "newPassword", "PASSWORD_TOO_LONG": "newPassword"})
		return s.renderAccount(w, r, s.formStatus(r, err), accountForms{password: f})
	}
	if res.Session != nil {
		s.auth.SetSessionCookies(w, r, res.Session, false)
		return s.redirect(w, r, "/account", "password-revoked")
	}
	return s.redirect(w, r, "/account", "password-changed")
}

// revokeSession signs one of the user's other devices out: its next page view finds no
// session (pages read sessions from the database, never the cookie cache).
func (s *site) revokeSession(w http.ResponseWriter, r *http.Request) error {
	sd := session(r)
	handle := r.PostForm.Get("session")
	if handle == "" {
		return s.redirect(w, r, "/account", "")
	}
	if handle == sd.Session.Token { // this browser: that is signing out
		return s.signOut(w, r)
	}
	if err := s.limit(r, "/revoke-session"); err != nil {
		f := newForm("sessions", nil)
		f.Fail(err, nil)
		return s.renderAccount(w, r, http.StatusTooManyRequests, accountForms{sessions: f})
	}
	if err := s.auth.RevokeSession(r.Context(), sd.User.ID, handle); err != nil {
		return err
	}
	return s.redirect(w, r, "/account", "session-revoked")
}

func (s *site) revokeOtherSessions(w http.ResponseWriter, r *http.Request) error {
	sd := session(r)
	if err := s.limit(r, "/revoke-other-sessions"); err != nil {
		f := newForm("sessions", nil)
		f.Fail(err, nil)
		return s.renderAccount(w, r, http.StatusTooManyRequests, accountForms{sessions: f})
	}
	if err := s.auth.RevokeOtherSessions(r.Context(), sd.User.ID, sd.Session.Token); err != nil {
		return err
	}
	return s.redirect(w, r, "/account", "sessions-revoked")
}

// unlinkAccount removes a linked provider account, as POST /unlink-account does: the session
// must be fresh, and the last way of signing in stays.
func (s *site) unlinkAccount(w http.ResponseWriter, r *http.Request) error {
	sd := session(r)
	fail := func(err error) error {
		f := newForm("linked", nil)
		f.Fail(err, nil)
		return s.renderAccount(w, r, s.formStatus(r, err), accountForms{linked: f})
	}
	if !s.auth.FreshSession(sd.Session) {
		return fail(krag.ErrSessionNotFresh)
	}
	if err := s.limit(r, "/unlink-account"); err != nil {
		return fail(err)
	}
	accounts, err := s.auth.Accounts(r.Context(), sd.User.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(accounts, func(ac *krag.Account) bool { return ac.ID == r.PostForm.Get("account") })
	switch {
	case i < 0:
		return fail(krag.ErrAccountNotFound)
	case len(accounts) == 1:
		return fail(krag.ErrFailedToUnlinkLastAccount)
	case accounts[i].ProviderID == krag.CredentialProvider:
		return fail(&krag.Error{Status: http.StatusBadRequest, Message: "Your password can't be removed here"})
	}
	if err := s.auth.DeleteAccount(r.Context(), accounts[i]); err != nil {
		return err
	}
	return s.redirect(w, r, "/account", "account-unlinked")
}

// linkAccount starts linking a provider account to the user (the API's link-social): the
// provider sends the browser back to the account page.
func (s *site) linkAccount(w http.ResponseWriter, r *http.Request) error {
	id := r.PostForm.Get("provider")
	var err error
	if !s.hasProvider(id) {
		err = krag.ErrProviderNotFound
	} else {
		err = s.startSocial(w, r, routeLinkSocial, socialStart{Provider: id, CallbackURL: "/account", ErrorCallbackURL: "/account"})
	}
	if err != nil {
		f := newForm("linked", nil)
		f.Fail(err, nil)
		return s.renderAccount(w, r, s.formStatus(r, err), accountForms{linked: f})
	}
	return nil
}
