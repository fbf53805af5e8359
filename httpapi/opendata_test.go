package httpapi

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jamforelse/api/export"
	"github.com/jamforelse/api/seed/seedtest"
	"github.com/jamforelse/api/store"
)

// TestExportCSVParsesBackToTheSameValues: the observations CSV is RFC 4180 with a header row, and
// parsed with encoding/csv it holds exactly the figures the API gives, suppressed ones included as
// empty values.
func TestExportCSVParsesBackToTheSameValues(t *testing.T) {
	srv, _ := newTestServer(t, Options{CORSOrigins: []string{"*"}})
	resp, body := fetch(t, "GET", srv.URL+"/export/observations.csv", nil, "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv; charset=utf-8") {
		t.Fatalf("GET /export/observations.csv = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(resp.Header.Get("Link"), `rel="license"`) && !strings.Contains(strings.Join(resp.Header.Values("Link"), ","), `rel="license"`) {
		t.Errorf("the export does not name its licence: Link = %v", resp.Header.Values("Link"))
	}
	records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("encoding/csv cannot read the export: %v", err)
	}
	header := records[0]
	col := map[string]int{}
	for i, name := range header {
		col[name] = i
	}

	// The same figures through GraphQL.
	_, answer := fetch(t, "POST", srv.URL+"/graphql", map[string]string{"Content-Type": "application/json"},
		`{"query":"{ observations(first: 1000) { totalCount nodes { id value valueWomen sampleSize suppressed illustrative source { id } } } }"}`)
	var got struct {
		Data struct {
			Observations struct {
				TotalCount int
				Nodes      []struct {
					ID           string
					Value        *float64
					ValueWomen   *float64
					SampleSize   *int
					Suppressed   bool
					Illustrative bool
					Source       struct{ ID string }
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(answer), &got); err != nil {
		t.Fatal(err)
	}
	if len(records)-1 != got.Data.Observations.TotalCount {
		t.Fatalf("the CSV has %d rows, the API %d observations", len(records)-1, got.Data.Observations.TotalCount)
	}
	byID := map[string][]string{}
	for _, r := range records[1:] {
		byID[r[col["id"]]] = r
	}
	num := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	}
	suppressed := 0
	for _, o := range got.Data.Observations.Nodes {
		r := byID[o.ID]
		if r == nil {
			t.Errorf("%s is missing from the CSV", o.ID)
			continue
		}
		size := ""
		if o.SampleSize != nil {
			size = strconv.Itoa(*o.SampleSize)
		}
		want := []string{num(o.Value), num(o.ValueWomen), size, strconv.FormatBool(o.Suppressed), strconv.FormatBool(o.Illustrative), o.Source.ID}
		gotRow := []string{r[col["value"]], r[col["value_women"]], r[col["sample_size"]], r[col["suppressed"]], r[col["illustrative"]], r[col["source_id"]]}
		if strings.Join(want, "|") != strings.Join(gotRow, "|") {
			t.Errorf("%s: CSV %v, API %v", o.ID, gotRow, want)
		}
		if o.Suppressed {
			suppressed++
		}
	}
	if suppressed == 0 {
		t.Error("no suppressed figure was compared; the seed data has some")
	}
}

// TestExportEveryTableInBothFormats: every table has rows in the seed, as CSV and as NDJSON alike.
func TestExportEveryTableInBothFormats(t *testing.T) {
	srv, _ := newTestServer(t, Options{CORSOrigins: []string{"*"}})
	for _, table := range export.Tables() {
		_, csvBody := fetch(t, "GET", srv.URL+"/export/"+table+".csv", nil, "")
		records, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
		if err != nil || len(records) < 2 {
			t.Errorf("%s.csv: %d records, %v; want a header and rows", table, len(records), err)
			continue
		}
		resp, ndjson := fetch(t, "GET", srv.URL+"/export/"+table+".ndjson", nil, "")
		lines := 0
		scanner := bufio.NewScanner(strings.NewReader(ndjson))
		scanner.Buffer(nil, 1<<20)
		for scanner.Scan() {
			var obj map[string]any
			if err := json.Unmarshal(scanner.Bytes(), &obj); err != nil || len(obj) != len(records[0]) {
				t.Errorf("%s.ndjson line %d: %v, %d fields; want an object with the CSV's %d columns", table, lines+1, err, len(obj), len(records[0]))
				break
			}
			lines++
		}
		if lines != len(records)-1 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/x-ndjson") {
			t.Errorf("%s.ndjson: %d lines (%s), want %d", table, lines, resp.Header.Get("Content-Type"), len(records)-1)
		}
	}
	for _, path := range []string{"/export/spaceships.csv", "/export/observations.xls"} {
		if resp, _ := fetch(t, "GET", srv.URL+path, nil, ""); resp.StatusCode != 404 {
			t.Errorf("GET %s = %d, want 404", path, resp.StatusCode)
		}
	}
}

// TestTheDataSetsDescription: /dataset.rdf, .ttl and .jsonld are one description in three syntaxes,
// /dataset gives the one the Accept header asks for (RDF/XML by default), every IRI starts with the
// public URL whatever Host and X-Forwarded-Proto a request names, every download it lists answers, and
// a client holding it is told 304.
func TestTheDataSetsDescription(t *testing.T) {
	srv := newPublicServer(t, Options{})
	for path, want := range map[string]string{"/dataset.rdf": "application/rdf+xml", "/dataset.ttl": "text/turtle", "/dataset.jsonld": "application/ld+json"} {
		resp, body := fetch(t, "GET", srv.URL+path, nil, "")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != want+"; charset=utf-8" || !strings.Contains(body, srv.URL+"/dataset.rdf#catalog") {
			t.Errorf("GET %s = %d %s, want 200 %s naming the catalogue: %.200s", path, resp.StatusCode, resp.Header.Get("Content-Type"), want, body)
		}
		spoofed, other := fetch(t, "GET", srv.URL+path, map[string]string{"Host": "evil.example", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}, "")
		if spoofed.StatusCode != 200 || other != body || strings.Contains(other, "evil.example") {
			t.Errorf("GET %s with another Host: the IRIs change", path)
		}
	}
	for accept, want := range map[string]string{"": "application/rdf+xml", "text/turtle": "text/turtle", "application/ld+json, */*;q=0.1": "application/ld+json",
		"application/rdf+xml;q=0.9": "application/rdf+xml", "*/*": "application/rdf+xml"} {
		resp, _ := fetch(t, "GET", srv.URL+"/dataset", map[string]string{"Accept": accept}, "")
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), want) || !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept") {
			t.Errorf("GET /dataset, Accept %q: %s (Vary %q), want %s", accept, resp.Header.Get("Content-Type"), resp.Header.Get("Vary"), want)
		}
	}
	if resp, _ := fetch(t, "GET", srv.URL+"/dataset", map[string]string{"Accept": "image/png"}, ""); resp.StatusCode != 406 {
		t.Errorf("GET /dataset, Accept image/png: %d, want 406", resp.StatusCode)
	}
	resp, body := fetch(t, "GET", srv.URL+"/dataset.rdf", nil, "")
	if again, _ := fetch(t, "GET", srv.URL+"/dataset.rdf", map[string]string{"If-None-Match": resp.Header.Get("ETag")}, ""); again.StatusCode != 304 {
		t.Errorf("with its ETag: %d, want 304", again.StatusCode)
	}
	urls := regexp.MustCompile(`<dcat:downloadURL rdf:resource="([^"]+)"/>`).FindAllStringSubmatch(body, -1)
	if len(urls) != 3*len(export.Tables()) {
		t.Errorf("%d downloads, want three for each of %d tables", len(urls), len(export.Tables()))
	}
	for _, u := range urls {
		if r, _ := fetch(t, "GET", strings.ReplaceAll(u[1], "&amp;", "&"), nil, ""); r.StatusCode != 200 {
			t.Errorf("download %s answers %d", u[1], r.StatusCode)
		}
	}
}

// TestConditionalGET: an unchanged answer to GET /graphql is 304 for a client holding its ETag; after a
// data change the same request is 200 with a new ETag.
func TestConditionalGET(t *testing.T) {
	db := seedtest.DB(t)
	srv, _ := newTestServerFor(t, db, Options{CORSOrigins: []string{"*"}})
	u := srv.URL + "/graphql?query=" + url.QueryEscape(`{ serviceAreas { id latestPeriod } }`)
	first, _ := fetch(t, "GET", u, nil, "")
	etag := first.Header.Get("ETag")
	if first.StatusCode != 200 || etag == "" || !strings.Contains(first.Header.Get("Cache-Control"), "max-age") {
		t.Fatalf("first GET = %d, ETag %q, Cache-Control %q", first.StatusCode, etag, first.Header.Get("Cache-Control"))
	}
	again, body := fetch(t, "GET", u, map[string]string{"If-None-Match": etag}, "")
	if again.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("conditional GET of an unchanged answer = %d %q, want 304 with no body", again.StatusCode, body)
	}

	value, n := 50.0, 100
	provider := "Provider:sundbyberg-vuxenutbildning"
	if _, err := db.ImportObservations(context.Background(), store.Change{Actor: "test", Operation: "test"}, []*store.Observation{{MetricID: "Metric:sfi-pass-rate", ProviderID: &provider,
		MunicipalityCode: "0183", Period: "2020", Value: &value, SampleSize: &n, Status: store.StatusPreliminary, SourceID: "Source:illustrative-results"}}, store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	after, body := fetch(t, "GET", u, map[string]string{"If-None-Match": etag}, "")
	if after.StatusCode != 200 || after.Header.Get("ETag") == etag || !strings.Contains(body, `"2020"`) {
		t.Errorf("after a data change: %d, ETag %q (was %q), body %.200s; want 200, a new ETag and the new period", after.StatusCode, after.Header.Get("ETag"), etag, body)
	}
	if bad, _ := fetch(t, "GET", srv.URL+"/graphql?query=%7Bnope%7D", nil, ""); bad.Header.Get("ETag") != "" {
		t.Errorf("an error answer carries ETag %q; errors should not be cached", bad.Header.Get("ETag"))
	}
}

// TestPersistedQueries: a client sends a query's hash alone; the first time the server asks for the
// text, after which GET with the hash alone answers.
func TestPersistedQueries(t *testing.T) {
	db := seeded(t)
	editor, _ := tokens(t, db)
	srv, _ := newTestServerFor(t, db, Options{})
	query := `{ dataset { title } }`
	sum := sha256.Sum256([]byte(query))
	ext := `{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
	get := srv.URL + "/graphql?extensions=" + url.QueryEscape(ext)
	if _, body := fetch(t, "GET", get, nil, ""); !strings.Contains(body, "PersistedQueryNotFound") {
		t.Fatalf("unknown hash: %s, want PersistedQueryNotFound", body)
	}
	if _, body := fetch(t, "GET", get+"&query="+url.QueryEscape(query), nil, ""); !strings.Contains(body, "Jämförelse") {
		t.Fatalf("hash with query: %s", body)
	}
	if _, body := fetch(t, "GET", get, nil, ""); !strings.Contains(body, "Jämförelse") {
		t.Errorf("hash alone after registering: %s, want the answer", body)
	}
	// A mutation is never kept, so one sent by its hash alone is always a query, which the server
	// can tell before it reads the variables.
	mutation := `mutation { deleteObservations(input: {ids: ["x"], reason: "x"}) { deleted } }`
	sum = sha256.Sum256([]byte(mutation))
	ext = `{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
	if _, body := fetch(t, "POST", srv.URL+"/graphql", map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + editor},
		`{"query":`+strconv.Quote(mutation)+`,"extensions":`+ext+`}`); !strings.Contains(body, "BAD_USER_INPUT") {
		t.Fatalf("the mutation with its text: %s, want it run (and refuse the ID)", body)
	}
	if _, body := fetch(t, "POST", srv.URL+"/graphql", map[string]string{"Content-Type": "application/json"}, `{"extensions":`+ext+`}`); !strings.Contains(body, "PersistedQueryNotFound") {
		t.Errorf("a mutation's hash alone: %s, want PersistedQueryNotFound", body)
	}
}

// TestAnExportCutShortIsAborted: when a row fails after part of the file is sent (here a value no
// reader can use, stored behind the store's back as an old database may hold it), the transfer is
// aborted, so the client sees a broken download rather than a file that ends cleanly, and the log says
// which row; when nothing is sent yet, the answer is a plain 500.
func TestAnExportCutShortIsAborted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cut.db")
	db := seedtest.Open(t, path, store.Options{})
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// damage stores a value no reader can use in the first or the last row (seq = min or max) and
	// returns its row number in the export.
	damage := func(seq string) int {
		var row int
		if err := raw.QueryRow(`SELECT count(*) FROM observations WHERE seq <= (SELECT ` + seq + `(seq) FROM observations)`).Scan(&row); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(`UPDATE observations SET value = 9e999 WHERE seq = (SELECT ` + seq + `(seq) FROM observations)`); err != nil {
			t.Fatal(err)
		}
		return row
	}
	last := damage("max")
	srv, log := newTestServerFor(t, db, Options{})

	resp, err := http.Get(srv.URL + "/export/observations.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err == nil {
		t.Errorf("NDJSON export with a bad last row: %d, %d bytes, read error %v; want 200 and a transfer that breaks off", resp.StatusCode, len(body), err)
	}
	if !strings.Contains(log.String(), `"msg":"export failed part way"`) || !strings.Contains(log.String(), `"row":`+strconv.Itoa(last)) {
		t.Errorf("the log does not name the row:\n%s", log)
	}

	damage("min")
	resp, body2 := fetch(t, "GET", srv.URL+"/export/observations.csv", nil, "")
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body2, "internal error") || resp.Header.Get("ETag") != "" {
		t.Errorf("CSV export failing before anything is sent = %d %q (ETag %q), want a plain 500 that no cache keeps", resp.StatusCode, body2, resp.Header.Get("ETag"))
	}
}

// TestTheGraphListsTheDownloads: dataset.distributions names every file with an absolute URL at the
// public address, and each of them downloads, in its media type.
func TestTheGraphListsTheDownloads(t *testing.T) {
	srv := newPublicServer(t, Options{})
	_, body := fetch(t, "POST", srv.URL+"/graphql", map[string]string{"Content-Type": "application/json"},
		`{"query":"{ dataset { distributions { title titleEn table format dialect mediaType url filters } } }"}`)
	var got struct {
		Data struct {
			Dataset struct {
				Distributions []struct {
					Title, TitleEn, Table, Format, MediaType, URL string
					Dialect                                       *string
					Filters                                       []string
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	files := got.Data.Dataset.Distributions
	if len(files) != 4*len(export.Tables()) {
		t.Fatalf("%d distributions, want 4 for each of %d tables: %.300s", len(files), len(export.Tables()), body)
	}
	for _, f := range files {
		if !strings.HasPrefix(f.URL, srv.URL+"/export/"+f.Table+".") || f.Title == "" || f.TitleEn == "" {
			t.Errorf("%+v: want a title in both languages and a URL at %s", f, srv.URL)
			continue
		}
		resp, _ := fetch(t, "GET", f.URL, nil, "")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), f.MediaType) {
			t.Errorf("%s answers %d %s, want 200 %s", f.URL, resp.StatusCode, resp.Header.Get("Content-Type"), f.MediaType)
		}
	}
}
