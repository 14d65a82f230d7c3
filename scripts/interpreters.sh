#!/usr/bin/env bash
# The interpreters the Node.js and Python function tests run on: node (18 or
# later) and python3 (3.9 or later), the machine's own, as a user's would be.
#
#   scripts/interpreters.sh   checks both; installs a missing or too old one
#                             with apt-get (Debian's nodejs and python3), then
#                             prints the versions found
set -euo pipefail

apt_install() {
	local sudo=""
	if [ "$(id -u)" != 0 ]; then
		if ! command -v sudo >/dev/null; then
			echo "interpreters.sh: $* missing and not root (apt-get install $*)" >&2
			exit 1
		fi
		sudo=sudo
	fi
	$sudo apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

node_ok() { command -v node >/dev/null && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)'; }
python_ok() { command -v python3 >/dev/null && python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)'; }

node_ok || apt_install nodejs
python_ok || apt_install python3
if ! node_ok || ! python_ok; then
	echo "interpreters.sh: need node >= 18 and python3 >= 3.9 on PATH" >&2
	exit 1
fi
echo "node $(node --version), $(python3 --version)"
