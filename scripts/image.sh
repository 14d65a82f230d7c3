#!/usr/bin/env bash
# Builds apigw's container images (Dockerfile, and Dockerfile.runtimes with
# node and python3) and smoke-tests each: the example project
# (examples/petstore, mounted at /work) must answer GET /pets through the
# published port. Needs a running container engine (docker or podman, or
# CONTAINER_ENGINE); without one it says so and exits 0, or 1 when
# APIGW_CI=1 asks for the check.
#
# Usage: scripts/image.sh [TAG]   (default apigw:dev; the variant is TAG-runtimes)
set -euo pipefail
cd "$(dirname "$0")/.."

engine=${CONTAINER_ENGINE:-}
if [ -z "$engine" ]; then
	for e in docker podman; do
		if command -v "$e" >/dev/null 2>&1 && "$e" info >/dev/null 2>&1; then
			engine=$e
			break
		fi
	done
fi
if [ -z "$engine" ]; then
	echo "image.sh: no container engine is running (docker or podman): the images were not built or tested" >&2
	[ "${APIGW_CI:-}" = 1 ] && exit 1
	exit 0
fi

tag=${1:-apigw:dev}
commit=$(git rev-parse HEAD)
echo "image.sh: building $tag with $engine" >&2
"$engine" build -t "$tag" --build-arg "VERSION=dev-${commit:0:12}" --build-arg "COMMIT=$commit" -f Dockerfile .
echo "image.sh: building $tag-runtimes" >&2
"$engine" build -t "$tag-runtimes" --build-arg "BASE=$tag" -f Dockerfile.runtimes .

smoke() { # IMAGE
	local image=$1 id port
	id=$("$engine" run -d -p 127.0.0.1::3000 -v "$PWD/examples/petstore:/work" "$image" serve)
	trap '"$engine" rm -f "$id" >/dev/null 2>&1 || true' RETURN
	port=$("$engine" port "$id" 3000/tcp | head -1 | sed 's/.*://')
	for _ in $(seq 1 240); do
		if curl -fsS "http://127.0.0.1:$port/pets" >/dev/null 2>&1; then
			"$engine" exec "$id" apigw version >&2
			[ "$image" = "$tag-runtimes" ] && "$engine" exec "$id" sh -c 'node --version && python3 --version' >&2
			echo "image.sh: $image serves the example on port $port" >&2
			return 0
		fi
		sleep 0.5
	done
	echo "image.sh: $image did not serve GET /pets within 120 s; its log:" >&2
	"$engine" logs "$id" >&2 || true
	return 1
}
smoke "$tag"
smoke "$tag-runtimes"
