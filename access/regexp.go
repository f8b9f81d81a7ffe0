package access

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
)

// JavaScript regular expressions are translated to Go's RE2 syntax for the constructs both
// have, and refused otherwise (lookaround, backreferences, Unicode property escapes, the v
// flag): an approximation could match what the browser's CASL does not (§8.6).

// jsSpace is JavaScript's \s as a character class body.
const jsSpace = `\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}`

// compileJSRegexp compiles a JavaScript pattern with its flags.
func compileJSRegexp(pattern, flags string) (*regexp.Regexp, error) {
	seen := map[rune]bool{}
	dotAll, multi, fold := false, false, false
	for _, f := range flags {
		if seen[f] || !strings.ContainsRune("dgimsuyv", f) {
			return nil, fmt.Errorf("Invalid flags supplied to RegExp constructor '%s'", flags)
		}
		seen[f] = true
		switch f {
		case 's':
			dotAll = true
		case 'm':
			multi = true
		case 'i':
			fold = true
		case 'v':
			return nil, fmt.Errorf("regular expression flag v is not supported")
		}
	}
	body, err := translateJS(pattern, dotAll)
	if err != nil {
		return nil, fmt.Errorf("Invalid regular expression: /%s/: %w", pattern, err)
	}
	prefix := ""
	if fold || multi {
		prefix = "(?"
		if fold {
			prefix += "i"
		}
		if multi {
			prefix += "m"
		}
		prefix += ")"
	}
	re, err := regexp.Compile(prefix + body)
	if err != nil {
		return nil, fmt.Errorf("Invalid regular expression: /%s/: %v", pattern, err)
	}
	return re, nil
}

func translateJS(p string, dotAll bool) (string, error) {
	var b strings.Builder
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch c {
		case '\\':
			s, n, err := translateEscape(rs, i, false)
			if err != nil {
				return "", err
			}
			b.WriteString(s)
			i += n
		case '[':
			s, n, err := translateClass(rs, i)
			if err != nil {
				return "", err
			}
			b.WriteString(s)
			i += n
		case '(':
			if i+1 < len(rs) && rs[i+1] == '?' {
				rest := string(rs[i+2:])
				switch {
				case strings.HasPrefix(rest, ":"):
					b.WriteString("(?:")
					i += 2
				case strings.HasPrefix(rest, "<") && !strings.HasPrefix(rest, "<=") && !strings.HasPrefix(rest, "<!"):
					b.WriteString("(?P<")
					i += 2
				default:
					return "", fmt.Errorf("lookahead and lookbehind are not supported")
				}
				continue
			}
			b.WriteRune('(')
		case '.':
			if dotAll {
				b.WriteString(`(?s:.)`)
			} else {
				b.WriteString(`[^\n\r\x{2028}\x{2029}]`)
			}
		default:
			b.WriteRune(c)
		}
	}
	return b.String(), nil
}

// translateEscape translates the escape at rs[i] ('\\'); inClass changes \b and the
// shorthand classes. It returns the RE2 text and how many runes after i it consumed.
func translateEscape(rs []rune, i int, inClass bool) (string, int, error) {
	if i+1 >= len(rs) {
		return "", 0, fmt.Errorf(`\ at end of pattern`)
	}
	c := rs[i+1]
	switch c {
	case 'd', 'D', 'w', 'W':
		return `\` + string(c), 1, nil
	case 's':
		if inClass {
			return jsSpace, 1, nil
		}
		return "[" + jsSpace + "]", 1, nil
	case 'S':
		if inClass {
			return "", 0, fmt.Errorf(`\S inside a character class is not supported`)
		}
		return "[^" + jsSpace + "]", 1, nil
	case 'b':
		if inClass {
			return `\x08`, 1, nil
		}
		return `\b`, 1, nil
	case 'B':
		if inClass {
			return "", 0, fmt.Errorf(`\B inside a character class`)
		}
		return `\B`, 1, nil
	case 't', 'n', 'r', 'v', 'f':
		return `\` + string(c), 1, nil
	case '0':
		if i+2 < len(rs) && rs[i+2] >= '0' && rs[i+2] <= '9' {
			return "", 0, fmt.Errorf("octal escapes are not supported")
		}
		return `\x00`, 1, nil
	case '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "", 0, fmt.Errorf("backreferences are not supported")
	case 'k', 'p', 'P':
		return "", 0, fmt.Errorf(`\%c escapes are not supported`, c)
	case 'c':
		if i+2 < len(rs) && (rs[i+2] >= 'a' && rs[i+2] <= 'z' || rs[i+2] >= 'A' && rs[i+2] <= 'Z') {
			return fmt.Sprintf(`\x{%x}`, rs[i+2]%32), 2, nil
		}
		return `\\c`, 1, nil
	case 'x':
		if i+3 < len(rs) && isHex(rs[i+2]) && isHex(rs[i+3]) {
			return `\x{` + string(rs[i+2:i+4]) + `}`, 3, nil
		}
		return "x", 1, nil
	case 'u':
		if i+2 < len(rs) && rs[i+2] == '{' {
			end := i + 3
			for end < len(rs) && isHex(rs[end]) {
				end++
			}
			if end < len(rs) && rs[end] == '}' && end > i+3 {
				return `\x{` + string(rs[i+3:end]) + `}`, end - i, nil
			}
			return "", 0, fmt.Errorf(`invalid \u{…} escape`)
		}
		if i+5 < len(rs) && allHex(rs[i+2:i+6]) {
			hi, _ := strconv.ParseUint(string(rs[i+2:i+6]), 16, 32)
			// A surrogate pair written as two escapes is one character.
			if utf16.IsSurrogate(rune(hi)) && i+11 < len(rs) && rs[i+6] == '\\' && rs[i+7] == 'u' && allHex(rs[i+8:i+12]) {
				lo, _ := strconv.ParseUint(string(rs[i+8:i+12]), 16, 32)
				if r := utf16.DecodeRune(rune(hi), rune(lo)); r != 0xfffd {
					return fmt.Sprintf(`\x{%x}`, r), 11, nil
				}
			}
			if utf16.IsSurrogate(rune(hi)) {
				return "", 0, fmt.Errorf("lone surrogate escapes are not supported")
			}
			return `\x{` + string(rs[i+2:i+6]) + `}`, 5, nil
		}
		return "u", 1, nil
	}
	if c < 0x80 && !isLetterOrDigit(c) {
		return regexp.QuoteMeta(string(c)), 1, nil // \. \* \/ …
	}
	// An identity escape of a letter ("\a" is "a" outside unicode mode).
	return regexp.QuoteMeta(string(c)), 1, nil
}

// translateClass translates the character class starting at rs[i] ('[').
func translateClass(rs []rune, i int) (string, int, error) {
	j := i + 1
	neg := false
	if j < len(rs) && rs[j] == '^' {
		neg = true
		j++
	}
	if j < len(rs) && rs[j] == ']' {
		// [] matches nothing, [^] any character.
		if neg {
			return `(?s:.)`, j - i, nil
		}
		return `[^\x00-\x{10FFFF}]`, j - i, nil
	}
	var b strings.Builder
	b.WriteByte('[')
	if neg {
		b.WriteByte('^')
	}
	for ; j < len(rs); j++ {
		c := rs[j]
		switch c {
		case ']':
			b.WriteByte(']')
			return b.String(), j - i, nil
		case '\\':
			s, n, err := translateEscape(rs, j, true)
			if err != nil {
				return "", 0, err
			}
			if strings.HasPrefix(s, "[") { // cannot happen in a class; kept for safety
				return "", 0, fmt.Errorf("unsupported escape in a class")
			}
			b.WriteString(s)
			j += n
		case '[':
			b.WriteString(`\[`)
		default:
			b.WriteRune(c)
		}
	}
	return "", 0, fmt.Errorf("missing terminating ] for character class")
}

func isHex(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F'
}

func allHex(rs []rune) bool {
	for _, r := range rs {
		if !isHex(r) {
			return false
		}
	}
	return true
}

func isLetterOrDigit(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
