package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxFormBytes bounds a form body; the pages' forms are a few hundred bytes.
const maxFormBytes = 64 << 10

// form is one form as submitted (or as first shown) and what is wrong with it, so a page can
// show it again with the values kept (never passwords) and each problem next to its field.
type form struct {
	// ID is unique on the page ("profile", "password") and prefixes the fields' ids.
	ID     string
	Values url.Values
	// Errors maps a field name to the sentence shown next to it; set them with FieldError.
	Errors map[string]string
	// Error is the sentence shown at the top of the form.
	Error string
	order []string // fields with errors, in the order they were found
}

// FieldError records msg next to the field name (the first problem of a field wins).
func (f *form) FieldError(name, msg string) {
	if _, ok := f.Errors[name]; ok {
		return
	}
	f.Errors[name] = msg
	f.order = append(f.order, name)
}

// summaryItem is one field's problem in the list at the top of a form, linking to the field.
type summaryItem struct {
	ID, Message string
}

// Summary lists the fields' problems for the top of the form, in the order they were found;
// nothing when the form's one problem is already its top sentence.
func (f *form) Summary() []summaryItem {
	if len(f.order) == 1 && f.Errors[f.order[0]] == f.Error {
		return nil
	}
	var out []summaryItem
	for _, name := range f.order {
		out = append(out, summaryItem{ID: f.ID + "-" + name, Message: f.Errors[name]})
	}
	return out
}

// newForm returns a form with values (nil for none).
func newForm(id string, values url.Values) *form {
	if values == nil {
		values = url.Values{}
	}
	return &form{ID: id, Values: values, Errors: map[string]string{}}
}

// postedForm returns the request's form body as the form id. ServeHTTP has already parsed it
// (the CSRF check reads it).
func postedForm(id string, r *http.Request) *form {
	return newForm(id, r.PostForm)
}

// Value returns the submitted value of a field.
func (f *form) Value(name string) string { return f.Values.Get(name) }

// Checked reports whether a checkbox was ticked.
func (f *form) Checked(name string) bool { return f.Values.Get(name) == "on" }

// Invalid reports whether the form has a problem.
func (f *form) Invalid() bool { return f.Error != "" || len(f.Errors) > 0 }

// Require records "Enter <what>." for each empty field; it reports whether all were given.
func (f *form) Require(fields ...[2]string) bool {
	ok := true
	for _, fl := range fields {
		if strings.TrimSpace(f.Value(fl[0])) == "" {
			f.FieldError(fl[0], "Enter "+fl[1]+".")
			ok = false
		}
	}
	if !ok && f.Error == "" {
		f.Error = "Some fields need your attention."
	}
	return ok
}

// Fail records err as people read it: next to the field it concerns when there is one
// (fields maps krag codes to field names), and at the top of the form.
func (f *form) Fail(err error, fields map[string]string) {
	msg := message(err)
	f.Error = msg
	if name, ok := fields[string(codeOf(err))]; ok {
		f.FieldError(name, msg)
	}
}

// fieldView is one labelled input as the "field" template draws it.
type fieldView struct {
	ID, Name, Label, Type, Autocomplete, Value, Hint, Error string
	Required, Checked                                       bool
	MinLength, MaxLength                                    int
}

// Describedby returns the ids of the hint and error of the field, for aria-describedby.
func (v fieldView) Describedby() string {
	var ids []string
	if v.Hint != "" {
		ids = append(ids, v.ID+"-hint")
	}
	if v.Error != "" {
		ids = append(ids, v.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// newField builds a fieldView for templates: {{template "field" (field .Form "email" "Email"
// "email" "required" "autocomplete=email")}}. Options: "required", "autocomplete=…",
// "hint=…", "minlength=N", "maxlength=N".
func newField(f *form, name, label, typ string, opts ...string) fieldView {
	v := fieldView{Name: name, Label: label, Type: typ, ID: name}
	if f != nil {
		v.ID = f.ID + "-" + name
		v.Value = f.Value(name)
		v.Error = f.Errors[name]
		v.Checked = f.Checked(name)
	}
	if typ == "password" {
		v.Value = ""
	}
	for _, o := range opts {
		k, val, _ := strings.Cut(o, "=")
		switch k {
		case "required":
			v.Required = true
		case "autocomplete":
			v.Autocomplete = val
		case "hint":
			v.Hint = val
		case "minlength":
			v.MinLength, _ = strconv.Atoi(val)
		case "maxlength":
			v.MaxLength, _ = strconv.Atoi(val)
		}
	}
	return v
}
