package krag_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/kragtest"
)

// matchPlugin marks, in X-Hooks, which of its hooks ran: "all" for AfterEvery, "sign" for
// AfterMatching on routes under /sign-, and records which routes its matcher was asked about.
type matchPlugin struct{ asked map[string]int }

func (*matchPlugin) ID() string { return "match" }

func (p *matchPlugin) Init(s *krag.Setup) error {
	mark := func(v string) krag.RequestHook {
		return func(r *krag.Request) error { r.Header().Add("X-Hooks", v+":"+r.Route()); return nil }
	}
	s.AfterEvery(mark("all"))
	s.AfterMatching(func(route string) bool {
		p.asked[route]++
		_, path, _ := strings.Cut(route, " ")
		return strings.HasPrefix(path, "/sign-")
	}, mark("sign"))
	return nil
}

// TestAfterMatching: a matched hook runs on the routes its matcher accepts and no other, in
// registration order after the AfterEvery hook; the matcher is asked once per route when the
// Auth is built, never per request.
func TestAfterMatching(t *testing.T) {
	p := &matchPlugin{asked: map[string]int{}}
	srv := kragtest.New(t, krag.Options{Plugins: []krag.Plugin{p}})
	c := srv.Client(t)
	res, err := c.Do(t.Context(), "POST", "/sign-up/email", map[string]string{"name": "N", "email": "m@example.com", "password": testPassword}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Header.Values("X-Hooks"); strings.Join(got, ",") != "all:POST /sign-up/email,sign:POST /sign-up/email" {
		t.Errorf("sign-up ran %q", got)
	}
	res, err = c.Do(t.Context(), "GET", "/get-session", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Header.Values("X-Hooks"); strings.Join(got, ",") != "all:GET /get-session" {
		t.Errorf("get-session ran %q", got)
	}
	before := p.asked["GET /get-session"]
	for range 3 {
		req, _ := http.NewRequest("GET", srv.URL+"/api/auth/get-session", nil)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
	}
	if p.asked["GET /get-session"] != before || before == 0 {
		t.Errorf("the matcher was asked about get-session %d times before and %d after 3 requests; want once, at build", before, p.asked["GET /get-session"])
	}
}
