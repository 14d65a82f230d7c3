//go:build !linux

package rapi

import (
	"errors"
	"net"
)

// procCheckAvailable is false: only Linux tells which process owns a
// socket without cgo, so other platforms use the secret path.
func procCheckAvailable() bool { return false }

func connFromTree(net.Conn, int) (bool, error) {
	return false, errors.New("process check unavailable on this platform")
}
