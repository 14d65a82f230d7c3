// Package metrics keeps the gateway's metrics and serves them in the
// Prometheus text exposition format (version 0.0.4) on the admin listener's
// /metrics (docs/configuration.md).
//
// It has two parts:
//
//   - Record, the data plane's per-request call, keeps CloudWatch's metrics
//     for HTTP APIs (Count, 4xx, 5xx, Latency, IntegrationLatency,
//     DataProcessed) by API and stage, and also by route for stages with
//     detailed metrics, plus the requests refused by throttling.
//   - A small registration API (Counter, Gauge, their Vec forms, and the Func
//     forms read at scrape time) for the gateway's own health: function
//     instances, cold starts, access log drops. The names of those are the
//     Name* constants, so every package agrees on them.
//
// No third-party client library is used: the format is a page of text, and
// the request path must stay cheap. Every series is a set of atomics found
// through a sync.Map, so Record takes no lock and allocates nothing once a
// series exists; the HTTP API series are striped over up to 16 cache-line
// separated shards (a power of two near GOMAXPROCS at NewRegistry), each
// Record writing one shard picked at random, so that requests to one busy
// stage on many cores do not contend on a cache line. Scrapes sum the
// shards. Registration (startup) and scrapes take the registry's mutex only
// to list the families.
//
// # HTTP API metrics
//
// CloudWatch publishes them per ApiId and Stage, and per ApiId, Stage and
// Route when detailedMetricsEnabled is set. Here:
//
//	apigw_requests_total{api_id,stage}                 Count
//	apigw_4xx_total{api_id,stage}                      4xx
//	apigw_5xx_total{api_id,stage}                      5xx
//	apigw_latency_seconds{api_id,stage}                Latency (histogram)
//	apigw_integration_latency_seconds{api_id,stage}    IntegrationLatency (histogram)
//	apigw_data_processed_bytes_total{api_id,stage}     DataProcessed
//	apigw_throttled_requests_total{api_id,stage}       requests answered 429 by a throttle
//
// and the same with the prefix apigw_route_ and a route label (the route
// key, "GET /pets/{id}" or "$default") for detailed stages. Stage and route
// series are separate families, so that summing a family never counts a
// request twice. Latencies are in seconds, as Prometheus names them
// (CloudWatch reports milliseconds); IntegrationLatency is observed only
// when the integration answered (Outcome.IntegrationLatency >= 0);
// DataProcessed is the request body bytes read plus the response body bytes
// sent. Requests that resolved no API and stage are not recorded (CloudWatch
// has no dimension for them).
//
// # Lifecycle
//
//  1. NewRegistry at startup; register the health metrics of other
//     components (Registry.CounterFunc(NameAccessLogDropped, ...)).
//  2. The data plane calls Record once per request after the response, with
//     the stage's detailed-metrics setting.
//  3. Mount the Registry (an http.Handler) at /metrics on the admin listener.
//
// Series are never removed: a deleted API's series keep their last values
// until restart, as Prometheus counters should.
package metrics
