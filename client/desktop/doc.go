// Package desktop signs the user of a desktop or command-line app in through the system
// browser, against Krag (or a Better Auth server with its electron and bearer plugins), and
// keeps the session between runs.
//
// # How a sign-in goes
//
// The app never sees the user's password or the identity provider's redirect. It makes a
// random state and a PKCE verifier, opens the browser at the server's sign-in page for apps
// (Krag's web app serves /desktop) with its client_id, the state and the S256 code challenge,
// and waits. The user signs in there however the site allows (password, Google, GitHub, …)
// and confirms; the page then hands the app a one-time code bound to that state and
// challenge, by one of:
//
//   - a custom-scheme deep link, "<scheme>://auth/callback#token=…": the operating system
//     starts the app's program with the URL; Single forwards it to the copy that is already
//     running and waiting (App.HandleURL). RegisterScheme installs the scheme on Linux;
//     register_other.go says how on macOS and Windows.
//   - an RFC 8252 loopback redirect to http://127.0.0.1:<port>/callback?token=… on a port the
//     app listens on only for this sign-in (App.SignInLoopback);
//   - the user copying the code from the page into the app (App.CompleteCode).
//
// The app checks that the state is the one it made and exchanges the code at POST
// /api/auth/electron/token with the verifier: a code that leaked to another program is
// useless without the verifier, which never left the app. The answer is a session token
// (the signed form from the set-auth-token header when the server has the bearer plugin),
// which the app keeps in a Store — the OS keyring, or, when no keyring service runs, an
// encrypted file, which OpenStore announces — and sends as "Authorization: Bearer".
//
// Apps that cannot open a browser on the same machine use the device flow (RFC 8628,
// App.SignInDevice): the user approves a short code on another device.
//
// App.Current validates the stored session on the server (and keeps the refreshed token);
// App.SignOut revokes it on the server before forgetting it.
package desktop
