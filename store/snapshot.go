package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
)

// snapshotKey marks a request's read snapshot in its context.
type snapshotKey struct{}

// readSnapshot is one SQLite read transaction shared by every read of a request (see BeginRead).
type readSnapshot struct {
	db  *DB
	ctx context.Context // the request's: it bounds the wait for a connection, and each statement

	mu   sync.Mutex // guards conn, tx and err
	conn *sql.Conn
	tx   *sql.Tx
	err  error

	catalogMu sync.Mutex // one load of the catalog per snapshot
	catalog   atomic.Pointer[Catalog]
}

// errSnapshotEnded refuses a read made after its request's snapshot ended.
var errSnapshotEnded = errors.New("read after the request's snapshot ended")

// BeginRead returns a context in which every read of db sees the same committed state of the data,
// and a function that ends it: the statements of one GraphQL answer run concurrently, and without it
// two of them could fall on either side of an import. The catalog comes from the same state.
//
// The read transaction begins with the first read, so a request that reads nothing (an answer the
// HTTP layer has kept) takes no connection, and it lasts until end is called, which the caller does
// when the request is done: a long read transaction keeps SQLite from checkpointing the WAL past it.
// The reads of one request take turns on its one connection; concurrent requests each have their
// own, so readers do not wait for each other (or, in WAL mode, for the writer). Writes never go
// through a snapshot. Calling BeginRead again with its context returns the same snapshot.
func (db *DB) BeginRead(ctx context.Context) (context.Context, func()) {
	if db.snapshot(ctx) != nil {
		return ctx, func() {}
	}
	s := &readSnapshot{db: db, ctx: ctx}
	return context.WithValue(ctx, snapshotKey{}, s), s.end
}

// snapshot returns the read snapshot of db that ctx carries, or nil.
func (db *DB) snapshot(ctx context.Context) *readSnapshot {
	if s, _ := ctx.Value(snapshotKey{}).(*readSnapshot); s != nil && s.db == db {
		return s
	}
	return nil
}

// transaction returns the snapshot's transaction, beginning it on first use, which may wait for a
// connection. While it waits, its request holds no connection, nor any lock that another request's
// reads wait for (see catalogIn), so the bound on connections cannot deadlock.
func (s *readSnapshot) transaction() (*sql.Tx, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tx != nil || s.err != nil {
		return s.tx, s.err
	}
	if s.conn, s.err = s.db.sql.Conn(s.ctx); s.err != nil {
		return nil, s.err
	}
	// The transaction lives until end, not until the request's context is done: database/sql would
	// then roll it back on a goroutine of its own, and the connection would come free some time after
	// the request. ReadOnly makes the driver send a plain BEGIN, not the writer's BEGIN IMMEDIATE:
	// SQLite takes the snapshot at the first statement, and never a write lock.
	if s.tx, s.err = s.conn.BeginTx(context.WithoutCancel(s.ctx), &sql.TxOptions{ReadOnly: true}); s.err != nil {
		s.conn.Close()
	}
	return s.tx, s.err
}

// end rolls the transaction back once its open rows are closed (database/sql cancels them) and gives
// the connection back, before it returns; any read that comes later is refused. A snapshot that has
// begun reading must be ended, or its connection stays taken.
func (s *readSnapshot) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tx != nil {
		s.tx.Rollback()
		s.conn.Close()
	}
	s.tx, s.err = nil, errSnapshotEnded
}

// catalogOf returns the catalog of the snapshot's data version, reading the version inside its
// transaction.
func (s *readSnapshot) catalogOf() (*Catalog, error) {
	if c := s.catalog.Load(); c != nil {
		return c, nil
	}
	s.catalogMu.Lock()
	defer s.catalogMu.Unlock()
	if c := s.catalog.Load(); c != nil {
		return c, nil
	}
	tx, err := s.transaction()
	if err != nil {
		return nil, err
	}
	c, err := s.db.catalogIn(s.ctx, tx)
	if err != nil {
		return nil, err
	}
	s.catalog.Store(c)
	return c, nil
}

// rowScanner is what queryRow returns: a *sql.Row, or a failure to begin the snapshot's transaction.
type rowScanner interface{ Scan(dest ...any) error }

type failedRow struct{ err error }

func (r failedRow) Scan(...any) error { return r.err }

func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	db.counted(query, args)
	if s := db.snapshot(ctx); s != nil {
		tx, err := s.transaction()
		if err != nil {
			return nil, err
		}
		return tx.QueryContext(ctx, query, args...)
	}
	return db.sql.QueryContext(ctx, query, args...)
}

func (db *DB) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	db.counted(query, args)
	if s := db.snapshot(ctx); s != nil {
		tx, err := s.transaction()
		if err != nil {
			return failedRow{err}
		}
		return tx.QueryRowContext(ctx, query, args...)
	}
	return db.sql.QueryRowContext(ctx, query, args...)
}
