// Package rapi serves the AWS Lambda Runtime API (version 2018-06-01) for one
// function instance: the HTTP interface a runtime such as aws-lambda-go polls
// for events and answers on.
//
// A Server is the runtime-facing half of an instance. The supervisor (package
// functions) is the other half: it starts the runtime process with
// AWS_LAMBDA_RUNTIME_API set to Server.Addr, hands each event to the runtime's
// parked GET /runtime/invocation/next through Server.Invocations, and learns
// what happened through Server.Events. Nothing is polled: a warm invocation is
// two channel hand-offs and two HTTP exchanges on the loopback interface.
//
// The protocol follows the Lambda Runtime API
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html) as aws-lambda-go v1.55.1 (lambda/runtime_api_client.go,
// lambda/invoke_loop.go) and the Runtime Interface Emulator (RIE,
// internal/lambda/rapi). aws-lambda-go treats any status other than exactly 200
// (for /next) or 202 (for /response and /error) as fatal and exits, so every
// status code, header and body here matches what the RIE sends.
//
// The runtime's lifecycle is an explicit state machine (state.go) with
// default-deny transitions: a call the current state does not allow is answered
// 403 InvalidStateTransition, as the RIE does (internal/lambda/core/states.go).
//
// Lifecycle of a Server:
//
//  1. New builds the handler; the runtime state is Started.
//  2. Start listens on 127.0.0.1:0 and serves in a goroutine the Server owns;
//     the supervisor starts the runtime process and names it with Admit. Only
//     that process and its descendants may use the API (caller.go: a socket
//     owner check on Linux, a secret path elsewhere).
//  3. The supervisor exchanges invocations and events until it is done.
//  4. Close answers every parked request, closes the listener and waits for the
//     serving goroutine; the state becomes Closed and every later call is denied.
package rapi
