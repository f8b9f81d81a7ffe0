package client

import (
	"encoding/json"
	"time"
)

// User is a user as the server sends it. Additional fields are read with Fields.
type User struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"emailVerified"`
	Image         *string   `json:"image"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`

	raw json.RawMessage
}

// UnmarshalJSON keeps the raw object for Fields.
func (u *User) UnmarshalJSON(b []byte) error {
	type plain User
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*u = User(p)
	u.raw = append(json.RawMessage(nil), b...)
	return nil
}

// Fields decodes the user's JSON, additional fields included, into v: a pointer to a struct
// with json tags naming the fields (`json:"firstName"`).
func (u *User) Fields(v any) error { return json.Unmarshal(u.raw, v) }

// Session is a session as the server sends it.
type Session struct {
	ID        string    `json:"id"`
	Token     string    `json:"token"`
	UserID    string    `json:"userId"`
	ExpiresAt time.Time `json:"expiresAt"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	IPAddress string    `json:"ipAddress"`
	UserAgent string    `json:"userAgent"`

	raw json.RawMessage
}

// UnmarshalJSON keeps the raw object for Fields.
func (s *Session) UnmarshalJSON(b []byte) error {
	type plain Session
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*s = Session(p)
	s.raw = append(json.RawMessage(nil), b...)
	return nil
}

// Fields decodes the session's JSON, additional fields included, into v.
func (s *Session) Fields(v any) error { return json.Unmarshal(s.raw, v) }

// SessionData is a session with its user.
type SessionData struct {
	Session Session `json:"session"`
	User    User    `json:"user"`
}
