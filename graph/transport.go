package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/jamforelse/api/store"
)

// Codes of refusals made before a query runs.
const (
	CodeQueryTooComplex = "QUERY_TOO_COMPLEX"
	CodeRateLimited     = "RATE_LIMITED"
)

const (
	mediaGraphQLResponse = "application/graphql-response+json"
	mediaJSON            = "application/json"
)

// httpTransport serves GraphQL over HTTP as the GraphQL-over-HTTP specification describes it: POST
// with a JSON body, or GET with the query in the URL for queries only; answers in
// application/graphql-response+json when the client accepts it, else application/json; request errors
// (a malformed body, a query that does not parse or validate, a missing operation) without a data
// entry. Before a query runs it is measured and priced (see measure) and charged to the client's
// bucket; too large a query, or a client out of points, is refused without running.
type httpTransport struct {
	db      *store.DB
	answers *answerCache // nil: every query runs
	limits  Limits
	limiter *Limiter
	maxBody int64
	timeout time.Duration
}

func (httpTransport) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") == "" }

func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	media, ok := responseMediaType(r.Header.Get("Accept"))
	if !ok {
		w.Header().Set("Content-Type", mediaJSON)
		writeErrors(w, http.StatusNotAcceptable, "answers are "+mediaGraphQLResponse+" or "+mediaJSON+"; the Accept header allows neither")
		return
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	// A request error is 400 in the specification's own media type, and 200 in plain JSON, where
	// older clients expect it.
	requestError := func(errs gqlerror.List) {
		status := http.StatusOK
		if media == mediaGraphQLResponse {
			status = http.StatusBadRequest
		}
		resp := exec.DispatchError(ctx, errs)
		writeJSON(w, status, map[string]any{"errors": resp.Errors})
	}

	raw, status, msg := t.readRequest(w, r)
	if status != 0 {
		writeErrors(w, status, msg)
		return
	}
	// Public answers are kept under the bytes of the request that asked (see answerCache), so an answer
	// already kept is sent without decoding, parsing or measuring the request again.
	var key cacheKey
	keep := t.answers != nil && r.Header.Get("Authorization") == ""
	if keep {
		// The answer is kept under the data version it is read from, so the request runs on the
		// catalog of that version.
		c, _ := ctx.Value(loadedKey{}).(*store.Catalog)
		if c == nil {
			var err error
			if c, err = t.db.Catalog(ctx); err != nil {
				writeJSON(w, http.StatusOK, exec.DispatchError(ctx, gqlerror.List{gqlerror.WrapPath(nil, err)}))
				return
			}
			ctx = WithCatalog(ctx, c)
		}
		key = t.answers.key(r.Method, raw, c.Info.Version)
		if kept, ok := t.answers.get(key); ok {
			if _, ok := t.charge(ctx, w, r, exec, kept.cost); ok {
				writeGzipped(w, r, "HIT", kept.gz)
			}
			return
		}
	}

	params, status, msg := decodeParams(r.Method, raw)
	if status != 0 {
		writeErrors(w, status, msg)
		return
	}
	params.Headers = r.Header
	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		requestError(errs)
		return
	}
	ctx = graphql.WithOperationContext(ctx, rc)
	if r.Method == http.MethodGet && rc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		writeErrors(w, http.StatusMethodNotAllowed, "GET may only run queries; send a "+string(rc.Operation.Operation)+" with POST")
		return
	}

	cost := measure(rc.Doc, rc.Operation, rc.Variables)
	if problem := t.limits.check(cost); problem != "" {
		requestError(gqlerror.List{{Message: problem, Extensions: map[string]any{"code": CodeQueryTooComplex, "cost": cost.Cost}}})
		return
	}
	quota, ok := t.charge(ctx, w, r, exec, cost.Cost)
	if !ok {
		return
	}
	ctx = context.WithValue(ctx, quotaKey{}, &quota)
	// The time limit reaches SQLite too: a statement still running when it passes is interrupted.
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()

	// Only answers that are the same for everyone are kept: those to queries (not mutations) that do
	// not ask for the client's own rate limit.
	if keep && rc.Operation.Operation == ast.Query && !asksFor(rc.Operation.SelectionSet, "rateLimit") {
		t.answers.serve(ctx, w, r, key, cost.Cost, func() ([]byte, bool) {
			responses, ctx := exec.DispatchOperation(ctx, rc)
			resp := responses(ctx)
			answer, ok := marshalJSON(resp)
			return answer, ok && len(resp.Errors) == 0 // an internal error is never kept
		})
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeJSON(w, http.StatusOK, responses(ctx))
}

// charge takes a query's cost from the client's points and says so in the answer's headers. A client
// out of points is answered 429 (and false).
func (t httpTransport) charge(ctx context.Context, w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, cost int) (Quota, bool) {
	quota, ok := t.limiter.Take(clientKey(r), cost, time.Now())
	setQuotaHeaders(w.Header(), quota)
	if !ok {
		seconds := int(math.Ceil(quota.RetryIn.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(seconds))
		resp := exec.DispatchError(ctx, gqlerror.List{{
			Message:    fmt.Sprintf("rate limit: this query costs %d points and %d are left of %d a minute; try again in %d s", quota.Cost, quota.Remaining, quota.Limit, seconds),
			Extensions: map[string]any{"code": CodeRateLimited, "retryAfter": seconds},
		}})
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"errors": resp.Errors})
	}
	return quota, ok
}

// uncacheable keeps an answer with errors out of every cache: only a clean answer may be reused.
func uncacheable(w http.ResponseWriter) {
	w.Header().Del("ETag")
	w.Header().Set("Cache-Control", "no-store")
}

// readRequest reads what a request sends: the URL's query string of a GET, the JSON body of a POST. A
// nonzero status means the request cannot be read, and says why.
func (t httpTransport) readRequest(w http.ResponseWriter, r *http.Request) ([]byte, int, string) {
	switch r.Method {
	case http.MethodGet:
		return []byte(r.URL.RawQuery), 0, ""
	case http.MethodPost:
		media, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if media != mediaJSON {
			// Not form-encoded or text/plain bodies: a plain HTML form on another site could send those.
			return nil, http.StatusUnsupportedMediaType, "send the request as JSON, with Content-Type: application/json"
		}
		if r.ContentLength > t.maxBody {
			return nil, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", t.maxBody)
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, t.maxBody))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			return nil, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", t.maxBody)
		case err != nil:
			return nil, http.StatusBadRequest, "the body could not be read"
		}
		return body, 0, ""
	default:
		w.Header().Set("Allow", "GET, POST")
		return nil, http.StatusMethodNotAllowed, "use GET for queries, or POST"
	}
}

// decodeParams reads the query, variables, operation name and extensions from what readRequest read. A
// nonzero status means they cannot be read, and says why.
func decodeParams(method string, raw []byte) (*graphql.RawParams, int, string) {
	params := &graphql.RawParams{}
	params.ReadTime.Start = graphql.Now()
	defer func() { params.ReadTime.End = graphql.Now() }()
	if method == http.MethodGet {
		q, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, http.StatusBadRequest, "the URL's query string is malformed"
		}
		params.Query, params.OperationName = q.Get("query"), q.Get("operationName")
		for name, into := range map[string]any{"variables": &params.Variables, "extensions": &params.Extensions} {
			if v := q.Get(name); v != "" {
				if err := decodeJSON(strings.NewReader(v), into); err != nil {
					return nil, http.StatusBadRequest, name + " must be a JSON object"
				}
			}
		}
	} else {
		trimmed := bytes.TrimSpace(raw)
		if bytes.HasPrefix(trimmed, []byte("[")) {
			return nil, http.StatusBadRequest, "batches are not supported: send one operation per request"
		}
		if err := decodeJSON(bytes.NewReader(trimmed), params); err != nil {
			return nil, http.StatusBadRequest, `the body must be a JSON object such as {"query": "{ dataset { title } }"}`
		}
	}
	if params.Query == "" && params.Extensions["persistedQuery"] == nil {
		return nil, http.StatusBadRequest, "no query: send it as \"query\""
	}
	return params, 0, ""
}

// check says what limit a query's cost breaks, if any.
func (l Limits) check(c Cost) string {
	switch {
	case c.Depth > l.MaxDepth:
		return fmt.Sprintf("the query nests %d deep; at most %d is allowed", c.Depth, l.MaxDepth)
	case c.Aliases > l.MaxAliases:
		return fmt.Sprintf("the query has %d aliases; at most %d are allowed", c.Aliases, l.MaxAliases)
	case c.Fields > l.MaxFields:
		return fmt.Sprintf("the query asks for %d fields (counting each use of a fragment); at most %d are allowed", c.Fields, l.MaxFields)
	case c.Cost > l.MaxCost:
		return fmt.Sprintf("the query could return about %d objects; at most %d are allowed: ask for smaller pages (first, last)", c.Cost, l.MaxCost)
	}
	return ""
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

// clientKey is whom a request is charged to: its token's name, or its address.
func clientKey(r *http.Request) string {
	if token, _ := r.Context().Value(tokenKey{}).(*store.Token); token != nil {
		return "token:" + token.Name
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "address:" + host
}

func setQuotaHeaders(h http.Header, q Quota) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(q.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(q.Remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(q.ResetAt.Unix(), 10))
	h.Set("X-Query-Cost", strconv.Itoa(q.Cost))
}

// quotaKey marks a request's quota in its context, for the rateLimit field.
type quotaKey struct{}

func decodeJSON(r io.Reader, into any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(into); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// writeJSON writes an answer; one with errors, or with a status other than 200, is never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, ok := marshalJSON(v)
	if !ok {
		status = http.StatusInternalServerError
	}
	if resp, ok := v.(*graphql.Response); status != http.StatusOK || !ok || len(resp.Errors) > 0 {
		uncacheable(w)
	}
	w.WriteHeader(status)
	w.Write(b)
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

// writeErrors answers a request that could not be read, with a status and one message.
func writeErrors(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]any{"errors": []map[string]any{{"message": message, "extensions": map[string]any{"code": CodeBadUserInput}}}})
}
