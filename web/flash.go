package web

import "net/http"

// notices are the messages a page may leave for the next one (after a form's redirect). The
// flash cookie holds only a key of this table, so nothing a visitor puts in it is shown.
var notices = map[string]string{
	"signed-out":       "You are signed out.",
	"signed-in":        "You are signed in.",
	"welcome":          "Your account is ready. Welcome!",
	"profile-saved":    "Your profile is saved.",
	"email-changed":    "Your email address is changed. Confirm the new address when you get the chance.",
	"email-unchanged":  "Your email address is unchanged: that address can't be used.",
	"password-changed": "Your password is changed.",
	"password-revoked": "Your password is changed, and you are signed out everywhere else.",
	"session-revoked":  "That device is signed out.",
	"sessions-revoked": "Every other device is signed out.",
	"account-unlinked": "The account is unlinked.",

	// Posts and the admin pages.
	"post-created":          "The post is created.",
	"post-saved":            "The post is saved.",
	"post-deleted":          "The post is deleted.",
	"role-set":              "The user's role is changed.",
	"user-banned":           "The user is banned and signed out everywhere.",
	"user-unbanned":         "The ban is lifted: the user can sign in again.",
	"impersonating":         "You are now acting as this user. Use the banner at the top to stop.",
	"impersonation-stopped": "You are back to your own account.",
	"override-set":          "The user's permission override is saved.",
	"override-removed":      "The user's permission override is removed.",
	"role-created":          "The role is created.",
	"grant-saved":           "The role's permission is saved.",
	"grant-revoked":         "The permission is taken off the role.",
	"permission-created":    "The permission is created.",
	"permission-saved":      "The permission is saved.",

	// The device page.
	"device-approved": "The device is connected to your account. You can return to it now.",
	"device-denied":   "The device was refused. It won't get access to your account.",
}

// flashCookie holds a notice key for the next page view, for a minute at most.
const flashCookie = "krag_flash"

// setFlash leaves the notice key for the next page view.
func (s *site) setFlash(w http.ResponseWriter, r *http.Request, key string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: key, Path: "/", MaxAge: 60,
		HttpOnly: true, Secure: secureRequest(r), SameSite: http.SameSiteLaxMode})
}

// takeFlash returns the notice left for this page view, if any, and removes it.
func (s *site) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: secureRequest(r), SameSite: http.SameSiteLaxMode})
	return notices[c.Value]
}
