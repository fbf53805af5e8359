package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Health is what a health check found.
type Health struct {
	Version int64  // the data version, as a new connection reads it from the file
	Note    string // something an operator may want to know that is not a failure, or ""
}

// Unhealthy is a failed health check: Reason says what is wrong in words safe to show anyone (no
// paths or SQLite internals), Cause is the error behind it, for the log.
type Unhealthy struct {
	Reason string
	Cause  error
}

func (u *Unhealthy) Error() string {
	if u.Cause == nil {
		return u.Reason
	}
	return u.Reason + ": " + u.Cause.Error()
}

// minFreeBytes is the free space below which the disk holding a writer's database counts as full: a
// small write may still fit, but an import or the next WAL checkpoint would not.
const minFreeBytes = 1 << 20

// Health checks what a load balancer must know before it sends this server requests, afresh on every
// call rather than from anything kept in memory:
//
//   - the file at the database's path is still the one this DB opened: a deleted or replaced file
//     goes on working through connections already open, but what they write is lost;
//   - a new connection can read the data version from the file: it fails when the WAL has been
//     deleted, though the connections already open go on reading their own copy;
//   - on a writer, the disk has room, and a one-row write commits (a row of its own table, so the data
//     version does not move). A write that waits for another process's is not a failure; nor is one of
//     this DB's own in progress, which shows writing works.
func (db *DB) Health(ctx context.Context) (Health, error) {
	info, err := os.Stat(db.path)
	if err != nil || !os.SameFile(info, db.file) {
		return Health{}, &Unhealthy{Reason: "the database file was removed or replaced since the server opened it; restart the server", Cause: err}
	}
	version, err := readVersionAfresh(ctx, db.path)
	if err != nil {
		return Health{}, &Unhealthy{Reason: "the database cannot be read (its WAL file may have been removed)", Cause: err}
	}
	h := Health{Version: version}
	if db.readOnly {
		return h, nil
	}
	if free, ok := freeBytes(filepath.Dir(db.path)); ok && free < minFreeBytes {
		return h, &Unhealthy{Reason: fmt.Sprintf("the disk holding the database is full (%d bytes free)", free)}
	}
	if db.writing.Load() > 0 {
		h.Note = "a write is in progress"
		return h, nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err = db.sql.ExecContext(ctx, `INSERT INTO health (id, checked_at) VALUES (1, ?1)
		ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, time.Now().UTC().Format(time.RFC3339Nano))
	var coded interface{ Code() int }
	switch {
	case err == nil:
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &coded) && coded.Code()&0xff == sqliteBusy:
		h.Note = "writes are waiting for another process's write"
	default:
		return h, &Unhealthy{Reason: "the database cannot be written", Cause: err}
	}
	return h, nil
}

// sqliteBusy is SQLITE_BUSY, the primary code of every "locked by another connection" error.
const sqliteBusy = 5

// readVersionAfresh opens a connection of its own, read-only, reads the data version and closes it.
func readVersionAfresh(ctx context.Context, path string) (int64, error) {
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(1000)")
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var version int64
	err = conn.QueryRowContext(ctx, `SELECT version FROM dataset`).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return version, err
}
