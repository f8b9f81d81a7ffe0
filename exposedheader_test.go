package krag_test

import (
	"testing"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/kragtest"
)

// exposePlugin sets three exposed headers on every answer, one of them twice.
type exposePlugin struct{}

func (exposePlugin) ID() string { return "expose" }
func (exposePlugin) Init(s *krag.Setup) error {
	s.AfterEvery(func(r *krag.Request) error {
		r.Header().Set("Access-Control-Expose-Headers", "x-app")
		r.SetExposedHeader("set-a", "1")
		r.SetExposedHeader("set-b", "2")
		r.SetExposedHeader("SET-A", "3")
		return nil
	})
	return nil
}

// TestSetExposedHeader: each name is listed once, after those already there; the value is the last set.
func TestSetExposedHeader(t *testing.T) {
	srv := kragtest.New(t, krag.Options{Plugins: []krag.Plugin{exposePlugin{}}})
	res, err := srv.Client(t).Do(t.Context(), "GET", "/ok", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Header.Get("Access-Control-Expose-Headers"); got != "x-app, set-b, SET-A" {
		t.Errorf("Access-Control-Expose-Headers = %q", got)
	}
	if res.Header.Get("set-a") != "3" || res.Header.Get("set-b") != "2" {
		t.Errorf("values = %q %q", res.Header.Get("set-a"), res.Header.Get("set-b"))
	}
}
