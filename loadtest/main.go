// Command loadtest drives a running server with N concurrent clients for a bounded time, sending a
// realistic mix of the dashboard's operations, and prints throughput and latency percentiles, overall
// and per operation. It talks to the server over loopback like any client, so what it measures
// includes HTTP, JSON and GraphQL.
//
//	go run ./server generate -db national.db
//	go run ./server -db national.db -rate-limit 0 &
//	go run -C loadtest . -clients 32 -duration 20s -mix dashboard
//
// It is a module of its own, so that its dependencies (fasthttp's client) are not the service's.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/valyala/fasthttp"
)

// defaultOps is the dashboard's operations in the repository, run from its root or from loadtest/.
func defaultOps() string {
	for _, dir := range []string{"graph/testdata/spa", "../graph/testdata/spa"} {
		if _, err := os.Stat(dir); err == nil {
			return dir
		}
	}
	return "graph/testdata/spa"
}

// operation is one request of the mix.
type operation struct {
	name   string
	weight int
	query  string
	// queryJSON is the start of a request's body, up to the variables.
	queryJSON []byte
	vars      func(r *rand.Rand) map[string]any
	get       bool // send as a conditional GET, as a browser with a cache does
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	base := flags.String("url", "http://127.0.0.1:8080", "the server's `address`")
	clients := flags.Int("clients", 32, "concurrent `clients`, each sending one request after another")
	duration := flags.Duration("duration", 20*time.Second, "how long to run")
	mix := flags.String("mix", "dashboard", "what to send: dashboard (the mix), or one of "+strings.Join(mixNames(), ", "))
	ops := flags.String("ops", defaultOps(), "the `folder` of the dashboard's operations")
	pid := flags.Int("pid", 0, "the server's process `id`, to report its resident memory (Linux)")
	warmup := flags.Duration("warmup", 0, "send the mix for this long before measuring, so the server's caches hold what readers keep asking for")
	popularity := flags.String("popularity", "zipf", "how readers pick a provider's page: zipf (a few pages are read by many, as when a story links them) or uniform (every page alike: the worst case for caches)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	pickProvider, ok := popularities[*popularity]
	if !ok {
		return fmt.Errorf("-popularity: zipf or uniform, not %q", *popularity)
	}
	operations, err := loadMix(*mix, *ops, pickProvider)
	if err != nil {
		return err
	}
	if _, err := url.Parse(*base); err != nil {
		return err
	}
	// The tool and the server share the machine's processors, so every microsecond the tool spends on a
	// request is one the server cannot: fasthttp's client sends and reads in the calling goroutine,
	// with pooled buffers, where net/http's hands each request between three goroutines.
	client := &fasthttp.Client{MaxConnsPerHost: *clients, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}

	if *warmup > 0 {
		fmt.Fprintf(stdout, "warming up for %s\n", warmup.String())
		drive(*warmup, *clients, func(r *rand.Rand, etags map[string]string, ctx context.Context) {
			send(client, *base, pick(r, operations), r, etags)
		})
	}
	var mu sync.Mutex
	latencies := map[string][]time.Duration{}
	failures := map[string]int{}
	var firstFailure string
	memoryCtx, stopMemory := context.WithTimeout(context.Background(), *duration)
	defer stopMemory()
	peakRSS := sampleMemory(memoryCtx, *pid)
	start := time.Now()
	drive(*duration, *clients, func(r *rand.Rand, etags map[string]string, ctx context.Context) {
		op := pick(r, operations)
		took, err := send(client, *base, op, r, etags)
		if ctx.Err() != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failures[op.name]++
			if firstFailure == "" {
				firstFailure = op.name + ": " + err.Error()
			}
		} else {
			latencies[op.name] = append(latencies[op.name], took)
		}
	})
	elapsed := time.Since(start)

	var all []time.Duration
	fmt.Fprintf(stdout, "%d clients for %s against %s, mix %q\n\n", *clients, duration.String(), *base, *mix)
	fmt.Fprintf(stdout, "%-22s %9s %9s %9s %9s %9s %7s\n", "operation", "requests", "req/s", "p50", "p95", "p99", "errors")
	for _, name := range slices.Sorted(maps.Keys(latencies)) {
		l := latencies[name]
		all = append(all, l...)
		printRow(stdout, name, l, failures[name], elapsed)
	}
	total := 0
	for _, n := range failures {
		total += n
	}
	printRow(stdout, "all", all, total, elapsed)
	if *pid != 0 {
		fmt.Fprintf(stdout, "\nserver resident memory: peak %.1f MB during the run\n", float64(peakRSS())/1024)
	}
	if firstFailure != "" {
		fmt.Fprintf(stdout, "\nfirst failure: %s\n", firstFailure)
	}
	return nil
}

// drive runs n clients for d, each calling request one request after another with its own random
// source and ETags.
func drive(d time.Duration, n int, request func(r *rand.Rand, etags map[string]string, ctx context.Context)) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 1))
			etags := map[string]string{}
			for ctx.Err() == nil {
				request(r, etags, ctx)
			}
		}()
	}
	wg.Wait()
}

func printRow(w io.Writer, name string, l []time.Duration, failed int, elapsed time.Duration) {
	slices.Sort(l)
	pct := func(p float64) string {
		if len(l) == 0 {
			return "-"
		}
		return l[min(len(l)-1, int(p*float64(len(l))))].Round(10 * time.Microsecond).String()
	}
	fmt.Fprintf(w, "%-22s %9d %9.0f %9s %9s %9s %7d\n", name, len(l), float64(len(l))/elapsed.Seconds(), pct(0.50), pct(0.95), pct(0.99), failed)
}

// send runs one operation and checks that it answered without errors. Its time is from sending the
// request to having read the whole answer.
func send(client *fasthttp.Client, base string, op operation, r *rand.Rand, etags map[string]string) (time.Duration, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	var u string
	if op.get {
		u = base + "/graphql?query=" + url.QueryEscape(op.query)
		req.SetRequestURI(u)
		if etag := etags[u]; etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
	} else {
		// The query's JSON is made once per operation; only the variables are encoded per request.
		variables, _ := json.Marshal(op.vars(r))
		req.SetRequestURI(base + "/graphql")
		req.Header.SetMethod(fasthttp.MethodPost)
		req.Header.SetContentType("application/json")
		req.SetBody(append(append(append(req.Body(), op.queryJSON...), variables...), '}'))
	}
	req.Header.Set("Accept-Encoding", "gzip")
	start := time.Now()
	if err := client.Do(req, resp); err != nil {
		return 0, err
	}
	took := time.Since(start)
	answer, err := readAnswer(resp.Header.ContentEncoding(), resp.Body(), r.IntN(unpackEvery) == 0)
	switch status := resp.StatusCode(); {
	case err != nil:
		return 0, err
	case status == fasthttp.StatusNotModified:
		return took, nil
	case status != fasthttp.StatusOK:
		return 0, fmt.Errorf("status %d: %.200s", status, answer)
	case bytes.HasPrefix(answer, []byte(`{"errors"`)):
		return 0, fmt.Errorf("errors: %.300s", answer)
	}
	if op.get {
		etags[u] = string(resp.Header.Peek("ETag"))
	}
	return took, nil
}

// gzipReaders are reused between answers.
var gzipReaders sync.Pool

// unpackEvery is how often the tool unpacks a gzipped answer to check it for errors: one in 16. The
// server compresses only answers from its cache, which keeps no answer with errors, and unpacking
// them all took the tool more time than the server took to send them, so the measurement measured
// the tool. Every plain answer is checked.
const unpackEvery = 16

// readAnswer returns the beginning of an answer, unpacked if it came gzipped and unpack is set; a
// gzipped answer not unpacked is only checked to be gzip. The beginning is enough to tell an answer
// with errors, which starts {"errors": (GraphQL over HTTP answers put errors first).
func readAnswer(contentEncoding, body []byte, unpack bool) ([]byte, error) {
	if string(contentEncoding) != "gzip" {
		return body, nil
	}
	if !unpack {
		if !bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
			return nil, errors.New("Content-Encoding gzip, but the body is not gzip")
		}
		return nil, nil
	}
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	if zr == nil {
		zr = new(gzip.Reader)
	}
	defer gzipReaders.Put(zr)
	if err := zr.Reset(bytes.NewReader(body)); err != nil {
		return nil, err
	}
	answer, err := io.ReadAll(zr)
	return answer[:min(len(answer), 64)], err
}

func pick(r *rand.Rand, ops []operation) operation {
	total := 0
	for _, op := range ops {
		total += op.weight
	}
	n := r.IntN(total)
	for _, op := range ops {
		if n -= op.weight; n < 0 {
			return op
		}
	}
	return ops[len(ops)-1]
}

// The national data set's IDs: generated providers are Provider:generated-00000 …, and the largest
// municipality, 2000, has 2,000 SFI providers.
const generatedProviders = 6000

// popularities pick the index of the provider whose page a reader opens.
var popularities = map[string]func(r *rand.Rand) int{
	"uniform": func(r *rand.Rand) int { return r.IntN(generatedProviders) },
	// Zipf's law (exponent 1.01; Go's generator needs more than 1), the usual model of how often web
	// pages are read: the k-th most read page is read about 1/k as often as the first. Half of all reads
	// go to the top 52 of the 6,000 pages, three quarters to the top 600. Which pages are the popular
	// ones is a fixed shuffle, so they are spread over the country.
	"zipf": func(r *rand.Rand) int {
		z := rand.NewZipf(r, 1.01, 1, generatedProviders-1)
		return popularOrder[z.Uint64()]
	},
}

// popularOrder is the fixed order of providers from most to least read.
var popularOrder = rand.New(rand.NewPCG(7, 7)).Perm(generatedProviders)

func providerVars(pickProvider func(*rand.Rand) int) func(r *rand.Rand) map[string]any {
	return func(r *rand.Rand) map[string]any {
		return map[string]any{"id": fmt.Sprintf("Provider:generated-%05d", pickProvider(r)), "metric": nil}
	}
}

// mixes are the named request mixes; "dashboard" weighs the pages as a visitor uses them.
var mixes = map[string][]struct {
	op     string
	weight int
}{
	"dashboard":   {{"ComparisonTable", 25}, {"ProviderProfile", 30}, {"Providers", 15}, {"Overview", 10}, {"PriceLists", 8}, {"MetricCatalogue", 6}, {"Collaboration", 6}},
	"comparison":  {{"ComparisonTable2000", 1}},
	"profile":     {{"ProviderProfile", 1}},
	"conditional": {{"OverviewGET", 1}},
}

func mixNames() []string { return slices.Sorted(maps.Keys(mixes)) }

func loadMix(name, folder string, pickProvider func(*rand.Rand) int) ([]operation, error) {
	spec, ok := mixes[name]
	if !ok {
		return nil, fmt.Errorf("no mix %q; the mixes are %s", name, strings.Join(mixNames(), ", "))
	}
	read := func(op string) (string, error) {
		b, err := os.ReadFile(filepath.Join(folder, op+".graphql"))
		return string(b), err
	}
	var ops []operation
	for _, s := range spec {
		op := operation{name: s.op, weight: s.weight, vars: func(*rand.Rand) map[string]any { return nil }}
		file := s.op
		switch s.op {
		case "ComparisonTable":
			op.vars = func(*rand.Rand) map[string]any {
				return map[string]any{"serviceArea": "ServiceArea:sfi", "period": "2018", "metrics": []string{"Metric:sfi-pass-rate", "Metric:sfi-dropout-rate"}}
			}
		case "ComparisonTable2000":
			file = "ComparisonTable"
			op.vars = func(r *rand.Rand) map[string]any {
				return map[string]any{"serviceArea": "ServiceArea:sfi", "period": fmt.Sprintf("%d-HT", 2010+r.IntN(10)), "municipality": "2000",
					"metrics": []string{"Metric:sfi-pass-rate", "Metric:sfi-dropout-rate", "Metric:sfi-grade-a-b-share", "Metric:sfi-transition-rate",
						"Metric:sfi-passed-courses", "Metric:sfi-cost-per-passed-course"}}
			}
		case "ProviderProfile":
			op.vars = providerVars(pickProvider)
		case "Providers":
			op.vars = func(*rand.Rand) map[string]any {
				return map[string]any{"filter": map[string]any{"serviceArea": "ServiceArea:sfi"}, "first": 20}
			}
		case "PriceLists":
			op.vars = func(*rand.Rand) map[string]any { return map[string]any{"serviceArea": "ServiceArea:sfi"} }
		case "OverviewGET":
			file, op.get = "Overview", true
		}
		q, err := read(file)
		if err != nil {
			return nil, err
		}
		if s.op == "ComparisonTable2000" {
			// The dashboard's operation compares Sundbyberg; this one names the largest municipality.
			q = strings.Replace(q, "$operatingForms: [OperatingForm!]\n)", "$operatingForms: [OperatingForm!]\n  $municipality: String\n)", 1)
			q = strings.Replace(q, "operatingForms: $operatingForms\n  )", "operatingForms: $operatingForms\n    municipality: $municipality\n  )", 1)
		}
		op.query = q
		quoted, _ := json.Marshal(q)
		op.queryJSON = append(append([]byte(`{"query":`), quoted...), `,"variables":`...)
		ops = append(ops, op)
	}
	return ops, nil
}

// sampleMemory follows a process's resident memory until ctx ends and returns a function that reports
// the peak, in kB.
func sampleMemory(ctx context.Context, pid int) func() int {
	var mu sync.Mutex
	peak := 0
	if pid != 0 {
		go func() {
			for ctx.Err() == nil {
				if kb, err := residentKB(pid); err == nil {
					mu.Lock()
					peak = max(peak, kb)
					mu.Unlock()
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

func residentKB(pid int) (int, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int
			_, err := fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb, err
		}
	}
	return 0, errors.New("no VmRSS line")
}
