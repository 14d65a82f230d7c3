package dataplane

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apigwdev/apigw/internal/gwerr"
	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/snapshot"
)

// Quotas of HTTP APIs (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
const (
	// MaxPayloadBytes is the largest request body accepted: 10 MB.
	MaxPayloadBytes = 10 << 20
	// MaxHeaderBytes bounds the request line plus all header values.
	MaxHeaderBytes = 10240
)

// RequestIDHeader is the response header carrying the request id.
const RequestIDHeader = "Apigw-Requestid"

// Handler is the data plane's http.Handler. The zero value is not usable; use
// New. Swap installs a new snapshot; requests already running keep the one
// they started with.
type Handler struct {
	snap atomic.Pointer[snapshot.Snapshot]
	log  *slog.Logger
	now  func() time.Time
	// metrics records every request that reached a stage; may be nil.
	metrics Recorder
	// inspect records requests for the request inspector; may be nil.
	inspect Inspector
	// tracer traces requests; may be nil.
	tracer Tracer
	// reqLog gets one line per request; may be nil.
	reqLog slog.Handler
	// bufs recycles the 32 KB buffers of copyFlushing: allocating one per
	// request was most of the handler's garbage.
	bufs   sync.Pool
	limits Limits
	budget budget
}

// Options configure a Handler.
type Options struct {
	// Logger receives one line per failed request, with the request id and the
	// cause. If nil, slog.Default() is used.
	Logger *slog.Logger
	// Now returns the current time. If nil, time.Now is used.
	Now func() time.Time
	// Metrics records every request that reached a stage. If nil, nothing is
	// recorded.
	Metrics Recorder
	// Limits bound request bodies' time and memory; the zero value means
	// the defaults.
	Limits Limits
	// Inspector records every request for the request inspector. If nil,
	// nothing is recorded.
	Inspector Inspector
	// Tracer traces requests (OpenTelemetry). If nil, nothing is traced.
	Tracer Tracer
	// RequestLog gets one line per request at info level (requestlog.go).
	// If nil, requests are not logged.
	RequestLog *slog.Logger
}

// Recorder records the outcome of a request (implemented by package
// metrics). detailed is true when the stage or route has detailed metrics.
type Recorder interface {
	Record(req *invoke.Request, out *invoke.Outcome, detailed bool)
}

// New returns a Handler serving s (which may be nil: every request is then
// 404 until Swap).
func New(s *snapshot.Snapshot, opts Options) *Handler {
	h := &Handler{log: opts.Logger, now: opts.Now, metrics: opts.Metrics, inspect: opts.Inspector, tracer: opts.Tracer, limits: opts.Limits.withDefaults()}
	h.budget.limit = h.limits.MemoryBudget
	if opts.RequestLog != nil {
		h.reqLog = opts.RequestLog.Handler()
	}
	h.bufs.New = func() any { b := make([]byte, 32<<10); return &b }
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	if s != nil {
		h.snap.Store(s)
	}
	return h
}

// Swap atomically replaces the served snapshot and returns the previous one.
func (h *Handler) Swap(s *snapshot.Snapshot) *snapshot.Snapshot {
	return h.snap.Swap(s)
}

// Snapshot returns the snapshot being served.
func (h *Handler) Snapshot() *snapshot.Snapshot { return h.snap.Load() }

// ServeHTTP runs one request through the pipeline described in the package
// documentation.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := &exchange{start: h.now(), reqID: newRequestID()}
	x.out.IntegrationLatency = -1
	if h.tracer != nil {
		r, x.span = h.tracer.StartRequest(r)
	}
	if h.inspect != nil {
		w, x.rec = h.inspect.Begin(w, r, x.reqID, x.start)
	}
	cw := &countingWriter{ResponseWriter: w}
	cw.Header()[RequestIDHeader] = []string{x.reqID}
	if err := h.serve(cw, r, x); err != nil {
		h.fail(cw, r, x, err)
	}
	h.finish(cw, r, x)
	if x.span != nil {
		x.span.Finish(x.req, &x.out)
	}
	if h.reqLog != nil {
		h.logRequest(r, cw, x)
	}
}

// exchange is the state of one request as it moves through the pipeline.
type exchange struct {
	start time.Time
	reqID string
	// req is the resolved request, nil until a stage was found.
	req   *invoke.Request
	stage *snapshot.Stage
	route *snapshot.Route
	body  *limitedBody
	out   invoke.Outcome
	// rec is the inspector's recording, nil when not recording.
	rec Recording
	// span is the request's server span, nil when not traced.
	span RequestSpan
}

// fail renders a gateway error: the client gets AWS's status and body (with
// the stage's CORS headers, so a browser can read it); the log gets the
// cause with the request id.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, x *exchange, err error) {
	ge := gwerr.As(err)
	// Over the memory budget the client did nothing wrong: it gets its 429
	// as it finishes sending, the rest of its body dropped as it arrives.
	drain := x.body != nil && !x.body.eof.Load() && x.body.overBudget.Load()
	if x.body != nil && !x.body.eof.Load() && !drain {
		// The answer goes out now, not after the rest of a body nobody will
		// read (net/http would first wait for up to 256 KB more of it).
		closeAfterAnswer(w, r)
	}
	if x.stage != nil && x.stage.CORS != nil {
		x.stage.CORS.Apply(r.Header, w.Header())
	}
	h.log.LogAttrs(r.Context(), logLevel(ge), "request failed",
		slog.String("request_id", x.reqID),
		slog.String("method", r.Method),
		slog.String("path", r.URL.EscapedPath()),
		slog.Int("status", ge.Kind.Status()),
		slog.Any("cause", ge.Cause))
	x.out.ErrorMessage = ge.Text()
	x.out.ErrorResponseType = ge.Kind.ResponseType()
	if ge.Kind == gwerr.TooManyRequests {
		x.out.Throttled = true
	}
	gwerr.Write(w, ge)
	if drain {
		_ = http.NewResponseController(w).Flush()
		x.body.discard()
	}
}

// finish records what happened: the access log line and the metrics, for
// requests that reached a stage (AWS logs nothing for the others).
func (h *Handler) finish(w *countingWriter, r *http.Request, x *exchange) {
	if x.body != nil {
		h.budget.release(x.body.charged.Load())
	}
	if x.req == nil {
		if x.rec != nil {
			x.out.Status = w.status
			x.out.ResponseLength = w.n
			x.out.Latency = h.now().Sub(x.start)
			x.rec.Finish(nil, &x.out, "")
		}
		return
	}
	x.out.Status = w.status
	x.out.ResponseLength = w.n
	x.out.Latency = h.now().Sub(x.start)
	if x.body != nil {
		x.out.RequestLength = MaxPayloadBytes - max(x.body.left, 0)
	}
	if x.stage.AccessLog != nil {
		x.stage.AccessLog.Log(x.req, &x.out)
	}
	if h.metrics != nil {
		detailed := x.stage.DetailedMetrics || (x.route != nil && x.route.DetailedMetrics)
		h.metrics.Record(x.req, &x.out, detailed)
	}
	if x.rec != nil {
		x.rec.Finish(x.req, &x.out, x.authorizationType())
	}
}

func logLevel(e *gwerr.Error) slog.Level {
	switch e.Kind {
	case gwerr.NotFound, gwerr.Forbidden, gwerr.Unauthorized, gwerr.TooManyRequests, gwerr.RequestEntityTooLarge, gwerr.BadRequest, gwerr.HeaderFieldsTooLarge, gwerr.RequestTimeout:
		return slog.LevelInfo
	}
	return slog.LevelError
}

// errNoRoute and friends are the logged causes of 404s.
var (
	errNoAPI     = errors.New("no API or stage serves this host and path")
	errNoRoute   = errors.New("no route matches and there is no $default route")
	errThrottled = errors.New("throttled by the route, stage or account limit")
)

// serve runs the pipeline, filling x as it learns more.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, x *exchange) error {
	if n := requestHeaderSize(r); n > MaxHeaderBytes {
		return gwerr.Newf(gwerr.HeaderFieldsTooLarge, "request line and headers are %d bytes, more than %d", n, MaxHeaderBytes)
	}
	if r.ContentLength > MaxPayloadBytes {
		return gwerr.Newf(gwerr.RequestEntityTooLarge, "content-length %d is more than %d", r.ContentLength, MaxPayloadBytes)
	}
	if r.Body != nil && r.Body != http.NoBody {
		x.body = &limitedBody{rc: r.Body, left: MaxPayloadBytes, length: r.ContentLength,
			grace: h.limits.BodyGrace, rate: h.limits.BodyMinRate, budget: &h.budget}
		x.body.ctl = http.NewResponseController(w)
		r.Body = x.body
	}
	s := h.snap.Load()
	if s == nil {
		return gwerr.New(gwerr.NotFound, errNoAPI)
	}
	host := hostName(r.Host)
	t, ok := resolve(s, host, r.URL.EscapedPath())
	if !ok {
		return gwerr.New(gwerr.NotFound, errNoAPI)
	}
	if t.domain != nil && t.domain.TruststoreURI != "" {
		if err := checkMutualTLS(s, t.domain, r); err != nil {
			return gwerr.New(gwerr.Forbidden, err)
		}
	}
	segs, ok := splitPath(t.rest)
	if !ok {
		return gwerr.Newf(gwerr.NotFound, "path %q is not valid percent-encoding", t.rest)
	}
	if hasDotSegment(segs) {
		return gwerr.Newf(gwerr.BadRequest, "path %q has a dot segment", t.rest)
	}
	st := t.stage
	x.stage = st
	path := joinPath(segs)
	req := &invoke.Request{
		HTTP:            r,
		RequestID:       x.reqID,
		Time:            x.start,
		AccountID:       s.AccountID,
		Region:          s.Region,
		APIID:           t.api.ID,
		Stage:           st.Name,
		DomainName:      host,
		DomainPrefix:    domainPrefix(host),
		BasePathMatched: t.basePath,
		Path:            path,
		RawPath:         rawPath(t.stagePrefix, st.Name, path),
		EscapedPath:     t.escapedPath,
		StageVariables:  st.Variables,
		SourceIP:        sourceIP(r.RemoteAddr),
	}
	if x.rec != nil {
		req.Record = x.rec.Record()
	}
	x.req = req

	idx, found := st.Table.Select(r.Method, segs)
	if st.CORS != nil && r.Method == http.MethodOptions && !found && st.CORS.IsPreflight(r) {
		st.CORS.Preflight(w, r)
		return nil
	}
	if !found {
		return gwerr.New(gwerr.NotFound, errNoRoute)
	}
	route := st.Routes[idx]
	x.route = route
	req.RouteKey = route.Key.Raw
	req.RoutePath = routePath(route)
	req.PathParameters = route.Key.Params(segs)

	if route.Throttle != nil && !route.Throttle.Allow() {
		return gwerr.New(gwerr.TooManyRequests, errThrottled)
	}
	if route.Authorizer != nil {
		actx, asp := x.child(r.Context(), SpanAuthorizer)
		ac, err := route.Authorizer.Authorize(actx, req)
		endChild(asp, err)
		if req.Record != nil {
			req.Record.AuthorizerDecision = authorizerDecision(err)
		}
		if err != nil {
			var ge *gwerr.Error
			if errors.As(err, &ge) && ge.Cause != nil {
				x.out.AuthorizerError = ge.Cause.Error()
			}
			return err
		}
		if ac == nil {
			// Fail closed: an authorizer that neither denies nor grants denies.
			return gwerr.Newf(gwerr.InternalServerError, "route %q: authorizer returned no decision", route.Key.Raw)
		}
		req.Authorizer = ac
	}
	integ := route.Integration
	if integ == nil {
		return gwerr.Newf(gwerr.InternalServerError, "route %q has no integration target", route.Key.Raw)
	}
	if x.body != nil && buffersBody(integ.Type) {
		x.body.weight = bufferFactor
	}
	// With parameter mapping the integration gets its own copy of the
	// request, so that mapping changes what the integration sees but not what
	// the access log and the CORS policy see. Invokers only read it.
	ireq := req
	if integ.RequestMapping != nil {
		mapped := *req
		ireq = &mapped
		if err := integ.RequestMapping.MapRequest(ireq); err != nil {
			return h.integrationFailed(r, x, err)
		}
	}
	ictx, isp := x.child(r.Context(), SpanIntegration)
	if isp != nil {
		ireq.TraceHeader, ireq.TraceParent = isp.TraceHeaders()
	}
	called := h.now()
	resp, err := integ.Invoker.Invoke(ictx, ireq)
	if isp != nil {
		isp.SetIntegration(integ.Type, integrationStatus(resp))
		isp.End(err)
	}
	if err != nil {
		return h.integrationFailed(r, x, err)
	}
	x.out.IntegrationLatency = h.now().Sub(called)
	x.out.IntegrationStatus = resp.StatusCode
	if integ.ResponseMapping != nil {
		if err := integ.ResponseMapping.MapResponse(ireq, resp); err != nil {
			if resp.Body != nil {
				resp.Body.Close()
			}
			return h.integrationFailed(r, x, err)
		}
	}
	if x.body != nil && !x.body.eof.Load() {
		// The integration answered without reading the whole body (a
		// backend's early answer): send the answer now rather than after
		// net/http has read up to 256 KB more of the body.
		closeAfterAnswer(w, r)
	}
	h.writeResponse(w, r, st, resp, x.reqID)
	return nil
}

// integrationFailed turns an integration's failure into the client's answer
// and records it for the access log.
func (h *Handler) integrationFailed(r *http.Request, x *exchange, err error) error {
	x.out.IntegrationError = err.Error()
	if errors.Is(err, errPayloadTooLarge) || (x.body != nil && x.body.exceeded.Load()) {
		return gwerr.New(gwerr.RequestEntityTooLarge, err)
	}
	if b := x.body; b != nil {
		// The body failed while the integration read it: the answer is
		// about the body, at once, whatever the integration made of it.
		switch {
		case b.overBudget.Load():
			return gwerr.New(gwerr.TooManyRequests, errOverBudget)
		case b.tooSlow.Load():
			return gwerr.New(gwerr.RequestTimeout, errBodyTooSlow)
		case b.malformed.Load() && r.Context().Err() == nil:
			return gwerr.New(gwerr.BadRequest, fmt.Errorf("reading request body: %w", b.failed()))
		}
	}
	if ctxErr := r.Context().Err(); ctxErr != nil && !isGatewayError(err) {
		// The client went away; nothing to answer.
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "client canceled request",
			slog.String("request_id", x.reqID), slog.Any("cause", err))
		return nil
	}
	return err
}

// skipResponseHeader reports integration response headers the gateway does
// not pass on: its own request id, and the framing and hop-by-hop headers it
// computes itself (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html: content-length is the gateway's).
func skipResponseHeader(k string) bool {
	switch http.CanonicalHeaderKey(k) {
	case RequestIDHeader, "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive",
		"Proxy-Connection", "Te", "Trailer", "Upgrade":
		return true
	}
	return false
}

// bodyAllowed reports whether a response with status may carry a body
// (RFC 9110: not 1xx, 204 or 304).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

func isGatewayError(err error) bool {
	var ge *gwerr.Error
	return errors.As(err, &ge)
}

// writeResponse streams the integration's answer to the client, with the CORS
// headers of the stage's policy.
func (h *Handler) writeResponse(w http.ResponseWriter, r *http.Request, st *snapshot.Stage, resp *invoke.Response, reqID string) {
	if resp.Body != nil {
		defer resp.Body.Close()
	}
	hdr := w.Header()
	for k, v := range resp.Header {
		if skipResponseHeader(k) {
			continue
		}
		hdr[k] = v
	}
	if len(resp.Cookies) > 0 {
		hdr["Set-Cookie"] = append(append([]string(nil), resp.Cookies...), hdr["Set-Cookie"]...)
	}
	if st.CORS != nil {
		st.CORS.Apply(r.Header, hdr)
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	if resp.ContentLength > 0 && bodyAllowed(status) {
		hdr["Content-Length"] = []string{strconv.FormatInt(resp.ContentLength, 10)}
	}
	w.WriteHeader(status)
	if resp.Body == nil || !bodyAllowed(status) || r.Method == http.MethodHead {
		return
	}
	if _, err := h.copyFlushing(w, resp.Body, resp.ContentLength); err != nil && r.Context().Err() == nil {
		h.log.LogAttrs(r.Context(), slog.LevelError, "response body cut short",
			slog.String("request_id", reqID), slog.Any("cause", err))
		// Abort the connection so the client sees the truncation instead of a
		// silently short body.
		panic(http.ErrAbortHandler)
	}
}

// copyFlushing copies src to w, flushing after each read that drained src's
// buffered data, so that streamed responses (chunked, server-sent events)
// reach the client as they arrive. Once length bytes (when > 0) are written
// the answer is complete: the server sends it when the handler returns,
// without a flush of its own.
func (h *Handler) copyFlushing(w http.ResponseWriter, src io.Reader, length int64) (int64, error) {
	var rc *http.ResponseController
	bp := h.bufs.Get().(*[]byte)
	defer h.bufs.Put(bp)
	buf := *bp
	var n int64
	for {
		nr, rerr := src.Read(buf)
		if nr > 0 {
			nw, werr := w.Write(buf[:nr])
			n += int64(nw)
			if werr != nil {
				return n, werr
			}
			if nr < len(buf) && (length <= 0 || n < length) {
				if rc == nil {
					rc = http.NewResponseController(w)
				}
				_ = rc.Flush()
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

func routePath(r *snapshot.Route) string {
	if r.Key.Default {
		return r.Key.Raw
	}
	return r.Key.Path
}

// rawPath is payload 2.0's rawPath: the decoded path with a named stage's
// prefix (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html). The prefix is the stage's own (decoded)
// name, so nothing is parsed per request.
func rawPath(stagePrefix, stageName, path string) string {
	if stagePrefix == "" {
		return path
	}
	if path == "/" {
		return "/" + stageName
	}
	return "/" + stageName + path
}

func domainPrefix(host string) string {
	if i := strings.IndexByte(host, '.'); i >= 0 {
		return host[:i]
	}
	return host
}

func sourceIP(remote string) string {
	if h, _, err := net.SplitHostPort(remote); err == nil {
		return h
	}
	return remote
}

// requestHeaderSize is the size of the request line plus every header name
// and value, as the 10240-byte quota counts them.
func requestHeaderSize(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v)
		}
	}
	return n + len(r.Host)
}

// countingWriter records the status and the body bytes sent, for the access
// log and metrics. Unwrap lets http.ResponseController reach Flush.
type countingWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (w *countingWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *countingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

// Unwrap returns the underlying ResponseWriter.
func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ServerMaxHeaderBytes is the http.Server MaxHeaderBytes for data plane
// listeners: the 10240-byte quota counts the request line and header values
// only, so names, separators and the Host line get room beyond it, and a
// request between the quota and this bound gets AWS's answer from the
// handler. net/http reads up to 4 KiB more before it refuses a request
// itself (431).
const ServerMaxHeaderBytes = 16 << 10

// closeAfterAnswer asks net/http to close an HTTP/1.x connection after the
// answer instead of reading the rest of the request body first. HTTP/2 needs
// no such thing (the rest of the stream is reset, the connection carries
// on), and there "Connection: close" would make the server end the whole
// connection with a GOAWAY: every HTTP/2 request whose body the integration
// did not read (any GET) would cost a new connection and TLS handshake.
func closeAfterAnswer(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor == 1 {
		w.Header().Set("Connection", "close")
	}
}
