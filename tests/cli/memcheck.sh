#!/bin/sh
# Offline renders and error paths of every example graph, short enough to
# run under valgrind (meson test --setup valgrind --suite memcheck, where
# "$engine" is the engine under memcheck and any error or leak fails the
# test; tests/meson.build): LV2 plugins, built-in Faust effects, inline
# Faust code compiled by libfaust and then loaded from its machine-code
# cache, fan-out and summing.  Each render must equal the same render by the
# unwrapped engine.
# usage: memcheck.sh DSPENGINE SOURCE_ROOT WAVCMP SIGGEN
engine=$1
root=$2
wavcmp=$3
siggen=$4
. "$root/tests/cli/lib.sh"
# The engine itself, even when "$engine" is wrapped
plain=$1

export DSP_FAUST_CACHE="$work/cache"
"$siggen" "$work/in.wav" --rate 48000 --channels 2 --seconds 0.5 --seed 3 ||
	fail siggen

for g in "$root"/graphs/*.json; do
	name=$(basename "$g" .json)
	"$engine" --check "$g" >"$work/check.txt" || fail "--check $name"
	grep -q ': valid$' "$work/check.txt" || fail "--check $name: not valid"
	"$engine" --graph "$g" --input "$work/in.wav" --output "$work/$name.wav" \
		--tail 0.25 --block 100 --quiet || fail "render $name"
	"$plain" --graph "$g" --input "$work/in.wav" --output "$work/$name-plain.wav" \
		--tail 0.25 --block 100 --quiet || fail "plain render $name"
	"$wavcmp" "$work/$name.wav" "$work/$name-plain.wav" --tol 1e-6 >"$work/cmp.txt" ||
		fail "$name: render differs from the unwrapped engine's: $(cat "$work/cmp.txt")"
	pass "$name: --check and a render ($(cat "$work/cmp.txt"))"
done

# Inline Faust code again: now from the machine-code cache, with --set
ls "$work/cache"/* >/dev/null 2>&1 || fail "no Faust machine code cached"
"$engine" --graph "$root/graphs/faust-code.json" --input "$work/in.wav" \
	--output "$work/cached.wav" --tail 0.25 --block 100 --quiet \
	--set tone:depth=0 || fail "cached render"
"$wavcmp" "$work/cached.wav" "$work/faust-code-plain.wav" --tol 1e-6 >/dev/null &&
	fail "--set tone:depth=0 changed nothing"
pass "libfaust machine-code cache and --set"

# Error paths free what they allocated
printf '{\n  "name": "x",\n  "inputs": [,]\n}\n' >"$work/syntax.json"
expect_error "syntax.json:3:" "$engine" --check "$work/syntax.json"
cat >"$work/uri.json" <<'JSON'
{"name": "u", "inputs": ["i"], "outputs": ["o"],
 "nodes": [{"id": "d", "kind": "lv2", "uri": "http://drobilla.net/plugins/mda/Dealy"}],
 "connections": []}
JSON
expect_error "at /nodes/0/uri" "$engine" --check "$work/uri.json"
cat >"$work/code.json" <<'JSON'
{"name": "c", "inputs": ["i"], "outputs": ["o"],
 "nodes": [{"id": "f", "kind": "faust", "code": "process = _ * ;"}],
 "connections": []}
JSON
expect_error "Faust compilation of" "$engine" --check "$work/code.json"
expect_error 'no parameter "nope"' "$engine" --graph "$root/graphs/lv2-chain.json" \
	--input "$work/in.wav" --output "$work/x.wav" --set echo:nope=1
expect_error "cannot read audio" "$engine" --graph "$root/graphs/reverb.json" \
	--input "$work/missing.wav" --output "$work/x.wav"

echo "memcheck renders: $checks checks passed"
