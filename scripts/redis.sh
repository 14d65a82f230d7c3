#!/usr/bin/env bash
# Redis, which cluster mode uses for throttling and the Lambda authorizer
# cache, for the tests that run nodes against a real one.
#
#   scripts/redis.sh start   installs Debian's redis-server with apt-get if it is
#                            missing, starts it on a free 127.0.0.1 port (no
#                            persistence) and prints its URL (export it as APIGW_REDIS)
#   scripts/redis.sh stop    stops the server the last start started
set -euo pipefail
cd "$(dirname "$0")/.."

dir=.tools/redis

case "${1:-start}" in
start)
	if ! command -v redis-server >/dev/null; then
		if ! { apt-get install -y -qq redis-server >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq redis-server >/dev/null 2>&1; }; }; then
			echo "redis.sh: redis-server is not installed and apt-get install redis-server failed" >&2
			exit 1
		fi
	fi
	mkdir -p "$dir"
	if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
		cat "$dir/url"
		exit 0
	fi
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
	nohup redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
		--dir "$PWD/$dir" >"$dir/server.log" 2>&1 &
	echo $! >"$dir/pid"
	echo "redis://127.0.0.1:$port/0" >"$dir/url"
	for _ in $(seq 1 100); do
		if redis-cli -p "$port" ping >/dev/null 2>&1; then
			echo "redis://127.0.0.1:$port/0"
			exit 0
		fi
		sleep 0.1
	done
	echo "redis.sh: redis-server did not start:" >&2
	cat "$dir/server.log" >&2
	exit 1
	;;
stop)
	if [ -f "$dir/pid" ]; then
		kill "$(cat "$dir/pid")" 2>/dev/null || true
		rm -f "$dir/pid" "$dir/url"
	fi
	;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
