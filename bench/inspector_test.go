package bench

// The request inspector's cost on the data plane: the same HTTP_PROXY
// route with recording off and on, through real loopback listeners (the
// throughput figure of the target) and in the handler alone (CPU
// per request, no network).

import (
	"context"
	"github.com/apigwdev/apigw/internal/integration/h1client"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/dataplane"
	"github.com/apigwdev/apigw/internal/inspector"
	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/tracing"
)

// inspectedGateway is gateway() with the inspector recording when on.
func inspectedGateway(b *testing.B, backendURL string, on bool) *dataplane.Handler {
	b.Helper()
	s, _, err := compile.Compile(&compile.Input{
		Region: "us-east-1", AccountID: "000000000000",
		APIs: []compile.API{{Definition: definition(10, backendURL), Default: true,
			Stages: []compile.Stage{{Stage: model.Stage{StageName: "$default"}}}}},
	}, compile.Deps{Transport: h1client.New()})
	if err != nil {
		b.Fatal(err)
	}
	opts := dataplane.Options{Logger: discardLogger()}
	if on {
		opts.Inspector = inspector.New(inspector.Options{})
	}
	return dataplane.New(s, opts)
}

// BenchmarkInspector: http_proxy is BenchmarkHTTPProxy's gateway row with
// the inspector off and recording; handler is the handler alone with an
// integration answering the same 37-byte body, where cpu-ns/op is the
// process's CPU per request (the recorder's garbage collection included).
func BenchmarkInspector(b *testing.B) {
	be := backend(b)
	for _, on := range []bool{false, true} {
		name := map[bool]string{false: "off", true: "on"}[on]
		b.Run("http_proxy/"+name, func(b *testing.B) {
			gw := httptest.NewServer(inspectedGateway(b, be.URL, on))
			b.Cleanup(gw.Close)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.Cleanup(client.CloseIdleConnections)
			url := gw.URL + "/svc0/items/42"
			b.ReportAllocs()
			b.ResetTimer()
			c0 := cpuNow()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("GET", url, nil)
					req.Header.Set("Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl")
					req.Header.Set("User-Agent", "bench")
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(cpuNow()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
	const answer = `{"id":42,"type":"dog","price":249.99}`
	answerer := invoke.InvokerFunc(func(context.Context, *invoke.Request) (*invoke.Response, error) {
		return &invoke.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(answer)), ContentLength: int64(len(answer))}, nil
	})
	for _, on := range []bool{false, true} {
		name := map[bool]string{false: "off", true: "on"}[on]
		b.Run("handler/"+name, func(b *testing.B) {
			h := inspectedGateway(b, "http://127.0.0.1:9", on)
			h.Snapshot().APIs["bench00001"].DefaultStage.Routes[0].Integration.Invoker = answerer
			req := httptest.NewRequest("GET", "/svc0/items/42", nil)
			req.Header.Set("Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl")
			req.Header.Set("User-Agent", "bench")
			req.RemoteAddr = "127.0.0.1:43210"
			b.ReportAllocs()
			b.ResetTimer()
			c0 := cpuNow()
			for i := 0; i < b.N; i++ {
				w := &discardWriter{h: http.Header{}}
				h.ServeHTTP(w, req)
				if w.status != 200 {
					b.Fatalf("status %d", w.status)
				}
				runtime.Gosched()
			}
			b.StopTimer()
			b.ReportMetric(float64(cpuNow()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkTracing is BenchmarkInspector's two rows with tracing off, at
// sample ratio 1.0 and at 0.01, exporting over OTLP/HTTP to a loopback
// receiver that discards what it gets.
func BenchmarkTracing(b *testing.B) {
	be := backend(b)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	b.Cleanup(rcv.Close)
	const answer = `{"id":42,"type":"dog","price":249.99}`
	answerer := invoke.InvokerFunc(func(context.Context, *invoke.Request) (*invoke.Response, error) {
		return &invoke.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(answer)), ContentLength: int64(len(answer))}, nil
	})
	for _, row := range []struct {
		name  string
		ratio float64 // < 0: tracing off
	}{{"off", -1}, {"ratio=1", 1}, {"ratio=0.01", 0.01}} {
		handler := func(b *testing.B, backendURL string) *dataplane.Handler {
			s, _, err := compile.Compile(&compile.Input{
				Region: "us-east-1", AccountID: "000000000000",
				APIs: []compile.API{{Definition: definition(10, backendURL), Default: true,
					Stages: []compile.Stage{{Stage: model.Stage{StageName: "$default"}}}}},
			}, compile.Deps{Transport: h1client.New()})
			if err != nil {
				b.Fatal(err)
			}
			opts := dataplane.Options{Logger: discardLogger()}
			if row.ratio >= 0 {
				tr, err := tracing.New(tracing.Options{Endpoint: rcv.URL, SampleRatio: row.ratio})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
				opts.Tracer = tr
			}
			return dataplane.New(s, opts)
		}
		b.Run("http_proxy/"+row.name, func(b *testing.B) {
			gw := httptest.NewServer(handler(b, be.URL))
			b.Cleanup(gw.Close)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.Cleanup(client.CloseIdleConnections)
			url := gw.URL + "/svc0/items/42"
			b.ReportAllocs()
			b.ResetTimer()
			c0 := cpuNow()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Get(url)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(cpuNow()-c0)/float64(b.N), "cpu-ns/op")
		})
		b.Run("handler/"+row.name, func(b *testing.B) {
			h := handler(b, "http://127.0.0.1:9")
			h.Snapshot().APIs["bench00001"].DefaultStage.Routes[0].Integration.Invoker = answerer
			req := httptest.NewRequest("GET", "/svc0/items/42", nil)
			req.RemoteAddr = "127.0.0.1:43210"
			b.ReportAllocs()
			b.ResetTimer()
			c0 := cpuNow()
			for i := 0; i < b.N; i++ {
				w := &discardWriter{h: http.Header{}}
				h.ServeHTTP(w, req)
				if w.status != 200 {
					b.Fatalf("status %d", w.status)
				}
				runtime.Gosched()
			}
			b.StopTimer()
			b.ReportMetric(float64(cpuNow()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
}
