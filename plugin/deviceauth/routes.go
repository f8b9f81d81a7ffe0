package deviceauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/kragauth/krag"
)

// noStore sets the headers RFC 8628 (by RFC 6749 §5.1) asks of code and token answers.
func noStore(r *krag.Request) {
	h := r.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}

// optString reads an optional string field of the body; empty strings count as absent, as in
// Better Auth. A value of another type is reported as Zod words it.
func optString(r *krag.Request, key string) (string, string) {
	raw := r.RawBody(key)
	if raw == nil || string(raw) == "null" {
		return "", ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", "[body." + key + "] Invalid input: expected string, received " + jsonKind(raw)
	}
	return s, ""
}

// jsonKind names the JavaScript type of a JSON value as Zod reports it.
func jsonKind(raw json.RawMessage) string {
	switch c := strings.TrimSpace(string(raw)); {
	case c == "true" || c == "false":
		return "boolean"
	case strings.HasPrefix(c, "["):
		return "array"
	case strings.HasPrefix(c, "{"):
		return "object"
	case strings.HasPrefix(c, `"`):
		return "string"
	default:
		return "number"
	}
}

// handleCode answers POST /device/code; its validation failures are RFC-style invalid_request.
func (p *Plugin) handleCode(r *krag.Request) error {
	noStore(r)
	invalid := func(desc string) error {
		return answer(r, &Error{http.StatusBadRequest, "invalid_request", desc})
	}
	if v := r.Validate(); !v.Object(false) {
		var e *krag.Error
		if errors.As(v.Err(), &e) {
			return invalid(e.Message)
		}
	}
	var in CodeRequest
	var issues []string
	for _, f := range []struct {
		key string
		dst *string
	}{{"client_id", &in.ClientID}, {"scope", &in.Scope}, {"user_id", &in.UserID}} {
		s, issue := optString(r, f.key)
		if issue == "" && s == "" && f.key == "client_id" {
			issue = "[body.client_id] Invalid input: expected string, received undefined"
		}
		if issue != "" {
			issues = append(issues, issue)
		}
		*f.dst = s
	}
	if len(issues) > 0 {
		return invalid(strings.Join(issues, "; "))
	}
	a, err := p.RequestCode(r.Context(), in)
	if err != nil {
		return answer(r, err)
	}
	return r.JSON(a)
}

// validateToken checks /device/token's body as Better Auth's schema does (generic
// VALIDATION_ERROR): grant_type the device-code URN, device_code and client_id strings.
func validateToken(r *krag.Request) error {
	v := r.Validate()
	if !v.Object(false) {
		return v.Err()
	}
	var issues []string
	if gt, _ := optString(r, "grant_type"); gt != GrantType {
		issues = append(issues, `[body.grant_type] Invalid input: expected "`+GrantType+`"`)
	}
	v.String("device_code")
	v.String("client_id")
	var e *krag.Error
	if errors.As(v.Err(), &e) {
		issues = append(issues, e.Message)
	}
	if len(issues) == 0 {
		return nil
	}
	return krag.ErrValidation.WithMessage(strings.Join(issues, "; "))
}

// tokenResponse is the answer of /device/token (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
}

func (p *Plugin) handleToken(r *krag.Request) error {
	noStore(r)
	v := r.Validate()
	g, err := p.Token(r.Context(), v.String("client_id"), v.String("device_code"), krag.SessionInput{
		IPAddress: p.auth.ClientIP(r.HTTP), UserAgent: r.HTTP.UserAgent(),
	})
	if err != nil {
		return answer(r, err)
	}
	s := g.Session.Session
	return r.JSON(tokenResponse{
		AccessToken: s.Token, TokenType: "Bearer",
		ExpiresIn: int64(s.ExpiresAt.Sub(p.auth.Now()) / time.Second), Scope: g.Scope,
	})
}

// validateVerify wants the query parameter user_code.
func validateVerify(r *krag.Request) error {
	if !r.Query().Has("user_code") {
		return krag.ErrValidation.WithMessage("[query.user_code] Invalid input: expected string, received undefined")
	}
	return nil
}

// verifyResponse is the answer of GET /device; ClientID and Scope only for the claiming user.
type verifyResponse struct {
	UserCode string  `json:"user_code"`
	Status   string  `json:"status"`
	ClientID *string `json:"client_id,omitempty"`
	Scope    *string `json:"scope,omitempty"`
}

func (p *Plugin) handleVerify(r *krag.Request) error {
	code := r.Query().Get("user_code")
	userID := ""
	if r.Session != nil {
		userID = r.Session.User.ID
	}
	cs, err := p.Lookup(r.Context(), code, userID)
	if err != nil {
		return answer(r, err)
	}
	out := verifyResponse{UserCode: code, Status: cs.Status}
	if cs.Claimed {
		out.ClientID, out.Scope = &cs.ClientID, &cs.Scope
	}
	return r.JSON(out)
}

func (p *Plugin) handleApprove(r *krag.Request) error { return p.handleDecision(r, p.Approve) }

func (p *Plugin) handleDeny(r *krag.Request) error { return p.handleDecision(r, p.Deny) }

// handleDecision answers /device/approve and /device/deny: 401 unauthorized without a session.
func (p *Plugin) handleDecision(r *krag.Request, decide func(ctx context.Context, userID, userCode string) error) error {
	if r.Session == nil {
		return answer(r, ErrAuthenticationRequired)
	}
	if err := decide(r.Context(), r.Session.User.ID, r.Validate().String("userCode")); err != nil {
		return answer(r, err)
	}
	return r.JSON(struct {
		Success bool `json:"success"`
	}{true})
}
