#!/bin/sh
# Where checkpointing meets its limits (docs/checkpoint.md):
# - a region write that fails during an OSC pass (here: a 12 KiB region
#   whose slots cannot hold a big graph) turns the pass's /done into /fail
#   naming the cause, and the change is not acknowledged: after a SIGKILL
#   the engine resumes the last acknowledged state;
# - settings.period follows the server's buffer size (jack_bufsize);
# - --supervise: a SIGKILLed engine whose JACK server is left stalled
#   (jackd SIGSTOPped) makes the supervisor say so in one line; after
#   SIGCONT the engine resumes.
# usage: limits.sh DSPENGINE SOURCE_ROOT DSPCTL DSPSTATE
engine=$1
root=$2
dspctl=$3
dspstate=$4
. "$root/tests/cli/lib.sh"
. "$root/tests/jack/lib.sh"
. "$root/tests/osc/lib.sh"

data="$root/tests/checkpoint/data"
region=/dev/shm/dsptest-limits-$$
sup_pid=""
trap '[ -n "$jackd_pid" ] && kill -CONT $jackd_pid 2>/dev/null; [ -n "$sup_pid" ] && kill $sup_pid 2>/dev/null; rm -f "$region"; cleanup_jack' EXIT
rm -f "$region"
start_jackd 256

. "$root/tests/checkpoint/lib.sh"

# cp_value NODE PARAM: the value in the region's newest checkpoint
cp_value() {
	"$engine" --inspect-state "$region" --json |
		jq -r ".checkpoint.params[] | select(.node == \"$1\" and .param == \"$2\") | .value"
}

# --- A resume loads only what its graph needs: the LV2 bundles that name
# its plugins (mda-lv2 writes them as prefixed names), and no libfaust
# (with LLVM) for a graph without Faust code compiled at load time
if [ -f /usr/lib/lv2/mda.lv2/manifest.ttl ]; then
	run --graph "$root/graphs/lv2-chain.json"
	crash
	export DSP_TIMING=1
	run
	unset DSP_TIMING
	grep -q "resuming checkpoint: graph lv2-chain" "$work/engine.err" ||
		fail "lv2-chain not resumed: $(cat "$work/engine.err")"
	grep -q "timing: lv2-load-all" "$work/engine.err" &&
		fail "every LV2 bundle was loaded to find the graph's plugins"
	grep -q libfaust "/proc/$engine_pid/maps" &&
		fail "libfaust is mapped though the graph has no Faust code"
	pass "resume of lv2-chain: only the bundles it names, no libfaust"
	crash
	rm -f "$region"
fi

# --- A write that does not fit: /fail, not acknowledged
"$dspstate" init "$region" --size 12288 >/dev/null || fail "dspstate init"
run --graph "$data/chain4.json"
expect_done set g1 gain -3
[ "$(cp_value g1 gain)" = -3 ] || fail "g1.gain -3 not in the region"
# chain4 with 4,000 bytes of description (the most a graph may carry,
# DSP_GRAPH_MAX_TEXT 4096): its checkpoint exceeds a 4 KiB slot
pad=$(head -c 4000 /dev/zero | tr '\0' x)
jq --arg d "$pad" '.name = "big" | .description = $d' "$data/chain4.json" >"$work/big.json"
expect_fail "does not fit a slot" load "$work/big.json" 0 0
grep -q "not acknowledged" "$work/err" "$work/out" ||
	fail "the /fail does not say the change is not acknowledged: $(cat "$work/err")"
[ "$("$engine" --inspect-state "$region" --json | jq -r .checkpoint.graph.name)" = chain4 ] ||
	fail "the region no longer holds the acknowledged graph"
# The big graph plays (applied), but every change to it now fails too
expect_fail "does not fit a slot" set g2 gain -4
crash
run
grep -q "resuming checkpoint: graph chain4 " "$work/engine.err" ||
	fail "did not resume the acknowledged graph: $(cat "$work/engine.err")"
got=$(ctl get g1 gain | awk '{ print $4 }')
[ "$got" = -3 ] || fail "resumed g1.gain = $got, acknowledged -3"
got=$(ctl get g2 gain | awk '{ print $4 }')
[ "$got" = 0 ] || fail "resumed g2.gain = $got: an unacknowledged change was resumed"
pass "after the /fail and a SIGKILL the engine resumed the last acknowledged state"
crash
rm -f "$region"

# --- settings.period follows jack_bufsize
run --graph "$data/chain4.json"
period() { "$engine" --inspect-state "$region" --json | jq -r .checkpoint.settings.period; }
[ "$(period)" = 256 ] || fail "period $(period), expected 256"
for p in 512 128; do
	jack_bufsize $p >/dev/null 2>&1 || fail "jack_bufsize $p"
	i=0
	while [ "$(period)" != $p ]; do
		i=$((i + 1))
		[ $i -lt 250 ] || fail "checkpoint period $(period) after jack_bufsize $p: $(cat "$work/engine.err")"
		sleep 0.02
	done
	pass "checkpoint settings.period = $p after jack_bufsize $p"
done
crash
jack_bufsize 256 >/dev/null 2>&1 || fail "jack_bufsize 256"
rm -f "$region"

# --- --supervise and a stalled server
# readies: how many engines the supervisor started became ready
readies() { grep -c "supervise: engine (pid [0-9]*) runs" "$work/sup.err"; }
# running: the pid of the engine that runs (not the standby)
running() { grep -o "supervise: engine (pid [0-9]*) runs" "$work/sup.err" | tail -1 | tr -cd '0-9'; }
wait_readies() {
	i=0
	while [ "$(readies)" -lt "$1" ]; do
		i=$((i + 1))
		[ $i -lt 1000 ] || fail "$2: $(cat "$work/sup.err")"
		sleep 0.02
	done
}
: >"$work/sup.err"
DSP_SUPERVISE_STALL_S=1 "$engine" --supervise --state "$region" \
	--graph "$data/chain4.json" --name eng --no-mlock --osc-port "$osc_port" \
	>"$work/sup.out" 2>"$work/sup.err" &
sup_pid=$!
wait_readies 1 "supervised engine not ready"
expect_done set g3 gain -8
# A kill with the server running: restarted, nothing said about the server
kill -KILL "$(running)"
wait_readies 2 "restarted engine not ready"
sleep 1.5 # Past the stall bound
grep -q "JACK server" "$work/sup.err" &&
	fail "a running server was reported: $(cat "$work/sup.err")"
pass "a SIGKILL with the server running: restarted, the server not reported"
# Stall the server, then kill the engine
kill -STOP "$jackd_pid"
kill -KILL "$(running)"
wait_for "$work/sup.err" "is stalled" 15 ||
	{ kill -CONT "$jackd_pid"; fail "stall not reported: $(cat "$work/sup.err")"; }
line=$(grep "is stalled" "$work/sup.err")
echo "$line" | grep -q "JACK server \"$JACK_DEFAULT_SERVER\"" ||
	{ kill -CONT "$jackd_pid"; fail "the stall line does not name the server: $line"; }
[ "$(grep -c "is stalled" "$work/sup.err")" -eq 1 ] ||
	{ kill -CONT "$jackd_pid"; fail "reported more than once: $(cat "$work/sup.err")"; }
pass "stalled server reported in one line: $line"
kill -CONT "$jackd_pid"
wait_readies 3 "engine not ready after SIGCONT"
wait_for "$work/sup.err" "the engine runs again" 10 || fail "no recovery line: $(cat "$work/sup.err")"
expect_get() {
	got=$(ctl get "$1" "$2" | awk '{ print $4 }')
	[ "$got" = "$3" ] || fail "$1.$2 = $got, expected $3: $(cat "$work/sup.err")"
}
expect_get g3 gain -8
pass "after SIGCONT the supervised engine resumed (g3.gain -8)"
kill -TERM $sup_pid
wait $sup_pid || fail "supervisor exit status: $(cat "$work/sup.err")"
sup_pid=""
echo "checkpoint limits: $checks checks passed"
