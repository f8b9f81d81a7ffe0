package access

import (
	"errors"
	"fmt"
	"math/bits"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// $regex patterns are JavaScript regular expressions as CASL compiles them: new RegExp(pattern,
// $options), without the u flag, so they see a string as UTF-16 code units (§8.6). They run
// here on Go's RE2 after translation, exactly or not at all:
//
//   - Code units: a character beyond U+FFFF is two units. Both the subject and the pattern
//     are written with each surrogate half as a private rune (unitRune), so `^.{2}$` matches
//     one emoji and `[😀]` either half of it, as in JavaScript.
//   - Case folding (i): JavaScript's non-unicode Canonicalize (upper case, only when that is
//     one unit and does not turn a non-ASCII character into an ASCII one): U+212A KELVIN SIGN
//     is not k, U+017F is not s, \w stays ASCII. Go's (?i) folds those, so every literal and
//     class is expanded to the units with the same canonical form instead.
//   - Line terminators: `.` excludes \n, \r, U+2028 and U+2029 (without s). With m, ^ and $
//     also match next to \r, U+2028 and U+2029; RE2 knows only \n. When no atom of the
//     pattern tells the four apart, subjects are matched with the other three read as \n.
//     Otherwise a subject holding \r, U+2028 or U+2029 is decided by two bounds: as it is
//     (RE2's anchors match at fewer places than JavaScript's, so a match is a match), and
//     with the terminators read as \n and every atom that matches some of them widened to
//     all four (a superset of JavaScript's matches, so no match is no match). When the bounds
//     disagree the subject cannot be evaluated: the check is denied with ErrEvaluation.
//   - Refused, so the rule is invalid and fails closed: what JavaScript rejects, and what RE2
//     cannot run (lookahead, lookbehind, backreferences and the octal escapes that look like
//     them, \k with named groups, repetitions above 1000), and the u and v flags.

// jsRegexp is a translated JavaScript regular expression.
type jsRegexp struct {
	re *regexp.Regexp
	lt ltMode
	// wide is the upper bound of ltBounded: terminators read as \n, atoms widened.
	wide *regexp.Regexp
}

// ltMode says how a subject's line terminators are read for multiline ^ and $.
type ltMode uint8

const (
	ltExact    ltMode = iota // as they are: no multiline anchor in the pattern
	ltCollapse               // \r, U+2028 and U+2029 read as \n: no atom tells them apart
	ltBounded                // between re on the subject as it is and wide on it collapsed
)

// surrogateShift moves UTF-16 surrogates (U+D800–U+DFFF, which Go strings cannot hold) to
// U+10F800–U+10FFFF, the end of plane 16's private use area. No subject or pattern rune can
// land there otherwise: those characters are beyond U+FFFF, so they are split into units too.
const surrogateShift = 0x10F800 - 0xD800

// unitRune is the rune a UTF-16 code unit is written as.
func unitRune(u uint16) rune {
	if utf16.IsSurrogate(rune(u)) {
		return rune(u) + surrogateShift
	}
	return rune(u)
}

// match reports whether the pattern matches s anywhere, as RegExp.prototype.test does.
func (r *jsRegexp) match(s string) result {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || (c == '\r' && r.lt != ltExact) {
			plain = false
			break
		}
	}
	if plain {
		return boolResult(r.re.MatchString(s))
	}
	units, collapsed, hasLT := unitString(s)
	switch {
	case r.lt == ltExact || !hasLT:
		return boolResult(r.re.MatchString(units))
	case r.lt == ltCollapse:
		return boolResult(r.re.MatchString(collapsed))
	case r.re.MatchString(units):
		return yes
	case !r.wide.MatchString(collapsed):
		return no
	}
	return bad
}

// unitString writes s as UTF-16 code units (unitRune), as it is and with \r, U+2028 and
// U+2029 read as \n, and reports whether s holds one of those three.
func unitString(s string) (units, collapsed string, hasLT bool) {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		switch {
		case r > 0xFFFF:
			hi, lo := utf16.EncodeRune(r)
			b.WriteRune(hi + surrogateShift)
			b.WriteRune(lo + surrogateShift)
			continue
		case r == '\r' || r == 0x2028 || r == 0x2029:
			hasLT = true
		}
		b.WriteRune(r)
	}
	units = b.String()
	if !hasLT {
		return units, units, false
	}
	collapsed = strings.Map(func(r rune) rune {
		if r == '\r' || r == 0x2028 || r == 0x2029 {
			return '\n'
		}
		return r
	}, units)
	return units, collapsed, true
}

// errUnsupported marks patterns JavaScript accepts and Krag refuses.
var errUnsupported = errors.New("not supported by Krag")

// compileJSRegexp compiles a JavaScript pattern with its flags, as new RegExp(pattern, flags).
func compileJSRegexp(pattern, flags string) (*jsRegexp, error) {
	var fold, multi, dotAll, sticky bool
	for i, f := range flags {
		if !strings.ContainsRune("dgimsuyv", f) || strings.ContainsRune(flags[:i], f) {
			return nil, fmt.Errorf("Invalid flags supplied to RegExp constructor '%s'", flags)
		}
		switch f {
		case 'i':
			fold = true
		case 'm':
			multi = true
		case 's':
			dotAll = true
		case 'y':
			sticky = true // test() starts at lastIndex 0, which CASL resets: anchored at the start
		case 'u', 'v':
			return nil, fmt.Errorf("regular expression flag %c is %w (JavaScript's unicode mode)", f, errUnsupported)
		}
	}
	p := &reParser{units: utf16.Encode([]rune(pattern)), fold: fold, multi: multi, dotAll: dotAll, names: map[string]bool{}}
	// Any "(?<" may start a named group; then \k must be a backreference, which RE2 lacks.
	p.maybeNamed = strings.Contains(pattern, "(?<")
	body, err := p.parse()
	if err != nil {
		return nil, fmt.Errorf("Invalid regular expression: /%s/: %w", pattern, err)
	}
	if sticky {
		body = `\A(?:` + body + `)`
	}
	re, err := regexp.Compile(body)
	if err != nil {
		return nil, fmt.Errorf("Invalid regular expression: /%s/: %w (%v)", pattern, errUnsupported, err)
	}
	out := &jsRegexp{re: re}
	if multi && p.lineAnchor {
		out.lt = ltCollapse
		if p.splitsLT {
			out.lt = ltBounded
			wide := p.w.String()
			if sticky {
				wide = `\A(?:` + wide + `)`
			}
			if out.wide, err = regexp.Compile(wide); err != nil {
				return nil, fmt.Errorf("Invalid regular expression: /%s/: %w (%v)", pattern, errUnsupported, err)
			}
		}
	}
	return out, nil
}

// reParser parses a JavaScript pattern (ECMA-262 with Annex B, not in unicode mode) over
// UTF-16 code units and writes the RE2 translation.
type reParser struct {
	units                []uint16
	i                    int
	fold, multi, dotAll  bool
	maybeNamed           bool
	names                map[string]bool
	lineAnchor, splitsLT bool // a multiline ^ or $ was written; an atom tells \n, \r, U+2028, U+2029 apart
	// b is the translation; w the same with every atom that matches some line terminators
	// widened to all four (the upper bound of ltBounded).
	b, w strings.Builder
}

// write writes RE2 text that does not depend on line terminators to both translations.
func (p *reParser) write(s string) {
	p.b.WriteString(s)
	p.w.WriteString(s)
}

func (p *reParser) more() bool { return p.i < len(p.units) }

func (p *reParser) peek() uint16 {
	if p.i < len(p.units) {
		return p.units[p.i]
	}
	return 0
}

func (p *reParser) peekAt(k int) uint16 {
	if p.i+k < len(p.units) {
		return p.units[p.i+k]
	}
	return 0
}

func (p *reParser) parse() (string, error) {
	if err := p.disjunction(); err != nil {
		return "", err
	}
	if p.more() { // only a ')' stops a top-level disjunction
		return "", errors.New("Unmatched ')'")
	}
	return p.b.String(), nil
}

func (p *reParser) disjunction() error {
	for {
		if err := p.alternative(); err != nil {
			return err
		}
		if p.peek() != '|' || !p.more() {
			return nil
		}
		p.i++
		p.write("|")
	}
}

func (p *reParser) alternative() error {
	for p.more() && p.peek() != '|' && p.peek() != ')' {
		if err := p.term(); err != nil {
			return err
		}
	}
	return nil
}

// term parses an assertion, or an atom with an optional quantifier.
func (p *reParser) term() error {
	c := p.peek()
	switch {
	case c == '^' || c == '$':
		p.i++
		switch {
		case p.multi:
			p.lineAnchor = true
			p.write("(?m:" + string(rune(c)) + ")")
		case c == '^':
			p.write(`\A`)
		default:
			p.write(`\z`)
		}
		return p.noQuantifier()
	case c == '\\' && (p.peekAt(1) == 'b' || p.peekAt(1) == 'B'):
		p.i += 2
		// JavaScript's \b outside unicode mode is ASCII \w against the rest, as RE2's is;
		// surrogate halves are not word characters on either side.
		p.write(`\` + string(rune(p.units[p.i-1])))
		return p.noQuantifier()
	case c == '(' && p.peekAt(1) == '?' && (p.peekAt(2) == '=' || p.peekAt(2) == '!' ||
		p.peekAt(2) == '<' && (p.peekAt(3) == '=' || p.peekAt(3) == '!')):
		return fmt.Errorf("lookahead and lookbehind are %w", errUnsupported)
	}
	bStart, wStart := p.b.Len(), p.w.Len()
	if err := p.atom(); err != nil {
		return err
	}
	return p.quantifier(bStart, wStart)
}

// noQuantifier refuses a quantifier after an assertion.
func (p *reParser) noQuantifier() error {
	if q, _, _, _ := p.scanQuantifier(); q {
		return errors.New("Nothing to repeat")
	}
	return nil
}

// scanQuantifier reports whether a quantifier starts at p.i, with its text length and bounds
// (max -1 for none).
func (p *reParser) scanQuantifier() (ok bool, n int, min, max int) {
	switch p.peek() {
	case '*':
		return p.more(), 1, 0, -1
	case '+':
		return p.more(), 1, 1, -1
	case '?':
		return p.more(), 1, 0, 1
	case '{':
	default:
		return false, 0, 0, 0
	}
	j := p.i + 1
	digits := func() (int, bool) {
		s := j
		for j < len(p.units) && p.units[j] >= '0' && p.units[j] <= '9' {
			j++
		}
		if j == s {
			return 0, false
		}
		v, err := strconv.Atoi(string(utf16.Decode(p.units[s:j])))
		if err != nil || v > 100000 {
			v = 100000 // beyond RE2's limit either way
		}
		return v, true
	}
	min, okMin := digits()
	if !okMin {
		return false, 0, 0, 0
	}
	max = min
	if j < len(p.units) && p.units[j] == ',' {
		j++
		max = -1
		if v, okMax := digits(); okMax {
			max = v
		}
	}
	if j >= len(p.units) || p.units[j] != '}' {
		return false, 0, 0, 0
	}
	return true, j + 1 - p.i, min, max
}

// quantifier parses an optional quantifier for the atom written from bStart (and wStart).
func (p *reParser) quantifier(bStart, wStart int) error {
	ok, n, min, max := p.scanQuantifier()
	if !ok {
		return nil
	}
	if max >= 0 && min > max {
		return errors.New("numbers out of order in {} quantifier")
	}
	if min > 1000 || max > 1000 {
		return fmt.Errorf("repetitions above 1000 are %w", errUnsupported)
	}
	p.i += n
	q := "*"
	switch {
	case min == 0 && max == -1:
	case min == 1 && max == -1:
		q = "+"
	case min == 0 && max == 1:
		q = "?"
	case max == -1:
		q = fmt.Sprintf("{%d,}", min)
	case min == max:
		q = fmt.Sprintf("{%d}", min)
	default:
		q = fmt.Sprintf("{%d,%d}", min, max)
	}
	if p.peek() == '?' && p.more() { // lazy: the same matches exist
		p.i++
		q += "?"
	}
	// Wrap the atom so that the quantifier applies to all of it.
	wrap := func(b *strings.Builder, start int) {
		s := b.String()
		b.Reset()
		b.WriteString(s[:start])
		b.WriteString("(?:" + s[start:] + ")" + q)
	}
	wrap(&p.b, bStart)
	wrap(&p.w, wStart)
	if ok, _, _, _ := p.scanQuantifier(); ok {
		return errors.New("Nothing to repeat")
	}
	return nil
}

// atom parses one atom (Annex B's ExtendedAtom).
func (p *reParser) atom() error {
	c := p.units[p.i]
	switch c {
	case '.':
		p.i++
		if p.dotAll {
			p.set(fullSet())
		} else {
			p.set(lineTerminators().complement())
		}
		return nil
	case '[':
		return p.class()
	case '(':
		return p.group()
	case '*', '+', '?':
		return errors.New("Nothing to repeat")
	case '{':
		if ok, _, _, _ := p.scanQuantifier(); ok {
			return errors.New("Nothing to repeat")
		}
	case '\\':
		return p.atomEscape()
	}
	// ExtendedPatternCharacter: anything else, ] { } included, stands for itself.
	p.i++
	p.literal(c)
	return nil
}

func (p *reParser) group() error {
	p.i++ // (
	if p.peek() == '?' {
		switch {
		case p.peekAt(1) == ':':
			p.i += 2
		case p.peekAt(1) == '<':
			p.i += 2
			s := p.i
			for p.more() && p.peek() != '>' {
				c := p.peek()
				if !(c == '$' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || p.i > s && c >= '0' && c <= '9') {
					return fmt.Errorf("group names other than ASCII identifiers are %w", errUnsupported)
				}
				p.i++
			}
			if !p.more() || p.i == s {
				return errors.New("Invalid capture group name")
			}
			name := string(utf16.Decode(p.units[s:p.i]))
			if p.names[name] {
				return errors.New("Duplicate capture group name")
			}
			p.names[name] = true
			p.i++ // >
		default:
			return errors.New("Invalid group")
		}
	}
	// Captures do not change whether a pattern matches: every group is non-capturing in RE2.
	p.write("(?:")
	if err := p.disjunction(); err != nil {
		return err
	}
	if p.peek() != ')' || !p.more() {
		return errors.New("Unterminated group")
	}
	p.i++
	p.write(")")
	return nil
}

// atomEscape parses the escape at p.i ('\\') outside a class.
func (p *reParser) atomEscape() error {
	if p.i+1 >= len(p.units) {
		return errors.New(`\ at end of pattern`)
	}
	if p.units[p.i+1] == 'c' && !isASCIILetter(p.peekAt(2)) {
		// \c not followed by a letter is a backslash; the c is read next.
		p.i++
		p.literal('\\')
		return nil
	}
	s, single, err := p.charEscape(false)
	if err != nil {
		return err
	}
	if s != nil {
		p.set(s)
		return nil
	}
	p.literal(single)
	return nil
}

// charEscape parses the escape at p.i ('\\') that stands for characters: a class escape
// (\d \D \s \S \w \W) as a set, or one code unit. inClass selects the class rules (\b is a
// backspace there, and \B and \- stand for themselves).
func (p *reParser) charEscape(inClass bool) (*unitSet, uint16, error) {
	c := p.units[p.i+1]
	p.i += 2
	switch c {
	case 'd', 'D', 'w', 'W', 's', 'S':
		var s *unitSet
		switch c | 0x20 {
		case 'd':
			s = rangeSet('0', '9')
		case 'w':
			s = wordSet()
		default:
			s = spaceSet()
		}
		if c < 'a' {
			s = s.complement()
		}
		return s, 0, nil
	case 'b':
		return nil, 0x08, nil // only reached inside a class
	case 't':
		return nil, '\t', nil
	case 'n':
		return nil, '\n', nil
	case 'v':
		return nil, '\v', nil
	case 'f':
		return nil, '\f', nil
	case 'r':
		return nil, '\r', nil
	case 'c':
		if l := p.peek(); isASCIILetter(l) || inClass && p.more() && (l >= '0' && l <= '9' || l == '_') {
			p.i++
			return nil, l % 32, nil
		}
		// Inside a class, \c without a control letter is a backslash; the c is read next.
		p.i--
		return nil, '\\', nil
	case '0':
		if d := p.peek(); p.more() && d >= '0' && d <= '9' {
			return nil, 0, fmt.Errorf("octal escapes are %w", errUnsupported)
		}
		return nil, 0, nil
	case '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return nil, 0, fmt.Errorf("backreferences (and the octal escapes that look like them) are %w", errUnsupported)
	case 'k':
		if p.maybeNamed {
			return nil, 0, fmt.Errorf("backreferences are %w", errUnsupported)
		}
		return nil, 'k', nil
	case 'x':
		if isHexUnit(p.peekAt(0)) && isHexUnit(p.peekAt(1)) {
			v, _ := strconv.ParseUint(string(utf16.Decode(p.units[p.i:p.i+2])), 16, 8)
			p.i += 2
			return nil, uint16(v), nil
		}
		return nil, 'x', nil
	case 'u':
		if p.i+4 <= len(p.units) && isHexUnit(p.units[p.i]) && isHexUnit(p.units[p.i+1]) && isHexUnit(p.units[p.i+2]) && isHexUnit(p.units[p.i+3]) {
			v, _ := strconv.ParseUint(string(utf16.Decode(p.units[p.i:p.i+4])), 16, 16)
			p.i += 4
			return nil, uint16(v), nil // a surrogate half is a unit like any other
		}
		return nil, 'u', nil // \u{…} is u and a quantifier or braces outside unicode mode
	}
	// An identity escape: the unit itself (\. \/ \- \B in a class, \a, \p, …).
	return nil, c, nil
}

// class parses a character class at p.i ('[').
func (p *reParser) class() error {
	p.i++
	neg := false
	if p.peek() == '^' && p.more() {
		neg = true
		p.i++
	}
	s := &unitSet{}
	for {
		if !p.more() {
			return errors.New("Unterminated character class")
		}
		if p.peek() == ']' {
			p.i++
			break
		}
		a, aSet, err := p.classAtom()
		if err != nil {
			return err
		}
		if p.peek() == '-' && p.i+1 < len(p.units) && p.units[p.i+1] != ']' {
			p.i++
			b, bSet, err := p.classAtom()
			if err != nil {
				return err
			}
			if aSet != nil || bSet != nil {
				// Annex B: with a class escape at either end, '-' is itself ([\d-z]).
				s.addUnit('-')
				for _, x := range []*unitSet{aSet, bSet} {
					if x != nil {
						s.union(x)
					}
				}
				if aSet == nil {
					s.addUnit(a)
				}
				if bSet == nil {
					s.addUnit(b)
				}
				continue
			}
			if a > b {
				return errors.New("Range out of order in character class")
			}
			s.addRange(a, b)
			continue
		}
		if aSet != nil {
			s.union(aSet)
		} else {
			s.addUnit(a)
		}
	}
	if p.fold {
		s = s.folded()
	}
	if neg {
		s = s.complement()
	}
	p.emit(s)
	return nil
}

// classAtom parses one class atom: a unit, or a set for a class escape.
func (p *reParser) classAtom() (uint16, *unitSet, error) {
	c := p.units[p.i]
	if c != '\\' {
		p.i++
		return c, nil, nil
	}
	if p.i+1 >= len(p.units) {
		return 0, nil, errors.New(`\ at end of pattern`)
	}
	s, u, err := p.charEscape(true)
	return u, s, err
}

// literal writes one code unit of the pattern.
func (p *reParser) literal(u uint16) {
	s := &unitSet{}
	s.addUnit(u)
	p.set(s)
}

// set writes an atom matching one unit of s, folded under the i flag.
func (p *reParser) set(s *unitSet) {
	if p.fold {
		s = s.folded()
	}
	p.emit(s)
}

// emit writes s as one RE2 atom and notes whether it tells line terminators apart.
func (p *reParser) emit(s *unitSet) {
	re := s.re2()
	p.b.WriteString(re)
	lt := lineTerminators()
	n := 0
	for _, u := range []uint16{'\n', '\r', 0x2028, 0x2029} {
		if s.has(u) {
			n++
		}
	}
	if n == 0 || n == 4 {
		p.w.WriteString(re)
		return
	}
	p.splitsLT = true
	wide := *s
	wide.union(lt)
	p.w.WriteString(wide.re2())
}

func isASCIILetter(u uint16) bool { return u >= 'a' && u <= 'z' || u >= 'A' && u <= 'Z' }

func isHexUnit(u uint16) bool {
	return u >= '0' && u <= '9' || u >= 'a' && u <= 'f' || u >= 'A' && u <= 'F'
}

// --- sets of UTF-16 code units ---

// unitSet is a set of UTF-16 code units.
type unitSet [0x10000 / 64]uint64

func (s *unitSet) has(u uint16) bool { return s[u>>6]&(1<<(u&63)) != 0 }
func (s *unitSet) addUnit(u uint16)  { s[u>>6] |= 1 << (u & 63) }

func (s *unitSet) addRange(lo, hi uint16) {
	for u := int(lo); u <= int(hi); u++ {
		s.addUnit(uint16(u))
	}
}

func (s *unitSet) union(t *unitSet) {
	for i := range s {
		s[i] |= t[i]
	}
}

func (s *unitSet) complement() *unitSet {
	out := &unitSet{}
	for i := range s {
		out[i] = ^s[i]
	}
	return out
}

func rangeSet(lo, hi uint16) *unitSet {
	s := &unitSet{}
	s.addRange(lo, hi)
	return s
}

func fullSet() *unitSet { return (&unitSet{}).complement() }

// lineTerminators is JavaScript's LineTerminator: what `.` does not match without s.
func lineTerminators() *unitSet {
	s := &unitSet{}
	for _, u := range []uint16{'\n', '\r', 0x2028, 0x2029} {
		s.addUnit(u)
	}
	return s
}

// wordSet is \w outside unicode mode: ASCII letters, digits and _, with or without i.
func wordSet() *unitSet {
	s := rangeSet('a', 'z')
	s.addRange('A', 'Z')
	s.addRange('0', '9')
	s.addUnit('_')
	return s
}

// spaceSet is JavaScript's \s: WhiteSpace and LineTerminator (isJSSpace).
func spaceSet() *unitSet {
	s := rangeSet('\t', '\r') // \t \n \v \f \r
	s.addRange(0x2000, 0x200A)
	for _, u := range []uint16{' ', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF} {
		s.addUnit(u)
	}
	return s
}

// folded returns the units whose canonical form (jsCanonicalize) is that of some unit of s:
// what a class matches under the i flag.
func (s *unitSet) folded() *unitSet {
	out := *s
	t := foldTables()
	for i, w := range s {
		for w &= t.foldable[i]; w != 0; w &= w - 1 {
			if o := t.orbit[i*64+trailingZeros(w)]; o != 0 {
				for _, v := range t.orbits[o] {
					out.addUnit(v)
				}
			}
		}
	}
	return &out
}

func trailingZeros(w uint64) int { return bits.TrailingZeros64(w) }

// runs calls f with each run of consecutive units of s, in order, and returns their count.
func (s *unitSet) runs(f func(lo, hi int)) int {
	count := 0
	for u := 0; u <= 0xFFFF; {
		w := s[u>>6] >> (u & 63)
		if w == 0 { // nothing more in this word
			u = (u | 63) + 1
			continue
		}
		u += bits.TrailingZeros64(w)
		lo := u
		for u <= 0xFFFF {
			w := ^s[u>>6] >> (u & 63) // the units not in s, from u on
			if w == 0 {
				u = (u | 63) + 1
				continue
			}
			u += bits.TrailingZeros64(w)
			break
		}
		f(lo, u-1)
		count += u - lo
	}
	return count
}

// re2 writes s as one RE2 atom matching one unit, written as unitRune.
func (s *unitSet) re2() string {
	type span struct{ lo, hi rune }
	var spans []span
	count := s.runs(func(lo, hi int) {
		// Split around the surrogates, which move to the private use area.
		for _, r := range [][2]int{{lo, min(hi, 0xD7FF)}, {max(lo, 0xD800), min(hi, 0xDFFF)}, {max(lo, 0xE000), hi}} {
			if r[0] <= r[1] {
				spans = append(spans, span{unitRune(uint16(r[0])), unitRune(uint16(r[1]))})
			}
		}
	})
	switch {
	case count == 0:
		return `[^\x00-\x{10FFFF}]`
	case count == 0x10000:
		return `(?s:.)` // after the translation of the subject, every rune is one unit
	case count == 1:
		return regexp.QuoteMeta(string(spans[0].lo))
	}
	var b strings.Builder
	b.WriteByte('[')
	for _, sp := range spans {
		fmt.Fprintf(&b, `\x{%x}`, sp.lo)
		if sp.hi != sp.lo {
			fmt.Fprintf(&b, `-\x{%x}`, sp.hi)
		}
	}
	b.WriteByte(']')
	return b.String()
}

// --- case folding outside unicode mode ---

// jsCanonicalize is ECMA-262's Canonicalize for the i flag without u: the unit's upper case
// (toUpperCase, full mapping) when that is a single unit and does not map a non-ASCII
// character onto an ASCII one; the unit itself otherwise. Surrogate halves have no case.
func jsCanonicalize(u uint16) uint16 {
	r := rune(u)
	if utf16.IsSurrogate(r) {
		return u
	}
	up, ok := jsUpperExceptions[r]
	if !ok {
		up = unicode.ToUpper(r)
	}
	if up > 0xFFFF || r >= 0x80 && up < 0x80 {
		return u
	}
	return uint16(up)
}

// jsUpperExceptions corrects Go's simple upper-case mapping (Unicode 15.0) to what
// toUpperCase gives for one character on the Node.js the differential tests run (Unicode 17):
// the characters whose full upper case is two characters keep their case (SpecialCasing.txt:
// Greek letters with ypogegrammeni), and mappings added in Unicode 16 and 17.
// TestJSCanonicalize pins the whole table against JavaScript's.
var jsUpperExceptions = map[rune]rune{
	0x1F80: 0x1F80, 0x1F81: 0x1F81, 0x1F82: 0x1F82, 0x1F83: 0x1F83, 0x1F84: 0x1F84, 0x1F85: 0x1F85, 0x1F86: 0x1F86, 0x1F87: 0x1F87,
	0x1F90: 0x1F90, 0x1F91: 0x1F91, 0x1F92: 0x1F92, 0x1F93: 0x1F93, 0x1F94: 0x1F94, 0x1F95: 0x1F95, 0x1F96: 0x1F96, 0x1F97: 0x1F97,
	0x1FA0: 0x1FA0, 0x1FA1: 0x1FA1, 0x1FA2: 0x1FA2, 0x1FA3: 0x1FA3, 0x1FA4: 0x1FA4, 0x1FA5: 0x1FA5, 0x1FA6: 0x1FA6, 0x1FA7: 0x1FA7,
	0x1FB3: 0x1FB3, 0x1FC3: 0x1FC3, 0x1FF3: 0x1FF3,
	// Unicode 16 and 17.
	0x019B: 0xA7DC, 0x0264: 0xA7CB, 0x1C8A: 0x1C89, 0xA7CD: 0xA7CC, 0xA7CF: 0xA7CE, 0xA7D3: 0xA7D2, 0xA7D5: 0xA7D4, 0xA7DB: 0xA7DA,
}

// foldTable groups the units that share a canonical form with another: orbit[u] is the
// index in orbits of u's group, 0 for a unit alone; foldable holds the units in a group.
type foldTable struct {
	orbit    [0x10000]uint16
	orbits   [][]uint16
	foldable unitSet
}

// foldTables is computed once.
var foldTables = sync.OnceValue(func() *foldTable {
	byCanon := map[uint16][]uint16{}
	for u := 0; u <= 0xFFFF; u++ {
		c := jsCanonicalize(uint16(u))
		byCanon[c] = append(byCanon[c], uint16(u))
	}
	t := &foldTable{orbits: [][]uint16{nil}}
	for u := 0; u <= 0xFFFF; u++ {
		us := byCanon[jsCanonicalize(uint16(u))]
		if len(us) < 2 || t.orbit[us[0]] != 0 {
			continue
		}
		for _, v := range us {
			t.orbit[v] = uint16(len(t.orbits))
			t.foldable.addUnit(v)
		}
		t.orbits = append(t.orbits, us)
	}
	return t
})
