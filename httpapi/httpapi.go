// Package httpapi is the service on the wire: the whole HTTP surface (addRoutes), the middleware every
// request passes through, GraphQL over HTTP (driving graph's executor), HTTP caching and the answer
// cache, rate limits, authentication, the open-data downloads, the health check and GraphiQL. It reads
// the data through the store and writes no SQL; the process around it (flags, signals, the listener)
// is package server's.
package httpapi

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/rs/cors"

	"github.com/jamforelse/api/graph"
	"github.com/jamforelse/api/httpapi/graphiql"
	"github.com/jamforelse/api/store"
)

// Options configure the HTTP surface; zero fields take the defaults.
type Options struct {
	// CORSOrigins are the origins whose web pages may call the API; "*" is any.
	CORSOrigins []string
	// RateLimit is how many points each client may spend a minute; 0 turns the limit off.
	RateLimit int
	// TrustedProxies are the proxies (load balancers, caches) whose X-Forwarded-For is believed, so that
	// the client behind them is limited and logged, not the proxy. None by default.
	TrustedProxies []netip.Prefix
	// CacheSize is how many bytes of compressed answers to public queries are kept for the next request
	// that asks the same (see answerCache); 0 keeps none.
	CacheSize int64
	// ReadOnly refuses every mutation: the server reads a database that another process writes.
	ReadOnly bool
	// PublicURL is where readers reach the service, such as https://data.example.se: every link and IRI
	// in the data set's description and the graph's list of downloads starts with it, never with a
	// request's Host or X-Forwarded-Proto, which anyone can write. http://localhost:8080 by default.
	PublicURL string
	// Metrics, when not nil, count every request (see NewMetrics); they are served elsewhere.
	Metrics *Metrics

	Limits  graph.Limits  // how large a query may be; graph.DefaultLimits
	MaxBody int64         // the largest request body in bytes; 1 MiB
	Timeout time.Duration // how long a GraphQL request may run, its SQL included; 10 s
	MaxAge  time.Duration // how long caches may keep a public answer without asking again; 60 s

	clock func() time.Time // the rate limit's; time.Now (tests stop it, so buckets do not refill)
}

// datasetCost is what the data set's description costs against the rate limit.
const datasetCost = 10

// New returns the whole HTTP surface with its middleware.
func New(logger *slog.Logger, db *store.DB, opts Options) http.Handler {
	opts = withDefaults(opts)
	clients := clients{trusted: opts.TrustedProxies}
	mux := http.NewServeMux()
	addRoutes(mux, logger, db, clients, opts)
	// Reading is public and no request carries cookies, so letting any origin's pages call the API
	// exposes nothing; CORSOrigins narrows it when wanted.
	c := cors.New(cors.Options{
		AllowedOrigins: opts.CORSOrigins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{"Content-Type", "Authorization"},
		MaxAge:         600,
	})
	return withRequestID(logRequests(logger, clients, opts.Metrics, recoverPanics(logger, securityHeaders(c.Handler(mux)))))
}

func withDefaults(opts Options) Options {
	if opts.MaxBody == 0 {
		opts.MaxBody = 1 << 20
	}
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MaxAge == 0 {
		opts.MaxAge = time.Minute
	}
	if opts.PublicURL == "" {
		opts.PublicURL = "http://localhost:8080"
	}
	return opts
}

// graphqlRoute is the pattern of the GraphQL endpoint, as the metrics name it.
const graphqlRoute = "/graphql"

// addRoutes lists the entire HTTP API.
func addRoutes(mux *http.ServeMux, logger *slog.Logger, db *store.DB, clients clients, opts Options) {
	limiter := newLimiter(opts.RateLimit, clients, opts.clock)
	auth := authenticate(logger, db)
	mux.Handle(graphqlRoute, auth(newGraphQLHandler(logger, db, limiter, opts)))
	mux.Handle("GET /export/{file}", auth(handleExport(logger, db, limiter, opts.MaxAge)))
	// The data set's description for data portals, one graph in three syntaxes, or the one asked for.
	describe := &describer{logger: logger, db: db, base: opts.PublicURL, maxAge: opts.MaxAge}
	mux.Handle("GET /dataset", auth(describe.handle(limiter, "")))
	mux.Handle("GET /dataset.rdf", auth(describe.handle(limiter, mediaRDFXML)))
	mux.Handle("GET /dataset.ttl", auth(describe.handle(limiter, mediaTurtle)))
	mux.Handle("GET /dataset.jsonld", auth(describe.handle(limiter, mediaJSONLD)))
	mux.Handle("GET /healthz", handleHealthz(logger, db))
	ui := graphiql.Handler()
	mux.Handle("GET /{$}", ui)
	mux.Handle("GET /graphiql/", ui)
}
