#!/bin/sh
# Installs the dependencies (Debian packages) and builds dspengine in build/.
# Extra arguments are passed to `meson setup` (e.g. -Dbuildtype=release).
set -eu
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

if [ -f build/build.ninja ]; then
	meson setup --reconfigure build "$@" >/dev/null
else
	meson setup build "$@"
fi
meson compile -C build
