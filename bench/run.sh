#!/usr/bin/env bash
# bench/run.sh: apigw side by side with nginx, HAProxy and Caddy on one box.
#
#   bench/run.sh [--duration 5s] [--conns "16 64"] [--profile] [--no-install] [--no-docs] [--port-offset 0]
#
# Installs what it needs (Debian's wrk, nginx and haproxy through apt-get;
# Caddy and vegeta through go install at pinned versions into .tools/bin),
# builds apigw, the backend (bench/backend), the hello function
# (bench/fixtures/hello), the authorizer function (bench/fixtures/authz) and
# the SigV4 signer (bench/sign), then measures each target with wrk for
# --duration at each of --conns connections, all on 127.0.0.1: direct to the
# backend; nginx, HAProxy and Caddy as plain reverse proxies; apigw with an
# HTTP_PROXY route (10, 300 and 10,000 routes), the same route with a JWT
# authorizer + CORS + access log, behind a cached Lambda REQUEST authorizer,
# and behind AWS_IAM (requests signed once, before the run, by the AWS SDK's
# SigV4 signer); an AWS_PROXY route to a warm Go function, and the same
# function through the admin listener's Lambda Invoke API, both also at 1
# connection (no queueing), as is the direct row. Then, with vegeta at a
# constant rate of half apigw's peak (the 10-route row at the highest
# connection count), the latency apigw adds over the direct backend; plus a
# function's cold start and the startup of 10 APIs x 300 routes. Prints the
# tables and writes them into docs/performance.md ("## Side by side with
# nginx, HAProxy and Caddy").
# --profile also captures a 5 s CPU profile and a heap profile of apigw under
# load (apigw serve --pprof) into bench/out/. The listeners are on
# 127.0.0.1 ports 18080-18083, 18090 and 13300, plus --port-offset; the run
# refuses to start if one is taken (another run's).
#
# CPU pinning (taskset): with 3+ CPUs the proxy gets CPU 0, the backend CPU 1
# and wrk the rest; with 2 CPUs the proxy gets CPU 0 and wrk shares CPU 1
# with the backend; with 1 CPU nothing is pinned. Function processes inherit
# apigw's CPU. Every proxy runs one worker (nginx worker_processes 1, HAProxy
# nbthread 1, Go processes see one CPU through their affinity).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

CADDY_VERSION=v2.10.2
VEGETA_VERSION=v12.13.0
DURATION=${DURATION:-5s}
CONNS=${CONNS:-"16 64"}
PROFILE=0
INSTALL=1
DOCS=1
PORT_OFFSET=0
while [ $# -gt 0 ]; do
	case $1 in
	--duration) DURATION=$2; shift 2 ;;
	--conns) CONNS=$2; shift 2 ;;
	--profile) PROFILE=1; shift ;;
	--no-install) INSTALL=0; shift ;;
	--no-docs) DOCS=0; shift ;;
	--port-offset) PORT_OFFSET=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

[[ $PORT_OFFSET =~ ^[0-9]+$ ]] || { echo "bench/run.sh: --port-offset $PORT_OFFSET: want a number" >&2; exit 2; }
BACKEND_PORT=$((18080 + PORT_OFFSET)) NGINX_PORT=$((18081 + PORT_OFFSET)) HAPROXY_PORT=$((18082 + PORT_OFFSET))
CADDY_PORT=$((18083 + PORT_OFFSET)) APIGW_PORT=$((18090 + PORT_OFFSET)) ADMIN_PORT=$((13300 + PORT_OFFSET))
# A listener left by another run would answer in place of ours.
for port in $BACKEND_PORT $NGINX_PORT $HAPROXY_PORT $CADDY_PORT $APIGW_PORT $ADMIN_PORT; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		echo "bench/run.sh: 127.0.0.1:$port is in use (another run?): stop it, or use --port-offset" >&2
		exit 1
	fi
done
BACKEND=http://127.0.0.1:$BACKEND_PORT
ADMIN=127.0.0.1:$ADMIN_PORT

log() { echo "bench: $*" >&2; }

# --- installation, through the project's own steps
export PATH=$PATH:/usr/sbin:/sbin
if [ "$INSTALL" = 1 ]; then
	missing=()
	command -v wrk >/dev/null || missing+=(wrk)
	command -v nginx >/dev/null || missing+=(nginx-light)
	command -v haproxy >/dev/null || missing+=(haproxy)
	if [ ${#missing[@]} -gt 0 ]; then
		sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
		log "installing ${missing[*]} with apt-get"
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
	# pinned BINARY VERSION: BINARY's main module is at VERSION. (Built by go
	# install, caddy version says "unknown" and vegeta -version nothing: the
	# module version recorded in the binary is the one to compare.)
	pinned() { go version -m "$1" 2>/dev/null | awk -v v="$2" '$1 == "mod" && $3 == v { f = 1 } END { exit !f }'; }
	if ! pinned "$ROOT/.tools/bin/caddy" "$CADDY_VERSION"; then
		log "installing caddy $CADDY_VERSION into .tools/bin"
		(cd / && GOBIN=$ROOT/.tools/bin go install "github.com/caddyserver/caddy/v2/cmd/caddy@$CADDY_VERSION")
	fi
	if ! pinned "$ROOT/.tools/bin/vegeta" "$VEGETA_VERSION"; then
		log "installing vegeta $VEGETA_VERSION into .tools/bin"
		(cd / && GOBIN=$ROOT/.tools/bin go install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION")
	fi
fi
for t in wrk nginx haproxy curl taskset pgrep; do command -v $t >/dev/null || { echo "bench: $t not found" >&2; exit 1; }; done
CADDY=$ROOT/.tools/bin/caddy
VEGETA=$ROOT/.tools/bin/vegeta
[ -x "$VEGETA" ] || { echo "bench: $VEGETA not found (run without --no-install)" >&2; exit 1; }

T=$(mktemp -d /tmp/apigw-bench.XXXXXX)
OUT=$ROOT/bench/out
mkdir -p "$OUT"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- CPUs
NCPU=$(nproc)
if [ "$NCPU" -ge 3 ]; then
	PIN_PROXY="taskset -c 0" PIN_BACKEND="taskset -c 1" PIN_WRK="taskset -c 2-$((NCPU - 1))"
	PINNING="proxy on CPU 0, backend on CPU 1, wrk on CPUs 2-$((NCPU - 1))"
elif [ "$NCPU" -eq 2 ]; then
	PIN_PROXY="taskset -c 0" PIN_BACKEND="taskset -c 1" PIN_WRK="taskset -c 1"
	PINNING="proxy (and apigw's function processes) on CPU 0; wrk and the backend share CPU 1"
else
	PIN_PROXY="" PIN_BACKEND="" PIN_WRK=""
	PINNING="one CPU: nothing pinned, everything shared"
fi
CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')

# --duration in seconds (wrk's forms: 5, 5s, 2m, 1h), for vegeta's -duration
# and the IAM signature's validity.
[[ $DURATION =~ ^([0-9]+)([smh]?)$ ]] || { echo "bench/run.sh: --duration $DURATION: want N, Ns, Nm or Nh" >&2; exit 2; }
case ${BASH_REMATCH[2]} in
m) DUR_S=$((10#${BASH_REMATCH[1]} * 60)) ;;
h) DUR_S=$((10#${BASH_REMATCH[1]} * 3600)) ;;
*) DUR_S=$((10#${BASH_REMATCH[1]})) ;;
esac
# The rows also measured at 1 connection (direct, and the warm function rows:
# their latency target is for a request that does not queue).
CONNS1=$(printf '%s\n' 1 $CONNS | sort -nu | tr '\n' ' ')
CONNS1=${CONNS1% }
MAXCONNS=$(printf '%s\n' $CONNS | sort -n | tail -1)

# --- builds
log "building apigw, backend, hello and authz functions, gen, sign"
go build -o "$T/apigw" ./cmd/apigw
go build -o "$T/backend" ./bench/backend
go build -o "$T/hello" ./bench/fixtures/hello
go build -o "$T/authz" ./bench/fixtures/authz
go build -o "$T/gen" ./bench/gen
go build -o "$T/sign" ./bench/sign

wait_http() { # URL: wait up to 20 s for any answer
	for _ in $(seq 1 2000); do
		curl -s -o /dev/null --max-time 1 "$1" && return 0
		sleep 0.01
	done
	echo "bench: $1 did not answer" >&2; return 1
}

start() { # NAME CMD...: start in the background, remember the pid in $LAST
	local name=$1; shift
	"$@" >"$T/$name.log" 2>&1 &
	LAST=$!
	PIDS+=("$LAST")
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# expect_200 WHAT URL [curl args...]: one request before measuring; the
# script ends if it is not answered 200.
expect_200() {
	local what=$1 url=$2; shift 2
	local code
	code=$(curl -s -o "$T/expect.out" -w '%{http_code}' "$@" "$url" || true)
	[ "$code" = 200 ] || { echo "bench: $what answered ${code:-nothing}: $(head -c 300 "$T/expect.out")" >&2; exit 1; }
}

RESULTS=$T/results
: >"$RESULTS"
# measure NAME URL [wrk args...]: a 1 s warm-up, then one wrk run per
# connection count; appends "NAME CONNS RPS P50 P99 P999 ERRORS" to RESULTS.
# MEASURE_CONNS overrides --conns; MEASURE_SCRIPT the wrk script, which must
# end with report.lua's done() (bench/post.lua does).
measure() {
	local name=$1 url=$2; shift 2
	local c line script=${MEASURE_SCRIPT:-bench/report.lua}
	$PIN_WRK wrk -t1 -c64 -d1s -s "$script" "$@" "$url" >/dev/null 2>&1 || true
	for c in ${MEASURE_CONNS:-$CONNS}; do
		line=$($PIN_WRK wrk -t1 -c"$c" -d"$DURATION" --latency -s "$script" "$@" "$url" | grep '^BENCH ')
		echo "$name $c $line" | awk '{ printf "%s %s %.0f %d %d %d %d\n", $1, $2, ($4 - $9) / ($5 / 1e6), $6, $7, $8, $9 }' >>"$RESULTS"
		log "$(tail -1 "$RESULTS")"
	done
}
# Peak RSS: VmHWM, read while the process lives, in MB. rss_mb PID...
# sums its processes (a process gone already counts 0).
rss_mb() {
	local p v kb=0
	for p in "$@"; do
		v=$(awk '/^VmHWM/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
		kb=$((kb + ${v:-0}))
	done
	awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }'
}
children() { pgrep -P "$1" || true; }
# RSS[NAME]: the peak RSS column of NAME's rows.
declare -A RSS

profile() { # NAME URL [wrk args...]
	[ "$PROFILE" = 1 ] || return 0
	local name=$1 url=$2; shift 2
	local c=${CONNS##* }
	$PIN_WRK wrk -t1 -c"$c" -d7s "$@" "$url" >/dev/null 2>&1 &
	local w=$!
	sleep 1
	curl -s -o "$OUT/cpu-$name.pprof" "http://$ADMIN/debug/pprof/profile?seconds=5"
	curl -s -o "$OUT/heap-$name.pprof" "http://$ADMIN/debug/pprof/heap"
	wait $w || true
	go tool pprof -top -nodecount=30 "$T/apigw" "$OUT/cpu-$name.pprof" >"$OUT/cpu-$name.txt" 2>/dev/null || true
	go tool pprof -top -nodecount=20 -sample_index=alloc_space "$T/apigw" "$OUT/heap-$name.pprof" >"$OUT/heap-$name.txt" 2>/dev/null || true
	log "profiles: $OUT/cpu-$name.pprof (top: $OUT/cpu-$name.txt), $OUT/heap-$name.pprof"
}

# apigw NAME DIR: start apigw serve on DIR/apigw.yaml, wait for it, set $GW
apigw_start() {
	local name=$1 dir=$2 extra=()
	[ "$PROFILE" = 1 ] && extra=(--pprof)
	start "$name" $PIN_PROXY "$T/apigw" serve --config "$dir/apigw.yaml" \
		--listen 127.0.0.1:$APIGW_PORT --admin-listen "$ADMIN" --data-dir "$dir/.apigw" "${extra[@]}"
	GW=$LAST
	wait_http "http://$ADMIN/_health"
}
apigw_rss() { # NAME: RSS[NAME] is apigw's own, then its function processes'
	local fns
	fns=$(children "$GW")
	RSS[$1]=$(rss_mb "$GW")
	if [ -n "$fns" ]; then
		# shellcheck disable=SC2086 # one pid per word
		RSS[$1]="${RSS[$1]} + $(rss_mb $fns) in $(echo "$fns" | wc -l) fn"
	fi
}
apigw_stop() { # NAME: records RSS[NAME] unless apigw_rss did, stops apigw
	[ -n "${RSS[$1]:-}" ] || apigw_rss "$1"
	stop "$GW"
}
# proxy_stop NAME PID: RSS[NAME] is the proxy's processes' (nginx: master and worker)
proxy_stop() {
	# shellcheck disable=SC2046 # one pid per word
	RSS[$1]=$(rss_mb "$2" $(children "$2"))
	stop "$2"
}

# --- the backend
start backend $PIN_BACKEND "$T/backend" -listen 127.0.0.1:$BACKEND_PORT
wait_http "$BACKEND/"

log "direct"
MEASURE_CONNS=$CONNS1 measure direct "$BACKEND/r9/items/42"

# --- nginx
mkdir -p "$T/nginx"
cat >"$T/nginx/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $T/nginx/body;
  proxy_temp_path $T/nginx/proxy;
  fastcgi_temp_path $T/nginx/fastcgi;
  uwsgi_temp_path $T/nginx/uwsgi;
  scgi_temp_path $T/nginx/scgi;
  upstream backend { server 127.0.0.1:$BACKEND_PORT; keepalive 128; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
NGINX
start nginx $PIN_PROXY nginx -p "$T/nginx" -c "$T/nginx/nginx.conf"
P=$LAST
wait_http "http://127.0.0.1:$NGINX_PORT/"
log "nginx"
measure nginx "http://127.0.0.1:$NGINX_PORT/r9/items/42"
proxy_stop nginx $P

# --- HAProxy
cat >"$T/haproxy.cfg" <<HAPROXY
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  option http-keep-alive
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend fe
  bind 127.0.0.1:$HAPROXY_PORT
  default_backend be
backend be
  http-reuse always
  server s1 127.0.0.1:$BACKEND_PORT
HAPROXY
start haproxy $PIN_PROXY haproxy -db -f "$T/haproxy.cfg"
P=$LAST
wait_http "http://127.0.0.1:$HAPROXY_PORT/"
log "haproxy"
measure haproxy "http://127.0.0.1:$HAPROXY_PORT/r9/items/42"
proxy_stop haproxy $P

# --- Caddy
cat >"$T/Caddyfile" <<CADDY
{
  admin off
  auto_https off
  persist_config off
}
http://127.0.0.1:$CADDY_PORT {
  reverse_proxy 127.0.0.1:$BACKEND_PORT
}
CADDY
start caddy $PIN_PROXY "$CADDY" run --config "$T/Caddyfile" --adapter caddyfile
P=$LAST
wait_http "http://127.0.0.1:$CADDY_PORT/"
log "caddy"
measure caddy "http://127.0.0.1:$CADDY_PORT/r9/items/42"
proxy_stop caddy $P

# vfield KEY: the first numeric KEY of vegeta's JSON report.
vfield() { grep -o "\"$1\":[0-9.e+-]*" "$T/vegeta.json" | awk -F: 'NR == 1 { print $2 }'; }
VRESULTS=$T/vresults
: >"$VRESULTS"
# constant_rate NAME URL RATE: vegeta at RATE req/s for --duration (keep-alive,
# pinned like wrk); appends "NAME RATE SENT P50 P99 ERRORS" (latencies in µs)
# to VRESULTS. At most MAXCONNS requests are in flight, on as many
# connections, as in the peak run: a target that cannot hold the rate shows
# it in SENT, instead of being sent ever more connections.
constant_rate() {
	local name=$1 url=$2 rate=$3
	echo "GET $url" | $PIN_WRK "$VEGETA" attack -rate="$rate/1s" -duration="${DUR_S}s" \
		-keepalive=true -workers="$MAXCONNS" -max-workers="$MAXCONNS" -output "$T/vegeta.bin"
	$PIN_WRK "$VEGETA" report -type=json -output "$T/vegeta.json" "$T/vegeta.bin"
	echo "$name $rate $(vfield rate) $(vfield 50th) $(vfield 99th) $(vfield requests) $(vfield success)" |
		awk '{ printf "%s %s %.0f %d %d %d\n", $1, $2, $3, $4 / 1000, $5 / 1000, $6 - $6 * $7 + 0.5 }' >>"$VRESULTS"
	log "vegeta: $(tail -1 "$VRESULTS")"
}

# --- apigw: HTTP_PROXY route tables of 10, 300 and 10,000 routes
for n in 10 300 10000; do
	"$T/gen" -kind routes -routes $n -backend "$BACKEND" -dir "$T/routes$n"
	apigw_start "apigw-r$n" "$T/routes$n"
	log "apigw, $n routes"
	measure "apigw-r$n" "http://127.0.0.1:$APIGW_PORT/r$((n - 1))/items/42"
	if [ $n = 10 ]; then
		apigw_rss apigw-r10 # the wrk runs' peak, not the profile's or vegeta's
		profile http "http://127.0.0.1:$APIGW_PORT/r9/items/42"
		# Added latency at a rate apigw holds without queueing: half its
		# peak, the wrk run at the highest connection count.
		PEAK=$(awk -v c="$MAXCONNS" '$1 == "apigw-r10" && $2 == c { print $3 }' "$RESULTS")
		HALF=$((${PEAK:-0} / 2))
		if [ "$HALF" -ge 1 ]; then # (vegeta's rate 0 means as fast as it can)
			log "vegeta at $HALF req/s (half of apigw's $PEAK)"
			constant_rate direct "$BACKEND/r9/items/42" "$HALF"
			constant_rate apigw-r10 "http://127.0.0.1:$APIGW_PORT/r9/items/42" "$HALF"
		fi
	fi
	apigw_stop "apigw-r$n"
done

# --- apigw: the same route with a JWT authorizer, CORS and an access log
"$T/gen" -kind secure -routes 10 -backend "$BACKEND" -admin "$ADMIN" -dir "$T/secure"
apigw_start apigw-jwt "$T/secure"
TOKEN=$("$T/apigw" token --data-dir "$T/secure/.apigw" --issuer "http://$ADMIN/_issuer" --aud bench --sub bench --ttl 1h)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$APIGW_PORT/r9/items/42")
[ "$code" = 200 ] || { echo "bench: JWT route answered $code"; cat "$T/apigw-jwt.log"; exit 1; }
log "apigw, JWT + CORS + access log"
measure apigw-jwt "http://127.0.0.1:$APIGW_PORT/r9/items/42" -H "Authorization: Bearer $TOKEN" -H "Origin: http://localhost:8080"
profile jwt "http://127.0.0.1:$APIGW_PORT/r9/items/42" -H "Authorization: Bearer $TOKEN" -H "Origin: http://localhost:8080"
apigw_stop apigw-jwt

# --- apigw: the same route behind a Lambda REQUEST authorizer, results cached
"$T/gen" -kind lambdaauth -routes 10 -backend "$BACKEND" -authz "$T/authz" -dir "$T/lambdaauth"
apigw_start apigw-lauth "$T/lambdaauth"
LAUTH=(-H "Authorization: Bearer bench-token") # bench/fixtures/authz's Token
expect_200 "the Lambda authorizer route" "http://127.0.0.1:$APIGW_PORT/r9/items/42" "${LAUTH[@]}"
log "apigw, Lambda authorizer (cached)"
measure apigw-lauth "http://127.0.0.1:$APIGW_PORT/r9/items/42" "${LAUTH[@]}"
profile lauth "http://127.0.0.1:$APIGW_PORT/r9/items/42" "${LAUTH[@]}"
# Each invocation logs one START line: with the cache, only the first request
# invokes the authorizer.
LAUTH_CALLS=$(grep -c 'msg="START RequestId.*function=authz' "$T/apigw-lauth.log" || true)
[ "$LAUTH_CALLS" -gt 0 ] || LAUTH_CALLS="an unknown number of" # (the log's format changed?)
LAUTH_REQS=$(curl -s "http://$ADMIN/metrics" | awk '/^apigw_requests_total[{ ]/ { s += $NF } END { printf "%d", s }')
log "Lambda authorizer invoked $LAUTH_CALLS times for $LAUTH_REQS requests"
apigw_stop apigw-lauth

# --- apigw: the same route with AWS_IAM authorization (SigV4)
IAM_KEY=AKIABENCH IAM_SECRET=bench-secret
"$T/gen" -kind iam -routes 10 -backend "$BACKEND" -access-key "$IAM_KEY" -secret-key "$IAM_SECRET" -dir "$T/iam"
apigw_start apigw-iam "$T/iam"
# wrk repeats one set of headers: sign once, for the whole row (the warm-up
# and every connection count, with a margin).
SIGNED=$("$T/sign" -url "http://127.0.0.1:$APIGW_PORT/r9/items/42" -access-key "$IAM_KEY" -secret-key "$IAM_SECRET" \
	-valid "$((1 + DUR_S * $(echo $CONNS | wc -w) + 8 * PROFILE + 10))s")
IAM=()
while IFS= read -r h; do IAM+=(-H "$h"); done <<<"$SIGNED"
expect_200 "the IAM route" "http://127.0.0.1:$APIGW_PORT/r9/items/42" "${IAM[@]}"
log "apigw, IAM (SigV4)"
measure apigw-iam "http://127.0.0.1:$APIGW_PORT/r9/items/42" "${IAM[@]}"
profile iam "http://127.0.0.1:$APIGW_PORT/r9/items/42" "${IAM[@]}"
apigw_stop apigw-iam

# --- apigw: AWS_PROXY to a warm Go function, and cold starts
"$T/gen" -kind lambda -hello "$T/hello" -dir "$T/lambda"
apigw_start apigw-lambda "$T/lambda"
COLD=()
for fn in cold1 cold2 cold3; do
	COLD+=("$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$APIGW_PORT/$fn" | awk '{ printf "%.1f", $1 * 1000 }')")
done
log "cold starts (ms): ${COLD[*]}"
log "apigw, AWS_PROXY warm"
MEASURE_CONNS=$CONNS1 measure apigw-lambda "http://127.0.0.1:$APIGW_PORT/hello"
profile lambda "http://127.0.0.1:$APIGW_PORT/hello"
# The same function through the admin listener's Lambda Invoke API.
INVOKE_URL="http://$ADMIN/2015-03-31/functions/hello/invocations"
expect_200 "the Lambda Invoke API" "$INVOKE_URL" -X POST -H "Content-Type: application/json" -d '{"rawPath":"/hello"}'
grep -q '"statusCode":200' "$T/expect.out" || { echo "bench: the Invoke API's answer is not hello's: $(head -c 300 "$T/expect.out")" >&2; exit 1; }
log "apigw, Lambda Invoke API"
MEASURE_CONNS=$CONNS1 MEASURE_SCRIPT=bench/post.lua measure apigw-invoke "$INVOKE_URL"
profile invoke "$INVOKE_URL" -s bench/post.lua
apigw_stop apigw-lambda
RSS[apigw-invoke]=${RSS[apigw-lambda]}

# --- startup: 10 APIs of 300 routes
"$T/gen" -kind startup -apis 10 -routes 300 -backend "$BACKEND" -dir "$T/startup"
t0=$(date +%s%N)
apigw_start apigw-startup "$T/startup"
t1=$(date +%s%N)
STARTUP_MS=$(( (t1 - t0) / 1000000 ))
apigw_stop apigw-startup
log "startup 10 x 300 routes: $STARTUP_MS ms, peak RSS ${RSS[apigw-startup]} MB"

# --- the table
label() {
	case $1 in
	apigw-r10) echo "apigw HTTP_PROXY, 10 routes" ;;
	apigw-r300) echo "apigw HTTP_PROXY, 300 routes" ;;
	apigw-r10000) echo "apigw HTTP_PROXY, 10,000 routes (34 APIs)" ;;
	apigw-jwt) echo "apigw HTTP_PROXY + JWT + CORS + access log" ;;
	apigw-lauth) echo "apigw HTTP_PROXY + Lambda authorizer (cached)" ;;
	apigw-iam) echo "apigw HTTP_PROXY + IAM (SigV4)" ;;
	apigw-lambda) echo "apigw AWS_PROXY, warm Go function" ;;
	apigw-invoke) echo "apigw Lambda Invoke API, warm Go function" ;;
	*) echo "$1" ;;
	esac
}
# ratio A B: A / B, or nothing without B (no baseline at this connection count)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b }'; }
# over_ms A B: A - B, µs to ms, or nothing without B
over_ms() { awk -v a="$1" -v b="$2" 'BEGIN { if (b != "") printf "%.2f", (a - b) / 1000 }'; }
TABLE=$T/table.md
{
	echo "| target | conns | req/s | p50 ms | p99 ms | p99.9 ms | errors | req/s vs direct | req/s vs nginx | p99 over direct, ms | peak RSS MB |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	while read -r name c rps p50 p99 p999 errs; do
		drps="" dp99="" nrps=""
		read -r drps dp99 < <(awk -v c="$c" '$1 == "direct" && $2 == c { print $3, $5 }' "$RESULTS") || true
		read -r nrps < <(awk -v c="$c" '$1 == "nginx" && $2 == c { print $3 }' "$RESULTS") || true
		vs_d="" vs_n="" over=""
		case $name in apigw-*)
			vs_d=$(ratio "$rps" "$drps")
			vs_n=$(ratio "$rps" "$nrps")
			over=$(over_ms "$p99" "$dp99")
		esac
		rss=${RSS[$name]:-}
		label=$(label "$name")
		awk -v l="$label" -v c="$c" -v r="$rps" -v a="$p50" -v b="$p99" -v d="$p999" -v e="$errs" -v vd="$vs_d" -v vn="$vs_n" -v o="$over" -v m="$rss" \
			'BEGIN { printf "| %s | %s | %d | %.2f | %.2f | %.2f | %s | %s | %s | %s | %s |\n", l, c, r, a / 1000, b / 1000, d / 1000, e, vd, vn, o, m }'
	done <"$RESULTS"
	echo
	echo "- cold start, first request to a Go function with no instance (curl time_total, 3 functions): ${COLD[*]} ms"
	echo "- startup to serving (process start to /_health answering) with 10 APIs of 300 routes: $STARTUP_MS ms; peak RSS ${RSS[apigw-startup]} MB"
	echo "- the Lambda authorizer was invoked $LAUTH_CALLS times for the $LAUTH_REQS requests of its row (warm-up and verification included)"
	if [ -s "$VRESULTS" ]; then
		echo
		echo "Added latency at a constant rate (vegeta $VEGETA_VERSION, keep-alive, pinned like wrk): half of apigw's peak, the"
		echo "10-route row's req/s at $MAXCONNS connections, for $DURATION, to apigw and directly to the backend, with at most"
		echo "$MAXCONNS requests in flight (a target that cannot keep up sends less than the rate):"
		echo
		echo "| target | rate req/s | sent req/s | p50 ms | p99 ms | errors |"
		echo "| --- | ---: | ---: | ---: | ---: | ---: |"
		while read -r name rate sent p50 p99 errs; do
			awk -v l="$(label "$name")" -v r="$rate" -v s="$sent" -v a="$p50" -v b="$p99" -v e="$errs" \
				'BEGIN { printf "| %s | %d | %d | %.2f | %.2f | %d |\n", l, r, s, a / 1000, b / 1000, e }'
		done <"$VRESULTS"
		echo
		awk '$1 == "direct" { d50 = $4; d99 = $5 } $1 == "apigw-r10" { a50 = $4; a99 = $5 }
			END { printf "- apigw adds %.2f ms at p50 and %.2f ms at p99 over direct at this rate\n", (a50 - d50) / 1000, (a99 - d99) / 1000 }' "$VRESULTS"
	fi
} >"$TABLE"

# (|| true: without --profile the test is false, and a failing command
# substitution would end an assignment, and the script, under set -e.)
CMD="bench/run.sh --duration $DURATION --conns \"$CONNS\"$([ "$PROFILE" = 1 ] && echo ' --profile' || true)"
SECTION=$T/section.md
{
	echo "## Side by side with nginx, HAProxy and Caddy"
	echo
	echo "\`$CMD\`, $(date -u +%Y-%m-%d), $NCPU CPUs ($CPU_MODEL), $(go env GOVERSION), nginx $(nginx -v 2>&1 | sed 's|.*/||'), HAProxy $(haproxy -v | awk 'NR == 1 { print $3 }'), Caddy $CADDY_VERSION, wrk (1 thread, keep-alive)."
	echo "Pinning: $PINNING. Each target gets a 1 s warm-up, then a $DURATION wrk run per"
	echo "connection count; all on 127.0.0.1, a 37-byte JSON answer from bench/backend. Ratios compare"
	echo "requests/s with the direct and nginx rows of the same run at the same connection count;"
	echo "\"p99 over direct\" is the latency apigw adds at p99. Peak RSS is VmHWM at the end of the"
	echo "target's runs: the proxy's processes (nginx: master and worker), apigw's own process, and"
	echo "on the function rows, after \"+\", its function processes' (summed, with their count)."
	echo "The Lambda authorizer caches its result for 300 s (one token); the IAM row's requests all"
	echo "carry one SigV4 signature, made by the AWS SDK for Go v2 signer before the row. The Invoke"
	echo "API row POSTs a small JSON event to the admin listener's Lambda Invoke API; it and the"
	echo "AWS_PROXY row share one apigw process and the hello function (concurrency 10), and are also"
	echo "measured at 1 connection, where a request never waits for an instance."
	echo "The 10,000 routes are 34 APIs (AWS's and the model's quota is 300 routes per API); the"
	echo "request goes to the last route of the last API, the default API. req/s counts 2xx answers"
	echo "only; \"errors\" counts the rest (non-2xx, socket errors) over the whole run. The generated"
	echo "configs raise accountThrottle far out of reach, so AWS's default account limit (10,000 req/s)"
	echo "does not cap the apigw rows."
	echo
	cat "$TABLE"
	echo
} >"$SECTION"

echo
cat "$SECTION"

if [ "$DOCS" = 1 ]; then
	DOC=docs/performance.md
	awk -v sec="$SECTION" '
		BEGIN { while ((getline l < sec) > 0) s = s l "\n" }
		/^## Side by side with nginx, HAProxy and Caddy/ { skip = 1; printf "%s", s; done = 1; next }
		skip && /^## / { skip = 0 }
		!skip { print }
		END { if (!done) { print ""; printf "%s", s } }
	' "$DOC" >"$T/doc.md"
	# drop a trailing blank line
	sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$T/doc.md" >"$DOC"
	log "wrote the section into $DOC"
fi
