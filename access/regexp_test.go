package access

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
)

// TestJSRegexp runs JavaScript patterns as CASL does (new RegExp(pattern, $options), no u
// flag), each answer observed in Node.js 20 (casl-semantics.md §8.6).
func TestJSRegexp(t *testing.T) {
	tests := []struct {
		name, pattern, flags, subject string
		want                          result
	}{
		// UTF-16 code units: a character beyond U+FFFF is two of them.
		{"dot_pair_is_one_emoji", `^.{2}$`, "", "😀", yes},
		{"dot_is_half_an_emoji", `^.$`, "", "😀", no},
		{"class_of_halves", `^[😀]{2}$`, "", "😀", yes},
		{"class_of_halves_other_emoji", `^[😀]{2}$`, "", "😁", no},
		{"quantifier_on_low_half", `^😀+$`, "", "😀", yes},
		{"escaped_high_half", `^\uD83D`, "", "😀a", yes},
		{"escaped_pair", `^\ud83d\ude00$`, "", "😀", yes},
		{"negated_class_halves", `^[^a]{2}$`, "", "😀", yes},
		{"astral_letter_two_units", `^..y$`, "", "𝒳y", yes},
		// Non-unicode case folding: upper case, one unit, never onto ASCII from beyond it.
		{"fold_ascii", `^abc$`, "i", "ABC", yes},
		{"kelvin_is_not_k", `k`, "i", "\u212A", no},
		{"kelvin_class", `[a-z]`, "i", "\u212A", no},
		{"long_s_is_not_s", `^s$`, "i", "ſ", no},
		{"word_stays_ascii", `\w`, "i", "ſ", no},
		{"kelvin_itself", `\u212a`, "i", "\u212A", yes},
		{"fold_latin1", `^é$`, "i", "É", yes},
		{"fold_micro_mu", `^µ$`, "i", "Μ", yes},
		{"fold_final_sigma", `^ς$`, "i", "Σ", yes},
		{"dotless_i_not_i", `^ı$`, "i", "I", no},
		{"ypogegrammeni_keeps_case", `^\u1f80$`, "i", "\u1f88", no},
		{"negated_class_folds_first", `^[^a]$`, "i", "A", no},
		{"no_fold_without_i", `^K$`, "", "k", no},
		// Line terminators.
		{"dot_not_u2028", `^.$`, "", "\u2028", no},
		{"dot_not_cr", `a.b`, "", "a\rb", no},
		{"dot_all", `a.b`, "s", "a\rb", yes},
		{"dollar_only_at_end", `a$`, "", "a\nb", no},
		{"multiline_caret_after_cr", `^b`, "m", "a\rb", yes},
		{"multiline_dollar_before_u2028", `a$`, "m", "a\u2028b", yes},
		{"multiline_dollar_before_u2029", `^a$`, "m", "x\u2029a\u2029", yes},
		{"multiline_caret_after_lf", `^b`, "m", "a\nb", yes},
		{"multiline_no_match", `^b`, "m", "ab", no},
		// Atoms that tell terminators apart, with multiline anchors: decided by two bounds.
		{"bounded_lf_exact", `\n^b`, "m", "a\nb", yes},
		{"bounded_no_match", `\r^b`, "m", "a\rc", no},
		{"bounded_undecided", `\r^b`, "m", "a\rb", bad},
		{"bounded_without_cr", `[^\n]$`, "m", "ab", yes},
		// Sticky: test() starts at lastIndex 0, which CASL resets.
		{"sticky_anchored", `b`, "y", "ab", no},
		{"sticky_at_start", `b`, "y", "ba", yes},
		{"global_not_anchored", `b`, "g", "ab", yes},
		// Annex B syntax.
		{"u_brace_is_quantifier", `^\u{2}$`, "", "uu", yes},
		{"p_is_identity", `^\p{L}$`, "", "p{L}", yes},
		{"lone_braces", `^a{,2}}]$`, "", "a{,2}}]", yes},
		{"class_escape_in_range", `^[\d-z]$`, "", "-", yes},
		{"c_without_letter", `^\c1$`, "", `\c1`, yes},
		{"c_letter", `^\cJ$`, "", "\n", yes},
		{"class_c_digit", `^[\c1]$`, "", "\x11", yes},
		{"class_backspace", `^[\b]$`, "", "\b", yes},
		{"k_without_named_groups", `^\k$`, "", "k", yes},
		{"named_group", `^(?<n>a)b$`, "", "ab", yes},
		{"hex_escape", `^\x41$`, "", "A", yes},
		{"short_hex_is_x", `^\x4$`, "", "x4", yes},
		{"nul", `^\0$`, "", "\x00", yes},
		{"empty_class", `[]`, "", "a", no},
		{"any_class", `^[^]$`, "", "\n", yes},
		{"word_boundary", `a\b`, "", "a😀", yes},
		{"space_class_nbsp", `^\s$`, "", "\u00a0", yes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			re, err := compileJSRegexp(tt.pattern, tt.flags)
			if err != nil {
				t.Fatalf("compileJSRegexp(%q, %q) = %v", tt.pattern, tt.flags, err)
			}
			if got := re.match(tt.subject); got != tt.want {
				t.Errorf("/%s/%s.test(%q) = %v, want %v", tt.pattern, tt.flags, tt.subject, got, tt.want)
			}
		})
	}
}

// TestJSRegexpRefused: what JavaScript rejects, and what RE2 cannot run, makes the rule
// invalid.
func TestJSRegexpRefused(t *testing.T) {
	tests := []struct {
		name, pattern, flags string
		unsupported          bool // valid JavaScript that Krag refuses
	}{
		{"lookahead", `a(?=b)`, "", true},
		{"negative_lookahead", `(?!a)b`, "", true},
		{"lookbehind", `(?<=a)b`, "", true},
		{"backreference", `(a)\1`, "", true},
		{"named_backreference", `(?<n>a)\k<n>`, "", true},
		{"octal", `\012`, "", true},
		{"unicode_flag", `a`, "u", true},
		{"unicode_sets_flag", `a`, "v", true},
		{"huge_repeat", `a{1001}`, "", true},
		{"bad_flag", `a`, "x", false},
		{"repeated_flag", `a`, "ii", false},
		{"range_out_of_order", `[z-a]`, "", false},
		{"numbers_out_of_order", `a{2,1}`, "", false},
		{"nothing_to_repeat", `*a`, "", false},
		{"braced_nothing_to_repeat", `{1}`, "", false},
		{"double_quantifier", `a**`, "", false},
		{"quantified_assertion", `^*`, "", false},
		{"quantified_boundary", `\b+`, "", false},
		{"unterminated_group", `(a`, "", false},
		{"unmatched_paren", `a)`, "", false},
		{"unterminated_class", `[a-`, "", false},
		{"trailing_backslash", `\`, "", false},
		{"invalid_group", `(?x)`, "", false},
		{"duplicate_group_name", `(?<n>a)(?<n>b)`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			re, err := compileJSRegexp(tt.pattern, tt.flags)
			if err == nil {
				t.Fatalf("compileJSRegexp(%q, %q) = %v, want an error", tt.pattern, tt.flags, re.re)
			}
			if got := errors.Is(err, errUnsupported); got != tt.unsupported {
				t.Errorf("compileJSRegexp(%q, %q) = %v; errUnsupported %v, want %v", tt.pattern, tt.flags, err, got, tt.unsupported)
			}
		})
	}
}

// TestJSCanonicalize pins Canonicalize for every UTF-16 code unit to what Node.js 20 (ICU,
// Unicode 17) gives. The hash is of the lines "%04x %04x\n" for each unit whose canonical
// form differs, made with:
//
//	node -e 'let s="",n=0;for(let u=0;u<0x10000;u++){const up=String.fromCharCode(u).toUpperCase();let c=u;
//	  if(up.length===1){const cu=up.charCodeAt(0);if(!(u>=128&&cu<128))c=cu}if(u>=0xD800&&u<=0xDFFF)c=u;
//	  if(c!==u){s+=u.toString(16).padStart(4,"0")+" "+c.toString(16).padStart(4,"0")+"\n";n++}}
//	  console.log(n,require("crypto").createHash("sha256").update(s).digest("hex"))'
func TestJSCanonicalize(t *testing.T) {
	h := sha256.New()
	n := 0
	for u := 0; u <= 0xFFFF; u++ {
		if c := jsCanonicalize(uint16(u)); c != uint16(u) {
			fmt.Fprintf(h, "%04x %04x\n", u, c)
			n++
		}
	}
	const wantN, wantHash = 1169, "bcebd4873c70c12171b9d1feb9601e8d099e2b472fdc0f176db9e145f93c5f0d"
	if got := fmt.Sprintf("%x", h.Sum(nil)); n != wantN || got != wantHash {
		t.Errorf("Canonicalize table: %d units, sha256 %s; want %d, %s", n, got, wantN, wantHash)
	}
	for u, want := range map[uint16]uint16{'k': 'K', 0x212A: 0x212A, 0x17F: 0x17F, 0xB5: 0x39C, 0x131: 0x131, 0xDF: 0xDF, 0x1F80: 0x1F80, 0xD83D: 0xD83D} {
		if got := jsCanonicalize(u); got != want {
			t.Errorf("jsCanonicalize(%#x) = %#x, want %#x", u, got, want)
		}
	}
}

// TestRegexpEvaluationError: a subject the two bounds cannot decide denies the check with
// ErrEvaluation, and never grants.
func TestRegexpEvaluationError(t *testing.T) {
	a := ability(t, `[{"action":"read","subject":"Post","conditions":{"s":{"$regex":"\\r^b","$options":"m"}}}]`, Options{})
	d, err := a.Check("read", Of("Post", map[string]any{"s": "a\rb"}), "")
	if d.Allowed || !errors.Is(err, ErrEvaluation) {
		t.Errorf("Check = %+v, %v; want a denial with ErrEvaluation", d, err)
	}
	for _, s := range []string{"x\nb", "a\rc"} {
		if d, err := a.Check("read", Of("Post", map[string]any{"s": s}), ""); d.Allowed || err != nil {
			t.Errorf(`/\r^b/m on %q: Check = %+v, %v; want a denial without error`, s, d, err)
		}
	}
}
