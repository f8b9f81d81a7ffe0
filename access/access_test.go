package access

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// rules parses a JSON array of raw rules.
func rules(t *testing.T, s string) []Rule {
	t.Helper()
	var rs []Rule
	if err := json.Unmarshal([]byte(s), &rs); err != nil {
		t.Fatalf("rules %s: %v", s, err)
	}
	return rs
}

func ability(t *testing.T, s string, o Options) *Ability {
	t.Helper()
	a, err := New(rules(t, s), o)
	if err != nil {
		t.Fatalf("New(%s) = %v", s, err)
	}
	return a
}

func obj(t *testing.T, s string) any {
	t.Helper()
	v, err := DecodeJSON([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestPrecedence: the later rule wins, but only when it matches (shared/spec/casl-semantics.md §3).
func TestPrecedence(t *testing.T) {
	tests := []struct {
		name, rules, subject string
		want                 bool
	}{
		{"cannot_after_can_archived", `[{"action":"read","subject":"Post"},{"action":"read","subject":"Post","conditions":{"archived":true},"inverted":true}]`, `{"archived":true}`, false},
		{"cannot_after_can_other", `[{"action":"read","subject":"Post"},{"action":"read","subject":"Post","conditions":{"archived":true},"inverted":true}]`, `{"archived":false}`, true},
		{"can_after_cannot", `[{"action":"read","subject":"Post","conditions":{"archived":true},"inverted":true},{"action":"read","subject":"Post"}]`, `{"archived":true}`, true},
		{"public_wins", `[{"action":"read","subject":"Post","conditions":{"own":true}},{"action":"manage","subject":"all","inverted":true},{"action":"read","subject":"Post","conditions":{"public":true}}]`, `{"public":true}`, true},
		{"own_denied", `[{"action":"read","subject":"Post","conditions":{"own":true}},{"action":"manage","subject":"all","inverted":true},{"action":"read","subject":"Post","conditions":{"public":true}}]`, `{"own":true}`, false},
		{"no_rule_denies", `[{"action":"read","subject":"Post"}]`, `{"x":1}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ability(t, tt.rules, Options{})
			if got := a.Can("read", Of("Post", obj(t, tt.subject))); got != tt.want {
				t.Errorf("Can(read, %s) = %v, want %v", tt.subject, got, tt.want)
			}
		})
	}
}

func TestCandidateLookup(t *testing.T) {
	a := ability(t, `[{"action":"read","subject":"Post"},{"action":"manage","subject":"Comment"},{"action":"fly"}]`, Options{})
	tests := []struct {
		action, typ string
		want        bool
	}{
		{"read", "Post", true},
		{"manage", "Post", false}, // manage checks only find manage rules
		{"read", "all", false},    // all in a check is not a wildcard
		{"delete", "Comment", true},
		{"anything", "Comment", true},
		{"fly", "Whatever", true}, // a rule without subject covers every type
		{"Read", "Post", false},   // case-sensitive
	}
	for _, tt := range tests {
		if got := a.Can(tt.action, Type(tt.typ)); got != tt.want {
			t.Errorf("Can(%s, %s) = %v, want %v", tt.action, tt.typ, got, tt.want)
		}
	}
}

// TestTypeLevel: a conditional can grants a type-level check unevaluated; a conditional cannot
// is ignored unless its conditions match everything (§4).
func TestTypeLevel(t *testing.T) {
	tests := []struct {
		name, rules string
		want        bool
	}{
		{"conditional_can", `[{"action":"update","subject":"Post","conditions":{"authorId":1}}]`, true},
		{"conditional_cannot_ignored", `[{"action":"read","subject":"Post"},{"action":"read","subject":"Post","conditions":{"secret":true},"inverted":true}]`, true},
		{"empty_cannot_applies", `[{"action":"read","subject":"Post"},{"action":"read","subject":"Post","conditions":{},"inverted":true}]`, false},
		{"options_only_cannot_applies", `[{"action":"read","subject":"Post"},{"action":"read","subject":"Post","conditions":{"f":{"$options":"i"}},"inverted":true}]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ability(t, tt.rules, Options{})
			action := "read"
			if strings.Contains(tt.rules, "update") {
				action = "update"
			}
			if got := a.Can(action, Type("Post")); got != tt.want {
				t.Errorf("Can(%s, Post) = %v, want %v", action, got, tt.want)
			}
		})
	}
	a := ability(t, `[{"action":"update","subject":"Post","conditions":{"authorId":1}}]`, Options{})
	if a.Can("update", Of("Post", obj(t, `{"authorId":2}`))) {
		t.Error("instance by author 2 allowed")
	}
}

func TestAliases(t *testing.T) {
	al := map[string][]string{"modify": {"update", "delete"}, "crud": {"create", "read", "modify"}}
	a := ability(t, `[{"action":"crud","subject":"Post"},{"action":"delete","subject":"Post","inverted":true}]`, Options{Aliases: al})
	for action, want := range map[string]bool{"modify": true, "delete": false, "update": true, "read": true, "crud": true, "manage": false} {
		if got := a.Can(action, Type("Post")); got != want {
			t.Errorf("Can(%s) = %v, want %v", action, got, want)
		}
	}
	for _, bad := range []map[string][]string{
		{"manage": {"read"}},
		{"all": {"manage"}},
		{"a": {"b"}, "b": {"a"}},
		{"a": {"a"}},
	} {
		if _, err := New(nil, Options{Aliases: bad}); err == nil {
			t.Errorf("aliases %v accepted", bad)
		}
	}
}

// TestFieldPatterns is the table of §7.2, observed from CASL's fieldPatternMatcher.
func TestFieldPatterns(t *testing.T) {
	tests := []struct {
		pattern string
		match   []string
		nomatch []string
	}{
		{"author.*", []string{"author", "author.", "author.name"}, []string{"author.a.b"}},
		{"author.**", []string{"author", "author.name", "author.a.b"}, []string{"authors"}},
		{"*.name", []string{"author.name", "x.name"}, []string{"x.y.name", "name"}},
		{"street*", []string{"street", "street1"}, []string{"street.x"}},
		{"author.*.name", []string{"author.x.name"}, []string{"author.name"}},
		{"*", []string{"a", "anything"}, []string{"a.b"}},
		{"**", []string{"a", "a.b.c"}, nil},
		{"*.*", []string{"a.b", "author."}, []string{"a", "a.b.c"}},
		{"a.*.b.**", []string{"a.x.b", "a.x.b.c.d"}, []string{"a.b"}},
		{"meta-data.*", []string{"meta-data.x"}, []string{"metaXdata.x"}},
	}
	for _, tt := range tests {
		m, err := fieldMatcher([]string{tt.pattern})
		if err != nil {
			t.Fatalf("%s: %v", tt.pattern, err)
		}
		for _, f := range tt.match {
			if !m(f) {
				t.Errorf("pattern %q does not match %q", tt.pattern, f)
			}
		}
		for _, f := range tt.nomatch {
			if m(f) {
				t.Errorf("pattern %q matches %q", tt.pattern, f)
			}
		}
	}
}

func TestFieldFilter(t *testing.T) {
	a := ability(t, `[{"action":"read","subject":"Post"},{"action":"read","subject":"Post","fields":["secret"],"inverted":true}]`, Options{})
	if !a.Can("read", Type("Post")) {
		t.Error("a cannot on a field denies the type without field")
	}
	if a.CanField("read", Type("Post"), "secret") || !a.CanField("read", Type("Post"), "title") {
		t.Error("field checks wrong")
	}
	fs, _ := a.PermittedFields("read", Type("Post"), func(string) []string { return []string{"title", "secret", "body"} })
	if !slices.Equal(fs, []string{"title", "body"}) {
		t.Errorf("PermittedFields = %v", fs)
	}
}

// TestOperators covers each operator's CASL quirks (§8).
func TestOperators(t *testing.T) {
	tests := []struct {
		cond, subject string
		want          bool
	}{
		{`{"age":{"$lt":18}}`, `{}`, true}, // a missing field satisfies $lt
		{`{"age":{"$lt":18}}`, `{"age":null}`, true},
		{`{"age":{"$gt":-1}}`, `{"age":null}`, true},
		{`{"age":{"$gte":0}}`, `{}`, false},
		{`{"n":{"$gt":9}}`, `{"n":"10"}`, true}, // "10" > 9 in JavaScript
		{`{"s":{"$lt":"ｚ"}}`, `{"s":"😀"}`, true},
		{`{"tags":"a"}`, `{"tags":["b","a"]}`, true},
		{`{"tags":{"$ne":"a"}}`, `{"tags":["b","a"]}`, false},
		{`{"x":{"$ne":1}}`, `{}`, true},
		{`{"x":{"$in":[null]}}`, `{}`, false},
		{`{"x":null}`, `{}`, true},
		{`{"a.b":null}`, `{}`, false},
		{`{"a.b":null}`, `{"a":{}}`, true},
		{`{"a.b":null}`, `{"a":[{"b":1},{"c":2}]}`, true},
		{`{"x":{"$nin":[]}}`, `{}`, true},
		{`{"tags":{"$all":[]}}`, `{"tags":[]}`, true},
		{`{"tags":{"$all":["a"]}}`, `{"tags":"a"}`, false},
		{`{"tags":{"$size":2}}`, `{"tags":[1,2]}`, true},
		{`{"c.tags":{"$size":1}}`, `{"c":[{"tags":[1]},{"tags":[1,2]}]}`, true},
		{`{"x":{"$exists":true}}`, `{"x":null}`, true},
		{`{"a.x":{"$exists":false}}`, `{}`, true},
		{`{"name":{"$regex":"^al","$options":"i"}}`, `{"name":"Alice"}`, true},
		{`{"name":{"$regex":"ce$"}}`, `{"name":["bob","alice"]}`, true},
		{`{"m":{"$elemMatch":{"u":1,"r":"o"}}}`, `{"m":[{"u":1,"r":"x"},{"u":2,"r":"o"}]}`, false},
		{`{"m.u":1,"m.r":"o"}`, `{"m":[{"u":1,"r":"x"},{"u":2,"r":"o"}]}`, true},
		{`{"n":{"$elemMatch":{"$gt":5,"$lt":9}}}`, `{"n":[1,7]}`, true},
		{`{"m":{"$elemMatch":{}}}`, `{"m":[]}`, false},
		{`{"c.authorId":2}`, `{"c":[{"authorId":1},{"authorId":2}]}`, true},
		{`{"tags.0":"a"}`, `{"tags":["a","b"]}`, true},
		{`{"f":{"$options":"i"}}`, `{}`, true},
	}
	for _, tt := range tests {
		c, err := ParseCond([]byte(tt.cond))
		if err != nil {
			t.Errorf("ParseCond(%s) = %v", tt.cond, err)
			continue
		}
		got, ok := c.Match(obj(t, tt.subject))
		if !ok || got != tt.want {
			t.Errorf("%s on %s = %v (ok %v), want %v", tt.cond, tt.subject, got, ok, tt.want)
		}
	}
}

// TestInvalidConditions: what CASL throws on, and what it silently accepts but never matches,
// are errors here.
func TestInvalidConditions(t *testing.T) {
	for _, cond := range []string{
		`{"$eq":1}`,
		`{"f":{"$eq":1,"$contains":"x"}}`,
		`{"$or":[{"a":1}]}`,
		`{"f":{"$not":{"$eq":1}}}`,
		`{"author":{"id":1}}`,
		`{"tags":["a"]}`,
		`{"x":{"$lt":null}}`,
		`{"x":{"$in":3}}`,
		`{"x":{"$size":"2"}}`,
		`{"x":{"$exists":1}}`,
		`{"x":{"$regex":"(?=a)"}}`,
		`{"x":{"$regex":"(a)\\1"}}`,
		`{"x":{"$regex":"["}}`,
		`{"x":{"$regex":"a","$options":"x"}}`,
		`{"x":{"$elemMatch":3}}`,
		`[1]`,
		`"str"`,
		`{`,
	} {
		if _, err := ParseCond([]byte(cond)); err == nil {
			t.Errorf("ParseCond(%s) accepted", cond)
		}
	}
}

// TestBrokenConditionGrantsNothing is the seed's hole, closed: a permission whose conditions
// do not parse grants nothing, not even at type level, and a broken cannot denies.
func TestBrokenConditionGrantsNothing(t *testing.T) {
	rs := []Rule{{Action: Names{"update"}, Subject: Names{"Post"}, Conditions: json.RawMessage(`{"authorId": ${user.id}`)}}
	a, errs := Compile(rs, Options{})
	if len(errs) != 1 || errs[0].Index != 0 {
		t.Fatalf("Compile errors = %v, want rule 0", errs)
	}
	if a.Can("update", Type("Post")) || a.Can("update", Of("Post", map[string]any{"authorId": 1})) {
		t.Error("a rule with unparsable conditions grants")
	}
	if _, err := New(rs, Options{}); err == nil {
		t.Error("New accepted an invalid rule")
	}
	rs = rules(t, `[{"action":"read","subject":"Post"},{"action":"read","subject":"Post","conditions":{"$or":[{"secret":true}]},"inverted":true}]`)
	a, errs = Compile(rs, Options{})
	if len(errs) != 1 || a.Can("read", Of("Post", map[string]any{"secret": false})) {
		t.Errorf("a broken cannot does not deny: errs %v", errs)
	}
}

func TestPack(t *testing.T) {
	tests := []struct{ rule, want string }{
		{`{"action":"read","subject":"Post"}`, `["read","Post"]`},
		{`{"action":"read","subject":"Post","conditions":{"authorId":1}}`, `["read","Post",{"authorId":1}]`},
		{`{"action":"read","subject":"Post","inverted":true}`, `["read","Post",0,1]`},
		{`{"action":"read","subject":"Post","fields":["title","body"]}`, `["read","Post",0,0,"title,body"]`},
		{`{"action":"manage","subject":"all","conditions":{"locked":true},"inverted":true,"reason":"locked"}`, `["manage","all",{"locked":true},1,0,"locked"]`},
		{`{"action":["read","update"],"subject":["Post","Comment"],"conditions":{"b":1.0,"2":true,"a":"x\u0041"}}`, `["read,update","Post,Comment",{"2":true,"b":1,"a":"xA"}]`},
		{`{"action":"read","conditions":{}}`, `["read",null,{}]`},
		// packRules writes a falsy subject as given ("" stays "") and an action of "" as null.
		{`{"action":"update","subject":"","conditions":{"title":{"$exists":true}}}`, `["update","",{"title":{"$exists":true}}]`},
		{`{"action":"publish","subject":"","reason":"x,y"}`, `["publish","",0,0,0,"x,y"]`},
		{`{"action":"read","subject":false,"inverted":true}`, `["read",false,0,1]`},
		{`{"action":"read","subject":null,"inverted":true}`, `["read",null,0,1]`},
		{`{"action":"","subject":"Post"}`, `[null,"Post"]`},
		{`{"action":[""],"subject":[]}`, `[]`},
	}
	for _, tt := range tests {
		b, err := Pack(rules(t, "["+tt.rule+"]"))
		if err != nil || string(b) != "["+tt.want+"]" {
			t.Errorf("Pack(%s) = %s, %v, want [%s]", tt.rule, b, err, tt.want)
		}
	}
}

// TestWhere is the table of §12.2 (with Mongo conditions kept).
func TestWhere(t *testing.T) {
	tests := []struct{ rules, want string }{
		{`[{"action":"read","subject":"Post"}]`, `{}`},
		{`[]`, `{"OR":[]}`},
		{`[{"action":"read","subject":"Post","conditions":{"pub":true}},{"action":"read","subject":"Post","conditions":{"authorId":1}},{"action":"read","subject":"Post","conditions":{"deleted":true},"inverted":true}]`,
			`{"OR":[{"AND":[{"authorId":1},{"NOT":{"deleted":true}}]},{"AND":[{"pub":true},{"NOT":{"deleted":true}}]}]}`},
		{`[{"action":"read","subject":"Post","conditions":{"deleted":true},"inverted":true},{"action":"read","subject":"Post","conditions":{"pub":true}},{"action":"read","subject":"Post","conditions":{"authorId":1}}]`,
			`{"OR":[{"authorId":1},{"pub":true}]}`},
		{`[{"action":"read","subject":"Post"},{"action":"read","subject":"Post","conditions":{"x":1},"inverted":true}]`, `{"AND":[{"NOT":{"x":1}}]}`},
		{`[{"action":"read","subject":"Post"},{"action":"read","subject":"Post","conditions":{"x":1},"inverted":true},{"action":"read","subject":"Post","conditions":{"y":1}}]`,
			`{"OR":[{"y":1},{"AND":[{"NOT":{"x":1}}]}]}`},
		{`[{"action":"read","subject":"Post","conditions":{"y":1}},{"action":"read","subject":"Post","inverted":true}]`, `{"OR":[]}`},
		{`[{"action":"read","subject":"Post","inverted":true},{"action":"read","subject":"Post","conditions":{"y":1}}]`, `{"OR":[{"y":1}]}`},
	}
	for _, tt := range tests {
		a := ability(t, tt.rules, Options{})
		if got := string(a.WhereJSON("read", "Post")); got != tt.want {
			t.Errorf("Where(%s) = %s, want %s", tt.rules, got, tt.want)
		}
	}
}

func TestInterpolation(t *testing.T) {
	vars := map[string]any{"user": map[string]any{"id": 42, "name": "ada", "groups": []string{"a", "b"}}}
	a, errs := Compile(rules(t, `[{"action":"update","subject":"Post","conditions":{"authorId":"${user.id}","slug":"u-${user.name}","group":{"$in":"${user.groups}"}}}]`), Options{Vars: vars})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if !a.Can("update", Of("Post", map[string]any{"authorId": 42, "slug": "u-ada", "group": "b"})) {
		t.Error("interpolated rule does not match the typed values")
	}
	if a.Can("update", Of("Post", map[string]any{"authorId": "42", "slug": "u-ada", "group": "b"})) {
		t.Error(`"42" matched the number 42`)
	}
	if _, errs := Compile(rules(t, `[{"action":"update","subject":"Post","conditions":{"authorId":"${user.nope}"}}]`), Options{Vars: vars}); len(errs) != 1 {
		t.Error("an unknown placeholder was accepted")
	}
}

// TestStructSubject reads attributes of Go structs by their JSON names.
func TestStructSubject(t *testing.T) {
	type Author struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	type Post struct {
		Title  string   `json:"title"`
		Author *Author  `json:"author"`
		Tags   []string `json:"tags"`
		Draft  bool
		hidden string
	}
	a := ability(t, `[{"action":"read","subject":"Post","conditions":{"author.id":7,"tags":"go","Draft":false}}]`, Options{})
	p := &Post{Title: "x", Author: &Author{ID: 7}, Tags: []string{"db", "go"}, hidden: "h"}
	if !a.Can("read", Of("Post", p)) {
		t.Error("struct subject not matched")
	}
	p.Author = nil
	if a.Can("read", Of("Post", p)) {
		t.Error("nil author matched")
	}
}

func TestAuthorize(t *testing.T) {
	a := ability(t, `[{"action":"read","subject":"Post"},{"action":"read","subject":"Post","conditions":{"locked":true},"inverted":true,"reason":"Locked posts are private"}]`, Options{})
	err := a.Authorize("read", Of("Post", map[string]any{"locked": true}), "")
	var fe *ForbiddenError
	if !errors.As(err, &fe) || fe.Message != "Locked posts are private" {
		t.Errorf("Authorize(locked) = %v", err)
	}
	err = a.Authorize("delete", Type("Post"), "")
	if err == nil || err.Error() != `Cannot execute "delete" on "Post"` {
		t.Errorf("Authorize(delete) = %v", err)
	}
	if err := a.Authorize("read", Type("Post"), ""); err != nil {
		t.Errorf("Authorize(read) = %v", err)
	}
}

func TestEvaluationErrorDenies(t *testing.T) {
	// Inside a document $elemMatch, a null element makes CASL throw.
	a, errs := Compile(rules(t, `[{"action":"read","subject":"Post","conditions":{"m":{"$elemMatch":{"x.y":1}}}}]`), Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	d, err := a.Check("read", Of("Post", obj(t, `{"m":[null]}`)), "")
	if d.Allowed || !errors.Is(err, ErrEvaluation) {
		t.Errorf("Check(null element) = %+v, %v; want a denial and ErrEvaluation", d, err)
	}
}

type detectPost struct {
	AuthorID int `json:"authorId"`
}

type detectNamed struct{}

func (detectNamed) SubjectType() string { return "Article" }

func TestDetect(t *testing.T) {
	cases := []struct {
		in       any
		typ      string
		instance bool
	}{
		{nil, All, false},
		{"Post", "Post", false},
		{detectPost{}, "detectPost", true},
		{&detectPost{}, "detectPost", true},
		{detectNamed{}, "Article", true},
		{map[string]any{SubjectTypeKey: "Post"}, "Post", true},
		{map[string]any{"a": 1}, "Object", true},
		{Of("Comment", nil), "Comment", true},
	}
	for _, c := range cases {
		s := Detect(c.in)
		if s.Type != c.typ || s.instance != c.instance {
			t.Errorf("Detect(%#v) = %q instance=%v, want %q instance=%v", c.in, s.Type, s.instance, c.typ, c.instance)
		}
	}
	a, err := New([]Rule{{Action: Names{"read"}, Subject: Names{"detectPost"}, Conditions: []byte(`{"authorId":7}`)}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !a.Can("read", Detect(&detectPost{AuthorID: 7})) || a.Can("read", Detect(detectPost{AuthorID: 8})) {
		t.Error("struct subjects are not checked by their fields")
	}
}

// TestInvalidRulePoisons: an invalid rule keeps its place. A check that reaches it is denied
// with ErrInvalidRule, as CASL throws there, instead of falling through to a lower rule that
// grants; a check decided above it is answered as usual (casl-semantics.md §8.7, §15).
func TestInvalidRulePoisons(t *testing.T) {
	tests := []struct {
		name, rules, action, field string
		subject                    string // "" for a type-level check
		want                       bool
		wantRule                   int
		wantErr                    bool
	}{
		{"instance_reaches_invalid_can", `[{"action":"manage","subject":"Comment"},{"action":"create","subject":"Comment","conditions":{"meta.a":{"$lte":null}}}]`, "create", "", `{}`, false, 1, true},
		{"type_reaches_invalid_can", `[{"action":"manage","subject":"Comment"},{"action":"create","subject":"Comment","conditions":{"meta.a":{"$lte":null}}}]`, "create", "", "", false, 1, true},
		{"type_reaches_invalid_cannot", `[{"action":"read","subject":"Post"},{"action":"read","subject":"Post","conditions":{"x":{"$regex":1}},"inverted":true}]`, "read", "", "", false, 1, true},
		{"decided_above_invalid", `[{"action":"read","subject":"Post","conditions":{"x":{"$in":3}}},{"action":"read","subject":"Post"}]`, "read", "", `{}`, true, 1, false},
		{"other_action", `[{"action":"read","subject":"Post"},{"action":"update","subject":"Post","conditions":{"$or":[]}}]`, "read", "", `{}`, true, 0, false},
		{"field_filter_first", `[{"action":"read","subject":"Post"},{"action":"read","subject":"Post","fields":["secret"],"conditions":{"x":{"$size":"1"}},"inverted":true}]`, "read", "title", `{}`, true, 0, false},
		{"field_filter_reaches", `[{"action":"read","subject":"Post"},{"action":"read","subject":"Post","fields":["secret"],"conditions":{"x":{"$size":"1"}},"inverted":true}]`, "read", "secret", `{}`, false, 1, true},
		{"inverted_field_rule_skipped_without_field", `[{"action":"read","subject":"Post"},{"action":"read","subject":"Post","fields":["secret"],"conditions":{"x":{"$size":"1"}},"inverted":true}]`, "read", "", "", true, 0, false},
		{"no_action_reaches_nothing", `[{"action":"read","subject":"Post"},{"subject":"Post","conditions":{"x":{"$in":3}}}]`, "read", "", `{}`, true, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, errs := Compile(rules(t, tt.rules), Options{})
			if len(errs) != 1 {
				t.Fatalf("Compile errors = %v, want one", errs)
			}
			typ := "Post"
			if strings.Contains(tt.rules, "Comment") {
				typ = "Comment"
			}
			s := Type(typ)
			if tt.subject != "" {
				s = Of(typ, obj(t, tt.subject))
			}
			d, err := a.Check(tt.action, s, tt.field)
			if d.Allowed != tt.want || d.Rule != tt.wantRule || (err != nil) != tt.wantErr {
				t.Errorf("Check(%s, %+v, %q) = %+v, %v; want allowed %v rule %d error %v", tt.action, s, tt.field, d, err, tt.want, tt.wantRule, tt.wantErr)
			}
			if tt.wantErr {
				var re *RuleError
				if !errors.Is(err, ErrInvalidRule) || !errors.As(err, &re) || re.Index != tt.wantRule {
					t.Errorf("Check error %v does not wrap ErrInvalidRule and rule %d's *RuleError", err, tt.wantRule)
				}
				if a.Can(tt.action, s) && tt.field == "" {
					t.Errorf("Can(%s) = true on an invalid rule", tt.action)
				}
			}
		})
	}
}

// TestInvalidCandidateFailsQueries: Where, AST and PermittedFields look at every candidate
// rule, so one invalid candidate makes them fail closed: Where and AST match nothing and
// PermittedFields returns an error (CASL's permittedFieldsOf throws on it).
func TestInvalidCandidateFailsQueries(t *testing.T) {
	a, errs := Compile(rules(t, `[{"action":"read","subject":"Post","conditions":{"pub":true}},{"action":"read","conditions":{"author":{"$exists":1}}},{"action":"read","subject":"Post","conditions":{"authorId":1}}]`), Options{})
	if len(errs) != 1 || errs[0].Index != 1 {
		t.Fatalf("Compile errors = %v, want rule 1", errs)
	}
	if got := string(a.WhereJSON("read", "Post")); got != `{"OR":[]}` {
		t.Errorf("Where with an invalid candidate = %s, want {\"OR\":[]}", got)
	}
	if n := a.AST("read", "Post"); n != nil {
		t.Errorf("AST with an invalid candidate = %+v, want nil", n)
	}
	fs, err := a.PermittedFields("read", Of("Post", obj(t, `{"authorId":1}`)), func(string) []string { return []string{"title"} })
	if !errors.Is(err, ErrInvalidRule) || fs != nil {
		t.Errorf("PermittedFields with an invalid candidate = %v, %v; want ErrInvalidRule", fs, err)
	}
	// Another action has no invalid candidate.
	b, _ := Compile(rules(t, `[{"action":"read","subject":"Post","conditions":{"pub":true}},{"action":"update","conditions":{"author":{"$exists":1}}}]`), Options{})
	if got := string(b.WhereJSON("read", "Post")); got != `{"OR":[{"pub":true}]}` {
		t.Errorf("Where(read) = %s", got)
	}
}

// TestEmptyFieldsRefusesAbility: CASL's createMongoAbility throws on a rule with an empty
// fields array, so no question about any rule of that list has an answer. Compile returns an
// Ability that answers every question with ErrInvalidRule.
func TestEmptyFieldsRefusesAbility(t *testing.T) {
	rs := rules(t, `[{"action":"create","subject":"Post"},{"action":"delete","subject":"Post","fields":[]}]`)
	a, errs := Compile(rs, Options{})
	if a == nil || len(errs) != 1 || errs[0].Index != 1 {
		t.Fatalf("Compile = %v, %v; want an Ability and rule 1's error", a, errs)
	}
	for _, s := range []Subject{Type("Post"), Of("Post", obj(t, `{}`))} {
		if d, err := a.Check("create", s, ""); d.Allowed || !errors.Is(err, ErrInvalidRule) {
			t.Errorf("Check(create, %+v) = %+v, %v; want a denial with ErrInvalidRule", s, d, err)
		}
	}
	if _, err := a.PermittedFields("create", Type("Post"), nil); !errors.Is(err, ErrInvalidRule) {
		t.Errorf("PermittedFields = %v, want ErrInvalidRule", err)
	}
	if w := a.Where("create", "Post"); w != nil {
		t.Errorf("Where = %v, want nil", w)
	}
	if got := string(a.Pack()); got != `[]` {
		t.Errorf("Pack = %s, want []", got)
	}
	if _, err := New(rs, Options{}); err == nil {
		t.Error("New accepted a rule with an empty fields array")
	}
}

// TestPackInvalidAsCannot: Ability.Pack sends every invalid rule as an unconditional cannot in
// its place, so a browser running CASL denies what the server denies.
func TestPackInvalidAsCannot(t *testing.T) {
	a, _ := Compile(rules(t, `[{"action":"read","subject":"Post"},{"action":"read","subject":"Post","fields":["title"],"conditions":{"$or":[]},"reason":"r"},{"action":"read","subject":"Post","conditions":{"x":{"$in":3}},"inverted":true},{"subject":"Post","conditions":{"x":{"$in":3}}}]`), Options{})
	if got, want := string(a.Pack()), `[["read","Post"],["read","Post",0,1,0,"r"],["read","Post",0,1]]`; got != want {
		t.Errorf("Pack = %s, want %s", got, want)
	}
}
