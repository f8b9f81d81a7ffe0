// Command idp is the OpenID Provider the compat tests sign in through: internal/oidctest's real
// mockoidc server on loopback (discovery, JWKS, authorization with PKCE and nonce, token
// endpoint, signed ID tokens). It prints one JSON line {"issuer","clientId","clientSecret",
// "control"} on stdout, then serves until it is killed. POST <control>/queue with {"sub",
// "email","emailVerified","name"} makes the next authorization sign that person in.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/kragauth/krag/internal/oidctest"
)

func main() {
	s, err := oidctest.New()
	if err != nil {
		log.Fatal(err)
	}
	control := http.NewServeMux()
	control.HandleFunc("POST /queue", func(w http.ResponseWriter, r *http.Request) {
		var u struct {
			Sub, Email, Name string
			EmailVerified    bool
		}
		if err := json.NewDecoder(r.Body).Decode(&u); err != nil || u.Sub == "" {
			http.Error(w, "want {sub, email, emailVerified, name}", http.StatusBadRequest)
			return
		}
		s.Queue(oidctest.User{Sub: u.Sub, Email: u.Email, EmailVerified: u.EmailVerified, Name: u.Name})
		w.WriteHeader(http.StatusNoContent)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() { log.Fatal(http.Serve(ln, control)) }()
	cfg := s.Config()
	line, _ := json.Marshal(map[string]string{"issuer": cfg.Issuer, "clientId": cfg.ClientID, "clientSecret": cfg.ClientSecret,
		"control": "http://" + ln.Addr().String()})
	fmt.Fprintln(os.Stdout, string(line))
	select {}
}
