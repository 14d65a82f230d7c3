//go:build unix

package functions_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/apigwdev/apigw/internal/functions"
)

// BenchmarkWarmInvoke measures a warm invocation of a real aws-lambda-go
// function: pool, channel hand-offs, the Runtime API round trip and the
// handler (which echoes its event and environment).
func BenchmarkWarmInvoke(b *testing.B) {
	m, err := functions.New(functions.Options{Logger: slog.New(slog.DiscardHandler)},
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
