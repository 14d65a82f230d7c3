#!/usr/bin/env bash
# Runs a pinned developer tool, installing it into .tools/ on first use.
# Usage: scripts/ci-tools.sh staticcheck ARGS...
set -euo pipefail
cd "$(dirname "$0")/.."
STATICCHECK_VERSION=v0.8.2   # honnef.co/go/tools; builds in about 30 s
bin="$PWD/.tools/bin"
mkdir -p "$bin"
tool=$1; shift
case "$tool" in
staticcheck)
	if [ ! -x "$bin/staticcheck" ] || ! "$bin/staticcheck" -version | grep -q "${STATICCHECK_VERSION#v}"; then
		GOBIN="$bin" go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
	fi
	exec "$bin/staticcheck" "$@"
	;;
*) echo "unknown tool $tool" >&2; exit 2 ;;
esac
