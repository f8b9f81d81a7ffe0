// Package web is Krag's server-rendered application: the pages `krag serve` shows at "/"
// beside the API at /api/auth. They are html/template pages with one embedded stylesheet and
// one small script, no build step; every form posts and works without JavaScript, and the
// script only smooths things (focus on errors, busy buttons, a password toggle, local times).
// The pages call Krag's Go API (SignInEmail, ChangePassword, ListSessions, …), never the API
// over HTTP, and set exactly the cookies the API sets, so a browser signed in here is signed in
// for the Better Auth client too.
//
//	h, err := web.New(web.Options{Auth: auth, RBAC: sys.RBAC, Admin: sys.Admin})
//	mux.Handle("/api/auth/", auth)
//	mux.Handle("/", h)
//
// # Pages
//
// A page is a file of Go (its routes method, handlers and Data struct) and a template
// (templates/<name>.html defining "main"). The layout (templates/_layout.html) draws the
// header with the navigation and the signed-in user, the notices, main and the footer; shared
// partials ("csrf", "field", "form-error") live in templates/_*.html. Handlers return errors
// (a *pageError is shown as it is, anything else as the 500 page) and render with
// site.render, which executes into a buffer first so a template error never leaves half a
// page. docs/web.md walks through adding a page.
//
// # Security
//
// Sessions are read from the database on every page (Auth.LoadSession), so revoking a session
// signs that browser out at its next click even while the API's cookie cache still answers.
// Every POST must pass a Fetch Metadata check and carry the double-submit CSRF token the
// "csrf" partial puts in each form; anything else gets the 403 page (csrf.go). Sign-in and
// sign-up count against the API's rate limits. Pages are sent with a strict Content Security
// Policy (own scripts and styles only, no inline code) and are not cached.
//
// # Errors
//
// Errors of the Go API carry Better Auth's codes; message turns each into a sentence that says
// what happened and what to do (messages.go), shown at the top of the form and next to the
// field it concerns, announced to screen readers. Unknown paths get the 404 page, failures
// the 500 page, which reveals nothing of the cause (it is logged).
package web
