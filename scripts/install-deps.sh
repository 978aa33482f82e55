#!/bin/sh
# Installs every Debian package dspengine needs to build, run and test.
# Non-interactive, no recommended packages; safe to run again.
set -eu

PKGS="build-essential meson ninja-build pkg-config clang-format clang libclang-rt-14-dev
liblilv-dev lv2-dev lilv-utils
jackd2 libjack-jackd2-dev
liblo-dev liblo-tools
libsndfile1-dev libsamplerate0-dev libjansson-dev libcmocka-dev libisal-dev
faust libfaust2 faust-common
mda-lv2 swh-lv2 lv2-examples dragonfly-reverb-lv2
lv2file python3-jsonschema
valgrind"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done

if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	echo "jackd2 jackd/tweak_rt_limits boolean false" | debconf-set-selections
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi
