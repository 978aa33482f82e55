#!/bin/sh
# Flood: 10,000 /set messages per second for 10 s over UDP while a DC input
# plays; the engine keeps answering (/ping round trips measured during the
# flood, /sync after it), every value acknowledged with /done is the one
# /get reports at the end, and the output level matches the final gains.
# usage: flood.sh DSPENGINE SOURCE_ROOT DSPCTL JACK_FEED OSC_PROBE [RATE SECONDS]
engine=$1
root=$2
dspctl=$3
feed=$4
probe=$5
rate=${6:-10000}
seconds=${7:-10}
. "$root/tests/cli/lib.sh"
. "$root/tests/jack/lib.sh"
. "$root/tests/osc/lib.sh"

"$probe" dc "$work/in.wav" $((seconds + 4)) 0.5 || fail dc
JACKD_RT=${JACKD_RT:--R} start_jackd 256
start_engine --graph "$root/tests/osc/data/chain4.json" --name eng --no-mlock \
	--osc-port "$osc_port"
"$feed" "$work/in.wav" "$work/live.wav" --name feed --pad 0 \
	--to eng:in_l,eng:in_r --from eng:out_l,eng:out_r >"$work/feed.log" 2>&1 &
feed_pid=$!
sleep 0.5
"$probe" flood "$osc_port" "$rate" "$seconds" g1 g2 g3 g4 >"$work/flood.txt" 2>&1
rc=$?
cat "$work/flood.txt"
[ $rc -eq 0 ] || fail "flood: a value acknowledged with /done was not applied"
pass "flood: $(head -1 "$work/flood.txt")"
done_n=$(sed -n 's/.*done \([0-9]*\),.*/\1/p' "$work/flood.txt")
sent_n=$(sed -n 's/^sent \([0-9]*\) .*/\1/p' "$work/flood.txt")
[ "$done_n" -ge $((sent_n * 95 / 100)) ] || fail "only $done_n of $sent_n acknowledged"
pass "$done_n of $sent_n acknowledged"
ctl ping >/dev/null || fail "engine not responsive after the flood"

# Output level = 0.5 * product of the final gains (dB sum)
total=$(awk '/^final/ { s += $3 } END { print s }' "$work/flood.txt")
wait $feed_pid
n=$(( (seconds + 4) * 48000 ))
level=$("$probe" rms "$work/live.wav" $((n - 24000)) $((n - 4800)))
want=$(awk "BEGIN { printf \"%.1f\", 20 * log(0.5) / log(10) + $total }")
awk "BEGIN { d = $level - $want; exit !(d < 0.1 && d > -0.1) }" ||
	fail "output level $level dBFS, expected $want dBFS from the final gains"
pass "output level $level dBFS = DC 0.5 through the final gains ($want dBFS)"
stop_engine
echo "osc flood: $checks checks passed"
