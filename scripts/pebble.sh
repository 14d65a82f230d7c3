#!/usr/bin/env bash
# Pebble, Let's Encrypt's small ACME test server, for the ACME test of
# internal/listener (certificates obtained through certmagic).
#
#   scripts/pebble.sh    installs pebble with go install into .tools/bin (once)
#                        and prints the binary's path (export it as APIGW_PEBBLE);
#                        the test starts and stops its own server
set -euo pipefail
cd "$(dirname "$0")/.."

version=v2.10.3
bin=$PWD/.tools/bin/pebble
if ! go version -m "$bin" 2>/dev/null | awk -v v="$version" '$1 == "mod" && $3 == v { f = 1 } END { exit !f }'; then
	mkdir -p .tools/bin
	if ! (cd / && GOBIN=$(dirname "$bin") go install "github.com/letsencrypt/pebble/v2/cmd/pebble@$version") >.tools/pebble-install.log 2>&1; then
		echo "pebble.sh: go install pebble@$version failed:" >&2
		cat .tools/pebble-install.log >&2
		exit 1
	fi
fi
echo "$bin"
