package rapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Config configures a Server.
type Config struct {
	// FunctionName is the function's name, reported to extensions that
	// register. It is not otherwise interpreted.
	FunctionName string
	// FunctionVersion is reported to registering extensions; "" means
	// "$LATEST".
	FunctionVersion string
	// Logger receives protocol anomalies (denied transitions, malformed
	// bodies) at debug or warn level. If nil, slog.Default() is used.
	Logger *slog.Logger
}

// Invocation is one event handed to the runtime through Server.Invocations.
// The Server renders it as the answer to the runtime's parked
// GET /runtime/invocation/next.
type Invocation struct {
	// RequestID is the Lambda request id (a UUID), sent as
	// Lambda-Runtime-Aws-Request-Id and expected back in the path of
	// /response and /error. Required.
	RequestID string
	// Payload is the event, sent as the /next response body.
	Payload []byte
	// Timeout is the function's timeout. The deadline sent in
	// Lambda-Runtime-Deadline-Ms is the moment of hand-off plus Timeout, in
	// Unix epoch milliseconds.
	Timeout time.Duration
	// InvokedFunctionARN is sent as Lambda-Runtime-Invoked-Function-Arn:
	// arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}].
	InvokedFunctionARN string
	// TraceID is the X-Ray trace header value, sent as Lambda-Runtime-Trace-Id
	// when not empty.
	TraceID string
	// ClientContext is the client context as JSON text (already decoded from
	// the Invoke API's base64), sent as Lambda-Runtime-Client-Context when not
	// empty. aws-lambda-go fails the invocation if it is not valid JSON.
	ClientContext string
	// CognitoIdentity is {"cognitoIdentityId":..,"cognitoIdentityPoolId":..}
	// as JSON text, sent as Lambda-Runtime-Cognito-Identity when not empty.
	CognitoIdentity string
	// TenantID is sent as Lambda-Runtime-Aws-Tenant-Id when not empty.
	TenantID string
	// ContentType is the event's content type; "" means application/json, the
	// RIE's default.
	ContentType string
}

// EventKind says what an Event reports.
type EventKind int

// The kinds of Event.
const (
	// EventReady: the runtime called GET /next. The first one means "init
	// done" (Event.Init is true); a later one means "the previous invocation
	// is finished and the instance can take another".
	EventReady EventKind = iota + 1
	// EventResult: the runtime answered the current invocation through
	// /response or /error (or its answer was rejected: too large, truncated,
	// invalid response mode). Event.RequestID, Payload, FunctionError and
	// ErrorType describe the outcome.
	EventResult
	// EventInitError: the runtime posted /init/error. Payload is the error
	// body and ErrorType its type; the runtime is expected to exit.
	EventInitError
)

// Event is something the runtime did, reported to the supervisor through
// Server.Events.
type Event struct {
	Kind EventKind
	// Time is when the Server saw the call.
	Time time.Time
	// Init is true for the EventReady of the runtime's first /next.
	Init bool
	// RequestID is the invocation an EventResult answers.
	RequestID string
	// Payload is the function's response (FunctionError false) or the
	// Lambda error JSON {"errorMessage","errorType",...} (FunctionError true).
	Payload []byte
	// FunctionError is true when the invocation failed: /error, error
	// trailers on /response, an oversized or truncated response, or
	// /init/error.
	FunctionError bool
	// ErrorType is the error's type when FunctionError is true: the
	// Lambda-Runtime-Function-Error-Type header or trailer, else the body's
	// errorType, else "Runtime.Unknown" (e.g. "errorString",
	// "Function.ResponseSizeTooLarge").
	ErrorType string
}

// Server is the Runtime API of one function instance. Its zero value is not
// usable; call New. It is safe for concurrent use.
type Server struct {
	cfg Config
	log *slog.Logger
	mux *http.ServeMux

	// invocations is the unbuffered hand-off to the parked /next: a send
	// completes exactly when the runtime takes the event.
	invocations chan *Invocation
	// events carries what the runtime did to the supervisor.
	events chan Event
	// closing is closed by Close; parked requests wake up on it.
	closing   chan struct{}
	closeOnce sync.Once

	mu         sync.Mutex
	state      State             // guarded by mu
	current    string            // guarded by mu; request id of the last delivered invocation
	extensions map[string]string // guarded by mu; registered extension id → name
	hs         *http.Server      // guarded by mu; set by Start
	guard      *guard            // guarded by mu; set by Start (see caller.go)
	addr       string            // guarded by mu; set by Start
	served     chan struct{}     // guarded by mu; closed when the serving goroutine returns
}

// eventBuffer is the capacity of Server.Events. The supervisor drains events
// in every phase; the buffer only decouples a handler's reply from that read.
const eventBuffer = 8

// New returns a Server in state Started. It does not listen until Start; its
// ServeHTTP can also be used directly (for example with httptest).
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.FunctionVersion == "" {
		cfg.FunctionVersion = "$LATEST"
	}
	s := &Server{
		cfg:         cfg,
		log:         cfg.Logger,
		invocations: make(chan *Invocation),
		events:      make(chan Event, eventBuffer),
		closing:     make(chan struct{}),
		extensions:  make(map[string]string),
	}
	s.mux = newRouter(s)
	return s
}

// ServeHTTP routes a Runtime API request (see router.go).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Start listens on 127.0.0.1 on an ephemeral port and serves in a goroutine
// owned by the Server until Close. It returns the value for
// AWS_LAMBDA_RUNTIME_API: host:port on Linux, host:port/<secret> elsewhere
// (see caller.go). Only the process named by Admit, and its descendants, can
// use the API.
func (s *Server) Start() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hs != nil {
		return "", errors.New("starting runtime API server: already started")
	}
	if s.state == Closed {
		return "", errors.New("starting runtime API server: closed")
	}
	g, err := newGuard(procCheckAvailable())
	if err != nil {
		return "", fmt.Errorf("starting runtime API server: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("starting runtime API server: %w", err)
	}
	var h http.Handler = s
	if g.procCheck {
		ln = &guardedListener{Listener: ln, s: s, g: g}
	} else {
		h = s.secretHandler(g, s)
	}
	// No read or write timeouts: /next is held open until an event arrives
	// (aws-lambda-go uses http.Client{Timeout: 0}). Only the header read is
	// bounded, against a runtime that opens a connection and stalls.
	s.hs = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	s.guard = g
	s.addr = g.address(ln.Addr().String())
	s.served = make(chan struct{})
	go func(hs *http.Server, done chan struct{}) {
		defer close(done)
		_ = hs.Serve(ln) // returns http.ErrServerClosed after Close
	}(s.hs, s.served)
	return s.addr, nil
}

// Addr returns the address Start returned, or "" before Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Invocations is where the supervisor sends an event for the runtime. The
// channel is unbuffered: the send completes when a parked /next takes the
// event, so a supervisor selects on it together with process exit, timeouts
// and Events. The Server never closes it.
func (s *Server) Invocations() chan<- *Invocation { return s.invocations }

// Events reports what the runtime does. The supervisor must keep reading it
// until Close. The Server never closes it.
func (s *Server) Events() <-chan Event { return s.events }

// State returns the runtime's current state.
func (s *Server) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Close moves the runtime to Closed, answers parked requests (a parked /next
// gets 500, which tells a runtime to exit; a parked extension /event/next gets
// a SHUTDOWN event), closes the listener and connections and waits for the
// serving goroutine. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.state = Closed
		s.mu.Unlock()
		close(s.closing)
	})
	s.mu.Lock()
	hs, served := s.hs, s.served
	s.mu.Unlock()
	if hs == nil {
		return nil
	}
	err := hs.Close()
	<-served
	if err != nil {
		return fmt.Errorf("closing runtime API server: %w", err)
	}
	return nil
}

// apply performs action a on the runtime's state and returns the state it
// left.
func (s *Server) apply(a action) (State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.applyLocked(a)
}

func (s *Server) applyLocked(a action) (State, error) {
	from := s.state
	to, err := transition(from, a)
	if err != nil {
		return from, err
	}
	s.state = to
	return from, nil
}

// answer validates the request id of a /response or /error call and performs
// the action: the id must be that of the invocation handed out last (else 400
// InvalidRequestID, checked first as the RIE's AwsRequestIDValidator does),
// and the runtime must be Invoking (else 403, e.g. a second answer to the same
// invocation).
func (s *Server) answer(requestID string, a action) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if requestID == "" || requestID != s.current {
		return errInvalidRequestID()
	}
	if _, err := s.applyLocked(a); err != nil {
		return errTransition(err)
	}
	return nil
}

// emit reports ev to the supervisor, unless the Server is closing.
func (s *Server) emit(ev Event) {
	select {
	case s.events <- ev:
	case <-s.closing:
	}
}
