package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/store"
)

// sentences maps Better Auth's and Krag's error codes to what the pages say. The API's own
// messages are terse ("Invalid email or password"); these tell the reader what happened and
// what to do. Social sign-in errors arrive in the callback's redirect as lower-case codes
// ("account_not_linked"); message looks them up upper-cased, so one table serves both.
var sentences = map[krag.Code]string{
	// Signing in and up.
	"INVALID_EMAIL_OR_PASSWORD":             "That email and password don't match an account. Check them and try again.",
	"INVALID_EMAIL":                         "Enter an email address in the form name@example.com.",
	"INVALID_PASSWORD":                      "That password isn't right. Check it and try again.",
	"PASSWORD_TOO_SHORT":                    "That password is too short. Choose a longer one.",
	"PASSWORD_TOO_LONG":                     "That password is too long. Choose one of at most 128 characters.",
	"USER_ALREADY_EXISTS":                   "An account with this email already exists. Sign in instead, or use another email.",
	"USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL": "An account with this email already exists. Sign in instead, or use another email.",
	"EMAIL_NOT_VERIFIED":                    "Confirm your email address before signing in.",
	"EMAIL_PASSWORD_DISABLED":               "Signing in with an email and password is turned off here.",
	"EMAIL_PASSWORD_SIGN_UP_DISABLED":       "New accounts can't be created here at the moment.",
	"FAILED_TO_CREATE_USER":                 "Your account couldn't be created. Try again in a moment.",
	"FAILED_TO_CREATE_SESSION":              "You couldn't be signed in. Try again in a moment.",
	"BANNED_USER":                           "This account has been suspended. Contact the administrator if you think this is a mistake.",
	"USER_INACTIVE":                         "This account has been deactivated. Contact the administrator to turn it back on.",
	"CROSS_SITE_NAVIGATION_LOGIN_BLOCKED":   "For your safety, sign in from this site's own sign-in page.",
	"VALIDATION_ERROR":                      "Some of what you entered isn't valid. Check the form and try again.",
	"FIELD_NOT_ALLOWED":                     "The form sent a field that can't be set. Reload the page and try again.",
	"MISSING_FIELD":                         "A required field is missing. Fill in every field marked as required.",

	// The signed-in user's account.
	"UNAUTHORIZED":                  "Sign in to continue.",
	"SESSION_EXPIRED":               "Your session has expired. Sign in again to continue.",
	"SESSION_NOT_FRESH":             "For your security, sign in again to do this.",
	"FAILED_TO_GET_SESSION":         "Your session couldn't be read. Sign in again.",
	"FAILED_TO_UPDATE_USER":         "Your changes couldn't be saved. Try again in a moment.",
	"EMAIL_CAN_NOT_BE_UPDATED":      "Change your email with the email form.",
	"CHANGE_EMAIL_DISABLED":         "Changing your email is turned off here.",
	"CREDENTIAL_ACCOUNT_NOT_FOUND":  "Your account has no password: you sign in through a linked account.",
	"USER_NOT_FOUND":                "That user doesn't exist.",
	"FAILED_TO_UNLINK_LAST_ACCOUNT": "You can't unlink your only way of signing in. Link another account first.",
	"ACCOUNT_NOT_FOUND":             "That linked account doesn't exist. It may have been unlinked already.",
	"USER_ALREADY_HAS_PASSWORD":     "Enter your password to do this.",
	"PASSWORD_ALREADY_SET":          "Your account already has a password.",
	"INVALID_TOKEN":                 "That link is invalid or has been used already.",
	"TOKEN_EXPIRED":                 "That link has expired. Ask for a new one.",

	// Linking and social sign-in (codes of the API and of the callback's redirect).
	"SOCIAL_ACCOUNT_ALREADY_LINKED":                 "That account is already linked to another user.",
	"LINKED_ACCOUNT_ALREADY_EXISTS":                 "That account is already linked.",
	"LINKING_NOT_ALLOWED":                           "Linking that account isn't allowed.",
	"LINKING_DIFFERENT_EMAILS_NOT_ALLOWED":          "That account has a different email address from yours, so it can't be linked.",
	"LINKING_FAILED":                                "The account couldn't be linked. Try again.",
	"OAUTH_LINK_ERROR":                              "The account couldn't be linked. Try again.",
	"PROVIDER_NOT_FOUND":                            "That sign-in provider isn't set up here.",
	"PROVIDER_NOT_CONFIGURED":                       "That sign-in provider isn't set up here.",
	"PROVIDER_NOT_SUPPORTED":                        "That sign-in provider isn't supported.",
	"PROVIDER_UNREACHABLE":                          "The sign-in provider can't be reached right now. Try again in a moment, or use your email and password.",
	"ACCOUNT_NOT_LINKED":                            "An account with this email already exists. Sign in with your password, then link this provider from your account page.",
	"ACCOUNT_ALREADY_LINKED_TO_DIFFERENT_USER":      "That account is already linked to another user.",
	"EMAIL_DOES_NOT_MATCH":                          "That account has a different email address from yours, so it can't be linked.",
	"UNABLE_TO_LINK_ACCOUNT":                        "The account couldn't be linked. Try again.",
	"UNABLE_TO_CREATE_USER":                         "Your account couldn't be created. Try again in a moment.",
	"UNABLE_TO_UPDATE_ACCOUNT":                      "The linked account couldn't be updated. Try again.",
	"UNABLE_TO_GET_USER_INFO":                       "The sign-in provider didn't tell us who you are. Try again.",
	"SIGNUP_DISABLED":                               "There's no account for that sign-in, and new accounts can't be created here.",
	"EMAIL_NOT_FOUND":                               "The sign-in provider didn't share your email address, which is needed to sign in.",
	"STATE_MISMATCH":                                "The sign-in took too long or was started in another browser. Start again.",
	"STATE_INVALID":                                 "The sign-in took too long or was started in another browser. Start again.",
	"INVALID_CODE":                                  "The sign-in provider refused the sign-in. Start again.",
	"NO_CODE":                                       "The sign-in provider didn't complete the sign-in. Start again.",
	"ISSUER_MISMATCH":                               "The sign-in answer came from the wrong provider. Start again.",
	"OAUTH_PROVIDER_NOT_FOUND":                      "That sign-in provider isn't set up here.",
	"ACCESS_DENIED":                                 "The sign-in was cancelled.",
	"INTERNAL_SERVER_ERROR":                         "Something went wrong on our side. Try again in a moment.",
	"INVALID_CALLBACK_URL":                          "The page to return to isn't allowed.",
	"INVALID_ORIGIN":                                "For your safety, use this site's own pages to do this.",
	"MISSING_OR_NULL_ORIGIN":                        "For your safety, use this site's own pages to do this.",
	"BODY_TOO_LARGE":                                "What you sent is too large.",
	"SERVICE_UNAVAILABLE":                           "The service is unavailable for a moment. Try again shortly.",
	"YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS":      "You aren't allowed to act as other users.",
	"YOU_CANNOT_IMPERSONATE_ADMINS":                 "You can't act as another administrator.",
	"YOU_CANNOT_BAN_YOURSELF":                       "You can't ban yourself.",
	"YOU_CANNOT_REMOVE_YOURSELF":                    "You can't remove your own account from here.",
	"YOU_ARE_NOT_ALLOWED_TO_BAN_USERS":              "You aren't allowed to ban users.",
	"YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE":      "You aren't allowed to change users' roles.",
	"YOU_ARE_NOT_ALLOWED_TO_LIST_USERS":             "You aren't allowed to see the list of users.",
	"YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE": "That role doesn't exist.",
	"NO_DATA_TO_UPDATE":                             "There is nothing to change.",

	// Roles and permissions (plugin/rbac).
	"FORBIDDEN":                 "You don't have permission to do that.",
	"ROLE_NOT_FOUND":            "That role doesn't exist.",
	"PERMISSION_NOT_FOUND":      "That permission doesn't exist.",
	"ROLE_ALREADY_EXISTS":       "A role with this name already exists. Choose another name.",
	"PERMISSION_ALREADY_EXISTS": "A permission with this name already exists. Choose another name.",
	"CANNOT_CHANGE_SYSTEM_ROLE": "The built-in roles can't be renamed or deleted.",
	"ROLE_IN_USE":               "Users still have this role. Give them another role first.",
	"INVALID_ROLE":              "That role name isn't valid. Use letters, digits, dashes and underscores.",
	"INVALID_PERMISSION":        "That permission isn't valid.",
}

// message returns the sentence the pages show for err: the table's sentence for its code;
// for a *krag.Error of another code below 500, its own message (Better Auth's English, better
// than nothing); for anything else a sentence that reveals nothing of the cause.
func message(err error) string {
	if err == nil {
		return ""
	}
	var rl *rateLimited
	if errors.As(err, &rl) {
		return rl.sentence()
	}
	if errors.Is(err, store.ErrUnavailable) {
		return sentences["SERVICE_UNAVAILABLE"]
	}
	if s, ok := sentences[codeOf(err)]; ok {
		return s
	}
	var ke *krag.Error
	if errors.As(err, &ke) && ke.Status < http.StatusInternalServerError && ke.Message != "" {
		return sentenceCase(ke.Message)
	}
	return sentences["INTERNAL_SERVER_ERROR"]
}

// codeMessage returns the sentence for an error code as the social callback sends it
// (?error=account_not_linked), or "" for a code the pages do not know: such a code is shown
// as a general failure rather than echoed, since anyone can put it in a link.
func codeMessage(code string) string {
	if code == "" {
		return ""
	}
	if s, ok := sentences[krag.Code(strings.ToUpper(code))]; ok {
		return s
	}
	return "The sign-in didn't complete. Try again."
}

// codeOf returns the Better Auth code of err, or "".
func codeOf(err error) krag.Code {
	var ke *krag.Error
	if errors.As(err, &ke) {
		return ke.Code
	}
	return ""
}

// sentenceCase makes an API message a sentence: a capital first letter and a full stop.
func sentenceCase(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "!") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return s
}

// isGateError reports whether err is a user gate's refusal of a session (banned, inactive).
func isGateError(err error) bool {
	var ke *krag.Error
	return errors.As(err, &ke) && ke.Status == http.StatusForbidden
}
