package rapi

import "net/http"

// newRouter returns the route table of the Runtime API as the RIE serves it
// (internal/lambda/rapi/router.go and server.go): the runtime endpoints of
// version 2018-06-01, the Extensions API 2020-01-01 (aws-lambda-go registers
// an internal extension when built with lambda.WithEnableSIGTERM), and the
// Logs and Telemetry subscription APIs, stubbed as the RIE stubs them.
//
// Anything else is 404 (unknown path) or 405 (known path, wrong method), from
// http.ServeMux. Request validation (request id, state) runs in each handler
// before any state change.
func newRouter(s *Server) *http.ServeMux {
	mux := http.NewServeMux()

	// Runtime API 2018-06-01.
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", s.handleNext)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{requestId}/response", s.handleResponse)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{requestId}/error", s.handleInvocationError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", s.handleInitError)
	mux.HandleFunc("GET /2018-06-01/ping", handlePing) // kept by the RIE "to respect Hyrum's Law"

	// Extensions API 2020-01-01.
	mux.HandleFunc("POST /2020-01-01/extension/register", s.handleExtensionRegister)
	mux.HandleFunc("GET /2020-01-01/extension/event/next", s.handleExtensionNext)
	mux.HandleFunc("POST /2020-01-01/extension/init/error", s.handleExtensionError)
	mux.HandleFunc("POST /2020-01-01/extension/exit/error", s.handleExtensionError)

	// Logs API 2020-08-15 and Telemetry API 2022-07-01: accepted and ignored.
	mux.HandleFunc("PUT /2020-08-15/logs", handleLogsStub)
	mux.HandleFunc("PUT /2022-07-01/telemetry", handleTelemetryStub)

	return mux
}
