#!/usr/bin/env bash
# Builds the release binaries of apigw: static (CGO_ENABLED=0), reproducible
# (-trimpath, no build id, no VCS stamp beyond the ldflags below, fixed
# flags), for linux, darwin and windows on amd64 and arm64, with the version
# and commit stamped (`apigw version`) and a SHA256SUMS file.
#
# Usage: scripts/release.sh [VERSION]      (default: git describe --tags, else v0.0.0-dev+COMMIT)
#   OUT=dist          where the binaries go
#   TARGETS="linux/amd64 ..."   a subset of the targets
#   CHECK=1           build the first target twice and fail unless both are identical
#
# The Go release is pinned: RELEASE_GO (go1.27.3), fetched by the go command
# through the module proxy (GOTOOLCHAIN), since the standard library of
# older releases has known vulnerabilities (scripts/vulncheck.sh checks).
set -euo pipefail
cd "$(dirname "$0")/.."

RELEASE_GO=${RELEASE_GO:-go1.27.3}
export GOTOOLCHAIN=$RELEASE_GO
OUT=${OUT:-dist}
TARGETS=${TARGETS:-"linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"}
COMMIT=$(git rev-parse HEAD)
VERSION=${1:-$(git describe --tags --exact-match 2>/dev/null || echo "v0.0.0-dev+${COMMIT:0:12}")}
PKG=github.com/apigwdev/apigw/internal/cli
LDFLAGS="-s -w -buildid= -X $PKG.version=$VERSION -X $PKG.commit=$COMMIT"

have=$(go env GOVERSION)
if [ "$have" != "$RELEASE_GO" ]; then
	echo "release.sh: the go command runs $have, not $RELEASE_GO" >&2
	exit 1
fi
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
	echo "release.sh: warning: the work tree has uncommitted changes; the binaries are not those of $COMMIT" >&2
fi

build() { # GOOS GOARCH OUTFILE
	CGO_ENABLED=0 GOOS=$1 GOARCH=$2 GOFLAGS= go build -trimpath -buildvcs=false -ldflags "$LDFLAGS" -o "$3" ./cmd/apigw
}

rm -rf "$OUT"
mkdir -p "$OUT"
for t in $TARGETS; do
	os=${t%/*} arch=${t#*/}
	ext=""; [ "$os" = windows ] && ext=.exe
	f="$OUT/apigw_${VERSION}_${os}_${arch}${ext}"
	echo "building $f" >&2
	build "$os" "$arch" "$f"
done
(cd "$OUT" && sha256sum apigw_* > SHA256SUMS)
echo "$OUT/SHA256SUMS:" >&2
cat "$OUT/SHA256SUMS" >&2

if [ "${CHECK:-}" = 1 ]; then
	first=${TARGETS%% *}
	os=${first%/*} arch=${first#*/}
	ext=""; [ "$os" = windows ] && ext=.exe
	again=$(mktemp -d)
	trap 'rm -rf "$again"' EXIT
	build "$os" "$arch" "$again/apigw$ext"
	a=$(sha256sum < "$OUT/apigw_${VERSION}_${os}_${arch}${ext}")
	b=$(sha256sum < "$again/apigw$ext")
	if [ "$a" != "$b" ]; then
		echo "release.sh: $first is not reproducible: $a vs $b" >&2
		exit 1
	fi
	echo "release.sh: $first rebuilt identically" >&2
fi
