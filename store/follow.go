package store

import (
	"context"
	"database/sql/driver"
	"os"
	"time"
)

// A reader machine keeps its copy of the database with `litestream restore -f`, which writes the pages
// of each new transaction straight into the file while it holds SQLite's own locks on it (the PENDING
// byte, then every SHARED lock, exclusively), waiting until no reader holds a SHARED lock. Two things
// SQLite does then decide whether the copy keeps up while a server reads it:
//
//   - A connection to a database in WAL mode holds its SHARED lock for as long as it is open, not
//     only while it reads. The copy is in WAL mode as restored, and stays so once a connection has
//     made a -wal file beside it, so the idle connections database/sql keeps froze every update for
//     as long as the server ran.
//   - A connection keeps the pages it has read and, outside WAL mode, trusts them while the change
//     counter on page 1 stays the same. Litestream changes that counter only when page 1 is among a
//     transaction's pages, which it mostly is not (a figure corrected in place touches one page of
//     its table), so a connection kept across an update could read old pages beside new ones.
//
// So every connection to a followed file is used once (see usedOnce): database/sql opens one for
// each read (a request's snapshot, a look at the data version) and closes it when the read ends.
// SQLite's lock is held only while reading, and each read starts from what is in the file. And since
// SQLite lets a second connection in the same process share the lock the first holds, a busy server
// would hold it without a break: a new connection first waits, at most followWait, while another
// process (Litestream) holds the PENDING byte, so that the reads in flight drain and the update goes
// in (see restoreWaiting).

// followWait bounds how long a new read waits for Litestream to apply an update: longer than the
// reads in flight normally take (a query of the dashboard's takes at most a tenth of a second), so the
// update goes in first, but short, since a long read (a download of a whole table) also holds the
// update off, and the reads behind it should not wait for its end.
const followWait = time.Second

// isFollowed reports whether `litestream restore -f` keeps the file at path: it writes the ID of the
// last transaction it applied beside the file, in PATH-txid.
func isFollowed(path string) bool {
	_, err := os.Stat(path + "-txid")
	return err == nil
}

// followedConnector opens the connections to a followed file.
type followedConnector struct {
	driver.Connector
	file *os.File // the database file, open to ask whose locks it has; see DB.Close
}

func (c followedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	deadline := time.Now().Add(followWait)
	for pause := time.Millisecond; restoreWaiting(c.file) && time.Now().Before(deadline); pause = min(2*pause, 20*time.Millisecond) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
	}
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return usedOnce{conn.(sqliteConn)}, nil
}

// sqliteConn is what database/sql uses of a modernc.org/sqlite connection.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
}

// usedOnce is a connection that database/sql closes when it is given back, rather than keep it idle
// or hand it to the next caller.
type usedOnce struct{ sqliteConn }

func (usedOnce) IsValid() bool { return false }
