package access

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// decoder is the fast path of parseJSON: a hand-written decoder for valid JSON that builds the
// same values as parseJSONStd (objects in JavaScript's key order, a repeated key keeping its
// first position and its last value, numbers parsed as float64 by strconv.ParseFloat, invalid
// escapes of surrogates read as U+FFFD) with a few allocations per document. It gives up,
// and parseJSONStd decides, on anything else: a syntax error, invalid UTF-8 in a string, or
// text after the value, where encoding/json's Decoder has its own rules. FuzzDecoder checks
// that whatever it accepts, parseJSONStd accepts with the same value.
type decoder struct {
	s  string
	i  int
	ar *arena
	// keys and vals are stacks of the entries of the objects and arrays being decoded,
	// innermost last; a finished one is copied out and popped. They are the arena's, reused
	// from one document to the next.
	keys []string
	vals []any
}

// decode decodes src, a document on its own, carving objects and arrays from ar.
func decode(src string, ar *arena) (any, bool) {
	d := decoder{s: src, ar: ar, keys: ar.keys[:0], vals: ar.vals[:0]}
	v, ok := d.top()
	ar.keys, ar.vals = d.keys[:0], d.vals[:0]
	return v, ok
}

// top decodes the document: one value and nothing but whitespace after it.
func (d *decoder) top() (any, bool) {
	v, ok := d.value()
	if !ok {
		return nil, false
	}
	d.space()
	return v, d.i == len(d.s)
}

// space skips JSON whitespace.
func (d *decoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) value() (any, bool) {
	d.space()
	if d.i >= len(d.s) {
		return nil, false
	}
	switch c := d.s[d.i]; c {
	case '{':
		return d.object()
	case '[':
		return d.array()
	case '"':
		s, ok := d.str()
		if !ok {
			return nil, false
		}
		return s, true
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	default:
		if c == '-' || c >= '0' && c <= '9' {
			return d.number()
		}
	}
	return nil, false
}

func (d *decoder) literal(word string) bool {
	if !strings.HasPrefix(d.s[d.i:], word) {
		return false
	}
	d.i += len(word)
	return true
}

func (d *decoder) number() (any, bool) {
	f, ok := d.float()
	if !ok {
		return nil, false
	}
	return f, true
}

// float reads a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (d *decoder) float() (float64, bool) {
	s, start := d.s, d.i
	i := start
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(s, i)
	default:
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		j := digits(s, i+1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(s, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	d.i = i
	if i-start <= 15 {
		// An integer of up to 15 digits is exact in a float64: no need for ParseFloat.
		if n, ok := smallInt(s[start:i]); ok {
			return n, true
		}
	}
	f, err := strconv.ParseFloat(s[start:i], 64)
	if err != nil && err.(*strconv.NumError).Err != strconv.ErrRange {
		return 0, false
	}
	return f, true
}

// smallInt returns the value of lit, a JSON number of at most 15 digits and a sign, if it is
// an integer (no fraction, no exponent).
func smallInt(lit string) (float64, bool) {
	neg := lit[0] == '-'
	if neg {
		lit = lit[1:]
	}
	var n uint64
	for i := 0; i < len(lit); i++ {
		c := lit[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	f := float64(n)
	if neg {
		f = -f // -0 stays negative zero, as ParseFloat gives it
	}
	return f, true
}

// digits returns the end of the run of decimal digits at s[i:].
func digits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// str reads a string at d.s[d.i] ('"'). Without escapes it is a substring of the input.
func (d *decoder) str() (string, bool) {
	s := d.s
	start := d.i + 1
	for i := start; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			d.i = i + 1
			return s[start:i], true
		case c == '\\':
			return d.unescape(start, i)
		case c < ' ':
			return "", false
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return "", false // encoding/json replaces each invalid byte; let it
			}
			i += size
		}
	}
	return "", false
}

// unescape reads the rest of a string that has an escape at d.s[i], its text starting at
// d.s[start], decoding escapes as encoding/json does.
func (d *decoder) unescape(start, i int) (string, bool) {
	s := d.s
	b := make([]byte, 0, len(s)-start)
	b = append(b, s[start:i]...)
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			d.i = i + 1
			return string(b), true
		case c == '\\':
			if i+1 >= len(s) {
				return "", false
			}
			i += 2
			switch s[i-1] {
			case '"', '\\', '/':
				b = append(b, s[i-1])
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := hex4(s, i)
				if !ok {
					return "", false
				}
				i += 4
				if utf16.IsSurrogate(r) {
					// A valid pair is one character; anything else is U+FFFD, and what
					// follows is read on its own.
					if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if r2, ok := hex4(s, i+2); ok {
							if p := utf16.DecodeRune(r, r2); p != utf8.RuneError {
								b = utf8.AppendRune(b, p)
								i += 6
								break
							}
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", false
			}
		case c < ' ':
			return "", false
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return "", false
			}
			b = append(b, s[i:i+size]...)
			i += size
		}
	}
	return "", false
}

// hex4 reads the four hexadecimal digits at s[i:].
func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func (d *decoder) object() (any, bool) {
	d.i++ // '{'
	kbase, vbase := len(d.keys), len(d.vals)
	d.space()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		return d.ar.object(nil, nil), true
	}
	for {
		d.space()
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return nil, false
		}
		k, ok := d.str()
		if !ok {
			return nil, false
		}
		d.space()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			return nil, false
		}
		d.i++
		v, ok := d.value()
		if !ok {
			return nil, false
		}
		d.set(kbase, vbase, k, v)
		d.space()
		if d.i >= len(d.s) {
			return nil, false
		}
		c := d.s[d.i]
		d.i++
		if c == '}' {
			break
		}
		if c != ',' {
			return nil, false
		}
	}
	o := d.ar.object(d.keys[kbase:], d.vals[vbase:])
	d.keys, d.vals = d.keys[:kbase], d.vals[:vbase]
	return o, true
}

// set adds an entry to the object on top of the stacks as Object.set does: a repeated key
// keeps its position and takes the new value; array-index keys go first, in ascending order.
func (d *decoder) set(kbase, vbase int, key string, v any) {
	keys := d.keys[kbase:]
	for j, k := range keys {
		if k == key {
			d.vals[vbase+j] = v
			return
		}
	}
	d.keys = append(d.keys, key)
	d.vals = append(d.vals, v)
	n, ok := arrayIndex(key)
	if !ok {
		return
	}
	pos := 0
	for pos < len(keys) {
		m, isIdx := arrayIndex(keys[pos])
		if !isIdx || m > n {
			break
		}
		pos++
	}
	keys, vals := d.keys[kbase:], d.vals[vbase:]
	copy(keys[pos+1:], keys[pos:])
	copy(vals[pos+1:], vals[pos:])
	keys[pos], vals[pos] = key, v
}

func (d *decoder) array() (any, bool) {
	d.i++ // '['
	vbase := len(d.vals)
	d.space()
	if d.i < len(d.s) && d.s[d.i] == ']' {
		d.i++
		return []any{}, true
	}
	for {
		v, ok := d.value()
		if !ok {
			return nil, false
		}
		d.vals = append(d.vals, v)
		d.space()
		if d.i >= len(d.s) {
			return nil, false
		}
		c := d.s[d.i]
		d.i++
		if c == ']' {
			break
		}
		if c != ',' {
			return nil, false
		}
	}
	a := d.ar.array(d.vals[vbase:])
	d.vals = d.vals[:vbase]
	return a, true
}
