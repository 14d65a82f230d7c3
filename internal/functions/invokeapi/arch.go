package invokeapi

import "runtime"

// architecture is the Lambda architecture of the machine the functions run
// on: arm64 on arm64, x86_64 everywhere else.
func architecture() string {
	if runtime.GOARCH == "arm64" {
		return "arm64"
	}
	return "x86_64"
}
