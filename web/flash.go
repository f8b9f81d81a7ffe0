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
