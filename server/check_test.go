package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jamforelse/api/seed"
)

// TestCheckReportsWhatAFileHolds runs `server check` on a seeded file, and on a file whose pages
// were overwritten, which it refuses.
func TestCheckReportsWhatAFileHolds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checked.db")
	db, err := openSeeded(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Beat(t.Context()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	var out strings.Builder
	if err := run(t.Context(), []string{"server", "check", "-db", path}, func(string) string { return "" }, &out); err != nil {
		t.Fatalf("check = %v\n%s", err, out.String())
	}
	ds, err := seed.Data()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"integrity: ok\n", "data version: 1\n", fmt.Sprintf("observations: %d\n", len(ds.Observations)), "last beat: 20"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check says\n%s\nwant a line %q", out.String(), want)
		}
	}

	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte(strings.Repeat("x", 4096)), 3*4096) // a page of some table, not the header
	f.Close()
	out.Reset()
	if err := run(t.Context(), []string{"server", "check", "-db", path}, func(string) string { return "" }, &out); err == nil || !strings.Contains(out.String(), "integrity: FAILED") {
		t.Errorf("check of a damaged file = %v:\n%s\nwant the integrity check failed", err, out.String())
	}
}

// TestHeartbeatWritesTheTime: the writer's heartbeat moves the time of the last beat.
func TestHeartbeatWritesTheTime(t *testing.T) {
	db, err := openSeeded(t.Context(), filepath.Join(t.TempDir(), "beating.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	before := time.Now()
	ctx, stop := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		beat(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), db, 10*time.Millisecond)
		close(done)
	}()
	defer func() { stop(); <-done }()
	for {
		last, err := db.LastBeat(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if last.After(before) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := parseConfig([]string{"server", "-heartbeat", "often"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("-heartbeat often was accepted, want an error")
	}
	if cfg, err := parseConfig([]string{"server"}, func(k string) string { return map[string]string{"HEARTBEAT": "2s"}[k] }, io.Discard); err != nil || cfg.heartbeat != 2*time.Second {
		t.Errorf("HEARTBEAT=2s: %v, %v", cfg.heartbeat, err)
	}
}
