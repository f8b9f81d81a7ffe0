package web

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kragauth/krag"
)

// The seed's profile fields (shared/seed/better-auth-implementation-guide.md), as `krag serve`
// declares them. The pages show and edit them when the Auth's user table has them.
var (
	firstNameField   = krag.StringField("firstName")
	lastNameField    = krag.StringField("lastName")
	phoneNumberField = krag.StringField("phoneNumber")
)

// person is a user as the pages show them.
type person struct {
	ID, Name, Email                     string
	FirstName, LastName, Phone          string
	EmailVerified                       bool
	CreatedAt                           time.Time
	HasFirstName, HasLastName, HasPhone bool // the Auth has the field
}

// person returns u as the pages show it.
func (s *site) person(u *krag.User) *person {
	p := &person{ID: u.ID, Name: u.Name, Email: u.Email, EmailVerified: u.EmailVerified, CreatedAt: u.CreatedAt,
		HasFirstName: s.userFields[firstNameField.Name()], HasLastName: s.userFields[lastNameField.Name()],
		HasPhone: s.userFields[phoneNumberField.Name()]}
	p.FirstName, _ = firstNameField.Get(u)
	p.LastName, _ = lastNameField.Get(u)
	p.Phone, _ = phoneNumberField.Get(u)
	return p
}

// Greeting returns what to call the person: the first name, else the name's first word, else
// the email's local part.
func (p *person) Greeting() string {
	if p.FirstName != "" {
		return p.FirstName
	}
	if f := strings.Fields(p.Name); len(f) > 0 {
		return f[0]
	}
	local, _, _ := strings.Cut(p.Email, "@")
	return local
}

// DisplayName returns the name, else first and last name, else the email.
func (p *person) DisplayName() string {
	if n := strings.TrimSpace(p.Name); n != "" {
		return n
	}
	if n := strings.TrimSpace(p.FirstName + " " + p.LastName); n != "" {
		return n
	}
	return p.Email
}

// Initials returns up to two letters for the avatar.
func (p *person) Initials() string {
	var out []rune
	for _, w := range strings.Fields(p.DisplayName()) {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, unicode.ToUpper(r))
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}
