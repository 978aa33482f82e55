#!/bin/sh
# Flood: 10,000 /set messages per second for 10 s over UDP while a DC input
# plays on 4 channels, each through its own gain (g1..g4); the engine keeps
# answering (/ping round trips measured during the flood, /sync after it),
# every value acknowledged with /done is the one /get reports at the end,
# and each channel's output is exactly 0.5 times its gain's last
# acknowledged value (values are on a 0.01 dB grid, 1.2e-3 apart relative;
# the check holds them to 2e-5, so a neighbouring or stale value fails).
# With FLOOD_IDLE=1 (bench/soak/osc_flood.sh) an idle window of the same
# length comes first, and the xruns jackd logs in each window are printed
# ("xruns idle T+L flood T+L": T the dummy driver woke late, L a client was
# late) so that those the flood causes stand out.  FLOOD_MIN_ACK (95): the
# percentage of messages that must be acknowledged.
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

idle=0
[ "${FLOOD_IDLE:-0}" = 1 ] && idle=$seconds
length=$((idle + seconds + 4))
"$probe" dc "$work/in.wav" $length 0.5 4 || fail dc
JACKD_RT=${JACKD_RT:--R} start_jackd 256
start_engine --graph "$root/tests/osc/data/flood4.json" --name eng --no-mlock \
	--osc-port "$osc_port"
"$feed" "$work/in.wav" "$work/live.wav" --name feed --pad 0 \
	--to eng:in_1,eng:in_2,eng:in_3,eng:in_4 \
	--from eng:out_1,eng:out_2,eng:out_3,eng:out_4 >"$work/feed.log" 2>&1 &
feed_pid=$!
sleep 0.5
xruns() {
	echo "$(grep -c "Process XRun" "$work/jackd.log")+$(xrun_count)"
}
if [ "$idle" -gt 0 ]; then
	x0=$(xruns)
	sleep "$idle"
	x1=$(xruns)
fi
"$probe" flood "$osc_port" "$rate" "$seconds" g1 g2 g3 g4 >"$work/flood.txt" 2>&1
rc=$?
if [ "$idle" -gt 0 ]; then
	x2=$(xruns)
	awk -v a="$x0" -v b="$x1" -v c="$x2" 'BEGIN {
		split(a, p, "+"); split(b, q, "+"); split(c, r, "+")
		printf "xruns idle %d+%d flood %d+%d\n", q[1] - p[1], q[2] - p[2], r[1] - q[1], r[2] - q[2] }'
fi
cat "$work/flood.txt"
[ $rc -eq 0 ] || fail "flood: a value acknowledged with /done was not applied"
pass "flood: $(head -1 "$work/flood.txt")"
done_n=$(sed -n 's/.*done \([0-9]*\),.*/\1/p' "$work/flood.txt")
sent_n=$(sed -n 's/^sent \([0-9]*\) .*/\1/p' "$work/flood.txt")
# UDP: beyond what the engine handles the kernel drops datagrams, which is
# allowed (they are never acknowledged); the test's rate must be handled
min_ack=${FLOOD_MIN_ACK:-95}
[ "$done_n" -ge $((sent_n * min_ack / 100)) ] || fail "only $done_n of $sent_n acknowledged"
pass "$done_n of $sent_n acknowledged"
ctl ping >/dev/null || fail "engine not responsive after the flood"

# Each channel: DC 0.5 through its gain's final value, constant over the
# last 0.4 s (every /set before /sync has been applied by then)
wait $feed_pid
n=$((length * 48000))
ch=0
for node in g1 g2 g3 g4; do
	value=$(awk -v n=$node '$1 == "final" && $2 == n { print $3 }' "$work/flood.txt")
	[ -n "$value" ] || fail "no final value for $node"
	"$probe" mean "$work/live.wav" $((n - 24000)) $((n - 4800)) $ch >"$work/mean.txt" ||
		fail "mean of channel $ch"
	got=$(awk '{ print $2 }' "$work/mean.txt")
	spread=$(awk '{ print $4 }' "$work/mean.txt")
	want=$(awk "BEGIN { printf \"%.9g\", 0.5 * 10 ^ ($value / 20) }")
	awk "BEGIN { d = ($got - $want) / $want; exit !(d < 2e-5 && d > -2e-5 && $spread == 0) }" ||
		fail "channel $((ch + 1)): output $got (spread $spread), expected $want = 0.5 at $node's last acknowledged $value dB"
	pass "channel $((ch + 1)): output $got = 0.5 at $node's last acknowledged $value dB ($want), constant"
	ch=$((ch + 1))
done
stop_engine
echo "osc flood: $checks checks passed"
