#!/bin/sh
# OSC and hot-swap benchmark (issue 4), see bench/osc/README.md:
#   sh bench/osc/run.sh BUILD_DIR [SWAPS]
# Starts a private jackd (dummy driver, -R, 48 kHz, period 256) and the
# engine, then runs bench/osc/swap_bench: swap latency (command sent ->
# first sample of the new graph, and -> /done) for a prepared slot and a
# fresh 8-node graph, messages per second, DSP load steady vs. crossfading.
set -u
build=$(cd "${1:-.}" && pwd)
swaps=${2:-25}
root=$(cd "$(dirname "$0")/../.." && pwd)
engine=$build/engine/dspengine
bench=$build/bench/osc/swap_bench
port=$((30000 + ($$ % 10000)))
work=$(mktemp -d)
export JACK_DEFAULT_SERVER=dspbench-osc-$$ JACK_NO_AUDIO_RESERVATION=1
export LV2_PATH=${LV2_PATH:-/usr/lib/lv2}
jackd -R -d dummy -r 48000 -p 256 >"$work/jackd.log" 2>&1 &
jpid=$!
epid=""
trap 'kill $epid $jpid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
i=0
while [ "$(jack_wait -c -s "$JACK_DEFAULT_SERVER" 2>/dev/null)" != running ]; do
	i=$((i + 1))
	[ $i -lt 250 ] || { echo "jackd did not start" >&2; exit 1; }
	sleep 0.02
done
"$engine" --graph "$root/bench/osc/data/swap_a.json" --name eng \
	--osc-port "$port" --no-mlock >"$work/e.out" 2>"$work/e.err" &
epid=$!
i=0
while ! grep -q "dspengine: ready" "$work/e.err" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 1500 ] || { echo "engine not ready: $(cat "$work/e.err")" >&2; exit 1; }
	sleep 0.02
done
echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
"$bench" "$port" "$root/bench/osc/data/swap_a.json" \
	"$root/bench/osc/data/swap_b.json" "$root/graphs/reverb.json" "$swaps"
rc=$?
echo "jackd: $(grep -c 'was not finished' "$work/jackd.log") cycles with a client not finished"
exit $rc
