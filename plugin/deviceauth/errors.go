package deviceauth

import (
	"errors"
	"net/http"

	"github.com/kragauth/krag"
)

// Error is a device-flow error as RFC 8628 and Better Auth word it: an HTTP status, the
// snake_case error code and its description, sent as {"error","error_description"}
// (shared/spec/better-auth-plugins.md §1.2, §11.3). errors.Is holds for two *Error values with
// the same Code and Description.
type Error struct {
	Status      int
	Code        string
	Description string
}

// Error implements error.
func (e *Error) Error() string { return "deviceauth: " + e.Code + ": " + e.Description }

// Is reports whether target is an *Error with the same code and description.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Description == e.Description
}

// errorBody is the wire form of an Error.
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// The plugin's errors, with Better Auth's codes and messages.
var (
	// ErrInvalidClient is a client id Options.ValidateClient refused.
	ErrInvalidClient = &Error{http.StatusBadRequest, "invalid_client", "Invalid client ID"}
	// ErrInvalidDeviceCode is an unknown or already used device code.
	ErrInvalidDeviceCode = &Error{http.StatusBadRequest, "invalid_grant", "Invalid device code"}
	// ErrClientIDMismatch is a device code polled with another client id than it was issued to.
	ErrClientIDMismatch = &Error{http.StatusBadRequest, "invalid_grant", "Client ID mismatch"}
	// ErrPollingTooFrequently is a poll sooner than the polling interval after the last one.
	ErrPollingTooFrequently = &Error{http.StatusBadRequest, "slow_down", "Polling too frequently"}
	// ErrExpiredDeviceCode is a device code past its expiry; the code is deleted.
	ErrExpiredDeviceCode = &Error{http.StatusBadRequest, "expired_token", "Device code has expired"}
	// ErrAuthorizationPending is a device code the user has not approved or denied yet.
	ErrAuthorizationPending = &Error{http.StatusBadRequest, "authorization_pending", "Authorization pending"}
	// ErrAccessDenied is a device code the user denied; the code is deleted.
	ErrAccessDenied = &Error{http.StatusBadRequest, "access_denied", "Access denied"}
	// ErrClaimedByOther is an approval or denial by another user than the one who claimed the
	// code.
	ErrClaimedByOther = &Error{http.StatusForbidden, "access_denied", "You are not authorized to approve or deny this device authorization"}
	// ErrInvalidUserCode is an unknown user code.
	ErrInvalidUserCode = &Error{http.StatusBadRequest, "invalid_request", "Invalid user code"}
	// ErrExpiredUserCode is a user code past its expiry.
	ErrExpiredUserCode = &Error{http.StatusBadRequest, "expired_token", "User code has expired"}
	// ErrAlreadyProcessed is an approval or denial of a code that is no longer pending.
	ErrAlreadyProcessed = &Error{http.StatusBadRequest, "invalid_request", "Device code already processed"}
	// ErrNotClaimed is an approval or denial of a code no signed-in GET /device has claimed.
	ErrNotClaimed = &Error{http.StatusBadRequest, "invalid_request", "Device code has not been claimed by a verifying session; call `GET /device` with the `user_code` while signed in before approving or denying"}
	// ErrAuthenticationRequired is an approval or denial without a session.
	ErrAuthenticationRequired = &Error{http.StatusUnauthorized, "unauthorized", "Authentication required"}
	// ErrInvalidStatus is an approved code without a user (a corrupt row).
	ErrInvalidStatus = &Error{http.StatusInternalServerError, "server_error", "Invalid device code status"}
	// ErrUserNotFound is an approved code whose user is gone.
	ErrUserNotFound = &Error{http.StatusInternalServerError, "server_error", "User not found"}
)

// answer renders err: an *Error as its RFC 8628 body, anything else as the handler's error.
func answer(r *krag.Request, err error) error {
	if e := (*Error)(nil); errors.As(err, &e) {
		return r.JSONStatus(e.Status, errorBody{e.Code, e.Description})
	}
	return err
}
