package graph

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/maypok86/otter/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"golang.org/x/sync/singleflight"
)

// answerCache keeps the answers to public queries, gzip-compressed, keyed by the data version they
// were read from: the data changes only when something is written, and a news story sends thousands
// of readers to the same few pages, so most answers can be sent again without running the query. A
// write moves the data version, after which no old answer is found again; old answers age out of the
// cache as new ones come in.
//
// An answer is kept under the bytes of the request that asked for it (its body, or a GET's query
// string), so a reader who sends the same request is answered without the request being decoded,
// parsed or measured: the dashboard sends the same bytes for the same page. Only answers that are the
// same for everyone are kept: queries (not mutations) sent without a token, that do not ask for the
// client's own rate limit, and that answered without errors.
type answerCache struct {
	answers *otter.Cache[cacheKey, keptAnswer]
	// running makes concurrent requests for the same missing answer wait for one run of the query,
	// instead of each running it: the stampede when a page is first shared.
	running singleflight.Group
	// runs holds a slot for each query running to fill the cache: no more run at once than there are
	// processors, since running more would not finish any sooner, and each large answer being built
	// holds tens of megabytes until it is written.
	runs chan struct{}
}

// keptAnswer is an answer as kept: its JSON, gzip-compressed, and what its query costs, which every
// reader is charged as if the query ran.
type keptAnswer struct {
	gz   []byte
	cost int
}

// cacheKey identifies an answer: a hash of the data version, the day (price lists are current by the
// date), the request's method and its bytes.
type cacheKey [sha256.Size]byte

// newAnswerCache keeps up to size bytes of compressed answers; nil when size is 0.
func newAnswerCache(size int64) *answerCache {
	if size <= 0 {
		return nil
	}
	return &answerCache{answers: otter.Must(&otter.Options[cacheKey, keptAnswer]{
		MaximumWeight: uint64(size),
		Weigher:       func(_ cacheKey, a keptAnswer) uint32 { return uint32(len(a.gz) + len(cacheKey{})) },
	}), runs: make(chan struct{}, runtime.GOMAXPROCS(0))}
}

// key returns the cache key of a request: its method and bytes, read from the given data version.
func (c *answerCache) key(method string, request []byte, version int64) cacheKey {
	h := sha256.New()
	for _, part := range [][]byte{strconv.AppendInt(nil, version, 10), []byte(today()), []byte(method), request} {
		h.Write(part)
		h.Write([]byte{0})
	}
	var k cacheKey
	h.Sum(k[:0])
	return k
}

// get returns the answer kept under a key, if there is one.
func (c *answerCache) get(key cacheKey) (keptAnswer, bool) {
	return c.answers.GetIfPresent(key)
}

// asksFor reports whether a selection set asks for the named field at its top level, directly or
// through fragments.
func asksFor(set ast.SelectionSet, name string) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == name {
				return true
			}
		case *ast.InlineFragment:
			if asksFor(s.SelectionSet, name) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && asksFor(s.Definition.SelectionSet, name) {
				return true
			}
		}
	}
	return false
}

// serve answers from the cache, or runs the query (once for all who ask at the same time), keeps a
// clean answer and sends it. run returns the answer's JSON and whether it is free of errors; an answer
// with errors is sent only to the request that ran it, never kept or shared.
func (c *answerCache) serve(ctx context.Context, w http.ResponseWriter, r *http.Request, key cacheKey, cost int, run func() ([]byte, bool)) {
	var failed []byte
	v, _, _ := c.running.Do(string(key[:]), func() (any, error) {
		select {
		case c.runs <- struct{}{}:
			defer func() { <-c.runs }()
		case <-ctx.Done(): // the client left, or its time ran out, while it waited: run fails at once
		}
		answer, clean := run()
		if !clean {
			failed = answer
			return nil, nil
		}
		gz := compress(answer)
		c.answers.Set(key, keptAnswer{gz: gz, cost: cost})
		return gz, nil
	})
	switch gz, _ := v.([]byte); {
	case failed != nil: // this request ran the query and it failed
		uncacheable(w)
		w.WriteHeader(http.StatusOK)
		w.Write(failed)
	case gz == nil: // another request ran it and it failed: run it for this one, without sharing
		answer, clean := run()
		if !clean {
			uncacheable(w)
		}
		w.WriteHeader(http.StatusOK)
		w.Write(answer)
	default:
		writeGzipped(w, r, "MISS", gz)
	}
}

// writeGzipped sends a compressed answer as it is to a client that accepts gzip, and unpacks it for
// one that does not.
func writeGzipped(w http.ResponseWriter, r *http.Request, status string, gz []byte) {
	h := w.Header()
	if !slices.Contains(h.Values("Vary"), "Accept-Encoding") {
		h.Add("Vary", "Accept-Encoding")
	}
	h.Set("X-Cache", status)
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", strconv.Itoa(len(gz)))
		w.WriteHeader(http.StatusOK)
		w.Write(gz)
		return
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil { // cannot happen: the cache holds only what compress wrote
		panic(err)
	}
	w.WriteHeader(http.StatusOK)
	io.Copy(w, zr)
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
