// Package access is Krag's ability engine: CASL's rules, conditions and decisions in Go, so
// that a rule list means the same thing on the server as in @casl/ability in the browser
// (shared/spec/casl-semantics.md). It is pure: no I/O, no HTTP.
//
// # Rules and checks
//
// Rules are CASL raw rules (Rule, JSON-compatible): an action, subject types, optional
// MongoDB-style conditions, optional fields, inverted for "cannot", a reason. New builds an
// Ability; Check, Can and Authorize answer for a type (Type("Post"): "could some Post be
// read?") or an instance (Of("Post", post), attributes read from maps or structs by their JSON
// names). The later rule wins when it matches; manage and all are the wildcards of the lookup,
// not of checks; aliases expand rules, never checks.
//
// # Where Krag is stricter than CASL
//
// CASL parses conditions lazily and accepts some that can never match; a rule whose
// conditions do not parse even grants a type-level check. Krag validates every rule when the
// ability is built. New refuses a list with an invalid rule; Compile fails closed instead: an
// invalid rule, "can" or "cannot", keeps its place, and a check that reaches it while walking
// the candidate rules (latest first) is denied with an error wrapping ErrInvalidRule, where
// CASL throws; checks decided above it are answered as CASL answers them. The difference from
// CASL is the type-level check that reaches a broken "can": CASL grants it without parsing,
// Krag denies. Where and AST match nothing and PermittedFields fails when any candidate rule
// is invalid; a rule with an empty fields array, which makes CASL refuse the whole list, makes
// every question fail. Invalid includes unknown $-operators (even those CASL silently
// ignores, such as $or), equality with objects or arrays, operand type errors, regular
// expressions Go cannot run exactly as JavaScript does, and unknown ${…} placeholders. A
// condition that cannot be evaluated on a subject (CASL throws) denies the check.
//
// A $regex runs as CASL's new RegExp(pattern, $options) does, without the u flag: on UTF-16
// code units (`^.{2}$` matches one emoji), with JavaScript's case folding (U+212A KELVIN SIGN
// is not k under i) and line terminators, in JavaScript's syntax. Patterns RE2 cannot run
// (lookaround, backreferences) and the u and v flags make the rule invalid. One subject
// RE2's multiline anchors cannot decide (^ or $ with m, an atom matching \r but not \n or the
// like, and \r, U+2028 or U+2029 in the subject) denies the check with ErrEvaluation.
//
// # To the browser and to SQL
//
// Pack writes rules in CASL's packed form, byte for byte; Ability.Pack writes the effective
// rules (an invalid rule as an unconditional "cannot" in its place), so a browser fails
// closed the same way. Where gives the condition accessibleBy
// builds for a type (rulesToCondition), for query generation.
package access
