//go:build !linux

package accesslog

import "time"

// processCPU is only measured on Linux.
func processCPU() (time.Duration, bool) { return 0, false }
