// Package openapi imports OpenAPI 3.0 documents with Amazon API Gateway's
// x-amazon-apigateway-* extensions into an HTTP API definition, as AWS's
// ImportApi does (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-open-api.html).
//
// Import takes JSON or YAML and returns a model.Definition (the API, its
// routes, integrations and authorizers) plus the infos and warnings AWS
// reports as the Api's importInfo and warnings. Every error of the document
// is reported, each located at the line and column of the node it comes
// from, in the form "file:line:col: message"; nothing is imported if there
// is one (or, with Options.FailOnWarnings, if there is a warning).
//
// The document is parsed once with gopkg.in/yaml.v3 into a node tree. YAML is
// a superset of JSON, so one parser serves both formats and gives positions
// everywhere, extension values included; that is why the importer walks the
// tree itself rather than decoding into a generic OpenAPI model.
//
// What the importer does, in order:
//
//  1. Checks the version: OpenAPI 3.0.x only; Swagger 2.0 and OpenAPI 3.1
//     are errors.
//  2. Reads the API: info (title → name, description, version), servers
//     (x-amazon-apigateway-endpoint-configuration, the base path), root
//     tags with x-amazon-apigateway-tag-value, x-amazon-apigateway-cors,
//     x-amazon-apigateway-importexport-version.
//  3. Reads components: securitySchemes with x-amazon-apigateway-authorizer
//     (jwt, request) or x-amazon-apigateway-authtype awsSigv4 (IAM), and the
//     shared integrations of components.x-amazon-apigateway-integrations.
//  4. Reads paths: each operation (and x-amazon-apigateway-any-method) is a
//     route "METHOD /path"; "/$default" is the $default route; the
//     operation's x-amazon-apigateway-integration (inline or $ref) is its
//     target and its security requirement its authorization.
//  5. Resolves ${AWS::Region}, ${AWS::AccountId} and ${AWS::Partition} in
//     every string, generates deterministic ids, applies AWS's defaults,
//     and runs model validation, locating each failure at the node the
//     value came from.
//
// Unknown x-amazon-apigateway-* extensions are warnings naming them;
// REST-only members are infos; nothing is silently dropped.
package openapi
