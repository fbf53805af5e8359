package store

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func totalCount(t *testing.T, ctx context.Context, db *DB) int {
	t.Helper()
	c, err := db.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	page, err := db.Observations(ctx, c, ObservationFilter{}, ObservationOrder{}, PageArgs{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := page.TotalCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func addFigure(t *testing.T, db *DB, period string) {
	t.Helper()
	v := 50.0
	if _, err := db.ImportObservations(t.Context(), Change{Actor: "tester", Operation: "import"}, []*Observation{{MetricID: "Metric:sfi-pass-rate",
		MunicipalityCode: "0183", Period: period, Value: &v, Status: StatusFinal, SourceID: "Source:test"}}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestAReadSnapshotSeesOneState: every read of a snapshot, the catalog's data version included, sees
// the data as it was at its first read, however many writes commit meanwhile; a new snapshot sees them.
func TestAReadSnapshotSeesOneState(t *testing.T) {
	db := openTestDB(t, smallDataset())
	ctx, end := db.BeginRead(t.Context())
	defer end()
	n, version := totalCount(t, ctx, db), catalog(t, db).Info.Version
	for _, period := range []string{"2030", "2031"} {
		addFigure(t, db, period)
		c, err := db.Catalog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := totalCount(t, ctx, db); got != n || c.Info.Version != version {
			t.Errorf("after a write, the snapshot reads %d figures at version %d; want the %d at version %d it began with", got, c.Info.Version, n, version)
		}
	}
	fresh, endFresh := db.BeginRead(t.Context())
	defer endFresh()
	if got, c := totalCount(t, fresh, db), catalog(t, db); got != n+2 || c.Info.Version != version+2 {
		t.Errorf("a new snapshot reads %d figures at version %d; want %d at %d", got, c.Info.Version, n+2, version+2)
	}
	end()
	if _, err := db.Observations(ctx, catalog(t, db), ObservationFilter{}, ObservationOrder{}, PageArgs{}); !errors.Is(err, errSnapshotEnded) {
		t.Errorf("a read after the snapshot ended = %v, want errSnapshotEnded", err)
	}
}

// TestReadersWaitForNoOne: a snapshot reads while another is open and while a write holds SQLite's write
// lock mid-transaction; each read returning at all, with the others still open, shows it did not wait.
func TestReadersWaitForNoOne(t *testing.T) {
	db := openTestDB(t, smallDataset())
	first, endFirst := db.BeginRead(t.Context())
	defer endFirst()
	n := totalCount(t, first, db) // its transaction is open now, and stays so

	writing, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		v := 1.0
		figures := func(yield func(*Observation, error) bool) {
			yield(&Observation{MetricID: "Metric:sfi-pass-rate", MunicipalityCode: "0183", Period: "2040", Value: &v, Status: StatusFinal, SourceID: "Source:test"}, nil)
			close(writing)
			<-release // the write transaction stays open, holding the lock, until the readers have read
		}
		db.AddObservations(context.Background(), Change{Actor: "tester", Operation: "load"}, iter.Seq2[*Observation, error](figures), nil)
	})
	<-writing
	second, endSecond := db.BeginRead(t.Context())
	if got := totalCount(t, second, db); got != n {
		t.Errorf("a second snapshot during the write reads %d figures, want %d", got, n)
	}
	endSecond()
	close(release)
	wg.Wait()
	if got := totalCount(t, first, db); got != n {
		t.Errorf("the first snapshot after the write reads %d figures, want %d", got, n)
	}
}

// TestADeadlineInterruptsTheRunningStatement runs a statement that never ends in a snapshot whose
// context has a deadline: SQLite is interrupted when it passes, whatever the machine's speed, and once
// the snapshot ends its connection is free.
func TestADeadlineInterruptsTheRunningStatement(t *testing.T) {
	db := openTestDB(t, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	ctx, end := db.BeginRead(ctx)
	var n int
	err := db.queryRow(ctx, `WITH RECURSIVE counting(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM counting) SELECT count(*) FROM counting`).Scan(&n)
	end()
	if !errors.Is(err, context.DeadlineExceeded) && (err == nil || !strings.Contains(err.Error(), "interrupt")) {
		t.Errorf("the endless statement ended with %v, want it interrupted at the deadline", err)
	}
	if busy := db.InUse(); busy != 0 {
		t.Errorf("%d connections busy after the snapshot ended", busy)
	}
}

// TestManySnapshotsAndCatalogLoadsDoNotDeadlock runs three times as many snapshots as there are
// connections, while writes make each of them load a catalog: no snapshot holds its connection while it
// waits for a second one, so all finish.
func TestManySnapshotsAndCatalogLoadsDoNotDeadlock(t *testing.T) {
	db := openTestDB(t, smallDataset())
	read := func() error {
		ctx, end := db.BeginRead(t.Context())
		defer end()
		c, err := db.Catalog(ctx)
		if err != nil {
			return err
		}
		page, err := db.Observations(ctx, c, ObservationFilter{}, ObservationOrder{}, PageArgs{})
		if err != nil {
			return err
		}
		_, err = page.TotalCount(ctx)
		return err
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3*maxConnections*5)
	for i := range 3 * maxConnections {
		wg.Go(func() {
			for range 5 {
				errs <- read()
			}
		})
		if i%maxConnections == 0 {
			addFigure(t, db, fmt.Sprint(2050+i))
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute): // far longer than the work takes; only a deadlock gets here
		t.Fatal("the readers did not finish: deadlocked")
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestASnapshotSeesAWriteWithItsSuppression: a write and the suppression it decides commit together,
// and a snapshot reads both or neither. A reader reads the provider that will become a complement,
// then a correction leaves another provider with too few individuals (withholding it, and the first as
// its complement, in the same write); the rest of the snapshot's reads still see the state before it,
// so the reader never holds the complement's published value beside the new municipality figure (which
// would give the small group back). A new snapshot sees the correction with both figures withheld.
func TestASnapshotSeesAWriteWithItsSuppression(t *testing.T) {
	db := openTestDB(t, municipalityDataset())
	ids := []string{"Observation:sfi-pass-rate/p1/2018", "Observation:sfi-pass-rate/p2/2018", "Observation:sfi-pass-rate/0183/2018"}
	read := func(ctx context.Context, id string) string {
		t.Helper()
		c, err := db.Catalog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found, err := db.ObservationsByID(ctx, c, []string{id})
		if err != nil || found[id] == nil {
			t.Fatalf("%s: %v, %v", id, found, err)
		}
		o := found[id]
		if o.SuppressionReason != nil {
			return string(*o.SuppressionReason)
		}
		return fmt.Sprintf("%v (n = %d)", *o.Value, *o.SampleSize)
	}
	readAll := func(ctx context.Context) []string {
		var out []string
		for _, id := range ids {
			out = append(out, read(ctx, id))
		}
		return out
	}
	before, endBefore := db.BeginRead(t.Context())
	wantBefore := readAll(before)
	endBefore()

	ctx, end := db.BeginRead(t.Context())
	defer end()
	got := []string{read(ctx, ids[0])} // the snapshot begins here
	figure := func(provider *string, n int) *Observation {
		v := 71.0
		return &Observation{MetricID: "Metric:sfi-pass-rate", ProviderID: provider, MunicipalityCode: "0183", Period: "2018",
			Value: &v, SampleSize: &n, Status: StatusFinal, SourceID: "Source:test"}
	}
	if _, err := db.ImportObservations(t.Context(), Change{Actor: "test", Operation: "importObservations"},
		[]*Observation{figure(ptr("Provider:p2"), 5), figure(nil, 155)}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids[1:] {
		got = append(got, read(ctx, id))
	}
	if diff := cmp.Diff(wantBefore, got); diff != "" {
		t.Errorf("the snapshot's reads after the write (-before +read):\n%s", diff)
	}

	after, endAfter := db.BeginRead(t.Context())
	defer endAfter()
	wantAfter := []string{string(ProtectsOtherFigure), string(TooFewIndividuals), "71 (n = 155)"}
	if diff := cmp.Diff(wantAfter, readAll(after)); diff != "" {
		t.Errorf("a new snapshot (-want +got):\n%s", diff)
	}
}
