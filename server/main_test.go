package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunServesSeedDataAndShutsDown starts the program as main does, on a free port with a new
// database file: it seeds itself, answers /healthz and a query, and returns nil when cancelled.
func TestRunServesSeedDataAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	logs, logw := io.Pipe()
	dbPath := filepath.Join(t.TempDir(), "new.db")
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"server", "-addr", "127.0.0.1:0", "-db", dbPath}, func(string) string { return "" }, logw)
		logw.Close()
	}()

	addr := make(chan string, 1)
	go func() { // read the log: the "listening" line says where; drain the rest
		scanner := bufio.NewScanner(logs)
		for scanner.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(scanner.Bytes(), &line) == nil && line.Msg == "listening" {
				addr <- line.Addr
			}
		}
	}()
	var base string
	select {
	case base = <-addr:
	case err := <-done:
		t.Fatalf("run returned before listening: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not start within 30 s")
	}

	waitHealthy(t, base)
	resp, err := http.Get(base + `/graphql?query={serviceAreas{id}}`)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"ServiceArea:sfi"`) {
		t.Errorf("GET /graphql = %d %s, want 200 with the seeded service areas", resp.StatusCode, body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after cancel = %v, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return within 15 s of cancel")
	}
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("/healthz did not answer 200 within 10 s")
}

func TestParseConfigDefaultsAndEnvironment(t *testing.T) {
	env := map[string]string{"ADDR": "0.0.0.0:9000", "CORS_ORIGINS": "https://a.example, https://b.example"}
	cfg, err := parseConfig([]string{"server"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.addr != "0.0.0.0:9000" || cfg.dbPath != "jamforelse.db" || len(cfg.corsOrigins) != 2 || cfg.suppressBelow != 0 {
		t.Errorf("parseConfig with ADDR and CORS_ORIGINS = %+v", cfg)
	}
	cfg, err = parseConfig([]string{"server", "-addr", "localhost:1", "-db", "x.db"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil || cfg.addr != "localhost:1" || cfg.dbPath != "x.db" {
		t.Errorf("flags should win over the environment: %+v, %v", cfg, err)
	}
	if _, err := parseConfig([]string{"server", "-suppress-below", "0"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("-suppress-below 0 was accepted, want an error")
	}
	if cfg.proxies != nil {
		t.Errorf("trusted proxies by default: %v, want none", cfg.proxies)
	}
	cfg, err = parseConfig([]string{"server", "-trusted-proxies", "10.0.0.0/8, 192.0.2.7,fd00::/8"}, func(string) string { return "" }, io.Discard)
	if got := fmt.Sprint(cfg.proxies); err != nil || got != "[10.0.0.0/8 192.0.2.7/32 fd00::/8]" {
		t.Errorf("-trusted-proxies = %s, %v; want the three prefixes", got, err)
	}
	if _, err := parseConfig([]string{"server", "-trusted-proxies", "10.0.0.0/33"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("-trusted-proxies 10.0.0.0/33 was accepted, want an error")
	}
}

// TestImportKolada runs the import command twice on the Kolada fixture: the second run finds every
// figure as it is.
func TestImportKolada(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "kolada.db")
	for i, want := range []string{"1 added, 3 corrected, 0 removed, 0 unchanged", "0 added, 0 corrected, 0 removed, 4 unchanged"} {
		var out strings.Builder
		err := run(t.Context(), []string{"server", "import-kolada", "-db", dbPath, "../kolada/testdata/kolada-v3.json"}, func(string) string { return "" }, &out)
		if err != nil || !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "skipped 1 figure(s) of N15033") {
			t.Errorf("import %d: %v, output %q; want %q and the skipped KPI", i+1, err, out.String(), want)
		}
	}
	err := run(t.Context(), []string{"server", "import-kolada", "-db", dbPath, "main_test.go"}, func(string) string { return "" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not a Kolada v3 data file") {
		t.Errorf("importing a Go file = %v, want an error saying it is not a Kolada file", err)
	}
}

// TestCommandLine: `server help` and -h list every subcommand with one line each; a command line the
// program does not know is a usage error (exit 2) with the same list, and starts nothing.
func TestCommandLine(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // a server that started would create jamforelse.db here
	env := func(string) string { return "" }
	for _, args := range [][]string{{"server", "help"}, {"server", "-h"}} {
		var out strings.Builder
		if err := run(t.Context(), args, env, &out); err != nil {
			t.Fatalf("%v = %v", args, err)
		}
		for name, c := range commands {
			if !strings.Contains(out.String(), name+" ") || !strings.Contains(out.String(), c.summary) {
				t.Errorf("%v does not list %s with its summary:\n%s", args, name, out.String())
			}
		}
	}
	var out strings.Builder
	if err := run(t.Context(), []string{"server", "help", "import"}, env, &out); err != nil || !strings.Contains(out.String(), "-dry-run") {
		t.Errorf("server help import = %v, %q; want the import's flags", err, out.String())
	}
	for _, args := range [][]string{{"server", "bogus"}, {"server", "-addr", "127.0.0.1:0", "bogus"}, {"server", "help", "bogus"}} {
		err := run(t.Context(), args, env, io.Discard)
		var usage usageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), `unknown command "bogus"`) || !strings.Contains(err.Error(), commands["token"].summary) {
			t.Errorf("%v = %v; want a usage error naming the command and listing the others", args, err)
		}
	}
	if files, _ := os.ReadDir(dir); len(files) > 0 {
		t.Errorf("a refused command line left %v behind: it started something", files)
	}
}
