package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/kragauth/krag/plugin/rbac"
)

// The dashboard: the seed's "Welcome, {firstName}!", the user's fields, roles and what they
// may do.
func (s *site) dashboardRoutes() {
	s.handle("GET /dashboard", s.signedIn(s.dashboard))
}

// dashboardData is the dashboard's Data.
type dashboardData struct {
	// RBAC tells whether roles and permissions are known (Options.RBAC).
	RBAC  bool
	Roles []*rbac.Role
	// Rules are the user's effective rules, in CASL's order: a later rule wins.
	Rules   []ruleView
	Session sessionView
}

// ruleView is one effective rule of the user's ability, as the dashboard lists it.
type ruleView struct {
	Allow      bool
	Actions    string
	Subjects   string
	Conditions string // compact JSON, "" for none
	Fields     string // comma-separated, "" for every field
	Reason     string
}

func (s *site) dashboard(w http.ResponseWriter, r *http.Request) error {
	sd := session(r)
	data := dashboardData{RBAC: s.opts.RBAC != nil, Session: s.sessionView(sd.Session, sd.Session.Token)}
	if s.opts.RBAC != nil {
		roles, err := s.opts.RBAC.RolesOf(r.Context(), sd.User)
		if err != nil {
			return err
		}
		data.Roles = roles
		ab, err := s.opts.RBAC.Ability(r.Context(), sd.User.ID)
		if err != nil {
			return err
		}
		data.Rules = unpackRules(ab.Pack())
	}
	p := s.person(sd.User)
	return s.render(w, r, http.StatusOK, "dashboard", view{Title: "Welcome, " + p.Greeting() + "!", Data: data})
}

// unpackRules reads the ability's effective rules in CASL's packed form (access.Ability.Pack:
// per rule [actions, subjects, conditions, inverted, fields, reason], lists joined by commas,
// 0 for none, trailing empty entries dropped) — the rules a browser running CASL would get,
// with ${user.…} placeholders already filled in.
func unpackRules(packed []byte) []ruleView {
	var rows [][]json.RawMessage
	if err := json.Unmarshal(packed, &rows); err != nil {
		return nil
	}
	str := func(row []json.RawMessage, i int) string {
		if i >= len(row) {
			return ""
		}
		var s string
		if json.Unmarshal(row[i], &s) != nil {
			return ""
		}
		return s
	}
	var out []ruleView
	for _, row := range rows {
		v := ruleView{Allow: true, Actions: str(row, 0), Subjects: str(row, 1), Fields: str(row, 4), Reason: str(row, 5)}
		if v.Subjects == "" {
			v.Subjects = "all"
		}
		if len(row) > 2 && string(row[2]) != "0" {
			var b bytes.Buffer
			if json.Compact(&b, row[2]) == nil {
				v.Conditions = b.String()
			}
		}
		if len(row) > 3 && strings.TrimSpace(string(row[3])) == "1" {
			v.Allow = false
		}
		v.Actions = strings.ReplaceAll(v.Actions, ",", ", ")
		v.Subjects = strings.ReplaceAll(v.Subjects, ",", ", ")
		v.Fields = strings.ReplaceAll(v.Fields, ",", ", ")
		out = append(out, v)
	}
	return out
}
