package krag

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/kragauth/krag/store"
)

// Code is a Better Auth error code: an UPPER_SNAKE string that clients key on.
type Code string

// Error is the one error type Krag sends to clients: an HTTP status, a Better Auth code and its
// message, and the cause, which is logged but never sent. Handlers return it; it is rendered as
// {"message","code"} in exactly one place (writeError).
//
// errors.Is(err, target) holds for two *Error values with the same Code, so customised and
// wrapped copies still match the sentinels (ErrUserNotFound and the others in errcodes.go).
type Error struct {
	Status  int
	Code    Code
	Message string
	// Err is the underlying cause, for logs.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	s := string(e.Code)
	if s == "" {
		s = "error"
	}
	s += ": " + e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same code (and, for code-less errors, the
// same message).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	if e.Code == "" && t.Code == "" {
		return e.Message == t.Message
	}
	return e.Code == t.Code
}

// WithStatus returns a copy of e answered with another HTTP status.
func (e *Error) WithStatus(status int) *Error {
	c := *e
	c.Status = status
	return &c
}

// WithMessage returns a copy of e with another message.
func (e *Error) WithMessage(msg string) *Error {
	c := *e
	c.Message = msg
	return &c
}

// Wrap returns a copy of e caused by err.
func (e *Error) Wrap(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// NewError returns an *Error. Plugins declare their codes with Setup.ErrorCodes.
func NewError(status int, code Code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// errorBody is the wire form of an error: {"message": ..., "code": ...}, code omitted when empty.
type errorBody struct {
	Message string `json:"message"`
	Code    Code   `json:"code,omitempty"`
}

// writeError renders err. A *Error goes out as is (a status-only error with no message sends no
// body); anything else is logged by the caller and answered with a generic 500.
func writeError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = ErrInternal
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if e.Message == "" && e.Code == "" {
		w.WriteHeader(e.Status) // a bare status, as Better Auth's admin 401
		return
	}
	if e.Status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "5")
	}
	b, _ := json.Marshal(errorBody{Message: e.Message, Code: e.Code})
	w.WriteHeader(e.Status)
	w.Write(b)
}

// WriteError answers an HTTP request outside Krag's routes (middleware of plugins and
// applications) with err as Krag's routes would: a *Error as is, an unreachable database as 503
// SERVICE_UNAVAILABLE, anything else logged and answered 500.
func (a *Auth) WriteError(w http.ResponseWriter, err error) {
	if errors.Is(err, store.ErrUnavailable) {
		a.log.Error("krag: database unavailable", "err", err)
		err = ErrServiceUnavailable
	} else if !errors.As(err, new(*Error)) {
		a.log.Error("krag: request failed", "err", err)
	}
	writeError(w, err)
}
