package desktop

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Permissions are what the signed-in user may do, as plugin/rbac's GET /rbac/rules reports
// them: the names of their roles and their CASL rules.
type Permissions struct {
	Roles []string
	Rules []Rule
}

// Rule is one CASL rule.
type Rule struct {
	Action, Subject string
	Inverted        bool
	// Conditions is the rule's MongoDB-style query as JSON, "" when none.
	Conditions string
	// Fields limits the rule to these fields; empty for all.
	Fields []string
}

// String describes r: "update Post where {"authorId":"u1"}", "cannot delete User".
func (r Rule) String() string {
	var b strings.Builder
	if r.Inverted {
		b.WriteString("cannot ")
	}
	b.WriteString(r.Action)
	b.WriteString(" ")
	b.WriteString(r.Subject)
	if len(r.Fields) > 0 {
		b.WriteString(" (" + strings.Join(r.Fields, ", ") + ")")
	}
	if r.Conditions != "" {
		b.WriteString(" where " + r.Conditions)
	}
	return b.String()
}

// Permissions asks the server for the signed-in user's roles and rules (plugin/rbac).
func (a *App) Permissions(ctx context.Context) (*Permissions, error) {
	var out struct {
		Roles []string            `json:"roles"`
		Rules [][]json.RawMessage `json:"rules"`
	}
	if err := a.Do(ctx, "GET", "/rbac/rules", nil, &out); err != nil {
		return nil, fmt.Errorf("desktop: read permissions: %w", err)
	}
	p := &Permissions{Roles: out.Roles}
	for _, packed := range out.Rules {
		rs, err := unpack(packed)
		if err != nil {
			return nil, fmt.Errorf("desktop: read permissions: %w", err)
		}
		p.Rules = append(p.Rules, rs...)
	}
	return p, nil
}

// unpack reads one rule of CASL's packRules form: [actions, subjects, conditions?,
// inverted?, fields?, reason?], where actions, subjects and fields are comma-joined, a
// missing conditions is 0 and inverted is 1 or 0. One packed rule with several actions or
// subjects becomes one Rule each.
func unpack(p []json.RawMessage) ([]Rule, error) {
	if len(p) < 2 {
		return nil, fmt.Errorf("a packed rule has %d parts, want at least 2", len(p))
	}
	var actions, subjects string
	if json.Unmarshal(p[0], &actions) != nil || json.Unmarshal(p[1], &subjects) != nil {
		return nil, fmt.Errorf("a packed rule's action or subject is not a string: %s", p[:2])
	}
	var r Rule
	if len(p) > 2 && string(p[2]) != "0" && string(p[2]) != "null" {
		r.Conditions = string(p[2])
	}
	if len(p) > 3 {
		r.Inverted = string(p[3]) == "1" || string(p[3]) == "true"
	}
	if len(p) > 4 {
		var fields string
		if json.Unmarshal(p[4], &fields) == nil && fields != "" {
			r.Fields = strings.Split(fields, ",")
		}
	}
	var out []Rule
	for _, act := range strings.Split(actions, ",") {
		for _, sub := range strings.Split(subjects, ",") {
			x := r
			x.Action, x.Subject = act, sub
			out = append(out, x)
		}
	}
	return out, nil
}
