package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/kragauth/krag/plugin/deviceauth"
)

// The device-authorization page (plugin/deviceauth, RFC 8628): a device such as a CLI shows
// a user code and this page's address; the signed-in user enters the code (or follows the
// complete link), sees which client asks for what, and approves or denies. Looking the code
// up claims it for the user, as the API's GET /device does, so only they may decide. Served
// only with Options.DeviceAuth.
func (s *site) deviceRoutes() {
	if s.opts.DeviceAuth == nil {
		return
	}
	s.handle("GET /device", s.signedIn(s.devicePage))
	s.handle("POST /device", s.signedIn(s.decideDevice))
}

// deviceData is the device page's Data.
type deviceData struct {
	// Form is the code entry form (sent with GET).
	Form *form
	// Code is the code found, nil before one is entered or when it was not found.
	Code *deviceCodeView
}

// deviceCodeView is a found code as the page shows it.
type deviceCodeView struct {
	UserCode, ClientID, Scope string
	Pending                   bool
	Status                    string
}

// errDeviceDecision is a device form posted without Approve or Deny.
var errDeviceDecision = &pageError{Status: http.StatusBadRequest, Heading: "This form couldn't be sent",
	Message: "Choose Approve or Deny on the device page. Go back, reload the page and try again."}

// deviceSentences are the plugin's errors as people read them.
var deviceSentences = []struct {
	err *deviceauth.Error
	msg string
}{
	{deviceauth.ErrInvalidUserCode, "That code isn't valid. Check the code your device shows and enter it again."},
	{deviceauth.ErrExpiredUserCode, "That code has expired. Start again on your device to get a new one."},
	{deviceauth.ErrAlreadyProcessed, "That code has already been approved or denied."},
	{deviceauth.ErrClaimedByOther, "That code is being approved from another account."},
	{deviceauth.ErrNotClaimed, "That code isn't ready yet. Enter it again."},
}

// deviceMessage returns the sentence for a plugin error, or "" for other errors.
func deviceMessage(err error) string {
	for _, d := range deviceSentences {
		if errors.Is(err, d.err) {
			return d.msg
		}
	}
	return ""
}

func (s *site) devicePage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if !q.Has("user_code") {
		return s.renderDevice(w, r, http.StatusOK, newForm("device", nil), nil)
	}
	f := newForm("device", url.Values{"user_code": {q.Get("user_code")}})
	if strings.TrimSpace(f.Value("user_code")) == "" {
		f.FieldError("user_code", "Enter the code your device shows.")
		f.Error = "Enter the code your device shows."
		return s.renderDevice(w, r, http.StatusBadRequest, f, nil)
	}
	// Lookups share the API's GET /device limit, which bounds guessing codes.
	if err := s.limit(r, "/device"); err != nil {
		return s.deviceFailed(w, r, f, err)
	}
	cs, err := s.opts.DeviceAuth.Lookup(r.Context(), f.Value("user_code"), session(r).User.ID)
	if err != nil {
		return s.deviceFailed(w, r, f, err)
	}
	code := &deviceCodeView{UserCode: cs.UserCode, Status: cs.Status,
		ClientID: cs.ClientID, Scope: cs.Scope, Pending: cs.Status == deviceauth.StatusPending && cs.Claimed}
	if cs.Status == deviceauth.StatusPending && !cs.Claimed {
		return s.deviceFailed(w, r, f, deviceauth.ErrClaimedByOther)
	}
	return s.renderDevice(w, r, http.StatusOK, f, code)
}

// decideDevice approves or denies the posted code for the signed-in user.
func (s *site) decideDevice(w http.ResponseWriter, r *http.Request) error {
	f := postedForm("device", r)
	code, decision := f.Value("user_code"), f.Value("decision")
	if decision != "approve" && decision != "deny" {
		return errDeviceDecision
	}
	ctx, uid := r.Context(), session(r).User.ID
	if _, err := s.opts.DeviceAuth.Lookup(ctx, code, uid); err != nil {
		return s.deviceFailed(w, r, f, err)
	}
	decide, notice := s.opts.DeviceAuth.Approve, "device-approved"
	if decision == "deny" {
		decide, notice = s.opts.DeviceAuth.Deny, "device-denied"
	}
	if err := decide(ctx, uid, code); err != nil {
		return s.deviceFailed(w, r, f, err)
	}
	return s.redirect(w, r, "/device", notice)
}

// deviceFailed shows the entry form again with the plugin's error next to the code; other
// errors go to the error pages.
func (s *site) deviceFailed(w http.ResponseWriter, r *http.Request, f *form, err error) error {
	msg, status := deviceMessage(err), http.StatusBadRequest
	var de *deviceauth.Error
	var rl *rateLimited
	switch {
	case errors.As(err, &rl):
		msg, status = rl.sentence(), http.StatusTooManyRequests
	case msg == "":
		return err
	case errors.As(err, &de):
		status = de.Status
	}
	f = newForm("device", url.Values{"user_code": {f.Value("user_code")}})
	f.FieldError("user_code", msg)
	f.Error = msg
	return s.renderDevice(w, r, status, f, nil)
}

func (s *site) renderDevice(w http.ResponseWriter, r *http.Request, status int, f *form, code *deviceCodeView) error {
	return s.render(w, r, status, "device", view{Title: "Connect a device", Error: f.Error, Data: deviceData{Form: f, Code: code}})
}
