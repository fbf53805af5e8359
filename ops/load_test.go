package ops

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var loadFor = flag.Duration("load", 0, "measure replication under load for this long (TestReplicasUnderLoad); NATIONAL_DB names a data set to start from")

// TestReplicasUnderLoad is a measurement, run when asked (go test ./ops -run UnderLoad -load 60s):
// the writer imports 100 figures about once a second, one import each, while the load tool
// (loadtest/, the dashboard's mix, 32 clients) drives the writer alone, one reader alone, then both
// readers at once. It logs each server's throughput, and the time from each import's commit to a
// reader serving its first figure (median and 99th percentile). Every machine shares this machine's
// processors, the load tools too.
func TestReplicasUnderLoad(t *testing.T) {
	if *loadFor == 0 {
		t.Skip("a measurement: go test ./ops -run TestReplicasUnderLoad -load 60s [NATIONAL_DB=national.db]")
	}
	n := newNetwork(t)
	r := startReplicated(t, n, os.Getenv("NATIONAL_DB"), "-rate-limit", "0")
	readers := map[string]string{}
	for i, name := range []string{"reader1", "reader2"} {
		_, readers[name] = r.startReader(t, n, name, 11+i)
	}
	loadtest := filepath.Join(t.TempDir(), "loadtest")
	if out, err := exec.Command("go", "build", "-C", "../loadtest", "-o", loadtest, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build loadtest: %v\n%s", err, out)
	}

	t.Logf("the writer alone, importing steadily:")
	stop := r.importSteadily(t, nil)
	drive(t, loadtest, map[string]string{"writer": r.writerURL})
	stop()

	t.Logf("one reader alone, the writer importing steadily:")
	stop = r.importSteadily(t, nil)
	drive(t, loadtest, map[string]string{"reader1": readers["reader1"]})
	stop()

	t.Logf("both readers at once, the writer importing steadily:")
	var mu sync.Mutex
	lags := map[string][]time.Duration{}
	stop = r.importSteadily(t, func(id string, value float64, committed time.Time) {
		for name, base := range readers {
			go func() {
				for !serves(base, id, value) {
					if time.Since(committed) > time.Minute {
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
				mu.Lock()
				lags[name] = append(lags[name], time.Since(committed))
				mu.Unlock()
			}()
		}
	})
	drive(t, loadtest, readers)
	stop()
	time.Sleep(5 * time.Second) // for the last imports to arrive
	mu.Lock()
	defer mu.Unlock()
	for name, l := range lags {
		slices.Sort(l)
		t.Logf("%s: from an import's commit to serving it: median %s, p99 %s, most %s (%d imports)", name,
			l[len(l)/2].Round(time.Millisecond), l[len(l)*99/100].Round(time.Millisecond), l[len(l)-1].Round(time.Millisecond), len(l))
	}
}

// importSteadily imports 100 figures about once a second through the writer's API until stop is called, and
// tells seen (if not nil) each import's first figure and when the writer answered.
func (r *replicated) importSteadily(t *testing.T, seen func(id string, value float64, committed time.Time)) (stop func()) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for ; ; r.imports++ {
			i := r.imports
			// A second apart on average, at random: Litestream syncs and follows on timers of a
			// second, and imports on one too would all meet them at the same moment of their round.
			select {
			case <-done:
				return
			case <-time.After(500*time.Millisecond + rand.N(time.Second)):
			}
			var figures []string
			for p := range 2 {
				period := fmt.Sprintf("%d-%02d", 2100+(2*i+p)/12, (2*i+p)%12+1)
				for _, metric := range []string{"sfi-pass-rate", "sfi-dropout-rate", "basic-pass-rate", "basic-dropout-rate", "upper-secondary-pass-rate"} {
					for _, municipality := range []string{"0114", "0117", "0126", "0127", "0128", "0160", "0163", "0181", "0182", "0183"} {
						figures = append(figures, fmt.Sprintf(`{metric: "Metric:%s", municipality: "%s", period: "%s", value: %d.5, sampleSize: 100, source: "Source:illustrative-results"}`,
							metric, municipality, period, i%50)) // under 50: a pass rate and a dropout rate of one period add up to at most 100
					}
				}
			}
			body := graphql(r.writerURL, r.token, `mutation { importObservations(input: {observations: [`+strings.Join(figures, ",")+`]}) { added } }`)
			committed := time.Now()
			if !strings.Contains(body, `"added":100`) {
				t.Errorf("import %d: %s", i, body)
				return
			}
			if seen != nil {
				seen(fmt.Sprintf("Observation:sfi-pass-rate/0114/%d-%02d", 2100+2*i/12, 2*i%12+1), float64(i%50)+0.5, committed)
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// drive runs the load tool against every server at once, and logs what each one served.
func drive(t *testing.T, loadtest string, servers map[string]string) {
	var wg sync.WaitGroup
	for name, base := range servers {
		wg.Go(func() {
			out, err := exec.Command(loadtest, "-url", base, "-clients", "32", "-mix", "dashboard", "-warmup", "10s",
				"-duration", loadFor.String(), "-ops", "../graph/testdata/spa").CombinedOutput()
			if err != nil {
				t.Errorf("loadtest against %s: %v\n%s", name, err, out)
				return
			}
			t.Logf("%s:\n%s", name, out)
		})
	}
	wg.Wait()
}
