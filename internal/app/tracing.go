package app

import (
	"context"
	"time"

	"github.com/apigwdev/apigw/internal/tracing"
)

// newTracer starts exporting traces when the config's tracing section
// names an OTLP endpoint (package tracing).
func (g *Gateway) newTracer() error {
	tc := g.cfg.Tracing
	if tc.OTLPEndpoint == "" {
		return nil
	}
	t, err := tracing.New(tracing.Options{Endpoint: tc.OTLPEndpoint, SampleRatio: tc.SampleRatio})
	if err != nil {
		return err
	}
	g.tracer = t
	g.log.Info("exporting traces", "otlpEndpoint", tc.OTLPEndpoint, "sampleRatio", tc.SampleRatio)
	return nil
}

// closeTracer exports the spans not yet sent and stops the exporter; the
// spans of every request have ended by then.
func (g *Gateway) closeTracer() {
	if g.tracer == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.tracer.Shutdown(ctx); err != nil {
		g.log.Error("stopping tracing", "err", err)
	}
	g.tracer = nil
}
