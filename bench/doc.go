// Package bench holds apigw's Go benchmarks that span several packages: the
// gateway's overhead on the request path, measured against calling the same
// backend directly. Results and the commands that produced them are in
// docs/performance.md.
package bench
