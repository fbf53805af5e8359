package httpapi

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/jamforelse/api/store"
)

// scrape reads m's /metrics as Prometheus does, with its text parser.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d %s", rec.Code, rec.Body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse as Prometheus text: %v", err)
	}
	return families
}

// sample finds the sample of a family whose labels are exactly labels ("k=v" each), or fails.
func sample(t *testing.T, families map[string]*dto.MetricFamily, name string, labels ...string) *dto.Metric {
	t.Helper()
	f := families[name]
	if f == nil {
		t.Fatalf("no metric %s", name)
	}
	for _, m := range f.Metric {
		var got []string
		for _, l := range m.Label {
			got = append(got, l.GetName()+"="+l.GetValue())
		}
		if strings.Join(got, ",") == strings.Join(labels, ",") {
			return m
		}
	}
	t.Fatalf("no sample of %s with labels %v; have %v", name, labels, f.Metric)
	return nil
}

// cost reads an answer's X-Query-Cost, which must be there and more than 0.
func cost(t *testing.T, h http.Header) float64 {
	t.Helper()
	n, err := strconv.Atoi(h.Get("X-Query-Cost"))
	if err != nil || n <= 0 {
		t.Fatalf("X-Query-Cost: %q", h.Get("X-Query-Cost"))
	}
	return float64(n)
}

func counter(t *testing.T, families map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	return sample(t, families, name, labels...).GetCounter().GetValue()
}

func gauge(t *testing.T, families map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	return sample(t, families, name, labels...).GetGauge().GetValue()
}

// TestMetricsAfterKnownRequests sends a known sequence of requests and finds each of them counted in
// /metrics, read with Prometheus's own parser: the requests by route, operation and status, their
// latencies, the queries' costs, the answer cache's hits and misses, the rate limit's refusals, the
// SQLite connections, the data version and its age; and on a read-only server, the replication lag.
func TestMetricsAfterKnownRequests(t *testing.T) {
	db := seeded(t)
	m := NewMetrics(db)
	api := newTestAPIFor(t, db, Options{Metrics: m, CacheSize: 1 << 20, RateLimit: 100, clock: stopped()})

	// What each answered query cost, as its X-Query-Cost says: what it returned, charged again on a hit.
	costs := map[string]float64{}
	const overview = `query Overview { dataset { title } }`
	for i, want := range []string{"MISS", "HIT"} {
		got := api.post(t, overview, nil, nil)
		if got.status != 200 || got.header.Get("X-Cache") != want {
			t.Fatalf("Overview %d: %d, X-Cache %q; want 200 %s", i+1, got.status, got.header.Get("X-Cache"), want)
		}
		costs["Overview"] += cost(t, got.header)
	}
	// A page of 20 providers is priced at 20 points, one of 200 at 200: more than the 100 a minute allow.
	for i, c := range []struct {
		first, want int
	}{{20, 200}, {200, 429}} {
		got := api.post(t, fmt.Sprintf(`query Providers { providers(first: %d) { nodes { id name } } }`, c.first), nil, nil)
		if got.status != c.want {
			t.Fatalf("Providers %d: %d %s; want %d", i+1, got.status, got.body, c.want)
		}
		if got.status == 200 {
			costs["Providers"] += cost(t, got.header)
		}
	}
	if got := api.send(t, "GET", "/healthz", nil, nil); got.status != 200 {
		t.Fatalf("/healthz: %d %s", got.status, got.body)
	}
	if got := api.send(t, "GET", "/nowhere", nil, nil); got.status != 404 {
		t.Fatalf("/nowhere: %d", got.status)
	}

	families := scrape(t, m)
	requests := "jamforelse_http_requests_total"
	for _, c := range []struct {
		labels []string
		want   float64
	}{
		{[]string{"operation=Overview", "route=/graphql", "status=200"}, 2},
		{[]string{"operation=Providers", "route=/graphql", "status=200"}, 1},
		{[]string{"operation=Providers", "route=/graphql", "status=429"}, 1},
		{[]string{"operation=", "route=GET /healthz", "status=200"}, 1},
		{[]string{"operation=", "route=unmatched", "status=404"}, 1},
	} {
		if got := counter(t, families, requests, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", requests, c.labels, got, c.want)
		}
	}
	if h := sample(t, families, "jamforelse_http_request_duration_seconds", "operation=Overview", "route=/graphql").GetHistogram(); h.GetSampleCount() != 2 || h.GetSampleSum() <= 0 {
		t.Errorf("Overview's latency histogram: %d samples summing to %v s, want 2 summing to more than 0", h.GetSampleCount(), h.GetSampleSum())
	}
	for op, n := range map[string]uint64{"Overview": 2, "Providers": 1} { // Providers: the one answered
		if h := sample(t, families, "jamforelse_graphql_query_cost", "operation="+op).GetHistogram(); h.GetSampleCount() != n || h.GetSampleSum() != costs[op] {
			t.Errorf("%s's cost histogram: %d samples summing to %v, want %d summing to %v", op, h.GetSampleCount(), h.GetSampleSum(), n, costs[op])
		}
	}
	for result, want := range map[string]float64{"hit": 1, "miss": 2} { // Overview once, and Providers
		if got := counter(t, families, "jamforelse_answer_cache_requests_total", "result="+result); got != want {
			t.Errorf("answer cache %ss = %v, want %v", result, got, want)
		}
	}
	if got := counter(t, families, "jamforelse_rate_limited_total", "route=/graphql"); got != 1 {
		t.Errorf("rate-limited requests = %v, want 1", got)
	}
	if got := gauge(t, families, "jamforelse_sqlite_connections", "state=in_use"); got != 0 {
		t.Errorf("SQLite connections in use between requests = %v, want 0", got)
	}
	gauge(t, families, "jamforelse_sqlite_connections", "state=idle")
	c, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := gauge(t, families, "jamforelse_data_version"); got != float64(c.Info.Version) || got == 0 {
		t.Errorf("data version = %v, want %d", got, c.Info.Version)
	}
	if age := gauge(t, families, "jamforelse_data_age_seconds"); age < 0 || age > time.Since(c.Info.UpdatedAt).Seconds() {
		t.Errorf("data age = %v s; the seed was written %v ago", age, time.Since(c.Info.UpdatedAt))
	}
	if families["jamforelse_replication_lag_seconds"] != nil {
		t.Error("the writer reports a replication lag; only readers have one")
	}
	if families["go_goroutines"] == nil || families["process_resident_memory_bytes"] == nil {
		t.Error("the Go runtime's and the process's metrics are missing")
	}

	// A read-only server on the same file: its lag is the time since the writer's latest beat.
	if err := db.Beat(t.Context()); err != nil {
		t.Fatal(err)
	}
	beat := time.Now()
	reader, err := store.Open(t.Context(), db.Path(), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	lag := gauge(t, scrape(t, NewMetrics(reader)), "jamforelse_replication_lag_seconds")
	if most := time.Since(beat).Seconds() + 0.1; lag < 0 || lag > most || math.IsNaN(lag) {
		t.Errorf("the reader's lag = %v s, want between 0 and the %v s since the beat", lag, most)
	}
}
