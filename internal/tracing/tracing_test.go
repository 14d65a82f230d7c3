package tracing

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"
)

func TestTraceIDsAreXRayRoots(t *testing.T) {
	t.Parallel()
	before := uint32(time.Now().Unix())
	tid, sid := xrayIDs{}.NewIDs(context.Background())
	after := uint32(time.Now().Unix())
	if secs := binary.BigEndian.Uint32(tid[:4]); secs < before || secs > after {
		t.Errorf("trace id %s starts with %d, want the epoch second (%d..%d)", tid, secs, before, after)
	}
	if !tid.IsValid() || !sid.IsValid() {
		t.Errorf("invalid ids %s %s", tid, sid)
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	tid, _ := trace.TraceIDFromHex("5f2d3c4b5a69788796a5b4c3d2e1f001")
	sid, _ := trace.SpanIDFromHex("a1b2c3d4e5f60718")
	for _, tc := range []struct {
		name      string
		flags     trace.TraceFlags
		xray, w3c string
	}{
		{"sampled", trace.FlagsSampled, "Root=1-5f2d3c4b-5a69788796a5b4c3d2e1f001;Parent=a1b2c3d4e5f60718;Sampled=1", "00-5f2d3c4b5a69788796a5b4c3d2e1f001-a1b2c3d4e5f60718-01"},
		{"not sampled", 0, "Root=1-5f2d3c4b-5a69788796a5b4c3d2e1f001;Parent=a1b2c3d4e5f60718;Sampled=0", "00-5f2d3c4b5a69788796a5b4c3d2e1f001-a1b2c3d4e5f60718-00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			xray, w3c := headers(trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: tc.flags}))
			if xray != tc.xray || w3c != tc.w3c {
				t.Errorf("got %q, %q; want %q, %q", xray, w3c, tc.xray, tc.w3c)
			}
		})
	}
}

func TestNilTracerStartsNoFunctionSpan(t *testing.T) {
	t.Parallel()
	var tr *Tracer
	if _, span := tr.StartFunction(context.Background(), "fn", "arn"); span != nil {
		t.Error("a nil Tracer started a span")
	}
}
