package h1client

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Transport is the HTTP/1.1 client of HTTP_PROXY and private integrations
// (see the package documentation). Build one with New at startup and share
// it between invokers, so that they share its connection pools. It is safe
// for concurrent use.
//
// What it does: HTTP/1.1 only, over TCP or TLS (ALPN "http/1.1"); no
// compression of its own (the client's Accept-Encoding and the backend's
// Content-Encoding pass through unchanged); no proxies from the
// environment; up to MaxIdleConnsPerHost idle connections per host, closed
// after IdleConnTimeout; no dial, handshake or header timeouts of its own:
// the caller's deadline bounds the whole exchange, body included.
type Transport struct {
	// DialContext dials TCP connections. Nil means a net.Dialer with 30 s
	// TCP keep-alives.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLSClientConfig configures https connections. Nil means TLS 1.2 or
	// later with the system roots; an empty ServerName means the URL's host.
	TLSClientConfig *tls.Config
	// DisableKeepAlives sends "Connection: close" and never pools.
	DisableKeepAlives bool
	// MaxIdleConnsPerHost bounds the idle connections kept per host (0: 256).
	MaxIdleConnsPerHost int
	// IdleConnTimeout closes connections idle for longer (0: 90 s).
	IdleConnTimeout time.Duration
	// MaxResponseHeaderBytes bounds the status line and headers of a
	// response (0: 1 MB).
	MaxResponseHeaderBytes int64

	mu    sync.Mutex
	idle  map[connKey][]*conn // most recently used last
	sweep *time.Timer         // closes expired idle connections; nil when none pending
}

// New returns a Transport with the defaults HTTP_PROXY and private
// integrations use.
func New() *Transport {
	return &Transport{
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost:    256,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 1 << 20,
	}
}

const (
	// Buffers of one backend connection: a response header and a request
	// header with a typical body fit in one read and one write. Larger
	// bodies go through them in pieces of this size. They live as long as
	// the connection, which is one per request in flight plus the idle pool.
	readBufferSize  = 8 << 10
	writeBufferSize = 16 << 10
	// syncBodyMax is the largest request body written before the response
	// is read, on the caller's goroutine: it fits the kernel's socket
	// buffers, so writing it cannot wait for a backend that answers without
	// reading. Larger bodies, and bodies of unknown length, are written by a
	// goroutine of their own while the response is read.
	syncBodyMax = 64 << 10
)

type connKey struct {
	tls  bool
	addr string // host:port
}

// conn is one connection to a backend with its buffers.
type conn struct {
	t      *Transport
	key    connKey
	nc     net.Conn
	lr     limitReader
	br     *bufio.Reader
	bw     *bufio.Writer
	idleAt time.Time
	reused bool
	wDone  chan struct{} // closed when a body-writing goroutine is done
	wErr   error         // its result, read after wDone is closed
	idle   idleCheck     // tells whether the pooled connection can be reused
}

// limitReader fails reads once n bytes were read since the last reset; it
// bounds the response header. read counts the bytes of the exchange.
type limitReader struct {
	r    io.Reader
	n    int64 // < 0: unlimited
	read int64
}

var errHeaderTooLarge = errors.New("response header too large")

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		n, err := l.r.Read(p)
		l.read += int64(n)
		return n, err
	}
	if l.n == 0 {
		return 0, errHeaderTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	l.read += int64(n)
	return n, err
}

// RoundTrip implements http.RoundTripper: the request's context cancels the
// exchange and its deadline, if any, bounds it.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	deadline, _ := ctx.Deadline()
	return t.Do(ctx, req, deadline)
}

// Fields is a request's header fields as a caller holds them, walked
// instead of req.Header (httpproxy builds the outbound header as a view of
// the client's, without copying it). Each calls f once per field name.
type Fields interface {
	Each(f func(k string, vv []string))
}

// DoFields is Do with the header fields of fields instead of req.Header.
func (t *Transport) DoFields(ctx context.Context, req *http.Request, fields Fields, deadline time.Time) (*http.Response, error) {
	return t.do(ctx, req, fields, deadline)
}

// Do sends req and reads the response headers. ctx (not req's context)
// cancels the exchange; deadline, if not zero, bounds it, the response body
// included: a read past it fails with an error that wraps
// os.ErrDeadlineExceeded. The response body must be closed; reading it to the
// end returns the connection to the pool.
func (t *Transport) Do(ctx context.Context, req *http.Request, deadline time.Time) (*http.Response, error) {
	return t.do(ctx, req, nil, deadline)
}

// do is Do with, when oh is not nil, the header fields of oh instead of
// req.Header.
func (t *Transport) do(ctx context.Context, req *http.Request, oh Fields, deadline time.Time) (*http.Response, error) {
	if req.URL == nil {
		return nil, errors.New("h1client: request without URL")
	}
	key, err := keyOf(req)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	replayable := req.Body == nil || req.Body == http.NoBody
	for attempt := 0; ; attempt++ {
		c, err := t.get(ctx, key, req, deadline)
		if err != nil {
			return nil, err
		}
		resp, err := c.exchange(ctx, req, oh, deadline)
		if err == nil {
			return resp, nil
		}
		var se *staleError
		if errors.As(err, &se) && replayable && attempt == 0 && ctx.Err() == nil {
			// The backend closed a pooled connection; when it restarted it
			// closed them all: the retry dials a new one.
			t.dropIdle(key)
			continue
		}
		if errors.As(err, &se) {
			err = se.err
		}
		return nil, err
	}
}

// keyOf returns the pool key of req's URL: scheme and host:port.
func keyOf(req *http.Request) (connKey, error) {
	u := req.URL
	var k connKey
	port := "80"
	switch u.Scheme {
	case "http":
	case "https":
		k.tls, port = true, "443"
	default:
		return k, fmt.Errorf("h1client: unsupported URL scheme %q", u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return k, errors.New("h1client: URL without host")
	}
	if u.Port() != "" {
		k.addr = u.Host // already host:port
		return k, nil
	}
	k.addr = net.JoinHostPort(host, port)
	return k, nil
}

// get returns a pooled connection to key, or dials one. A pooled
// connection with a pending close or with bytes waiting to be read is
// dropped: bytes that arrive on an idle connection answer no request (a
// backend that sent a body on a HEAD, 204 or 304 answer, or more than its
// Content-Length), and read as the next response they would hand one
// client's answer to another.
func (t *Transport) get(ctx context.Context, key connKey, req *http.Request, deadline time.Time) (*conn, error) {
	for {
		c := t.popIdle(key)
		if c == nil {
			break
		}
		if c.br.Buffered() > 0 || c.nc.SetDeadline(time.Time{}) != nil || !c.idle.ok() {
			c.nc.Close()
			continue
		}
		return c, nil
	}
	return t.dial(ctx, key, req.URL.Hostname(), deadline)
}

func (t *Transport) popIdle(key connKey) *conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	list := t.idle[key]
	if len(list) == 0 {
		return nil
	}
	c := list[len(list)-1]
	list[len(list)-1] = nil
	t.idle[key] = list[:len(list)-1]
	if time.Since(c.idleAt) > t.idleTimeout() {
		// The newest is expired, so are all: close them.
		for _, o := range list[:len(list)-1] {
			o.nc.Close()
		}
		delete(t.idle, key)
		c.nc.Close()
		return nil
	}
	c.reused = true
	return c
}

func (t *Transport) idleTimeout() time.Duration {
	if t.IdleConnTimeout > 0 {
		return t.IdleConnTimeout
	}
	return 90 * time.Second
}

func (t *Transport) dial(ctx context.Context, key connKey, host string, deadline time.Time) (*conn, error) {
	dctx := ctx
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		dctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	dial := t.DialContext
	if dial == nil {
		dial = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
	}
	nc, err := dial(dctx, "tcp", key.addr)
	if err != nil {
		return nil, timeoutErr(ctx, err)
	}
	if key.tls {
		cfg := t.TLSClientConfig
		if cfg == nil {
			cfg = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		cfg = cfg.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		cfg.NextProtos = []string{"http/1.1"}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(dctx); err != nil {
			nc.Close()
			return nil, timeoutErr(ctx, fmt.Errorf("TLS handshake with %s: %w", key.addr, err))
		}
		nc = tc
	}
	c := &conn{t: t, key: key, nc: nc}
	c.idle.init(nc)
	c.lr.r = nc
	c.lr.n = -1
	c.br = bufio.NewReaderSize(&c.lr, readBufferSize)
	c.bw = bufio.NewWriterSize(nc, writeBufferSize)
	return c, nil
}

// timeoutErr marks err as the exchange's timeout when the dial context's
// deadline (not the caller's cancellation) ended it.
func timeoutErr(ctx context.Context, err error) error {
	if ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded)) {
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return err
}

// put returns c to the pool, or closes it.
func (t *Transport) put(c *conn) {
	if t.DisableKeepAlives || !canCheckIdle {
		c.nc.Close()
		return
	}
	// The exchange's deadline stays on the idle connection (nothing reads
	// or writes it there); the next exchange sets its own. Clearing it
	// would cost two timer updates per request.
	c.idleAt = time.Now()
	maxIdle := t.MaxIdleConnsPerHost
	if maxIdle <= 0 {
		maxIdle = 256
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.idle == nil {
		t.idle = map[connKey][]*conn{}
	}
	list := t.idle[c.key]
	if len(list) >= maxIdle {
		c.nc.Close()
		return
	}
	t.idle[c.key] = append(list, c)
	if t.sweep == nil {
		t.sweep = time.AfterFunc(t.idleTimeout(), t.sweepIdle)
	}
}

// sweepIdle closes the connections idle for longer than IdleConnTimeout and
// re-arms itself while any remain.
func (t *Transport) sweepIdle() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep = nil
	timeout := t.idleTimeout()
	var next time.Duration
	for k, list := range t.idle {
		n := 0
		for _, c := range list {
			if age := time.Since(c.idleAt); age > timeout {
				c.nc.Close()
			} else {
				list[n] = c
				n++
				if left := timeout - age; next == 0 || left < next {
					next = left
				}
			}
		}
		clear(list[n:])
		if n == 0 {
			delete(t.idle, k)
		} else {
			t.idle[k] = list[:n]
		}
	}
	if next > 0 {
		t.sweep = time.AfterFunc(next+time.Millisecond, t.sweepIdle)
	}
}

// dropIdle closes the pooled connections to key.
func (t *Transport) dropIdle(key connKey) {
	t.mu.Lock()
	list := t.idle[key]
	delete(t.idle, key)
	t.mu.Unlock()
	for _, c := range list {
		c.nc.Close()
	}
}

// CloseIdleConnections closes the pooled connections. Connections in use are
// pooled again when their exchange ends.
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, list := range t.idle {
		for _, c := range list {
			c.nc.Close()
		}
	}
	t.idle = nil
	if t.sweep != nil {
		t.sweep.Stop()
		t.sweep = nil
	}
}

// staleError is a failure on a reused connection before any byte of the
// response arrived: the backend had closed the idle connection.
type staleError struct{ err error }

func (e *staleError) Error() string { return e.err.Error() }
func (e *staleError) Unwrap() error { return e.err }

// exchange writes req on c and reads the response headers; on success the
// response body owns c.
func (c *conn) exchange(ctx context.Context, req *http.Request, oh Fields, deadline time.Time) (*http.Response, error) {
	if err := c.nc.SetDeadline(deadline); err != nil {
		c.nc.Close()
		return nil, err
	}
	c.lr.read = int64(c.br.Buffered())
	// Cancellation: a past deadline wakes whatever is blocked on c.
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(aLongTimeAgo) })
	fail := func(err error) (*http.Response, error) {
		stop()
		c.nc.Close()
		if be := (*BodyReadError)(nil); errors.As(err, &be) {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = fmt.Errorf("%w: %w", ErrTimeout, err)
		}
		return nil, err
	}

	body := req.Body
	if body == http.NoBody {
		body = nil
	}
	length := req.ContentLength
	if body == nil {
		length = 0
	}
	if err := c.writeHeader(req, oh, body != nil, length); err != nil {
		var ie *invalidRequestError
		if errors.As(err, &ie) {
			// Nothing was sent: the connection stays good.
			stop()
			c.bw.Reset(c.nc)
			c.t.put(c)
			return nil, err
		}
		return fail(err)
	}
	async := body != nil && (length < 0 || length > syncBodyMax)
	switch {
	case async:
		// Written while the response is read, as net/http does, so that a
		// backend answering before it read everything gets its answer read.
		if err := c.bw.Flush(); err != nil {
			return fail(c.stale(err))
		}
		c.wDone = make(chan struct{})
		go func() {
			defer close(c.wDone)
			c.wErr = c.writeBody(body, length)
			var be *BodyReadError
			if errors.As(c.wErr, &be) {
				// The client's body failed (too large, malformed, too
				// slow): nothing the backend says can be used, so the
				// response read stops now rather than at the deadline.
				_ = c.nc.SetDeadline(aLongTimeAgo)
			}
		}()
	default:
		if body != nil {
			if err := c.writeBody(body, length); err != nil {
				return fail(err)
			}
		} else if err := c.bw.Flush(); err != nil {
			return fail(c.stale(err))
		}
	}

	resp, err := c.readResponse(req)
	if err != nil {
		if async {
			// Wake and wait for the writer before closing.
			_ = c.nc.SetDeadline(aLongTimeAgo)
			<-c.wDone
			var be *BodyReadError
			if errors.As(c.wErr, &be) {
				stop()
				c.nc.Close()
				return nil, c.wErr
			}
		}
		if !async && body == nil && c.reused && c.lr.read == 0 && isStale(err) {
			return fail(&staleError{err})
		}
		return fail(err)
	}
	resp.Body = &respBody{c: c, body: resp.Body, stop: stop, keep: !resp.Close && !c.t.DisableKeepAlives, async: async}
	if resp.ContentLength == 0 || req.Method == http.MethodHead || !bodyAllowed(resp.StatusCode) {
		// No body: the exchange is over.
		resp.Body.(*respBody).finish(nil)
		resp.Body = http.NoBody
	}
	return resp, nil
}

// stale marks a write failure on a reused connection as stale.
func (c *conn) stale(err error) error {
	if c.reused {
		return &staleError{err}
	}
	return err
}

// isStale reports whether err, before any byte of a response, means the
// backend closed the connection.
func isStale(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// bodyAllowed reports whether a response with status may carry a body.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// field is one header field to send.
type field struct {
	k  string
	vv []string
}

// writeHeader buffers the request line and headers, in net/http's order:
// Host, User-Agent, framing, then the fields sorted by name. The fields are
// oh's, or req.Header's when oh is nil; an empty User-Agent sends none.
func (c *conn) writeHeader(req *http.Request, oh Fields, hasBody bool, length int64) error {
	if !ValidToken(req.Method) {
		return invalid("invalid method %q", req.Method)
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	if !ValidHeaderValue(host) {
		return invalid("invalid Host %q", host)
	}
	var stack [32]field
	fields := stack[:0]
	collect := func(k string, vv []string) {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Trailer", "Connection":
			return
		}
		fields = append(fields, field{k, vv})
	}
	if oh != nil {
		oh.Each(collect)
	} else {
		for k, vv := range req.Header {
			collect(k, vv)
		}
	}
	slices.SortFunc(fields, func(a, b field) int { return strings.Compare(a.k, b.k) })

	bw := c.bw
	bw.WriteString(req.Method)
	bw.WriteByte(' ')
	bw.WriteString(req.URL.RequestURI())
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(host)
	bw.WriteString("\r\n")
	for _, f := range fields {
		if f.k == "User-Agent" {
			if len(f.vv) > 0 && f.vv[0] != "" {
				if !ValidHeaderValue(f.vv[0]) {
					return invalid("invalid header field value for %q", f.k)
				}
				bw.WriteString("User-Agent: ")
				bw.WriteString(f.vv[0])
				bw.WriteString("\r\n")
			}
			break
		}
	}
	switch {
	case hasBody && length < 0:
		bw.WriteString("Transfer-Encoding: chunked\r\n")
	case hasBody || length > 0 || sendsZeroLength(req.Method):
		bw.WriteString("Content-Length: ")
		var num [20]byte
		bw.Write(strconv.AppendInt(num[:0], length, 10))
		bw.WriteString("\r\n")
	}
	if c.t.DisableKeepAlives {
		bw.WriteString("Connection: close\r\n")
	}
	for _, f := range fields {
		if f.k == "User-Agent" {
			continue
		}
		if !ValidToken(f.k) {
			return invalid("invalid header field name %q", f.k)
		}
		for _, v := range f.vv {
			if !ValidHeaderValue(v) {
				return invalid("invalid header field value for %q", f.k)
			}
			bw.WriteString(f.k)
			bw.WriteString(": ")
			bw.WriteString(v)
			bw.WriteString("\r\n")
		}
	}
	_, err := bw.WriteString("\r\n")
	return err
}

// invalidRequestError is a request that cannot be written (a header value
// with a line break, say); nothing of it was sent.
type invalidRequestError struct{ msg string }

func (e *invalidRequestError) Error() string { return "h1client: " + e.msg }

func invalid(format string, args ...any) error {
	return &invalidRequestError{fmt.Sprintf(format, args...)}
}

// sendsZeroLength reports whether a bodyless request with method says
// "Content-Length: 0", as net/http does for POST, PUT and PATCH.
func sendsZeroLength(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
}

// BodyReadError is a failure to read the request body from its source (the
// client), as opposed to a failure to send it to the backend. The exchange
// ends as soon as it happens.
type BodyReadError struct{ Err error }

func (e *BodyReadError) Error() string { return "reading request body: " + e.Err.Error() }
func (e *BodyReadError) Unwrap() error { return e.Err }

// sourceReader marks read errors of the request body as BodyReadError.
type sourceReader struct{ r io.Reader }

func (s sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = &BodyReadError{err}
	}
	return n, err
}

// writeBody writes the body (length bytes, or chunked when length < 0) after
// the buffered header and flushes.
func (c *conn) writeBody(body io.Reader, length int64) error {
	body = sourceReader{body}
	if length < 0 {
		cw := httputil.NewChunkedWriter(c.bw)
		if _, err := io.Copy(cw, body); err != nil {
			if be := (*BodyReadError)(nil); errors.As(err, &be) {
				return err
			}
			return fmt.Errorf("sending request body: %w", err)
		}
		if err := cw.Close(); err != nil {
			return err
		}
		if _, err := c.bw.WriteString("\r\n"); err != nil {
			return err
		}
		return c.bw.Flush()
	}
	n, err := io.CopyN(c.bw, body, length)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return &BodyReadError{fmt.Errorf("request body has %d bytes, Content-Length said %d", n, length)}
		}
		if be := (*BodyReadError)(nil); errors.As(err, &be) {
			return err
		}
		return fmt.Errorf("sending request body: %w", err)
	}
	return c.bw.Flush()
}

// readResponse reads the response headers, skipping informational (1xx)
// responses. The header is bounded by MaxResponseHeaderBytes.
func (c *conn) readResponse(req *http.Request) (*http.Response, error) {
	limit := c.t.MaxResponseHeaderBytes
	if limit <= 0 {
		limit = 1 << 20
	}
	for {
		c.lr.n = limit - int64(c.br.Buffered())
		resp, err := http.ReadResponse(c.br, req)
		c.lr.n = -1
		if err != nil {
			if errors.Is(err, errHeaderTooLarge) {
				return nil, fmt.Errorf("backend response header is larger than %d bytes", limit)
			}
			return nil, err
		}
		switch {
		case resp.StatusCode == http.StatusSwitchingProtocols:
			return nil, errors.New("backend switched protocols (101), which HTTP APIs do not support")
		case resp.StatusCode >= 100 && resp.StatusCode < 200:
			continue
		}
		return resp, nil
	}
}

// respBody is a response body over a pooled connection: read to its end, it
// returns the connection to the pool; closed early, it closes it.
type respBody struct {
	c     *conn
	body  io.ReadCloser // from http.ReadResponse; never closed (it would drain)
	stop  func() bool   // ends the cancellation hook
	keep  bool          // the response allows reuse
	async bool          // a goroutine wrote the request body
	done  bool
	err   error
}

func (b *respBody) Read(p []byte) (int, error) {
	if b.done {
		if b.err != nil {
			return 0, b.err
		}
		return 0, io.EOF
	}
	n, err := b.body.Read(p)
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		b.finish(nil)
	default:
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = fmt.Errorf("%w: %w", ErrTimeout, err)
		}
		b.finish(err)
		b.err = err
	}
	return n, err
}

// Close ends the exchange; before the end of the body it closes the
// connection.
func (b *respBody) Close() error {
	if !b.done {
		b.finish(errors.New("body closed early"))
	}
	return nil
}

// finish releases the connection: to the pool after a clean end (err nil),
// else closed.
func (b *respBody) finish(err error) {
	b.done = true
	c := b.c
	canceled := !b.stop()
	if b.async {
		// The backend may have answered before it read the whole request
		// body: a writer still running is stopped, and the connection,
		// whose request was cut short, is not reused.
		select {
		case <-c.wDone:
		default:
			_ = c.nc.SetDeadline(aLongTimeAgo)
			<-c.wDone
			if err == nil {
				err = errors.New("request body not fully sent")
			}
		}
		if c.wErr != nil && err == nil {
			err = c.wErr
		}
	}
	if err == nil && b.keep && !canceled && c.br.Buffered() == 0 {
		c.reused = false
		c.t.put(c)
		return
	}
	c.nc.Close()
}

// aLongTimeAgo is a deadline in the past: it wakes blocked reads and writes.
var aLongTimeAgo = time.Unix(1, 0)

var _ http.RoundTripper = (*Transport)(nil)
