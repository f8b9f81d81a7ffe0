package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/store"
)

// pageError is an error answered with the error page: a status, a heading and a sentence.
type pageError struct {
	Status  int
	Heading string
	Message string
	Err     error // the cause, for logs
}

func (e *pageError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Heading, e.Err)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Heading)
}

func (e *pageError) Unwrap() error { return e.Err }

var (
	errNotFound = &pageError{Status: http.StatusNotFound, Heading: "Page not found",
		Message: "There's no page at this address. Check the address, or start again from the home page."}
	errMethodNotAllowed = &pageError{Status: http.StatusMethodNotAllowed, Heading: "This page can't do that",
		Message: "This address doesn't accept that kind of request. Start again from the home page."}
	errForbidden = &pageError{Status: http.StatusForbidden, Heading: "You can't see this page",
		Message: "Your account doesn't have permission for this page. Ask an administrator if you need it."}
	errCSRF = &pageError{Status: http.StatusForbidden, Heading: "This form couldn't be sent safely",
		Message: "The form expired, or it was sent from another site. Go back, reload the page and try again."}
	errInternal = &pageError{Status: http.StatusInternalServerError, Heading: "Something went wrong",
		Message: "Something went wrong on our side and your request wasn't completed. Try again in a moment."}
	errUnavailable = &pageError{Status: http.StatusServiceUnavailable, Heading: "Temporarily unavailable",
		Message: "The service can't reach its database right now. Try again in a moment."}
	// errWritten reports that the response was written already (the client went away).
	errWritten = errors.New("web: response already written")
)

// rateLimited is the error of a page action over the API's rate limit.
type rateLimited struct{ wait time.Duration }

func (e *rateLimited) Error() string { return "rate limited for " + e.wait.String() }

func (e *rateLimited) sentence() string {
	secs := int(math.Ceil(e.wait.Seconds()))
	if secs <= 1 {
		return "Too many attempts. Wait a second and try again."
	}
	return fmt.Sprintf("Too many attempts. Wait %d seconds and try again.", secs)
}

// limit counts the request against the API endpoint path's rate limit (shared with the API):
// a *rateLimited error when over it.
func (s *site) limit(r *http.Request, path string) error {
	if wait := s.auth.RateLimit(r, path); wait > 0 {
		return &rateLimited{wait: wait}
	}
	return nil
}

// errorData is the error page's Data.
type errorData struct {
	Status  int
	Message string
}

// fail answers a request whose handler returned err: an unsigned-in visitor of a private page
// is sent to sign in, a known page error is shown as it is, and anything else is logged and
// shown as the 500 page, which reveals nothing of the cause.
func (s *site) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errWritten) {
		return
	}
	var ke *krag.Error
	if errors.As(err, &ke) && ke.Status == http.StatusUnauthorized {
		s.toSignIn(w, r)
		return
	}
	var pe *pageError
	switch {
	case errors.As(err, &pe):
		if pe.Err != nil || pe.Status >= 500 {
			s.log.Error("web: request failed", "path", r.URL.Path, "status", pe.Status, "err", err)
		}
	case errors.Is(err, store.ErrUnavailable):
		s.log.Error("web: database unavailable", "path", r.URL.Path, "err", err)
		pe = errUnavailable
		w.Header().Set("Retry-After", "5")
	case errors.As(err, &ke) && ke.Status == http.StatusForbidden:
		pe = &pageError{Status: http.StatusForbidden, Heading: errForbidden.Heading, Message: message(err)}
	default:
		s.log.Error("web: request failed", "path", r.URL.Path, "err", err)
		pe = errInternal
	}
	v := view{Title: pe.Heading, Data: errorData{Status: pe.Status, Message: pe.Message}}
	if rerr := s.render(w, r, pe.Status, "error", v); rerr != nil && !errors.Is(rerr, errWritten) {
		s.log.Error("web: render the error page", "err", rerr)
		http.Error(w, pe.Heading, pe.Status)
	}
}

// toSignIn sends a visitor without a session to the sign-in page, which brings them back to
// the page they asked for (GET only: a form's target is not a page).
func (s *site) toSignIn(w http.ResponseWriter, r *http.Request) {
	target := "/sign-in"
	if r.Method == http.MethodGet {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if st := stateOf(r); st.refused != nil {
		target = "/sign-in?error=" + url.QueryEscape(string(codeOf(st.refused)))
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
