// Command idp is the OpenID Provider the compat tests sign in through: a real mockoidc server
// on loopback (discovery, JWKS, authorization with PKCE and nonce, token endpoint, signed ID
// tokens). It prints one JSON line {"issuer","clientId","clientSecret","control"} on stdout,
// then serves until it is killed. POST <control>/queue with {"sub","email","emailVerified",
// "name"} makes the next authorization sign that person in (mockoidc asks no questions).
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"sync"

	"github.com/oauth2-proxy/mockoidc"
)

func main() {
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		log.Fatal(err)
	}
	var mu sync.Mutex // mockoidc keeps its sessions in plain maps
	m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			next.ServeHTTP(w, r)
		})
	})
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
		mu.Lock()
		m.QueueUser(&mockoidc.MockUser{Subject: u.Sub, Email: u.Email, EmailVerified: u.EmailVerified, PreferredUsername: u.Name})
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	cln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() { log.Fatal(http.Serve(cln, control)) }()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		log.Fatal(err)
	}
	cfg := m.Config()
	line, _ := json.Marshal(map[string]string{"issuer": cfg.Issuer, "clientId": cfg.ClientID, "clientSecret": cfg.ClientSecret,
		"control": "http://" + cln.Addr().String()})
	fmt.Fprintln(os.Stdout, string(line))
	select {}
}
