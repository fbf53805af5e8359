//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package store

import "os"

// restoreWaiting cannot ask for the file's locks here; SQLite's own locking, and its busy timeout,
// decide alone.
func restoreWaiting(*os.File) bool { return false }
