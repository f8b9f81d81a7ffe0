package krag

import "net/http"

// Better Auth's core error codes with their exact messages
// (shared/spec/better-auth-core.md §1.7). Each Err value carries the status Krag answers it
// with by default; call sites may pick another with WithStatus, as Better Auth does.
const (
	CodeUserNotFound                    Code = "USER_NOT_FOUND"
	CodeFailedToCreateUser              Code = "FAILED_TO_CREATE_USER"
	CodeFailedToCreateSession           Code = "FAILED_TO_CREATE_SESSION"
	CodeFailedToUpdateUser              Code = "FAILED_TO_UPDATE_USER"
	CodeFailedToGetSession              Code = "FAILED_TO_GET_SESSION"
	CodeInvalidPassword                 Code = "INVALID_PASSWORD"
	CodeInvalidEmail                    Code = "INVALID_EMAIL"
	CodeInvalidEmailOrPassword          Code = "INVALID_EMAIL_OR_PASSWORD"
	CodeInvalidUser                     Code = "INVALID_USER"
	CodeSocialAccountAlreadyLinked      Code = "SOCIAL_ACCOUNT_ALREADY_LINKED"
	CodeProviderNotFound                Code = "PROVIDER_NOT_FOUND"
	CodeInvalidToken                    Code = "INVALID_TOKEN"
	CodeTokenExpired                    Code = "TOKEN_EXPIRED"
	CodeIDTokenNotSupported             Code = "ID_TOKEN_NOT_SUPPORTED"
	CodeFailedToGetUserInfo             Code = "FAILED_TO_GET_USER_INFO"
	CodeUserEmailNotFound               Code = "USER_EMAIL_NOT_FOUND"
	CodeEmailNotVerified                Code = "EMAIL_NOT_VERIFIED"
	CodePasswordTooShort                Code = "PASSWORD_TOO_SHORT"
	CodePasswordTooLong                 Code = "PASSWORD_TOO_LONG"
	CodeUserAlreadyExists               Code = "USER_ALREADY_EXISTS"
	CodeUserAlreadyExistsUseAnother     Code = "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"
	CodeEmailCanNotBeUpdated            Code = "EMAIL_CAN_NOT_BE_UPDATED"
	CodeChangeEmailDisabled             Code = "CHANGE_EMAIL_DISABLED"
	CodeCredentialAccountNotFound       Code = "CREDENTIAL_ACCOUNT_NOT_FOUND"
	CodeSessionExpired                  Code = "SESSION_EXPIRED"
	CodeFailedToUnlinkLastAccount       Code = "FAILED_TO_UNLINK_LAST_ACCOUNT"
	CodeAccountNotFound                 Code = "ACCOUNT_NOT_FOUND"
	CodeUserAlreadyHasPassword          Code = "USER_ALREADY_HAS_PASSWORD"
	CodeCrossSiteNavigationLoginBlocked Code = "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED"
	CodeVerificationEmailNotEnabled     Code = "VERIFICATION_EMAIL_NOT_ENABLED"
	CodeEmailAlreadyVerified            Code = "EMAIL_ALREADY_VERIFIED"
	CodeEmailMismatch                   Code = "EMAIL_MISMATCH"
	CodeSessionNotFresh                 Code = "SESSION_NOT_FRESH"
	CodeLinkedAccountAlreadyExists      Code = "LINKED_ACCOUNT_ALREADY_EXISTS"
	CodeInvalidOrigin                   Code = "INVALID_ORIGIN"
	CodeInvalidCallbackURL              Code = "INVALID_CALLBACK_URL"
	CodeInvalidRedirectURL              Code = "INVALID_REDIRECT_URL"
	CodeInvalidErrorCallbackURL         Code = "INVALID_ERROR_CALLBACK_URL"
	CodeInvalidNewUserCallbackURL       Code = "INVALID_NEW_USER_CALLBACK_URL"
	CodeMissingOrNullOrigin             Code = "MISSING_OR_NULL_ORIGIN"
	CodeCallbackURLRequired             Code = "CALLBACK_URL_REQUIRED"
	CodeFailedToCreateVerification      Code = "FAILED_TO_CREATE_VERIFICATION"
	CodeFieldNotAllowed                 Code = "FIELD_NOT_ALLOWED"
	CodeAsyncValidationNotSupported     Code = "ASYNC_VALIDATION_NOT_SUPPORTED"
	CodeValidationError                 Code = "VALIDATION_ERROR"
	CodeMissingField                    Code = "MISSING_FIELD"
	CodeMethodNotAllowedDeferSession    Code = "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED"
	CodeBodyMustBeAnObject              Code = "BODY_MUST_BE_AN_OBJECT"
	CodePasswordAlreadySet              Code = "PASSWORD_ALREADY_SET"

	CodeUnauthorized                Code = "UNAUTHORIZED"
	CodeEmailPasswordSignUpDisabled Code = "EMAIL_PASSWORD_SIGN_UP_DISABLED"
	CodeEmailPasswordDisabled       Code = "EMAIL_PASSWORD_DISABLED"
	CodeResetPasswordDisabled       Code = "RESET_PASSWORD_DISABLED"
	CodeInternalServerError         Code = "INTERNAL_SERVER_ERROR"
	CodeUnsupportedMediaType        Code = "UNSUPPORTED_MEDIA_TYPE"
	CodeBadRequest                  Code = "BAD_REQUEST"
	CodeNotFound                    Code = "NOT_FOUND"

	// Codes of social sign-in and the account endpoints (§2.22-§2.28, §10).
	CodeOAuthLinkError             Code = "OAUTH_LINK_ERROR"
	CodeLinkingNotAllowed          Code = "LINKING_NOT_ALLOWED"
	CodeLinkingDifferentEmails     Code = "LINKING_DIFFERENT_EMAILS_NOT_ALLOWED"
	CodeLinkingFailed              Code = "LINKING_FAILED"
	CodeProviderNotSupported       Code = "PROVIDER_NOT_SUPPORTED"
	CodeProviderNotConfigured      Code = "PROVIDER_NOT_CONFIGURED"
	CodeFailedToGetAccessToken     Code = "FAILED_TO_GET_ACCESS_TOKEN"
	CodeTokenRefreshNotSupported   Code = "TOKEN_REFRESH_NOT_SUPPORTED"
	CodeRefreshTokenNotFound       Code = "REFRESH_TOKEN_NOT_FOUND"
	CodeFailedToRefreshAccessToken Code = "FAILED_TO_REFRESH_ACCESS_TOKEN"
	CodeAccessTokenNotFound        Code = "ACCESS_TOKEN_NOT_FOUND"

	// Codes Krag adds; Better Auth has no equivalent.

	// CodeBodyTooLarge answers a request body over Options.Advanced.MaxBodyBytes.
	CodeBodyTooLarge Code = "BODY_TOO_LARGE"
	// CodeProviderUnreachable answers when a configured identity provider does not answer.
	CodeProviderUnreachable Code = "PROVIDER_UNREACHABLE"
	// CodeServiceUnavailable answers requests while the database cannot be reached.
	CodeServiceUnavailable Code = "SERVICE_UNAVAILABLE"
)

// Errors Krag's core returns. Compare with errors.Is.
var (
	ErrUserNotFound                    = &Error{http.StatusBadRequest, CodeUserNotFound, "User not found", nil}
	ErrFailedToCreateUser              = &Error{http.StatusUnprocessableEntity, CodeFailedToCreateUser, "Failed to create user", nil}
	ErrFailedToCreateSession           = &Error{http.StatusInternalServerError, CodeFailedToCreateSession, "Failed to create session", nil}
	ErrFailedToUpdateUser              = &Error{http.StatusInternalServerError, CodeFailedToUpdateUser, "Failed to update user", nil}
	ErrFailedToGetSession              = &Error{http.StatusInternalServerError, CodeFailedToGetSession, "Failed to get session", nil}
	ErrInvalidPassword                 = &Error{http.StatusBadRequest, CodeInvalidPassword, "Invalid password", nil}
	ErrInvalidEmail                    = &Error{http.StatusBadRequest, CodeInvalidEmail, "Invalid email", nil}
	ErrInvalidEmailOrPassword          = &Error{http.StatusUnauthorized, CodeInvalidEmailOrPassword, "Invalid email or password", nil}
	ErrInvalidUser                     = &Error{http.StatusBadRequest, CodeInvalidUser, "Invalid user", nil}
	ErrSocialAccountAlreadyLinked      = &Error{http.StatusConflict, CodeSocialAccountAlreadyLinked, "Social account already linked", nil}
	ErrProviderNotFound                = &Error{http.StatusNotFound, CodeProviderNotFound, "Provider not found", nil}
	ErrInvalidToken                    = &Error{http.StatusBadRequest, CodeInvalidToken, "Invalid token", nil}
	ErrTokenExpired                    = &Error{http.StatusUnauthorized, CodeTokenExpired, "Token expired", nil}
	ErrIDTokenNotSupported             = &Error{http.StatusNotFound, CodeIDTokenNotSupported, "id_token not supported", nil}
	ErrFailedToGetUserInfo             = &Error{http.StatusUnauthorized, CodeFailedToGetUserInfo, "Failed to get user info", nil}
	ErrUserEmailNotFound               = &Error{http.StatusUnauthorized, CodeUserEmailNotFound, "User email not found", nil}
	ErrEmailNotVerified                = &Error{http.StatusForbidden, CodeEmailNotVerified, "Email not verified", nil}
	ErrPasswordTooShort                = &Error{http.StatusBadRequest, CodePasswordTooShort, "Password too short", nil}
	ErrPasswordTooLong                 = &Error{http.StatusBadRequest, CodePasswordTooLong, "Password too long", nil}
	ErrUserAlreadyExists               = &Error{http.StatusUnprocessableEntity, CodeUserAlreadyExists, "User already exists.", nil}
	ErrUserAlreadyExistsUseAnother     = &Error{http.StatusUnprocessableEntity, CodeUserAlreadyExistsUseAnother, "User already exists. Use another email.", nil}
	ErrEmailCanNotBeUpdated            = &Error{http.StatusBadRequest, CodeEmailCanNotBeUpdated, "Email can not be updated", nil}
	ErrChangeEmailDisabled             = &Error{http.StatusBadRequest, CodeChangeEmailDisabled, "Change email is disabled", nil}
	ErrCredentialAccountNotFound       = &Error{http.StatusBadRequest, CodeCredentialAccountNotFound, "Credential account not found", nil}
	ErrSessionExpired                  = &Error{http.StatusBadRequest, CodeSessionExpired, "Session expired. Re-authenticate to perform this action.", nil}
	ErrFailedToUnlinkLastAccount       = &Error{http.StatusBadRequest, CodeFailedToUnlinkLastAccount, "You can't unlink your last account", nil}
	ErrAccountNotFound                 = &Error{http.StatusBadRequest, CodeAccountNotFound, "Account not found", nil}
	ErrUserAlreadyHasPassword          = &Error{http.StatusBadRequest, CodeUserAlreadyHasPassword, "User already has a password. Provide that to delete the account.", nil}
	ErrCrossSiteNavigationLoginBlocked = &Error{http.StatusForbidden, CodeCrossSiteNavigationLoginBlocked, "Cross-site navigation login blocked. This request appears to be a CSRF attack.", nil}
	ErrVerificationEmailNotEnabled     = &Error{http.StatusBadRequest, CodeVerificationEmailNotEnabled, "Verification email isn't enabled", nil}
	ErrEmailAlreadyVerified            = &Error{http.StatusBadRequest, CodeEmailAlreadyVerified, "Email is already verified", nil}
	ErrEmailMismatch                   = &Error{http.StatusBadRequest, CodeEmailMismatch, "Email mismatch", nil}
	ErrSessionNotFresh                 = &Error{http.StatusForbidden, CodeSessionNotFresh, "Session is not fresh", nil}
	ErrLinkedAccountAlreadyExists      = &Error{http.StatusBadRequest, CodeLinkedAccountAlreadyExists, "Linked account already exists", nil}
	ErrInvalidOrigin                   = &Error{http.StatusForbidden, CodeInvalidOrigin, "Invalid origin", nil}
	ErrInvalidCallbackURL              = &Error{http.StatusForbidden, CodeInvalidCallbackURL, "Invalid callbackURL", nil}
	ErrInvalidRedirectURL              = &Error{http.StatusForbidden, CodeInvalidRedirectURL, "Invalid redirectURL", nil}
	ErrInvalidErrorCallbackURL         = &Error{http.StatusForbidden, CodeInvalidErrorCallbackURL, "Invalid errorCallbackURL", nil}
	ErrInvalidNewUserCallbackURL       = &Error{http.StatusForbidden, CodeInvalidNewUserCallbackURL, "Invalid newUserCallbackURL", nil}
	ErrMissingOrNullOrigin             = &Error{http.StatusForbidden, CodeMissingOrNullOrigin, "Missing or null Origin", nil}
	ErrCallbackURLRequired             = &Error{http.StatusBadRequest, CodeCallbackURLRequired, "callbackURL is required", nil}
	ErrFailedToCreateVerification      = &Error{http.StatusInternalServerError, CodeFailedToCreateVerification, "Unable to create verification", nil}
	ErrFieldNotAllowed                 = &Error{http.StatusBadRequest, CodeFieldNotAllowed, "Field not allowed to be set", nil}
	ErrAsyncValidationNotSupported     = &Error{http.StatusInternalServerError, CodeAsyncValidationNotSupported, "Async validation is not supported", nil}
	ErrValidation                      = &Error{http.StatusBadRequest, CodeValidationError, "Validation Error", nil}
	ErrMissingField                    = &Error{http.StatusBadRequest, CodeMissingField, "Field is required", nil}
	ErrMethodNotAllowedDeferSession    = &Error{http.StatusMethodNotAllowed, CodeMethodNotAllowedDeferSession, "POST method requires deferSessionRefresh to be enabled in session config", nil}
	ErrBodyMustBeAnObject              = &Error{http.StatusBadRequest, CodeBodyMustBeAnObject, "Body must be an object", nil}
	ErrPasswordAlreadySet              = &Error{http.StatusBadRequest, CodePasswordAlreadySet, "User already has a password set", nil}

	ErrUnauthorized                = &Error{http.StatusUnauthorized, CodeUnauthorized, "Unauthorized", nil}
	ErrEmailPasswordSignUpDisabled = &Error{http.StatusBadRequest, CodeEmailPasswordSignUpDisabled, "Email and password sign up is not enabled", nil}
	ErrEmailPasswordDisabled       = &Error{http.StatusBadRequest, CodeEmailPasswordDisabled, "Email and password is not enabled", nil}
	ErrResetPasswordDisabled       = &Error{http.StatusBadRequest, CodeResetPasswordDisabled, "Reset password isn't enabled", nil}
	ErrInternal                    = &Error{http.StatusInternalServerError, CodeInternalServerError, "Internal Server Error", nil}
	ErrBadRequestJSON              = &Error{http.StatusBadRequest, CodeBadRequest, "Invalid JSON in request body", nil}
	ErrNotFound                    = &Error{http.StatusNotFound, CodeNotFound, "Not found", nil}

	ErrOAuthLinkError             = &Error{http.StatusUnauthorized, CodeOAuthLinkError, "Account linking failed", nil}
	ErrLinkingNotAllowed          = &Error{http.StatusUnauthorized, CodeLinkingNotAllowed, "Account linking is not allowed", nil}
	ErrLinkingDifferentEmails     = &Error{http.StatusUnauthorized, CodeLinkingDifferentEmails, "Linking an account with a different email is not allowed", nil}
	ErrLinkingFailed              = &Error{http.StatusExpectationFailed, CodeLinkingFailed, "Account linking failed", nil}
	ErrProviderNotSupported       = &Error{http.StatusBadRequest, CodeProviderNotSupported, "Provider not supported", nil}
	ErrProviderNotConfigured      = &Error{http.StatusBadRequest, CodeProviderNotConfigured, "Provider not configured", nil}
	ErrFailedToGetAccessToken     = &Error{http.StatusBadRequest, CodeFailedToGetAccessToken, "Failed to get a valid access token", nil}
	ErrTokenRefreshNotSupported   = &Error{http.StatusBadRequest, CodeTokenRefreshNotSupported, "Token refresh not supported", nil}
	ErrRefreshTokenNotFound       = &Error{http.StatusBadRequest, CodeRefreshTokenNotFound, "Refresh token not found", nil}
	ErrFailedToRefreshAccessToken = &Error{http.StatusBadRequest, CodeFailedToRefreshAccessToken, "Failed to refresh access token", nil}
	ErrAccessTokenNotFound        = &Error{http.StatusBadRequest, CodeAccessTokenNotFound, "Access token not found", nil}
	errInvalidIDToken             = &Error{http.StatusUnauthorized, CodeInvalidToken, "Invalid token", nil}

	ErrBodyTooLarge        = &Error{http.StatusRequestEntityTooLarge, CodeBodyTooLarge, "Request body is too large", nil}
	ErrProviderUnreachable = &Error{http.StatusBadGateway, CodeProviderUnreachable, "The identity provider cannot be reached; try again later", nil}
	ErrServiceUnavailable  = &Error{http.StatusServiceUnavailable, CodeServiceUnavailable, "Service temporarily unavailable", nil}

	// errNoFieldsToUpdate carries no code, as in Better Auth.
	errNoFieldsToUpdate = &Error{http.StatusBadRequest, "", "No fields to update", nil}
	// errNotFoundEmpty is a 404 with no body (unknown routes, disabled delete-user).
	errNotFoundEmpty = &Error{http.StatusNotFound, "", "", nil}
)
