package invokeapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"

	"github.com/apigwdev/apigw/internal/functions"
)

// Invoker runs functions; *functions.Manager implements it.
type Invoker interface {
	// Invoke calls a function synchronously; see functions.Manager.Invoke.
	Invoke(ctx context.Context, in *functions.Invocation) (*functions.Result, error)
	// Has reports whether a function of that name exists.
	Has(name string) bool
}

// Options configures a Handler. The zero value is usable.
type Options struct {
	// Region and AccountID are the gateway's: ARNs naming another region or
	// account are answered ResourceNotFoundException. "" means us-east-1 and
	// 000000000000.
	Region, AccountID string
	// Logger receives internal errors and the outcome of Event invocations.
	// If nil, slog.Default() is used.
	Logger *slog.Logger
}

// Payload limits of the Invoke operation (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
const (
	// MaxSyncPayload is the largest RequestResponse payload: 6,291,556 bytes.
	MaxSyncPayload = functions.MaxPayloadSize
	// MaxAsyncPayload is the largest Event payload: 1 MiB (Lambda raised the
	// limit from 256 KB to 1 MB; the exact byte count is undocumented by AWS (our choice: docs/compatibility.md#local-functions)).
	MaxAsyncPayload = 1 << 20
)

// Handler serves the Lambda Invoke API. It is safe for concurrent use.
type Handler struct {
	inv  Invoker
	opts Options
	log  *slog.Logger
	mux  *http.ServeMux

	// Event invocations run in goroutines owned by the Handler, under ctx.
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	closed bool // guarded by mu
	wg     sync.WaitGroup
}

// New returns a Handler serving inv's functions.
func New(inv Invoker, opts Options) *Handler {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Handler{inv: inv, opts: opts, log: opts.Logger, ctx: ctx, cancel: cancel}
	h.mux = newRouter(h)
	return h
}

// newRouter is the route table: the operations this API serves (Invoke,
// GetFunction, GetFunctionConfiguration, ListFunctions), and
// UnknownOperationException for everything else.
func newRouter(h *Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("POST /2015-03-31/functions/{FunctionName}/invocations", h.handle(h.invoke))
	mux.Handle("GET /2015-03-31/functions/{FunctionName}", h.handle(h.getFunction))
	mux.Handle("GET /2015-03-31/functions/{FunctionName}/configuration", h.handle(h.getFunctionConfiguration))
	// ListFunctions: the SDKs send the path without its trailing slash, the
	// AWS CLI with it.
	mux.Handle("GET /2015-03-31/functions", h.handle(h.listFunctions))
	mux.Handle("GET /2015-03-31/functions/{$}", h.handle(h.listFunctions))
	mux.Handle("/", h.handle(func(http.ResponseWriter, *http.Request) *apiError { return errUnknownOperation() }))
	return mux
}

// ServeHTTP serves an Invoke API request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// handle adapts a handler that returns an *apiError to http.Handler: the
// error is logged with its cause and rendered, in this one place.
func (h *Handler) handle(f func(http.ResponseWriter, *http.Request) *apiError) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e := f(w, r)
		if e == nil {
			return
		}
		if r.Context().Err() != nil {
			return // the client left; there is nobody to answer
		}
		if e.Cause != nil {
			level := slog.LevelInfo
			if e.Status >= 500 {
				level = slog.LevelError
			}
			h.log.Log(r.Context(), level, "invoke API error", "path", r.URL.Path, "status", e.Status, "code", e.Code, "err", e.Cause)
		}
		render(w, functions.NewRequestID(), e)
	})
}

// invoke serves POST /2015-03-31/functions/{FunctionName}/invocations.
func (h *Handler) invoke(w http.ResponseWriter, r *http.Request) *apiError {
	rawName := r.PathValue("FunctionName")
	ref, ok := parseFunctionName(rawName, h.opts.Region, h.opts.AccountID)
	if !ok {
		return errValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: "+
			"Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?", rawName))
	}
	qualifier := ref.Qualifier
	if q := r.URL.Query().Get("Qualifier"); q != "" {
		if qualifier != "" && q != qualifier {
			return errInvalidParameter("The derived qualifier from the function name does not match the specified qualifier.")
		}
		if !qualifierPart.MatchString(q) {
			return errValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'qualifier' failed to satisfy constraint: "+
				"Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)", q))
		}
		qualifier = q
	}
	arn := functions.FunctionARN(h.opts.Region, h.opts.AccountID, ref.Name, qualifier)
	if ref.Foreign {
		return errNotFound(rawName, nil)
	}

	invocationType := r.Header.Get("X-Amz-Invocation-Type")
	logType := r.Header.Get("X-Amz-Log-Type")
	switch invocationType {
	case "", "RequestResponse", "Event", "DryRun":
	default:
		return errValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'invocationType' failed to satisfy constraint: "+
			"Member must satisfy enum value set: [Event, RequestResponse, DryRun]", invocationType))
	}
	switch logType {
	case "", "None", "Tail":
	default:
		return errValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'logType' failed to satisfy constraint: "+
			"Member must satisfy enum value set: [Tail, None]", logType))
	}
	if !h.inv.Has(ref.Name) {
		return errNotFound(arn, nil)
	}

	limit, operation := MaxSyncPayload, "InvokeFunction"
	if invocationType == "Event" {
		limit, operation = MaxAsyncPayload, "InvokeAsync"
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		return errInvalidContent("Could not read the request body.", err)
	}
	if len(payload) > limit {
		return errTooLarge(operation, nil)
	}
	if len(payload) == 0 {
		// An invocation without a payload gets an empty JSON object, as
		// `aws lambda invoke` without --payload does (detail undocumented by AWS, our choice: docs/compatibility.md#local-functions).
		payload = []byte("{}")
	}
	in := &functions.Invocation{
		FunctionName:  ref.Name,
		Qualifier:     qualifier,
		Payload:       payload,
		TraceID:       r.Header.Get("X-Amzn-Trace-Id"),
		ClientContext: r.Header.Get("X-Amz-Client-Context"),
		Tail:          logType == "Tail" && invocationType != "Event",
	}

	switch invocationType {
	case "DryRun":
		w.Header().Set("X-Amzn-Requestid", functions.NewRequestID())
		w.WriteHeader(http.StatusNoContent)
		return nil
	case "Event":
		in.RequestID = functions.NewRequestID()
		if !h.goAsync(in) {
			return errService(errors.New("invoke API is closing"))
		}
		w.Header().Set("X-Amzn-Requestid", in.RequestID)
		w.WriteHeader(http.StatusAccepted)
		return nil
	}

	res, err := h.inv.Invoke(r.Context(), in)
	if err != nil {
		return h.invokeError(arn, err)
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("X-Amzn-Requestid", res.RequestID)
	hdr.Set("X-Amz-Executed-Version", res.ExecutedVersion)
	if res.FunctionError != "" {
		hdr.Set("X-Amz-Function-Error", res.FunctionError)
	}
	if in.Tail {
		hdr.Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString([]byte(res.Log)))
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(res.Payload) // a write error means the client left
	return nil
}

// invokeError maps a failed Invoke to the exception Lambda answers.
func (h *Handler) invokeError(arn string, err error) *apiError {
	switch {
	case errors.Is(err, functions.ErrFunctionNotFound):
		return errNotFound(arn, err)
	case errors.Is(err, functions.ErrThrottled):
		return errThrottled(err)
	case errors.Is(err, functions.ErrPayloadTooLarge):
		return errTooLarge("InvokeFunction", err)
	case errors.Is(err, functions.ErrInvalidRequestContent):
		return errInvalidContent("Client context must be a valid Base64-encoded JSON object.", err)
	}
	return errService(err)
}

// goAsync runs an Event invocation in a goroutine owned by the Handler and
// logs its outcome (Lambda would retry failures and route them to a
// destination; this host runs each event once).
func (h *Handler) goAsync(in *functions.Invocation) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer func() {
			if p := recover(); p != nil {
				h.log.Error("invoke API: Event invocation panicked", "panic", p, "stack", string(debug.Stack()))
			}
		}()
		log := h.log.With("function", in.FunctionName, "requestId", in.RequestID)
		res, err := h.inv.Invoke(h.ctx, in)
		switch {
		case err != nil:
			log.Error("Event invocation failed", "err", err)
		case res.FunctionError != "":
			log.Warn("Event invocation returned a function error", "error", string(res.Payload))
		default:
			log.Debug("Event invocation succeeded")
		}
	}()
	return true
}

// Close stops accepting Event invocations and waits for those running; if
// ctx ends first, it cancels them and returns ctx's error.
func (h *Handler) Close(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	done := make(chan struct{})
	go func() {
		h.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		h.cancel()
		return nil
	case <-ctx.Done():
		h.cancel()
		<-done
		return fmt.Errorf("closing invoke API: waiting for Event invocations: %w", ctx.Err())
	}
}
