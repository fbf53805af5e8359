package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestTimeLimitStopsTheQueryAndFreesItsConnection gives requests a time limit that has passed before
// their first statement can begin: the answer is a TIMEOUT error with the request's ID, and no database
// connection is left busy. That a limit passing while a statement runs interrupts it, however fast the
// machine, store's TestADeadlineInterruptsTheRunningStatement shows with a statement that never ends.
func TestTimeLimitStopsTheQueryAndFreesItsConnection(t *testing.T) {
	api := newTestAPI(t, Options{Timeout: time.Nanosecond})
	for _, req := range []string{
		`{"query":"{ a: observations(filter: {aboutProvider: false}) { totalCount } b: observations(filter: {period: \"2018\"}) { totalCount } }"}`,
		`{"query":"{ comparison(serviceArea: \"ServiceArea:sfi\", period: \"2018\") { rows { cells { value } } } }"}`,
	} {
		got := api.send(t, "POST", "/graphql", []byte(req), map[string]string{"X-Request-ID": "slow-1"})
		if !strings.Contains(got.body, `"code":"TIMEOUT","requestId":"slow-1"`) || strings.Contains(got.body, "INTERNAL") {
			t.Errorf("answer %s; want TIMEOUT errors with the request ID slow-1, and no other", got.body)
		}
		if n := api.db.InUse(); n != 0 {
			t.Errorf("%d database connections still busy after the request", n)
		}
	}
}

// TestAbuseDoesNotStarveOthers sends abusive queries from several goroutines while normal clients
// query: every normal query succeeds. (How long they wait is the machine's business, not a test's:
// every abusive request is refused before it runs, by TestAbusiveRequestsAreRefused.)
func TestAbuseDoesNotStarveOthers(t *testing.T) {
	srv, _ := newTestServer(t, Options{RateLimit: 30000})
	var aliases strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&aliases, "a%d: __typename ", i)
	}
	abusive := []string{
		`{ providers(first: 100) { nodes { results(first: 1000) { nodes { value } } } } }`,
		"{ " + aliases.String() + "}",
		"{ " + strings.Repeat("__typename ", 10000) + "}",
	}
	ctx, cancel := context.WithCancel(context.Background())
	var abusers sync.WaitGroup
	for i := range 6 {
		abusers.Add(1)
		go func() {
			defer abusers.Done()
			body, _ := json.Marshal(map[string]string{"query": abusive[i%len(abusive)]})
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/graphql", strings.NewReader(string(body)))
				req.Header.Set("Content-Type", "application/json")
				if resp, err := http.DefaultClient.Do(req); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	var mu sync.Mutex
	var clients sync.WaitGroup
	failures := 0
	for range 4 {
		clients.Add(1)
		go func() {
			defer clients.Done()
			for range 25 {
				resp, err := http.Post(srv.URL+"/graphql", "application/json", strings.NewReader(`{"query":"{ comparison(serviceArea: \"ServiceArea:sfi\", period: \"2018\") { rows { provider { name } cells { value rank } } } }"}`))
				ok := err == nil && resp.StatusCode == 200
				if err == nil {
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					ok = ok && !strings.Contains(string(body), `"errors"`)
				}
				mu.Lock()
				if !ok {
					failures++
				}
				mu.Unlock()
			}
		}()
	}
	clients.Wait()
	cancel()
	abusers.Wait()
	if failures > 0 {
		t.Errorf("%d of 100 normal queries failed", failures)
	}
}
