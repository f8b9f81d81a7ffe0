package jwt

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/kragauth/krag"
)

// handleToken answers GET /token with {"token"} for the caller's session.
func (p *Plugin) handleToken(r *krag.Request) error {
	tok, err := p.sign(r.Context(), p.auth.UserJSON(r.Session.User), p.requestIssuer(r), p.requestAudience(r))
	if err != nil {
		return err
	}
	return r.JSON(struct {
		Token string `json:"token"`
	}{tok})
}

// handleJWKS answers GET /jwks with the published public keys: each stored public JWK with
// alg, crv (when the row has one) and kid, the row id; no use member (§9.3).
func (p *Plugin) handleJWKS(r *krag.Request) error {
	rows, err := p.published(r.Context())
	if err != nil {
		return err
	}
	keys := make([]map[string]json.RawMessage, 0, len(rows))
	for _, row := range rows {
		k := map[string]json.RawMessage{}
		if err := json.Unmarshal([]byte(row.publicKey), &k); err != nil {
			return fmt.Errorf("jwt: key %s: public key: %w", row.id, err)
		}
		set := func(name, v string) {
			b, _ := json.Marshal(v)
			k[name] = b
		}
		set("alg", row.alg)
		if row.crv != "" {
			set("crv", row.crv)
		}
		set("kid", row.id)
		keys = append(keys, k)
	}
	return r.JSON(struct {
		Keys []map[string]json.RawMessage `json:"keys"`
	}{keys})
}

// setHeader adds set-auth-jwt to a get-session answer that holds a session, and names it in
// Access-Control-Expose-Headers. The claims come from the answer's user, so a cookie-cache
// answer gets the same token as one read from the database.
func (p *Plugin) setHeader(r *krag.Request) error {
	var body struct {
		User json.RawMessage `json:"user"`
	}
	if err := json.Unmarshal(r.Result(), &body); err != nil || len(body.User) == 0 || string(body.User) == "null" {
		return nil // "null": no session
	}
	tok, err := p.sign(r.Context(), body.User, p.requestIssuer(r), p.requestAudience(r))
	if err != nil {
		return err
	}
	r.SetExposedHeader(HeaderName, tok)
	return nil
}

// requestIssuer is the iss of tokens issued over HTTP: Options.Issuer, else BaseURL's origin,
// else (Development without a BaseURL) the request's own origin.
func (p *Plugin) requestIssuer(r *krag.Request) string {
	if iss := p.issuer(); iss != "" {
		return iss
	}
	return requestOrigin(r.HTTP)
}

// requestAudience is requestIssuer for aud.
func (p *Plugin) requestAudience(r *krag.Request) string {
	if aud := p.audience(); aud != "" {
		return aud
	}
	return requestOrigin(r.HTTP)
}

func requestOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
