package web_test

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// checkHTML fails t with every problem of a rendered page (page names it in messages). Every
// page test runs it, so a new page is checked as soon as a test renders it:
//
//   - well-formed as written: a doctype first, every non-void element closed explicitly and in
//     order, no attribute twice;
//   - nothing the Content Security Policy would block: no inline script, no style attribute,
//     no on… handler;
//   - structure: <html lang>, one non-empty <title>, one <main>, one <h1>, headings that do
//     not skip a level, ids unique, no form inside a form;
//   - accessibility: every input, select and textarea has a label (label[for], an enclosing
//     label, aria-label or aria-labelledby); every button and link has text; every img an
//     alt; aria-describedby, aria-labelledby, label[for] and #fragment links point at ids
//     that exist;
//   - every form that posts carries the CSRF field.
func checkHTML(t testing.TB, page string, body []byte) {
	t.Helper()
	for _, p := range htmlProblems(body) {
		t.Errorf("%s: %s", page, p)
	}
}

// voidElements have no end tag.
var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true,
	"hr": true, "img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// htmlProblems returns what is wrong with a page, as sentences.
func htmlProblems(body []byte) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	// As written: the tokenizer sees the markup before the parser repairs it.
	z := html.NewTokenizer(bytes.NewReader(body))
	var stack []string
	first := true
	inSVG := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				add("tokenizer: %v", z.Err())
			}
			break
		}
		tok := z.Token()
		if first && tt != html.TextToken {
			if tt != html.DoctypeToken || !strings.EqualFold(tok.Data, "html") {
				add("the page does not start with <!DOCTYPE html>")
			}
			first = false
		}
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			seen := map[string]bool{}
			for _, a := range tok.Attr {
				if seen[a.Key] {
					add("<%s> has the attribute %s twice", tok.Data, a.Key)
				}
				seen[a.Key] = true
				if a.Key == "style" {
					add("<%s> has a style attribute, which the Content Security Policy blocks", tok.Data)
				}
				if strings.HasPrefix(a.Key, "on") {
					add("<%s> has an inline handler %s, which the Content Security Policy blocks", tok.Data, a.Key)
				}
			}
			if tok.Data == "script" && attr(tok.Attr, "src") == "" {
				add("an inline <script>, which the Content Security Policy blocks")
			}
			if tok.Data == "svg" {
				inSVG++
			}
			if tok.Data == "form" && slices.Contains(stack, "form") {
				add("a form inside a form")
			}
			if tt == html.SelfClosingTagToken && inSVG == 0 && !voidElements[tok.Data] {
				add("<%s/> is not a void element: close it with </%s>", tok.Data, tok.Data)
			}
			if tt == html.StartTagToken && !voidElements[tok.Data] {
				stack = append(stack, tok.Data)
			}
			if tt == html.SelfClosingTagToken && tok.Data == "svg" {
				inSVG--
			}
		case html.EndTagToken:
			if voidElements[tok.Data] {
				add("</%s>: %s is a void element", tok.Data, tok.Data)
				continue
			}
			if len(stack) == 0 || stack[len(stack)-1] != tok.Data {
				open := "nothing"
				if len(stack) > 0 {
					open = "<" + stack[len(stack)-1] + ">"
				}
				add("</%s> closes %s", tok.Data, open)
				if i := slices.Index(stack, tok.Data); i >= 0 {
					stack = stack[:i]
				}
				continue
			}
			stack = stack[:len(stack)-1]
			if tok.Data == "svg" {
				inSVG--
			}
		}
	}
	if len(stack) > 0 {
		add("elements never closed: %v", stack)
	}

	// As parsed: structure and accessibility.
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return append(problems, fmt.Sprintf("parse: %v", err))
	}
	var all []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			all = append(all, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	ids := map[string]int{}
	for _, n := range all {
		if id := attr(n.Attr, "id"); id != "" {
			ids[id]++
		}
	}
	for id, n := range ids {
		if n > 1 {
			add("the id %q is used %d times", id, n)
		}
	}
	count := map[atom.Atom]int{}
	lastHeading := 0
	for _, n := range all {
		if n.Namespace == "" { // an SVG's <title> names the drawing, not the page
			count[n.DataAtom]++
		}
		switch n.DataAtom {
		case atom.Html:
			if attr(n.Attr, "lang") == "" {
				add("<html> has no lang")
			}
		case atom.Title:
			if strings.TrimSpace(text(n)) == "" {
				add("the <title> is empty")
			}
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			level := int(n.Data[1] - '0')
			if level > lastHeading+1 {
				add("<%s> %q follows an h%d: a heading level is skipped", n.Data, strings.TrimSpace(text(n)), lastHeading)
			}
			lastHeading = level
			if strings.TrimSpace(text(n)) == "" {
				add("an empty <%s>", n.Data)
			}
		case atom.Input, atom.Select, atom.Textarea:
			typ := strings.ToLower(attr(n.Attr, "type"))
			if n.DataAtom == atom.Input && (typ == "hidden" || typ == "submit" || typ == "button" || typ == "reset" || typ == "image") {
				continue
			}
			if !labelled(n, all) {
				add("<%s name=%q> has no label", n.Data, attr(n.Attr, "name"))
			}
		case atom.Button:
			if strings.TrimSpace(text(n)) == "" && attr(n.Attr, "aria-label") == "" {
				add("a <button> without text")
			}
			if attr(n.Attr, "type") == "" {
				add("<button> %q has no type", strings.TrimSpace(text(n)))
			}
		case atom.A:
			if strings.TrimSpace(accessibleText(n)) == "" && attr(n.Attr, "aria-label") == "" {
				add("a link to %q without text", attr(n.Attr, "href"))
			}
			if href := attr(n.Attr, "href"); strings.HasPrefix(href, "#") && len(href) > 1 && ids[href[1:]] == 0 {
				add("the link to %q points at no element", href)
			}
		case atom.Img:
			if !hasAttr(n.Attr, "alt") {
				add("<img src=%q> has no alt", attr(n.Attr, "src"))
			}
		case atom.Form:
			for p := n.Parent; p != nil; p = p.Parent {
				if p.DataAtom == atom.Form {
					add("a form inside a form")
				}
			}
			if strings.EqualFold(attr(n.Attr, "method"), "post") && !hasCSRF(n) {
				add("the form posting to %q has no csrf field", attr(n.Attr, "action"))
			}
		}
		for _, key := range []string{"aria-describedby", "aria-labelledby", "aria-controls"} {
			for _, ref := range strings.Fields(attr(n.Attr, key)) {
				if ids[ref] == 0 {
					add("<%s> %s=%q points at no element", n.Data, key, ref)
				}
			}
		}
		if n.DataAtom == atom.Label {
			if f := attr(n.Attr, "for"); f != "" && ids[f] == 0 {
				add("<label for=%q> points at no element", f)
			}
		}
	}
	for _, one := range []atom.Atom{atom.Title, atom.Main, atom.H1} {
		if count[one] != 1 {
			add("%d <%s> elements, want 1", count[one], one)
		}
	}
	return problems
}

func attr(attrs []html.Attribute, key string) string {
	for _, a := range attrs {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(attrs []html.Attribute, key string) bool {
	return slices.ContainsFunc(attrs, func(a html.Attribute) bool { return a.Key == key })
}

// text returns the text inside n.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// accessibleText is text plus the alt of images inside n.
func accessibleText(n *html.Node) string {
	s := text(n)
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.DataAtom == atom.Img {
			s += attr(n.Attr, "alt")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return s
}

// labelled reports whether a form control has an accessible name from a label or ARIA.
func labelled(n *html.Node, all []*html.Node) bool {
	if strings.TrimSpace(attr(n.Attr, "aria-label")) != "" || attr(n.Attr, "aria-labelledby") != "" {
		return true
	}
	for p := n.Parent; p != nil; p = p.Parent {
		if p.DataAtom == atom.Label {
			return strings.TrimSpace(text(p)) != ""
		}
	}
	id := attr(n.Attr, "id")
	if id == "" {
		return false
	}
	for _, l := range all {
		if l.DataAtom == atom.Label && attr(l.Attr, "for") == id && strings.TrimSpace(text(l)) != "" {
			return true
		}
	}
	return false
}

func hasCSRF(form *html.Node) bool {
	found := false
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.DataAtom == atom.Input && attr(n.Attr, "name") == "csrf" && attr(n.Attr, "value") != "" {
			found = true
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	return found
}

// TestCheckHTMLFindsProblems: the checker is only useful if it fails bad pages.
func TestCheckHTMLFindsProblems(t *testing.T) {
	const good = `<!DOCTYPE html><html lang="en"><head><title>T</title></head><body><main><h1>T</h1>` +
		`<form method="post" action="/x"><input type="hidden" name="csrf" value="v"><label for="a">A</label><input id="a" name="a">` +
		`<button type="submit">Go</button></form></main></body></html>`
	if p := htmlProblems([]byte(good)); len(p) != 0 {
		t.Fatalf("htmlProblems(good page) = %q, want none", p)
	}
	tests := []struct {
		name, replace, with, want string
	}{
		{"no_doctype", "<!DOCTYPE html>", "", "does not start with <!DOCTYPE html>"},
		{"no_lang", ` lang="en"`, "", "<html> has no lang"},
		{"unclosed", "</main>", "", "</body> closes <main>"},
		{"unlabelled", `<label for="a">A</label>`, "", `<input name="a"> has no label`},
		{"label_for_nothing", `for="a"`, `for="b"`, `<label for="b"> points at no element`},
		{"empty_button", ">Go<", "><", "a <button> without text"},
		{"button_without_type", ` type="submit">Go`, `>Go`, `has no type`},
		{"no_csrf", `<input type="hidden" name="csrf" value="v">`, "", "has no csrf field"},
		{"two_h1", "<h1>T</h1>", "<h1>T</h1><h1>U</h1>", "2 <h1> elements"},
		{"skipped_heading", "<h1>T</h1>", "<h1>T</h1><h3>U</h3>", "a heading level is skipped"},
		{"duplicate_id", `<input id="a" name="a">`, `<input id="a" name="a"><span id="a"></span>`, `the id "a" is used 2 times`},
		{"inline_script", "<main>", "<main><script>x()</script>", "inline <script>"},
		{"style_attribute", "<main>", `<main style="color:red">`, "style attribute"},
		{"inline_handler", "<main>", `<main onclick="x()">`, "inline handler onclick"},
		{"dangling_describedby", `<input id="a" name="a">`, `<input id="a" name="a" aria-describedby="nope">`, `aria-describedby="nope" points at no element`},
		{"img_without_alt", "<main>", `<main><img src="/x.png">`, "has no alt"},
		{"nested_form", `<button type="submit">Go</button>`, `<button type="submit">Go</button><form></form>`, "a form inside a form"},
		{"two_titles", "<main>", "<main><svg><title>S</title></svg><title>U</title>", "2 <title> elements"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := strings.Replace(good, tt.replace, tt.with, 1)
			p := htmlProblems([]byte(page))
			if !slices.ContainsFunc(p, func(s string) bool { return strings.Contains(s, tt.want) }) {
				t.Errorf("htmlProblems(%s) = %q, want one containing %q", tt.name, p, tt.want)
			}
		})
	}
}
