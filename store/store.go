// Package store owns the data: what a provider, a metric or an observation is, how it is kept in SQLite,
// and every SQL statement that reads or writes it. Nothing else in the module writes SQL.
package store

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
)

// ErrNotFound means no object has the ID asked for.
var ErrNotFound = errors.New("not found")

// InputError is a problem with what a caller asked for (a malformed ID, cursor or period). Its message
// is written for the caller and is safe to show.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErrorf(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

//go:embed migrations/*.sql
var migrations embed.FS

// DefaultSuppressBelow is the smallest number of individuals a published figure may rest on, as in
// official Swedish statistics: figures based on fewer are withheld.
const DefaultSuppressBelow = 10

// maxConnections is how many connections are open at most: enough for the statements that run at once
// on a small machine (and a few long exports beside them), few enough that their page caches stay small.
const maxConnections = 8

// pageCacheKB bounds each connection's page cache. SQLite's memory is outside the Go heap and its soft
// limit, and with SQLite's default of 2 MB the eight caches (and the sorts, whose memory follows the
// cache's size) were 27 MB of the server's resident memory under 16 clients of large comparisons; the
// file's pages are in the kernel's page cache anyway, so a smaller cache measured no slower.
const pageCacheKB = 500

// Options tune a DB. The zero value is the public default.
type Options struct {
	// SuppressBelow withholds every figure based on fewer individuals than this, and enough others that
	// none can be worked out. The threshold is kept with the data, so servers that only read follow the
	// writer's; 0 keeps the one the data has (DefaultSuppressBelow for a new database).
	SuppressBelow int
	// ReadOnly opens an existing database only to read it, beside a writer in another process or in
	// a copy that Litestream keeps (see isFollowed): no migrations run and every write is refused by
	// SQLite itself.
	ReadOnly bool
	// PrimarySuppressionOnly withholds only the figures based on too few individuals, and no others to
	// protect them. It is unsafe, and there only to show what the disclosure audit finds without
	// complementary suppression.
	PrimarySuppressionOnly bool
}

// DB is the SQLite database behind the graph.
type DB struct {
	sql           *sql.DB
	suppressBelow int // the writer's threshold; 0 keeps the data's
	primaryOnly   bool
	path          string
	file          os.FileInfo // the file opened, to tell when the path names another (see Health)
	readOnly      bool
	followed      *os.File     // the file, when Litestream keeps it (see followedConnector); else nil
	writing       atomic.Int32 // writes in progress through write

	// statements counts every SQL statement run (but the reads of the data version, and the BEGIN and
	// ROLLBACK of read snapshots), so tests can show that a request's cost does not grow with the rows
	// it returns.
	statements atomic.Int64
	// traced, when set, is told every read's SQL and parameters (see TraceReads).
	traced atomic.Pointer[func(query string, args []any)]

	catalogMu sync.Mutex
	catalog   atomic.Pointer[Catalog] // of the latest data version read
	previous  atomic.Pointer[Catalog] // of the version before it, for requests that began before a write
	// opened and versionCheckedAt (time since opened, in nanoseconds) say when the data version was last
	// read from the file; a write through this DB sets it far back, so the next request reads it again.
	opened           time.Time
	versionCheckedAt atomic.Int64
}

// Open opens (creating if needed) the SQLite file at path and brings its schema up to date.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", pageCacheKB))
	if opts.ReadOnly {
		q.Add("mode", "ro")
	} else {
		q.Add("_pragma", "synchronous(normal)")
		q.Add("_pragma", "journal_mode(wal)") // readers never wait for the writer
		q.Add("_txlock", "immediate")         // a write transaction takes the lock at once, not mid-way
	}
	connector, err := sqlite.NewConnector("file:" + path + "?" + q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	var followed *os.File
	if opts.ReadOnly && isFollowed(path) {
		if followed, err = os.Open(path); err != nil {
			return nil, err
		}
		connector = followedConnector{Connector: connector, file: followed}
	}
	sqlDB := sql.OpenDB(connector)
	// Keep connections open between requests: opening one reads the schema again, and database/sql
	// keeps only two idle by default, so under load it would open and close connections all the time.
	// Each connection has a page cache of its own (pageCacheKB), so their number is bounded too: statements
	// beyond it wait for a connection, which costs little when there are only two cores to run them on.
	// No code path holds a connection while it waits for a second one, so the bound cannot deadlock.
	sqlDB.SetMaxOpenConns(maxConnections)
	sqlDB.SetMaxIdleConns(maxConnections / 2)
	sqlDB.SetConnMaxIdleTime(30 * time.Second)
	db := &DB{sql: sqlDB, suppressBelow: max(opts.SuppressBelow, 0), primaryOnly: opts.PrimarySuppressionOnly,
		path: path, readOnly: opts.ReadOnly, followed: followed, opened: time.Now()}
	db.readVersionAgain()
	if opts.ReadOnly {
		if err := db.checkVersion(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("open %s read-only: %w", path, err)
		}
	} else {
		if err := db.migrate(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("migrate %s: %w", path, err)
		}
		if err := db.keepThreshold(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	if db.file, err = os.Stat(path); err != nil { // it exists now: a connection has opened it
		db.Close()
		return nil, err
	}
	return db, nil
}

// readVersionAgain makes the next Catalog call read the data version from the file.
func (db *DB) readVersionAgain() { db.versionCheckedAt.Store(math.MinInt64 / 2) }

// Close closes the database.
func (db *DB) Close() error {
	err := db.sql.Close()
	if db.followed != nil {
		// Only now: closing any descriptor of the file drops every lock this process holds on it,
		// SQLite's too.
		db.followed.Close()
	}
	return err
}

// Followed reports whether the database is a copy that Litestream keeps, read with a connection for
// each read.
func (db *DB) Followed() bool { return db.followed != nil }

// Statements reports how many SQL statements this DB has run since it was opened.
func (db *DB) Statements() int64 { return db.statements.Load() }

// migrate applies, in order, each migration file not yet applied. PRAGMA user_version records how many
// have run; each file runs in its own transaction together with the bump of that number.
func (db *DB) migrate(ctx context.Context) error {
	version, names, err := db.schemaVersion(ctx)
	if err != nil {
		return err
	}
	if version > len(names) {
		return fmt.Errorf("database schema version %d is newer than this program (%d)", version, len(names))
	}
	for i := version; i < len(names); i++ {
		script, err := migrations.ReadFile(names[i])
		if err != nil {
			return err
		}
		err = db.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(script)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
				return err
			}
			if i < len(names)-1 {
				return nil
			}
			// Figures a migration queued are decided on in the same transaction as the last one, so no
			// reader of this program's schema sees them undecided; and the search index is filled as this
			// program builds it.
			if err := db.decideInMigration(ctx, tx); err != nil {
				return err
			}
			return rebuildSearch(ctx, tx)
		})
		if err != nil {
			return fmt.Errorf("%s: %w", names[i], err)
		}
	}
	return nil
}

// schemaVersion reads how many migrations the database has had, and lists this program's.
func (db *DB) schemaVersion(ctx context.Context) (version int, names []string, err error) {
	if names, err = fs.Glob(migrations, "migrations/*.sql"); err != nil {
		return 0, nil, err
	}
	err = db.sql.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version)
	return version, names, err
}

// checkVersion makes sure a database opened read-only has this program's schema, since it cannot be
// migrated.
func (db *DB) checkVersion(ctx context.Context) error {
	version, names, err := db.schemaVersion(ctx)
	if err != nil {
		return err
	}
	if version != len(names) {
		return fmt.Errorf("the database's schema is version %d and this program's %d: let the writer migrate it first", version, len(names))
	}
	return nil
}

// decideInMigration decides suppression for the figures a migration queued, moving the data version if
// that changed what is shown, so no cached answer of the old version is served again.
func (db *DB) decideInMigration(ctx context.Context, tx *sql.Tx) error {
	stamp, err := nextStamp(ctx, tx)
	if err != nil {
		return err
	}
	changed, err := db.decideQueued(ctx, tx, stamp)
	if err != nil || changed == 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE dataset SET version = version + 1, updated_at = ?1`, stamp)
	return err
}

// keepThreshold stores the writer's threshold with the data, deciding every figure's suppression again
// when it differs from the one stored.
func (db *DB) keepThreshold(ctx context.Context) error {
	if db.suppressBelow == 0 {
		return nil
	}
	var stored int
	err := db.sql.QueryRowContext(ctx, `SELECT suppress_below FROM dataset`).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) || err == nil && stored == db.suppressBelow {
		return nil // a new database takes the threshold when its data is loaded
	} else if err != nil {
		return err
	}
	ch := Change{Actor: "server", Operation: "setSuppressionThreshold"}
	return db.write(ctx, ch, func(tx *sql.Tx, stamp string) (any, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE dataset SET suppress_below = ?1`, db.suppressBelow); err != nil {
			return nil, err
		}
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO disclosure_queue
			SELECT DISTINCT municipality_code, substr(period_start, 1, 4), metric_id FROM observations`)
		return map[string]int{"from": stored, "to": db.suppressBelow}, err
	})
}

// Snapshot writes a consistent copy of the whole database to path while it stays in use: SQLite's
// VACUUM INTO reads one snapshot of the data, so writes that go on meanwhile are not half in it.
func (db *DB) Snapshot(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("snapshot: %s exists already", path)
	}
	db.statements.Add(1)
	_, err := db.sql.ExecContext(ctx, `VACUUM INTO ?1`, path)
	return err
}

// inTx runs fn in a transaction and commits it if fn returns nil; otherwise nothing fn did is kept.
func (db *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Change says who makes a write and why, for the audit log and the history of each figure.
type Change struct {
	Actor     string  // the token's name, or "seed" or "command line"
	Operation string  // what was done, such as "importObservations"
	Reason    *string // why, when given
}

// errUnchanged, returned by a write's function, means it found nothing to change: the transaction is
// rolled back and the data version stays as it was.
var errUnchanged = errors.New("unchanged")

// errDryRun, returned by a write's function, rolls back everything it did: a trial run.
var errDryRun = errors.New("dry run")

// errOnlyBookkeeping, returned by a write's function, means it changed no data but kept a note of its
// own (when a synchronisation ran): the transaction commits, and the data version stays as it was.
var errOnlyBookkeeping = errors.New("only bookkeeping")

// write runs fn in a write transaction and, if fn changed anything, decides again which figures of the
// groups it touched to withhold, moves the data version and updatedAt, rebuilds the search index and
// records the change in the audit log with fn's summary.
// stamp is the time of the write in RFC 3339, taken once the transaction holds the write lock, so
// stamps follow the order writes commit in and a client syncing by updatedSince cannot miss one.
func (db *DB) write(ctx context.Context, ch Change, fn func(tx *sql.Tx, stamp string) (summary any, err error)) error {
	return db.writeAndIndex(ctx, ch, true, fn)
}

// writeFigures is write for a function that changes only figures and their history: the search index
// covers none of them (rebuilding it costs a tenth of a second on the national data set, for nothing),
// and of the catalog only the latest periods follow them, so it is carried to the new version.
func (db *DB) writeFigures(ctx context.Context, ch Change, fn func(tx *sql.Tx, stamp string) (summary any, err error)) error {
	return db.writeAndIndex(ctx, ch, false, fn)
}

func (db *DB) writeAndIndex(ctx context.Context, ch Change, index bool, fn func(tx *sql.Tx, stamp string) (summary any, err error)) error {
	var ps problems
	textField(&ps, 0, "reason", ch.Reason, MaxReasonLength, true)
	if err := ps.err(); err != nil {
		return err
	}
	db.writing.Add(1)
	defer db.writing.Add(-1)
	var carried *Catalog
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		stamp, err := nextStamp(ctx, tx)
		if err != nil {
			return err
		}
		summary, err := fn(tx, stamp)
		bookkeeping := errors.Is(err, errOnlyBookkeeping)
		if err != nil && !bookkeeping {
			return err
		}
		// Whatever fn wrote, no figure leaves this transaction undecided.
		if _, err := db.decideQueued(ctx, tx, stamp); err != nil {
			return err
		}
		if bookkeeping {
			return nil
		}
		var version int64 // 0 when there is no data set yet
		err = tx.QueryRowContext(ctx, `UPDATE dataset SET version = version + 1, updated_at = ?1 RETURNING version`, stamp).Scan(&version)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if !index && version > 0 {
			if carried, err = db.carriedCatalog(ctx, tx, version, stamp); err != nil {
				return err
			}
		}
		record, err := json.Marshal(map[string]any{"reason": ch.Reason, "changes": summary})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor, operation, summary) VALUES (?1, ?2, ?3, ?4)`,
			stamp, ch.Actor, ch.Operation, string(record)); err != nil {
			return err
		}
		if !index {
			return nil
		}
		return rebuildSearch(ctx, tx)
	})
	if err == nil && carried != nil {
		db.catalogMu.Lock()
		db.keepLatest(carried)
		db.catalogMu.Unlock()
	}
	db.readVersionAgain() // whatever happened
	if errors.Is(err, errUnchanged) || errors.Is(err, errDryRun) {
		return nil
	}
	return err
}

// nextStamp is the time of a write: now, or just after the previous write if the clock has not moved on
// (or has gone back), so every write's stamp is later than the one before and a client that syncs
// from the last stamp it saw, exclusively, misses nothing and fetches nothing twice.
func nextStamp(ctx context.Context, tx *sql.Tx) (string, error) {
	now := time.Now().UTC()
	var prev string
	err := tx.QueryRowContext(ctx, `SELECT updated_at FROM dataset`).Scan(&prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	if last, err := time.Parse(time.RFC3339Nano, prev); err == nil && !now.After(last) {
		now = last.Add(time.Nanosecond)
	}
	return now.Format(time.RFC3339Nano), nil
}

// txQuery runs a query inside tx and counts it like any other statement.
func (db *DB) txQuery(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	db.counted(query, args)
	return tx.QueryContext(ctx, query, args...)
}

// IntegrityCheck runs SQLite's own consistency check of the whole file.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	var result string
	if err := db.queryRow(ctx, `PRAGMA integrity_check`).Scan(&result); err != nil {
		return err
	}
	if result != "ok" {
		return fmt.Errorf("integrity check: %s", result)
	}
	return nil
}

// InUse reports how many database connections are busy now: after every request, none should be.
func (db *DB) InUse() int { return db.sql.Stats().InUse }

// Connections reports how many database connections are open, and how many of them are busy.
func (db *DB) Connections() (open, inUse int) {
	stats := db.sql.Stats()
	return stats.OpenConnections, stats.InUse
}

// Path is the database file's.
func (db *DB) Path() string { return db.path }

// ReadOnly reports whether the database was opened only to read.
func (db *DB) ReadOnly() bool { return db.readOnly }
