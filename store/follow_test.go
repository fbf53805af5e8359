package store

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// litestream is the Litestream binary that .ci/install-litestream installs; without it the test is
// skipped, or fails where REQUIRE_LITESTREAM is set, as in CI.
func litestream(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("litestream")
	if err != nil {
		if os.Getenv("REQUIRE_LITESTREAM") != "" {
			t.Fatal("litestream is not installed (.ci/install-litestream), and REQUIRE_LITESTREAM is set")
		}
		t.Skip("litestream is not installed; .ci/install-litestream builds it")
	}
	return path
}

// startLitestream runs litestream with args until the test ends; its log is shown if the test fails.
func startLitestream(t *testing.T, bin string, args ...string) {
	t.Helper()
	var log bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("litestream %s:\n%s", args[0], log.String())
		}
	})
}

// waitFor polls ok until it holds; a minute is far longer than any step here takes (a second or
// two), so running out of it means the thing waited for never happens.
func waitFor(t *testing.T, what string, ok func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !ok() {
		if time.Since(start) > time.Minute {
			t.Fatalf("%s: still not after a minute", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// TestAFollowedCopyKeepsUpWhileItIsRead replicates a writer's database with Litestream to a file
// replica, keeps a copy of it with `litestream restore -f`, and reads the copy read-only from more
// goroutines than the DB has connections, without a pause: every write and every beat of the writer
// reaches the copy, and the reads see it. Before a followed copy got a connection for each read, the
// copy stayed as it was when the reader opened it (its idle connections held SQLite's lock), and the
// restore applied nothing until the reader closed.
func TestAFollowedCopyKeepsUpWhileItIsRead(t *testing.T) {
	bin := litestream(t)
	dir := t.TempDir()
	writer := openTestDB(t, smallDataset())
	replica, copyPath := "file://"+filepath.Join(dir, "replica"), filepath.Join(dir, "copy.db")
	startLitestream(t, bin, "replicate", writer.path, replica)
	waitFor(t, "the first replication", func() bool {
		return exec.Command(bin, "restore", "-o", filepath.Join(dir, "probe.db"), replica).Run() == nil
	})
	startLitestream(t, bin, "restore", "-f", "-follow-interval", "100ms", "-o", copyPath, replica)
	waitFor(t, "the restore to follow the replica", func() bool { return isFollowed(copyPath) })

	reader, err := Open(t.Context(), copyPath, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if !reader.Followed() {
		t.Fatal("the reader does not see that Litestream keeps its file")
	}
	ctx, stop := context.WithCancel(t.Context())
	var readers sync.WaitGroup
	for range 2 * maxConnections {
		readers.Go(func() {
			for ctx.Err() == nil {
				snapshot, end := reader.BeginRead(ctx)
				reader.Catalog(snapshot)
				end()
			}
		})
	}
	defer func() { stop(); readers.Wait() }()

	n := totalCount(t, t.Context(), reader)
	for i, period := range []string{"2030", "2031", "2032"} {
		addFigure(t, writer, period)
		took := waitFor(t, "the reader to see figure "+period, func() bool { return totalCount(t, t.Context(), reader) == n+i+1 })
		t.Logf("figure %s reached the reader in %s", period, took.Round(time.Millisecond))

		// A beat rewrites one row in place: no new page, no change to page 1, so only a read that
		// starts from the file sees it.
		if err := writer.Beat(t.Context()); err != nil {
			t.Fatal(err)
		}
		beat, err := writer.LastBeat(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		took = waitFor(t, "the reader to see the beat", func() bool {
			seen, err := reader.LastBeat(t.Context())
			return err == nil && seen.Equal(beat)
		})
		t.Logf("the beat after it reached the reader in %s", took.Round(time.Millisecond))
	}
}
