#!/bin/sh
# Copyright 2026 The dspengine authors
# SPDX-License-Identifier: ISC
#
# OSC flood soak (issue 7): RATE /set messages per second (default 100,000)
# for SECONDS (10) from loopback while DC plays through 4 gains under
# jackd -R -d dummy -p 256, after an idle window of the same length on the
# same server and engine.  It is tests/osc/flood.sh with FLOOD_IDLE=1, so it
# checks what that test checks (the engine answers /ping during the flood
# and after it, every value acknowledged with /done is the one applied, each
# channel's output is exactly 0.5 x its gain's last acknowledged value) and
# prints the xruns jackd logged in each window.  Beyond what the engine
# handles the kernel drops datagrams (UDP); those are never acknowledged,
# so the share acknowledged is reported, not required.
# usage: bench/soak/osc_flood.sh BUILD [RATE] [SECONDS]
set -u
build=$(cd "$1" && pwd)
rate=${2:-100000}
seconds=${3:-10}
root=$(cd "$(dirname "$0")/../.." && pwd)
export LV2_PATH="${LV2_PATH:-/usr/lib/lv2}" DSP_STATE=
FLOOD_IDLE=1 FLOOD_MIN_ACK=${FLOOD_MIN_ACK:-0} exec sh "$root/tests/osc/flood.sh" "$build/engine/dspengine" "$root" \
	"$build/dspctl/dspctl" "$build/tests/jack/jack_feed" "$build/tests/osc/osc_probe" \
	"$rate" "$seconds"
