package functions

import "runtime"

// isWindows: Windows has no executable bit to check.
const isWindows = runtime.GOOS == "windows"
