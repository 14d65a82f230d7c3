//go:build unix

package httpproxy

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
)

// connAlive reports whether a pooled connection can carry a request: nothing
// is waiting to be read on it, neither data nor the backend's close. One
// non-blocking MSG_PEEK receive on the socket; TLS connections are checked
// on the TCP connection under them (a close_notify is data there).
func connAlive(nc net.Conn) bool {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := false
	err = rc.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		alive = errors.Is(err, syscall.EAGAIN)
		return true
	})
	return err == nil && alive
}
