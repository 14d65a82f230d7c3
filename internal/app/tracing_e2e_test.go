package app_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/apigwdev/apigw/internal/gatewaytest"
)

// otlpReceiver is an OTLP/HTTP trace receiver: it decodes what the gateway
// exports, as a collector would.
type otlpReceiver struct {
	*httptest.Server
	mu    sync.Mutex
	spans []*tracepb.Span // guarded by mu
	paths []string        // guarded by mu
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	rcv := &otlpReceiver{}
	rcv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		var req coltrace.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(body, &req)
		}
		if err != nil || r.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("OTLP export %s %s (%s): %v", r.Method, r.URL.Path, r.Header.Get("Content-Type"), err)
			http.Error(w, "bad export", http.StatusBadRequest)
			return
		}
		rcv.mu.Lock()
		rcv.paths = append(rcv.paths, r.Method+" "+r.URL.Path)
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				rcv.spans = append(rcv.spans, ss.Spans...)
			}
		}
		rcv.mu.Unlock()
		out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(rcv.Close)
	return rcv
}

// trace returns the spans of trace id (hex), by name.
func (rcv *otlpReceiver) trace(id string) map[string]*tracepb.Span {
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	out := map[string]*tracepb.Span{}
	for _, s := range rcv.spans {
		if hex.EncodeToString(s.TraceId) == id {
			out[s.Name] = s
		}
	}
	return out
}

func attr(s *tracepb.Span, key string) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			switch v := kv.Value.Value.(type) {
			case *commonpb.AnyValue_StringValue:
				return v.StringValue
			case *commonpb.AnyValue_IntValue:
				return fmt.Sprint(v.IntValue)
			case *commonpb.AnyValue_BoolValue:
				return fmt.Sprint(v.BoolValue)
			}
		}
	}
	return ""
}

// TestTracing: with tracing on, each request is one trace exported over
// OTLP/HTTP at shutdown (server span, authorizer, integration, function
// invocation and its init), and the trace id reaches the HTTP backend
// (traceparent and X-Amzn-Trace-Id) and the function (the event's header,
// Lambda-Runtime-Trace-Id and _X_AMZN_TRACE_ID).
func TestTracing(t *testing.T) {
	t.Parallel()
	rcv := newOTLPReceiver(t)
	type want struct {
		trace     string
		spans     map[string]string // span name -> its parent's name ("" for the server span)
		request   string            // the request id
		continued bool              // the client's traceparent is the server span's parent
	}
	var wants []want
	// Registered before the gateway starts, so it runs after the gateway's
	// shutdown, which must have flushed every span.
	t.Cleanup(func() {
		seen := map[string]bool{}
		for _, w := range wants {
			spans := rcv.trace(w.trace)
			if len(spans) != len(w.spans) {
				t.Errorf("trace %s (request %s): spans %v, want %v", w.trace, w.request, names(spans), w.spans)
			}
			for name, parent := range w.spans {
				s := spans[name]
				switch {
				case s == nil:
					t.Errorf("trace %s: no span %q", w.trace, name)
				case parent == "" && (len(s.ParentSpanId) != 0) != w.continued:
					t.Errorf("trace %s: server span %q has parent %x", w.trace, name, s.ParentSpanId)
				case parent == "" && (s.Kind != tracepb.Span_SPAN_KIND_SERVER || attr(s, "aws.api_gateway.request_id") != w.request ||
					attr(s, "aws.api_gateway.api_id") != "traced0001" || attr(s, "aws.api_gateway.stage") != "$default" ||
					!strings.HasSuffix(attr(s, "aws.api_gateway.route_key"), " "+strings.Fields(name)[1]) || attr(s, "http.response.status_code") != "200" ||
					attr(s, "http.request.method") != strings.Fields(name)[0] || attr(s, "http.route") != strings.Fields(name)[1]):
					t.Errorf("trace %s: server span %q: kind %v, attributes %v", w.trace, name, s.Kind, s.Attributes)
				case parent != "" && (spans[parent] == nil || string(s.ParentSpanId) != string(spans[parent].SpanId)):
					t.Errorf("trace %s: span %q is not a child of %q", w.trace, name, parent)
				}
			}
			seen[w.trace] = true
		}
		if len(seen) != len(wants) {
			t.Errorf("%d requests made %d traces", len(wants), len(seen))
		}
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		for _, p := range rcv.paths {
			if p != "POST /v1/traces" {
				t.Errorf("export to %s", p)
			}
		}
	})

	be := echoBackend(t)
	doc := inspectorDoc(be.URL) + `
  /secure:
    get:
      security: [{tokenAuth: []}]
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "` + be.URL + `/secure", payloadFormatVersion: "1.0"}
components:
  securitySchemes:
    tokenAuth:
      type: apiKey
      name: x-token
      in: header
      x-amazon-apigateway-authorizer:
        type: request
        identitySource: "$request.header.x-token"
        authorizerUri: "` + fnPathURI("authfn") + `"
        authorizerPayloadFormatVersion: "2.0"
        enableSimpleResponses: true
`
	gw := gatewaytest.Start(t, gatewaytest.Files{"api.yaml": doc, "apigw.yaml": fmt.Sprintf(`
functions:
  echo: {command: [%q]}
  authfn: {command: [%q]}
apis:
  - {id: traced0001, openapi: ./api.yaml, default: true}
tracing: {otlpEndpoint: %q, sampleRatio: 1}
`, fnPath("echo"), fnPath("authfn"), rcv.URL)})

	// An HTTP backend, in a trace the client started.
	const clientTrace, clientSpan = "5f2d3c4b5a69788796a5b4c3d2e1f001", "a1b2c3d4e5f60718"
	r := gw.Do(t, "GET", "", "/http/pets/7", nil, "Traceparent: 00-"+clientTrace+"-"+clientSpan+"-01")
	var seen seenRequest
	if err := json.Unmarshal([]byte(r.Body), &seen); err != nil || r.Status != 200 {
		t.Fatalf("HTTP route: %d %s", r.Status, r.Body)
	}
	tp := seen.Header.Get("Traceparent")
	if !strings.HasPrefix(tp, "00-"+clientTrace+"-") || strings.Contains(tp, clientSpan) || !strings.HasSuffix(tp, "-01") {
		t.Errorf("backend got traceparent %q, want the client's trace %s with the gateway's span", tp, clientTrace)
	}
	xray := seen.Header.Get("X-Amzn-Trace-Id")
	if want := "Root=1-" + clientTrace[:8] + "-" + clientTrace[8:] + ";Parent=" + tp[36:52] + ";Sampled=1"; xray != want {
		t.Errorf("backend got X-Amzn-Trace-Id %q, want %q", xray, want)
	}
	wants = append(wants, want{trace: clientTrace, request: r.Header.Get("Apigw-Requestid"), continued: true,
		spans: map[string]string{"GET /http/{proxy+}": "", "integration": "GET /http/{proxy+}"}})

	// A Lambda function, cold then warm.
	for i := range 2 {
		r := gw.Do(t, "POST", "", "/fn/42", strings.NewReader(`{}`))
		var reply struct {
			Event   struct{ Headers map[string]string } `json:"event"`
			Env     map[string]string                   `json:"env"`
			TraceID string                              `json:"traceId"`
		}
		if err := json.Unmarshal([]byte(r.Body), &reply); err != nil || r.Status != 200 {
			t.Fatalf("Lambda route: %d %s", r.Status, r.Body)
		}
		root, _, _ := strings.Cut(reply.TraceID, ";")
		trace := strings.ReplaceAll(strings.TrimPrefix(root, "Root=1-"), "-", "")
		if len(trace) != 32 || !strings.HasSuffix(reply.TraceID, ";Sampled=1") || reply.Env["_X_AMZN_TRACE_ID"] != reply.TraceID {
			t.Errorf("function's trace: Lambda-Runtime-Trace-Id %q, _X_AMZN_TRACE_ID %q", reply.TraceID, reply.Env["_X_AMZN_TRACE_ID"])
		}
		if h := reply.Event.Headers["x-amzn-trace-id"]; !strings.HasPrefix(h, root+";") {
			t.Errorf("event's x-amzn-trace-id %q, want the trace %s", h, root)
		}
		spans := map[string]string{"POST /fn/{id}": "", "integration": "POST /fn/{id}", "invoke echo": "integration"}
		if i == 0 {
			spans["init"] = "invoke echo"
		}
		wants = append(wants, want{trace: trace, request: r.Header.Get("Apigw-Requestid"), spans: spans})
	}

	// A Lambda authorizer in front of an HTTP backend.
	r = gw.Do(t, "GET", "", "/secure", nil, "x-token: allow")
	if err := json.Unmarshal([]byte(r.Body), &seen); err != nil || r.Status != 200 {
		t.Fatalf("authorized route: %d %s", r.Status, r.Body)
	}
	tp = seen.Header.Get("Traceparent")
	if len(tp) != 55 {
		t.Fatalf("backend behind the authorizer got traceparent %q", tp)
	}
	wants = append(wants, want{trace: tp[3:35], request: r.Header.Get("Apigw-Requestid"),
		spans: map[string]string{"GET /secure": "", "authorizer": "GET /secure", "invoke authfn": "authorizer", "init": "invoke authfn", "integration": "GET /secure"}})
}

func names(m map[string]*tracepb.Span) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
