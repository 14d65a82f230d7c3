//go:build !unix

package h1client

import "net"

// canCheckIdle is false: this platform gives no non-blocking peek at a
// socket, so an idle connection's unsolicited bytes could not be noticed
// before reuse. Connections are closed after each exchange instead.
const canCheckIdle = false

// idleCheck is never consulted on this platform (canCheckIdle is false).
type idleCheck struct{}

func (*idleCheck) init(net.Conn) {}
func (*idleCheck) ok() bool      { return false }
