// Package inspector is the request inspector: a Recorder that keeps the last
// requests the data plane served (a bounded ring, 1,000 by default) with
// everything the gateway knew about each, and the admin listener's
// /_inspector web page and JSON API that show them (docs/configuration.md of the
// configuration docs: `inspector:`).
//
// The data plane feeds a Recorder through dataplane.Inspector: Begin when a
// request arrives (a copy of the request body as the integration reads it,
// and of the response body as it is written, each cut at MaxBodyBytes),
// the invoke.Record that the authorizer, the integration and the access log
// fill on the way, and Finish once the response is sent. Finish only copies
// what it needs and pushes the entry into the ring under a mutex; masking
// and JSON rendering happen when someone reads.
//
// Secrets are masked when an entry is read, unless Options.ShowSecrets: the
// values of the Authorization, Proxy-Authorization, Cookie, Set-Cookie and
// X-Amz-Security-Token headers (and of Options.MaskHeaders), SigV4
// signatures (header and presigned query) and Options.Secrets are replaced
// by "****" wherever they appear: headers, URLs, bodies, the event sent to
// the function, its answer and log, the access log line.
//
// Lifecycle: New builds a Recorder (no goroutine); the data plane records
// into it; Handler serves it. Nothing to close.
package inspector
