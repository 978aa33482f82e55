#!/bin/sh
# Faulty-node isolation, offline (docs/realtime.md#faulty-nodes): the
# misbehaving Faust fixture (data/misbehave.dsp) runs in parallel with a
# clean path (data/faulty.json: out_l = in_l + bad(in_l), out_r = in_r).
# For each misbehaviour the render must log the node once, stay finite and,
# once the node is muted, equal the clean path exactly; the normal mode
# must log nothing and sound different.
# usage: fault_render.sh DSPENGINE SOURCE_ROOT SIGGEN WAVCMP
engine=$1
root=$2
siggen=$3
wavcmp=$4
. "$root/tests/cli/lib.sh"
graph="$root/tests/faust/data/faulty.json"

"$siggen" "$work/in.wav" --rate 48000 --channels 2 --seconds 2 >/dev/null ||
	fail siggen

# render MODE [BLOCK]: output in $work/out.wav, stderr in $work/err
render() {
	"$engine" --graph "$graph" --input "$work/in.wav" --output "$work/out.wav" \
		--set "bad:mode=$1" --block "${2:-256}" --quiet 2>"$work/err" ||
		fail "render mode $1: $(cat "$work/err")"
}

render 0
[ ! -s "$work/err" ] || fail "mode 0 logged: $(cat "$work/err")"
"$wavcmp" "$work/out.wav" "$work/in.wav" --tol 0.01 >/dev/null &&
	fail "mode 0: the node did nothing"
pass "normal mode: no fault, the node is heard"

for block in 256 64 1000; do
	for mode in 1 2; do
		render $mode $block
		[ "$(grep -c 'fault: node "bad" muted at' "$work/err")" -eq 1 ] ||
			fail "mode $mode: not logged once: $(cat "$work/err")"
		grep -q 'NaN/Inf output' "$work/err" || fail "mode $mode: $(cat "$work/err")"
		# Cut in the very block it appeared: no sample ever differs
		"$wavcmp" "$work/out.wav" "$work/in.wav" --tol 0 >"$work/cmp" ||
			fail "mode $mode block $block: $(cat "$work/cmp")"
		pass "NaN/Inf (mode $mode, block $block): logged, output = clean path from frame 0"
	done
done

for mode in 3 4; do
	render $mode
	[ "$(grep -c 'fault: node "bad" muted at' "$work/err")" -eq 1 ] ||
		fail "mode $mode: not logged once: $(cat "$work/err")"
	t=$(sed -n 's/.*muted at \([0-9.]*\) s.*/\1/p' "$work/err")
	# Detected after the 100 ms hold (at a 256-frame block end), faded out
	# over 5 ms: from then on the output is the clean path, bit for bit
	awk "BEGIN { exit !($t >= 0.100 && $t < 0.106) }" ||
		fail "mode $mode: detected at $t s, expected 0.100-0.106"
	from=$(awk "BEGIN { print int(($t + 0.0051) * 48000) + 1 }")
	"$wavcmp" "$work/out.wav" "$work/in.wav" --tol 0 --from "$from" >"$work/cmp" ||
		fail "mode $mode: $(cat "$work/cmp")"
	pass "mode $mode: $(sed -n 's/.*muted at [0-9.]* s: \([^(]*\).*/\1/p' "$work/err")at $t s; output = clean path from frame $from"
done
grep -q "value 9.9999.e-41" "$work/err" || fail "denormal value: $(cat "$work/err")"
pass "denormal storm reported with its subnormal value"

echo "fault render: $checks checks passed"
