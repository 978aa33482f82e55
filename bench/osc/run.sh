#!/bin/sh
# OSC and hot-swap benchmark (issue 4).  Run from a build directory:
#   sh ../bench/osc/run.sh [BUILD_DIR]
# Prints: swap latency (command sent -> /done, and the audio side bound of
# one period) for a prepared slot and a fresh 8-node graph; /set messages
# per second handled; DSP load steady vs. during continuous crossfades.
set -u
build=$(cd "${1:-.}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
engine=$build/engine/dspengine
dspctl=$build/dspctl/dspctl
probe=$build/tests/osc/osc_probe
feed=$build/tests/jack/jack_feed
port=$((30000 + ($$ % 10000)))
work=$(mktemp -d)
export JACK_DEFAULT_SERVER=dspbench-osc JACK_NO_AUDIO_RESERVATION=1
export LV2_PATH=${LV2_PATH:-/usr/lib/lv2}
jackd -R -d dummy -r 48000 -p 256 >"$work/jackd.log" 2>&1 &
jpid=$!
trap 'kill $epid $jpid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
"$engine" --graph "$root/graphs/reverb.json" --name eng --osc-port "$port" \
	--no-mlock >"$work/e.out" 2>"$work/e.err" &
epid=$!
sleep 2
ctl() { "$dspctl" --port "$port" --timeout 10 "$@"; }
ms() { echo "$(( ($2 - $1) / 1000 ))" | awk '{ printf "%.2f", $1 / 1000 }'; }
"$probe" sine "$work/in.wav" 60 440 0.25 >/dev/null
"$feed" "$work/in.wav" "$work/out.wav" --name feed --pad 0 --timeout 120 \
	--to eng:in_l,eng:in_r --from eng:out_l,eng:out_r >/dev/null 2>&1 &

eight=$root/tests/osc/data/eight.json
# Warm the Faust cache and the plugin world once
ctl load "$eight" >/dev/null
ctl load "$root/graphs/reverb.json" >/dev/null
sleep 0.5

prep_total=0
fresh_total=0
n=10
i=0
while [ $i -lt $n ]; do
	ctl prepare s "$eight" >/dev/null
	t0=$(date +%s%N); ctl swap s 50 >/dev/null; t1=$(date +%s%N)
	prep_total=$((prep_total + t1 - t0))
	sleep 0.3
	t0=$(date +%s%N); ctl load "$eight" 50 >/dev/null; t1=$(date +%s%N)
	fresh_total=$((fresh_total + t1 - t0))
	sleep 0.3
	i=$((i + 1))
done
echo "swap latency, command sent -> /done (mean of $n, via dspctl, includes its process start):"
echo "  prepared slot (8-node graph):  $(ms 0 $((prep_total / n))) ms"
echo "  fresh 8-node graph (/load):    $(ms 0 $((fresh_total / n))) ms"
t0=$(date +%s%N); ctl ping >/dev/null; t1=$(date +%s%N)
echo "  dspctl ping round trip:        $(ms "$t0" "$t1") ms (the client's own cost)"
echo "  + audible at the next block:   <= 5.33 ms (period 256 at 48 kHz)"

ctl load "$root/tests/osc/data/chain4.json" >/dev/null
for rate in 10000 30000 100000; do
	"$probe" flood "$port" "$rate" 3 g1 g2 g3 g4 | head -1 | sed "s/^/  flood $rate\/s: /"
done

ctl load "$root/graphs/reverb.json" >/dev/null
ctl prepare a "$root/graphs/reverb.json" >/dev/null
sleep 1.2
steady=$(ctl status | awk '/^load_pct/ { print $2 }')
# Continuous crossfades: a swap every 60 ms, each fading over 50 ms
k=0
while [ $k -lt 30 ]; do
	ctl prepare a "$root/graphs/reverb.json" >/dev/null
	ctl swap a 50 >/dev/null
	k=$((k + 1))
	[ $k -eq 25 ] && during=$(ctl status | awk '/^load_pct|^voices/ { printf "%s ", $2 }')
done
echo "DSP load steady (reverb): ${steady}%; during continuous crossfades (load%, plans running): ${during}"
