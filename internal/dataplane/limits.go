package dataplane

import (
	"errors"
	"io"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

// Limits bound what one client can make the data plane hold: time for a
// request body, and memory for the bodies integrations buffer. The zero
// value means the defaults below (see docs/security.md).
type Limits struct {
	// BodyGrace and BodyMinRate bound how long a request body may take: by
	// BodyGrace after the integration starts reading it, plus one second per BodyMinRate
	// bytes received, the body must have arrived; a body that falls behind
	// is cut and answered 408 (a client sending one byte per second is cut
	// after about BodyGrace). Defaults: 10 s and 64 KiB/s, so a 10 MB body
	// may take up to 170 s.
	BodyGrace   time.Duration
	BodyMinRate int64
	// MemoryBudget bounds the memory that request bodies buffered by
	// AWS_PROXY and AWS service integrations may hold at once, in bytes.
	// Each body byte counts bufferFactor times (the body, its base64 form
	// and the event that carries it). A request whose body would go beyond
	// the budget is answered 429 {"message":"Too Many Requests"}. Default
	// 512 MiB; negative means no budget. HTTP_PROXY bodies stream and are
	// not counted.
	MemoryBudget int64
}

// Defaults of Limits.
const (
	DefaultBodyGrace    = 10 * time.Second
	DefaultBodyMinRate  = 64 << 10
	DefaultMemoryBudget = 512 << 20
	// bufferFactor is what one buffered body byte costs in memory, as
	// measured for a Lambda request: the body, its base64 text in the event,
	// the event's JSON and the Runtime API's copy.
	bufferFactor = 4
)

func (l Limits) withDefaults() Limits {
	if l.BodyGrace <= 0 {
		l.BodyGrace = DefaultBodyGrace
	}
	if l.BodyMinRate <= 0 {
		l.BodyMinRate = DefaultBodyMinRate
	}
	if l.MemoryBudget == 0 {
		l.MemoryBudget = DefaultMemoryBudget
	}
	return l
}

// budget counts the bytes charged against Limits.MemoryBudget.
type budget struct {
	limit int64 // < 0: no limit
	used  atomic.Int64
}

// acquire charges n bytes if they fit.
func (b *budget) acquire(n int64) bool {
	if b.limit < 0 {
		return true
	}
	if b.used.Add(n) > b.limit {
		b.used.Add(-n)
		return false
	}
	return true
}

func (b *budget) release(n int64) {
	if b.limit >= 0 && n > 0 {
		b.used.Add(-n)
	}
}

// The causes of a request body that could not be read.
var (
	errPayloadTooLarge = errors.New("request body is larger than 10 MB")
	errOverBudget      = errors.New("request bodies in flight exceed the memory budget")
	errBodyTooSlow     = errors.New("request body arrived too slowly")
)

// limitedBody is a request body under the Limits: it fails reads once more
// than left bytes were read (so a chunked body larger than the payload quota
// is refused while streaming), charges buffered bytes to the memory budget,
// and pushes the connection's read deadline along as bytes arrive (the
// minimum rate). It records why a read failed, so the handler answers for
// the body (413, 429, 408, 400) rather than for the integration that was
// reading it.
type limitedBody struct {
	rc   io.ReadCloser
	left int64 // owned by the single reader
	// The rate rule: the body must be complete by start + grace + read/rate,
	// start being the first Read.
	ctl         *http.ResponseController
	start       time.Time // owned by the single reader
	grace       time.Duration
	rate        int64
	read        int64 // owned by the single reader
	budget      *budget
	weight      int64        // bytes charged per body byte; 0: not buffered
	length      int64        // the body's Content-Length, -1 if unknown (chunked)
	prepaid     bool         // the whole length was charged at the first Read
	charged     atomic.Int64 // released by the handler when the request ends
	eof         atomic.Bool  // the body was read to its end
	exceeded    atomic.Bool  // more than MaxPayloadBytes
	overBudget  atomic.Bool
	tooSlow     atomic.Bool
	malformed   atomic.Bool // the client's framing was broken (bad chunking, cut short)
	failedCause atomic.Pointer[error]
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if err := l.failed(); err != nil {
		return 0, err
	}
	if l.left < 0 {
		return 0, l.fail(&l.exceeded, errPayloadTooLarge)
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	if l.start.IsZero() {
		// The clock starts when the integration first reads, not when the
		// request arrived: an authorizer may take seconds before that, while
		// the body waits in the socket.
		l.start = time.Now()
		if l.ctl != nil {
			_ = l.ctl.SetReadDeadline(l.deadline())
		}
		if l.weight > 0 && l.budget != nil && l.length > 0 {
			// A body of known length is admitted whole or not at all, so
			// that concurrent uploads do not each take part of the budget
			// and all fail.
			c := l.length * l.weight
			if !l.budget.acquire(c) {
				return 0, l.fail(&l.overBudget, errOverBudget)
			}
			l.charged.Add(c)
			l.prepaid = true
		}
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return 0, l.fail(&l.exceeded, errPayloadTooLarge)
	}
	if n > 0 {
		if l.weight > 0 && l.budget != nil && !l.prepaid {
			c := int64(n) * l.weight
			if !l.budget.acquire(c) {
				return 0, l.fail(&l.overBudget, errOverBudget)
			}
			l.charged.Add(c)
		}
		l.read += int64(n)
		if l.ctl != nil && err == nil {
			_ = l.ctl.SetReadDeadline(l.deadline())
		}
	}
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		l.eof.Store(true)
		if l.ctl != nil {
			// The server's own background read (which notices a client
			// going away) starts now and must not inherit the deadline.
			_ = l.ctl.SetReadDeadline(time.Time{})
		}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return n, l.fail(&l.tooSlow, errBodyTooSlow)
	default:
		return n, l.fail(&l.malformed, err)
	}
	return n, err
}

// deadline is when the body must be complete, given what arrived so far.
func (l *limitedBody) deadline() time.Time {
	return l.start.Add(l.grace + time.Duration(l.read)*time.Second/time.Duration(l.rate))
}

func (l *limitedBody) fail(flag *atomic.Bool, err error) error {
	flag.Store(true)
	l.failedCause.CompareAndSwap(nil, &err)
	return err
}

// failed returns the first cause of a failed read, or nil.
func (l *limitedBody) failed() error {
	if p := l.failedCause.Load(); p != nil {
		return *p
	}
	return nil
}

func (l *limitedBody) Close() error { return l.rc.Close() }

// discard reads the rest of the body and drops it, within the size limit
// and at the minimum rate, without charging the memory budget: after an
// early answer, the client can finish sending and read it, rather than
// being reset in the middle of its upload.
func (l *limitedBody) discard() {
	var buf [16 << 10]byte
	for l.left >= 0 {
		n, err := l.rc.Read(buf[:])
		l.left -= int64(n)
		l.read += int64(n)
		if err != nil {
			if errors.Is(err, io.EOF) {
				l.eof.Store(true)
				if l.ctl != nil {
					_ = l.ctl.SetReadDeadline(time.Time{})
				}
			}
			return
		}
		if l.ctl != nil {
			_ = l.ctl.SetReadDeadline(l.deadline())
		}
	}
}

// buffersBody reports whether integrations of type typ hold the whole
// request body in memory (Lambda and AWS service integrations build an
// event or a call from it); HTTP_PROXY streams it.
func buffersBody(typ string) bool { return typ != "HTTP_PROXY" }
