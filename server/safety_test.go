package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jamforelse/api/graph"
	"github.com/jamforelse/api/store"
)

// TestTimeLimitStopsTheQueryAndFreesItsConnection gives requests a 20 ms limit on a data set whose
// count takes longer: the answer is a TIMEOUT error with a request ID, it comes soon after the limit,
// and no database connection is left busy.
func TestTimeLimitStopsTheQueryAndFreesItsConnection(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 200,000 observations")
	}
	db, err := openSeeded(t.Context(), filepath.Join(t.TempDir(), "slow.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var metrics []string
	for _, m := range c.Metrics("") {
		if m.Unit == store.UnitPercent && !m.Derived() {
			metrics = append(metrics, m.ID)
		}
	}
	subjects := []string{"0000", "0183"}
	for _, p := range c.AllProviders() {
		subjects = append(subjects, p.ID)
	}
	// One figure per subject, metric and month from 1900 on: 200,000 in all.
	many := func(yield func(*store.Observation, error) bool) {
		for i := range 200_000 {
			v, n := float64(i%100), 100
			o := &store.Observation{MetricID: metrics[i/len(subjects)%len(metrics)], MunicipalityCode: "0183",
				Period: fmt.Sprintf("%04d-%02d", 1900+i/(len(subjects)*len(metrics))/12, i/(len(subjects)*len(metrics))%12+1),
				Value:  &v, SampleSize: &n, Status: store.StatusFinal, SourceID: "Source:illustrative-results"}
			if subject := subjects[i%len(subjects)]; strings.HasPrefix(subject, "Provider:") {
				o.ProviderID = &subject
			} else {
				o.MunicipalityCode = subject
			}
			if !yield(o, nil) {
				return
			}
		}
	}
	if _, err := db.AddObservations(t.Context(), store.Change{Actor: "test", Operation: "load"}, iter.Seq2[*store.Observation, error](many), nil); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	h := graph.NewHandler(db, slog.New(slog.NewJSONHandler(&log, nil)), graph.Options{Timeout: 20 * time.Millisecond})
	srv := httptest.NewServer(withRequestID(h))
	defer srv.Close()

	start := time.Now()
	resp, body := fetch(t, "POST", srv.URL+"/graphql", map[string]string{"Content-Type": "application/json"},
		`{"query":"{ a: observations(filter: {aboutProvider: false}) { totalCount } b: observations(filter: {period: \"1950-05\"}) { totalCount } }"}`)
	took := time.Since(start)
	if !strings.Contains(body, `"code":"TIMEOUT"`) || !strings.Contains(body, resp.Header.Get("X-Request-ID")) {
		t.Fatalf("answer %s; want a TIMEOUT error with the request ID %s", body, resp.Header.Get("X-Request-ID"))
	}
	if n := db.InUse(); n != 0 {
		t.Errorf("%d database connections still busy after the request", n)
	}
	t.Logf("stopped after %s", took)
	if took > 2*time.Second {
		t.Errorf("the answer took %s; the statement was not interrupted at the 20 ms limit", took)
	}
}

// TestAbuseDoesNotStarveOthers sends abusive queries from several goroutines while normal clients
// query: every normal query succeeds, and the slowest takes less than a second.
func TestAbuseDoesNotStarveOthers(t *testing.T) {
	srv, _ := newTestServer(t, config{corsOrigins: []string{"*"}, rateLimit: 30000})
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
	var slowest time.Duration
	var mu sync.Mutex
	var clients sync.WaitGroup
	failures := 0
	for range 4 {
		clients.Add(1)
		go func() {
			defer clients.Done()
			for range 25 {
				start := time.Now()
				resp, err := http.Post(srv.URL+"/graphql", "application/json", strings.NewReader(`{"query":"{ comparison(serviceArea: \"ServiceArea:sfi\", period: \"2018\") { rows { provider { name } cells { value rank } } } }"}`))
				took := time.Since(start)
				ok := err == nil && resp.StatusCode == 200
				if err == nil {
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					ok = ok && !strings.Contains(string(body), `"errors"`)
				}
				mu.Lock()
				slowest = max(slowest, took)
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
	t.Logf("slowest normal answer: %s", slowest)
	if slowest > time.Second {
		t.Errorf("the slowest normal answer took %s, want under 1 s", slowest)
	}
}
