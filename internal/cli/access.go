package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/kragauth/krag/access"
)

const accessSynopsis = `Work with permission rules offline.

  krag access eval    read test cases as JSON lines on stdin, answer each on stdout

A case is {"rules":[CASL raw rules], "aliases":{...}?, "allFields":{"Type":[...]}?,
"checks":[{"action","subjectType","subject":{...}|null,"field"?,"permittedFields"?:true}]}.
The answer is {"packed":[...], "results":[{"can","rule","permittedFields"?,"where"?}|{"error"}],
"invalid"?:[{"rule","error"}]}, or {"error"} when the rules cannot be built. A null subject is
a type-level check; "where" (type-level checks without a field) is the condition accessibleBy
would build. Invalid rules fail closed and are listed in "invalid".`

func runAccess(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.Stdout, "Usage: krag access eval\n\n"+accessSynopsis)
		if len(args) == 0 {
			return fmt.Errorf("%w: missing subcommand", errUsage)
		}
		return nil
	}
	switch args[0] {
	case "eval":
		fs := newFlags(env, "access eval", accessSynopsis)
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		return accessEval(os.Stdin, env.Stdout)
	}
	return fmt.Errorf("%w: unknown subcommand %q", errUsage, args[0])
}

type evalCase struct {
	Rules     []access.Rule           `json:"rules"`
	Aliases   map[string]access.Names `json:"aliases"`
	AllFields map[string][]string     `json:"allFields"`
	Checks    []evalCheck             `json:"checks"`
}

type evalCheck struct {
	Action          string          `json:"action"`
	SubjectType     string          `json:"subjectType"`
	Subject         json.RawMessage `json:"subject"`
	Field           json.RawMessage `json:"field"`
	PermittedFields bool            `json:"permittedFields"`
}

type evalInvalid struct {
	Rule  int    `json:"rule"`
	Error string `json:"error"`
}

// accessEval answers test cases line by line (the differential tests' protocol).
func accessEval(in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	w := bufio.NewWriter(out)
	defer w.Flush()
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		b, err := json.Marshal(evalLine(line))
		if err != nil {
			return err
		}
		w.Write(b)
		w.WriteByte('\n')
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return sc.Err()
}

func evalLine(line []byte) any {
	var c evalCase
	if err := json.Unmarshal(line, &c); err != nil {
		return map[string]string{"error": "invalid case: " + err.Error()}
	}
	aliases := map[string][]string{}
	for k, v := range c.Aliases {
		aliases[k] = v
	}
	a, errs := access.Compile(c.Rules, access.Options{Aliases: aliases})
	if a == nil {
		return map[string]string{"error": errs[0].Err.Error()}
	}
	packed, err := access.Pack(c.Rules)
	if err != nil {
		return map[string]string{"error": err.Error()}
	}
	results := make([]any, len(c.Checks))
	for i, ch := range c.Checks {
		results[i] = evalCheckOne(a, c, ch)
	}
	res := map[string]any{"packed": json.RawMessage(packed), "results": results}
	if len(errs) > 0 {
		inv := make([]evalInvalid, len(errs))
		for i, e := range errs {
			inv[i] = evalInvalid{Rule: e.Index, Error: e.Err.Error()}
		}
		res["invalid"] = inv
	}
	return res
}

func evalCheckOne(a *access.Ability, c evalCase, ch evalCheck) any {
	field := ""
	if len(ch.Field) > 0 && string(ch.Field) != "null" {
		if err := json.Unmarshal(ch.Field, &field); err != nil {
			return map[string]string{"error": "The 3rd, `field` parameter is expected to be a string."}
		}
	}
	s := access.Type(ch.SubjectType)
	if len(ch.Subject) > 0 && string(ch.Subject) != "null" {
		v, err := access.DecodeJSON(ch.Subject)
		if err != nil {
			return map[string]string{"error": "invalid subject: " + err.Error()}
		}
		s = access.Of(ch.SubjectType, v)
	}
	d, err := a.Check(ch.Action, s, field)
	if err != nil {
		return map[string]string{"error": err.Error()}
	}
	r := map[string]any{"can": d.Allowed, "rule": d.Rule}
	if ch.PermittedFields {
		fs, err := a.PermittedFields(ch.Action, s, func(t string) []string { return c.AllFields[t] })
		if err != nil {
			return map[string]string{"error": err.Error()}
		}
		r["permittedFields"] = fs
	}
	if s.Object == nil && field == "" && (len(ch.Subject) == 0 || string(ch.Subject) == "null") {
		r["where"] = json.RawMessage(a.WhereJSON(ch.Action, ch.SubjectType))
	}
	return r
}
