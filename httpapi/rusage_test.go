//go:build unix

package httpapi

import (
	"syscall"
	"time"
)

// processorTime is the processor time the process has used, in user and system mode.
func processorTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
