#!/usr/bin/env bash
# bench/observe.sh: the data plane's throughput on an HTTP_PROXY route with
# the request inspector off and recording, and with tracing off, at ratio 1
# and at ratio 0.01 (to a loopback OTLP receiver that discards spans), with
# wrk (Debian's; apt-get install wrk). Runs alternate between the
# configurations, ROUNDS times each, so that a busy machine's drift hits all;
# besides req/s it prints apigw's CPU time (user + system, from /proc) per
# request, which a machine shared with other work disturbs much less.
#
#   bench/observe.sh [--duration 5s] [--conns 16] [--rounds 3]
#
# Ports: 127.0.0.1:18180 (backend), 18190 (apigw), 13390 (admin), 14318
# (OTLP receiver).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=5s CONNS=16 ROUNDS=3
while [ $# -gt 0 ]; do
	case $1 in
	--duration) DURATION=$2; shift 2 ;;
	--conns) CONNS=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	*) echo "bench/observe.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
command -v wrk >/dev/null || { echo "bench/observe.sh: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
out=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$out"; }
trap cleanup EXIT
go build -o "$out/apigw" ./cmd/apigw
go build -o "$out/backend" ./bench/backend
"$out/backend" -listen 127.0.0.1:18180 & pids+=($!)
# The OTLP receiver: any HTTP server that answers 200 will do.
"$out/backend" -listen 127.0.0.1:14318 & pids+=($!)
cat >"$out/api.yaml" <<'YAML'
openapi: "3.0.1"
info: {title: observe, version: "1"}
paths:
  /items/{id}:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:18180/items/{id}", payloadFormatVersion: "1.0"}
YAML
declare -A extra=(
	[inspector-off]='inspector: {enabled: false}'
	[inspector-on]=''
	[tracing-1]=$'inspector: {enabled: false}\ntracing: {otlpEndpoint: http://127.0.0.1:14318, sampleRatio: 1}'
	[tracing-0.01]=$'inspector: {enabled: false}\ntracing: {otlpEndpoint: http://127.0.0.1:14318, sampleRatio: 0.01}'
)
order=(inspector-off inspector-on tracing-1 tracing-0.01)
declare -A results cpus
# cpu_ticks prints a process's user+system CPU time in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for round in $(seq 1 "$ROUNDS"); do
	for name in "${order[@]}"; do
		printf 'listen: 127.0.0.1:18190\nadminListen: 127.0.0.1:13390\ndataDir: %s/data-%s\naccountThrottle: {throttlingRateLimit: 1000000, throttlingBurstLimit: 1000000}\napis:\n  - {id: observe001, openapi: ./api.yaml, default: true}\n%s\n' \
			"$out" "$name" "${extra[$name]}" >"$out/apigw.yaml"
		"$out/apigw" serve --config "$out/apigw.yaml" >"$out/apigw-$name.log" 2>&1 & gw=$!
		for _ in $(seq 1 100); do curl -sf -o /dev/null http://127.0.0.1:18190/items/1 && break; sleep 0.1; done
		cpu0=$(cpu_ticks "$gw")
		wrk -t1 -c"$CONNS" -d"$DURATION" http://127.0.0.1:18190/items/42 >"$out/wrk.txt"
		cpu1=$(cpu_ticks "$gw")
		rps=$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt")
		reqs=$(awk '/requests in/ {print $1}' "$out/wrk.txt")
		us=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$reqs" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", (b-a)/hz*1e6/n}')
		kill "$gw"; wait "$gw" 2>/dev/null || true
		results[$name]="${results[$name]:-} $rps"
		cpus[$name]="${cpus[$name]:-} $us"
		echo "round $round $name: $rps req/s, $us µs CPU/request" >&2
	done
done
echo "| configuration | req/s (wrk -t1 -c$CONNS -d$DURATION, $ROUNDS rounds) | apigw CPU µs per request |"
echo "| --- | --- | --- |"
for name in "${order[@]}"; do echo "| $name |${results[$name]} |${cpus[$name]} |"; done
