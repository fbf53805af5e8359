package kolada_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jamforelse/api/kolada"
	"github.com/jamforelse/api/store"
)

// replay is a stand-in for api.kolada.se: it answers the one query the tests' sync asks with the pages
// of testdata/v3, as the API would. Asked for everything, it serves two pages (the first one's
// next_url leads to the second); asked from_date, it serves the changes made on or after that date,
// or an empty page. Its host replaces the API's in the pages' links.
type replay struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	requests  []string
	changedOn string // the day of the latest change: before it, the first publication (2025-05-20)
	changes   string // the page of changes made that day
	tooMany   int    // answer this many of the next requests for page 2 with 429
}

const syncPath = "/v3/data/kpi/N18946,N18952/municipality/0000,0001,0180,0183/year/2019,2023,2024"

func newReplay(t *testing.T) *replay {
	r := &replay{t: t, changedOn: "2025-05-20", changes: "sync-empty.json"}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *replay) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, req.URL.RequestURI())
	q := req.URL.Query()
	if req.URL.Path != syncPath || q.Get("per_page") != "5000" {
		http.Error(w, `{"error": "not a query this replay knows"}`, http.StatusNotFound)
		return
	}
	file := "sync-page-1.json"
	switch {
	case q.Get("from_date") != "" && q.Get("from_date") > r.changedOn:
		file = "sync-empty.json"
	case q.Get("from_date") != "":
		file = r.changes
	case q.Get("page") == "2" && r.tooMany > 0:
		r.tooMany--
		w.Header().Set("Retry-After", "7")
		http.Error(w, `{"error": "too many requests"}`, http.StatusTooManyRequests)
		return
	case q.Get("page") == "2":
		file = "sync-page-2.json"
	}
	page, err := os.ReadFile("testdata/v3/" + file)
	if err != nil {
		r.t.Error(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(strings.ReplaceAll(string(page), "https://api.kolada.se", r.srv.URL)))
}

// figure reads a stored figure as the store serves it, or nil.
func figure(t *testing.T, db *store.DB, id string) *store.Observation {
	t.Helper()
	c, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	found, err := db.ObservationsByID(t.Context(), c, []string{id})
	if err != nil {
		t.Fatal(err)
	}
	return found[id]
}

// TestSync runs kolada-sync four times against the replay: the first run fetches everything (and
// waits out a 429 between its pages), the second finds nothing new, the third brings a changed figure
// and a withdrawn one, and the third again changes nothing. Each run is one transaction with the time
// it started.
func TestSync(t *testing.T) {
	db := seededDB(t)
	kpiSource := "Source:kolada"
	r := newReplay(t)
	var waits []time.Duration
	client := &kolada.Client{BaseURL: r.srv.URL + "/v3", Wait: func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		return nil
	}}
	day := func(d int) func() time.Time {
		return func() time.Time { return time.Date(2025, 6, d, 2, 0, 0, 0, time.UTC) }
	}
	run := func(now func() time.Time, full bool) *kolada.SyncReport {
		t.Helper()
		r.requests = nil
		rep, err := kolada.Sync(t.Context(), db, client, kolada.SyncRequest{Municipalities: []string{"0000", "0001", "0180", "0183"},
			Years: []int{2019, 2023, 2024}, SourceID: kpiSource, Actor: "kolada-sync", Full: full, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		// What it brought and withdrew beside the providers' figures was decided on in the same write.
		audited(t, db, "a sync")
		return rep
	}
	type outcome struct {
		FromDate                           string
		Requests, Pages, Retries           int
		Added, Changed, Deleted, Unchanged int
	}
	got := func(rep *kolada.SyncReport) outcome {
		return outcome{rep.FromDate, rep.Requests, rep.Pages, rep.Retries, rep.Import.Added, rep.Import.Changed, rep.Import.Deleted, rep.Import.Unchanged}
	}

	// 1. Everything: 10 pass and 10 dropout rates; the seed's invented 2019 figures for 0183 and the
	// country are replaced by these (other values), the rest are new. Page 2 is refused once with 429.
	r.tooMany = 1
	first := run(day(1), false)
	if diff := cmp.Diff(outcome{"", 3, 2, 1, 16, 4, 0, 0}, got(first)); diff != "" {
		t.Errorf("first run (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{7 * time.Second}, waits); diff != "" {
		t.Errorf("waits after 429 (-want +got):\n%s", diff)
	}
	if o := figure(t, db, "Observation:sfi-pass-rate/0183/2019"); o == nil || *o.Value != 72.9 || o.SourceID != kpiSource {
		t.Errorf("0183's 2019 pass rate after the first run = %+v, want 72.9 from Kolada", o)
	}
	version := versionOf(t, db)

	// 2. The next night: asked for changes from the day before the first run, Kolada has none.
	second := run(day(2), false)
	if diff := cmp.Diff(outcome{"2025-05-31", 1, 1, 0, 0, 0, 0, 0}, got(second)); diff != "" {
		t.Errorf("second run (-want +got):\n%s", diff)
	}
	if again := versionOf(t, db); again != version {
		t.Errorf("a run that found nothing moved the data version from %d to %d", version, again)
	}

	// 3. Kolada corrects 0180's 2024 pass rate and withdraws Region Stockholm's 2023 dropout rate.
	r.changedOn, r.changes = "2025-06-02", "sync-changes.json"
	third := run(day(3), false)
	if diff := cmp.Diff(outcome{"2025-06-01", 1, 1, 0, 0, 1, 1, 0}, got(third)); diff != "" {
		t.Errorf("third run (-want +got):\n%s", diff)
	}
	if o := figure(t, db, "Observation:sfi-pass-rate/0180/2024"); o == nil || *o.Value != 67.4 {
		t.Errorf("0180's 2024 pass rate after the correction = %+v, want 67.4", o)
	}
	if o := figure(t, db, "Observation:sfi-dropout-rate/0001/2023"); o != nil {
		t.Errorf("Region Stockholm's withdrawn 2023 dropout rate is still there: %+v", o)
	}
	deletions, err := db.Deletions(t.Context(), nil, nil, nil)
	if err != nil || len(deletions.Edges) != 1 || deletions.Edges[0].Node.ID != "Observation:sfi-dropout-rate/0001/2023" {
		t.Errorf("tombstones = %+v, %v; want the withdrawn figure's, for mirrors", deletions, err)
	}

	// 4. Run again the same night: the same changes come again and change nothing, not even the
	// data version.
	version = versionOf(t, db)
	fourth := run(day(3), false)
	if diff := cmp.Diff(outcome{"2025-06-02", 1, 1, 0, 0, 0, 0, 2}, got(fourth)); diff != "" {
		t.Errorf("the same run again (-want +got):\n%s", diff)
	}
	if again := versionOf(t, db); again != version {
		t.Errorf("a run that changed nothing moved the data version from %d to %d", version, again)
	}
}

func versionOf(t *testing.T, db *store.DB) int64 {
	t.Helper()
	c, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return c.Info.Version
}
