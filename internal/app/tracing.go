package app

import (
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
	// Released after the servers drained (they start later), so every
	// request's spans have ended: Shutdown exports what is left.
	g.res.own("traces", t.Shutdown)
	g.log.Info("exporting traces", "otlpEndpoint", tc.OTLPEndpoint, "sampleRatio", tc.SampleRatio)
	return nil
}
