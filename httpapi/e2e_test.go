package httpapi

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// chromium finds the browser for the end-to-end test. .ci/install-chromium installs it; CI sets
// REQUIRE_BROWSER so that a missing browser fails the run instead of skipping the test.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("REQUIRE_BROWSER") != "" {
		t.Fatal("no Chromium found; run .ci/install-chromium")
	}
	t.Skip("no Chromium found; run .ci/install-chromium to run the browser test")
	return ""
}

// TestGraphiQLInABrowser opens GraphiQL in headless Chromium, runs the welcome query and then the
// SFI comparison from the example tabs, and sees their results. Every request the page makes goes to
// this server: GraphiQL works with no internet access.
func TestGraphiQLInABrowser(t *testing.T) {
	browser := chromium(t)
	srv, _ := newTestServer(t, Options{CORSOrigins: []string{"*"}})
	// httptest listens on 127.0.0.1; the browser must reach nothing else.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()

	var mu sync.Mutex
	var elsewhere []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if req, ok := ev.(*network.EventRequestWillBeSent); ok {
			if u := req.Request.URL; !strings.HasPrefix(u, srv.URL) && !strings.HasPrefix(u, "data:") {
				mu.Lock()
				elsewhere = append(elsewhere, u)
				mu.Unlock()
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil { // starts the browser
		t.Fatalf("open GraphiQL: %v", err)
	}
	steps, cancelSteps := context.WithTimeout(ctx, 60*time.Second)
	defer cancelSteps()
	// The result pane is a CodeMirror editor, which puts only the lines in view into the page; its
	// whole text comes from the editor itself.
	const resultJS = `(document.querySelector('.result-window .CodeMirror') || {CodeMirror: {getValue: () => ''}}).CodeMirror.getValue()`
	resultShows := func(text string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](resultJS + `.includes(` + strconv.Quote(text) + `)`)
	}
	err := chromedp.Do(steps,
		chromedp.WaitVisible(chromedp.CSS(".graphiql-execute-button")),
		chromedp.Click(chromedp.CSS(".graphiql-execute-button")),
		resultShows("ServiceArea:sfi"),
	)
	if err != nil {
		t.Fatalf("run the welcome query: %v", err)
	}
	welcome, err := chromedp.Run(steps, chromedp.Evaluate[string](resultJS))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(steps,
		// The second tab holds the SFI comparison.
		chromedp.Click(chromedp.CSS("#graphiql-session-tab-1")),
		// GraphiQL 3.9 learns the new tab's operation name a moment after the switch; until then a run
		// asks for the old one. Press run again, once a second, until the comparison shows.
		chromedp.PollFunction[chromedp.Void](`() => {
			if (`+resultJS+`.includes('rankOf')) return true;
			document.querySelector('.graphiql-execute-button').click();
			return false;
		}`, chromedp.WithPollingInterval(time.Second)),
	)
	if err != nil {
		t.Fatalf("run the SFI comparison tab: %v", err)
	}
	comparison, err := chromedp.Run(steps, chromedp.Evaluate[string](resultJS))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(welcome, "Svenska för invandrare") {
		t.Errorf("the welcome query's result does not show the service areas: %.300s", welcome)
	}
	if !strings.Contains(comparison, "Sundbybergs vuxenutbildning") {
		t.Errorf("the comparison's result does not show the city's own provider: %.300s", comparison)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(elsewhere) > 0 {
		t.Errorf("the page asked for addresses outside this server: %v", elsewhere)
	}
}
