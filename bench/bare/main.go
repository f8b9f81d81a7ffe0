// Command bare is the baseline of Krag's HTTP benchmarks: a plain net/http server that answers
// the harness's requests (shared/bench) with constant bodies of the same shape and size as
// Krag's, doing no authentication work at all. Krag's get-session from the cookie cache is
// measured against it.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
)

const user = `{"id":"00000000-0000-4000-8000-000000000000","name":"Bench Fixture","email":"bench@example.com","emailVerified":false,"image":null,"createdAt":"2026-11-27T09:49:53.996Z","updatedAt":"2026-11-27T09:49:53.996Z","roleId":null,"phoneNumber":null,"firstName":null,"lastName":null,"isActive":true}`

const session = `{"session":{"id":"00000000-0000-4000-8000-000000000001","token":"wv0vCSLpZf3DyOqKRvQrTOZfSXN2IVNj","userId":"00000000-0000-4000-8000-000000000000","expiresAt":"2026-12-04T09:49:54.099Z","createdAt":"2026-11-27T09:49:54.099Z","updatedAt":"2026-11-27T09:49:54.099Z","ipAddress":"","userAgent":""},"user":` + user + `}`

func main() {
	addr := flag.String("addr", "127.0.0.1:3002", "address to listen on")
	flag.Parse()
	mux := http.NewServeMux()
	json := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}
	mux.HandleFunc("GET /api/auth/ok", func(w http.ResponseWriter, r *http.Request) { json(w, `{"ok":true}`) })
	mux.HandleFunc("POST /api/auth/sign-up/email", func(w http.ResponseWriter, r *http.Request) {
		json(w, `{"token":"wv0vCSLpZf3DyOqKRvQrTOZfSXN2IVNj","user":`+user+`}`)
	})
	mux.HandleFunc("POST /api/auth/sign-in/email", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "better-auth.session_token=wv0vCSLpZf3DyOqKRvQrTOZfSXN2IVNj.x; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax")
		json(w, `{"redirect":false,"token":"wv0vCSLpZf3DyOqKRvQrTOZfSXN2IVNj","user":`+user+`}`)
	})
	mux.HandleFunc("GET /api/auth/get-session", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if strings.Contains(r.Header.Get("Cookie"), "session_token=") {
			json(w, session)
			return
		}
		json(w, "null")
	})
	if err := http.ListenAndServe(*addr, mux); err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
}
