package export_test

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jamforelse/api/export"
	"github.com/jamforelse/api/seed/seedtest"
	"github.com/jamforelse/api/store"
)

// seededFile is the seed data in a database file, with the path, so a test can damage it.
func seededFile(t *testing.T) (*store.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "export.db")
	return seedtest.Open(t, path, store.Options{}), path
}

// damage stores an infinite value in the first or the last observation (seq = min or max) behind the
// store's back, as a database written before the one door (store.FigureProblems) may hold one, and
// returns how many rows come before it and its ID.
func damage(t *testing.T, path, seq string) (int, string) {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n int
	var id string
	if err := raw.QueryRow(`SELECT (SELECT count(*) FROM observations WHERE seq < o.seq), 'Observation:' || substr(metric_id, 8) || '/' || coalesce(substr(provider_id, 10), municipality_code) || '/' || period
		FROM observations o WHERE seq = (SELECT `+seq+`(seq) FROM observations)`).Scan(&n, &id); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE observations SET value = 9e999 WHERE seq = (SELECT ` + seq + `(seq) FROM observations)`); err != nil {
		t.Fatal(err)
	}
	return n, id
}

// TestAnExportThatFailsSaysWhichRow: a value no reader can use fails the export at its row, in both
// formats (a RowError naming the row, its ID and the bytes already sent: some when it is the last row,
// none when it is the first); a client that goes away fails it at the row being written.
func TestAnExportThatFailsSaysWhichRow(t *testing.T) {
	db, path := seededFile(t)
	c, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, seq := range []string{"max", "min"} {
		before, id := damage(t, path, seq)
		for _, format := range []export.Format{export.CSV, export.NDJSON} {
			var out bytes.Buffer
			_, err := export.Write(t.Context(), &out, db, c, export.File{Table: "observations", Format: format}, export.Filter{})
			var rowErr *export.RowError
			if !errors.As(err, &rowErr) || rowErr.Row != before+1 || rowErr.ID != id || (rowErr.Sent == 0) != (seq == "min") || int64(out.Len()) != rowErr.Sent ||
				!strings.Contains(err.Error(), "value is +Inf, which no reader can use") {
				t.Errorf("%s export of a damaged row = %v (%+v), want a RowError at row %d, %s, after what was sent", format, err, rowErr, before+1, id)
			}
		}
	}

	// A fresh copy, undamaged, so the export gets as far as the writer lets it.
	db, _ = seededFile(t)
	if c, err = db.Catalog(t.Context()); err != nil {
		t.Fatal(err)
	}
	gone := &failingWriter{after: 10_000}
	_, err = export.Write(t.Context(), gone, db, c, export.File{Table: "observations", Format: export.NDJSON}, export.Filter{})
	var rowErr *export.RowError
	if !errors.As(err, &rowErr) || !errors.Is(err, io.ErrClosedPipe) || rowErr.Sent != 0 || rowErr.Row < 2 {
		t.Errorf("export to a client that went away = %v, want a RowError at the row being written, with the writer's error", err)
	}
}

// failingWriter takes nothing once it has been offered after bytes, as a closed connection.
type failingWriter struct{ offered, after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.offered += len(p); w.offered > w.after {
		return 0, fmt.Errorf("write: %w", io.ErrClosedPipe)
	}
	return len(p), nil
}
