//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"io"
	"os"
	"syscall"
)

// pendingByte is where SQLite's PENDING lock lies in every database file (SQLite's PENDING_BYTE).
const pendingByte = 0x40000000

// restoreWaiting reports whether another process holds a write lock on the file's PENDING byte: in a
// followed file, Litestream waiting to apply an update, or applying it. Asking takes no lock.
func restoreWaiting(f *os.File) bool {
	lock := syscall.Flock_t{Type: syscall.F_RDLCK, Whence: io.SeekStart, Start: pendingByte, Len: 1}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &lock); err != nil {
		return false // then SQLite's own locking, and its busy timeout, decide
	}
	return lock.Type != syscall.F_UNLCK
}
