#!/bin/sh
# Every OSC input limit (docs/osc.md "Limits") crossed over real UDP and
# TCP: a /fail naming the limit and the path, and the engine keeps serving.
# usage: limits.sh DSPENGINE SOURCE_ROOT DSPCTL
engine=$1
root=$2
dspctl=$3
. "$root/tests/cli/lib.sh"
. "$root/tests/jack/lib.sh"
. "$root/tests/osc/lib.sh"

start_jackd 256
start_engine --graph "$root/tests/osc/data/trim.json" --name lim --no-mlock \
	--osc-port "$osc_port" --osc-tcp

python3 "$root/tests/osc/limits.py" "$osc_port" "$root/tests/osc/data/trim.json" ||
	fail "OSC limits"
pass "OSC limits crossed, each answered /fail"

ctl status >"$work/out" 2>&1 || fail "status: $(cat "$work/out")"
grep -q "^osc_truncated 1" "$work/out" || fail "dspctl status lacks osc_truncated: $(cat "$work/out")"
engine_alive
pass "engine alive; dspctl status: $(grep '^osc_' "$work/out" | tr '\n' ' ')"
echo "osc limits: $checks checks passed"
