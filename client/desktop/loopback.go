package desktop

import (
	"context"
	"crypto/subtle"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"strings"
	"time"
)

// LoopbackOptions configures SignInLoopback.
type LoopbackOptions struct {
	// NoBrowser leaves the browser closed: Progress is told the URL to open, on this machine
	// or another one (the code then comes back by Paste).
	NoBrowser bool
	// Progress is told what is happening, in sentences for people. Default: nothing.
	Progress func(msg string)
	// Paste delivers codes the user pastes (the sign-in page shows one), for when the browser
	// cannot reach the app's port, such as on another machine. Optional.
	Paste <-chan string
}

// SignInLoopback signs in through the browser with an RFC 8252 loopback redirect: it listens
// on 127.0.0.1 on a port the system picks, opens the sign-in page with redirect_uri
// http://127.0.0.1:<port>/callback and waits until the page sends the code there (or one is
// pasted, or ctx ends). Requests to the port that do not carry this sign-in's code are
// answered with an error page and change nothing.
func (a *App) SignInLoopback(ctx context.Context, o LoopbackOptions) (*Session, error) {
	say := o.Progress
	if say == nil {
		say = func(string) {}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("desktop: listen on 127.0.0.1 for the browser: %w", err)
	}
	defer ln.Close()
	redirect := fmt.Sprintf("http://%s/callback", ln.Addr().String())
	at, err := a.Begin(redirect)
	if err != nil {
		return nil, err
	}
	defer a.Cancel(at)

	type result struct {
		s   *Session
		err error
	}
	done := make(chan result, 1)
	finish := func(r result) {
		select {
		case done <- r:
		default:
		}
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		w.Header().Set("Referrer-Policy", "no-referrer")
		if r.URL.Path != "/callback" || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		tok := r.URL.Query().Get("token")
		id, state, err := decodeToken(tok)
		if err != nil || state == "" {
			w.WriteHeader(http.StatusBadRequest)
			page(w, "This link is not a sign-in", "Go back to the app and start signing in again.")
			return
		}
		if !a.takeIf(state, at) {
			w.WriteHeader(http.StatusBadRequest)
			page(w, "This sign-in is not the one the app is waiting for", "Go back to the app and start signing in again.")
			return
		}
		s, err := a.exchange(r.Context(), id, at)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			page(w, "Signing in failed", err.Error())
			finish(result{nil, err})
			return
		}
		page(w, "You're signed in", "You can close this tab and go back to the app.")
		finish(result{s, nil})
	})}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	if o.NoBrowser {
		say("Open this address in a browser to sign in:\n\n  " + at.URL + "\n")
	} else {
		say("Opening your browser to sign in…")
		if err := a.cfg.OpenBrowser(at.URL); err != nil {
			say("Couldn't open a browser (" + err.Error() + "). Open this address yourself:\n\n  " + at.URL + "\n")
		}
	}
	say("Waiting for the sign-in to finish (or paste the code the page shows)…")
	for {
		select {
		case r := <-done:
			return r.s, r.err
		case code, ok := <-o.Paste:
			if !ok {
				o.Paste = nil
				continue
			}
			code = strings.TrimSpace(code)
			if code == "" {
				continue
			}
			id, state, err := decodeToken(code)
			if err != nil {
				say("That isn't the code the sign-in page shows; paste it again.")
				continue
			}
			if !a.takeIf(state, at) {
				say("That code belongs to another sign-in; paste the one this sign-in's page shows.")
				continue
			}
			return a.exchange(ctx, id, at)
		case <-ctx.Done():
			return nil, fmt.Errorf("desktop: waiting for the sign-in: %w", context.Cause(ctx))
		}
	}
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1d2330}</style>
</head><body><h1>{{.Title}}</h1><p>{{.Message}}</p></body></html>`))

// page writes the loopback's small answer page.
func page(w http.ResponseWriter, title, msg string) {
	_ = pageTemplate.Execute(w, struct{ Title, Message string }{title, msg})
}

// takeIf takes at when state is its state (compared in constant time) and it is still
// waiting; other sign-ins are left alone.
func (a *App) takeIf(state string, at *Attempt) bool {
	if subtle.ConstantTimeCompare([]byte(state), []byte(at.state)) != 1 {
		return false
	}
	return a.take(state) == at
}
