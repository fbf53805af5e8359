package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

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

// handleDatasetJSONLD serves a DCAT-AP description of the data set, for national data portals to
// harvest: what it is, who publishes it, its licence, when it changed, and where to download it.
func handleDatasetJSONLD(logger *slog.Logger, db *store.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := db.Catalog(r.Context())
		if err != nil {
			logger.ErrorContext(r.Context(), "dataset description failed", "request_id", graph.RequestID(r.Context()), "err", err)
			internalError(w, r)
			return
		}
		base := baseURL(r)
		info := c.Info
		var distributions []any
		for _, f := range export.Files() {
			url := base + "/export/" + f.Name()
			if q := f.Query(); q != "" {
				url += "?" + q
			}
			distributions = append(distributions, map[string]any{
				"@id":              url,
				"@type":            "dcat:Distribution",
				"dct:title":        map[string]any{"@value": f.Title("en"), "@language": "en"},
				"dcat:accessURL":   map[string]any{"@id": url},
				"dcat:downloadURL": map[string]any{"@id": url},
				"dcat:mediaType":   map[string]any{"@id": "https://www.iana.org/assignments/media-types/" + strings.SplitN(f.ContentType(), ";", 2)[0]},
				"dct:license":      map[string]any{"@id": info.LicenseURL},
			})
		}
		doc := map[string]any{
			"@context": map[string]any{
				"dcat": "http://www.w3.org/ns/dcat#",
				"dct":  "http://purl.org/dc/terms/",
				"foaf": "http://xmlns.com/foaf/0.1/",
				"owl":  "http://www.w3.org/2002/07/owl#",
				"xsd":  "http://www.w3.org/2001/XMLSchema#",
			},
			"@id":               base + "/dataset.jsonld#dataset",
			"@type":             "dcat:Dataset",
			"dct:title":         map[string]any{"@value": info.Title, "@language": "sv"},
			"dct:description":   map[string]any{"@value": info.Description, "@language": "sv"},
			"dct:publisher":     map[string]any{"@type": "foaf:Agent", "foaf:name": info.Publisher},
			"dct:license":       map[string]any{"@id": info.LicenseURL},
			"dct:modified":      map[string]any{"@value": info.UpdatedAt.UTC().Format(time.RFC3339), "@type": "xsd:dateTime"},
			"owl:versionInfo":   strconv.FormatInt(info.Version, 10),
			"dct:spatial":       map[string]any{"@id": "https://www.scb.se/kommunkod/0183", "dct:title": "Sundbyberg"},
			"dcat:theme":        map[string]any{"@id": "http://publications.europa.eu/resource/authority/data-theme/EDUC"},
			"dcat:keyword":      []string{"vuxenutbildning", "SFI", "auktorisation", "utförare", "samordningsförbund", "Sundbyberg"},
			"dcat:landingPage":  map[string]any{"@id": base + "/"},
			"dcat:distribution": distributions,
		}
		w.Header().Set("Content-Type", "application/ld+json; charset=utf-8")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		enc.Encode(doc)
	})
}

// baseURL is the address clients reached this server at, for links in documents.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
