package bench

// The data plane handler alone, with a no-op integration, with the request
// log (`apigw serve`'s line per request) off, at info in text and JSON (the
// lines formatted and batched, then written to /dev/null by the flusher),
// and at warn (the lines dropped by the level check).

import (
	"github.com/apigwdev/apigw/internal/integration/h1client"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"testing"

	"github.com/apigwdev/apigw/internal/compile"
	"github.com/apigwdev/apigw/internal/dataplane"
	"github.com/apigwdev/apigw/internal/logging"
	"github.com/apigwdev/apigw/internal/model"
)

func BenchmarkHandlerRequestLog(b *testing.B) {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devNull.Close()
	for _, tc := range []struct {
		name   string
		format logging.Format
		level  slog.Level
		off    bool
	}{
		{name: "off", off: true},
		{name: "text", format: logging.Text, level: slog.LevelInfo},
		{name: "json", format: logging.JSON, level: slog.LevelInfo},
		{name: "warn", format: logging.Text, level: slog.LevelWarn},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, _, err := compile.Compile(&compile.Input{
				Region: "us-east-1", AccountID: "000000000000",
				APIs: []compile.API{{Definition: definition(10, "http://127.0.0.1:9"), Default: true,
					Stages: []compile.Stage{{Stage: model.Stage{StageName: "$default"}}}}},
			}, compile.Deps{Transport: h1client.New()})
			if err != nil {
				b.Fatal(err)
			}
			opts := dataplane.Options{Logger: discardLogger()}
			var w io.Writer = devNull
			logs := logging.New(w, tc.format, tc.level)
			defer logs.Close()
			if !tc.off {
				opts.RequestLog = logs.Requests
			}
			h := dataplane.New(s, opts)
			h.Snapshot().APIs["bench00001"].DefaultStage.Routes[0].Integration.Invoker = noopInvoker()
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
			logs.Close()
			b.ReportMetric(float64(cpuNow()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
}
