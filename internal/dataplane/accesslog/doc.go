// Package accesslog writes the access logs of HTTP API stages
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html): one line per request, after the response, from the stage's
// accessLogSettings.format, to the stage's accessLogSettings.destinationArn.
//
// # Use
//
//  1. At startup: sinks := accesslog.NewSinks(accesslog.Options{DataDir:
//     dataDir, Logger: log}); register sinks.Dropped as a metric
//     (metrics.Registry.CounterFunc).
//  2. At each compile, for each stage with accessLogSettings:
//     stage.AccessLog, err = sinks.Prepare(*ms.AccessLogSettings); an error
//     fails the deployment. Prepare opens nothing. Template().Unknown()
//     lists variable names that will always render "-", for a warning.
//  3. Before the snapshot is served: Open each stage's Logger (an error
//     fails the deployment); once it is retired: Release each.
//  4. Per request, once the response was sent (and for gateway errors too,
//     but not when no stage matched): stage.AccessLog.Log(req,
//     out), with out filled.
//  5. At shutdown, after the data plane listener drained: sinks.Close(),
//     which writes what is queued.
//
// # Never blocking
//
// Log formats the entry on the request's goroutine (a pooled buffer,
// variables read through package contextvars accessors compiled with the
// format) and hands it to the destination's queue without waiting. When the
// queue is full the entry is dropped and counted (Sinks.Dropped) instead of
// delaying the request.
//
// Each destination has one writer goroutine, owned by Sinks, that writes in
// batches: it wakes up on the first entry of a batch, lets the queue fill
// for the flush interval (DefaultFlushInterval, 50 ms), or less when the
// queue is half full, then writes every queued entry through a 64 KB buffer
// and flushes. An entry therefore reaches its file at most about 50 ms after
// its request ended, unless the writer is behind; a busy gateway makes one
// write system call per batch, not per request. Close writes and flushes
// everything queued.
//
// # Destinations
//
//   - "stdout" and "stderr": the gateway's standard output and error
//     (Options.Stdout, Options.Stderr).
//   - A CloudWatch Logs log group ARN,
//     arn:{partition}:logs:{region}:{account}:log-group:{name}[:*], writes to
//     the file {DataDir}/logs/{name}.log. A name with slashes
//     (/aws/apigateway/pets) gives subdirectories
//     ({DataDir}/logs/aws/apigateway/pets.log); "." and ".." segments are
//     refused. Other ARNs (Firehose streams) are refused.
//   - Anything else is a file path, relative to the working directory
//     (the configuration layer resolves paths relative to the config file).
//
// Files are opened for appending, created with mode 0600 (directories 0750),
// and stay open until Close. Stages naming the same destination share it.
//
// # Format
//
// Every $context variable (package contextvars) may appear as
// $context.{name}. The console presets are the constants FormatCLF,
// FormatJSON, FormatXML and FormatCSV. The format is at most 3 KB; entries
// are cut at 1 MB.
//
// # Choices where the behaviour is undocumented by AWS (our choice: docs/compatibility.md#access-logs)
//
//   - Variables without a value, and unknown variable names, are written "-"
//     (the REST convention), also inside JSON presets ("status":"-").
//   - A variable name is the longest run of letters, digits, '.' and '_'
//     after "$context.", without trailing dots: "$context.status." is the
//     status followed by ".". The braced form ${context.x} is not a
//     variable in access log formats.
//   - Values are written as they are, without JSON or XML escaping (as AWS
//     does); only CR and LF are written as \r and \n so that each entry is
//     one line. Literal text of the format is written as configured.
//   - The format need not contain $context.requestId.
//   - Each entry ends with "\n".
package accesslog
