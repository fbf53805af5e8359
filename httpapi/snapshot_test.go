package httpapi

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jamforelse/api/store"
)

// TestOneAnswerOneSnapshot asks for the same total twice in one query, as two fields that gqlgen runs
// concurrently, each with a statement of its own, while imports commit, with no answer cache: every
// answer shows one state of the data, the two totals equal.
func TestOneAnswerOneSnapshot(t *testing.T) {
	db := seeded(t)
	api := newTestAPIFor(t, db, Options{})
	const query = `{ a: observations(first: 1) { totalCount } b: observations(first: 1) { totalCount } }`
	totals := func() (a, b int, err error) {
		got := api.post(t, query, nil, nil)
		var answer struct {
			Data struct{ A, B struct{ TotalCount int } }
		}
		if err := json.Unmarshal([]byte(got.body), &answer); err != nil || got.status != 200 {
			return 0, 0, fmt.Errorf("%d %s", got.status, got.body)
		}
		return answer.Data.A.TotalCount, answer.Data.B.TotalCount, nil
	}

	const readers, imports, figures = 4, 20, 100 // 2,000 months: 1900 to 2066
	var importing atomic.Bool
	importing.Store(true)
	var started, wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[int]int{}
	var failures []string
	for range readers {
		started.Add(1)
		wg.Go(func() {
			first := true
			for {
				last := !importing.Load() // one more read once every import has committed
				a, b, err := totals()
				mu.Lock()
				switch {
				case err != nil:
					failures = append(failures, err.Error())
				case a != b:
					failures = append(failures, fmt.Sprintf("a=%d b=%d", a, b))
				default:
					seen[a]++
				}
				mu.Unlock()
				if first {
					started.Done() // every reader has read before the first import
					first = false
				}
				if last {
					return
				}
			}
		})
	}
	started.Wait()
	for i := range imports {
		obs := make([]*store.Observation, figures)
		for j := range obs {
			v, month := float64(j%100), i*figures+j // a new month for each figure, from 1900 on
			obs[j] = &store.Observation{MetricID: "Metric:sfi-pass-rate", MunicipalityCode: "0183",
				Period: fmt.Sprintf("%04d-%02d", 1900+month/12, month%12+1), Value: &v, Status: store.StatusFinal, SourceID: "Source:illustrative-results"}
		}
		if _, err := db.ImportObservations(t.Context(), store.Change{Actor: "test", Operation: "import"}, obs, store.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	importing.Store(false)
	wg.Wait()
	for _, f := range failures {
		t.Error("an answer showed two states of the data: " + f)
	}
	if len(seen) < 2 {
		t.Errorf("the readers saw the totals %v; want the ones from before and after the imports", seen)
	}
	t.Logf("%d answers, over %d states of the data", func() (n int) {
		for _, c := range seen {
			n += c
		}
		return n
	}(), len(seen))
}
