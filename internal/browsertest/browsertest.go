// Package browsertest drives a real headless Chromium from tests, so that
// the public pages are checked the way a person's browser shows them: it
// opens pages, fills and submits forms, reads text, takes screenshots and
// runs axe-core, the accessibility rules engine, in the loaded page.
//
// It needs Debian's chromium and the axe-core that tools/axe pins
// (npm ci --prefix tools/axe). Require skips a test when either is missing
// and fails it under CI, where the pages would otherwise go unchecked.
//
// axe-core is evaluated through the DevTools protocol (Runtime.evaluate),
// not added as a <script> element, so that it runs under the public pages'
// Content-Security-Policy, which allows no script at all.
package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Timeout bounds each browser action, so that a selector that never
// matches fails the test with a message instead of hanging until go test's
// own timeout.
const Timeout = 20 * time.Second

// axePath is where tools/axe installs axe-core, relative to the
// repository root.
const axePath = "tools/axe/node_modules/axe-core/axe.min.js"

// Require skips the test unless Chromium and axe-core are installed, and
// fails it under CI (CI set), where the public pages would otherwise go
// untested in a browser.
func Require(tb testing.TB) {
	tb.Helper()
	var missing []string
	if _, err := chromiumPath(); err != nil {
		missing = append(missing, fmt.Sprintf("%v (install Debian's chromium)", err))
	}
	if _, err := axeFile(); err != nil {
		missing = append(missing, fmt.Sprintf("%v (run npm ci --prefix tools/axe)", err))
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		tb.Fatalf("browser tests cannot run under CI: the public pages would go untested: %s", strings.Join(missing, "; "))
	}
	tb.Skipf("browser tests skipped: %s", strings.Join(missing, "; "))
}

// chromiumPath finds Debian's chromium, at /usr/bin/chromium or on PATH.
func chromiumPath() (string, error) {
	const path = "/usr/bin/chromium"
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if path, err := exec.LookPath("chromium"); err == nil {
		return path, nil
	}
	return "", fmt.Errorf("chromium is neither at %s nor on PATH", path)
}

// axeFile returns the path of axe.min.js in the repository that holds the
// working directory (go test runs a package's tests in its directory).
func axeFile() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			path := filepath.Join(dir, filepath.FromSlash(axePath))
			if _, err := os.Stat(path); err != nil {
				return "", fmt.Errorf("axe-core is not installed at %s", path)
			}
			return path, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory, so no tools/axe")
		}
		dir = parent
	}
}

// Browser is a headless Chromium with one tab, which all its methods
// drive. It is not safe for concurrent use: a parallel test starts a
// Browser of its own.
type Browser struct {
	ctx    context.Context
	output *syncBuffer
	// axe is the source of axe.min.js, read on the first call of Axe.
	axe string
}

// New starts a headless Chromium for the test and closes it when the test
// ends. It calls Require first. The window is 1280x900 CSS pixels; use
// Viewport for a phone's.
func New(tb testing.TB) *Browser {
	tb.Helper()
	Require(tb)
	path, err := chromiumPath()
	if err != nil {
		tb.Fatalf("browsertest: %v", err)
	}
	output := &syncBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.CombinedOutput(output),
	)
	// Chromium refuses to start as root with its sandbox on, and CI and
	// this project's machines run as root.
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	tb.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Run starts the browser and binds it to ctx, so it must not
	// carry the per-action timeout.
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("browsertest: start %s: %v\n%s", path, err, output.String())
	}
	return &Browser{ctx: ctx, output: output}
}

// run runs the action with the per-action timeout.
func run[T any](b *Browser, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, Timeout)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// Open loads url in the tab, waits for the page to load and returns the
// HTTP status of the document. A status of 4xx or 5xx is not an error: a
// test checks the pages it expects to fail too.
func (b *Browser) Open(tb testing.TB, url string) int {
	tb.Helper()
	resp, err := run(b, chromedp.NavigateResponse(url))
	if err != nil {
		tb.Fatalf("browsertest: open %s: %v", url, err)
	}
	return int(resp.Status)
}

// Viewport resizes the page's viewport to width x height CSS pixels, for
// instance 375x812 for a phone, until the next call.
func (b *Browser) Viewport(tb testing.TB, width, height int) {
	tb.Helper()
	if _, err := run(b, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		tb.Fatalf("browsertest: viewport %dx%d: %v", width, height, err)
	}
}

// Fill replaces the value of the input or textarea that the CSS selector
// matches by typing value into it, as a person would.
func (b *Browser) Fill(tb testing.TB, selector, value string) {
	tb.Helper()
	sel := chromedp.CSS(selector)
	quoted, _ := json.Marshal(selector) // a string always marshals
	// chromedp.Clear fails on an empty textarea, which has no text node.
	empty := chromedp.Evaluate[chromedp.Void](`document.querySelector(` + string(quoted) + `).value = ""`)
	if _, err := run(b, chromedp.Steps(chromedp.WaitReady(sel), empty, chromedp.SendKeys(sel, value))); err != nil {
		tb.Fatalf("browsertest: fill %s: %v", selector, err)
	}
}

// Upload chooses the file at path in the file input that the CSS
// selector matches, as a person picking it would; the form's submission
// then sends it.
func (b *Browser) Upload(tb testing.TB, selector, path string) {
	tb.Helper()
	if _, err := run(b, chromedp.SetUploadFiles(chromedp.CSS(selector), []string{path})); err != nil {
		tb.Fatalf("browsertest: upload %s with %s: %v", path, selector, err)
	}
}

// Submit clicks the element that the CSS selector matches, normally a
// form's submit button, waits for the page that the submission loads and
// returns its HTTP status. Clicking, rather than calling form.submit(),
// sends the button's own name and value and runs the browser's form
// validation as a person's click does; a click that loads no page fails
// the test after Timeout.
func (b *Browser) Submit(tb testing.TB, selector string) int {
	tb.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, Timeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(selector)))
	if err != nil {
		tb.Fatalf("browsertest: submit with %s: %v", selector, err)
	}
	return int(resp.Status)
}

// Text returns the text of the first element that the CSS selector
// matches, as the browser renders it (innerText), waiting for the element
// to appear.
func (b *Browser) Text(tb testing.TB, selector string) string {
	tb.Helper()
	text, err := run(b, chromedp.Text(chromedp.CSS(selector)))
	if err != nil {
		tb.Fatalf("browsertest: text of %s: %v", selector, err)
	}
	return text
}

// Location returns the URL of the page in the tab, after any redirect.
func (b *Browser) Location(tb testing.TB) string {
	tb.Helper()
	url, err := run(b, chromedp.Location())
	if err != nil {
		tb.Fatalf("browsertest: location: %v", err)
	}
	return url
}

// Screenshot writes a PNG of the whole page, beyond the viewport, to path,
// creating its directory.
func (b *Browser) Screenshot(tb testing.TB, path string) {
	tb.Helper()
	png, err := run(b, chromedp.FullScreenshot(100))
	if err != nil {
		tb.Fatalf("browsertest: screenshot: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatalf("browsertest: screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.Fatalf("browsertest: screenshot: %v", err)
	}
}

// syncBuffer collects Chromium's output, which chromedp writes from
// another goroutine, for the message of a failed start.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// SetAttribute sets the attribute name of the first element that the CSS
// selector matches to value; for instance novalidate on a form, to submit
// what the browser's own checks would stop and see the server's answer.
func (b *Browser) SetAttribute(tb testing.TB, selector, name, value string) {
	tb.Helper()
	if _, err := run(b, chromedp.SetAttributeValue(chromedp.CSS(selector), name, value)); err != nil {
		tb.Fatalf("browsertest: set %s on %s: %v", name, selector, err)
	}
}
