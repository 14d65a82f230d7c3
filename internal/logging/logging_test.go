package logging

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestOrder: a direct line flushes the request lines batched before it, so
// the output keeps the order in which lines were logged.
func TestOrder(t *testing.T) {
	var out syncBuffer
	l := New(&out, Text, slog.LevelInfo)
	defer l.Close()
	l.Requests.Info("request", "n", 1)
	l.Requests.Info("request", "n", 2)
	l.Logger.Warn("direct")
	l.Requests.Info("request", "n", 3)
	l.Close()
	got := out.String()
	i1, i2, id, i3 := strings.Index(got, "n=1"), strings.Index(got, "n=2"), strings.Index(got, "msg=direct"), strings.Index(got, "n=3")
	if i1 < 0 || !(i1 < i2 && i2 < id && id < i3) {
		t.Errorf("lines out of order:\n%s", got)
	}
}

// TestBatchedUntilFlush: request lines wait for the flusher (or a direct
// line), other lines are written at once.
func TestBatchedUntilFlush(t *testing.T) {
	var out syncBuffer
	l := New(&out, Text, slog.LevelInfo)
	close(l.stop) // no periodic flush during the test
	<-l.done
	l.Requests.Info("request")
	if out.String() != "" {
		t.Errorf("request line written before a flush: %q", out.String())
	}
	l.Flush()
	if !strings.Contains(out.String(), "msg=request") {
		t.Errorf("request line not written by Flush: %q", out.String())
	}
	// A batch past the limit is written without waiting.
	big := strings.Repeat("x", batchLimit)
	l.Requests.Info("request", "big", big)
	if !strings.Contains(out.String(), big) {
		t.Error("a full batch was not written at once")
	}
	l.Close()
}

func TestJSONAndLevel(t *testing.T) {
	var out syncBuffer
	l := New(&out, JSON, slog.LevelWarn)
	l.Requests.Info("request")
	l.Logger.Info("hidden")
	l.Logger.Warn("shown", "k", "v")
	l.Close()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("lines %q; want the warning only", lines)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil || rec["msg"] != "shown" || rec["k"] != "v" {
		t.Errorf("line %q: %v", lines[0], err)
	}
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want slog.Level
		ok   bool
	}{{"debug", slog.LevelDebug, true}, {"INFO", slog.LevelInfo, true}, {"warn", slog.LevelWarn, true}, {"warning", slog.LevelWarn, true}, {"error", slog.LevelError, true}, {"loud", 0, false}} {
		got, err := ParseLevel(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseLevel(%q) = %v, %v", tt.in, got, err)
		}
	}
	if f, err := ParseFormat("JSON"); err != nil || f != JSON {
		t.Errorf("ParseFormat(JSON) = %v, %v", f, err)
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml): no error")
	}
}
