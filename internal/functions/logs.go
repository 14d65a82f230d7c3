package functions

import (
	"context"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Log attribute keys.
const (
	attrFunction  = "function"
	attrRequestID = "requestId"
	attrStream    = "stream"
)

// tailSize is how much of an invocation's log X-Amz-Log-Type: Tail returns:
// the last 4 KB (Lambda Invoke API, LogType).
const tailSize = 4 * 1024

// instanceLog writes an instance's log: its process output, tagged with the
// request id of the invocation it belongs to, and Lambda's START, END and
// REPORT lines. While an invocation that asked for it runs, it also keeps the
// invocation's log tail.
type instanceLog struct {
	log *slog.Logger // carries the function attribute
	// crIsNewline: the function's runtime writes one record per line, with
	// \r standing for a newline inside the record (the managed Node.js and
	// Python runtimes when they log to stdout); output shows it as \n, as
	// SAM CLI does (aws/aws-sam-cli#5972).
	crIsNewline bool

	mu        sync.Mutex
	requestID string // guarded by mu; "" between invocations
	tail      []byte // guarded by mu; nil unless the running invocation wants the tail
}

// begin tags what follows with requestID and, if wantTail, starts keeping
// the tail.
func (l *instanceLog) begin(requestID string, wantTail bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requestID = requestID
	l.tail = nil
	if wantTail {
		l.tail = make([]byte, 0, tailSize)
	}
}

// takeTail returns the kept tail (at most tailSize bytes) and stops keeping
// it.
func (l *instanceLog) takeTail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.tail
	l.tail = nil
	if len(t) > tailSize {
		t = t[len(t)-tailSize:]
	}
	return string(t)
}

// tailing reports whether the running invocation's tail is being kept.
func (l *instanceLog) tailing() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tail != nil
}

// detach ends the tagging begun by begin: the runtime asked for its next
// event, so later output belongs to no invocation.
func (l *instanceLog) detach() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requestID = ""
	l.tail = nil
}

// output logs one line of process output.
func (l *instanceLog) output(stream, line string) {
	if l.crIsNewline {
		line = strings.ReplaceAll(line, "\r", "\n")
	}
	id := l.record(line)
	if id == "" {
		l.log.LogAttrs(context.Background(), slog.LevelInfo, line, slog.String(attrStream, stream))
		return
	}
	l.log.LogAttrs(context.Background(), slog.LevelInfo, line, slog.String(attrRequestID, id), slog.String(attrStream, stream))
}

// wanted reports whether a platform line would go anywhere: Info logging is
// on or the running invocation's tail is being kept. When it would not,
// callers may skip building the line.
func (l *instanceLog) wanted() bool {
	return l.log.Enabled(context.Background(), slog.LevelInfo) || l.tailing()
}

// platform logs one of Lambda's own lines (START, END, REPORT, timeouts) for
// invocation requestID.
func (l *instanceLog) platform(requestID, line string) {
	l.record(line)
	l.log.LogAttrs(context.Background(), slog.LevelInfo, line, slog.String(attrRequestID, requestID))
}

// record adds line to the tail, if kept, and returns the current request id.
func (l *instanceLog) record(line string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tail != nil {
		l.tail = append(l.tail, line...)
		l.tail = append(l.tail, '\n')
		if len(l.tail) > 2*tailSize {
			l.tail = append(l.tail[:0], l.tail[len(l.tail)-tailSize:]...)
		}
	}
	return l.requestID
}

func startLine(requestID, version string) string {
	return "START RequestId: " + requestID + " Version: " + version
}

func endLine(requestID string) string { return "END RequestId: " + requestID }

// report holds the figures of a REPORT line.
type report struct {
	requestID    string
	duration     time.Duration // from hand-off to the runtime's answer (or failure)
	initDuration time.Duration // process start to first /next; zero on warm invocations
	memorySize   int           // MB, as configured
	maxMemory    int           // MB, peak RSS of the instance process (see maxMemoryMB)
	status       string        // "" on success, "timeout", "error"
	errorType    string        // with status "error"
}

// String renders the line as Lambda does, fields separated by tabs:
// "REPORT RequestId: … Duration: 1.23 ms Billed Duration: 2 ms Memory Size:
// 128 MB Max Memory Used: 20 MB Init Duration: 45.67 ms". Billed duration is
// the duration plus the init duration, rounded up to the millisecond (Lambda
// bills the init phase of custom runtimes). Failed invocations get Lambda's
// newer "Status: timeout" / "Status: error Error Type: …" fields.
func (r report) String() string {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b := make([]byte, 0, 192)
	b = append(b, "REPORT RequestId: "...)
	b = append(b, r.requestID...)
	b = append(b, "\tDuration: "...)
	b = strconv.AppendFloat(b, ms(r.duration), 'f', 2, 64)
	b = append(b, " ms\tBilled Duration: "...)
	b = strconv.AppendInt(b, int64(math.Ceil(ms(r.duration+r.initDuration))), 10)
	b = append(b, " ms\tMemory Size: "...)
	b = strconv.AppendInt(b, int64(r.memorySize), 10)
	b = append(b, " MB\tMax Memory Used: "...)
	b = strconv.AppendInt(b, int64(r.maxMemory), 10)
	b = append(b, " MB"...)
	if r.initDuration > 0 {
		b = append(b, "\tInit Duration: "...)
		b = strconv.AppendFloat(b, ms(r.initDuration), 'f', 2, 64)
		b = append(b, " ms"...)
	}
	switch r.status {
	case "":
	case "error":
		b = append(b, "\tStatus: error\tError Type: "...)
		b = append(b, r.errorType...)
	default:
		b = append(b, "\tStatus: "...)
		b = append(b, r.status...)
	}
	return string(b)
}
