#!/bin/sh
# The container's entry point: `serve` listens on all the container's
# interfaces (port 3000), since 127.0.0.1 inside a container is reachable
# from nowhere else, unless the command line gives --listen. Everything
# else goes to apigw as it is.
set -e
if [ "${1:-}" = serve ]; then
	shift
	case " $* " in
	*" --listen"* | *" -listen"*) ;;
	*) set -- --listen "${APIGW_LISTEN:-0.0.0.0:3000}" "$@" ;;
	esac
	set -- serve "$@"
fi
exec /usr/local/bin/apigw "$@"
