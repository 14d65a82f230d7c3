// Package model holds the apigatewayv2 resource types of HTTP APIs (Api, Route,
// Integration, Authorizer, Stage, Deployment, DomainName, ApiMapping, VpcLink)
// with AWS's JSON field names, and their validation.
//
// The same types are produced by the OpenAPI importer and, later, read and
// written by the management API, so the JSON tags follow the wire format of
// the apigatewayv2 REST API exactly (camelCase member names, omitted when
// unset). Optional scalars whose zero value is meaningful (maxAge 0,
// allowCredentials false) are pointers, so "unset" and "set to zero" stay
// distinct, as they are on the wire.
//
// The package is pure data: it imports only the standard library.
package model
