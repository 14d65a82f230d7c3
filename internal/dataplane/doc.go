// Package dataplane serves API requests: an http.Handler that holds the
// current compiled snapshot in an atomic pointer and runs each request through
// the pipeline of https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html:
//
//  1. assign the request id (the apigw-requestid header on every response);
//  2. enforce the request quotas (request line + headers 10240 bytes,
//     payload 10 MB);
//  3. resolve the API: custom domain, host style, path style, default API
//     (docs/configuration.md);
//  4. select the stage and strip its prefix (or the mapping key);
//  5. answer a CORS preflight that no route matches;
//  6. select the route (package routekey);
//  7. (authorize: later issues);
//  8. invoke the integration and stream its answer back, with CORS headers.
//
// Every failure is a *gwerr.Error rendered in one place (gwerr.Write) and
// logged once with the request id and the real cause.
//
// The package must not import the control plane or the store.
package dataplane
