package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jamforelse/api/store"
)

// Metrics are the numbers an operator watches, in Prometheus's text format: what the requests are and
// how they end, how long they take and what they cost, how often the answer cache answers, how often
// the rate limit refuses, and the state of the database (connections, data version and its age, and on
// a read-only server how far behind the writer it is). Requests are counted by the middleware (see
// logRequests); the rest is read from the store when scraped. Serve Handler on an address of its own,
// never the public one: the numbers tell more about the service than readers need to know.
type Metrics struct {
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	cost       *prometheus.HistogramVec
	cache      *prometheus.CounterVec
	limited    *prometheus.CounterVec
	operations operationNames
}

// NewMetrics returns the metrics of a server reading db.
func NewMetrics(db *store.DB) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jamforelse_http_requests_total",
			Help: "HTTP requests answered, by route (the pattern it matched), GraphQL operation name and status code."},
			[]string{"route", "operation", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "jamforelse_http_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its answer, by route and GraphQL operation name.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}},
			[]string{"route", "operation"}),
		cost: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "jamforelse_graphql_query_cost",
			Help:    "Points each answered GraphQL request was charged against its client's rate limit (X-Query-Cost: the objects it returned), by operation name.",
			Buckets: []float64{1, 10, 100, 1000, 2500, 5000, 10000, 25000}},
			[]string{"operation"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jamforelse_answer_cache_requests_total",
			Help: "Public GraphQL answers by whether the answer cache held them (hit) or the query ran (miss)."},
			[]string{"result"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jamforelse_rate_limited_total",
			Help: "Requests refused with 429 because their client had spent its points, by route."},
			[]string{"route"}),
		operations: operationNames{seen: map[string]bool{}},
	}
	m.registry.MustRegister(m.requests, m.duration, m.cost, m.cache, m.limited, storeCollector{db},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves GET /metrics.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
	return mux
}

// observe counts one answered request. Its route is the pattern it matched ("" for none), and the
// rest is read from the answer's headers, which the handlers set for the client anyway.
func (m *Metrics) observe(route, operation string, status int, h http.Header, took time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	if operation != "" {
		operation = m.operations.label(operation)
	}
	m.requests.WithLabelValues(route, operation, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route, operation).Observe(took.Seconds())
	if status == http.StatusTooManyRequests {
		m.limited.WithLabelValues(route).Inc()
		return
	}
	if cost, err := strconv.Atoi(h.Get("X-Query-Cost")); err == nil && route == graphqlRoute {
		m.cost.WithLabelValues(operation).Observe(float64(cost))
	}
	switch h.Get("X-Cache") {
	case "HIT":
		m.cache.WithLabelValues("hit").Inc()
	case "MISS":
		m.cache.WithLabelValues("miss").Inc()
	}
}

// operationNames keeps the operation names metrics are labelled with to a few: clients choose them,
// and every name would be a new series for as long as the server runs. The first maxOperationNames
// names seen are kept (the dashboard's, in practice) and later ones count as "other".
type operationNames struct {
	mu   sync.Mutex
	seen map[string]bool
}

const maxOperationNames = 64

func (o *operationNames) label(name string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.seen[name] {
		if len(o.seen) >= maxOperationNames {
			return "other"
		}
		o.seen[name] = true
	}
	return name
}

// storeCollector reads the database's numbers when the metrics are scraped.
type storeCollector struct{ db *store.DB }

var (
	connectionsDesc = prometheus.NewDesc("jamforelse_sqlite_connections",
		"SQLite connections open, by state: in use (running a statement or holding a read snapshot) or idle.", []string{"state"}, nil)
	versionDesc = prometheus.NewDesc("jamforelse_data_version",
		"The data version this server serves; every write moves it.", nil, nil)
	ageDesc = prometheus.NewDesc("jamforelse_data_age_seconds",
		"Seconds since the latest write of the data this server serves.", nil, nil)
	lagDesc = prometheus.NewDesc("jamforelse_replication_lag_seconds",
		"On a read-only server: seconds since the writer's newest beat (its health check or -heartbeat, by its clock) that this server's file holds; at most the writer's heartbeat interval more than the time its writes take to arrive.", nil, nil)
)

func (c storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{connectionsDesc, versionDesc, ageDesc, lagDesc} {
		ch <- d
	}
}

// Collect sends what it can read; a value it cannot read is left out, and the server's log and
// /healthz say why.
func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	open, inUse := c.db.Connections()
	ch <- prometheus.MustNewConstMetric(connectionsDesc, prometheus.GaugeValue, float64(inUse), "in_use")
	ch <- prometheus.MustNewConstMetric(connectionsDesc, prometheus.GaugeValue, float64(open-inUse), "idle")
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if cat, err := c.db.Catalog(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(versionDesc, prometheus.GaugeValue, float64(cat.Info.Version))
		ch <- prometheus.MustNewConstMetric(ageDesc, prometheus.GaugeValue, time.Since(cat.Info.UpdatedAt).Seconds())
	}
	if !c.db.ReadOnly() {
		return
	}
	if beat, err := c.db.LastBeat(ctx); err == nil && !beat.IsZero() {
		ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, time.Since(beat).Seconds())
	}
}
