package kolada

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jamforelse/api/store"
)

// DefaultBaseURL is Kolada's API, version 3.
const DefaultBaseURL = "https://api.kolada.se/v3"

// Kolada answers at most 5,000 values a page and takes at most 25 ids in each part of a path.
const (
	perPage  = 5000
	maxIDs   = 25
	maxPages = 10_000 // a guard against a next_url that never ends
)

// Retries: a 429 (too many requests) or a server error is tried again, after the Retry-After the answer
// asks for, or else after a wait that doubles, at most this many times.
const (
	maxAttempts = 6
	firstWait   = 2 * time.Second
	longestWait = 5 * time.Minute
)

// Client fetches data pages from Kolada's API.
type Client struct {
	BaseURL string       // DefaultBaseURL when empty
	HTTP    *http.Client // http.DefaultClient when nil
	// Wait waits before a request is tried again; nil waits for real. Tests pass one that only records.
	Wait func(ctx context.Context, d time.Duration) error
}

// Query is what to fetch: figures of these KPIs for these places and years, and with FromDate
// (YYYY-MM-DD) only those that changed from that day on.
type Query struct {
	KPIs, Municipalities []string
	Years                []int
	FromDate             string
}

// Stats says what a fetch did.
type Stats struct {
	Requests int           // HTTP requests sent, retries included
	Pages    int           // pages received
	Retries  int           // requests tried again after a 429 or a server error
	Waited   time.Duration // time spent waiting before retries
}

// Fetch returns every page of the answers to q, in order, following each answer's next_url.
func (c *Client) Fetch(ctx context.Context, q Query) ([][]byte, Stats, error) {
	var pages [][]byte
	var st Stats
	base, err := url.Parse(strings.TrimSuffix(cmpOr(c.BaseURL, DefaultBaseURL), "/"))
	if err != nil {
		return nil, st, fmt.Errorf("kolada base URL: %w", err)
	}
	years := make([]string, len(q.Years))
	for i, y := range q.Years {
		years[i] = strconv.Itoa(y)
	}
	for _, kpis := range slices.Collect(slices.Chunk(q.KPIs, maxIDs)) {
		for _, places := range slices.Collect(slices.Chunk(q.Municipalities, maxIDs)) {
			for _, ys := range slices.Collect(slices.Chunk(years, maxIDs)) {
				u := *base
				u.Path += "/data/kpi/" + strings.Join(kpis, ",") + "/municipality/" + strings.Join(places, ",") + "/year/" + strings.Join(ys, ",")
				params := url.Values{"per_page": {strconv.Itoa(perPage)}}
				if q.FromDate != "" {
					params.Set("from_date", q.FromDate)
				}
				u.RawQuery = params.Encode()
				got, err := c.follow(ctx, base, u.String(), &st)
				pages = append(pages, got...)
				if err != nil {
					return pages, st, err
				}
			}
		}
	}
	return pages, st, nil
}

// follow fetches a page and the pages its next_url leads to, which must be on the API's own host.
func (c *Client) follow(ctx context.Context, base *url.URL, next string, st *Stats) ([][]byte, error) {
	var pages [][]byte
	seen := map[string]bool{}
	for next != "" {
		if seen[next] || len(pages) >= maxPages {
			return pages, fmt.Errorf("kolada: next_url %s leads round in a circle", next)
		}
		seen[next] = true
		body, err := c.get(ctx, next, st)
		if err != nil {
			return pages, err
		}
		pages = append(pages, body)
		st.Pages++
		var envelope struct {
			NextURL *string `json:"next_url"`
		}
		if err := json.Unmarshal(body, &envelope); err != nil {
			return pages, fmt.Errorf("kolada: %s answered with something that is not a JSON page: %w", next, err)
		}
		next = ""
		if envelope.NextURL != nil && *envelope.NextURL != "" {
			u, err := base.Parse(*envelope.NextURL)
			if err != nil || u.Host != base.Host || u.Scheme != base.Scheme {
				return pages, fmt.Errorf("kolada: next_url %q does not lead to %s", *envelope.NextURL, base.Host)
			}
			next = u.String()
		}
	}
	return pages, nil
}

// get fetches one URL, trying again after a 429 or a server error.
func (c *Client) get(ctx context.Context, u string, st *Stats) ([]byte, error) {
	client := c.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	wait := firstWait
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", "jamforelse-kolada-sync (+https://github.com/jamforelse/api)")
		st.Requests++
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("kolada: GET %s: %w", u, err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
		resp.Body.Close()
		switch {
		case err != nil:
			return nil, fmt.Errorf("kolada: GET %s: %w", u, err)
		case resp.StatusCode == http.StatusOK:
			return body, nil
		case (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500) && attempt < maxAttempts:
			d := retryAfter(resp.Header.Get("Retry-After"), time.Now(), wait)
			wait = min(2*wait, longestWait)
			st.Retries++
			st.Waited += d
			if err := c.sleep(ctx, d); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("kolada: GET %s: %s: %.200s", u, resp.Status, body)
		}
	}
}

// retryAfter is how long a Retry-After header asks to wait (seconds, or an HTTP date), or else
// fallback; never more than longestWait.
func retryAfter(header string, now time.Time, fallback time.Duration) time.Duration {
	d := fallback
	if s, err := strconv.Atoi(strings.TrimSpace(header)); err == nil && s >= 0 {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(header); err == nil {
		d = max(t.Sub(now), 0)
	}
	return min(d, longestWait)
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Wait != nil {
		return c.Wait(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// SyncName is the name kolada-sync keeps its last run under (store.SyncMark).
const SyncName = "kolada"

// SyncRequest says what a synchronisation fetches and how it is recorded.
type SyncRequest struct {
	// Municipalities are the places asked for; nil asks for every place of the register.
	Municipalities []string
	Years          []int
	SourceID       string // the source the figures are attributed to, "Source:kolada"
	Actor          string // who the audit log records
	// Full fetches everything, not only what changed since the last run.
	Full bool
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// SyncReport is what a synchronisation did.
type SyncReport struct {
	Stats
	FromDate string // "" for a full fetch
	Result   *Result
	Import   store.ImportResult
}

// Sync fetches, for the places and years asked, every KPI a metric names (koladaId), only what changed
// since the last run unless req.Full, and imports it in one transaction together with the time this
// run started. The next run asks from the day before that time on (from_date is a date, and a day's
// margin costs nothing, since an unchanged figure is left alone).
func Sync(ctx context.Context, db *store.DB, client *Client, req SyncRequest) (*SyncReport, error) {
	now := time.Now
	if req.Now != nil {
		now = req.Now
	}
	started := now()
	c, err := db.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	if c.Source(req.SourceID) == nil {
		return nil, fmt.Errorf("kolada-sync: no source has the ID %q", req.SourceID)
	}
	q := Query{Municipalities: req.Municipalities, Years: req.Years}
	for _, m := range c.Metrics("") {
		if m.KoladaID != nil && !slices.Contains(q.KPIs, *m.KoladaID) {
			q.KPIs = append(q.KPIs, *m.KoladaID)
		}
	}
	if len(q.KPIs) == 0 {
		return nil, errors.New("kolada-sync: no metric names a Kolada KPI (koladaId)")
	}
	if q.Municipalities == nil {
		for _, m := range c.Municipalities() {
			q.Municipalities = append(q.Municipalities, m.Code)
		}
	}
	if last, ok, err := db.SyncMarkOf(ctx, SyncName); err != nil {
		return nil, err
	} else if ok && !req.Full {
		q.FromDate = last.Add(-24 * time.Hour).UTC().Format(time.DateOnly)
	}
	pages, stats, err := client.Fetch(ctx, q)
	rep := &SyncReport{Stats: stats, FromDate: q.FromDate}
	if err != nil {
		return rep, err
	}
	if rep.Result, err = Parse(bytes.NewReader(bytes.Join(pages, []byte("\n"))), IntoCatalog(c, req.SourceID)); err != nil {
		return rep, fmt.Errorf("kolada-sync: %w", err)
	}
	ch := store.Change{Actor: req.Actor, Operation: "koladaSync"}
	rep.Import, err = db.ImportObservations(ctx, ch, rep.Result.Observations, store.ImportOptions{
		Remove: rep.Result.Removed, SyncMark: &store.SyncMark{Name: SyncName, StartedAt: started}})
	return rep, err
}
