package access

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Object is a JSON object that keeps its keys in JavaScript's property order: array-index
// keys ("0", "1", …) first in ascending order, then the others in insertion order. CASL reads
// conditions in that order, and packRules writes them in it.
type Object struct {
	Keys   []string
	Values []any
}

// Get returns the value of key and whether the object has it.
func (o *Object) Get(key string) (any, bool) {
	for i, k := range o.Keys {
		if k == key {
			return o.Values[i], true
		}
	}
	return nil, false
}

// set adds or replaces key, keeping JavaScript's order.
func (o *Object) set(key string, v any) {
	for i, k := range o.Keys {
		if k == key {
			o.Values[i] = v
			return
		}
	}
	if n, ok := arrayIndex(key); ok {
		// Array-index keys go before the other keys, in ascending order.
		pos := 0
		for pos < len(o.Keys) {
			m, isIdx := arrayIndex(o.Keys[pos])
			if !isIdx || m > n {
				break
			}
			pos++
		}
		o.Keys = append(o.Keys, "")
		o.Values = append(o.Values, nil)
		copy(o.Keys[pos+1:], o.Keys[pos:])
		copy(o.Values[pos+1:], o.Values[pos:])
		o.Keys[pos], o.Values[pos] = key, v
		return
	}
	o.Keys = append(o.Keys, key)
	o.Values = append(o.Values, v)
}

// arrayIndex reports whether key is a canonical array index ("0", "17", not "01").
func arrayIndex(key string) (uint32, bool) {
	if key == "" || len(key) > 10 || (len(key) > 1 && key[0] == '0') {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if n >= math.MaxUint32 {
		return 0, false
	}
	return uint32(n), true
}

// parseJSON decodes JSON into the values this package works with: *Object, []any, string,
// float64, bool and nil. It accepts and rejects exactly what parseJSONStd does, and words its
// errors the same way.
func parseJSON(data []byte) (any, error) {
	return parseJSONString(string(data), &arena{})
}

// parseJSONString is parseJSON on a string whose unescaped strings the result may share,
// with the value's objects and arrays carved from ar.
func parseJSONString(src string, ar *arena) (any, error) {
	if v, ok := decode(src, ar); ok {
		return v, nil
	}
	// Rare: invalid JSON, or text after the value. encoding/json decides and words it.
	return parseJSONStd([]byte(src))
}

// parseJSONStd is the reference decoder, on encoding/json's Decoder token by token. Its
// answers define the package's JSON: it is strict JSON, except that invalid UTF-8 in strings
// becomes U+FFFD, and that after the value only whitespace, a truncated value or a stray
// character is tolerated, while a second value is refused (Decoder.Token's behaviour).
func parseJSONStd(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &Object{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is not a string")
				}
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				o.set(k, v) // a repeated key keeps its first position and its last value, as in JavaScript
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return arr, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, err
		}
		return f, nil
	default:
		return t, nil // string, bool, nil
	}
}

// appendJS appends v as JavaScript's JSON.stringify writes it.
func appendJS(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case float64:
		return appendJSNumber(b, x)
	case string:
		return appendJSString(b, x)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if _, isUndef := e.(undefined); isUndef {
				b = append(b, "null"...)
				continue
			}
			b = appendJS(b, e)
		}
		return append(b, ']')
	case *Object:
		b = append(b, '{')
		first := true
		for i, k := range x.Keys {
			if _, isUndef := x.Values[i].(undefined); isUndef {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendJSString(b, k)
			b = append(b, ':')
			b = appendJS(b, x.Values[i])
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

// appendJSNumber formats f as JavaScript's Number.prototype.toString does.
func appendJSNumber(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return append(b, "null"...) // JSON.stringify's answer
	case f == 0:
		return append(b, '0')
	}
	abs := math.Abs(f)
	if abs >= 1e-6 && abs < 1e21 {
		return strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // 1e+21, 1.5e-07
	mant, exp, _ := strings.Cut(s, "e")
	if exp[0] == '+' || exp[0] == '-' {
		sign := exp[0]
		exp = strings.TrimLeft(exp[1:], "0")
		if exp == "" {
			exp = "0"
		}
		s = mant + "e" + string(sign) + exp
	}
	return append(b, s...)
}

// appendJSString quotes s as JSON.stringify does: only '"', '\\' and control characters are
// escaped, and lone surrogates cannot occur in Go strings.
func appendJSString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		b = append(b, s[i:i+size]...)
		i += size
	}
	return append(b, '"')
}

// utf16Less compares strings by UTF-16 code units, as JavaScript's < does.
func utf16Less(a, b string) bool {
	if isASCII(a) && isASCII(b) {
		return a < b
	}
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return len(ua) < len(ub)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// DecodeJSON decodes JSON into the values conditions are evaluated on, keeping object key
// order: for subjects that arrive as JSON (Of(t, v)).
func DecodeJSON(data []byte) (any, error) { return parseJSON(data) }
