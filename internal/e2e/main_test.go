package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kragauth/krag/internal/browsertest"
	"github.com/kragauth/krag/internal/testdb"
)

// The package's one Chromium and one krag binary, made by the first test that needs them.
var (
	browser struct {
		once   sync.Once
		ctx    context.Context
		cancel context.CancelFunc
		err    error
	}
	binary struct {
		once sync.Once
		dir  string
		path string
		err  error
		out  []byte
	}
)

func TestMain(m *testing.M) {
	code := m.Run()
	if browser.cancel != nil {
		browser.cancel()
	}
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// needBrowser returns a new browser context (its own cookies) of the package's headless
// Chromium, closed when the test ends. Without Chromium the test is skipped, except under
// KRAG_CI=1, where it fails. Like web's, these tests run on CI's SQLite pass only.
func needBrowser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end tests skipped in -short mode")
	}
	if b := testdb.Backend(); b != "sqlite" {
		t.Skipf("end-to-end tests run with KRAG_TEST_DATABASE=sqlite only (this pass: %s)", b)
	}
	path := browsertest.ChromiumPath()
	if path == "" {
		if testdb.CI() {
			t.Fatal("Chromium is not installed, and KRAG_CI=1 requires the end-to-end tests (apt-get install chromium)")
		}
		t.Skip("Chromium is not installed (apt-get install chromium)")
	}
	browser.once.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
			chromedp.DisableGPU, chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true))
		actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, bcancel := chromedp.NewContext(actx)
		if browser.err = chromedp.Do(bctx); browser.err != nil {
			bcancel()
			acancel()
			return
		}
		browser.ctx, browser.cancel = bctx, func() { bcancel(); acancel() }
	})
	if browser.err != nil {
		t.Fatalf("start Chromium (%s): %v", path, browser.err)
	}
	ctx, cancel := chromedp.NewContext(browser.ctx, chromedp.WithNewBrowserContext())
	ctx, tcancel := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { tcancel(); cancel() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return ctx
}

// buildKrag builds cmd/krag once for the package and returns its path.
func buildKrag(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		binary.dir, binary.err = os.MkdirTemp("", "krag-e2e-")
		if binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "krag")
		cmd := exec.Command("go", "build", "-o", binary.path, "github.com/kragauth/krag/cmd/krag")
		binary.out, binary.err = cmd.CombinedOutput()
	})
	if binary.err != nil {
		t.Fatalf("go build ./cmd/krag: %v\n%s", binary.err, binary.out)
	}
	return binary.path
}
