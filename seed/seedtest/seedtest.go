// Package seedtest opens real SQLite files holding the seed data, for other packages' tests: the one
// place that setup is written.
package seedtest

import (
	"path/filepath"
	"testing"

	"github.com/jamforelse/api/seed"
	"github.com/jamforelse/api/store"
)

// Open opens a new database file at path with opts and loads the seed data into it (a read-only open
// is left as it is: it cannot be written); the file is closed when the test ends.
func Open(t testing.TB, path string, opts store.Options) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if !opts.ReadOnly {
		if err := seed.Load(t.Context(), db); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// DB is Open on a new file in the test's temporary directory, with the default options.
func DB(t testing.TB) *store.DB {
	t.Helper()
	return Open(t, filepath.Join(t.TempDir(), "seed.db"), store.Options{})
}
