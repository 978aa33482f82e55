#!/bin/sh
# dspengine's command line: rendering, --check, --list-plugins, and errors
# that say where and what.
# usage: cli.sh DSPENGINE SOURCE_ROOT WAVCMP SIGGEN

engine=$1
root=$2
wavcmp=$3
siggen=$4
. "$root/tests/cli/lib.sh"

# Every example graph validates and renders
for g in "$root"/graphs/*.json; do
	"$engine" --check "$g" >"$work/check.txt" || fail "--check $g"
	grep -q ': valid$' "$work/check.txt" || fail "--check $g: not valid"
	"$engine" --check "$g" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["valid"] and d["nodes"]' ||
		fail "--check --json $g"
	"$engine" --graph "$g" --output "$work/out.wav" --quiet || fail "render $g"
	"$wavcmp" "$work/out.wav" "$work/out.wav" >/dev/null || fail "unreadable $g"
	pass "example $(basename "$g") checks and renders"
done

# The demo: built-in signal, summary printed
"$engine" --graph "$root/graphs/reverb.json" --output "$work/demo.wav" >"$work/demo.txt" ||
	fail "demo render"
for key in "graph:" "nodes:" "rendered:" "peak" "rms" "x real time"; do
	grep -qF "$key" "$work/demo.txt" || fail "demo summary lacks '$key'"
done
grep -q 'rendered: 336000 frames, 7.000 s' "$work/demo.txt" ||
	fail "demo: expected 4 s + 3 s tail at 48 kHz: $(cat "$work/demo.txt")"
pass "demo summary"

# On a terminal a progress bar is drawn on stderr; not when piped
if command -v script >/dev/null; then
	script -qec "'$engine' --graph '$root/graphs/reverb.json' --output '$work/tty.wav'" \
		/dev/null >"$work/tty.txt" || fail "render on a terminal"
	grep -qF '] 100%' "$work/tty.txt" || fail "no progress bar on a terminal"
	"$engine" --graph "$root/graphs/reverb.json" --output "$work/tty.wav" \
		2>"$work/piped.txt" >/dev/null || fail "render piped"
	[ ! -s "$work/piped.txt" ] || fail "progress bar drawn when not a terminal"
	pass "progress bar on a terminal only"
fi

# --input/--tail/--block/--rate: length = input + tail, any block size
"$siggen" "$work/in.wav" --rate 44100 --channels 2 --seconds 1
"$engine" --graph "$root/graphs/reverb.json" --input "$work/in.wav" \
	--output "$work/a.wav" --tail 0.5 --block 64 --quiet || fail "render a"
"$engine" --graph "$root/graphs/reverb.json" --input "$work/in.wav" \
	--output "$work/b.wav" --tail 0.5 --block 1000 --rate 44100 --quiet ||
	fail "render b"
"$wavcmp" "$work/a.wav" "$work/b.wav" --tol 1e-6 || fail "block sizes differ"
pass "block 64 and block 1000 render the same"
frames=$("$wavcmp" "$work/a.wav" "$work/a.wav" | sed -n 's/^wavcmp: \([0-9]*\) frames.*/\1/p')
[ "$frames" = 66150 ] || fail "expected 44100 + 22050 frames, got $frames"
pass "tail extends the render"

# Mono input feeds every graph input
"$siggen" "$work/mono.wav" --channels 1 --seconds 0.2
"$engine" --graph "$root/graphs/reverb.json" --input "$work/mono.wav" \
	--output "$work/m.wav" --quiet || fail "mono input"
pass "mono input feeds a stereo graph"

# --set goes through the parameter ring
"$engine" --graph "$root/graphs/reverb.json" --input "$work/in.wav" \
	--output "$work/dry.wav" --set verb:mix=0 --set verb:level=0 --quiet ||
	fail "--set"
pass "--set applies"

# --list-plugins
"$engine" --list-plugins >"$work/list.txt" || fail "--list-plugins"
grep -q 'reverb' "$work/list.txt" || fail "list lacks the Faust reverb"
grep -q 'http://drobilla.net/plugins/mda/Delay' "$work/list.txt" ||
	fail "list lacks mda Delay"
grep -q '^  gain' "$work/list.txt" || fail "list lacks built-in gain"
pass "--list-plugins lists built-ins, Faust effects and LV2 plugins"

# Errors say where and what
printf '{\n  "name": "x",\n  "inputs": [,]\n}\n' >"$work/syntax.json"
expect_error "syntax.json:3:" "$engine" --check "$work/syntax.json"
# A file that is not JSON at all is named, its content not quoted
printf 'root:s3cr3t-hash:19000:0:99999:7:::\n' >"$work/notjson"
expect_error "notjson: not a JSON graph: expected '{' first" "$engine" --check "$work/notjson"
grep -q "s3cr3t" "$work/stderr" && fail "the error quotes the file: $(cat "$work/stderr")"
pass "a non-JSON file's content is not quoted"
cat >"$work/uri.json" <<'JSON'
{"name": "u", "inputs": ["i"], "outputs": ["o"],
 "nodes": [{"id": "d", "kind": "lv2", "uri": "http://drobilla.net/plugins/mda/Dealy"}],
 "connections": []}
JSON
expect_error "at /nodes/0/uri" "$engine" --check "$work/uri.json"
expect_error "http://drobilla.net/plugins/mda/Delay" "$engine" --check "$work/uri.json"
cat >"$work/range.json" <<'JSON'
{"name": "r", "inputs": ["i"], "outputs": ["o"],
 "nodes": [{"id": "v", "kind": "faust", "effect": "reverb", "params": {"mix": 2}}],
 "connections": []}
JSON
expect_error 'at /nodes/0/params/mix: node "v": parameter "mix" value 2 out of range [0, 1]' \
	"$engine" --check "$work/range.json"
cat >"$work/port.json" <<'JSON'
{"name": "p", "inputs": ["i"], "outputs": ["o"],
 "nodes": [{"id": "v", "kind": "faust", "effect": "reverb"}],
 "connections": [{"from": "graph:i", "to": "v:in2"}]}
JSON
expect_error 'no input port "in2" (inputs: in0, in1)' "$engine" --check "$work/port.json"
expect_error "input has 3 channels but graph \"reverb\" has 2 inputs" \
	sh -c "'$siggen' '$work/three.wav' --channels 3 --seconds 0.1 &&
	       '$engine' --graph '$root/graphs/reverb.json' --input '$work/three.wav' --output '$work/x.wav'"
# --rate resamples: a 1 s 44.1 kHz input renders as 1 s at 48 kHz, and a
# 440 Hz sine stays at 440 Hz (zero crossings counted by python)
"$engine" --graph "$root/graphs/reverb.json" --input "$work/in.wav" \
	--output "$work/r48.wav" --rate 48000 --set verb:mix=0 --quiet ||
	fail "render with --rate 48000"
frames=$("$wavcmp" "$work/r48.wav" "$work/r48.wav" | sed -n 's/^wavcmp: \([0-9]*\) frames.*/\1/p')
[ "$frames" = 48000 ] || fail "resampled length: expected 48000 frames, got $frames"
python3 - "$work/sine.wav" <<'PY' || fail "make sine"
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1); w.setsampwidth(2); w.setframerate(44100)
w.writeframes(b"".join(struct.pack("<h", int(16000 * math.sin(2 * math.pi * 440 * i / 44100))) for i in range(44100)))
PY
cat >"$work/thru.json" <<'JSON'
{"name": "thru", "inputs": ["i"], "outputs": ["o"], "nodes": [],
 "connections": [{"from": "graph:i", "to": "graph:o"}]}
JSON
"$engine" --graph "$work/thru.json" --input "$work/sine.wav" \
	--output "$work/sine48.wav" --rate 48000 --quiet || fail "resample sine"
python3 - "$work/sine48.wav" <<'PY' || fail "resampled sine is not 440 Hz at 48 kHz"
import struct, sys
data = open(sys.argv[1], "rb").read()
at = data.index(b"data")
size = struct.unpack("<I", data[at + 4:at + 8])[0]
x = struct.unpack("<%df" % (size // 4), data[at + 8:at + 8 + size])
assert len(x) == 48000, len(x)
mid = x[4800:43200]                       # 0.8 s away from the edges
ups = sum(1 for a, b in zip(mid, mid[1:]) if a < 0 <= b)
freq = ups / 0.8
peak = max(abs(v) for v in mid)
print("resampled: %.1f Hz, peak %.4f" % (freq, peak))
assert abs(freq - 440) <= 1.25, freq
assert abs(peak - 16000 / 32768) < 0.01, peak
PY
pass "--rate resamples the input"
expect_error "cannot read audio" \
	"$engine" --graph "$root/graphs/reverb.json" --input "$work/missing.wav" \
	--output "$work/x.wav"
expect_error "cannot open graph" "$engine" --check "$work/missing.json"
expect_error 'option --block: "0": expected a number from 1 to 8192' \
	"$engine" --graph "$root/graphs/reverb.json" --output "$work/x.wav" --block 0
expect_error 'no parameter "nope"' \
	"$engine" --graph "$root/graphs/reverb.json" --output "$work/x.wav" --set verb:nope=1
expect_error 'unknown option "--frobnicate"' "$engine" --frobnicate

echo "cli: $checks checks passed"
