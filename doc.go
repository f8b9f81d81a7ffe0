// Package krag is authentication for Go that speaks Better Auth's wire protocol: the official
// better-auth JavaScript client and its plugins work against it unchanged, and a database
// written by Better Auth is served as it is (its password hashes verify, its session cookies
// stay valid).
//
// # Getting started
//
// New returns an *Auth, an http.Handler for the API (mounted at /api/auth by default), and the
// Go API behind it:
//
//	db, err := sqlite.Open(ctx, "krag.db", sqlite.Options{})
//	// create the tables once: krag migrate, or db.Migrate(ctx, krag.Schema(opts))
//	auth, err := krag.New(krag.Options{
//		BaseURL:  "https://app.example.com",
//		Secret:   os.Getenv("BETTER_AUTH_SECRET"),
//		Database: db,
//	})
//	mux.Handle("/api/auth/", auth)
//	mux.Handle("/dashboard", auth.RequireSession(dashboard))
//
// Inside a handler, SessionFromContext returns the signed-in user's session; elsewhere
// GetSession reads it from any request.
//
// # What the package holds
//
// The root package is Krag's vocabulary: Auth and Options; User, Session, Account and
// Verification; Error with Better Auth's codes (errcodes.go); Plugin and Setup; record hooks
// and user gates; additional fields (Field). The endpoints of Better Auth's core live here, one
// file per group (signup.go, signin.go, session.go, password.go, user.go). Everything optional
// is a plugin under plugin/. Storage sits behind package store, with SQL in store/sqlstore and
// drivers in store/sqlite (and, next, store/mysql and store/postgres).
//
// # Where Krag differs from Better Auth
//
//   - Session tokens are stored as SHA-256 digests; rows Better Auth wrote with raw tokens keep
//     working, and Options.Session.StoreRawTokens writes raw tokens for sharing a database with
//     a Better Auth server. list-sessions shows other sessions' tokens as opaque handles.
//   - Additional fields are type-checked on input (VALIDATION_ERROR) instead of stored as sent.
//   - Without a mailer, change-email changes the address at once and marks it unverified.
//   - User gates (plugin/active's isActive) refuse sign-in and existing sessions.
//
// The wire behaviour each handler implements is cited from shared/spec/better-auth-core.md.
package krag
