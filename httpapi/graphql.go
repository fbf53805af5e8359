package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/jamforelse/api/graph"
	"github.com/jamforelse/api/store"
)

const (
	mediaGraphQLResponse = "application/graphql-response+json"
	mediaJSON            = "application/json"
)

// graphqlHandler serves GraphQL over HTTP as the GraphQL-over-HTTP specification describes it: POST
// with a JSON body, or GET with the query in the URL for queries only; answers in
// application/graphql-response+json when the client accepts it, else application/json; request errors
// (a malformed body, a query that does not parse or validate, a missing operation) without a data
// entry. graph's executor measures and prices each operation before it runs and charges it through the
// request's meter; a query runs in one read snapshot of the store, so its answer shows one state of the
// data.
type graphqlHandler struct {
	db      *store.DB
	exec    *executor.Executor
	answers *answerCache // nil: none are kept
	runs    computeSlots // for public answers computed, kept or not
	limiter *limiter
	maxBody int64
	timeout time.Duration
	maxAge  time.Duration
}

func newGraphQLHandler(logger *slog.Logger, db *store.DB, limiter *limiter, opts Options) *graphqlHandler {
	runs := newComputeSlots()
	return &graphqlHandler{
		db:      db,
		exec:    graph.NewExecutor(db, logger, graph.Options{Limits: opts.Limits, ReadOnly: opts.ReadOnly, PublicURL: opts.PublicURL}),
		answers: newAnswerCache(opts.CacheSize, runs),
		runs:    runs,
		limiter: limiter,
		maxBody: opts.MaxBody,
		timeout: opts.Timeout,
		maxAge:  opts.MaxAge,
	}
}

func (g *graphqlHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// The only request headers any answer here depends on: every cache between must keep them apart.
	h.Set("Vary", "Accept, Accept-Encoding, Authorization")
	media, ok := responseMediaType(r.Header.Get("Accept"))
	if !ok {
		refuse(w, http.StatusNotAcceptable, "answers are "+mediaGraphQLResponse+" or "+mediaJSON+"; the Accept header allows neither")
		return
	}
	h.Set("Content-Type", media+"; charset=utf-8")
	raw, status, msg := g.readRequest(w, r)
	if status != 0 {
		refuse(w, status, msg)
		return
	}
	// The time limit reaches SQLite too: a statement still running when it passes is interrupted.
	ctx, cancel := context.WithTimeout(r.Context(), g.timeout)
	defer cancel()
	if g.unchanged(ctx, w, r, raw) {
		return
	}
	acct := g.limiter.account(w, r)
	if g.serveKept(ctx, w, r, raw, acct) {
		return
	}

	params, ok := g.params(w, r, raw)
	if !ok {
		return
	}
	ctx = graph.WithMeter(graphql.StartOperationTrace(ctx), acct.charge)
	rc, errs := g.exec.CreateOperationContext(ctx, params)
	if rc.Operation != nil { // found, even if then refused (its variables, its price)
		noteOperation(ctx, rc.Operation.Name)
	}
	if errs != nil {
		g.requestError(ctx, w, media, errs)
		return
	}
	if rc.Operation.Operation != ast.Query { // its reads see its own writes: no snapshot
		resp := g.execute(ctx, rc)
		if len(resp.Errors) == 0 {
			acct.settle(graph.Returned(resp.Data))
		}
		writeAnswer(w, resp)
		return
	}
	g.serveQuery(ctx, w, r, raw, rc, acct)
}

// unchanged answers 304 Not Modified, at no cost, to a GET whose If-None-Match names the answer it
// would get: the ETag is known from the request before the query is read (see writePublic).
func (g *graphqlHandler) unchanged(ctx context.Context, w http.ResponseWriter, r *http.Request, raw []byte) bool {
	if r.Method != http.MethodGet || r.Header.Get("If-None-Match") == "" || !mayBePublic(r) {
		return false
	}
	c, err := g.db.Catalog(ctx)
	if err != nil {
		return false
	}
	encoding := "identity"
	if g.answers != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		encoding = "gzip" // a kept answer is gzipped
	}
	key := keyOf(c.Info.Version, graph.Today(), r.Method, raw)
	return notModified(w, r, g.maxAge, answerETag(c.Info.Version, key, encoding, w.Header().Get("Content-Type")))
}

// params decodes a request for gqlgen, or answers it and reports false. A mutation sent over GET or
// without a valid token is refused before its variables are decoded: they can be a megabyte of
// figures, and decoding them costs far more than the refusal.
func (g *graphqlHandler) params(w http.ResponseWriter, r *http.Request, raw []byte) (*graphql.RawParams, bool) {
	req, status, msg := decodeRequest(r.Method, raw)
	if status != 0 {
		refuse(w, status, msg)
		return nil, false
	}
	kind := operationKind(req.Query, req.OperationName)
	switch {
	case kind != ast.Query && kind != "" && r.Method == http.MethodGet:
		w.Header().Set("Allow", http.MethodPost)
		refuse(w, http.StatusMethodNotAllowed, "GET may only run queries; send a "+string(kind)+" with POST")
		return nil, false
	case kind == ast.Mutation && graph.TokenOf(r.Context()) == nil:
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeError(w, http.StatusUnauthorized, graph.UnauthenticatedMessage, map[string]any{"code": graph.CodeUnauthenticated})
		return nil, false
	}
	// A text that names no operation it could run (it does not parse, or lacks the one named) is
	// refused by gqlgen before the variables matter; one sent as a persisted query's hash alone is a
	// query (graph keeps no other).
	params, status, msg := req.params(kind != "" || req.Query == "")
	if status != 0 {
		refuse(w, status, msg)
		return nil, false
	}
	params.Headers = r.Header
	return params, true
}

// serveKept answers from the answer cache, if it holds the answer to these bytes, without decoding,
// parsing or measuring them; the reader is charged what the query cost when it ran. The data version
// is the store's, read from the file at most 100 ms ago (see store.versionTTL).
func (g *graphqlHandler) serveKept(ctx context.Context, w http.ResponseWriter, r *http.Request, raw []byte, acct *account) bool {
	if g.answers == nil || !mayBePublic(r) {
		return false
	}
	c, err := g.db.Catalog(ctx)
	if err != nil {
		return false // the query will fail too, and say so
	}
	key := keyOf(c.Info.Version, graph.Today(), r.Method, raw)
	kept, ok := g.answers.get(key)
	if !ok {
		return false
	}
	noteOperation(ctx, kept.operation)
	if _, err := acct.charge(kept.cost); err != nil {
		writeRateLimited(w, err)
		return true
	}
	w.Header().Set("X-Cache", "HIT")
	writePublic(w, r, key, c.Info.Version, g.maxAge, kept.gz, true)
	return true
}

// serveQuery runs a query in one read snapshot, and keeps its answer when it is public. The query was
// charged the most objects it could return; once it has run without errors, the charge becomes what
// it returned.
func (g *graphqlHandler) serveQuery(ctx context.Context, w http.ResponseWriter, r *http.Request, raw []byte, rc *graphql.OperationContext, acct *account) {
	ctx, end := g.db.BeginRead(ctx)
	defer end()
	var c *store.Catalog
	if public(r, rc.Operation) {
		c, _ = g.db.Catalog(ctx) // the version the snapshot reads, and so the answer shows; nil if it fails
	}
	if c == nil {
		resp := g.execute(ctx, rc)
		end() // before the answer is written: who reads it finds the connection free
		if len(resp.Errors) == 0 {
			acct.settle(graph.Returned(resp.Data))
		}
		writeAnswer(w, resp)
		return
	}
	run := func() ([]byte, int, bool) {
		resp := g.execute(ctx, rc)
		body, ok := marshalJSON(resp)
		return body, graph.Returned(resp.Data), ok && len(resp.Errors) == 0
	}
	key := keyOf(c.Info.Version, graph.Today(), r.Method, raw)
	var answer []byte
	var cost int
	var gzipped, clean bool
	if g.answers == nil {
		answer, cost, clean = g.runs.run(ctx, run)
	} else {
		answer, cost, gzipped, clean = g.answers.fill(ctx, key, rc.Operation.Name, run)
	}
	end()
	if !clean {
		writeBody(w, http.StatusOK, answer)
		return
	}
	acct.settle(cost)
	if g.answers != nil {
		w.Header().Set("X-Cache", "MISS")
	}
	writePublic(w, r, key, c.Info.Version, g.maxAge, answer, gzipped)
}

// execute runs an operation and returns its answer.
func (g *graphqlHandler) execute(ctx context.Context, rc *graphql.OperationContext) *graphql.Response {
	responses, ctx := g.exec.DispatchOperation(ctx, rc)
	if resp := responses(ctx); resp != nil {
		return resp
	}
	// gqlgen answers nothing when the context is done before the operation starts: its time ran out
	// (a TIMEOUT error) or its client left.
	return g.exec.DispatchError(ctx, gqlerror.List{gqlerror.WrapPath(nil, ctx.Err())})
}

// requestError answers a request that gqlgen refused before running it: 429 for a client out of points,
// and otherwise 400 in the specification's own media type, or 200 in plain JSON, where older clients
// expect it.
func (g *graphqlHandler) requestError(ctx context.Context, w http.ResponseWriter, media string, errs gqlerror.List) {
	for _, err := range errs {
		if limited := (*graph.RateLimitedError)(nil); errors.As(err, &limited) {
			writeRateLimited(w, limited)
			return
		}
	}
	status := http.StatusOK
	if media == mediaGraphQLResponse {
		status = http.StatusBadRequest
	}
	resp := g.exec.DispatchError(ctx, errs)
	writeJSON(w, status, map[string]any{"errors": resp.Errors})
}

// operationKind reads which kind of operation a request asks to run from its text alone, the way
// gqlgen will find it, or "" when the text does not say: it is empty (a persisted query sent by its
// hash), or it does not parse, or it has no operation of that name.
func operationKind(query, name string) ast.Operation {
	if query == "" {
		return ""
	}
	// An operation is a mutation or a subscription only if its text says so.
	if !strings.Contains(query, "mutation") && !strings.Contains(query, "subscription") {
		return ast.Query
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, graph.ParserTokenLimit)
	if err != nil {
		return ""
	}
	op := doc.Operations.ForName(name)
	if op == nil {
		return ""
	}
	return op.Operation
}

// readRequest reads what a request sends: the URL's query string of a GET, the JSON body of a POST. A
// nonzero status means the request cannot be read, and says why.
func (g *graphqlHandler) readRequest(w http.ResponseWriter, r *http.Request) ([]byte, int, string) {
	switch r.Method {
	case http.MethodGet:
		return []byte(r.URL.RawQuery), 0, ""
	case http.MethodPost:
		media, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if media != mediaJSON {
			// Not form-encoded or text/plain bodies: a plain HTML form on another site could send those.
			return nil, http.StatusUnsupportedMediaType, "send the request as JSON, with Content-Type: application/json"
		}
		if r.ContentLength > g.maxBody {
			return nil, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", g.maxBody)
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.maxBody))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			return nil, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", g.maxBody)
		case err != nil:
			return nil, http.StatusBadRequest, "the body could not be read"
		}
		return body, 0, ""
	default:
		w.Header().Set("Allow", "GET, POST")
		return nil, http.StatusMethodNotAllowed, "use GET for queries, or POST"
	}
}

// request is a GraphQL request as it arrives, its variables not yet decoded.
type request struct {
	Query         string          `json:"query"`
	OperationName string          `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    map[string]any  `json:"extensions"`
}

// decodeRequest reads the query, operation name, variables and extensions from what readRequest read.
// A nonzero status means they cannot be read, and says why.
func decodeRequest(method string, raw []byte) (request, int, string) {
	var req request
	if method == http.MethodGet {
		q, err := url.ParseQuery(string(raw))
		if err != nil {
			return req, http.StatusBadRequest, "the URL's query string is malformed"
		}
		req.Query, req.OperationName = q.Get("query"), q.Get("operationName")
		req.Variables = json.RawMessage(q.Get("variables"))
		if v := q.Get("extensions"); v != "" {
			if err := decodeJSON([]byte(v), &req.Extensions); err != nil {
				return req, http.StatusBadRequest, "extensions must be a JSON object"
			}
		}
	} else {
		trimmed := bytes.TrimSpace(raw)
		if bytes.HasPrefix(trimmed, []byte("[")) {
			return req, http.StatusBadRequest, "batches are not supported: send one operation per request"
		}
		if err := decodeJSON(trimmed, &req); err != nil {
			return req, http.StatusBadRequest, `the body must be a JSON object such as {"query": "{ dataset { title } }"}`
		}
	}
	if req.Query == "" && req.Extensions["persistedQuery"] == nil {
		return req, http.StatusBadRequest, "no query: send it as \"query\""
	}
	return req, 0, ""
}

// params are the request as gqlgen takes it, with its variables decoded if withVariables.
func (req request) params(withVariables bool) (*graphql.RawParams, int, string) {
	params := &graphql.RawParams{Query: req.Query, OperationName: req.OperationName, Extensions: req.Extensions}
	params.ReadTime.Start = graphql.Now()
	if withVariables && len(req.Variables) > 0 {
		if err := decodeJSON(req.Variables, &params.Variables); err != nil {
			return nil, http.StatusBadRequest, "variables must be a JSON object"
		}
	}
	params.ReadTime.End = graphql.Now()
	return params, 0, ""
}

// responseMediaType picks the answer's media type from the Accept header.
func responseMediaType(accept string) (string, bool) {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON, true
	}
	for _, part := range strings.Split(accept, ",") {
		media, _, _ := mime.ParseMediaType(strings.TrimSpace(part))
		switch media {
		case mediaGraphQLResponse:
			return mediaGraphQLResponse, true
		case mediaJSON, "application/*", "*/*":
			return mediaJSON, true
		}
	}
	return "", false
}

// decodeJSON reads one JSON value, numbers kept as written (json.Number), as gqlgen's own transports do.
func decodeJSON(b []byte, into any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(into); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// writeAnswer writes an answer for this caller only.
func writeAnswer(w http.ResponseWriter, resp *graphql.Response) {
	body, _ := marshalJSON(resp)
	writeBody(w, http.StatusOK, body)
}

// writeJSON writes any other JSON answer for this caller only, such as a refusal.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, ok := marshalJSON(v)
	if !ok {
		status = http.StatusInternalServerError
	}
	writeBody(w, status, body)
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	private(w.Header())
	w.WriteHeader(status)
	w.Write(body)
}

// marshalJSON encodes an answer, or, if it cannot be encoded, an internal error (and false).
func marshalJSON(v any) ([]byte, bool) {
	var b []byte
	var err error
	if resp, ok := v.(*graphql.Response); ok {
		b, err = marshalResponse(resp)
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		return []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`), false
	}
	return b, true
}

// marshalResponse encodes a GraphQL response as encoding/json does, fields in the same order, except
// that the data, which gqlgen has already written as compact JSON, is copied as it is: encoding/json
// would read it through again to check and compact it (and escape <, > and & for HTML, which an
// application/json answer does not need), a tenth of the time of a large answer.
func marshalResponse(resp *graphql.Response) ([]byte, error) {
	b := []byte{'{'}
	if len(resp.Errors) > 0 {
		errs, err := json.Marshal(resp.Errors)
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, `"errors":`...), errs...), ',')
	}
	b = append(b, `"data":`...)
	if resp.Data == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, resp.Data...)
	}
	rest, err := json.Marshal(graphql.Response{Label: resp.Label, Path: resp.Path, HasNext: resp.HasNext, Extensions: resp.Extensions})
	if err != nil {
		return nil, err
	}
	// rest is {"data":null...}: everything after its data follows ours.
	return append(b, rest[len(`{"data":null`):]...), nil
}
