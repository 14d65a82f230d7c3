// Package invokeapi serves the public Lambda Invoke API,
// POST /2015-03-31/functions/{FunctionName}/invocations, for the functions a
// gateway runs, so that `aws lambda invoke --endpoint-url` and the AWS SDKs'
// Lambda clients can call them directly (docs/configuration.md,
// https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html).
//
// The Handler is an http.Handler meant to be mounted on the admin listener
// for the path prefix /2015-03-31/functions/. It calls functions through the
// small Invoker interface, which *functions.Manager implements.
//
// What it implements of the Invoke operation:
//
//   - FunctionName as a name, name:qualifier, a partial ARN
//     (123456789012:function:name[:qualifier]) or a full ARN; the ARN's
//     region and account must be the gateway's;
//   - the Qualifier query parameter (it must agree with a qualifier in the
//     name);
//   - X-Amz-Invocation-Type: RequestResponse (default) answers 200 with the
//     function's output, Event answers 202 at once and runs the function in
//     the background, DryRun answers 204;
//   - X-Amz-Log-Type: Tail returns the last 4 KB of the invocation's log,
//     base64-encoded, in X-Amz-Log-Result;
//   - X-Amz-Client-Context (base64 JSON) and X-Amzn-Trace-Id are passed on;
//   - response headers X-Amz-Function-Error (function failures answer 200, as
//     on Lambda), X-Amz-Executed-Version and X-Amzn-RequestId;
//   - errors as the SDK's rest-json deserializer reads them: the code in
//     x-amzn-ErrorType and a JSON body with "Type" and the exception's own
//     message member ("Message" for ResourceNotFoundException and
//     ServiceException, "message" for the others).
//
// It also answers the read-only operations that `aws lambda list-functions`
// and `aws lambda get-function` call, for the configured functions
// (functions.go): ListFunctions (paged by MaxItems and Marker), GetFunction
// and GetFunctionConfiguration. Every other operation of the Lambda API
// answers UnknownOperationException.
//
// Lifecycle: New builds the Handler; ServeHTTP serves; Close waits for Event
// invocations still running (and cancels them if its context ends).
package invokeapi
