package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jamforelse/api/export"
	"github.com/jamforelse/api/graph"
	"github.com/jamforelse/api/store"
)

// handleExport serves GET /export/{table}.{csv|ndjson}: a whole table, streamed, read in one snapshot.
// Its ETag is the data version and the file's name.
func handleExport(logger *slog.Logger, db *store.DB, maxAge time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ext, _ := strings.Cut(r.PathValue("file"), ".")
		format := export.Format(ext)
		if format != export.CSV && format != export.NDJSON || !slices.Contains(export.Tables(), name) {
			http.Error(w, "not found: files are /export/TABLE.csv or /export/TABLE.ndjson, with TABLE one of "+strings.Join(export.Tables(), ", "), http.StatusNotFound)
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
		if notModified(w, r, maxAge, etagOf(c.Info.Version, r.URL.Path)) {
			return
		}
		h := w.Header()
		h.Set("Content-Type", format.ContentType())
		h.Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", name+"."+ext))
		h.Add("Link", fmt.Sprintf("<%s>; rel=\"license\"", c.Info.LicenseURL))
		h.Add("Link", "</dataset.jsonld>; rel=\"describedby\"")
		if err := export.Write(ctx, w, db, c, name, format); err != nil {
			var rowErr *export.RowError
			if errors.As(err, &rowErr) && rowErr.Sent > 0 {
				// Part of the file is sent: abort the response, so the client sees a broken transfer,
				// not a file that ends cleanly short of its rows.
				logger.ErrorContext(ctx, "export failed part way", "request_id", graph.RequestID(ctx), "path", r.URL.Path,
					"row", rowErr.Row, "id", rowErr.ID, "err", err)
				panic(http.ErrAbortHandler)
			}
			// Nothing is sent yet: a plain error, which no cache keeps (internalError makes it private).
			logger.ErrorContext(ctx, "export failed", "request_id", graph.RequestID(ctx), "path", r.URL.Path, "err", err)
			h.Del("Content-Disposition")
			h.Del("Link")
			internalError(w, r)
		}
	})
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
		for _, table := range export.Tables() {
			for _, f := range []export.Format{export.CSV, export.NDJSON} {
				url := base + "/export/" + table + "." + string(f)
				distributions = append(distributions, map[string]any{
					"@id":              url,
					"@type":            "dcat:Distribution",
					"dct:title":        map[string]any{"@value": table + " (" + strings.ToUpper(string(f)) + ")", "@language": "en"},
					"dcat:accessURL":   map[string]any{"@id": url},
					"dcat:downloadURL": map[string]any{"@id": url},
					"dcat:mediaType":   map[string]any{"@id": "https://www.iana.org/assignments/media-types/" + strings.SplitN(f.ContentType(), ";", 2)[0]},
					"dct:license":      map[string]any{"@id": info.LicenseURL},
				})
			}
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
