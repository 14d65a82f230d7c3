//go:build unix

package functions_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/apigwdev/apigw/internal/functions"
)

// BenchmarkWarmInvoke measures a warm invocation of a real aws-lambda-go
// function: pool, channel hand-offs, the Runtime API round trip and the
// handler (which echoes its event and environment).
func BenchmarkWarmInvoke(b *testing.B) {
	benchWarmInvoke(b, slog.New(slog.DiscardHandler))
}

// BenchmarkWarmInvokeLogged is BenchmarkWarmInvoke with Info logging on (a
// text handler writing to io.Discard), so that the START/END/REPORT lines
// and the peak-memory read are part of what is measured.
func BenchmarkWarmInvokeLogged(b *testing.B) {
	benchWarmInvoke(b, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func benchWarmInvoke(b *testing.B, log *slog.Logger) {
	m, err := functions.New(functions.Options{Logger: log},
		[]functions.Config{{Name: "sleep", Command: []string{fn("sleep")}}})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close(context.Background())
	in := &functions.Invocation{FunctionName: "sleep", Payload: []byte(`{"ms":0}`)}
	if _, err := m.Invoke(context.Background(), in); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		res, err := m.Invoke(context.Background(), in)
		if err != nil || res.FunctionError != "" {
			b.Fatal(err, res)
		}
	}
}
