package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jamforelse/api/dcat"
	"github.com/jamforelse/api/export"
	"github.com/jamforelse/api/graph"
	"github.com/jamforelse/api/store"
)

// rowsPerPoint is how many rows of a download cost one point: a streamed row costs the server far
// less than an object of a GraphQL answer, and the whole national set of observations (1.44 million
// rows) costs 14,400 points, half a minute's default budget.
const rowsPerPoint = 100

// handleExport serves GET /export/{table}.{csv|xlsx|ndjson}, with ?dialect=excel-sv for CSV that
// Swedish Excel opens as it is, and filters (serviceArea, municipality, metric, period) where the
// table takes them: the rows, streamed, read in one snapshot. Its ETag is the data version and the
// URL, and a client holding it gets 304 at no cost. A download is charged one point before it starts
// and, once sent, one for every hundred rows (rowsPerPoint), told in trailers.
func handleExport(logger *slog.Logger, db *store.DB, limiter *limiter, maxAge time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		file, f, problem := exportRequest(r)
		if problem != "" {
			refuse(w, http.StatusBadRequest, problem)
			return
		}
		if !slices.Contains(export.Tables(), file.Table) || file.Format != export.CSV && file.Format != export.XLSX && file.Format != export.NDJSON {
			writeError(w, http.StatusNotFound, "not found: files are /export/TABLE.csv, TABLE.xlsx or TABLE.ndjson, with TABLE one of "+
				strings.Join(export.Tables(), ", "), map[string]any{"code": graph.CodeNotFound})
			return
		}
		ctx, end := db.BeginRead(r.Context())
		defer end()
		c, err := db.Catalog(ctx)
		if err != nil {
			logger.ErrorContext(ctx, "export failed", "request_id", graph.RequestID(ctx), "path", r.URL.Path, "err", err)
			internalError(w, r)
			return
		}
		if notModified(w, r, maxAge, etagOf(c.Info.Version, r.URL.Path, exportQuery(file, f))) {
			return
		}
		acct := limiter.account(w, r)
		if _, err := acct.charge(1); err != nil {
			writeRateLimited(w, err)
			return
		}
		h := w.Header()
		h.Set("Content-Type", file.ContentType())
		disposition := "attachment"
		if file.Format == export.NDJSON {
			disposition = "inline"
		}
		h.Set("Content-Disposition", fmt.Sprintf("%s; filename=%q", disposition, file.Name()))
		h.Add("Link", fmt.Sprintf("<%s>; rel=\"license\"", c.Info.LicenseURL))
		h.Add("Link", "</dataset.rdf>; rel=\"describedby\"")
		// What the rows cost is known once they are sent: it follows in trailers (which also makes the
		// body chunked, however short).
		h.Set("Trailer", "X-Query-Cost, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset")
		rows, err := export.Write(ctx, w, db, c, file, f)
		var rowErr *export.RowError
		var input *store.InputError
		switch {
		case err == nil:
			acct.sent = true
			acct.settle(max(1, (rows+rowsPerPoint-1)/rowsPerPoint))
		case errors.As(err, &rowErr) && rowErr.Sent > 0:
			// Part of the file is sent: abort the response, so the client sees a broken transfer,
			// not a file that ends cleanly short of its rows.
			logger.ErrorContext(ctx, "export failed part way", "request_id", graph.RequestID(ctx), "path", r.URL.Path,
				"row", rowErr.Row, "id", rowErr.ID, "err", err)
			panic(http.ErrAbortHandler)
		case errors.As(err, &input): // nothing is sent yet: a filter, or more rows than a workbook holds
			h.Del("Content-Disposition")
			h.Del("Link")
			h.Set("Content-Type", mediaJSON+"; charset=utf-8")
			refuse(w, http.StatusBadRequest, input.Msg)
		default: // nothing is sent yet: a plain error, which no cache keeps (internalError makes it private)
			logger.ErrorContext(ctx, "export failed", "request_id", graph.RequestID(ctx), "path", r.URL.Path, "err", err)
			h.Del("Content-Disposition")
			h.Del("Link")
			internalError(w, r)
		}
	})
}

// exportRequest reads which file a request asks for and its filters; problem says what is wrong
// with the query string, if anything.
func exportRequest(r *http.Request) (file export.File, f export.Filter, problem string) {
	name, ext, _ := strings.Cut(r.PathValue("file"), ".")
	file = export.File{Table: name, Format: export.Format(ext)}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return file, f, "the URL's query string is malformed"
	}
	fields := map[string]*string{"serviceArea": &f.ServiceArea, "municipality": &f.Municipality, "metric": &f.Metric, "period": &f.Period}
	for key, values := range q {
		switch target, ok := fields[key]; {
		case len(values) != 1:
			return file, f, fmt.Sprintf("%s is given %d times; give it once", key, len(values))
		case ok:
			*target = values[0]
		case key == "dialect" && file.Format == export.CSV && values[0] == string(export.ExcelSV):
			file.Dialect = export.ExcelSV
		case key == "dialect":
			return file, f, fmt.Sprintf("dialect %q: CSV files take dialect=%s (semicolons, decimal commas and a byte-order mark, for Excel in Swedish), or none", values[0], export.ExcelSV)
		default:
			return file, f, fmt.Sprintf("unknown parameter %q: downloads take dialect (CSV only) and the filters serviceArea, municipality, metric and period", key)
		}
	}
	return file, f, ""
}

// exportQuery is the file and filters in one canonical form, for the ETag: the same download asked for
// with its parameters in another order is the same file.
func exportQuery(file export.File, f export.Filter) string {
	return strings.Join([]string{file.Query(), f.ServiceArea, f.Municipality, f.Metric, f.Period}, "\x00")
}

// Media types of the data set's description.
const (
	mediaRDFXML = "application/rdf+xml"
	mediaTurtle = "text/turtle"
	mediaJSONLD = "application/ld+json"
)

// describer writes the data set's description (package dcat) for data portals, one RDF graph in the
// syntax asked for. What the figures cover (their places and span of days) is read once per data
// version: reading it scans every observation.
type describer struct {
	logger *slog.Logger
	db     *store.DB
	base   string // the public URL every IRI starts with
	maxAge time.Duration

	mu       sync.Mutex
	version  int64
	coverage store.Coverage
}

func (d *describer) coverageOf(ctx context.Context, version int64) (store.Coverage, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.version == version && d.coverage.Places != nil {
		return d.coverage, nil
	}
	cov, err := d.db.Coverage(ctx)
	if err != nil {
		return cov, err
	}
	d.version, d.coverage = version, cov
	return cov, nil
}

// handle serves the description in media, or, when media is "", in the syntax the Accept header
// prefers (RDF/XML when it says nothing). It costs datasetCost points; a client holding it is told
// 304 at no cost.
func (d *describer) handle(limiter *limiter, syntax string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		media := syntax
		if media == "" {
			h.Add("Vary", "Accept")
			var ok bool
			if media, ok = rdfMediaType(r.Header.Get("Accept")); !ok {
				refuse(w, http.StatusNotAcceptable, "the description is "+mediaRDFXML+", "+mediaTurtle+" or "+mediaJSONLD+"; the Accept header allows none")
				return
			}
		}
		ctx, end := d.db.BeginRead(r.Context())
		defer end()
		c, err := d.db.Catalog(ctx)
		if err != nil {
			d.logger.ErrorContext(ctx, "dataset description failed", "request_id", graph.RequestID(ctx), "err", err)
			internalError(w, r)
			return
		}
		if notModified(w, r, d.maxAge, etagOf(c.Info.Version, "dataset", media)) {
			return
		}
		if _, err := limiter.account(w, r).charge(datasetCost); err != nil {
			writeRateLimited(w, err)
			return
		}
		cov, err := d.coverageOf(ctx, c.Info.Version)
		if err != nil {
			d.logger.ErrorContext(ctx, "dataset description failed", "request_id", graph.RequestID(ctx), "err", err)
			internalError(w, r)
			return
		}
		g := dcat.Catalogue(d.base, c.Info, cov, c)
		var b bytes.Buffer
		switch media {
		case mediaTurtle:
			err = g.Turtle(&b)
		case mediaJSONLD:
			err = g.JSONLD(&b)
		default:
			err = g.RDFXML(&b)
		}
		if err != nil {
			d.logger.ErrorContext(ctx, "dataset description failed", "request_id", graph.RequestID(ctx), "err", err)
			internalError(w, r)
			return
		}
		h.Set("Content-Type", media+"; charset=utf-8")
		h.Add("Link", fmt.Sprintf("<%s>; rel=\"license\"", c.Info.LicenseURL))
		w.Write(b.Bytes())
	})
}

// rdfMediaType picks the syntax an Accept header asks for: the first it names of RDF/XML, Turtle and
// JSON-LD, or RDF/XML for anything else it allows (*/*, or no header).
func rdfMediaType(accept string) (string, bool) {
	if strings.TrimSpace(accept) == "" {
		return mediaRDFXML, true
	}
	for _, part := range strings.Split(accept, ",") {
		media, params, _ := mime.ParseMediaType(strings.TrimSpace(part))
		if params["q"] == "0" {
			continue
		}
		switch media {
		case mediaRDFXML, mediaTurtle, mediaJSONLD:
			return media, true
		case "application/*", "text/*", "*/*", "application/xml", "text/xml":
			if media == "text/*" {
				return mediaTurtle, true
			}
			return mediaRDFXML, true
		}
	}
	return "", false
}
