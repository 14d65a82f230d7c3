// Package lambdacall is the contract for calling a Lambda function, shared
// by the Lambda proxy integration and the Lambda authorizer: the function a
// URI names (FunctionRef, FunctionTemplate), the Caller that invokes it (the
// local function runtime or a remote Lambda endpoint, adapted in app), and
// the errors a call reports.
//
// It imports only the standard library.
package lambdacall
