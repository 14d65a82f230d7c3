// Package functions runs the Lambda functions a gateway's routes point at:
// local functions, programs that speak the Lambda Runtime API (aws-lambda-go
// binaries, or any runtime interface client) run and supervised as child
// processes; Node.js and Python functions (Config.Runtime and Handler), run
// the same way on the machine's own node or python3 through the bootstraps
// of package runtimes; and remote functions, called through the Lambda Invoke API (real
// Lambda, `sam local start-lambda`, the runtime interface emulator).
//
// A Manager holds the configured functions (New), invokes them (Invoke) and
// stops everything (Close). For local functions it keeps, per function, a
// pool of instances, each a process with its own Runtime API server
// (package rapi) on 127.0.0.1:0:
//
//   - instances start on first use (after the function's Build command, if
//     any) and are reused warm; sequential invocations hit the same process;
//   - at most Config.Concurrency instances run at once; further requests
//     wait up to Options.QueueTimeout, then fail with ErrThrottled;
//   - each invocation gets Config.Timeout from the moment the runtime takes
//     the event; on expiry the process is killed, the invocation fails with
//     Lambda's timeout error and the next request starts a fresh instance;
//   - a handler error, a panic, a process exit and an init failure are
//     reported as Lambda reports them (a Result with FunctionError
//     "Unhandled" and the error JSON), and a dead instance is replaced;
//   - idle instances stop after Options.IdleTimeout.
//
// How the pieces fit: the pool hands an instance to an invocation; each
// instance is a goroutine that owns its process and its rapi.Server and
// talks to callers through channels (instance.go). A warm invocation is a
// channel send to the instance, a channel hand-off to the runtime's parked
// /next, the runtime's POST back, and a channel reply: no process work, no
// polling.
//
// Errors: Invoke returns a Go error only when the invocation did not reach
// the function (the sentinels in errors.go); failures of the function itself
// are Results, so that callers such as the Invoke API (package invokeapi) and
// the AWS_PROXY integration can render them as Lambda does.
//
// Approximations, documented where they are made: "Max Memory Used" in
// REPORT lines is the instance process's peak RSS (Linux only, 0 elsewhere;
// the program under `go run` is a child and is not counted); MemorySize is
// reported, not enforced; local functions always run and report "$LATEST".
package functions
