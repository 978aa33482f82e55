#!/bin/sh
# Faulty-node isolation live (docs/realtime.md#faulty-nodes), under jackd
# dummy with the RT trap preloaded: the misbehaving Faust fixture runs in
# parallel with a clean path while a sine plays.  Setting its mode to NaN
# over OSC must mute it, push /fault to a subscriber (oscdump), log it,
# show it in /status and /faults; audio keeps flowing from the clean path
# (finite, at the sine's level).  Re-armed without a reset its NaN filter
# state faults again at once; re-armed with a reset it plays again.  The
# trap must count no allocation or lock on the audio thread.
# usage: fault.sh DSPENGINE SOURCE_ROOT DSPCTL JACK_FEED OSC_PROBE PRELOAD
engine=$1
root=$2
dspctl=$3
feed=$4
probe=$5
preload=$6
. "$root/tests/cli/lib.sh"
. "$root/tests/jack/lib.sh"
. "$root/tests/osc/lib.sh"

"$probe" sine "$work/in.wav" 8 440 0.25 || fail "sine"
JACKD_RT=${JACKD_RT:--R} start_jackd 256
export DSP_RT_TRAP_REPORT="$work/trap.txt"
LD_PRELOAD=$preload "$engine" --graph "$root/tests/faust/data/faulty.json" \
	--name eng --no-mlock --osc-port "$osc_port" >"$work/engine.out" 2>"$work/engine.err" &
engine_pid=$!
wait_for "$work/engine.err" "dspengine: ready" 30 ||
	fail "engine not ready: $(cat "$work/engine.err")"
unset DSP_RT_TRAP_REPORT

dump_port=$((osc_port + 1))
oscdump -L "$dump_port" >"$work/dump.txt" 2>&1 &
dump_pid=$!
sleep 0.3
expect_done subscribe 2 "osc.udp://127.0.0.1:$dump_port/"
"$feed" "$work/in.wav" "$work/live.wav" --name feed --pad 0 \
	--to eng:in_l,eng:in_r --from eng:out_l,eng:out_r >"$work/feed.log" 2>&1 &
feed_pid=$!
sleep 1

expect_done status
grep -q "^faults 0" "$work/out" || fail "status before: $(cat "$work/out")"
expect_done set bad mode 1
wait_for "$work/dump.txt" "/fault " 5 || fail "no /fault pushed: $(tail -3 "$work/dump.txt")"
grep "/fault " "$work/dump.txt" | grep -q '"bad" "nan" 0 ' ||
	fail "pushed fault: $(grep /fault "$work/dump.txt")"
pass "pushed: $(grep "/fault " "$work/dump.txt")"
wait_for "$work/engine.err" 'fault: node "bad" muted' 2 || fail "not logged"
pass "logged: $(grep 'fault: node' "$work/engine.err")"
expect_done status
grep -q "^faults 1" "$work/out" && grep -q "^fault bad nan" "$work/out" ||
	fail "status: $(cat "$work/out")"
expect_done faults
grep -q "^bad nan output 0" "$work/out" || fail "faults: $(cat "$work/out")"
sleep 1.5 # Audio from the clean path alone

# Re-armed without a reset: its low-pass still holds NaN, so it faults again
expect_done set bad mode 0
expect_done rearm bad 0
grep -q "bad 0" "$work/out" || fail "rearm reply: $(cat "$work/out")"
i=0
while [ "$(grep -c "/fault " "$work/dump.txt")" -lt 2 ]; do
	i=$((i + 1))
	[ $i -lt 250 ] || fail "no second /fault after re-arming a poisoned node"
	sleep 0.02
done
pass "re-armed without reset: faulted again at once"

# Re-armed with a reset (Faust instanceClear): healthy again
expect_done rearm bad
grep -q "bad 1" "$work/out" || fail "rearm reply: $(cat "$work/out")"
sleep 0.5
expect_done status
grep -q "^faults 0" "$work/out" || fail "status after rearm: $(cat "$work/out")"
[ "$(grep -c "/fault " "$work/dump.txt")" -eq 2 ] || fail "faulted after a reset"
pass "re-armed with reset: plays, no new fault"
expect_fail 'no node with id "nope"' rearm nope
expect_fail "argument 2 (reset) must be 1" rearm bad 2

wait $feed_pid
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 3 ] || fail "jack_feed: $(cat "$work/feed.log")"
kill $dump_pid
wait $dump_pid 2>/dev/null

# The recording stays finite and at the sine's level (-15 dBFS on the left:
# the clean path, plus the fixture's low-pass while it is healthy)
start=$(sed -n 's/.*start frame //p' "$work/feed.log")
n=$((48000 * 7))
for from in 0 48000 96000 144000 192000 240000 288000; do
	r=$("$probe" rms "$work/live.wav" $from $((from + 48000)))
	awk "BEGIN { exit !($r > -20 && $r < -6) }" ||
		fail "second $((from / 48000)): rms $r dBFS (not finite or not the sine's level)"
done
pass "audio flowed from the clean path all along: every second at the sine's level, finite"

stop_engine
[ -s "$work/trap.txt" ] || fail "no trap report"
grep -q "^rt-trap: 0 hits in [1-9][0-9]* callbacks" "$work/trap.txt" ||
	fail "allocation or lock on the audio thread: $(cat "$work/trap.txt")"
pass "RT trap: $(cat "$work/trap.txt")"
echo "osc fault: $checks checks passed"
