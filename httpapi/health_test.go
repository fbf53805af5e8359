package httpapi

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/jamforelse/api/seed/seedtest"
	"github.com/jamforelse/api/store"
)

// health asks /healthz and returns its status and body.
func (a *testAPI) health(t *testing.T) (int, string) {
	t.Helper()
	got := a.send(t, "GET", "/healthz", nil, nil)
	return got.status, got.body
}

// TestHealthTellsTheTruth removes or replaces the database's files under a running server: every read
// still works through the connections open, but /healthz answers 503 and says why.
func TestHealthTellsTheTruth(t *testing.T) {
	for _, tt := range []struct {
		name, want string
		break_     func(path string) error
	}{
		{"the database file removed", "was removed or replaced", os.Remove},
		{"the database file replaced", "was removed or replaced", func(path string) error {
			if err := os.WriteFile(path+".new", nil, 0o644); err != nil {
				return err
			}
			return os.Rename(path+".new", path)
		}},
		{"the WAL removed", "cannot be read", func(path string) error { return os.Remove(path + "-wal") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "health.db")
			api := newTestAPIFor(t, seedtest.Open(t, path, store.Options{}), Options{})
			if status, body := api.health(t); status != 200 || !strings.HasPrefix(body, "ok: data version ") {
				t.Fatalf("before: %d %q, want 200 ok", status, body)
			}
			if err := tt.break_(path); err != nil {
				t.Fatal(err)
			}
			status, body := api.health(t)
			if status != 503 || !strings.Contains(body, tt.want) {
				t.Errorf("after: %d %q; want 503 saying %q", status, body, tt.want)
			}
			if strings.Contains(body, path) || strings.Contains(body, "sqlite") {
				t.Errorf("the answer shows internals: %q", body)
			}
			if !strings.Contains(api.log.String(), `"msg":"unhealthy"`) {
				t.Errorf("the log does not keep the cause:\n%s", api.log)
			}
		})
	}
}

// TestHealthOfAReader: a read-only server is healthy while it can read the file, without writing.
func TestHealthOfAReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	seedtest.Open(t, path, store.Options{})
	reader := seedtest.Open(t, path, store.Options{ReadOnly: true})
	if status, body := newTestAPIFor(t, reader, Options{ReadOnly: true}).health(t); status != 200 || !strings.HasPrefix(body, "ok: data version ") {
		t.Errorf("a reader: %d %q, want 200 ok", status, body)
	}
}

// TestHealthOnAFullDisk puts the database on a small file system of its own (a tmpfs, which needs
// root), fills it, and asks: 503 saying the disk is full; with room again, 200.
func TestHealthOnAFullDisk(t *testing.T) {
	dir := t.TempDir()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs to fill needs root")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s); the full-disk check is not tested", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() }) // registered first, so it runs after the database is closed
	api := newTestAPIFor(t, seedtest.Open(t, filepath.Join(dir, "full.db"), store.Options{}), Options{})
	if status, body := api.health(t); status != 200 {
		t.Fatalf("before: %d %q, want 200", status, body)
	}
	filler, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := filler.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	filler.Close()
	if status, body := api.health(t); status != 503 || !strings.Contains(body, "disk holding the database is full") {
		t.Errorf("with the disk full: %d %q; want 503 saying so", status, body)
	}
	os.Remove(filler.Name())
	if status, body := api.health(t); status != 200 {
		t.Errorf("with room again: %d %q, want 200", status, body)
	}
}

// TestAFailedTokenLookupIsInternal: when the database cannot say whether a token is valid, its caller
// is told the service cannot answer now (503, INTERNAL), not that the token is wrong.
func TestAFailedTokenLookupIsInternal(t *testing.T) {
	api := newTestAPI(t, Options{})
	_, admin := tokens(t, api.db)
	api.db.Close()
	got := api.post(t, `{ auditLog(first: 1) { nodes { actor } } }`, nil, bearer(admin))
	if got.status != 503 || !strings.Contains(got.body, `"code":"INTERNAL"`) || strings.Contains(got.body, "UNAUTHENTICATED") || got.header.Get("Retry-After") == "" {
		t.Errorf("a token lookup on a closed database: %d, Retry-After %q, %s; want 503 INTERNAL with Retry-After", got.status, got.header.Get("Retry-After"), got.body)
	}
	if !strings.Contains(api.log.String(), "token lookup failed") {
		t.Errorf("the log does not keep the cause:\n%s", api.log)
	}
}
