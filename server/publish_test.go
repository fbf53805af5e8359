package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jamforelse/api/store"
)

// TestTokenSecretsStayOutOfSight creates a token, uses it, and then looks for its secret in the
// database file, the logs and every answer: it is in none of them.
func TestTokenSecretsStayOutOfSight(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "tokens.db")
	var out strings.Builder
	if err := run(t.Context(), []string{"server", "token", "create", "-db", dbPath, "--name", "kvalitetskansliet", "--role", "editor"}, func(string) string { return "" }, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	secret := lines[len(lines)-1]
	if !strings.HasPrefix(secret, "jfs_") {
		t.Fatalf("token create printed %q; want the secret on its last line", out.String())
	}

	db, err := store.Open(t.Context(), dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, stop := newTestServerFor(t, db)
	var answers strings.Builder
	for _, body := range []string{
		`{"query":"mutation { importObservations(input: {observations: [{metric: \"Metric:sfi-pass-rate\", provider: \"Provider:sundbyberg-vuxenutbildning\", municipality: \"0183\", period: \"2021\", value: 70, sampleSize: 40, source: \"Source:illustrative-results\"}]}) { added } }"}`,
		`{"query":"{ observations(first: 1) { totalCount } }"}`,
		`{"query":"mutation { deleteObservations(input: {ids: [\"nonsense\"], reason: \"x\"}) { deleted } }"}`,
	} {
		resp, text := fetch(t, "POST", srv.URL+"/graphql", map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + secret}, body)
		answers.WriteString(text)
		for _, values := range resp.Header {
			answers.WriteString(strings.Join(values, " "))
		}
	}
	if !strings.Contains(answers.String(), `"added":1`) {
		t.Fatalf("the token did not work: %s", answers.String())
	}
	var tokenList strings.Builder
	if err := run(t.Context(), []string{"server", "token", "list", "-db", dbPath}, func(string) string { return "" }, &tokenList); err != nil {
		t.Fatal(err)
	}
	db.Close()
	files, _ := filepath.Glob(filepath.Join(dir, "tokens.db*"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if bytes.Contains(data, []byte(secret)) || bytes.Contains(data, []byte(secret[4:])) {
			t.Errorf("%s holds the secret", filepath.Base(f))
		}
	}
	for what, text := range map[string]string{"the log": stop(), "the answers": answers.String(), "token list": tokenList.String()} {
		if strings.Contains(text, secret[4:]) {
			t.Errorf("%s holds the secret", what)
		}
	}
}

// bigCSV writes a spreadsheet of n new figures for the seed's providers and metrics, one per month.
func bigCSV(t *testing.T, path string, n int) {
	t.Helper()
	providers := []string{"sundbyberg-vuxenutbildning", "sprakbron-utbildning", "nordljus-larande", "kunskapsvagen-vux",
		"steget-vidare", "arbetslinjen-kompetens", "folkbildningsforeningen-exempel"}
	metrics := []string{"sfi-pass-rate", "sfi-dropout-rate", "sfi-grade-a-b-share", "sfi-transition-rate", "basic-pass-rate",
		"basic-dropout-rate", "upper-secondary-pass-rate", "upper-secondary-dropout-rate", "labour-market-transition-rate", "labour-market-dropout-rate"}
	var b bytes.Buffer
	b.WriteString("metric,provider,municipality,period,value,value_women,value_men,sample_size,sample_size_women,sample_size_men,status,note,source\n")
	for i := range n {
		combo := i % (len(providers) * len(metrics))
		month := i / (len(providers) * len(metrics))
		fmt.Fprintf(&b, "%s,%s,0183,%04d-%02d,%d.5,,,%d,,,FINAL,,illustrative-results\n",
			metrics[combo%len(metrics)], providers[combo/len(metrics)], 1900+month/12, month%12+1, 1+i%49, 10+i%50) // shares of 1.5–49.5 %: pass and dropout, parts of one whole, add up to less than 100
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestKilledImportLeavesNoTrace builds the server, starts a large import with it, and kills the process
// with SIGKILL while it writes. On reopening, SQLite's integrity check passes and none of the import is
// visible: one transaction, so all or nothing.
func TestKilledImportLeavesNoTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the server and writes a large import")
	}
	dir := t.TempDir()
	binary := filepath.Join(dir, "server")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dbPath, csvPath := filepath.Join(dir, "killed.db"), filepath.Join(dir, "big.csv")
	bigCSV(t, csvPath, 150_000)
	db, err := openSeeded(t.Context(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	want := countObservations(t, db, store.ObservationFilter{})
	db.Close()

	cmd := exec.Command(binary, "import", "-db", dbPath, csvPath)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	writing := make(chan struct{})
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			if strings.Contains(scanner.Text(), "rows written, not yet committed") {
				select {
				case <-writing:
				default:
					close(writing)
				}
			}
		}
	}()
	select {
	case <-writing:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the import did not report writing within 60 s")
	}
	// The first progress line says 10,000 rows are written and the transaction is still open.
	cmd.Process.Signal(syscall.SIGKILL)
	err = cmd.Wait()
	if status, ok := err.(*exec.ExitError); !ok || status.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the import ended with %v before it was killed; make the file larger", err)
	}

	db, err = store.Open(context.Background(), dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.IntegrityCheck(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := countObservations(t, db, store.ObservationFilter{}); got != want {
		t.Errorf("after the killed import: %d observations, want the %d from before", got, want)
	}
}

// TestReadersDuringALargeImport runs 50 readers against the API while a 100,000-row import commits:
// no reader fails, and each sees the data either before or after the import, never part of it.
func TestReadersDuringALargeImport(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a large import")
	}
	dir := t.TempDir()
	db, err := openSeeded(t.Context(), filepath.Join(dir, "readers.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv, _ := newTestServerFor(t, db)
	count := func() (int, error) {
		resp, err := http.Post(srv.URL+"/graphql", "application/json", strings.NewReader(`{"query":"{ observations(first: 1) { totalCount } }"}`))
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var n int
		if _, err := fmt.Sscanf(string(body), `{"data":{"observations":{"totalCount":%d}}}`, &n); err != nil {
			return 0, fmt.Errorf("answer %s: %w", body, err)
		}
		return n, nil
	}
	before, err := count()
	if err != nil {
		t.Fatal(err)
	}
	const rows = 100_000
	csvPath := filepath.Join(dir, "big.csv")
	bigCSV(t, csvPath, rows)

	done := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[int]int{}
	var failures []string
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := count()
				mu.Lock()
				if err != nil {
					failures = append(failures, err.Error())
				} else {
					seen[n]++
				}
				mu.Unlock()
				select {
				case <-done:
					return
				case <-time.After(50 * time.Millisecond): // readers pause between reads, as people do; 50 of them still overlap the import
				}
			}
		}()
	}
	err = importCSV(context.Background(), []string{"-db", filepath.Join(dir, "readers.db"), csvPath}, func(string) string { return "" }, io.Discard)
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(failures) > 0 {
		t.Errorf("%d reads failed, the first: %s", len(failures), failures[0])
	}
	for n, times := range seen {
		if n != before && n != before+rows {
			t.Errorf("readers saw %d observations %d times: neither %d (before) nor %d (after)", n, times, before, before+rows)
		}
	}
	if seen[before] == 0 {
		t.Errorf("no reader ran during the import (counts seen: %v)", seen)
	}
	t.Logf("reads during the import: %v", seen)
}

// TestImportCommandRefusesABadFile: a spreadsheet with a bad row is refused whole, naming the file,
// line and column, and the database is unchanged.
func TestImportCommandRefusesABadFile(t *testing.T) {
	dir := t.TempDir()
	dbPath, csvPath := filepath.Join(dir, "import.db"), filepath.Join(dir, "results.csv")
	os.WriteFile(csvPath, []byte("metric,provider,municipality,period,value,value_women,value_men,sample_size,sample_size_women,sample_size_men,status,note,source\n"+
		"sfi-pass-rate,sundbyberg-vuxenutbildning,0183,2021,70,,,40,,,,,illustrative-results\n"+
		"sfi-pass-rate,sundbyberg-vuxenutbildning,0183,2022,170,,,40,,,,,illustrative-results\n"), 0o644)
	env := func(string) string { return "" }
	if err := run(t.Context(), []string{"server", "import", "-db", dbPath, "-dry-run", csvPath}, env, io.Discard); err == nil ||
		!strings.Contains(err.Error(), `results.csv:3: value: "170": 170 is not a percentage between 0 and 100`) {
		t.Fatalf("import of a bad file = %v, want results.csv:3: value: …", err)
	}
	db, err := store.Open(t.Context(), dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := countObservations(t, db, store.ObservationFilter{Period: ptr("2021")}); n != 0 {
		t.Errorf("after a refused import, %d figures for 2021; want none", n)
	}
}

func ptr[T any](v T) *T { return &v }

// countObservations counts the stored observations a filter matches.
func countObservations(t *testing.T, db *store.DB, f store.ObservationFilter) int {
	t.Helper()
	c, err := db.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	page, err := db.Observations(context.Background(), c, f, store.ObservationOrder{}, store.PageArgs{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := page.TotalCount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
