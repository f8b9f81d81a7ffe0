package social

import (
	"strconv"
	"strings"
	"unicode"
)

// Error is a provider's failure with its details: which of the Err* sentinels it is (Kind),
// which provider and endpoint, the OAuth error fields when the provider sent them, and the
// underlying cause. errors.Is matches both Kind and the cause; errors.As finds the *Error,
// for instance to pass the provider's error_description on to the error page.
//
// The message never holds a token, a code or a secret: only the endpoint URL, the status and
// what the provider said about the failure (cut to a readable length).
type Error struct {
	// Kind is ErrInvalidCode, ErrInvalidToken, ErrUserInfo, ErrUnreachable or
	// ErrRefreshNotSupported.
	Kind error
	// Provider is the provider id ("google", "github", ...).
	Provider string
	// Op is what was being done: "discovery", "keys", "exchange", "refresh", "user info",
	// "verify id token".
	Op string
	// URL is the endpoint called, or "" when the failure happened without a call.
	URL string
	// Status is the HTTP status of the provider's answer, or 0 when there was none.
	Status int
	// Code is the OAuth "error" field ("invalid_grant", "bad_verification_code"), or "".
	Code string
	// Description is the OAuth "error_description", the provider's message, or what was
	// wrong with the answer.
	Description string
	// Err is the underlying cause (a network error, a context error, a JSON error), or nil.
	Err error
}

// Error returns "social: <provider>: <op> <url>: <kind>[: status N][: code][: description][: cause]".
// An ErrInvalidCode from a refresh reads "the provider refused the refresh token".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("social: ")
	b.WriteString(e.Provider)
	b.WriteString(": ")
	b.WriteString(e.Op)
	if e.URL != "" {
		b.WriteString(" ")
		b.WriteString(e.URL)
	}
	switch {
	case e.Kind == ErrInvalidCode && e.Op == "refresh":
		b.WriteString(": the provider refused the refresh token")
	case e.Kind != nil:
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(e.Kind.Error(), "social: "))
	}
	if e.Status != 0 {
		b.WriteString(": status ")
		b.WriteString(strconv.Itoa(e.Status))
	}
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(printable(e.Code, 80))
	}
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(printable(e.Description, 300))
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns Kind and the cause, so errors.Is(err, ErrInvalidCode) and
// errors.Is(err, context.DeadlineExceeded) both work.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// printable cuts s to at most n runes and replaces control characters, so a provider's text
// cannot forge log lines.
func printable(s string, n int) string {
	var b strings.Builder
	runes := 0
	for _, r := range s {
		if runes == n {
			b.WriteString("…")
			break
		}
		runes++
		if unicode.IsControl(r) {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}
