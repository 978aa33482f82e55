#!/bin/sh
# RT trap: the engine runs live with an LD_PRELOAD library that counts
# allocation and mutex calls made inside the JACK process callback, while a
# client streams audio through it, parameters change (with and without
# ramps) and graphs are swapped.  Any hit fails.
# usage: rt_trap.sh DSPENGINE SOURCE_ROOT WAVCMP SIGGEN JACK_FEED PRELOAD [PERIOD]
engine=$1
root=$2
wavcmp=$3
siggen=$4
feed=$5
preload=$6
period=${7:-128}
. "$root/tests/cli/lib.sh"
. "$root/tests/jack/lib.sh"

"$siggen" "$work/in.wav" --channels 2 --seconds 6 >/dev/null || fail siggen
mkfifo "$work/ctl" || fail mkfifo
start_jackd "$period"

export DSP_RT_TRAP_REPORT="$work/trap.txt"
LD_PRELOAD=$preload "$engine" --osc-port 0 --graph "$root/graphs/lv2-chain.json" \
	--name eng --stdin-control --stats 0.5 --node-times \
	<"$work/ctl" >"$work/engine.out" 2>"$work/engine.err" &
engine_pid=$!
exec 3>"$work/ctl"
wait_for "$work/engine.err" "dspengine: ready" 30 ||
	fail "engine not ready: $(cat "$work/engine.err")"
unset DSP_RT_TRAP_REPORT

"$feed" "$work/in.wav" "$work/live.wav" --name feed \
	--to eng:in_l,eng:in_r --from eng:out_l,eng:out_r >"$work/feed.log" 2>&1 &
feed_pid=$!

cmd() {
	echo "$1" >&3
	sleep "${2:-0.05}"
}

for round in 1 2 3; do
	cmd "set drive drive 0.8"
	cmd "set echo fx_mix 0.6 20"
	cmd "set limit thresh 0.3 0"
	cmd "set width width 0.2 100" 0.2
	cmd "load $root/graphs/reverb.json" 0.3
	cmd "set verb mix 0.8 10"
	cmd "set verb decay 4" 0.2
	cmd "load $root/graphs/mixed-chain.json" 0.3
	cmd "load $root/graphs/parallel.json" 0.3
	cmd "load $root/graphs/lv2-chain.json" 0.3
done
cmd "set nosuch x 1"
cmd "stats"
wait $feed_pid
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 3 ] || fail "jack_feed: $(cat "$work/feed.log")"
cmd "quit" 0
exec 3>&-
wait "$engine_pid"
rc=$?
engine_pid=""
[ $rc -eq 0 ] || fail "engine exited with $rc: $(cat "$work/engine.err")"

n_ok=$(grep -c '^ok set' "$work/engine.out")
n_load=$(grep -c '^ok load' "$work/engine.out")
[ "$n_ok" -eq 18 ] || fail "expected 18 'ok set' answers, got $n_ok: $(cat "$work/engine.out")"
[ "$n_load" -eq 12 ] || fail "expected 12 'ok load' answers, got $n_load"
grep -q '^error: no node with id "nosuch"' "$work/engine.out" ||
	fail "bad command not reported"
pass "commands applied: $n_ok sets, $n_load graph loads"

grep -q "^  node " "$work/engine.out" || fail "no per-node times in stats"
pass "stats with per-node times printed"

[ -s "$work/trap.txt" ] || fail "no trap report"
cat "$work/trap.txt"
grep -q "^rt-trap: 0 hits in [1-9][0-9]* callbacks" "$work/trap.txt" ||
	fail "allocation or lock on the audio thread: $(cat "$work/trap.txt")"
pass "no allocation or lock in the process callback: $(cat "$work/trap.txt")"
# The trap itself works: with the self-test it must count hits
DSP_RT_TRAP_SELFTEST=1 DSP_RT_TRAP_REPORT="$work/self.txt" LD_PRELOAD=$preload \
	"$engine" --osc-port 0 --graph "$root/graphs/reverb.json" --name selftest \
	>/dev/null 2>"$work/self.err" &
engine_pid=$!
wait_for "$work/self.err" "dspengine: ready" 30 || fail "self-test engine not ready"
sleep 0.3
stop_engine
grep -q "^rt-trap: [1-9][0-9]* hits" "$work/self.txt" ||
	fail "trap self-test saw nothing: $(cat "$work/self.txt")"
pass "trap self-test: $(cat "$work/self.txt")"
echo "rt_trap: $checks checks passed"
