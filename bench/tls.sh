#!/usr/bin/env bash
# bench/tls.sh: apigw's HTTPS listener next to nginx terminating TLS, on one box.
#
#   bench/tls.sh [--duration 5s] [--conns "16 64"] [--no-install] [--port-offset 0]
#
# Installs Debian's wrk and nginx through apt-get when missing, builds apigw
# and the backend (bench/backend), makes one ECDSA P-256 certificate for
# localhost with openssl, and serves it from both proxies: nginx
# (ssl_certificate) and apigw (tls.defaultCertificate). Both proxy
# GET /r9/items/42 to the backend (apigw through an HTTP_PROXY route), with
# one worker each, pinned like bench/run.sh. Both are held to TLS 1.3 with
# TLS_AES_128_GCM_SHA256 and X25519 (nginx by its config, apigw by Go's
# choice on AES hardware; the script checks what each negotiates with
# openssl s_client and stops if they differ). wrk (HTTP/1.1, keep-alive)
# measures, for --duration at each of --conns, plain HTTP and HTTPS through
# each proxy; then the cost of a full handshake: wrk with "Connection: close",
# one new TCP connection and full TLS handshake per request (wrk resumes no
# sessions), at the highest connection count. With h2load (Debian's
# nghttp2-client, installed too), HTTP/2 over TLS: one stream per connection
# at each of --conns, and 64 streams on 4 connections. The rows of the two
# proxies alternate. Prints markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DURATION=${DURATION:-5s}
CONNS=${CONNS:-"16 64"}
INSTALL=1
PORT_OFFSET=0
while [ $# -gt 0 ]; do
	case $1 in
	--duration) DURATION=$2; shift 2 ;;
	--conns) CONNS=$2; shift 2 ;;
	--no-install) INSTALL=0; shift ;;
	--port-offset) PORT_OFFSET=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/tls.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[[ $PORT_OFFSET =~ ^[0-9]+$ ]] || { echo "bench/tls.sh: --port-offset $PORT_OFFSET: want a number" >&2; exit 2; }
BACKEND_PORT=$((18180 + PORT_OFFSET)) NGINX_PORT=$((18181 + PORT_OFFSET)) NGINX_TLS_PORT=$((18182 + PORT_OFFSET))
APIGW_PORT=$((18190 + PORT_OFFSET)) APIGW_TLS_PORT=$((18191 + PORT_OFFSET)) ADMIN_PORT=$((13400 + PORT_OFFSET))
for port in $BACKEND_PORT $NGINX_PORT $NGINX_TLS_PORT $APIGW_PORT $APIGW_TLS_PORT $ADMIN_PORT; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		echo "bench/tls.sh: 127.0.0.1:$port is in use (another run?): stop it, or use --port-offset" >&2
		exit 1
	fi
done
log() { echo "bench: $*" >&2; }

export PATH=$PATH:/usr/sbin:/sbin
if [ "$INSTALL" = 1 ]; then
	missing=()
	command -v wrk >/dev/null || missing+=(wrk)
	command -v nginx >/dev/null || missing+=(nginx-light)
	command -v openssl >/dev/null || missing+=(openssl)
	command -v h2load >/dev/null || missing+=(nghttp2-client)
	if [ ${#missing[@]} -gt 0 ]; then
		sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
		log "installing ${missing[*]} with apt-get"
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
fi
for t in wrk nginx openssl curl taskset; do command -v $t >/dev/null || { echo "bench: $t not found" >&2; exit 1; }; done

T=$(mktemp -d /tmp/apigw-tlsbench.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

NCPU=$(nproc)
if [ "$NCPU" -ge 3 ]; then
	PIN_PROXY="taskset -c 0" PIN_BACKEND="taskset -c 1" PIN_WRK="taskset -c 2-$((NCPU - 1))"
	PINNING="proxy on CPU 0, backend on CPU 1, wrk on CPUs 2-$((NCPU - 1))"
elif [ "$NCPU" -eq 2 ]; then
	PIN_PROXY="taskset -c 0" PIN_BACKEND="taskset -c 1" PIN_WRK="taskset -c 1"
	PINNING="proxy on CPU 0; wrk and the backend share CPU 1"
else
	PIN_PROXY="" PIN_BACKEND="" PIN_WRK=""
	PINNING="one CPU: nothing pinned"
fi
CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
MAXCONNS=$(printf '%s\n' $CONNS | sort -n | tail -1)

log "building apigw and the backend"
go build -o "$T/apigw" ./cmd/apigw
go build -o "$T/backend" ./bench/backend

# One certificate for both proxies.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null

start() { # NAME CMD...: start in the background, pid in $LAST
	local name=$1; shift
	"$@" >"$T/$name.log" 2>&1 &
	LAST=$!
	PIDS+=("$LAST")
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
wait_url() { # URL: wait up to 20 s for any answer
	for _ in $(seq 1 2000); do
		curl -sk -o /dev/null --max-time 1 "$1" && return 0
		sleep 0.01
	done
	echo "bench: $1 did not answer" >&2; return 1
}
# negotiated HOST:PORT: "TLSv1.3 TLS_AES_128_GCM_SHA256 X25519"
negotiated() {
	echo | openssl s_client -connect "$1" -servername localhost -CAfile "$T/cert.pem" 2>/dev/null |
		awk '/^New, /{ v=$2; sub(",", "", v); c=$NF } /^Server Temp Key:/{ k=$4; sub(",", "", k) } END { print v, c, k }'
}

RESULTS=$T/results
: >"$RESULTS"
# measure NAME URL [wrk args...]: a 1 s warm-up, then one run per --conns
# ("NAME CONNS RPS P50 P99 P999 ERRORS" in RESULTS).
measure() {
	local name=$1 url=$2; shift 2
	local c line
	$PIN_WRK wrk -t1 -c16 -d1s -s bench/report.lua "$@" "$url" >/dev/null 2>&1 || true
	for c in ${MEASURE_CONNS:-$CONNS}; do
		line=$($PIN_WRK wrk -t1 -c"$c" -d"$DURATION" --latency -s bench/report.lua "$@" "$url" | grep '^BENCH ')
		echo "$name $c $line" | awk '{ printf "%s %s %.0f %d %d %d %d\n", $1, $2, ($4 - $9) / ($5 / 1e6), $6, $7, $8, $9 }' >>"$RESULTS"
		log "$(tail -1 "$RESULTS")"
	done
}

start backend $PIN_BACKEND "$T/backend" -listen 127.0.0.1:$BACKEND_PORT
wait_url "http://127.0.0.1:$BACKEND_PORT/"

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
    listen 127.0.0.1:$NGINX_TLS_PORT ssl http2;
    ssl_certificate $T/cert.pem;
    ssl_certificate_key $T/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;
    ssl_ecdh_curve X25519;
    ssl_session_tickets on;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
NGINX
start nginx $PIN_PROXY nginx -p "$T/nginx" -c "$T/nginx/nginx.conf"
wait_url "https://127.0.0.1:$NGINX_TLS_PORT/"
NGINX_TLS=$(negotiated 127.0.0.1:$NGINX_TLS_PORT)
log "nginx negotiates $NGINX_TLS"

# --- apigw
cat >"$T/api.yaml" <<API
openapi: "3.0.1"
info: {title: tls-bench, version: "1"}
paths:
  /r9/items/{id}:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:$BACKEND_PORT/r9/items/{id}", payloadFormatVersion: "1.0"}
API
cat >"$T/apigw.yaml" <<CFG
accountThrottle: {throttlingRateLimit: 10000000, throttlingBurstLimit: 10000000}
apis:
  - id: tlsbench01
    openapi: ./api.yaml
    default: true
tls:
  listen: 127.0.0.1:$APIGW_TLS_PORT
  defaultCertificate: {cert: cert.pem, key: key.pem}
CFG
start apigw $PIN_PROXY "$T/apigw" serve --config "$T/apigw.yaml" --log-level warn \
	--listen 127.0.0.1:$APIGW_PORT --admin-listen 127.0.0.1:$ADMIN_PORT --data-dir "$T/.apigw"
wait_url "https://127.0.0.1:$APIGW_TLS_PORT/r9/items/42"
APIGW_TLS=$(negotiated 127.0.0.1:$APIGW_TLS_PORT)
log "apigw negotiates $APIGW_TLS"
if [ "$APIGW_TLS" != "$NGINX_TLS" ]; then
	echo "bench: apigw negotiates \"$APIGW_TLS\", nginx \"$NGINX_TLS\": not comparable" >&2
	exit 1
fi

# Both proxies run side by side (each idle while the other is measured);
# their rows alternate, so that a change of load on the machine hits both.
for c in $CONNS; do
	MEASURE_CONNS=$c measure "nginx-http" "http://localhost:$NGINX_PORT/r9/items/42"
	MEASURE_CONNS=$c measure "apigw-http" "http://localhost:$APIGW_PORT/r9/items/42"
	MEASURE_CONNS=$c measure "nginx-https" "https://localhost:$NGINX_TLS_PORT/r9/items/42"
	MEASURE_CONNS=$c measure "apigw-https" "https://localhost:$APIGW_TLS_PORT/r9/items/42"
done
MEASURE_CONNS=$MAXCONNS measure "nginx-handshake" "https://localhost:$NGINX_TLS_PORT/r9/items/42" -H "Connection: close"
MEASURE_CONNS=$MAXCONNS measure "apigw-handshake" "https://localhost:$APIGW_TLS_PORT/r9/items/42" -H "Connection: close"

# HTTP/2: h2load prints req/s, and the mean request time ("time for request:
# min max mean sd"); it has no percentiles. "NAME CONNS STREAMS RPS MEAN_MS FAILED".
H2RESULTS=$T/h2results
: >"$H2RESULTS"
[[ $DURATION =~ ^([0-9]+)s?$ ]] && DUR_S=${BASH_REMATCH[1]} || DUR_S=5
measure_h2() { # NAME URL CONNS STREAMS
	local out
	$PIN_WRK h2load -t1 -c"$3" -m"$4" -D 1 "$2" >/dev/null 2>&1 || true
	out=$($PIN_WRK h2load -t1 -c"$3" -m"$4" -D "$DUR_S" "$2" 2>&1)
	echo "$out" | grep -q 'Application protocol: h2' || { echo "bench: $1 did not negotiate h2:" >&2; echo "$out" >&2; exit 1; }
	echo "$1 $3 $4 $(echo "$out" | awk '
		/^finished in/ { rps = $4 }
		/^requests:/ { failed = $10 }
		/^time for request:/ { mean = $5; if (mean ~ /us$/) { sub("us", "", mean); mean /= 1000 } else if (mean ~ /ms$/) { sub("ms", "", mean) } else { sub("s", "", mean); mean *= 1000 } }
		END { printf "%.0f %.2f %d", rps, mean, failed }')" >>"$H2RESULTS"
	log "$(tail -1 "$H2RESULTS")"
}
if command -v h2load >/dev/null; then
	for c in $CONNS; do
		measure_h2 nginx "https://localhost:$NGINX_TLS_PORT/r9/items/42" "$c" 1
		measure_h2 apigw "https://localhost:$APIGW_TLS_PORT/r9/items/42" "$c" 1
	done
	measure_h2 nginx "https://localhost:$NGINX_TLS_PORT/r9/items/42" 4 16
	measure_h2 apigw "https://localhost:$APIGW_TLS_PORT/r9/items/42" 4 16
fi

# --- report
echo
echo "\`bench/tls.sh --duration $DURATION --conns \"$CONNS\"\`, $(date -u +%F), $NCPU CPUs ($CPU_MODEL), $(go env GOVERSION), $(nginx -v 2>&1 | sed 's/.*: //'), $(openssl version | cut -d' ' -f1-2), wrk (1 thread, HTTP/1.1)."
echo "Load average at the end: $(cut -d" " -f1-3 /proc/loadavg). Pinning: $PINNING. Both proxies negotiate $NGINX_TLS with the same certificate (ECDSA P-256, localhost)."
echo
echo "| target | conns | req/s | p50 ms | p99 ms | errors | HTTPS req/s vs its HTTP | HTTPS req/s vs nginx HTTPS | p50 / p99 added by TLS, ms |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
awk '
	{ name[NR] = $1; c[NR] = $2; rps[NR] = $3; p50[NR] = $4; p99[NR] = $5; err[NR] = $7; key[$1 " " $2] = NR }
	END {
		for (i = 1; i <= NR; i++) {
			split(name[i], parts, "-")
			proxy = parts[1]; kind = parts[2]
			label = proxy " " (kind == "handshake" ? "HTTPS, full handshake per request" : toupper(kind))
			vsplain = ""; vsnginx = ""; added = ""
			if (kind == "https") {
				j = key[proxy "-http " c[i]]; k = key["nginx-https " c[i]]
				if (j) { vsplain = sprintf("%.2f", rps[i] / rps[j]); added = sprintf("%.2f / %.2f", (p50[i] - p50[j]) / 1000, (p99[i] - p99[j]) / 1000) }
				if (k && proxy != "nginx") vsnginx = sprintf("%.2f", rps[i] / rps[k])
			}
			if (kind == "handshake" && proxy != "nginx") {
				k = key["nginx-handshake " c[i]]
				if (k) vsnginx = sprintf("%.2f", rps[i] / rps[k])
			}
			printf "| %s | %d | %d | %.2f | %.2f | %d | %s | %s | %s |\n", label, c[i], rps[i], p50[i] / 1000, p99[i] / 1000, err[i], vsplain, vsnginx, added
		}
	}' "$RESULTS"
if [ -s "$H2RESULTS" ]; then
	echo
	echo "HTTP/2 over TLS (h2load $(h2load --version | awk '{ print $2 }'), 1 thread; h2load reports no percentiles):"
	echo
	echo "| target | connections | streams each | req/s | mean ms | failed | req/s vs nginx |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	awk '
		{ n[NR] = $1; c[NR] = $2; m[NR] = $3; r[NR] = $4; mean[NR] = $5; f[NR] = $6; key[$1 " " $2 " " $3] = NR }
		END {
			for (i = 1; i <= NR; i++) {
				k = key["nginx " c[i] " " m[i]]; v = ""
				if (n[i] != "nginx" && k) v = sprintf("%.2f", r[i] / r[k])
				printf "| %s h2 | %d | %d | %d | %.2f | %d | %s |\n", n[i], c[i], m[i], r[i], mean[i], f[i], v
			}
		}' "$H2RESULTS"
fi
