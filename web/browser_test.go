package web_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/kragauth/krag/internal/browsertest"
	"github.com/kragauth/krag/internal/testdb"
)

// One headless Chromium serves every browser test of the package: it starts with the first
// test that needs it and stops in TestMain. Each test gets its own browser context (its own
// cookies, like a separate browser profile) and tab.
var shared struct {
	once   sync.Once
	ctx    context.Context // the browser's context; nil when it could not start
	cancel context.CancelFunc
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.cancel != nil {
		shared.cancel()
	}
	os.Exit(code)
}

// needBrowser returns the shared browser's context, starting it on first use. Without
// Chromium the test is skipped, except under KRAG_CI=1, where it fails (scripts/test.sh
// installs Chromium). The browser tests run on the SQLite pass of CI only: the pages do not
// depend on the database, and each pass would cost the same again.
func needBrowser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests skipped in -short mode")
	}
	if b := testdb.Backend(); b != "sqlite" {
		t.Skipf("browser tests run with KRAG_TEST_DATABASE=sqlite only (this pass: %s)", b)
	}
	path := browsertest.ChromiumPath()
	if path == "" {
		if testdb.CI() {
			t.Fatal("Chromium is not installed, and KRAG_CI=1 requires the browser tests (scripts/test.sh installs it: apt-get install chromium)")
		}
		t.Skip("Chromium is not installed (apt-get install chromium); skipping the browser tests")
	}
	shared.once.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.NoSandbox, // root in CI containers: Chromium's sandbox needs user namespaces
			chromedp.DisableGPU,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("hide-scrollbars", true),
		)
		actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, bcancel := chromedp.NewContext(actx)
		if err := chromedp.Do(bctx); err != nil {
			shared.err = err
			bcancel()
			acancel()
			return
		}
		shared.ctx = bctx
		shared.cancel = func() { bcancel(); acancel() }
	})
	if shared.err != nil {
		t.Fatalf("start Chromium (%s): %v", path, shared.err)
	}
	return shared.ctx
}

// tab is one browser context with one tab, whose console is watched: the test fails on any
// console error or uncaught exception of any page it visits.
type tab struct {
	t    *testing.T
	ctx  context.Context
	site *testSite
	mu   sync.Mutex
	msgs []consoleMessage
	// expected are the URLs whose own status may be an error (a 404 page, a refused form):
	// Chromium logs "Failed to load resource" for them, which is not a fault of the page.
	expected []string
}

// newTab opens a tab in a new browser context (its own cookies) of the shared browser.
func newTab(t *testing.T, s *testSite) *tab {
	t.Helper()
	bctx := needBrowser(t)
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	ctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	tb := &tab{t: t, ctx: ctx, site: s}
	// Listen, not the Console iterator: the listener runs on the tab's reading loop, so every
	// message sent before a command's reply is recorded when the command returns, and the
	// check below misses none.
	if err := chromedp.Listen(ctx, tb.record); err != nil {
		t.Fatalf("listen to the console: %v", err)
	}
	t.Cleanup(func() {
		// A last round trip: messages of the last page arrive before its reply.
		chromedp.Run(ctx, chromedp.Evaluate[int](`1`))
		tcancel()
		cancel()
		tb.checkConsole()
	})
	return tb
}

// consoleMessage is a console API call, an uncaught exception or a browser log entry.
type consoleMessage struct {
	Level, Source, URL, Text string
}

// record keeps the console's messages; it runs on the tab's reading loop, so it only appends.
func (tb *tab) record(ev any) {
	var m consoleMessage
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		m.Level, m.Source = string(e.Type), "console-api"
		for _, a := range e.Args {
			if len(a.Value) > 0 {
				m.Text += string(a.Value) + " "
			} else {
				m.Text += a.Description + " "
			}
		}
		if e.StackTrace != nil && len(e.StackTrace.CallFrames) > 0 {
			m.URL = e.StackTrace.CallFrames[0].URL
		}
	case *runtime.EventExceptionThrown:
		m.Level, m.Source, m.URL, m.Text = "exception", "javascript", e.ExceptionDetails.URL, e.ExceptionDetails.Text
		if x := e.ExceptionDetails.Exception; x != nil {
			m.Text += " " + x.Description
		}
	case *log.EventEntryAdded:
		m.Level, m.Source, m.URL, m.Text = string(e.Entry.Level), string(e.Entry.Source), e.Entry.URL, e.Entry.Text
	default:
		return
	}
	tb.mu.Lock()
	tb.msgs = append(tb.msgs, m)
	tb.mu.Unlock()
}

// checkConsole fails the test for each console error or exception.
func (tb *tab) checkConsole() {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, m := range tb.msgs {
		if m.Level != "error" && m.Level != "exception" && m.Level != "assert" {
			continue
		}
		if m.Source == "network" && strings.Contains(m.Text, "Failed to load resource: the server responded with a status of") && tb.expectedURL(m.URL) {
			continue
		}
		tb.t.Errorf("console %s (%s) at %s: %s", m.Level, m.Source, m.URL, m.Text)
	}
}

func (tb *tab) expectedURL(u string) bool {
	for _, e := range tb.expected {
		if u == e || strings.HasPrefix(u, e+"?") {
			return true
		}
	}
	return false
}

// expectStatus records that the page at path answers with an error status on purpose.
func (tb *tab) expectStatus(path string) {
	tb.mu.Lock()
	tb.expected = append(tb.expected, tb.site.URL+path)
	tb.mu.Unlock()
}

// do runs actions, failing the test on error.
func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
}

// open loads path and waits for it.
func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.site.URL + path))
}

// submit clicks the button sel and waits for the page it leads to.
func (tb *tab) submit(sel chromedp.CSS) {
	tb.t.Helper()
	if _, err := chromedp.Run(tb.ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(sel))); err != nil {
		tb.t.Fatalf("browser: submit %s: %v", sel, err)
	}
}

// fill types values into the (empty) fields named by CSS selectors.
func (tb *tab) fill(fields ...string) {
	tb.t.Helper()
	for i := 0; i+1 < len(fields); i += 2 {
		tb.do(chromedp.SendKeys(chromedp.CSS(fields[i]), fields[i+1]))
	}
}

// text returns the text of the first element sel.
func (tb *tab) text(sel chromedp.CSS) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Text(sel))
	if err != nil {
		tb.t.Fatalf("browser: text of %s: %v", sel, err)
	}
	return s
}

// path returns the tab's current path.
func (tb *tab) path() string {
	tb.t.Helper()
	loc, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		tb.t.Fatalf("browser: location: %v", err)
	}
	return loc
}

// eval evaluates a JavaScript expression to a string.
func (tb *tab) eval(js string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		tb.t.Fatalf("browser: eval %s: %v", js, err)
	}
	return s
}

// disableJS turns JavaScript off in the tab, as a browser with scripts blocked.
func (tb *tab) disableJS() {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		tb.t.Fatalf("browser: disable JavaScript: %v", err)
	}
}
