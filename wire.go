package krag

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/kragauth/krag/schema"
)

// The JSON Krag sends for users and sessions is written by hand: every request passes through
// get-session, and appending bytes is several times cheaper than reflection.

// jsTime is JavaScript's Date JSON form: ISO-8601 UTC with exactly three fractional digits.
const jsTime = "2006-01-02T15:04:05.000Z"

func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	if y < 0 || y > 9999 {
		b = append(b, '"')
		b = t.AppendFormat(b, jsTime)
		return append(b, '"')
	}
	ms := t.Nanosecond() / 1e6
	return append(b, '"',
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+int(mo)/10), byte('0'+int(mo)%10), '-', byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':',
		byte('0'+s/10), byte('0'+s%10), '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z', '"')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendKey(b []byte, first bool, key string) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

func appendNullableString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendString(b, s)
}

// appendValue appends an additional field's value.
func appendValue(b []byte, f *schema.Field, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		if f.Type == schema.JSON || f.Type == schema.StringArray || f.Type == schema.NumberArray {
			if json.Valid([]byte(x)) {
				return append(b, x...)
			}
		}
		return appendString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case bool:
		return strconv.AppendBool(b, x)
	case time.Time:
		return appendTime(b, x)
	}
	return append(b, "null"...)
}

// appendExtras appends the visible additional fields of a record.
func appendExtras(b []byte, fields []schema.Field, extra map[string]any) []byte {
	for i := range fields {
		f := &fields[i]
		if f.Hidden {
			continue
		}
		b = appendKey(b, false, f.Name)
		b = appendValue(b, f, extra[f.Name])
	}
	return b
}

// appendUser appends u as Better Auth sends users.
func (a *Auth) appendUser(b []byte, u *User) []byte {
	b = append(b, '{')
	b = appendKey(b, true, "id")
	b = appendString(b, u.ID)
	b = appendKey(b, false, "name")
	b = appendString(b, u.Name)
	b = appendKey(b, false, "email")
	b = appendString(b, u.Email)
	b = appendKey(b, false, "emailVerified")
	b = strconv.AppendBool(b, u.EmailVerified)
	b = appendKey(b, false, "image")
	b = appendNullableString(b, u.Image)
	b = appendKey(b, false, "createdAt")
	b = appendTime(b, u.CreatedAt)
	b = appendKey(b, false, "updatedAt")
	b = appendTime(b, u.UpdatedAt)
	b = appendExtras(b, a.userTable.Fields[coreUserFields:], u.extra)
	return append(b, '}')
}

// appendSession appends s as Better Auth sends sessions; token is what goes in "token".
func (a *Auth) appendSession(b []byte, s *Session, token string) []byte {
	b = append(b, '{')
	b = appendKey(b, true, "id")
	b = appendString(b, s.ID)
	b = appendKey(b, false, "token")
	b = appendString(b, token)
	b = appendKey(b, false, "userId")
	b = appendString(b, s.UserID)
	b = appendKey(b, false, "expiresAt")
	b = appendTime(b, s.ExpiresAt)
	b = appendKey(b, false, "createdAt")
	b = appendTime(b, s.CreatedAt)
	b = appendKey(b, false, "updatedAt")
	b = appendTime(b, s.UpdatedAt)
	b = appendKey(b, false, "ipAddress")
	b = appendString(b, s.IPAddress)
	b = appendKey(b, false, "userAgent")
	b = appendString(b, s.UserAgent)
	b = appendExtras(b, a.sessionTable.Fields[coreSessionFields:], s.extra)
	return append(b, '}')
}

// rawJSON is a pre-encoded JSON value for json.Marshal.
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }

// userJSON returns u's wire form for use inside json.Marshal'ed responses.
func (a *Auth) userJSON(u *User) rawJSON { return a.appendUser(nil, u) }

// wireUser and wireSession decode what appendUser and appendSession write (the cookie cache,
// and users written by a Better Auth server sharing the cookie).
type wireUser struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"emailVerified"`
	Image         *string   `json:"image"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

type wireSession struct {
	ID        string    `json:"id"`
	Token     string    `json:"token"`
	UserID    string    `json:"userId"`
	ExpiresAt time.Time `json:"expiresAt"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	IPAddress *string   `json:"ipAddress"`
	UserAgent *string   `json:"userAgent"`
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// decodeExtras reads the additional fields of fields from a JSON object.
func decodeExtras(raw []byte, fields []schema.Field) (map[string]any, error) {
	if len(fields) == 0 {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	out := make(map[string]any, len(fields))
	for i := range fields {
		f := &fields[i]
		v, ok := m[f.Name]
		if !ok {
			continue
		}
		val, err := jsonFieldValue(f, v)
		if err != nil {
			return nil, err
		}
		out[f.Name] = val
	}
	return out, nil
}

// jsonFieldValue converts one JSON value into an additional field's Go value. Wrong types are
// errors; null is nil.
func jsonFieldValue(f *schema.Field, raw json.RawMessage) (any, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	switch f.Type {
	case schema.String:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fieldTypeError{want: "string", got: jsonKind(raw)}
		}
		return s, nil
	case schema.Number:
		if jsonKind(raw) != "number" {
			return nil, fieldTypeError{want: "number", got: jsonKind(raw)}
		}
		if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
			return n, nil
		}
		fl, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return nil, fieldTypeError{want: "number", got: "number"}
		}
		return fl, nil
	case schema.Boolean:
		switch string(raw) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fieldTypeError{want: "boolean", got: jsonKind(raw)}
	case schema.Date:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fieldTypeError{want: "date", got: jsonKind(raw)}
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, fieldTypeError{want: "date", got: "Invalid Date"}
		}
		return t.UTC(), nil
	default:
		if !json.Valid(raw) {
			return nil, fieldTypeError{want: "json", got: "invalid JSON"}
		}
		return string(raw), nil
	}
}

type fieldTypeError struct{ want, got string }

func (e fieldTypeError) Error() string {
	return fmt.Sprintf("Invalid input: expected %s, received %s", e.want, e.got)
}

// jsonKind names a JSON value's type as Zod's messages do.
func jsonKind(raw []byte) string {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			return "string"
		case '{':
			return "object"
		case '[':
			return "array"
		case 't', 'f':
			return "boolean"
		case 'n':
			return "null"
		default:
			return "number"
		}
	}
	return "undefined"
}

func jsonUnquote(raw []byte, s *string) error { return json.Unmarshal(raw, s) }

// UserJSON returns u as Better Auth sends users (hidden fields left out), for plugins'
// responses. The result marshals as itself inside json.Marshal.
func (a *Auth) UserJSON(u *User) json.RawMessage { return a.appendUser(nil, u) }

// SessionJSON returns s as Better Auth sends sessions, with s.Token in "token", for plugins'
// responses.
func (a *Auth) SessionJSON(s *Session) json.RawMessage { return a.appendSession(nil, s, s.Token) }
