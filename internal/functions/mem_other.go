//go:build !linux

package functions

// maxMemoryMB reports that the peak memory of a process is unknown: only
// Linux exposes it cheaply (/proc/{pid}/status).
func maxMemoryMB(int) (int, bool) { return 0, false }
