package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jamforelse/api/export"
	"github.com/jamforelse/api/graph"
	"github.com/jamforelse/api/store"
)

// handleExport serves GET /export/{table}.{csv|ndjson}: a whole table, streamed.
func handleExport(logger *slog.Logger, db *store.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ext, _ := strings.Cut(r.PathValue("file"), ".")
		format := export.Format(ext)
		if format != export.CSV && format != export.NDJSON {
			http.Error(w, "not found: files are /export/TABLE.csv or /export/TABLE.ndjson, with TABLE one of "+strings.Join(export.Tables(), ", "), http.StatusNotFound)
			return
		}
		c, err := db.Catalog(r.Context())
		if err != nil {
			internalError(w, r, logger, err)
			return
		}
		if !needsBody(w, r, c.Info.Version, r.URL.Path) {
			return
		}
		h := w.Header()
		h.Set("Content-Type", format.ContentType())
		h.Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", name+"."+ext))
		h.Add("Link", fmt.Sprintf("<%s>; rel=\"license\"", c.Info.LicenseURL))
		h.Add("Link", "</dataset.jsonld>; rel=\"describedby\"")
		err = export.Write(r.Context(), w, db, c, name, format)
		switch {
		case errors.Is(err, store.ErrNotFound):
			h.Del("Content-Disposition")
			http.Error(w, "not found: tables are "+strings.Join(export.Tables(), ", "), http.StatusNotFound)
		case err != nil:
			var rowErr *export.RowError
			if errors.As(err, &rowErr) && rowErr.Sent > 0 {
				// Part of the file is sent: abort the response, so the client sees a broken transfer,
				// not a file that ends cleanly short of its rows.
				logger.ErrorContext(r.Context(), "export failed part way", "path", r.URL.Path, "row", rowErr.Row, "id", rowErr.ID, "err", err)
				panic(http.ErrAbortHandler)
			}
			for _, k := range []string{"Content-Disposition", "Link", "ETag", "Cache-Control"} {
				h.Del(k)
			}
			internalError(w, r, logger, err)
		}
	})
}

// handleDatasetJSONLD serves a DCAT-AP description of the data set, for national data portals to
// harvest: what it is, who publishes it, its licence, when it changed, and where to download it.
func handleDatasetJSONLD(logger *slog.Logger, db *store.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := db.Catalog(r.Context())
		if err != nil {
			internalError(w, r, logger, err)
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

// cacheGraphQLGets lets browsers and caches keep answers to GET /graphql: the ETag is derived from the
// data version and the request, so it changes exactly when the answer could, and a conditional request
// for an unchanged answer gets 304 without running the query.
func cacheGraphQLGets(logger *slog.Logger, db *store.DB, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		c, err := db.Catalog(r.Context())
		if err != nil {
			internalError(w, r, logger, err)
			return
		}
		// The GraphQL handler drops these headers again from an answer with errors. Accept-Encoding is
		// part of the ETag: a gzipped answer (see graph's answer cache) is another representation.
		w.Header().Add("Vary", "Accept-Encoding")
		if needsBody(w, r, c.Info.Version, r.URL.RawQuery, r.Header.Get("Accept"), r.Header.Get("Accept-Encoding")) {
			next.ServeHTTP(w, r.WithContext(graph.WithCatalog(r.Context(), c)))
		}
	})
}

// needsBody sets ETag and Cache-Control for an answer that depends only on the data version and
// parts, and answers 304 (returning false) when the client already holds it.
func needsBody(w http.ResponseWriter, r *http.Request, version int64, parts ...string) bool {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	etag := fmt.Sprintf(`"v%d-%s"`, version, hex.EncodeToString(sum[:8]))
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age=60")
	h.Add("Vary", "Accept")
	for _, candidate := range strings.Split(r.Header.Get("If-None-Match"), ",") {
		if c := strings.TrimSpace(candidate); c == etag || c == "W/"+etag || c == "*" {
			w.WriteHeader(http.StatusNotModified)
			return false
		}
	}
	return true
}

// baseURL is the address clients reached this server at, for links in documents.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// internalError logs the cause and tells the client only that something went wrong.
func internalError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	logger.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}
