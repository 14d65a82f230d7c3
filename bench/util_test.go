package bench

import (
	"context"
	"io"
	"log/slog"
	"net/http"

	"github.com/apigwdev/apigw/internal/invoke"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func noopInvoker() invoke.Invoker {
	return invoke.InvokerFunc(func(context.Context, *invoke.Request) (*invoke.Response, error) {
		return &invoke.Response{StatusCode: 200, Header: http.Header{}}, nil
	})
}

// discardWriter is a minimal http.ResponseWriter for handler benchmarks.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	return len(p), nil
}
func (w *discardWriter) WriteHeader(s int) { w.status = s }
