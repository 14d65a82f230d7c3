package inspector

import (
	"net/http"
	"sync"
	"time"

	"github.com/apigwdev/apigw/internal/dataplane"
	"github.com/apigwdev/apigw/internal/invoke"
)

// Defaults of Options.
const (
	// DefaultSize is how many requests a Recorder keeps: the last 1,000.
	DefaultSize = 1000
	// MaxBodyBytes is where each recorded body is cut: 256 KiB.
	MaxBodyBytes = 256 << 10
	// DefaultBudget bounds the bytes of bodies a Recorder holds: 64 MiB.
	// Past it the bodies of the oldest entries are dropped (their summary
	// and headers stay).
	DefaultBudget = 64 << 20
)

// Options configure a Recorder.
type Options struct {
	// Size is how many requests are kept; default DefaultSize.
	Size int
	// Budget bounds the bytes of bodies kept; default DefaultBudget.
	Budget int
	// ShowSecrets turns masking off (`inspector.showSecrets: true`).
	ShowSecrets bool
	// MaskHeaders are more header names whose values are secrets, in
	// addition to Authorization, Proxy-Authorization, Cookie, Set-Cookie
	// and X-Amz-Security-Token.
	MaskHeaders []string
	// Secrets are values masked wherever they appear (the configuration's
	// secret keys, for example). Values shorter than 4 bytes are ignored.
	Secrets []string
}

// Recorder keeps the last requests the data plane served. It is safe for
// concurrent use; the zero value is not usable (use New).
type Recorder struct {
	opts   Options
	masked map[string]bool // canonical header names; immutable

	mu      sync.Mutex
	ring    []*entry // guarded by mu; ring[seq % len(ring)]
	seq     uint64   // guarded by mu; seq of the newest entry, 0 before the first
	bodies  int      // guarded by mu; body bytes held by the ring
	stripAt uint64   // guarded by mu; entries below stripAt have no bodies
}

// New returns an empty Recorder.
func New(opts Options) *Recorder {
	if opts.Size <= 0 {
		opts.Size = DefaultSize
	}
	if opts.Budget <= 0 {
		opts.Budget = DefaultBudget
	}
	r := &Recorder{opts: opts, ring: make([]*entry, opts.Size), masked: map[string]bool{}}
	for _, h := range append([]string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Amz-Security-Token"}, opts.MaskHeaders...) {
		r.masked[http.CanonicalHeaderKey(h)] = true
	}
	return r
}

// entry is one recorded request. It is complete when pushed and never
// changes afterwards: to drop its bodies the ring replaces it with a
// stripped copy, so readers may hold an entry without the lock.
type entry struct {
	seq   uint64
	id    string
	start time.Time

	method     string
	host       string
	requestURI string
	proto      string
	remoteAddr string
	reqHeader  http.Header
	reqBody    capture

	status     int
	respHeader http.Header
	respBody   capture

	apiID, stage, routeKey string
	authType               string
	authorizer             *invoke.AuthorizerContext
	out                    invoke.Outcome
	rec                    invoke.Record
	stripped               bool // bodies dropped for the budget
}

// size is the bytes of bodies the entry holds.
func (e *entry) size() int {
	n := len(e.reqBody.buf) + len(e.respBody.buf)
	if ir := e.rec.Integration; ir != nil {
		n += min(len(ir.RequestBody), MaxBodyBytes) + min(len(ir.ResponseBody), MaxBodyBytes) + len(ir.FunctionLog)
	}
	return n
}

// stripped returns a copy of e without bodies.
func (e *entry) withoutBodies() *entry {
	c := *e
	c.reqBody.buf, c.respBody.buf = nil, nil
	if ir := e.rec.Integration; ir != nil {
		ic := *ir
		ic.RequestBody, ic.ResponseBody, ic.FunctionLog = nil, nil, ""
		c.rec.Integration = &ic
	}
	c.stripped = true
	return &c
}

// recording is one request being recorded (dataplane.Recording). It is
// one allocation: the entry and the response writer live in it.
type recording struct {
	e    entry
	w    captureWriter
	r    *Recorder
	body *captureBody // nil when the request has no body
	req  *http.Request
}

// Begin starts recording r: its body is replaced by one that keeps a copy,
// and the returned writer keeps a copy of the response body.
func (r *Recorder) Begin(w http.ResponseWriter, req *http.Request, requestID string, start time.Time) (http.ResponseWriter, dataplane.Recording) {
	rec := &recording{
		r:   r,
		e:   entry{id: requestID, start: start},
		w:   captureWriter{ResponseWriter: w, c: capture{max: MaxBodyBytes}},
		req: req,
	}
	if req.Body != nil && req.Body != http.NoBody {
		rec.body = &captureBody{rc: req.Body, c: capture{max: MaxBodyBytes}}
		req.Body = rec.body
	}
	return &rec.w, rec
}

var _ dataplane.Inspector = (*Recorder)(nil)

// Record returns the part of the entry the pipeline fills.
func (rec *recording) Record() *invoke.Record { return &rec.e.rec }

// Finish completes the entry and pushes it into the ring. The request's and
// the response's header maps are kept, not copied: neither the data plane
// nor net/http changes them once the handler has returned (net/http
// copies the response header when it is written).
func (rec *recording) Finish(req *invoke.Request, out *invoke.Outcome, authorizationType string) {
	e := &rec.e
	r := rec.req
	e.method = r.Method
	e.host = r.Host
	e.requestURI = r.RequestURI
	if e.requestURI == "" {
		e.requestURI = r.URL.RequestURI()
	}
	e.proto = r.Proto
	e.remoteAddr = r.RemoteAddr
	e.reqHeader = r.Header
	if rec.body != nil {
		e.reqBody = rec.body.seal()
	}
	e.status = out.Status
	e.respHeader = rec.w.Header()
	e.respBody = rec.w.c
	e.out = *out
	e.authType = authorizationType
	if req != nil {
		e.apiID, e.stage, e.routeKey = req.APIID, req.Stage, req.RouteKey
		e.authorizer = req.Authorizer
	}
	// The ring keeps the entry, and with it this recording: let go of the
	// request and the response writer, which hold the connection's
	// buffers and the request's context.
	rec.req, rec.body, rec.w.ResponseWriter = nil, nil, nil
	rec.r.push(e)
}

// push adds e as the newest entry, evicting the oldest, and drops the
// bodies of the oldest entries while the ring holds more than the budget.
func (r *Recorder) push(e *entry) {
	n := e.size()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	e.seq = r.seq
	slot := int(e.seq % uint64(len(r.ring)))
	if old := r.ring[slot]; old != nil && !old.stripped {
		r.bodies -= old.size()
	}
	r.ring[slot] = e
	r.bodies += n
	oldest := uint64(1)
	if size := uint64(len(r.ring)); r.seq > size {
		oldest = r.seq - size + 1
	}
	r.stripAt = max(r.stripAt, oldest)
	for r.bodies > r.opts.Budget && r.stripAt < r.seq {
		i := int(r.stripAt % uint64(len(r.ring)))
		if old := r.ring[i]; old != nil && !old.stripped {
			r.bodies -= old.size()
			r.ring[i] = old.withoutBodies()
		}
		r.stripAt++
	}
}

// list returns the entries newer than after, newest first, at most limit.
func (r *Recorder) list(after uint64, limit int) []*entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*entry
	for s := r.seq; s > after && s > 0 && len(out) < limit; s-- {
		e := r.ring[int(s%uint64(len(r.ring)))]
		if e == nil || e.seq != s {
			break
		}
		out = append(out, e)
	}
	return out
}

// find returns the entry of request id, or nil.
func (r *Recorder) find(id string) *entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.ring {
		if e != nil && e.id == id {
			return e
		}
	}
	return nil
}
