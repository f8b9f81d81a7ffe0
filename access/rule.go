package access

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Names is a list of action, subject or field names. In JSON it is a string, an array of
// strings, or absent; null and "" mean none, as they do to CASL.
type Names []string

// UnmarshalJSON accepts a string or an array of strings.
func (n *Names) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")), bytes.Equal(b, []byte(`""`)), bytes.Equal(b, []byte("false")), bytes.Equal(b, []byte("0")):
		*n = nil
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*n = Names{s}
		return nil
	case len(b) > 0 && b[0] == '[':
		var ss []string
		if err := json.Unmarshal(b, &ss); err != nil {
			return fmt.Errorf("names must be strings: %w", err)
		}
		if ss == nil {
			ss = []string{}
		}
		*n = Names(ss)
		return nil
	}
	return fmt.Errorf("names must be a string or an array of strings, not %s", b)
}

// Rule is a CASL raw rule (shared/spec/casl-semantics.md §1): what a rule list in CASL's JSON
// form holds, and what Krag stores for a permission.
type Rule struct {
	// Action is the action or actions the rule covers ("read", "manage", an alias).
	Action Names `json:"action"`
	// Subject is the subject type or types; empty means every type ("all").
	Subject Names `json:"subject,omitempty"`
	// Conditions is a MongoDB-style query as JSON; nil means none. `{}` matches everything.
	Conditions json.RawMessage `json:"conditions,omitempty"`
	// Fields restricts the rule to fields or field patterns ("title", "author.*"). An empty,
	// non-nil list is an error, as in CASL.
	Fields Names `json:"fields,omitempty"`
	// Inverted makes the rule a "cannot".
	Inverted bool `json:"inverted,omitempty"`
	// Reason is the message of the ForbiddenError an inverted rule causes.
	Reason string `json:"reason,omitempty"`

	// packSubject is the falsy subject ("", false or 0) a rule read from JSON had, which
	// CASL's packRules writes as it is; nil for none or null.
	packSubject any
	// blankAction is set when the action was the string "": CASL files the rule under "" but
	// packRules, reading `action || actions`, writes it as null.
	blankAction bool
}

// UnmarshalJSON reads a raw rule with CASL's leniency: inverted may be any truthy value, the
// conditions any falsy value for none.
func (r *Rule) UnmarshalJSON(b []byte) error {
	var raw struct {
		Action     json.RawMessage `json:"action"`
		Subject    json.RawMessage `json:"subject"`
		Conditions json.RawMessage `json:"conditions"`
		Fields     Names           `json:"fields"`
		Inverted   json.RawMessage `json:"inverted"`
		Reason     json.RawMessage `json:"reason"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*r = Rule{Fields: raw.Fields}
	if sub := bytes.TrimSpace(raw.Subject); len(sub) > 0 {
		v, err := parseJSON(sub)
		if err != nil {
			return fmt.Errorf("subject: %w", err)
		}
		if truthy(v) {
			if err := r.Subject.UnmarshalJSON(sub); err != nil {
				return fmt.Errorf("subject: %w", err)
			}
		} else if v != nil {
			// "", false, 0: no subject (the rule is filed under "all"), packed as given.
			r.packSubject = v
		}
	}
	// An empty string is still an action name to CASL (filed under ""), unlike an empty subject.
	if a := bytes.TrimSpace(raw.Action); len(a) > 0 && a[0] == '"' {
		var s string
		if err := json.Unmarshal(a, &s); err != nil {
			return err
		}
		r.Action = Names{s}
		r.blankAction = s == ""
	} else if len(a) > 0 {
		if err := r.Action.UnmarshalJSON(a); err != nil {
			return fmt.Errorf("action: %w", err)
		}
	}
	if c := bytes.TrimSpace(raw.Conditions); len(c) > 0 {
		v, err := parseJSON(c)
		if err != nil {
			return err
		}
		if truthy(v) {
			r.Conditions = append(json.RawMessage(nil), c...)
		}
	}
	if len(raw.Inverted) > 0 {
		v, err := parseJSON(raw.Inverted)
		if err != nil {
			return err
		}
		r.Inverted = truthy(v)
	}
	if len(raw.Reason) > 0 {
		v, err := parseJSON(raw.Reason)
		if err != nil {
			return err
		}
		if truthy(v) {
			if s, ok := v.(string); ok {
				r.Reason = s
			} else {
				r.Reason = toJSString(toPrimitive(v))
			}
		}
	}
	return nil
}

// RuleError reports a rule that failed validation; the ability built around it fails closed.
type RuleError struct {
	// Index is the rule's position in the list given to New or Compile.
	Index int
	// Err says what is wrong with the rule.
	Err error
}

// Error names the rule by position and says what is wrong with it.
func (e *RuleError) Error() string { return fmt.Sprintf("rule %d: %v", e.Index, e.Err) }

// Unwrap returns the cause.
func (e *RuleError) Unwrap() error { return e.Err }
