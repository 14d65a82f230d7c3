package rapi

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Who may use an instance's Runtime API.
//
// The Runtime API hands out events (with the callers' tokens) and takes the
// answers that decide, for a Lambda authorizer, whether a request reaches a
// protected backend. Only the function's own process tree may use it; every
// other process on the host is refused before a single request is read, so
// an invocation is never handed to anyone else. Two guards exist, chosen at
// Start:
//
//   - Process check (Linux, when /proc is readable): the listener stays at
//     127.0.0.1:<port> and AWS_LAMBDA_RUNTIME_API is the plain host:port every
//     Lambda runtime client expects. Before the first byte of a connection is
//     read, the client's socket is looked up in /proc/net/tcp (or tcp6) and
//     must be an open descriptor of the admitted process (see
//     Server.Admit) or of one of its descendants (found through the parent
//     pids in /proc/<pid>/stat). A connection from any other process, of any
//     user, is closed unread. Defends against every local process that cannot
//     already control the function (ptrace it, or run as root).
//   - Secret path (every other platform, and Linux without a usable /proc):
//     AWS_LAMBDA_RUNTIME_API is host:port/<128-bit random hex>, and a request
//     whose path does not start with that segment is answered 404 and
//     logged. Clients that build their URLs as "http://" + value + "/2018-06-01/..."
//     (aws-lambda-go, curl-based bootstraps, apigw's own Node and Python
//     bootstraps) keep working; clients that parse the value as host:port do
//     not. Defends against processes that cannot read the function's
//     environment: other users' processes; not the same user's, which can
//     read /proc/<pid>/environ (or its platform's equivalent).

// guard is how a Server checks who connects. The zero value is no check
// (Start sets one).
type guard struct {
	// procCheck is true when connections are checked against the admitted
	// process tree (Linux).
	procCheck bool
	// secret is the path segment every request must start with when
	// procCheck is false.
	secret string

	admitOnce sync.Once
	admitted  chan struct{} // closed by Admit
	root      int           // written before admitted is closed
}

// admitWait bounds how long a connection waits for Admit before it is
// closed: the process cannot connect before it exists, so this only matters
// when the supervisor gave up starting it.
const admitWait = 30 * time.Second

func newGuard(procCheckAvailable bool) (*guard, error) {
	g := &guard{procCheck: procCheckAvailable, admitted: make(chan struct{})}
	if !g.procCheck {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("generating runtime API secret: %w", err)
		}
		g.secret = hex.EncodeToString(b[:])
	}
	return g, nil
}

// address returns the value of AWS_LAMBDA_RUNTIME_API for a listener at
// hostport.
func (g *guard) address(hostport string) string {
	if g.procCheck {
		return hostport
	}
	return hostport + "/" + g.secret
}

// Admit names the process whose tree may use the Runtime API: the runtime's
// process, started with AWS_LAMBDA_RUNTIME_API set to the address Start
// returned. Connections that arrive before Admit wait for it. Only the first
// call counts. Without the process check (see "Who may use" above) Admit
// changes nothing.
func (s *Server) Admit(pid int) {
	s.mu.Lock()
	g := s.guard
	s.mu.Unlock()
	if g == nil {
		return
	}
	g.admitOnce.Do(func() {
		g.root = pid
		close(g.admitted)
	})
}

// errNotAdmitted is returned by the first Read of a connection that does
// not come from the admitted process tree.
var errNotAdmitted = errors.New("runtime API: connection refused: not from the function's process tree")

// guardedListener checks each accepted connection on its first Read, in the
// connection's own goroutine, so that a slow check never stalls Accept.
type guardedListener struct {
	net.Listener
	s *Server
	g *guard
}

func (l *guardedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &guardedConn{Conn: c, l: l}, nil
}

type guardedConn struct {
	net.Conn
	l     *guardedListener
	once  sync.Once
	admit error
}

// Read checks the connection before its first byte is read. A refused
// connection is closed and reads as io.EOF, so that the HTTP server drops it
// without writing anything back.
func (c *guardedConn) Read(p []byte) (int, error) {
	c.once.Do(func() {
		if c.admit = c.l.check(c.Conn); c.admit != nil {
			_ = c.Conn.Close()
		}
	})
	if c.admit != nil {
		return 0, io.EOF
	}
	return c.Conn.Read(p)
}

// Write fails on a connection that was refused (or not yet checked: the
// server reads a request before it writes).
func (c *guardedConn) Write(p []byte) (int, error) {
	c.once.Do(func() { c.admit = errNotAdmitted })
	if c.admit != nil {
		return 0, c.admit
	}
	return c.Conn.Write(p)
}

// check waits for Admit and reports whether c comes from the admitted tree.
func (l *guardedListener) check(c net.Conn) error {
	t := time.NewTimer(admitWait)
	defer t.Stop()
	select {
	case <-l.g.admitted:
	case <-l.s.closing:
		return errNotAdmitted
	case <-t.C:
		l.s.log.Warn("runtime API: connection closed: no process admitted", "remote", c.RemoteAddr().String())
		return errNotAdmitted
	}
	ok, err := connFromTree(c, l.g.root)
	if err != nil {
		l.s.log.Warn("runtime API: connection refused: its process could not be checked", "remote", c.RemoteAddr().String(), "err", err)
		return errNotAdmitted
	}
	if !ok {
		l.s.log.Warn("runtime API: connection refused: not from the function's process tree", "remote", c.RemoteAddr().String(), "pid", l.g.root)
		return errNotAdmitted
	}
	return nil
}

// secretHandler serves h under the guard's secret path segment and answers
// anything else 404.
func (s *Server) secretHandler(g *guard, h http.Handler) http.Handler {
	prefix := "/" + g.secret
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if len(p) <= len(prefix) || p[len(prefix)] != '/' ||
			subtle.ConstantTimeCompare([]byte(p[:len(prefix)]), []byte(prefix)) != 1 {
			s.log.Warn("runtime API: request without the instance's secret path refused", "remote", r.RemoteAddr)
			http.NotFound(w, r)
			return
		}
		r2 := new(http.Request)
		*r2 = *r
		u := *r.URL
		u.Path = p[len(prefix):]
		u.RawPath = ""
		if strings.HasPrefix(r.URL.RawPath, prefix+"/") {
			u.RawPath = r.URL.RawPath[len(prefix):]
		}
		r2.URL = &u
		h.ServeHTTP(w, r2)
	})
}
