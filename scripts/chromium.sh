#!/usr/bin/env bash
# Installs Debian's Chromium if it is missing and prints its path, for the
# request inspector's browser tests (export it as APIGW_CHROMIUM).
#
#   scripts/chromium.sh     prints the path of chromium, installing it first
#                           (apt-get install chromium, as root or through sudo)
set -euo pipefail

find_chromium() {
	for name in chromium chromium-browser; do
		if p=$(command -v "$name"); then
			echo "$p"
			return 0
		fi
	done
	return 1
}

if p=$(find_chromium); then
	echo "$p"
	exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
	if ! command -v sudo >/dev/null; then
		echo "chromium.sh: chromium is not installed and this user cannot install it (no sudo)" >&2
		exit 1
	fi
	sudo="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends chromium; } >/tmp/chromium-install.log 2>&1; then
	echo "chromium.sh: apt-get install chromium failed:" >&2
	tail -20 /tmp/chromium-install.log >&2
	exit 1
fi
find_chromium || { echo "chromium.sh: chromium installed but not on PATH" >&2; exit 1; }
