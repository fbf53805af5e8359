package httpapi

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
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

// TestGraphiQLInABrowser opens GraphiQL in headless Chromium at 1280×720, as a journalist's laptop
// shows it, and checks what the journalist meets:
//   - the welcome fits its editor, every line whole, and its query runs;
//   - a run pressed the moment the next tab shows answers that tab's query (GraphiQL learns a tab's
//     operation name only 100 ms later, and used to send the previous tab's, which the server answered
//     with "operation … not found");
//   - the explorer opens from the sidebar, and a field clicked there is added to the query and runs.
//
// It saves a screenshot of each step in its artifact directory (go test -artifacts, as .ci/run does)
// and logs where. Every request the page makes goes to this server: GraphiQL works with no internet
// access.
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
		chromedp.UserDataDir(t.TempDir()), // a first visit: no tabs kept from before
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
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720), chromedp.Navigate(srv.URL+"/")); err != nil { // starts the browser
		t.Fatalf("open GraphiQL: %v", err)
	}
	steps, cancelSteps := context.WithTimeout(ctx, 60*time.Second)
	defer cancelSteps()
	screenshot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(steps, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.ArtifactDir(), name+".png")
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", file)
	}
	text := func(expression string) string {
		t.Helper()
		s, err := chromedp.Run(steps, chromedp.Evaluate[string](expression))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// The editors are CodeMirror's, which put only the lines in view into the page; their whole text
	// comes from the editor itself.
	const (
		queryEditor = `document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror`
		resultJS    = `(document.querySelector('.result-window .CodeMirror') || {CodeMirror: {getValue: () => ''}}).CodeMirror.getValue()`
	)
	resultShows := func(text string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](resultJS + `.includes(` + strconv.Quote(text) + `)`)
	}

	// The welcome, whole: its editor is inside the window, and has nothing to scroll to.
	err := chromedp.Do(steps, chromedp.WaitVisible(chromedp.CSS(".graphiql-execute-button")))
	if err != nil {
		t.Fatalf("GraphiQL does not show: %v", err)
	}
	screenshot("1-welcome")
	fits := text(`(() => {
		const cm = ` + queryEditor + `, box = cm.getWrapperElement().getBoundingClientRect(), s = cm.getScrollInfo();
		const problems = [];
		if (!cm.getValue().startsWith('# Welcome!')) problems.push('the first tab is not the welcome');
		if (box.right > innerWidth || box.bottom > innerHeight) problems.push('the editor reaches outside the window: ' + JSON.stringify(box));
		if (s.width > s.clientWidth) problems.push('lines are cut off on the right: ' + s.width + 'px of text in ' + s.clientWidth + 'px');
		if (s.height > s.clientHeight) problems.push('lines are cut off at the bottom: ' + s.height + 'px of text in ' + s.clientHeight + 'px');
		return problems.join('; ');
	})()`)
	if fits != "" {
		t.Errorf("the welcome is not readable at 1280×720: %s", fits)
	}
	err = chromedp.Do(steps,
		chromedp.Click(chromedp.CSS(".graphiql-execute-button")),
		resultShows("ServiceArea:sfi"),
	)
	if err != nil {
		t.Fatalf("run the welcome query: %v", err)
	}
	welcome := text(resultJS)
	if !strings.Contains(welcome, "Svenska för invandrare") || !strings.Contains(welcome, "/export/observations.xlsx") {
		t.Errorf("the welcome query's result does not show the service areas and the downloads: %.300s", welcome)
	}

	// The tab race: switch to the second tab and press run as soon as its query is in the editor (a
	// mutation observer's callback runs before any timer, so always before GraphiQL's 100 ms).
	err = chromedp.Do(steps,
		chromedp.Evaluate[chromedp.Void](`new Promise((resolve) => {
			const editor = document.querySelector('.graphiql-query-editor');
			const observer = new MutationObserver(() => {
				if (`+queryEditor+`.getValue().includes('query BestResultsSFI2018')) {
					observer.disconnect();
					document.querySelector('.graphiql-execute-button').click();
					resolve();
				}
			});
			observer.observe(editor, { subtree: true, childList: true, characterData: true });
			document.querySelector('#graphiql-session-tab-1').click();
		})`, chromedp.EvalAwaitPromise),
		chromedp.Poll[chromedp.Void](resultJS+` !== `+strconv.Quote(welcome)),
		chromedp.Poll[chromedp.Void](`(r => r.includes('"errors"') || r.includes('rankOf'))(`+resultJS+`)`),
	)
	if err != nil {
		t.Fatalf("run the second tab at once: %v", err)
	}
	screenshot("2-second-tab-run-at-once")
	if comparison := text(resultJS); strings.Contains(comparison, `"errors"`) || !strings.Contains(comparison, "Sundbybergs vuxenutbildning") {
		t.Errorf("the second tab, run the moment it shows, does not answer with its comparison: %.300s", comparison)
	}

	// The explorer: open it, start a new tab, tick a field, run what it wrote.
	err = chromedp.Do(steps,
		chromedp.Click(chromedp.CSS(`button[aria-label="Show GraphiQL Explorer"]`)),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-explorer-root")),
		chromedp.Click(chromedp.CSS(".graphiql-tab-add")),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('.graphiql-tab').length === 6`),
		// A new tab starts with the welcome; tick a field of Query it does not ask for.
		chromedp.Click(chromedp.CSS(`.graphiql-explorer-root [data-field-name="authorisationSchemes"]`)),
		chromedp.Poll[chromedp.Void](queryEditor+`.getValue().includes('authorisationSchemes')`),
		chromedp.Click(chromedp.CSS(".graphiql-execute-button")),
		resultShows("AuthorisationScheme:"),
	)
	if err != nil {
		t.Fatalf("pick a field in the explorer and run it: %v", err)
	}
	screenshot("3-explorer")
	t.Logf("the explorer wrote: %s", text(queryEditor+`.getValue()`))

	mu.Lock()
	defer mu.Unlock()
	if len(elsewhere) > 0 {
		t.Errorf("the page asked for addresses outside this server: %v", elsewhere)
	}
}
