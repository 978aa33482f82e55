#!/bin/sh
# A graph mixing LV2 and Faust nodes renders what the composition of its
# parts predicts: each part is rendered on its own (LV2 parts by lv2apply,
# an independent host), then composed with wavmix, and compared with the
# whole graph within 1e-6.
# usage: composition.sh DSPENGINE SOURCE_ROOT WAVCMP SIGGEN WAVMIX

engine=$1
root=$2
wavcmp=$3
siggen=$4
wavmix=$5
. "$root/tests/cli/lib.sh"

command -v lv2apply >/dev/null || fail "lv2apply (lilv-utils) is not installed"
"$siggen" "$work/in.wav" --rate 48000 --channels 2 --seconds 2 --seed 7

# faust_part NAME EFFECT PARAMS_JSON: render one built-in effect alone
faust_part() {
	cat >"$work/$1.json" <<JSON
{"name": "$1", "inputs": ["l", "r"], "outputs": ["l", "r"],
 "nodes": [{"id": "fx", "kind": "faust", "effect": "$2", "params": $3}],
 "connections": [
  {"from": "graph:l", "to": "fx:in0"}, {"from": "graph:r", "to": "fx:in1"},
  {"from": "fx:out0", "to": "graph:l"}, {"from": "fx:out1", "to": "graph:r"}]}
JSON
	"$engine" --graph "$work/$1.json" --input "$4" --output "$work/$1.wav" \
		--quiet || fail "render part $1"
}

# 1. parallel.json: dry, Faust chorus and LV2 mda Delay, fanned out from
#    the inputs and summed per channel by mix nodes at -3, -6, -9 dB.
"$engine" --graph "$root/graphs/parallel.json" --input "$work/in.wav" \
	--output "$work/parallel.wav" --quiet || fail "render parallel"
faust_part chorus chorus '{"mix": 1}' "$work/in.wav"
lv2apply -i "$work/in.wav" -o "$work/delay.wav" \
	-c l_delay 0.3 -c r_delay 0.45 -c feedback 0.4 -c fx_mix 1 \
	http://drobilla.net/plugins/mda/Delay || fail "lv2apply mda Delay"
"$wavmix" "$work/predicted.wav" "$work/in.wav:-3" "$work/chorus.wav:-6" \
	"$work/delay.wav:-9" || fail "wavmix"
"$wavcmp" "$work/parallel.wav" "$work/predicted.wav" --tol 1e-6 ||
	fail "parallel.json differs from dry + chorus + delay"
pass "parallel branches (fan-out, fan-in, LV2 + Faust) = sum of the parts"

# 2. mixed-chain.json: Faust EQ -> LV2 Overdrive -> Faust delay -> LV2 Limiter
"$engine" --graph "$root/graphs/mixed-chain.json" --input "$work/in.wav" \
	--output "$work/chain.wav" --quiet || fail "render mixed-chain"
faust_part eq eq '{"lowgain": 3, "p1freq": 800, "p1gain": -4, "highgain": 2}' \
	"$work/in.wav"
lv2apply -i "$work/eq.wav" -o "$work/drive.wav" \
	-c drive 0.3 -c muffle 0.2 -c output 0.45 \
	http://drobilla.net/plugins/mda/Overdrive || fail "lv2apply Overdrive"
faust_part echo delay '{"time": 375, "feedback": 0.35, "mix": 0.25}' \
	"$work/drive.wav"
lv2apply -i "$work/echo.wav" -o "$work/limit.wav" \
	-c thresh 0.7 -c output 0.6 \
	http://drobilla.net/plugins/mda/Limiter || fail "lv2apply Limiter"
"$wavcmp" "$work/chain.wav" "$work/limit.wav" --tol 1e-6 ||
	fail "mixed-chain.json differs from its parts applied in turn"
pass "mixed LV2/Faust chain = its parts applied one after another"

# 3. The comparison can fail: a changed parameter is detected
"$engine" --graph "$root/graphs/parallel.json" --input "$work/in.wav" \
	--output "$work/changed.wav" --set mix_r:level2=-8.9 --quiet ||
	fail "render changed"
if "$wavcmp" "$work/changed.wav" "$work/predicted.wav" --tol 1e-6 >/dev/null; then
	fail "a 0.1 dB change went unnoticed"
fi
pass "a 0.1 dB change in one branch is detected"

echo "composition: $checks checks passed"
