//go:build !linux

package functions

import "time"

// memReader reports that the peak memory of a process is unknown: only
// Linux exposes it cheaply (/proc/{pid}/status).
type memReader struct{}

func (*memReader) maxMemoryMB(int, bool, time.Time) (int, bool) { return 0, false }
func (*memReader) close()                                       {}
