package access

import (
	"regexp"
	"strings"
)

// fieldMatcher builds CASL's field matcher for a rule's field list (§7.2): exact membership
// when no field has a star, otherwise one anchored pattern in which * is a run without dots,
// ** any run, and a star unit with its adjacent dots at the end is optional.
func fieldMatcher(fields []string) (func(string) bool, error) {
	starred := false
	for _, f := range fields {
		if strings.Contains(f, "*") {
			starred = true
			break
		}
	}
	if !starred {
		return func(f string) bool {
			for _, x := range fields {
				if x == f {
					return true
				}
			}
			return false
		}, nil
	}
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = fieldPattern(f)
	}
	p := parts[0]
	if len(parts) > 1 {
		p = "(?:" + strings.Join(parts, "|") + ")"
	}
	re, err := regexp.Compile("^" + p + "$")
	if err != nil {
		return nil, err
	}
	return re.MatchString, nil
}

// fieldPattern is the regular expression of one field pattern.
func fieldPattern(f string) string {
	// Escape regular expression characters, except dots next to a star: they belong to the
	// star's unit.
	var esc strings.Builder
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case c == '.':
			if (i > 0 && f[i-1] == '*') || (i+1 < len(f) && f[i+1] == '*') {
				esc.WriteByte('.')
			} else {
				esc.WriteString(`\.`)
			}
		case strings.IndexByte(`-/\^$+?()|[]{}`, c) >= 0:
			esc.WriteByte('\\')
			esc.WriteByte(c)
		default:
			esc.WriteByte(c)
		}
	}
	s := esc.String()
	// Replace each star unit: an optional dot, stars, an optional dot.
	var out strings.Builder
	for i := 0; i < len(s); {
		start := -1
		if s[i] == '*' {
			start = i
		} else if s[i] == '.' && i+1 < len(s) && s[i+1] == '*' && (i == 0 || s[i-1] != '\\') {
			start = i
		}
		if start < 0 {
			out.WriteByte(s[i])
			i++
			continue
		}
		j := start
		if s[j] == '.' {
			j++
		}
		for j < len(s) && s[j] == '*' {
			j++
		}
		if j < len(s) && s[j] == '.' {
			j++
		}
		unit := s[start:j]
		quant := "*"
		if s[0] == '*' || (unit[0] == '.' && unit[len(unit)-1] == '.') {
			quant = "+"
		}
		any := "[^.]"
		if strings.Contains(unit, "**") {
			any = "."
		}
		stars := strings.Trim(unit, ".")
		repl := strings.Replace(unit, stars, "\x00", 1)
		repl = strings.ReplaceAll(repl, ".", `\.`)
		repl = strings.Replace(repl, "\x00", any+quant, 1)
		if j == len(s) {
			repl = "(?:" + repl + ")?"
		}
		out.WriteString(repl)
		i = j
	}
	return out.String()
}
