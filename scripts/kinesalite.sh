#!/usr/bin/env bash
# Kinesalite, a local Kinesis server that speaks the JSON protocol the
# current AWS SDK sends, for the Kinesis-PutRecord integration test.
#
#   scripts/kinesalite.sh start   installs kinesalite from npm into .tools/ (once),
#                                 starts it on a free 127.0.0.1 port and prints its URL
#                                 (export it as APIGW_KINESALITE)
#   scripts/kinesalite.sh stop    stops the server the last start started
set -euo pipefail
cd "$(dirname "$0")/.."

version=3.3.3
dir=.tools/kinesalite
bin=$dir/node_modules/.bin/kinesalite

case "${1:-start}" in
start)
	if ! command -v npm >/dev/null; then
		echo "kinesalite.sh: npm is not installed (apt-get install npm)" >&2
		exit 1
	fi
	if [ ! -x "$bin" ]; then
		mkdir -p "$dir"
		if ! npm install --no-audit --no-fund --prefix "$dir" "kinesalite@$version" >"$dir/npm-install.log" 2>&1; then
			echo "kinesalite.sh: npm install kinesalite@$version failed:" >&2
			cat "$dir/npm-install.log" >&2
			exit 1
		fi
	fi
	port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
	nohup "$bin" --host 127.0.0.1 --port "$port" --createStreamMs 0 --deleteStreamMs 0 >"$dir/server.log" 2>&1 &
	echo $! >"$dir/pid"
	for _ in $(seq 1 100); do
		if node -e 'require("net").connect('"$port"',"127.0.0.1").on("connect",()=>process.exit(0)).on("error",()=>process.exit(1))' 2>/dev/null; then
			echo "http://127.0.0.1:$port"
			exit 0
		fi
		sleep 0.1
	done
	echo "kinesalite.sh: kinesalite did not start:" >&2
	cat "$dir/server.log" >&2
	exit 1
	;;
stop)
	if [ -f "$dir/pid" ]; then
		kill "$(cat "$dir/pid")" 2>/dev/null || true
		rm -f "$dir/pid"
	fi
	;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
