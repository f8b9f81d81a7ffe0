package social_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/kragauth/krag/social"
)

// Providers are built from options, checked, and listed in krag.Options.Social.Providers.
func ExampleNewGoogle() {
	google, err := social.NewGoogle(social.GoogleOptions{
		ClientID:     os.Getenv("GOOGLE_CLIENT_ID"),
		ClientSecret: os.Getenv("GOOGLE_CLIENT_SECRET"),
		HD:           "example.com", // only accounts of this Workspace domain
		AccessType:   "offline",     // ask for a refresh token
		HTTPClient:   &http.Client{Timeout: 5 * time.Second},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(google.ID(), google.Issuer())
}

// A GitHub authorization URL needs no network call; it matches Better Auth's byte for byte.
func ExampleGitHub_AuthCodeURL() {
	github, err := social.NewGitHub(social.GitHubOptions{ClientID: "cid", ClientSecret: "secret"})
	if err != nil {
		panic(err)
	}
	u, err := github.AuthCodeURL(context.Background(), social.AuthRequest{
		State:         "L_nk9",
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		RedirectURI:   "http://localhost:3000/api/auth/callback/github",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(u)
	// Output:
	// https://github.com/login/oauth/authorize?response_type=code&client_id=cid&state=L_nk9&scope=read%3Auser+user%3Aemail&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fapi%2Fauth%2Fcallback%2Fgithub&code_challenge_method=S256&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM
}

// FromEnv reads the seed's .env names; a provider whose variables are both empty is left
// out.
func ExampleFromEnv() {
	env := map[string]string{"GITHUB_CLIENT_ID": "cid", "GITHUB_CLIENT_SECRET": "secret"}
	providers, err := social.FromEnv(func(k string) string { return env[k] }, nil)
	if err != nil {
		panic(err)
	}
	for _, p := range providers {
		fmt.Println(p.ID())
	}
	_, err = social.FromEnv(func(k string) string { return map[string]string{"GOOGLE_CLIENT_ID": "gid"}[k] }, nil)
	fmt.Println(err)
	// Output:
	// github
	// social: GOOGLE_CLIENT_ID is set but GOOGLE_CLIENT_SECRET is not
}
