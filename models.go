package krag

import (
	"time"

	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

// User is a row of the user table. Additional fields (Options.User.AdditionalFields and those
// of plugins) are read and written through their Field values.
type User struct {
	ID            string
	Name          string
	Email         string // stored lower-cased
	EmailVerified bool
	Image         string // "" is stored as NULL and sent as null
	CreatedAt     time.Time
	UpdatedAt     time.Time

	extra map[string]any
}

func (u *User) extraFields() *map[string]any { return &u.extra }

// Session is a row of the session table.
type Session struct {
	ID string
	// Token is the session token the client holds. Sessions Krag lists for someone other than
	// their holder carry an opaque handle here instead (see Auth.ListSessions).
	Token     string
	UserID    string
	ExpiresAt time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
	IPAddress string
	UserAgent string

	extra map[string]any
}

func (s *Session) extraFields() *map[string]any { return &s.extra }

// Account is a row of the account table: one way of signing in for a user (the "credential"
// provider for email and password, or a social provider).
type Account struct {
	ID                    string
	AccountID             string // the provider's user id; the user id for "credential"
	ProviderID            string
	UserID                string
	AccessToken           string
	RefreshToken          string
	IDToken               string
	AccessTokenExpiresAt  time.Time // zero: NULL
	RefreshTokenExpiresAt time.Time // zero: NULL
	Scope                 string
	Password              string // hash; credential accounts only
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// Verification is a row of the verification table: a short-lived value under an identifier
// (reset tokens, OAuth state, one-time codes).
type Verification struct {
	ID         string
	Identifier string
	Value      string
	ExpiresAt  time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// SessionData is a session together with its user, what GetSession returns.
type SessionData struct {
	Session *Session
	User    *User
}

// CredentialProvider is the providerId of email-and-password accounts.
const CredentialProvider = "credential"

func str(v any) string {
	s, _ := v.(string)
	return s
}

func tm(v any) time.Time {
	t, _ := v.(time.Time)
	return t
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// extrasFrom copies the fields of rec that are not core fields of t.
func extrasFrom(rec store.Record, t *schema.Table, core int) map[string]any {
	if len(t.Fields) <= core {
		return nil
	}
	m := make(map[string]any, len(t.Fields)-core)
	for _, f := range t.Fields[core:] {
		m[f.Name] = rec[f.Name]
	}
	return m
}

// Number of core fields of user and session, which lead their tables' field lists.
const (
	coreUserFields    = 7
	coreSessionFields = 8
)

func (a *Auth) userFromRecord(rec store.Record) *User {
	b, _ := rec["emailVerified"].(bool)
	return &User{
		ID:            str(rec["id"]),
		Name:          str(rec["name"]),
		Email:         str(rec["email"]),
		EmailVerified: b,
		Image:         str(rec["image"]),
		CreatedAt:     tm(rec["createdAt"]),
		UpdatedAt:     tm(rec["updatedAt"]),
		extra:         extrasFrom(rec, a.userTable, coreUserFields),
	}
}

func (a *Auth) userRecord(u *User) store.Record {
	rec := store.Record{
		"id":            u.ID,
		"name":          u.Name,
		"email":         u.Email,
		"emailVerified": u.EmailVerified,
		"image":         nullable(u.Image),
		"createdAt":     u.CreatedAt,
		"updatedAt":     u.UpdatedAt,
	}
	for _, f := range a.userTable.Fields[coreUserFields:] {
		if v, ok := u.extra[f.Name]; ok {
			rec[f.Name] = v
		}
	}
	return rec
}

func (a *Auth) sessionFromRecord(rec store.Record) *Session {
	return &Session{
		ID:        str(rec["id"]),
		Token:     str(rec["token"]),
		UserID:    str(rec["userId"]),
		ExpiresAt: tm(rec["expiresAt"]),
		CreatedAt: tm(rec["createdAt"]),
		UpdatedAt: tm(rec["updatedAt"]),
		IPAddress: str(rec["ipAddress"]),
		UserAgent: str(rec["userAgent"]),
		extra:     extrasFrom(rec, a.sessionTable, coreSessionFields),
	}
}

func (a *Auth) sessionRecord(s *Session) store.Record {
	rec := store.Record{
		"id":        s.ID,
		"token":     s.Token,
		"userId":    s.UserID,
		"expiresAt": s.ExpiresAt,
		"createdAt": s.CreatedAt,
		"updatedAt": s.UpdatedAt,
		"ipAddress": s.IPAddress,
		"userAgent": s.UserAgent,
	}
	for _, f := range a.sessionTable.Fields[coreSessionFields:] {
		if v, ok := s.extra[f.Name]; ok {
			rec[f.Name] = v
		}
	}
	return rec
}

func accountFromRecord(rec store.Record) *Account {
	return &Account{
		ID:                    str(rec["id"]),
		AccountID:             str(rec["accountId"]),
		ProviderID:            str(rec["providerId"]),
		UserID:                str(rec["userId"]),
		AccessToken:           str(rec["accessToken"]),
		RefreshToken:          str(rec["refreshToken"]),
		IDToken:               str(rec["idToken"]),
		AccessTokenExpiresAt:  tm(rec["accessTokenExpiresAt"]),
		RefreshTokenExpiresAt: tm(rec["refreshTokenExpiresAt"]),
		Scope:                 str(rec["scope"]),
		Password:              str(rec["password"]),
		CreatedAt:             tm(rec["createdAt"]),
		UpdatedAt:             tm(rec["updatedAt"]),
	}
}

func accountRecord(ac *Account) store.Record {
	return store.Record{
		"id":                    ac.ID,
		"accountId":             ac.AccountID,
		"providerId":            ac.ProviderID,
		"userId":                ac.UserID,
		"accessToken":           nullable(ac.AccessToken),
		"refreshToken":          nullable(ac.RefreshToken),
		"idToken":               nullable(ac.IDToken),
		"accessTokenExpiresAt":  nullTime(ac.AccessTokenExpiresAt),
		"refreshTokenExpiresAt": nullTime(ac.RefreshTokenExpiresAt),
		"scope":                 nullable(ac.Scope),
		"password":              nullable(ac.Password),
		"createdAt":             ac.CreatedAt,
		"updatedAt":             ac.UpdatedAt,
	}
}

func verificationFromRecord(rec store.Record) *Verification {
	return &Verification{
		ID:         str(rec["id"]),
		Identifier: str(rec["identifier"]),
		Value:      str(rec["value"]),
		ExpiresAt:  tm(rec["expiresAt"]),
		CreatedAt:  tm(rec["createdAt"]),
		UpdatedAt:  tm(rec["updatedAt"]),
	}
}

func verificationRecord(v *Verification) store.Record {
	return store.Record{
		"id":         v.ID,
		"identifier": v.Identifier,
		"value":      v.Value,
		"expiresAt":  v.ExpiresAt,
		"createdAt":  v.CreatedAt,
		"updatedAt":  v.UpdatedAt,
	}
}

// Attributes returns the user's fields by their logical names, core and additional (NULL
// additional fields as nil), in a new map: for condition templates such as ${user.id} and for
// code that reads users generically.
func (u *User) Attributes() map[string]any {
	m := make(map[string]any, 7+len(u.extra))
	for k, v := range u.extra {
		m[k] = v
	}
	m["id"], m["name"], m["email"], m["emailVerified"] = u.ID, u.Name, u.Email, u.EmailVerified
	if u.Image != "" {
		m["image"] = u.Image
	} else {
		m["image"] = nil
	}
	m["createdAt"], m["updatedAt"] = u.CreatedAt, u.UpdatedAt
	return m
}
