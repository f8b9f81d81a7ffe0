package sqlstore

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/kragauth/krag/schema"
)

// sqliteTime is how Better Auth's Kysely adapter writes dates to SQLite: ISO-8601 UTC text
// with milliseconds (shared/spec/better-auth-core.md §7.3). Text in this one layout also
// compares correctly as a string.
const sqliteTime = "2006-01-02T15:04:05.000Z"

// encode converts a Go value of a field's logical type into what the driver stores.
func (s *Store) encode(f *schema.Field, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch f.Type {
	case schema.Date:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("field %q: want time.Time, got %T", f.Name, v)
		}
		t = t.UTC()
		if s.d.Name == schema.SQLite {
			return t.Format(sqliteTime), nil
		}
		return t.Truncate(time.Millisecond), nil
	case schema.Boolean:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("field %q: want bool, got %T", f.Name, v)
		}
		if s.d.Name == schema.Postgres {
			return b, nil
		}
		if b {
			return int64(1), nil
		}
		return int64(0), nil
	case schema.Number:
		switch n := v.(type) {
		case int64, float64:
			return n, nil
		case int:
			return int64(n), nil
		}
		return nil, fmt.Errorf("field %q: want a number, got %T", f.Name, v)
	case schema.String:
		if str, ok := v.(string); ok {
			return str, nil
		}
		return nil, fmt.Errorf("field %q: want string, got %T", f.Name, v)
	default: // JSON kinds: text
		switch j := v.(type) {
		case string:
			return j, nil
		case []byte:
			return string(j), nil
		case json.RawMessage:
			return string(j), nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", f.Name, err)
		}
		return string(b), nil
	}
}

// decode converts what the driver returned into the field's Go type.
func decode(f *schema.Field, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch f.Type {
	case schema.Date:
		switch t := v.(type) {
		case time.Time:
			return t.UTC(), nil
		case string:
			return parseTime(t)
		case []byte:
			return parseTime(string(t))
		case int64: // integer milliseconds, as some adapters write on SQLite
			return time.UnixMilli(t).UTC(), nil
		case float64:
			return time.UnixMilli(int64(t)).UTC(), nil
		}
	case schema.Boolean:
		switch b := v.(type) {
		case bool:
			return b, nil
		case int64:
			return b != 0, nil
		case []byte:
			return string(b) == "1" || string(b) == "true", nil
		case string:
			return b == "1" || b == "true", nil
		}
	case schema.Number:
		switch n := v.(type) {
		case int64, float64:
			return n, nil
		case []byte:
			return parseNumber(string(n))
		case string:
			return parseNumber(n)
		}
	default:
		switch s := v.(type) {
		case string:
			return s, nil
		case []byte:
			return string(s), nil
		case int64:
			return strconv.FormatInt(s, 10), nil
		case float64:
			return strconv.FormatFloat(s, 'f', -1, 64), nil
		case time.Time:
			return s.UTC().Format(sqliteTime), nil
		}
	}
	return nil, fmt.Errorf("field %q (%s): cannot read a %T", f.Name, f.Type, v)
}

func parseNumber(s string) (any, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("not a number: %q", s)
	}
	return f, nil
}

// parseTime reads the date texts found in SQLite databases: Krag's and Better Auth's ISO
// format, RFC 3339 with any fraction, and SQLite's own "YYYY-MM-DD HH:MM:SS[.fff]".
func parseTime(s string) (time.Time, error) {
	if t, ok := parseISOMillis(s); ok {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(n).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("not a date: %q", s)
}

// parseISOMillis parses exactly "2006-01-02T15:04:05.000Z", the layout Krag and Better Auth
// write, without the general parser.
func parseISOMillis(s string) (time.Time, bool) {
	if len(s) != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[23] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for j := i; j < i+n; j++ {
			c := s[j]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 2)
	d, ok3 := num(8, 2)
	h, ok4 := num(11, 2)
	mi, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	ms, ok7 := num(20, 3)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, ms*int(time.Millisecond), time.UTC)
	if t.Day() != d { // 31 February and the like
		return time.Time{}, false
	}
	return t, true
}
