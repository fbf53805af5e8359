// Command server runs the public comparison API: GraphQL at /graphql, GraphiQL at /, health at
// /healthz. With no flags it listens on localhost:8080 and keeps its data in ./jamforelse.db, which it
// creates, migrates and fills with the seed data on first start. `server help` lists the subcommands,
// which work on the database directly (imports, the Kolada sync, API tokens, snapshots, the national test
// data set, the disclosure audit).
//
// This package is the process: flags and environment, subcommands, signals, the listener. What is
// served is package httpapi's.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jamforelse/api/httpapi"
	"github.com/jamforelse/api/seed"
	"github.com/jamforelse/api/store"
)

func main() {
	err := run(context.Background(), os.Args, os.Getenv, os.Stdout)
	var usage usageError
	switch {
	case errors.As(err, &usage):
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// usageError is a command line the program does not understand: it exits 2, as flag's own errors do.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// config is everything the process can be told, by flag or environment variable.
type config struct {
	addr          string
	dbPath        string
	corsOrigins   []string
	suppressBelow int // 0: the data's
	rateLimit     int
	readOnly      bool
	cacheSize     int64 // bytes
	pprofAddr     string
	metricsAddr   string
	heartbeat     time.Duration // 0: none
	memoryLimit   int64         // bytes
	proxies       []netip.Prefix
	publicURL     string
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	flags := flag.NewFlagSet(args[0], flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", cmp.Or(getenv("ADDR"), "localhost:8080"), "listen `address` (env ADDR)")
	dbPath := flags.String("db", cmp.Or(getenv("DB_PATH"), "jamforelse.db"), "SQLite database `file`, created and seeded if missing (env DB_PATH)")
	origins := flags.String("cors-origins", cmp.Or(getenv("CORS_ORIGINS"), "*"), "comma-separated `origins` browsers may call the API from, or * for any (env CORS_ORIGINS)")
	suppress := flags.String("suppress-below", getenv("SUPPRESS_BELOW"), "withhold figures based on fewer than `n` individuals, and enough others that none can be worked out; "+
		"kept with the data, which read-only servers follow (default: the data's, "+strconv.Itoa(store.DefaultSuppressBelow)+" for a new database) (env SUPPRESS_BELOW)")
	readOnly := flags.Bool("read-only", getenv("READ_ONLY") == "true", "serve an existing database that another process writes; refuse every write (env READ_ONLY=true)")
	rate := flags.String("rate-limit", cmp.Or(getenv("RATE_LIMIT"), "30000"), "query cost `points` each client may spend a minute; 0 turns the limit off (env RATE_LIMIT)")
	pprofAddr := flags.String("pprof-addr", getenv("PPROF_ADDR"), "serve Go's profiles (net/http/pprof) on this `address`, for measuring; keep it private (env PPROF_ADDR)")
	memory := flags.String("memory-limit", cmp.Or(getenv("MEMORY_LIMIT"), "100"), "soft limit in `megabytes` on the Go heap: the garbage collector works harder as the heap nears it, rather than letting it grow to twice what is live; 0 for none (env MEMORY_LIMIT)")
	cache := flags.String("cache-size", cmp.Or(getenv("CACHE_SIZE"), "32"), "`megabytes` of compressed answers to public queries kept for the next reader; 0 turns the cache off (env CACHE_SIZE)")
	metricsAddr := flags.String("metrics-addr", getenv("METRICS_ADDR"), "serve Prometheus metrics (/metrics) on this `address`, for monitoring; keep it private (env METRICS_ADDR)")
	heartbeat := flags.String("heartbeat", cmp.Or(getenv("HEARTBEAT"), "0"), "on a writer, write the time into the database this often (a `duration` such as 1s), so that read-only servers on replicated copies can tell how far behind they are; 0 for never (env HEARTBEAT)")
	proxies := flags.String("trusted-proxies", getenv("TRUSTED_PROXIES"), "comma-separated `CIDRs` of the proxies whose X-Forwarded-For names the client, such as 10.0.0.0/8; none by default (env TRUSTED_PROXIES)")
	public := flags.String("public-url", getenv("PUBLIC_URL"), "the `URL` readers reach the service at, such as https://data.example.se; every link and IRI in the data set's description and downloads starts with it, never with a request's Host (default: http:// and -addr, localhost for every interface) (env PUBLIC_URL)")
	flags.Usage = func() {
		fmt.Fprintf(stderr, "usage: server [flags]    serve the API\n       server COMMAND …   work on the database; server help COMMAND for its flags\n\n")
		listCommands(stderr)
		fmt.Fprintln(stderr, "\nflags:")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args[1:]); err != nil {
		return config{}, err
	}
	if flags.NArg() > 0 {
		return config{}, unknownCommand(flags.Arg(0))
	}
	trusted, err := prefixes(*proxies)
	if err != nil {
		return config{}, err
	}
	memoryMB, err := wholeNumber("memory-limit", "megabytes", *memory, 0)
	if err != nil {
		return config{}, err
	}
	cacheMB, err := wholeNumber("cache-size", "megabytes", *cache, 0)
	if err != nil {
		return config{}, err
	}
	perMinute, err := wholeNumber("rate-limit", "points", *rate, 0)
	if err != nil {
		return config{}, err
	}
	publicURL, err := publicURLOf(*public, *addr)
	if err != nil {
		return config{}, err
	}
	n := 0 // keep the data's
	if *suppress != "" {
		if n, err = wholeNumber("suppress-below", "individuals", *suppress, 1); err != nil {
			return config{}, err
		}
	}
	beat, err := time.ParseDuration(*heartbeat)
	if err != nil || beat < 0 {
		return config{}, fmt.Errorf("-heartbeat: want a duration such as 1s, or 0 for never, not %q", *heartbeat)
	}
	return config{addr: *addr, dbPath: *dbPath, corsOrigins: splitList(*origins), suppressBelow: n, rateLimit: perMinute, readOnly: *readOnly,
		cacheSize: int64(cacheMB) << 20, pprofAddr: *pprofAddr, metricsAddr: *metricsAddr, heartbeat: beat, memoryLimit: int64(memoryMB) << 20,
		proxies: trusted, publicURL: publicURL}, nil
}

// publicURLOf reads -public-url: an absolute http or https URL with no query or fragment, its trailing
// slash dropped; when it is not given, http:// and the listen address (localhost for every interface).
func publicURLOf(value, addr string) (string, error) {
	if value == "" {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return "", fmt.Errorf("-addr: %q is not host:port", addr)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		return "http://" + net.JoinHostPort(host, port), nil
	}
	u, err := url.Parse(value)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("-public-url: %q is not an absolute http or https URL such as https://data.example.se", value)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// prefixes reads a comma-separated list of CIDRs; a bare address is a prefix of one address.
func prefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range splitList(list) {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			addr, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("-trusted-proxies: %q is not a CIDR such as 10.0.0.0/8 or an address", s)
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// wholeNumber reads a flag that takes a whole number of at least least.
func wholeNumber(flag, unit, value string, least int) (int, error) {
	n, err := strconv.Atoi(value)
	if err != nil || n < least {
		return 0, fmt.Errorf("-%s: want a whole number of %s, %d or more, not %q", flag, unit, least, value)
	}
	return n, nil
}

// run is the program. It takes the process's environment as arguments so tests can call it as main does.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(args) > 1 && !strings.HasPrefix(args[1], "-") {
		command, ok := commands[args[1]]
		if !ok {
			return unknownCommand(args[1])
		}
		return command.run(ctx, args[2:], getenv, stdout)
	}
	cfg, err := parseConfig(args, getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stdout, nil))
	if cfg.memoryLimit > 0 {
		debug.SetMemoryLimit(cfg.memoryLimit)
	}

	if cfg.readOnly {
		if _, err := os.Stat(cfg.dbPath); err != nil {
			return fmt.Errorf("-read-only needs a database that exists: %w", err)
		}
	}
	db, err := store.Open(ctx, cfg.dbPath, store.Options{SuppressBelow: cfg.suppressBelow, ReadOnly: cfg.readOnly})
	if err != nil {
		return err
	}
	defer db.Close()
	if !cfg.readOnly {
		seeded, err := seed.LoadIfEmpty(ctx, db)
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		if seeded {
			logger.Info("loaded the seed data into a new database", "db", cfg.dbPath)
		}
	}

	listener, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	var metrics *httpapi.Metrics
	if cfg.metricsAddr != "" {
		metrics = httpapi.NewMetrics(db)
	}
	handler := httpapi.New(logger, db, httpapi.Options{CORSOrigins: cfg.corsOrigins, RateLimit: cfg.rateLimit,
		TrustedProxies: cfg.proxies, CacheSize: cfg.cacheSize, ReadOnly: cfg.readOnly, PublicURL: cfg.publicURL,
		Metrics: metrics})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(listener) }()
	if cfg.pprofAddr != "" {
		// Profiles and metrics get listeners of their own, so they are never part of the public API.
		go func() { errc <- http.ListenAndServe(cfg.pprofAddr, profiles()) }()
	}
	if metrics != nil {
		go func() { errc <- http.ListenAndServe(cfg.metricsAddr, metrics.Handler()) }()
	}
	if cfg.heartbeat > 0 && !cfg.readOnly {
		go beat(ctx, logger, db, cfg.heartbeat)
	}
	logger.Info("listening", "addr", "http://"+listener.Addr().String(), "db", cfg.dbPath, "read_only", cfg.readOnly,
		"followed_by_litestream", db.Followed())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// beat writes the time into the database every interval until ctx is done (see store.DB.Beat). A beat
// that fails is logged and the next one tried: /healthz says whether writes work.
func beat(ctx context.Context, logger *slog.Logger, db *store.DB, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			beatCtx, cancel := context.WithTimeout(ctx, interval)
			// A beat that waits out its interval waits for a long write, whose commit the readers see.
			if err := db.Beat(beatCtx); err != nil && ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) {
				logger.Warn("heartbeat failed", "err", err)
			}
			cancel()
		}
	}
}

// profiles serves net/http/pprof's handlers.
func profiles() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
