// Package dataplane serves API requests: an http.Handler that holds the
// current compiled snapshot in an atomic pointer and runs each request
// through one pipeline, written top to bottom in Handler.serve:
//
//  1. assign the request id (the apigw-requestid header on every response);
//  2. enforce the request quotas: request line and headers 10240 bytes, a
//     payload of 10 MB, a body that arrives too slowly or over the memory
//     budget (Limits);
//  3. resolve the API: custom domain (longest API mapping key), host style
//     {apiId}.execute-api.*, path style /_aws/execute-api/{apiId}/, default
//     API; for a mutual-TLS domain, check the client certificate;
//  4. select the stage and strip its prefix (or the mapping key);
//  5. answer a CORS preflight that no route matches
//     (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html);
//  6. select the route (package routekey;
//     https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html);
//  7. throttle: the account's, the stage's and the route's token buckets
//     (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html);
//  8. authorize with the route's authorizer (JWT, Lambda or AWS_IAM), which
//     fails closed: no decision is a denial;
//  9. map the request's parameters for the integration (a copy of the
//     request, so that the access log sees what the client sent);
//  10. invoke the integration, map the response's parameters, and stream the
//     answer back with the stage's CORS headers;
//  11. after the response: the access log line, the metrics and, when the
//     request inspector records, its record.
//
// Every failure is a *gwerr.Error rendered in one place (gwerr.Write), in
// AWS's shape, and logged once with the request id and the real cause; the
// client never sees internals.
//
// The package must not import the control plane, the store or the functions
// runtime (internal/deptest): it sees only the snapshot and the invoke
// contract.
package dataplane
