//go:build unix

package h1client

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
)

// canCheckIdle is true: an idleCheck can see an idle connection's pending
// bytes and close, so connections are pooled.
const canCheckIdle = true

// idleCheck tells whether a pooled connection can carry a request: nothing
// is waiting to be read on it, neither data nor the backend's close. One
// non-blocking MSG_PEEK receive on the socket; TLS connections are checked
// on the TCP connection under them (a close_notify is data there). It is
// built once per connection, so that a check allocates nothing.
type idleCheck struct {
	rc    syscall.RawConn // nil: the connection has no socket to peek at
	peek  func(fd uintptr) bool
	alive bool
}

func (k *idleCheck) init(nc net.Conn) {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	k.rc = rc
	k.peek = func(fd uintptr) bool {
		var b [1]byte
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		k.alive = errors.Is(err, syscall.EAGAIN)
		return true
	}
}

// ok reports whether the connection is idle and open. A connection without
// a socket (a net.Pipe in a custom DialContext) cannot be checked and is
// reported dead, so it is not reused.
func (k *idleCheck) ok() bool {
	if k.rc == nil {
		return false
	}
	k.alive = false
	return k.rc.Read(k.peek) == nil && k.alive
}
