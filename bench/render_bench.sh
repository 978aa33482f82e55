#!/bin/sh
# Copyright 2026 The dspengine authors
# SPDX-License-Identifier: ISC
#
# render_bench.sh BUILD_DIR [RESULTS.json]
#
# Count, with valgrind's callgrind, the instructions (Ir) it takes to render
# the same audio through:
#   - graphs/lv2-chain.json (4 mda LV2 plugins in series):
#       lv2_floor's bench_run_chain (lilv used directly: the plugins' run()
#       plus the least a host can do), the plugins' run() alone (lv2_floor's
#       bench_run_plugin less its own instructions), the engine's dsp_plan_run and
#       dsp_runtime_process (the whole audio-thread cycle), the whole engine
#       process, and lv2file (with and without --ignore-clipping) / lv2apply
#       applying the 4 plugins one after the other through intermediate
#       files (whole processes, summed);
#   - graphs/reverb.json (the built-in Faust zita reverb):
#       faust_floor's bench_run_faust (compute() called directly), the
#       engine's dsp_plan_run and dsp_runtime_process, and the whole engine
#       process;
# then print Ir per second of audio, the host overhead
# (plan - floor) / floor, the whole-render ratios, and PASS/MISS against the
# targets: host overhead < 3 %, engine <= 0.6 x lv2file.  The lv2file
# baseline is `lv2file --ignore-clipping`: plain lv2file clamps samples over
# 1.0 in the intermediate files, so it does not render the same chain (and
# costs more).  Writes the figures as JSON to RESULTS.json if given.  See
# bench/README.md.
#
# Environment: BENCH_SECONDS (60), BENCH_RATE (48000), BENCH_BLOCK (256),
# BENCH_STRICT=1 (exit 1 when a target is missed), BENCH_KEEP=1 (keep the
# audio files), LV2_PATH (default /usr/lib/lv2).

set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BUILD_DIR [RESULTS.json]" >&2
  exit 2
fi

build=$(cd "$1" && pwd)
json_out=${2:-}
src=$(cd "$(dirname "$0")/.." && pwd)
seconds=${BENCH_SECONDS:-60}
rate=${BENCH_RATE:-48000}
block=${BENCH_BLOCK:-256}
strict=${BENCH_STRICT:-0}
export LV2_PATH="${LV2_PATH:-/usr/lib/lv2}"

overhead_max=3  # percent
ratio_max=0.6   # engine / lv2file, whole render

engine=$build/engine/dspengine
lv2_floor=$build/bench/lv2_floor
faust_floor=$build/bench/faust_floor
siggen=$build/bench/bench_siggen
wavcmp=$build/bench/bench_wavcmp
lv2_graph=$src/graphs/lv2-chain.json
verb_graph=$src/graphs/reverb.json

for tool in valgrind callgrind_annotate lv2file lv2apply; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "error: $tool not found (apt-get install valgrind lv2file lilv-utils)" >&2
    exit 2
  }
done
for prog in "$engine" "$lv2_floor" "$faust_floor" "$siggen" "$wavcmp"; do
  [ -x "$prog" ] || {
    echo "error: $prog not built (ninja -C $build)" >&2
    exit 2
  }
done

work=$build/bench/render-work
rm -rf "$work"
mkdir -p "$work"
started=$(date +%s)

# cg NAME TOGGLE CMD...: run CMD under callgrind (collecting only inside the
# function TOGGLE if not empty) and print the instructions counted
cg() {
  _name=$1
  _toggle=$2
  shift 2
  if ! valgrind --tool=callgrind --callgrind-out-file="$work/$_name.cg" \
    ${_toggle:+"--toggle-collect=$_toggle"} "$@" \
    </dev/null >"$work/$_name.log" 2>&1; then
    echo "error: $_name failed: $*" >&2
    tail -5 "$work/$_name.log" >&2
    return 1
  fi
  _ir=$(sed -n 's/^totals: *//p' "$work/$_name.cg" | head -n 1)
  if [ -z "$_ir" ] || [ "$_ir" = 0 ]; then
    echo "error: $_name: nothing counted${_toggle:+ in $_toggle (inlined or renamed?)}" >&2
    return 1
  fi
  echo "$_ir"
}

# chain_run NAME TOOL: render the chain stage by stage with lv2file or
# lv2apply under callgrind; print the summed Ir.  Output: $work/NAME.wav
chain_run() {
  _cname=$1
  _tool=$2
  _in=$work/in.wav
  _sum=0
  _i=0
  while read -r _uri _params; do
    _i=$((_i + 1))
    _out=$work/$_cname.$_i.wav
    # shellcheck disable=SC2086 # split "SYM:VALUE SYM:VALUE"
    set -- $_params
    _args=
    for _p in "$@"; do
      case $_tool in
      lv2apply) _args="$_args -c ${_p%%:*} ${_p#*:}" ;;
      *) _args="$_args -p $_p" ;;
      esac
    done
    # shellcheck disable=SC2086
    case $_tool in
    lv2apply) _ir=$(cg "$_cname.$_i" "" lv2apply -i "$_in" -o "$_out" $_args "$_uri") ;;
    lv2file) _ir=$(cg "$_cname.$_i" "" lv2file -i "$_in" -o "$_out" -b "$block" $_args "$_uri") ;;
    lv2file-noclip) _ir=$(cg "$_cname.$_i" "" lv2file -i "$_in" -o "$_out" -b "$block" --ignore-clipping $_args "$_uri") ;;
    esac
    [ "$_in" = "$work/in.wav" ] || rm -f "$_in"
    _in=$_out
    _sum=$((_sum + _ir))
  done <"$work/chain.txt"
  mv "$_in" "$work/$_cname.wav"
  echo "$_sum"
}

echo "render benchmark: ${seconds} s stereo at ${rate} Hz, block $block, callgrind Ir"
echo "work directory: $work"

"$siggen" "$work/in.wav" --rate "$rate" --channels 2 --seconds "$seconds"

# The chain as lv2file/lv2apply stages, from the graph itself
"$lv2_floor" --print-chain "$lv2_graph" "$work/in.wav" >"$work/chain.txt"
sed 's/^/  stage: /' "$work/chain.txt"

# lv2apply runs one frame per run() and is the slowest by far: start it
# now on the second core.  Counts do not depend on what else runs.
(chain_run lv2apply lv2apply >"$work/lv2apply.ir" || rm -f "$work/lv2apply.ir") &
apply_pid=$!

echo "measuring (about 2.5 minutes on 2 cores)..."
lv2_floor_ir=$(cg lv2-floor bench_run_chain \
  "$lv2_floor" --block "$block" "$lv2_graph" "$work/in.wav" "$work/lv2-floor.wav")
lv2_run_ir=$(cg lv2-run bench_run_plugin \
  "$lv2_floor" --block "$block" "$lv2_graph" "$work/in.wav" "$work/lv2-run.wav")
lv2_run_self=$(awk -v top=1000 -f "$src/bench/cg_self.awk" "$work/lv2-run.cg" |
  awk '$3 == "lv2_floor:" && $4 == "bench_run_plugin" { gsub(",", "", $1); print $1 }')
lv2_run_ir=$((lv2_run_ir - ${lv2_run_self:-0}))
lv2_plan_ir=$(cg lv2-plan dsp_plan_run \
  "$engine" --graph "$lv2_graph" --input "$work/in.wav" \
  --output "$work/lv2-plan.wav" --block "$block" --quiet)
lv2_rt_ir=$(cg lv2-rt dsp_runtime_process \
  "$engine" --graph "$lv2_graph" --input "$work/in.wav" \
  --output "$work/lv2-rt.wav" --block "$block" --quiet)
lv2_total_ir=$(cg lv2-engine "" \
  "$engine" --graph "$lv2_graph" --input "$work/in.wav" \
  --output "$work/lv2-engine.wav" --block "$block" --quiet)
lv2file_ir=$(chain_run lv2file lv2file)
lv2file_nc_ir=$(chain_run lv2file-noclip lv2file-noclip)

verb_floor_ir=$(cg verb-floor bench_run_faust \
  "$faust_floor" --block "$block" "$verb_graph" "$work/in.wav" "$work/verb-floor.wav")
verb_plan_ir=$(cg verb-plan dsp_plan_run \
  "$engine" --graph "$verb_graph" --input "$work/in.wav" \
  --output "$work/verb-plan.wav" --block "$block" --quiet)
verb_rt_ir=$(cg verb-rt dsp_runtime_process \
  "$engine" --graph "$verb_graph" --input "$work/in.wav" \
  --output "$work/verb-rt.wav" --block "$block" --quiet)
verb_total_ir=$(cg verb-engine "" \
  "$engine" --graph "$verb_graph" --input "$work/in.wav" \
  --output "$work/verb-engine.wav" --block "$block" --quiet)

wait "$apply_pid" || true
if [ ! -s "$work/lv2apply.ir" ]; then
  echo "error: lv2apply chain failed" >&2
  exit 1
fi
lv2apply_ir=$(cat "$work/lv2apply.ir")

# Are they rendering the same thing?  (The floors must match exactly.)
same() { # A B TOL: "yes" or "DIFFERS", and the largest difference
  if _out=$("$wavcmp" "$1" "$2" --tol "$3" 2>&1); then
    _d=${_out#*max diff }
    echo "yes (max diff ${_d%% *}, tolerance $3)"
  else
    echo "DIFFERS: ${_out#wavcmp: }"
  fi
}
cmp_lv2_floor=$(same "$work/lv2-engine.wav" "$work/lv2-floor.wav" 0)
cmp_lv2file=$(same "$work/lv2-engine.wav" "$work/lv2file.wav" 1e-6)
cmp_lv2file_nc=$(same "$work/lv2-engine.wav" "$work/lv2file-noclip.wav" 1e-6)
cmp_lv2apply=$(same "$work/lv2-engine.wav" "$work/lv2apply.wav" 1e-6)
cmp_verb_floor=$(same "$work/verb-engine.wav" "$work/verb-floor.wav" 0)
floors_match=1
case "$cmp_lv2_floor$cmp_verb_floor" in *DIFFERS*) floors_match=0 ;; esac

[ "${BENCH_KEEP:-0}" = 1 ] || rm -f "$work"/*.wav
elapsed=$(($(date +%s) - started))

# Report -------------------------------------------------------------------

awk -v seconds="$seconds" -v rate="$rate" -v block="$block" \
  -v lu="$lv2_run_ir" -v lf="$lv2_floor_ir" -v lp="$lv2_plan_ir" -v lr="$lv2_rt_ir" \
  -v lt="$lv2_total_ir" -v vr="$verb_rt_ir" \
  -v lv2file="$lv2file_ir" -v lv2file_nc="$lv2file_nc_ir" \
  -v lv2apply="$lv2apply_ir" \
  -v vf="$verb_floor_ir" -v vp="$verb_plan_ir" -v vt="$verb_total_ir" \
  -v omax="$overhead_max" -v rmax="$ratio_max" \
  -v c1="$cmp_lv2_floor" -v c2="$cmp_lv2file" -v c3="$cmp_lv2apply" \
  -v c4="$cmp_verb_floor" -v c5="$cmp_lv2file_nc" -v elapsed="$elapsed" -v json="$json_out" \
  -v floors_match="$floors_match" '
function commas(n,    s, r) {
  s = sprintf("%.0f", n)
  r = ""
  while (length(s) > 3) {
    r = "," substr(s, length(s) - 2) r
    s = substr(s, 1, length(s) - 3)
  }
  return s r
}
function row(what, ir, floor) {
  printf "  %-40s %15s %10.2f M", what, commas(ir), ir / seconds / 1e6
  if (floor > 0) printf "   %6.3fx", ir / floor
  printf "\n"
}
function verdict(ok) { return ok ? "PASS" : "MISS" }
BEGIN {
  frames = seconds * rate
  blocks = int((frames + block - 1) / block)
  lo = (lp - lf) / lf * 100
  vo = (vp - vf) / vf * 100
  lro = (lr - lf) / lf * 100
  vro = (vr - vf) / vf * 100
  r_file = lt / lv2file
  r_file_nc = lt / lv2file_nc
  r_apply = lt / lv2apply
  ok_lo = lo < omax
  ok_vo = vo < omax
  ok_lro = lro < omax
  ok_vro = vro < omax
  ok_r = r_file_nc <= rmax

  printf "\n  %-40s %15s %12s %10s\n", "", "Ir", "Ir/s audio", "vs floor"
  print "LV2 chain (graphs/lv2-chain.json: mda Overdrive > Delay > Stereo > Limiter)"
  row("floor: lv2_floor bench_run_chain", lf, lf)
  row("plugins run() alone", lu, lf)
  row("engine: dsp_plan_run", lp, lf)
  row("engine: dsp_runtime_process", lr, lf)
  row("engine: whole process", lt, lf)
  row("lv2file --ignore-clipping -b " block " x4", lv2file_nc, lf)
  row("lv2file -b " block " x4 (clamps at 1.0)", lv2file, lf)
  row("lv2apply x4 (1 frame per run)", lv2apply, lf)
  print "Reverb (graphs/reverb.json: built-in Faust zita_rev1)"
  row("floor: faust_floor bench_run_faust", vf, vf)
  row("engine: dsp_plan_run", vp, vf)
  row("engine: dsp_runtime_process", vr, vf)
  row("engine: whole process", vt, vf)

  print "\nTargets"
  fo = "  %-46s %7.2f %%  %5.0f Ir/block   < %g %%    %s\n"
  fr = "  %-46s %7.3fx                    %s\n"
  printf fo, "LV2 host overhead: dsp_plan_run vs floor", lo, (lp - lf) / blocks, omax, verdict(ok_lo)
  printf fo, "LV2 host overhead: dsp_runtime_process", lro, (lr - lf) / blocks, omax, verdict(ok_lro)
  printf fo, "Reverb host overhead: dsp_plan_run vs floor", vo, (vp - vf) / blocks, omax, verdict(ok_vo)
  printf fo, "Reverb host overhead: dsp_runtime_process", vro, (vr - vf) / blocks, omax, verdict(ok_vro)
  fi = "  %-46s %7.2f %%  %5.0f Ir/block              (info)\n"
  printf fi, "LV2 engine - plugins run(): dsp_plan_run", (lp - lu) / lu * 100, (lp - lu) / blocks
  printf fi, "LV2 engine - plugins run(): runtime_process", (lr - lu) / lu * 100, (lr - lu) / blocks
  printf fr, "Whole render: engine / lv2file --ignore-clip", r_file_nc, "<= " rmax "x   " verdict(ok_r)
  printf fr, "Whole render: engine / lv2file (clamping)", r_file, "(info)"
  printf fr, "Whole render: engine / lv2apply", r_apply, "(info)"

  print "\nSame output?"
  printf "  %-32s %s\n", "engine vs lv2_floor (LV2):", c1
  printf "  %-32s %s\n", "engine vs lv2file --ignore-clip:", c5
  printf "  %-32s %s\n", "engine vs lv2file (clamping):", c2
  printf "  %-32s %s\n", "engine vs lv2apply chain:", c3
  printf "  %-32s %s\n", "engine vs faust_floor (reverb):", c4
  printf "\n%d blocks of %d frames; measured in %d s\n", blocks, block, elapsed

  if (json != "") {
    printf "{\n" > json
    printf "  \"seconds\": %s,\n  \"rate\": %s,\n  \"channels\": 2,\n", seconds, rate > json
    printf "  \"block\": %s,\n  \"blocks\": %d,\n", block, blocks > json
    printf "  \"lv2_chain\": {\n" > json
    printf "    \"floor_ir\": %.0f,\n    \"plan_ir\": %.0f,\n", lf, lp > json
    printf "    \"runtime_ir\": %.0f,\n", lr > json
    printf "    \"plugins_run_ir\": %.0f,\n", lu > json
    printf "    \"plan_over_run_pct\": %.4f,\n", (lp - lu) / lu * 100 > json
    printf "    \"runtime_over_run_pct\": %.4f,\n", (lr - lu) / lu * 100 > json
    printf "    \"engine_total_ir\": %.0f,\n", lt > json
    printf "    \"lv2file_total_ir\": %.0f,\n", lv2file > json
    printf "    \"lv2file_ignore_clipping_total_ir\": %.0f,\n", lv2file_nc > json
    printf "    \"lv2apply_total_ir\": %.0f,\n", lv2apply > json
    printf "    \"floor_ir_per_s\": %.0f,\n", lf / seconds > json
    printf "    \"plan_ir_per_s\": %.0f,\n", lp / seconds > json
    printf "    \"engine_total_ir_per_s\": %.0f,\n", lt / seconds > json
    printf "    \"lv2file_total_ir_per_s\": %.0f,\n", lv2file / seconds > json
    printf "    \"lv2apply_total_ir_per_s\": %.0f,\n", lv2apply / seconds > json
    printf "    \"host_overhead_pct\": %.4f,\n", lo > json
    printf "    \"runtime_overhead_pct\": %.4f,\n", lro > json
    printf "    \"ratio_lv2file\": %.4f,\n", r_file > json
    printf "    \"ratio_lv2file_ignore_clipping\": %.4f,\n", r_file_nc > json
    printf "    \"ratio_lv2apply\": %.4f\n  },\n", r_apply > json
    printf "  \"reverb\": {\n" > json
    printf "    \"floor_ir\": %.0f,\n    \"plan_ir\": %.0f,\n", vf, vp > json
    printf "    \"runtime_ir\": %.0f,\n", vr > json
    printf "    \"engine_total_ir\": %.0f,\n", vt > json
    printf "    \"floor_ir_per_s\": %.0f,\n", vf / seconds > json
    printf "    \"plan_ir_per_s\": %.0f,\n", vp / seconds > json
    printf "    \"engine_total_ir_per_s\": %.0f,\n", vt / seconds > json
    printf "    \"host_overhead_pct\": %.4f,\n", vo > json
    printf "    \"runtime_overhead_pct\": %.4f\n  },\n", vro > json
    printf "  \"targets\": {\n" > json
    printf "    \"host_overhead_pct_max\": %s,\n", omax > json
    printf "    \"ratio_lv2file_max\": %s,\n", rmax > json
    printf "    \"ratio_baseline\": \"lv2file --ignore-clipping\",\n" > json
    printf "    \"lv2_overhead\": \"%s\",\n", verdict(ok_lo) > json
    printf "    \"lv2_runtime_overhead\": \"%s\",\n", verdict(ok_lro) > json
    printf "    \"reverb_overhead\": \"%s\",\n", verdict(ok_vo) > json
    printf "    \"reverb_runtime_overhead\": \"%s\",\n", verdict(ok_vro) > json
    printf "    \"ratio_lv2file\": \"%s\"\n  },\n", verdict(ok_r) > json
    printf "  \"floors_match_engine\": %s\n}\n", floors_match ? "true" : "false" > json
    close(json)
    print "results written to " json
  }
  exit (ok_lo && ok_vo && ok_lro && ok_vro && ok_r) ? 0 : 3
}' && all_pass=1 || all_pass=0

# Where the instructions go: self cost by object and by function
breakdown() { # TITLE NAME
  echo "  $1 ($work/$2.cg)"
  awk -v top=6 -f "$src/bench/cg_self.awk" "$work/$2.cg"
}
echo
echo "Where the engine's instructions go (self cost)"
breakdown "LV2 chain, inside dsp_plan_run" lv2-plan
breakdown "LV2 chain, inside dsp_runtime_process" lv2-rt
breakdown "LV2 chain, whole process" lv2-engine
breakdown "reverb, inside dsp_runtime_process" verb-rt
breakdown "reverb, whole process" verb-engine

if [ "$floors_match" = 0 ]; then
  echo "WARNING: a floor does not render what the engine renders: the" \
    "overhead figures compare different work" >&2
fi
if [ "$strict" = 1 ] && { [ "$all_pass" = 0 ] || [ "$floors_match" = 0 ]; }; then
  exit 1
fi
exit 0
