#!/usr/bin/env bash
# Checks apigw and its dependencies for known vulnerabilities with
# govulncheck, offline: the database is built from the OSV entries of a
# pinned version of the golang.org/x/vulndb module (fetched through the Go
# module proxy like any module), never fetched from vuln.go.dev. The check
# runs with the release toolchain (scripts/release.sh), since that is the
# standard library the binaries ship with.
#
# Usage: scripts/vulncheck.sh [PACKAGES...]   (default ./...)
set -euo pipefail
cd "$(dirname "$0")/.."

GOVULNCHECK_VERSION=v1.9.0                              # golang.org/x/vuln
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018      # golang.org/x/vulndb: the database's date
RELEASE_GO=${RELEASE_GO:-go1.27.3}

tools="$PWD/.tools"
bin="$tools/bin"
db="$tools/vulndb-$VULNDB_VERSION"
mkdir -p "$bin"

# govulncheck type-checks the code with the go/types it was built with: it
# must be built by the release toolchain to read code for that release.
gvc="$bin/govulncheck-$GOVULNCHECK_VERSION-$RELEASE_GO"
if [ ! -x "$gvc" ]; then
	echo "vulncheck.sh: installing govulncheck $GOVULNCHECK_VERSION built with $RELEASE_GO" >&2
	tmp=$(mktemp -d)
	GOTOOLCHAIN=$RELEASE_GO GOBIN="$tmp" go install "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION"
	mv "$tmp/govulncheck" "$gvc"
	rm -rf "$tmp"
fi

if [ ! -f "$db/index/db.json" ]; then
	echo "vulncheck.sh: building the vulnerability database of golang.org/x/vulndb@$VULNDB_VERSION (a few minutes the first time)" >&2
	src=$(go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	if [ -z "$src" ] || [ ! -d "$src/data/osv" ]; then
		echo "vulncheck.sh: golang.org/x/vulndb@$VULNDB_VERSION has no data/osv" >&2
		exit 1
	fi
	rm -rf "$db.tmp"
	go run "golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION" -vulns "$src/data/osv" -out "$db.tmp"
	mv "$db.tmp" "$db"
fi

echo "vulncheck.sh: govulncheck $GOVULNCHECK_VERSION, database of $VULNDB_VERSION, toolchain $RELEASE_GO" >&2
GOTOOLCHAIN=$RELEASE_GO exec "$gvc" -db "file://$db" "${@:-./...}"
