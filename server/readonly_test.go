package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jamforelse/api/store"
)

// startServer runs the built server binary with args and returns its address once it listens.
func startServer(t *testing.T, binary string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, append(args, "-addr", "127.0.0.1:0")...)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(scanner.Bytes(), &line) == nil && line.Msg == "listening" {
				addr <- line.Addr
			}
		}
	}()
	select {
	case a := <-addr:
		return a
	case <-time.After(30 * time.Second):
		t.Fatalf("%v did not start", args)
		return ""
	}
}

// TestReadOnlyServersFollowTheWriter starts one writing server and two read-only servers, as separate
// processes, on one database file: a figure written through the writer is served by both readers once
// it commits, and the readers refuse writes.
func TestReadOnlyServersFollowTheWriter(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the server and starts three processes")
	}
	dir := t.TempDir()
	binary := filepath.Join(dir, "server")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dbPath := filepath.Join(dir, "shared.db")
	var out strings.Builder
	if err := run(t.Context(), []string{"server", "token", "create", "-db", dbPath, "-name", "writer", "-role", "editor"}, func(string) string { return "" }, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	secret := lines[len(lines)-1]

	writer := startServer(t, binary, "-db", dbPath)
	readers := []string{startServer(t, binary, "-db", dbPath, "-read-only"), startServer(t, binary, "-db", dbPath, "-read-only")}

	const figure = `{"query":"{ node(id: \"Observation:sfi-pass-rate/sundbyberg-vuxenutbildning/2031\") { ... on Observation { value } } }"}`
	for _, r := range readers {
		if _, body := fetch(t, "POST", r+"/graphql", map[string]string{"Content-Type": "application/json"}, figure); !strings.Contains(body, `"node":null`) {
			t.Fatalf("reader %s before the write: %s", r, body)
		}
	}
	_, body := fetch(t, "POST", writer+"/graphql", map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + secret},
		`{"query":"mutation { importObservations(input: {observations: [{metric: \"Metric:sfi-pass-rate\", provider: \"Provider:sundbyberg-vuxenutbildning\", municipality: \"0183\", period: \"2031\", value: 77.7, sampleSize: 50, source: \"Source:illustrative-results\"}]}) { added } }"}`)
	if !strings.Contains(body, `"added":1`) {
		t.Fatalf("the write: %s", body)
	}
	committed := time.Now()
	for _, r := range readers {
		// A reader reads the data version again at least every 100 ms (store.versionTTL), and its answer
		// cache is keyed by that version: the new figure appears within that time, never an old answer.
		for {
			_, body := fetch(t, "POST", r+"/graphql", map[string]string{"Content-Type": "application/json"}, figure)
			if strings.Contains(body, `"value":77.7`) {
				t.Logf("reader %s served the write %s after it committed", r, time.Since(committed).Round(time.Millisecond))
				break
			}
			if time.Since(committed) > 30*time.Second { // far past the 100 ms it takes: a reader that never follows
				t.Fatalf("reader %s 30 s after the write: %s; want the new figure", r, body)
			}
			time.Sleep(10 * time.Millisecond)
		}
		_, body := fetch(t, "POST", r+"/graphql", map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + secret},
			`{"query":"mutation { deleteObservations(input: {ids: [\"Observation:sfi-pass-rate/sundbyberg-vuxenutbildning/2031\"], reason: \"x\"}) { deleted } }"}`)
		if !strings.Contains(body, "FORBIDDEN") || !strings.Contains(body, "only reads") {
			t.Errorf("reader %s took a write: %s", r, body)
		}
	}
}

// TestSnapshotWhileServing takes a snapshot of a database in use and opens the copy.
func TestSnapshotWhileServing(t *testing.T) {
	dir := t.TempDir()
	dbPath, copyPath := filepath.Join(dir, "live.db"), filepath.Join(dir, "copy.db")
	db, err := openSeeded(t.Context(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := run(t.Context(), []string{"server", "snapshot", "-db", dbPath, copyPath}, func(string) string { return "" }, io.Discard); err != nil {
		t.Fatal(err)
	}
	copy, err := store.Open(t.Context(), copyPath, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer copy.Close()
	if err := copy.IntegrityCheck(t.Context()); err != nil {
		t.Fatal(err)
	}
	c, err := copy.Catalog(t.Context())
	if err != nil || c.Provider("Provider:sundbyberg-vuxenutbildning") == nil {
		t.Errorf("the snapshot lacks the data: %v", err)
	}
}
