// Package runtimes runs Node.js and Python Lambda functions on the machine's
// own node and python3, without Docker and without installing anything: a
// function declared with a managed runtime identifier (nodejs20.x,
// python3.11, ...) and a handler (app.handler) is started as
//
//	{node} --expose-gc --max-http-header-size 81920 [heap flags] {runtimeDir}/index.mjs
//	{python} {runtimeDir}/bootstrap.py
//
// where index.mjs and bootstrap.py are the two bootstraps embedded in the
// binary (bootstrap/), written once to {dataDir}/runtime/{hash}/ (Extract).
// Each speaks the Lambda Runtime API to the instance's Runtime API server,
// exactly as a Go function does, and loads the handler, builds the context
// object, serialises results and errors and formats log lines as AWS's
// managed runtimes do
// (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html,
// https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html). What
// differs is listed in docs/compatibility.md#runtimes.
//
// The package provides the pieces the functions package assembles:
//
//   - Lookup, CheckHandler, CheckLogging, CheckClient: the configuration
//     rules, used by every way in (config file, templates) so that a rule
//     lives in one place;
//   - Discover: the interpreter behind a name or a shim (pyenv), its
//     version, and the warning or refusal a version mismatch earns;
//   - Extract and Spec.Command/Spec.Env: what to exec and with which
//     environment.
package runtimes
