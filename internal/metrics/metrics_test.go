package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/invoke"
)

func scrape(t *testing.T, r *Registry) *exposition {
	t.Helper()
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	e, err := parseExposition(b.String())
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, b.String())
	}
	return e
}

func req(api, stage, route string) *invoke.Request {
	return &invoke.Request{APIID: api, Stage: stage, RouteKey: route}
}

func TestRecord(t *testing.T) {
	t.Parallel()
	r := NewRegistry(Options{LatencyBuckets: []float64{0.01, 0.1, 1}})
	ok := &invoke.Outcome{Status: 200, RequestLength: 10, ResponseLength: 90, Latency: 5 * time.Millisecond, IntegrationLatency: 3 * time.Millisecond, IntegrationStatus: 200}
	notFound := &invoke.Outcome{Status: 404, ResponseLength: 23, Latency: 50 * time.Millisecond, IntegrationLatency: -1}
	failed := &invoke.Outcome{Status: 502, Latency: 2 * time.Second, IntegrationLatency: 2 * time.Second, IntegrationStatus: 502}
	throttled := &invoke.Outcome{Status: 429, ResponseLength: 31, Latency: time.Millisecond, IntegrationLatency: -1, Throttled: true}

	r.Record(req("a1", "dev", "GET /pets/{id}"), ok, true)
	r.Record(req("a1", "dev", "GET /pets/{id}"), ok, true)
	r.Record(req("a1", "dev", ""), notFound, true)
	r.Record(req("a1", "dev", "$default"), failed, true)
	r.Record(req("a1", "dev", "GET /x"), throttled, false)
	r.Record(req("b2", "$default", "GET /"), ok, false)
	r.Record(req("", "", ""), ok, true)        // no API: not recorded
	r.Record(nil, ok, true)                    // ignored
	r.Record(req("a1", "dev", "x"), nil, true) // ignored

	e := scrape(t, r)
	dev := `{api_id="a1",stage="dev"}`
	want := map[string]float64{
		"apigw_requests_total" + dev:                                                  5,
		"apigw_4xx_total" + dev:                                                       2,
		"apigw_5xx_total" + dev:                                                       1,
		"apigw_throttled_requests_total" + dev:                                        1,
		"apigw_data_processed_bytes_total" + dev:                                      200 + 23 + 31,
		"apigw_latency_seconds_count" + dev:                                           5,
		`apigw_latency_seconds_bucket{api_id="a1",le="0.01",stage="dev"}`:             3,
		`apigw_latency_seconds_bucket{api_id="a1",le="0.1",stage="dev"}`:              4,
		`apigw_latency_seconds_bucket{api_id="a1",le="1",stage="dev"}`:                4,
		`apigw_latency_seconds_bucket{api_id="a1",le="+Inf",stage="dev"}`:             5,
		"apigw_latency_seconds_sum" + dev:                                             0.005*2 + 0.05 + 2 + 0.001,
		"apigw_integration_latency_seconds_count" + dev:                               3,
		"apigw_integration_latency_seconds_sum" + dev:                                 0.003*2 + 2,
		`apigw_requests_total{api_id="b2",stage="$default"}`:                          1,
		`apigw_route_requests_total{api_id="a1",route="GET /pets/{id}",stage="dev"}`:  2,
		`apigw_route_5xx_total{api_id="a1",route="$default",stage="dev"}`:             1,
		`apigw_route_latency_seconds_count{api_id="a1",route="$default",stage="dev"}`: 1,
	}
	for k, v := range want {
		got, ok := e.samples[k]
		if !ok {
			t.Errorf("missing %s", k)
			continue
		}
		if diff := got - v; diff > 1e-9 || diff < -1e-9 {
			t.Errorf("%s = %v; want %v", k, got, v)
		}
	}
	// Detailed metrics only for detailed requests; none for requests
	// without a route or API.
	for k := range e.samples {
		switch {
		case strings.Contains(k, `route="GET /x"`), strings.Contains(k, `api_id="b2",route`), strings.Contains(k, `route=""`):
			t.Errorf("unexpected series %s", k)
		case strings.Contains(k, `api_id=""`):
			t.Errorf("series without API: %s", k)
		}
	}
	for _, name := range []string{"apigw_requests_total", "apigw_route_latency_seconds", "apigw_latency_seconds"} {
		if e.types[name] == "" || e.help[name] == "" {
			t.Errorf("%s has no TYPE or HELP", name)
		}
	}
	if e.types["apigw_latency_seconds"] != "histogram" || e.types["apigw_4xx_total"] != "counter" {
		t.Errorf("types = %v", e.types)
	}
}

func TestInstruments(t *testing.T) {
	t.Parallel()
	r := NewRegistry(Options{})
	c := r.Counter("test_events_total", "Events.")
	c.Inc()
	c.Add(4)
	g := r.Gauge("test_level", "Level.")
	g.Set(2.5)
	g.Inc()
	g.Dec()
	g.Add(-1)
	cv := r.CounterVec(NameFunctionColdStarts, "Cold starts.", "function")
	cv.With("pets").Inc()
	cv.With("pets").Inc()
	cv.With("orders").Inc()
	gv := r.GaugeVec("test_temperature", "Temperature.", "room", "floor")
	gv.With(`a "quoted"\room`+"\n", "1").Set(-3)
	r.CounterFunc(NameAccessLogDropped, "Dropped access log entries.", func() float64 { return 7 })
	r.GaugeFunc("test_ratio", "Ratio.", func() float64 { return 0.25 })
	r.GaugeVecFunc(NameFunctionInstances, "Function instances.", []string{"function", "state"}, func(emit func(float64, ...string)) {
		emit(2, "pets", "idle")
		emit(1, "pets", "busy")
		emit(9, "wrong number of values")
	})
	r.CounterVecFunc("test_restarts_total", "Restarts.", []string{"function"}, func(emit func(float64, ...string)) {
		emit(3, "pets")
	})

	if c.Value() != 5 || g.Value() != 1.5 {
		t.Errorf("counter, gauge = %d, %v; want 5, 1.5", c.Value(), g.Value())
	}
	e := scrape(t, r)
	want := map[string]float64{
		"test_events_total": 5,
		"test_level":        1.5,
		`apigw_function_cold_starts_total{function="pets"}`:       2,
		`apigw_function_cold_starts_total{function="orders"}`:     1,
		`test_temperature{floor="1",room="a \"quoted\"\\room\n"}`: -3,
		"apigw_access_log_dropped_total":                          7,
		"test_ratio":                                              0.25,
		`apigw_function_instances{function="pets",state="idle"}`:  2,
		`apigw_function_instances{function="pets",state="busy"}`:  1,
		`test_restarts_total{function="pets"}`:                    3,
	}
	for k, v := range want {
		if got, ok := e.samples[k]; !ok || got != v {
			t.Errorf("%s = %v, %v; want %v", k, got, ok, v)
		}
	}
	if n := len(e.samples) - countPrefix(e.samples, "apigw_r", "apigw_4", "apigw_5", "apigw_t", "apigw_d", "apigw_l", "apigw_i"); n != len(want) {
		t.Errorf("%d samples besides the HTTP API families; want %d", n, len(want))
	}
}

func countPrefix(m map[string]float64, prefixes ...string) int {
	n := 0
	for k := range m {
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				n++
				break
			}
		}
	}
	return n
}

func TestRegisterPanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    func(r *Registry)
	}{
		{"duplicate", func(r *Registry) { r.Counter("x_total", ""); r.Gauge("x_total", "") }},
		{"duplicate of an HTTP API family", func(r *Registry) { r.Counter("apigw_requests_total", "") }},
		{"bad name", func(r *Registry) { r.Counter("1x", "") }},
		{"empty name", func(r *Registry) { r.Counter("", "") }},
		{"bad label", func(r *Registry) { r.CounterVec("x", "", "a-b") }},
		{"reserved label", func(r *Registry) { r.GaugeVec("x", "", "__name") }},
		{"le label", func(r *Registry) { r.GaugeVec("x", "", "le") }},
		{"wrong number of values", func(r *Registry) { r.CounterVec("x", "", "a").With("1", "2") }},
		{"buckets not increasing", func(*Registry) { NewRegistry(Options{LatencyBuckets: []float64{1, 1}}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.f(NewRegistry(Options{}))
		})
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	r := NewRegistry(Options{})
	r.Record(req("a1", "$default", "GET /"), &invoke.Outcome{Status: 200, IntegrationLatency: -1}, false)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)

	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ContentType {
		t.Errorf("status, content-type = %d, %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	e, err := parseExposition(string(body))
	if err != nil {
		t.Fatal(err)
	}
	if e.samples[`apigw_requests_total{api_id="a1",stage="$default"}`] != 1 {
		t.Errorf("request not counted:\n%s", body)
	}

	for _, m := range []string{http.MethodHead, http.MethodPost} {
		req, _ := http.NewRequest(m, srv.URL+"/metrics", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := 200
		if m == http.MethodPost {
			want = http.StatusMethodNotAllowed
		}
		if resp.StatusCode != want || (m == http.MethodHead && len(b) != 0) {
			t.Errorf("%s: status %d, %d body bytes; want %d", m, resp.StatusCode, len(b), want)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestWriteTextError(t *testing.T) {
	t.Parallel()
	if err := NewRegistry(Options{}).WriteText(failWriter{}); err == nil {
		t.Error("WriteText to a failing writer: no error")
	}
}

func TestFormatFloat(t *testing.T) {
	t.Parallel()
	for v, want := range map[float64]string{1: "1", 0.25: "0.25", 1e21: "1e+21"} {
		if got := formatFloat(v); got != want {
			t.Errorf("formatFloat(%v) = %q; want %q", v, got, want)
		}
	}
	r := NewRegistry(Options{})
	r.GaugeFunc("inf", "", func() float64 { return float64(1) / zero() })
	r.GaugeFunc("ninf", "", func() float64 { return float64(-1) / zero() })
	r.GaugeFunc("nan", "", func() float64 { return zero() / zero() })
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\ninf +Inf\n", "\nninf -Inf\n", "\nnan NaN\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
}

func zero() float64 { return 0 }

// TestConcurrentRecord records from many goroutines while scraping, and
// checks the totals.
func TestConcurrentRecord(t *testing.T) {
	t.Parallel()
	r := NewRegistry(Options{})
	out := &invoke.Outcome{Status: 500, Latency: time.Millisecond, IntegrationLatency: -1}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rq := req("a1", "dev", []string{"GET /a", "GET /b"}[i%2])
			for range 500 {
				r.Record(rq, out, true)
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 5 {
			var b strings.Builder
			_ = r.WriteText(&b)
			if _, err := parseExposition(b.String()); err != nil {
				t.Errorf("scrape during records: %v", err)
				return
			}
		}
	}()
	wg.Wait()
	<-done
	e := scrape(t, r)
	if got := e.samples[`apigw_5xx_total{api_id="a1",stage="dev"}`]; got != 4000 {
		t.Errorf("5xx = %v; want 4000", got)
	}
	if got := e.samples[`apigw_route_requests_total{api_id="a1",route="GET /a",stage="dev"}`]; got != 2000 {
		t.Errorf("GET /a = %v; want 2000", got)
	}
}

func BenchmarkRecord(b *testing.B) {
	r := NewRegistry(Options{})
	out := &invoke.Outcome{Status: 200, RequestLength: 10, ResponseLength: 100, Latency: 3 * time.Millisecond, IntegrationLatency: 2 * time.Millisecond, IntegrationStatus: 200}
	for _, detailed := range []bool{false, true} {
		name := "stage"
		if detailed {
			name = "stage-and-route"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				rq := req("a1b2c3d4e5", "prod", "GET /pets/{id}")
				for pb.Next() {
					r.Record(rq, out, detailed)
				}
			})
		})
	}
}

func TestCloudWatchNames(t *testing.T) {
	t.Parallel()
	r := NewRegistry(Options{LatencyBuckets: []float64{0.01, 0.1, 1}})
	ok := &invoke.Outcome{Status: 200, RequestLength: 10, ResponseLength: 90, Latency: 5 * time.Millisecond, IntegrationLatency: 3 * time.Millisecond}
	denied := &invoke.Outcome{Status: 403, ResponseLength: 23, Latency: 50 * time.Millisecond, IntegrationLatency: -1}
	failed := &invoke.Outcome{Status: 503, Latency: 2 * time.Second, IntegrationLatency: -1}
	r.Record(req("a1", "dev", "GET /pets/{id}"), ok, true)
	r.Record(req("a1", "dev", "GET /pets/{id}"), denied, true)
	r.Record(req("a1", "dev", "$default"), failed, false)

	e := scrape(t, r)
	dev := `{ApiId="a1",Stage="dev"}`
	route := `{ApiId="a1",Route="GET /pets/{id}",Stage="dev"}`
	want := map[string]float64{
		"aws_apigateway_Count" + dev:                                                             3,
		"aws_apigateway_4xx" + dev:                                                               1,
		"aws_apigateway_5xx" + dev:                                                               1,
		"aws_apigateway_DataProcessed" + dev:                                                     100 + 23,
		"aws_apigateway_Latency_count" + dev:                                                     3,
		"aws_apigateway_Latency_sum" + dev:                                                       5 + 50 + 2000,
		`aws_apigateway_Latency_bucket{ApiId="a1",Stage="dev",le="10"}`:                          1,
		`aws_apigateway_Latency_bucket{ApiId="a1",Stage="dev",le="100"}`:                         2,
		`aws_apigateway_Latency_bucket{ApiId="a1",Stage="dev",le="+Inf"}`:                        3,
		"aws_apigateway_IntegrationLatency_count" + dev:                                          1,
		"aws_apigateway_IntegrationLatency_sum" + dev:                                            3,
		"aws_apigateway_Count" + route:                                                           2,
		"aws_apigateway_4xx" + route:                                                             1,
		"aws_apigateway_5xx" + route:                                                             0,
		`aws_apigateway_Latency_bucket{ApiId="a1",Route="GET /pets/{id}",Stage="dev",le="+Inf"}`: 2,
	}
	for k, v := range want {
		got, ok := e.samples[k]
		if !ok {
			t.Errorf("missing %s", k)
			continue
		}
		if diff := got - v; diff > 1e-9 || diff < -1e-9 {
			t.Errorf("%s = %v; want %v", k, got, v)
		}
	}
	if _, ok := e.samples[`aws_apigateway_Count{ApiId="a1",Route="$default",Stage="dev"}`]; ok {
		t.Error("a request without detailed metrics has a Route series")
	}
	if e.types["aws_apigateway_Latency"] != "histogram" || e.types["aws_apigateway_4xx"] != "counter" {
		t.Errorf("types = %v", e.types)
	}
}
