package krag_test

import (
	"bytes"
	"net/http"
	"net/url"

	"github.com/kragauth/krag/kragtest"
)

// recorder is a minimal http.ResponseWriter for middleware tests.
type recorder struct {
	code   int
	header http.Header
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{code: 200, header: http.Header{}} }

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(code int)        { r.code = code }

func httptestRequest(srv *kragtest.Server) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	return req
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
