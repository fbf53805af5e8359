package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/maypok86/otter/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"golang.org/x/sync/singleflight"

	"github.com/jamforelse/api/graph"
	"github.com/jamforelse/api/store"
)

// Whether an answer is the same for everyone is decided here, once, for both the answer cache and the
// caches between the server and its readers (browsers, Squid, a CDN). An answer is public when the
// request carries no Authorization header at all (valid or not: an invalid token still names a caller
// who is told so) and asks for nothing that depends on its caller (graph.DependsOnCaller: a mutation,
// the caller's rate limit, the audit log), and the answer holds no errors. A public answer is kept
// and, over GET, is `Cache-Control: public` with an ETag; any other is `private, no-store`, has no
// ETag, is never kept and never answered 304.

// mayBePublic reports whether a request's answer can be public, before its operation is known.
func mayBePublic(r *http.Request) bool { return r.Header.Get("Authorization") == "" }

// public reports whether the answer to an operation is the same for every caller.
func public(r *http.Request, op *ast.OperationDefinition) bool {
	return mayBePublic(r) && !graph.DependsOnCaller(op)
}

// private marks an answer that no cache may keep.
func private(h http.Header) {
	h.Del("ETag")
	h.Set("Cache-Control", "private, no-store")
}

// answerKey identifies a public answer: a hash of everything it depends on, the data version it was
// read from, the day (price lists are current by the date), and the request's method and bytes.
type answerKey [sha256.Size]byte

func keyOf(version int64, day store.Date, method string, request []byte) answerKey {
	h := sha256.New()
	for _, part := range [][]byte{strconv.AppendInt(nil, version, 10), []byte(day), []byte(method), request} {
		h.Write(part)
		h.Write([]byte{0})
	}
	var k answerKey
	h.Sum(k[:0])
	return k
}

// writePublic sends a public answer, gzip-compressed if gzipped says it is (and then unpacked for a
// client that does not take gzip). Over GET it carries validators, and a client that holds it already
// is answered 304 with no body.
func writePublic(w http.ResponseWriter, r *http.Request, key answerKey, version int64, maxAge time.Duration, body []byte, gzipped bool) {
	h := w.Header()
	encoding := "identity"
	if gzipped && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		encoding = "gzip"
	}
	if r.Method == http.MethodGet && notModified(w, r, maxAge, answerETag(version, key, encoding, h.Get("Content-Type"))) {
		return
	}
	if gzipped && encoding == "identity" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil { // cannot happen: the cache holds only what compress wrote
			panic(err)
		}
		w.WriteHeader(http.StatusOK)
		io.Copy(w, zr)
		return
	}
	if encoding == "gzip" {
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// answerETag names one representation of a public answer: the answer to these request bytes at this
// data version, in this encoding and media type. It is known before the query runs, so a client that
// holds the answer is told so at no cost (graphqlHandler.unchanged).
func answerETag(version int64, key answerKey, encoding, contentType string) string {
	return etagOf(version, string(key[:]), encoding, contentType)
}

// etagOf names one representation of an answer of the given data version by everything it depends on.
func etagOf(version int64, parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return fmt.Sprintf(`"v%d-%s"`, version, hex.EncodeToString(sum[:12]))
}

// notModified sets the validators of a public answer and, when the client's If-None-Match names it,
// answers 304 and reports true.
func notModified(w http.ResponseWriter, r *http.Request, maxAge time.Duration, etag string) bool {
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(maxAge.Seconds())))
	for _, candidate := range strings.Split(r.Header.Get("If-None-Match"), ",") {
		if c := strings.TrimSpace(candidate); c == etag || c == "W/"+etag || c == "*" {
			w.WriteHeader(http.StatusNotModified)
			return true
		}
	}
	return false
}

// answerCache keeps the answers to public queries, gzip-compressed, keyed by the data version they
// were read from: the data changes only when something is written, and a news story sends thousands
// of readers to the same few pages, so most answers can be sent again without running the query. A
// write moves the data version, after which no old answer is found again; old answers age out of the
// cache as new ones come in.
//
// An answer is kept under the bytes of the request that asked for it (its body, or a GET's query
// string), so a reader who sends the same request is answered without the request being decoded,
// parsed or measured: the dashboard sends the same bytes for the same page.
type answerCache struct {
	answers *otter.Cache[answerKey, keptAnswer]
	// running makes concurrent requests for the same missing answer wait for one run of the query,
	// instead of each running it: the stampede when a page is first shared.
	running singleflight.Group
	runs    computeSlots
}

// keptAnswer is an answer as kept: its JSON, gzip-compressed, what its query cost when it ran (the
// objects it returned), which every reader is charged as if the query ran again, and the operation's
// name, for the log and the metrics.
type keptAnswer struct {
	gz        []byte
	cost      int
	operation string
}

// newAnswerCache keeps up to size bytes of compressed answers, computing them in runs; nil when size
// is 0.
func newAnswerCache(size int64, runs computeSlots) *answerCache {
	if size <= 0 {
		return nil
	}
	return &answerCache{answers: otter.Must(&otter.Options[answerKey, keptAnswer]{
		MaximumWeight: uint64(size),
		Weigher:       func(_ answerKey, a keptAnswer) uint32 { return uint32(len(a.gz) + len(answerKey{})) },
	}), runs: runs}
}

// computeSlots holds a slot for each public answer being computed: no more are computed at once than
// there are processors, since computing more would not finish any sooner, and each large answer being
// built holds tens of megabytes until it is written (16 comparisons of 2,000 providers at once held
// 236 MB). The others wait their turn, with or without the answer cache.
type computeSlots chan struct{}

func newComputeSlots() computeSlots { return make(computeSlots, runtime.GOMAXPROCS(0)) }

// run runs compute in a slot, once one is free; if ctx ends first (the client left, or its time ran
// out), compute runs at once and fails at once.
func (s computeSlots) run(ctx context.Context, compute func() ([]byte, int, bool)) ([]byte, int, bool) {
	select {
	case s <- struct{}{}:
		defer func() { <-s }()
	case <-ctx.Done():
	}
	return compute()
}

// get returns the answer kept under a key, if there is one.
func (c *answerCache) get(key answerKey) (keptAnswer, bool) {
	return c.answers.GetIfPresent(key)
}

// fill returns the answer kept under key and what it cost, running the query to make it if there is
// none, once for all who ask at the same time, and keeping it with the operation's name; gzipped says
// whether the answer is compressed. run returns the answer's JSON, its cost and whether it is free of errors. An answer with errors is never
// kept or shared: it comes back, not clean, to the request that ran it, and a request that waited for a
// run that failed runs the query for itself.
func (c *answerCache) fill(ctx context.Context, key answerKey, operation string, run func() ([]byte, int, bool)) (answer []byte, cost int, gzipped, clean bool) {
	var failed []byte
	v, _, _ := c.running.Do(string(key[:]), func() (any, error) {
		if kept, ok := c.answers.GetIfPresent(key); ok { // kept by a run that ended since this request looked
			return kept, nil
		}
		answer, cost, clean := c.runs.run(ctx, run)
		if !clean {
			failed = answer
			return nil, nil
		}
		kept := keptAnswer{gz: compress(answer), cost: cost, operation: operation}
		c.answers.Set(key, kept)
		return kept, nil
	})
	switch kept, ok := v.(keptAnswer); {
	case failed != nil: // this request ran the query, and it failed
		return failed, 0, false, false
	case !ok: // another request ran it, and it failed: run it for this one, without sharing
		answer, cost, clean := c.runs.run(ctx, run)
		return answer, cost, false, clean
	default:
		return kept.gz, kept.cost, true, true
	}
}

// acceptsGzip reads an Accept-Encoding header: gzip, unless its quality is 0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// gzipWriters are reused: a new writer allocates its whole compression state.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

func compress(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
