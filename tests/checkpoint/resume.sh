#!/bin/sh
# Resuming (docs/checkpoint.md): LV2 state and Faust parameters survive a
# SIGKILL; a corrupt or foreign region is reported in one line and the
# engine starts from --graph; --resume auto|always|never; --supervise
# restarts a killed engine, which resumes.
# usage: resume.sh DSPENGINE SOURCE_ROOT DSPCTL DSPSTATE
engine=$1
root=$2
dspctl=$3
dspstate=$4
. "$root/tests/cli/lib.sh"
. "$root/tests/jack/lib.sh"
. "$root/tests/osc/lib.sh"

data="$root/tests/checkpoint/data"
region=/dev/shm/dsptest-resume-$$
sup_pid=""
trap '[ -n "$sup_pid" ] && kill $sup_pid 2>/dev/null; rm -f "$region"; cleanup_jack' EXIT
rm -f "$region"
start_jackd 256

. "$root/tests/checkpoint/lib.sh"

# expect_get NODE PARAM VALUE
expect_get() {
	got=$(ctl get "$1" "$2" | awk '{ print $4 }')
	awk "BEGIN { exit !($got == $3) }" ||
		fail "$1.$2 = $got, expected $3: $(cat "$work/engine.err")"
}

playing() {
	ctl status | grep -q "$1" || fail "not playing $1: $(ctl status)"
}

inspect_json() {
	"$engine" --inspect-state "$region" --json >"$work/cp.json" ||
		fail "inspect: $(cat "$work/cp.json")"
}

# --- LV2 state round trip (eg-params has state) and LV2 control ports
run --graph "$data/egp.json"
expect_done set a gain -7
inspect_json
state1=$(jq -r '.checkpoint.states[] | select(.node == "p") | .state' "$work/cp.json")
[ -n "$state1" ] || fail "no LV2 state for node p in the checkpoint"
pass "LV2 state of eg-params in the checkpoint ($(printf %s "$state1" | wc -c) bytes)"
crash
# Change the saved state (as if the plugin had been edited): the resumed
# plugin must take it, and save it back as it was restored
jq '.checkpoint | .states |= map(.state |= (sub("\"Hello, world\""; "\"resumed\"") | sub("#int> \"0\""; "#int> \"42\"")))' \
	"$work/cp.json" >"$work/edited.json"
"$dspstate" write "$region" "$work/edited.json" >/dev/null || fail "dspstate write"
want=$(jq -r '.states[] | select(.node == "p") | .state' "$work/edited.json")
printf %s "$want" | grep -q '"resumed"' || fail "state edit did not apply"
run
grep -q "resuming checkpoint: graph egp" "$work/engine.err" || fail "not resumed"
grep -q "cannot restore" "$work/engine.err" && fail "state not restored: $(cat "$work/engine.err")"
expect_get a gain -7
inspect_json
state2=$(jq -r '.checkpoint.states[] | select(.node == "p") | .state' "$work/cp.json")
[ "$want" = "$state2" ] ||
	fail "LV2 state not restored: saved after resume: $state2; expected: $want"
pass "LV2 state restored into eg-params (string and int changed) and saved back; eg-amp gain -7 resumed"
crash

# --- Faust parameters
run --resume never --graph "$root/graphs/reverb.json"
expect_done set verb mix 0.55
expect_done set verb decay 4.25
crash
run
expect_get verb mix 0.55
expect_get verb decay 4.25
pass "Faust parameters resumed"
crash

# --- --resume semantics (checkpoint: chain4 with g1 = -12)
run --resume never --graph "$data/chain4.json"
expect_done set g1 gain -12
crash
run --resume never --graph "$data/chain4.json"
grep -q "not resuming the checkpoint: --resume never" "$work/engine.err" ||
	fail "never: $(cat "$work/engine.err")"
expect_get g1 gain 0
pass "--resume never starts from --graph"
expect_done set g1 gain -12
crash
run --graph "$data/chain4.json"
grep -q "resuming checkpoint" "$work/engine.err" || fail "auto, same graph: not resumed"
expect_get g1 gain -12
pass "--resume auto with the checkpoint's own --graph resumes it"
crash
run --resume always --graph "$data/alt.json"
playing chain4
expect_get g1 gain -12
pass "--resume always resumes the checkpoint over another --graph"
crash
run --graph "$data/alt.json"
grep -q "not resuming the checkpoint: --graph differs" "$work/engine.err" ||
	fail "auto, other graph: $(cat "$work/engine.err")"
playing alt
expect_done set h2 gain -3
pass "--resume auto with another --graph starts from it"
crash
run
playing alt
expect_get h2 gain -3
pass "no --graph: the checkpoint is resumed"
stop_engine
"$engine" --inspect-state "$region" | grep -q "clean shutdown" ||
	fail "orderly exit not marked clean"
pass "orderly exit writes a clean checkpoint"

# --- corrupt slots: one line, start from --graph, checkpoints go on
printf 'garbage!' | dd of="$region" bs=1 seek=$((4096 + 64)) conv=notrunc 2>/dev/null
printf 'garbage!' | dd of="$region" bs=1 seek=$((4096 + 8384512 + 64)) conv=notrunc 2>/dev/null
run --graph "$data/chain4.json"
line=$(grep "state region" "$work/engine.err")
n=$(grep -c "state region" "$work/engine.err")
[ "$n" -eq 1 ] || fail "expected one line about the region: $(cat "$work/engine.err")"
grep -q "no valid checkpoint" "$work/engine.err" || fail "$(cat "$work/engine.err")"
playing chain4
expect_done set g2 gain -5
crash
run
expect_get g2 gain -5
pass "corrupt slots: one line ($line), started from --graph, then checkpoints resume"
crash

# --- foreign region: one line, start from --graph, region left alone
head -c 65536 /dev/urandom >"$region"
cp "$region" "$work/foreign"
run --graph "$data/chain4.json"
grep -q "state region.*not a dspengine state region" "$work/engine.err" ||
	fail "foreign: $(cat "$work/engine.err")"
playing chain4
expect_done set g1 gain -1
crash
cmp -s "$region" "$work/foreign" || fail "a foreign region was overwritten"
pass "foreign region: reported, engine started from --graph, region untouched"
rm -f "$region"

# --- --supervise: a SIGKILLed engine is restarted and resumes
: >"$work/sup.err"
"$engine" --supervise --state "$region" --graph "$data/chain4.json" --name eng \
	--no-mlock --osc-port "$osc_port" >"$work/sup.out" 2>"$work/sup.err" &
sup_pid=$!
wait_for "$work/sup.err" "dspengine: ready" 30 || fail "supervised engine not ready"
expect_done set g3 gain -8
wait_for "$work/sup.err" "supervise: engine (pid" 10 || fail "supervisor: no engine runs"
child=$(grep -o "supervise: engine (pid [0-9]*) runs" "$work/sup.err" | tail -1 | tr -cd '0-9')
[ -n "$child" ] || fail "no child of the supervisor"
kill -KILL "$child"
wait_for "$work/sup.err" "restart 1" 10 || fail "not restarted: $(cat "$work/sup.err")"
grep -q "killed by signal 9" "$work/sup.err" || fail "death not logged"
i=0
while [ "$(grep -c "dspengine: ready" "$work/sup.err")" -lt 2 ]; do
	i=$((i + 1))
	[ $i -lt 500 ] || fail "restarted engine not ready: $(cat "$work/sup.err")"
	sleep 0.02
done
expect_get g3 gain -8
pass "--supervise restarted the killed engine and it resumed"
kill -TERM $sup_pid
wait $sup_pid
rc=$?
sup_pid=""
[ $rc -eq 0 ] || fail "supervisor exited with $rc: $(cat "$work/sup.err")"
"$engine" --inspect-state "$region" | grep -q "clean shutdown" ||
	fail "SIGTERM through the supervisor: not an orderly exit"
pass "SIGTERM reaches the engine through the supervisor (clean checkpoint)"
echo "checkpoint resume: $checks checks passed"
