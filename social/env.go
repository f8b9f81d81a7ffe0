package social

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// FromEnv builds the providers the environment configures, with the variable names of the
// seed's .env (shared/seed/better-auth-implementation-guide.md): Google from
// GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET, then GitHub from GITHUB_CLIENT_ID and
// GITHUB_CLIENT_SECRET. A provider whose two variables are both empty is left out; one set
// without the other is an error naming the missing variable. Values are trimmed of
// surrounding white space. getenv is os.Getenv or a stand-in; httpClient is passed to each
// provider (nil means a client with DefaultTimeout).
func FromEnv(getenv func(string) string, httpClient *http.Client) ([]Provider, error) {
	pair := func(idVar, secretVar string) (id, secret string, ok bool, err error) {
		id, secret = strings.TrimSpace(getenv(idVar)), strings.TrimSpace(getenv(secretVar))
		switch {
		case id == "" && secret == "":
			return "", "", false, nil
		case id == "":
			return "", "", false, fmt.Errorf("social: %s is set but %s is not", secretVar, idVar)
		case secret == "":
			return "", "", false, fmt.Errorf("social: %s is set but %s is not", idVar, secretVar)
		}
		return id, secret, true, nil
	}
	var (
		providers []Provider
		errs      []error
	)
	if id, secret, ok, err := pair("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"); err != nil {
		errs = append(errs, err)
	} else if ok {
		g, err := NewGoogle(GoogleOptions{ClientID: id, ClientSecret: secret, HTTPClient: httpClient})
		if err != nil {
			errs = append(errs, err)
		} else {
			providers = append(providers, g)
		}
	}
	if id, secret, ok, err := pair("GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET"); err != nil {
		errs = append(errs, err)
	} else if ok {
		g, err := NewGitHub(GitHubOptions{ClientID: id, ClientSecret: secret, HTTPClient: httpClient})
		if err != nil {
			errs = append(errs, err)
		} else {
			providers = append(providers, g)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return providers, nil
}
