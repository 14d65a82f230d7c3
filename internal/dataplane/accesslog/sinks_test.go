package accesslog

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/model"
)

// syncBuffer is a bytes.Buffer safe for the writer goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer // guarded by mu
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// blockingWriter blocks every Write until released, telling the test when a
// write has started.
type blockingWriter struct {
	started chan struct{}
	release chan struct{}
	syncBuffer
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	w.started <- struct{}{}
	<-w.release
	return w.syncBuffer.Write(p)
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestResolveDestination(t *testing.T) {
	t.Parallel()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "data")
	tests := []struct {
		name, arn, dataDir string
		want               string // key
		wantErr            string
	}{
		{name: "stdout", arn: "stdout", want: "stdout"},
		{name: "stderr", arn: "stderr", want: "stderr"},
		{name: "absolute path", arn: "/var/log/x.log", want: "/var/log/x.log"},
		{name: "relative path", arn: "logs/x.log", want: filepath.Join(wd, "logs/x.log")},
		{name: "log group", arn: "arn:aws:logs:us-east-1:000000000000:log-group:pets", dataDir: data,
			want: filepath.Join(data, "logs", "pets.log")},
		{name: "log group with star", arn: "arn:aws:logs:us-east-1:000000000000:log-group:pets:*", dataDir: data,
			want: filepath.Join(data, "logs", "pets.log")},
		{name: "log group with slashes", arn: "arn:aws:logs:eu-west-1:1:log-group:/aws/apigateway/pets-api", dataDir: data,
			want: filepath.Join(data, "logs", "aws", "apigateway", "pets-api.log")},
		{name: "log group with dots", arn: "arn:aws-cn:logs:cn-north-1:1:log-group:a.b#c_d-e", dataDir: data,
			want: filepath.Join(data, "logs", "a.b#c_d-e.log")},
		{name: "empty", arn: "", wantErr: "empty"},
		{name: "no data dir", arn: "arn:aws:logs:us-east-1:1:log-group:pets", wantErr: "no data directory"},
		{name: "firehose", arn: "arn:aws:firehose:us-east-1:1:deliverystream/amazon-apigateway-x", dataDir: data, wantErr: "not a CloudWatch Logs log group ARN"},
		{name: "dot dot", arn: "arn:aws:logs:us-east-1:1:log-group:a/../../etc", dataDir: data, wantErr: ".. path segment"},
		{name: "empty segment", arn: "arn:aws:logs:us-east-1:1:log-group:a//b", dataDir: data, wantErr: "empty"},
		{name: "bad character", arn: "arn:aws:logs:us-east-1:1:log-group:a b", dataDir: data, wantErr: "not allowed"},
		{name: "empty name", arn: "arn:aws:logs:us-east-1:1:log-group:", dataDir: data, wantErr: "1 to 512"},
		{name: "long name", arn: "arn:aws:logs:us-east-1:1:log-group:" + strings.Repeat("a", 513), dataDir: data, wantErr: "1 to 512"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := resolveDestination(tt.arn, tt.dataDir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("resolveDestination(%q) = %+v, %v; want error containing %q", tt.arn, d, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.key() != tt.want {
				t.Errorf("destination = %q; want %q", d.key(), tt.want)
			}
		})
	}
}

func TestStdoutAndStderr(t *testing.T) {
	t.Parallel()
	var stdout, stderr syncBuffer
	s := NewSinks(Options{Stdout: &stdout, Stderr: &stderr})
	out, err := s.Logger(model.AccessLogSettings{DestinationARN: "stdout", Format: "$context.requestId $context.status"})
	if err != nil {
		t.Fatal(err)
	}
	errl, err := s.Logger(model.AccessLogSettings{DestinationARN: "stderr", Format: FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		out.Log(testRequest(), testOutcome())
	}
	errl.Log(testRequest(), testOutcome())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := stdout.String(), strings.Repeat("AbCdEfGhIjKlMnO= 200\n", 3); got != want {
		t.Errorf("stdout = %q; want %q", got, want)
	}
	if got := stderr.String(); got != "192.0.2.1,05/Mar/2024:07:08:09 +0000,GET,GET /pets/{id},HTTP/1.1,200,17,AbCdEfGhIjKlMnO=\n" {
		t.Errorf("stderr = %q", got)
	}
	if s.Written() != 4 || s.Dropped() != 0 || s.WriteErrors() != 0 {
		t.Errorf("written, dropped, errors = %d, %d, %d; want 4, 0, 0", s.Written(), s.Dropped(), s.WriteErrors())
	}
}

func TestFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := NewSinks(Options{DataDir: filepath.Join(dir, "data")})
	arn := "arn:aws:logs:us-east-1:000000000000:log-group:/aws/apigateway/pets"
	a, err := s.Logger(model.AccessLogSettings{DestinationARN: arn, Format: "a $context.stage"})
	if err != nil {
		t.Fatal(err)
	}
	// The same file named by path shares the destination.
	path := filepath.Join(dir, "data", "logs", "aws", "apigateway", "pets.log")
	b, err := s.Logger(model.AccessLogSettings{DestinationARN: path, Format: "b $context.stage"})
	if err != nil {
		t.Fatal(err)
	}
	if a.sink != b.sink {
		t.Error("two loggers of one file have different sinks")
	}
	a.Log(testRequest(), testOutcome())
	b.Log(testRequest(), testOutcome())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "a dev\nb dev\n" {
		t.Errorf("file = %q; want both entries in order", got)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v; want 0600", fi.Mode().Perm())
	}

	// A new Sinks appends.
	s2 := NewSinks(Options{})
	c, err := s2.Logger(model.AccessLogSettings{DestinationARN: path, Format: "c"})
	if err != nil {
		t.Fatal(err)
	}
	c.Log(testRequest(), testOutcome())
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "a dev\nb dev\nc\n" {
		t.Errorf("file after a second run = %q", got)
	}
}

func TestLoggerErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := NewSinks(Options{})
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	tests := []struct {
		name     string
		settings model.AccessLogSettings
		wantErr  string
	}{
		{name: "empty format", settings: model.AccessLogSettings{DestinationARN: "stdout"}, wantErr: "format is empty"},
		{name: "empty destination", settings: model.AccessLogSettings{Format: "x"}, wantErr: "destinationArn is empty"},
		{name: "directory is a file", settings: model.AccessLogSettings{Format: "x", DestinationARN: filepath.Join(notDir, "x.log")}, wantErr: "opening access log"},
		{name: "log group without data dir", settings: model.AccessLogSettings{Format: "x", DestinationARN: "arn:aws:logs:us-east-1:1:log-group:g"}, wantErr: "no data directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := s.Logger(tt.settings); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Logger(%+v) = %v; want error containing %q", tt.settings, err, tt.wantErr)
			}
		})
	}
}

func TestDropsWhenFull(t *testing.T) {
	t.Parallel()
	w := &blockingWriter{started: make(chan struct{}), release: make(chan struct{})}
	s := NewSinks(Options{Stdout: w, BufferLines: 1})
	l, err := s.Logger(model.AccessLogSettings{DestinationARN: "stdout", Format: "$context.status"})
	if err != nil {
		t.Fatal(err)
	}
	out := testOutcome()
	// Entry 1 is taken by the writer, which blocks in Write (it writes
	// through a 64 KB buffer only on flush, at the end of the batch: with a
	// queue of 1 entry, at once).
	l.Log(testRequest(), out)
	<-w.started
	// Entry 2 fills the queue; entries 3 and 4 are dropped without
	// blocking.
	l.Log(testRequest(), out)
	l.Log(testRequest(), out)
	l.Log(testRequest(), out)
	if got := s.Dropped(); got != 2 {
		t.Errorf("Dropped() = %d; want 2", got)
	}
	close(w.release)
	go func() {
		for range w.started {
		}
	}()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	close(w.started)
	if got := w.syncBuffer.String(); got != "200\n200\n" {
		t.Errorf("written = %q; want the two queued entries", got)
	}
}

func TestAfterClose(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	s := NewSinks(Options{Stdout: &buf})
	l, err := s.Logger(model.AccessLogSettings{DestinationARN: "stdout", Format: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	l.Log(testRequest(), testOutcome())
	if s.Dropped() != 1 || buf.String() != "" {
		t.Errorf("after Close: dropped %d, written %q; want 1 dropped", s.Dropped(), buf.String())
	}
	if _, err := s.Logger(model.AccessLogSettings{DestinationARN: "stderr", Format: "x"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Logger after Close = %v; want ErrClosed", err)
	}
}

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	s := NewSinks(Options{Stdout: failingWriter{}})
	l, err := s.Logger(model.AccessLogSettings{DestinationARN: "stdout", Format: strings.Repeat("x", 3000)})
	if err != nil {
		t.Fatal(err)
	}
	// Enough to overflow the 64 KB buffer, so that writes fail before the
	// final flush.
	for range 30 {
		l.Log(testRequest(), testOutcome())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.WriteErrors() == 0 {
		t.Error("WriteErrors() = 0; want the failures counted")
	}
}

func TestEntryCut(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	s := NewSinks(Options{Stdout: &buf})
	l, err := s.Logger(model.AccessLogSettings{DestinationARN: "stdout", Format: "$context.authorizer.big"})
	if err != nil {
		t.Fatal(err)
	}
	req := testRequest()
	req.Authorizer = &invoke.AuthorizerContext{Lambda: map[string]any{"big": strings.Repeat("x", 2*MaxEntryBytes)}}
	l.Log(req, testOutcome())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); len(got) != MaxEntryBytes+1 || !strings.HasSuffix(got, "x\n") {
		t.Errorf("entry of %d bytes; want %d and a newline", len(got), MaxEntryBytes)
	}
}

func TestConcurrentLog(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	s := NewSinks(Options{Stdout: &buf, BufferLines: 10000})
	l, err := s.Logger(model.AccessLogSettings{DestinationARN: "stdout", Format: FormatCLF})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				l.Log(testRequest(), testOutcome())
			}
		}()
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 800 || s.Dropped() != 0 {
		t.Fatalf("%d lines, %d dropped; want 800, 0", len(lines), s.Dropped())
	}
	for _, line := range lines {
		if !strings.HasPrefix(line, "192.0.2.1 - - [") {
			t.Fatalf("interleaved or corrupt line %q", line)
		}
	}
}

// countingWriter counts the Write calls that reach the destination.
type countingWriter struct {
	syncBuffer
	writes atomic.Int64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes.Add(1)
	return w.syncBuffer.Write(p)
}

// waitFor polls until cond holds, failing the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestWrittenWithoutClose(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	s := NewSinks(Options{})
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	l, err := s.Logger(model.AccessLogSettings{DestinationARN: path, Format: "$context.requestId"})
	if err != nil {
		t.Fatal(err)
	}
	// An entry reaches the file after the flush interval, without Close
	// and without more entries.
	l.Log(testRequest(), testOutcome())
	waitFor(t, "the entry in the file", func() bool {
		b, _ := os.ReadFile(path)
		return string(b) == "AbCdEfGhIjKlMnO=\n"
	})
	// And so does the next batch.
	l.Log(testRequest(), testOutcome())
	waitFor(t, "the second entry in the file", func() bool {
		b, _ := os.ReadFile(path)
		return string(b) == "AbCdEfGhIjKlMnO=\nAbCdEfGhIjKlMnO=\n"
	})
}

func TestBatches(t *testing.T) {
	t.Parallel()
	w := &countingWriter{}
	// A flush interval long enough for the test's entries to be one batch
	// even on a loaded machine.
	s := NewSinks(Options{Stdout: w, FlushInterval: time.Hour})
	l, err := s.Logger(model.AccessLogSettings{DestinationARN: "stdout", Format: "$context.status"})
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		l.Log(testRequest(), testOutcome())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := w.String(), strings.Repeat("200\n", 100); got != want {
		t.Errorf("written %q; want 100 entries", got)
	}
	if n := w.writes.Load(); n != 1 {
		t.Errorf("%d writes for 100 entries logged at once; want 1", n)
	}
}

func TestHalfFullQueueIsWrittenEarly(t *testing.T) {
	t.Parallel()
	w := &countingWriter{}
	s := NewSinks(Options{Stdout: w, BufferLines: 8, FlushInterval: time.Hour})
	l, err := s.Logger(model.AccessLogSettings{DestinationARN: "stdout", Format: "$context.status"})
	if err != nil {
		t.Fatal(err)
	}
	// Long before the flush interval ends, a queue of 8 is written once it
	// holds 4 entries. The writer takes at most the first entry before it
	// waits, so 5 entries make the queue half full whatever the timing, and
	// at least 4 of them are written in that batch.
	for range 5 {
		l.Log(testRequest(), testOutcome())
	}
	waitFor(t, "the half-full queue to be written", func() bool { return strings.Count(w.String(), "200\n") >= 4 })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := w.String(); got != strings.Repeat("200\n", 5) || s.Dropped() != 0 {
		t.Errorf("written %q, %d dropped; want 5 entries", got, s.Dropped())
	}
}

func BenchmarkLog(b *testing.B) {
	s := NewSinks(Options{Stdout: discard{}, BufferLines: 1 << 16})
	defer s.Close()
	l, err := s.Logger(model.AccessLogSettings{DestinationARN: "stdout", Format: FormatJSON})
	if err != nil {
		b.Fatal(err)
	}
	req, out := testRequest(), testOutcome()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Log(req, out)
		}
	})
	b.ReportMetric(float64(s.Dropped()), "dropped")
}

// benchFormat is the format of bench/gen's "secure" configuration.
const benchFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength","sub":"$context.authorizer.claims.sub"}`

// BenchmarkLogFile logs to a file through Sinks as a gateway on one CPU
// does: the logging goroutine yields after each entry, as request
// goroutines block on the network between requests, so the writer runs
// whenever it is ready to. cpu-ns/op is the process's CPU time per entry:
// formatting, queueing, the writer goroutine and its system calls.
func BenchmarkLogFile(b *testing.B) {
	s := NewSinks(Options{})
	l, err := s.Logger(model.AccessLogSettings{DestinationARN: filepath.Join(b.TempDir(), "access.log"), Format: benchFormat})
	if err != nil {
		b.Fatal(err)
	}
	req, out := testRequest(), testOutcome()
	req.Authorizer = &invoke.AuthorizerContext{JWT: &invoke.JWTContext{Claims: map[string]string{"sub": "bench"}}}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, ok := processCPU()
	for range b.N {
		l.Log(req, out)
		runtime.Gosched()
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if cpu1, ok1 := processCPU(); ok && ok1 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
	b.ReportMetric(float64(s.Dropped()), "dropped")
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func TestPrepareOpensNothingAndReleaseCloses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "access.log")
	s := NewSinks(Options{})
	defer s.Close()
	a, err := s.Prepare(model.AccessLogSettings{DestinationARN: path, Format: "a $context.status"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Prepare created %s (stat: %v); want nothing opened", filepath.Dir(path), err)
	}
	a.Log(testRequest(), testOutcome())
	if s.Dropped() != 1 {
		t.Errorf("dropped = %d before Open; want 1", s.Dropped())
	}
	b, err := s.Prepare(model.AccessLogSettings{DestinationARN: path, Format: "b $context.status"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Open(); err != nil {
		t.Fatal(err)
	}
	if err := b.Open(); err != nil {
		t.Fatal(err)
	}
	a.Log(testRequest(), testOutcome())
	a.Release()
	// b still holds the destination open.
	b.Log(testRequest(), testOutcome())
	b.Release()
	// The last release wrote what was queued and stopped the writer.
	s.wg.Wait()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "a 200\nb 200\n" {
		t.Errorf("file = %q; want both entries", got)
	}
	b.Log(testRequest(), testOutcome())
	if s.Dropped() != 2 {
		t.Errorf("dropped = %d after the last Release; want 2", s.Dropped())
	}
	// Opening the destination again starts a new writer.
	c, err := s.Logger(model.AccessLogSettings{DestinationARN: path, Format: "c"})
	if err != nil {
		t.Fatal(err)
	}
	c.Log(testRequest(), testOutcome())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(path)
	if string(got) != "a 200\nb 200\nc\n" {
		t.Errorf("file = %q after reopening", got)
	}
}
