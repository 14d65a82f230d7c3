// Package tracing exports OpenTelemetry traces of the requests the data plane
// serves, over OTLP/HTTP with the official Go SDK (`tracing:` in the config
// file).
//
// Each sampled request gets a server span (HTTP semantic conventions, plus
// the route key, API id, stage and request id), with child spans for the
// authorizer and the integration; a Lambda function's invocation is a child
// of whichever called it, with a child for the function's init on a cold
// start. The trace reaches integrations as AWS passes it and as W3C does:
// HTTP backends get traceparent and X-Amzn-Trace-Id, functions get
// Lambda-Runtime-Trace-Id (from which their runtime sets _X_AMZN_TRACE_ID).
// Trace ids are X-Ray compatible (the first four bytes are the epoch
// second), so the W3C trace id and the X-Ray root name the same trace.
//
// Lifecycle: New builds the exporter and the provider (no connection is made
// until spans are exported, in batches, in the background); Shutdown
// flushes every finished span and stops. Tracing off is a nil *Tracer, which
// the data plane never calls.
package tracing
