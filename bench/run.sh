#!/usr/bin/env bash
# bench/run.sh: apigw side by side with nginx, HAProxy and Caddy on one box.
#
#   bench/run.sh [--duration 5s] [--conns "16 64"] [--profile] [--no-install] [--no-docs] [--port-offset 0]
#
# Installs what it needs (Debian's wrk, nginx and haproxy through apt-get;
# Caddy through go install at a pinned version into .tools/bin), builds apigw,
# the backend (bench/backend) and the hello function (bench/fixtures/hello),
# then measures each target with wrk for --duration at each of --conns
# connections, all on 127.0.0.1: direct to the backend; nginx, HAProxy and
# Caddy as plain reverse proxies; apigw with an HTTP_PROXY route (10, 300 and
# 10,000 routes), the same route with a JWT authorizer + CORS + access log, an
# AWS_PROXY route to a warm Go function; plus a function's cold start and the
# startup of 10 APIs x 300 routes. Prints one table and writes it into
# docs/performance.md ("## Side by side with nginx, HAProxy and Caddy").
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
	# install, caddy version says "unknown": the module version recorded in
	# the binary is the one to compare.)
	pinned() { go version -m "$1" 2>/dev/null | awk -v v="$2" '$1 == "mod" && $3 == v { f = 1 } END { exit !f }'; }
	if ! pinned "$ROOT/.tools/bin/caddy" "$CADDY_VERSION"; then
		log "installing caddy $CADDY_VERSION into .tools/bin"
		(cd / && GOBIN=$ROOT/.tools/bin go install "github.com/caddyserver/caddy/v2/cmd/caddy@$CADDY_VERSION")
	fi
fi
for t in wrk nginx haproxy curl taskset; do command -v $t >/dev/null || { echo "bench: $t not found" >&2; exit 1; }; done
CADDY=$ROOT/.tools/bin/caddy

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

# --- builds
log "building apigw, backend, hello function"
go build -o "$T/apigw" ./cmd/apigw
go build -o "$T/backend" ./bench/backend
go build -o "$T/hello" ./bench/fixtures/hello
go build -o "$T/gen" ./bench/gen

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

RESULTS=$T/results
: >"$RESULTS"
# measure NAME URL RSS_PID [wrk args...]: a 1 s warm-up, then one wrk run per
# connection count; appends "NAME CONNS RPS P50 P99 P999 ERRORS" to RESULTS.
measure() {
	local name=$1 url=$2; shift 2
	local c line
	$PIN_WRK wrk -t1 -c64 -d1s "$@" "$url" >/dev/null 2>&1 || true
	for c in $CONNS; do
		line=$($PIN_WRK wrk -t1 -c"$c" -d"$DURATION" --latency -s bench/report.lua "$@" "$url" | grep '^BENCH ')
		echo "$name $c $line" | awk '{ printf "%s %s %.0f %d %d %d %d\n", $1, $2, ($4 - $9) / ($5 / 1e6), $6, $7, $8, $9 }' >>"$RESULTS"
		log "$(tail -1 "$RESULTS")"
	done
}
rss_mb() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
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
apigw_stop() { # NAME
	RSS[$1]=$(rss_mb "$GW")
	stop "$GW"
}

# --- the backend
start backend $PIN_BACKEND "$T/backend" -listen 127.0.0.1:$BACKEND_PORT
wait_http "$BACKEND/"

log "direct"
measure direct "$BACKEND/r9/items/42"

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
stop $P

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
stop $P

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
stop $P

# --- apigw: HTTP_PROXY route tables of 10, 300 and 10,000 routes
for n in 10 300 10000; do
	"$T/gen" -kind routes -routes $n -backend "$BACKEND" -dir "$T/routes$n"
	apigw_start "apigw-r$n" "$T/routes$n"
	log "apigw, $n routes"
	measure "apigw-r$n" "http://127.0.0.1:$APIGW_PORT/r$((n - 1))/items/42"
	[ $n = 10 ] && profile http "http://127.0.0.1:$APIGW_PORT/r9/items/42"
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

# --- apigw: AWS_PROXY to a warm Go function, and cold starts
"$T/gen" -kind lambda -hello "$T/hello" -dir "$T/lambda"
apigw_start apigw-lambda "$T/lambda"
COLD=()
for fn in cold1 cold2 cold3; do
	COLD+=("$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$APIGW_PORT/$fn" | awk '{ printf "%.1f", $1 * 1000 }')")
done
log "cold starts (ms): ${COLD[*]}"
log "apigw, AWS_PROXY warm"
measure apigw-lambda "http://127.0.0.1:$APIGW_PORT/hello"
profile lambda "http://127.0.0.1:$APIGW_PORT/hello"
apigw_stop apigw-lambda

# --- startup: 10 APIs of 300 routes
"$T/gen" -kind startup -apis 10 -routes 300 -backend "$BACKEND" -dir "$T/startup"
t0=$(date +%s%N)
apigw_start apigw-startup "$T/startup"
t1=$(date +%s%N)
STARTUP_MS=$(( (t1 - t0) / 1000000 ))
apigw_stop apigw-startup
log "startup 10 x 300 routes: $STARTUP_MS ms, peak RSS ${RSS[apigw-startup]} MB"

# --- the table
TABLE=$T/table.md
{
	echo "| target | conns | req/s | p50 ms | p99 ms | p99.9 ms | errors | req/s vs direct | req/s vs nginx | p99 over direct, ms | apigw peak RSS MB |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	while read -r name c rps p50 p99 p999 errs; do
		read -r drps dp99 < <(awk -v c="$c" '$1 == "direct" && $2 == c { print $3, $5 }' "$RESULTS")
		read -r nrps < <(awk -v c="$c" '$1 == "nginx" && $2 == c { print $3 }' "$RESULTS")
		vs_d="" vs_n="" over="" rss=""
		case $name in apigw-*)
			vs_d=$(awk -v a="$rps" -v b="$drps" 'BEGIN { printf "%.2f", a / b }')
			vs_n=$(awk -v a="$rps" -v b="$nrps" 'BEGIN { printf "%.2f", a / b }')
			over=$(awk -v a="$p99" -v b="$dp99" 'BEGIN { printf "%.2f", (a - b) / 1000 }')
			rss=${RSS[$name]}
		esac
		label=$name
		case $name in
		apigw-r10) label="apigw HTTP_PROXY, 10 routes" ;;
		apigw-r300) label="apigw HTTP_PROXY, 300 routes" ;;
		apigw-r10000) label="apigw HTTP_PROXY, 10,000 routes (34 APIs)" ;;
		apigw-jwt) label="apigw HTTP_PROXY + JWT + CORS + access log" ;;
		apigw-lambda) label="apigw AWS_PROXY, warm Go function" ;;
		esac
		awk -v l="$label" -v c="$c" -v r="$rps" -v a="$p50" -v b="$p99" -v d="$p999" -v e="$errs" -v vd="$vs_d" -v vn="$vs_n" -v o="$over" -v m="$rss" \
			'BEGIN { printf "| %s | %s | %d | %.2f | %.2f | %.2f | %s | %s | %s | %s | %s |\n", l, c, r, a / 1000, b / 1000, d / 1000, e, vd, vn, o, m }'
	done <"$RESULTS"
	echo
	echo "- cold start, first request to a Go function with no instance (curl time_total, 3 functions): ${COLD[*]} ms"
	echo "- startup to serving (process start to /_health answering) with 10 APIs of 300 routes: $STARTUP_MS ms; peak RSS ${RSS[apigw-startup]} MB"
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
	echo "\"p99 over direct\" is the latency apigw adds at p99. RSS is VmHWM of the apigw process."
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
