#!/usr/bin/env bash
# etcd, the store of cluster mode, for the tests that run nodes against a
# real one and for trying cluster mode by hand.
#
#   scripts/etcd.sh start   installs Debian's etcd-server with apt-get if etcd is
#                           missing, starts a single-member etcd on free 127.0.0.1
#                           ports with its data in .tools/etcd/, and prints its
#                           client URL (export it as APIGW_ETCD)
#   scripts/etcd.sh stop    stops the etcd the last start started
#
# The limits are raised so that importing a large config file is one
# transaction: --max-txn-ops (default 128) and --max-request-bytes (1.5 MiB).
set -euo pipefail
cd "$(dirname "$0")/.."

dir=.tools/etcd

freeport() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

case "${1:-start}" in
start)
	if ! command -v etcd >/dev/null; then
		if ! { apt-get install -y -qq etcd-server >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq etcd-server >/dev/null 2>&1; }; }; then
			echo "etcd.sh: etcd is not installed and apt-get install etcd-server failed" >&2
			exit 1
		fi
	fi
	mkdir -p "$dir"
	if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
		cat "$dir/url"
		exit 0
	fi
	rm -rf "$dir/data"
	client=$(freeport)
	peer=$(freeport)
	nohup etcd --name apigw-test --data-dir "$dir/data" \
		--listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
		--listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
		--initial-cluster "apigw-test=http://127.0.0.1:$peer" \
		--max-txn-ops 100000 --max-request-bytes 33554432 \
		--log-level warn >"$dir/server.log" 2>&1 &
	echo $! >"$dir/pid"
	echo "http://127.0.0.1:$client" >"$dir/url"
	for _ in $(seq 1 100); do
		if curl -fsS "http://127.0.0.1:$client/health" 2>/dev/null | grep -q true; then
			echo "http://127.0.0.1:$client"
			exit 0
		fi
		sleep 0.1
	done
	echo "etcd.sh: etcd did not start:" >&2
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
