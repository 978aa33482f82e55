#!/bin/sh
# Copyright 2026 The dspengine authors
# SPDX-License-Identifier: ISC
#
# jack_bench.sh BUILD_DIR [RESULTS.tsv]
#
# Live JACK benchmark (see bench/jack/README.md).  Under
# `jackd -d dummy -r 48000 -p 64` (a private server per measurement), in one
# run, for jackd in non-real-time and in real-time (-R) mode:
#   empty     jackd alone (the base)
#   passthru  jackd + bench/jack/passthru.c (copies in -> out: the floor of
#             one client)
#   engine    jackd + dspengine running graphs/lv2-chain.json (4 mda LV2
#             plugins) as one client
#   jalv      jackd + the same 4 plugins as 4 `jalv` clients with the graph's
#             control values, chained capture -> j1 -> j2 -> j3 -> j4 ->
#             playback with jack_connect
# each repeated JB_REPEATS times in rotating order.  Per measurement window
# (JB_SECONDS): CPU time of jackd and of the client processes from
# /proc/PID/stat (utime+stime; also /proc/PID/task/*/schedstat in ns),
# per-cycle cost = CPU time / (window x rate / period), jack_cpu_load()
# (sampled by bench/jack/jload.c, a client that is never activated), the
# engine's own --stats, xruns from jackd's log, and how busy the machine was
# (/proc/stat, /proc/loadavg).  Then:
#   - one engine run with --node-times: the plugins' own run() time live;
#   - callgrind (if valgrind is installed): Ir per 64-frame block of the
#     plugins' own run() (lv2_floor's bench_run_plugin less its own few
#     instructions), of lv2_floor's bench_run_chain (the least a host does),
#     of dsp_plan_run and of dsp_runtime_process;
#   - the smallest period (JB_PERIODS) at which the engine runs
#     JB_MINPERIOD_SECONDS with no xrun, with jackd -R.
# Prints a summary and writes every measurement as TSV to RESULTS.tsv
# (default BUILD_DIR/bench/jack-work/results.tsv).
#
# Needs jackd2, libjack-jackd2-dev, a C compiler, mda-lv2, and jalv; jalv is
# installed with apt-get if missing (it is not in the main install script
# because it pulls GTK/Qt libraries).
#
# Environment: JB_SECONDS (20), JB_REPEATS (3), JB_PERIOD (64), JB_RATE
# (48000), JB_MODES ("nrt rt"), JB_SETTLE (3 s before each window),
# JB_MINPERIOD (1: run the smallest-period search), JB_PERIODS
# ("16 32 64 128 256"), JB_MINPERIOD_SECONDS (60), JB_CALLGRIND (1),
# LV2_PATH (default /usr/lib/lv2).

set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BUILD_DIR [RESULTS.tsv]" >&2
  exit 2
fi

build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
work=$build/bench/jack-work
tsv=${2:-$work/results.tsv}
seconds=${JB_SECONDS:-20}
repeats=${JB_REPEATS:-3}
period=${JB_PERIOD:-64}
rate=${JB_RATE:-48000}
modes=${JB_MODES:-nrt rt}
settle=${JB_SETTLE:-3}
do_minperiod=${JB_MINPERIOD:-1}
periods=${JB_PERIODS:-16 32 64 128 256}
minperiod_seconds=${JB_MINPERIOD_SECONDS:-60}
do_callgrind=${JB_CALLGRIND:-1}
# CPUs that jackd and every client run on (taskset -c), "all" for no pinning.
# The default, one core, is the engine's own deployment: one isolated core
# (one vCPU in the guest) running the server and the engine.  It also spares
# every configuration the cross-core wake-ups (IPIs) that otherwise dominate
# a client's cost on a VM; see README.md.
cpus=${JB_CPUS:-1}
case $cpus in
all | "") pin= ;;
*) pin="taskset -c $cpus" ;;
esac
export LV2_PATH="${LV2_PATH:-/usr/lib/lv2}"
export JACK_NO_AUDIO_RESERVATION=1

engine=$build/engine/dspengine
lv2_floor=$build/bench/lv2_floor
siggen=$build/bench/bench_siggen
graph=$src/graphs/lv2-chain.json

# Targets (issue 3)
target_us=22      # engine over the empty server, us per cycle
target_ratio=0.45 # engine / jalv chain, both over the empty server

die() {
  echo "jack_bench: error: $*" >&2
  exit 2
}

# --- Prerequisites ---------------------------------------------------------

apt_install() {
  # apt_install WHY PACKAGE...
  _why=$1
  shift
  if [ "$(id -u)" != 0 ]; then
    die "$* not installed ($_why); as root: apt-get install --no-install-recommends $*"
  fi
  echo "jack_bench: $* not installed: installing it with apt-get ($_why)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2 ||
    die "apt-get install $* failed"
}

for tool in jackd jack_lsp jack_connect jack_wait awk getconf; do
  command -v "$tool" >/dev/null 2>&1 ||
    apt_install "JACK server and tools" jackd2
done
if ! command -v jalv >/dev/null 2>&1; then
  apt_install "the per-plugin-client baseline; it pulls GTK/Qt libraries, so it is not in the project's install script" jalv
fi
command -v jalv >/dev/null 2>&1 || die "jalv still not found after apt-get"
[ -d "$LV2_PATH/mda.lv2" ] || [ -d /usr/lib/lv2/mda.lv2 ] ||
  apt_install "the plugins of graphs/lv2-chain.json" mda-lv2
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || die "no C compiler ($cc)"
pkg-config --exists jack || apt_install "to build passthru and jload" libjack-jackd2-dev pkg-config
for prog in "$engine" "$lv2_floor" "$siggen"; do
  [ -x "$prog" ] || die "$prog not built (meson setup BUILD; ninja -C BUILD; bench must be enabled)"
done

rm -rf "$work"
mkdir -p "$work"
# passthru and jload: built by meson (bench/jack/meson.build) or here
for p in passthru jload; do
  if [ -x "$build/bench/jack/$p" ]; then
    ln -s "$build/bench/jack/$p" "$work/$p"
  else
    # shellcheck disable=SC2046 # pkg-config flags are several words
    "$cc" -O2 -std=gnu11 -Wall -Wextra -o "$work/$p" "$here/$p.c" \
      $(pkg-config --cflags --libs jack) || die "cannot build $p.c"
  fi
done
passthru=$work/passthru
jload=$work/jload

# The chain as one `URI SYMBOL:VALUE...` line per plugin, from the graph.
"$siggen" "$work/one.wav" --rate "$rate" --channels 2 --seconds 1 >/dev/null
"$lv2_floor" --print-chain "$graph" "$work/one.wav" >"$work/chain.txt" ||
  die "lv2_floor --print-chain failed"
n_plugins=$(wc -l <"$work/chain.txt")

clk_tck=$(getconf CLK_TCK)
ncpu=$(nproc)

# --- Process and server helpers --------------------------------------------

jackd_pid=""
client_pids=""
fifo=$work/stdin.fifo
mkfifo "$fifo"
# Held open read-write for the whole run: jalv's console reads stdin and
# exits at end of file, so each jalv reads this never-written FIFO.
exec 9<>"$fifo"

stop_clients() {
  for _p in $client_pids; do
    kill -TERM "$_p" 2>/dev/null || true
  done
  for _p in $client_pids; do
    wait "$_p" 2>/dev/null || true
  done
  client_pids=""
}

stop_jackd() {
  if [ -n "$jackd_pid" ]; then
    kill -TERM "$jackd_pid" 2>/dev/null || true
    wait "$jackd_pid" 2>/dev/null || true
  fi
  jackd_pid=""
}

cleanup() {
  stop_clients
  stop_jackd
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_jackd MODE PERIOD LOG: private server, wait until it runs
server_seq=0
start_jackd() {
  server_seq=$((server_seq + 1))
  JACK_DEFAULT_SERVER="jbench-$$-$server_seq"
  export JACK_DEFAULT_SERVER
  case $1 in
  rt) _rt=-R ;;
  *) _rt=--no-realtime ;;
  esac
  $pin jackd $_rt -d dummy -r "$rate" -p "$2" >"$3" 2>&1 &
  jackd_pid=$!
  _i=0
  while [ "$(jack_wait -c -s "$JACK_DEFAULT_SERVER" 2>/dev/null)" != running ]; do
    _i=$((_i + 1))
    [ $_i -lt 250 ] || die "jackd did not start: $(cat "$3")"
    sleep 0.02
  done
}

# wait_port PORT: wait until the port exists (10 s)
wait_port() {
  _i=0
  while ! jack_lsp 2>/dev/null | grep -qxF "$1"; do
    _i=$((_i + 1))
    [ $_i -lt 500 ] || die "port $1 did not appear"
    sleep 0.02
  done
}

# ports CLIENT input|output: the client's audio ports in registration order
ports() {
  jack_lsp -p 2>/dev/null | awk -v c="$1:" -v dir="$2" '
    /^[^\t]/ { name = $0; next }
    /properties:/ && index(name, c) == 1 && index($0, dir ",") { print name }'
}

connect() {
  jack_connect "$1" "$2" >/dev/null 2>&1 || die "jack_connect $1 $2 failed"
}

# chain_connect FROM_PORTS TO_PORTS: connect the i-th of one list to the
# i-th of the other (newline-separated lists)
chain_connect() {
  _cc_n=$(printf '%s\n' "$1" | grep -c . || true)
  _cc_m=$(printf '%s\n' "$2" | grep -c . || true)
  [ "$_cc_n" = "$_cc_m" ] && [ "$_cc_n" -gt 0 ] ||
    die "cannot chain $_cc_n outputs ($1) to $_cc_m inputs ($2)"
  _cc_k=1
  while [ $_cc_k -le "$_cc_n" ]; do
    connect "$(printf '%s\n' "$1" | sed -n "${_cc_k}p")" "$(printf '%s\n' "$2" | sed -n "${_cc_k}p")"
    _cc_k=$((_cc_k + 1))
  done
}

capture_ports() { jack_lsp 2>/dev/null | grep '^system:capture_' | head -n 2; }
playback_ports() { jack_lsp 2>/dev/null | grep '^system:playback_' | head -n 2; }

# start_config CONFIG RUNDIR [ENGINE_ARGS...]: start the clients, connected
start_config() {
  _cfg=$1
  _dir=$2
  shift 2
  case $_cfg in
  empty) ;;
  passthru)
    $pin "$passthru" --name pt >"$_dir/passthru.log" 2>&1 &
    client_pids=$!
    wait_port pt:out_2
    chain_connect "$(capture_ports)" "$(ports pt input)"
    chain_connect "$(ports pt output)" "$(playback_ports)"
    ;;
  engine)
    $pin "$engine" --graph "$graph" --name eng \
      --connect-in 'system:capture_.*' --connect-out 'system:playback_.*' \
      --stats 1 "$@" >"$_dir/engine.out" 2>"$_dir/engine.err" &
    client_pids=$!
    _i=0
    while ! grep -q 'dspengine: ready' "$_dir/engine.err" 2>/dev/null; do
      _i=$((_i + 1))
      [ $_i -lt 1000 ] || die "engine not ready: $(cat "$_dir/engine.err")"
      sleep 0.02
    done
    ;;
  jalv)
    _k=0
    _prev=$(capture_ports)
    while read -r _uri _params; do
      _k=$((_k + 1))
      _args=
      for _p in $_params; do
        _args="$_args -c ${_p%%:*}=${_p#*:}"
      done
      # shellcheck disable=SC2086 # -c SYM=VAL pairs
      $pin jalv -n "j$_k" $_args "$_uri" <"$fifo" >"$_dir/jalv$_k.log" 2>&1 &
      client_pids="$client_pids $!"
      # wait for the client's last port (jalv registers all before activating)
      _i=0
      while [ -z "$(ports "j$_k" output)" ] || [ -z "$(ports "j$_k" input)" ]; do
        _i=$((_i + 1))
        [ $_i -lt 500 ] || die "jalv j$_k did not start: $(cat "$_dir/jalv$_k.log")"
        sleep 0.02
      done
      sleep 0.2
      chain_connect "$_prev" "$(ports "j$_k" input)"
      _prev=$(ports "j$_k" output)
    done <"$work/chain.txt"
    chain_connect "$_prev" "$(playback_ports)"
    ;;
  *) die "unknown configuration $_cfg" ;;
  esac
}

# cpu_ticks PIDS: utime+stime (clock ticks) summed over the processes
cpu_ticks() {
  _s=0
  for _p in "$@"; do
    _t=$(sed 's/^.*) //' "/proc/$_p/stat" | awk '{ print $12 + $13 }')
    _s=$((_s + _t))
  done
  echo "$_s"
}

# cpu_ns PIDS: run time (ns) of the processes' live threads, from schedstat
cpu_ns() {
  for _p in "$@"; do
    cat /proc/"$_p"/task/*/schedstat 2>/dev/null
  done | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# machine_busy: busy and total jiffies of all CPUs (/proc/stat)
machine_jiffies() {
  awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

now_ns() { date +%s%N; }

# thread_ns PIDS: "PID TID COMM NS" for every live thread (schedstat)
thread_ns() {
  for _p in "$@"; do
    for _t in /proc/"$_p"/task/*; do
      [ -r "$_t/schedstat" ] || continue
      printf '%s %s %s %s\n' "$_p" "${_t##*/}" "$(tr ' ' _ <"$_t/comm")" "$(cut -d' ' -f1 "$_t/schedstat")"
    done
  done
}

xrun_timer() { grep -c 'Process XRun' "$1" 2>/dev/null || true; }
xrun_late() { grep -c 'was not finished' "$1" 2>/dev/null || true; }

# Columns of the TSV (one line per measurement window)
printf 'mode\tconfig\trep\twall_s\tcycles\tjload_frames\tjackd_cpu_s\tclient_cpu_s\tjackd_ns_s\tclient_ns_s\tcpu_pct\tus_cycle\tus_cycle_ns\tjackd_us_cycle\tclient_us_cycle\tjack_load_mean\tjack_load_max\teng_load_pct\teng_cb_us\teng_cb_max_us\teng_nodes_us\teng_xruns\teng_overruns\txrun_timer\txrun_late\tmachine_busy_pct\tothers_pct\tload1_before\tload1_after\n' >"$tsv"

# measure MODE CONFIG REP [ENGINE_ARGS...]: one server, one window
measure() {
  _mode=$1
  _cfg=$2
  _rep=$3
  shift 3
  _dir=$work/$_mode-$_cfg-$_rep
  mkdir -p "$_dir"
  start_jackd "$_mode" "$period" "$_dir/jackd.log"
  _jpid=$jackd_pid
  start_config "$_cfg" "$_dir" "$@"
  sleep "$settle"
  # shellcheck disable=SC2086
  for _p in $jackd_pid $client_pids; do
    kill -0 "$_p" 2>/dev/null || die "$_mode/$_cfg: process $_p died: $(tail -3 "$_dir"/*.log "$_dir"/*.err 2>/dev/null)"
  done
  if [ "$_mode" = rt ]; then
    # shellcheck disable=SC2086
    ps -L -o pid,tid,cls,rtprio,comm -p "$(echo $jackd_pid $client_pids | tr ' ' ,)" >"$_dir/sched.txt" 2>&1 || true
  fi
  _l0=$(cut -d' ' -f1 /proc/loadavg)
  _xt0=$(xrun_timer "$_dir/jackd.log")
  _xl0=$(xrun_late "$_dir/jackd.log")
  _st0=$(grep -c '^stats:' "$_dir/engine.out" 2>/dev/null || true)
  set -- $(machine_jiffies)
  _mb0=$1
  _mt0=$2
  _jt0=$(cpu_ticks "$jackd_pid")
  _jn0=$(cpu_ns "$jackd_pid")
  # shellcheck disable=SC2086
  _ct0=$(cpu_ticks $client_pids)
  # shellcheck disable=SC2086
  _cn0=$(cpu_ns $client_pids)
  # shellcheck disable=SC2086
  thread_ns $jackd_pid $client_pids >"$_dir/threads0.txt"
  _w0=$(now_ns)
  "$jload" "$seconds" >"$_dir/jload.txt" 2>&1 || echo "jload failed" >>"$_dir/jload.txt"
  _w1=$(now_ns)
  # shellcheck disable=SC2086
  thread_ns $jackd_pid $client_pids >"$_dir/threads1.txt"
  _jt1=$(cpu_ticks "$jackd_pid")
  _jn1=$(cpu_ns "$jackd_pid")
  # shellcheck disable=SC2086
  _ct1=$(cpu_ticks $client_pids)
  # shellcheck disable=SC2086
  _cn1=$(cpu_ns $client_pids)
  set -- $(machine_jiffies)
  _mb1=$1
  _mt1=$2
  # let the engine print the stats of the last second of the window
  [ "$_cfg" = engine ] && sleep 1.1
  _st1=$(grep -c '^stats:' "$_dir/engine.out" 2>/dev/null || true)
  _xt1=$(xrun_timer "$_dir/jackd.log")
  _xl1=$(xrun_late "$_dir/jackd.log")
  _l1=$(cut -d' ' -f1 /proc/loadavg)
  stop_clients
  stop_jackd

  # the engine's stats lines printed during the window (one per second)
  _eng="- - - - - -"
  if [ "$_cfg" = engine ]; then
    _eng=$(awk -v a="$_st0" -v b="$_st1" '
      /^stats:/ {
        n++
        if (n <= a || n > b) { skip = 1; next }
        skip = 0
        for (i = 1; i <= NF; i++) {
          if ($i == "load") { v = $(i + 1); sub("%", "", v); load += v }
          if ($i == "avg") cb += $(i + 1)
          if ($i == "max" && $(i + 2) == "us") { if ($(i + 1) > mx) mx = $(i + 1) }
          if ($i == "xruns") { x = $(i + 1); sub(",", "", x); if (first == "") first = x; last = x }
          if ($i == "overruns") { o = $(i + 1); sub(",", "", o); if (ofirst == "") ofirst = o; olast = o }
        }
        k++
        next
      }
      /^  node / && !skip && n > a && n <= b { nodes += $3; nn++ }
      END {
        if (k == 0) { print "- - - - - -"; exit }
        printf "%.2f %.2f %.1f %s %d %d\n", load / k, cb / k, mx,
          nn ? sprintf("%.2f", nodes / k) : "-", last - first, olast - ofirst
      }' "$_dir/engine.out")
  fi
  # per thread: us per cycle over the window (threads that lived throughout)
  awk -v wall="$(((_w1 - _w0) / 1000))" -v rate="$rate" -v period="$period" -v jp="$_jpid" '
    NR == FNR { t0[$2] = $4; next }
    ($2 in t0) { printf "%-8s %-7s %-16s %8.2f us/cycle\n", $1 == jp ? "jackd" : "client", $2, $3, ($4 - t0[$2]) / 1000 / (wall / 1e6 * rate / period) }
  ' "$_dir/threads0.txt" "$_dir/threads1.txt" >"$_dir/threads.txt"
  # shellcheck disable=SC2086
  set -- $_eng
  _jl=$(awk '/^jload:/ { print $5, $9, $13 }' "$_dir/jload.txt")
  [ -n "$_jl" ] || _jl="- - -"
  # shellcheck disable=SC2086
  awk -v mode="$_mode" -v cfg="$_cfg" -v rep="$_rep" \
    -v w0="$_w0" -v w1="$_w1" -v rate="$rate" -v period="$period" \
    -v tck="$clk_tck" -v ncpu="$ncpu" \
    -v jt="$((_jt1 - _jt0))" -v ct="$((_ct1 - _ct0))" \
    -v jn="$((_jn1 - _jn0))" -v cn="$((_cn1 - _cn0))" \
    -v mb="$((_mb1 - _mb0))" -v mt="$((_mt1 - _mt0))" \
    -v jl="$_jl" -v el="$1" -v ecb="$2" -v emx="$3" -v enodes="$4" -v ex="$5" -v eo="$6" \
    -v xt="$((_xt1 - _xt0))" -v xl="$((_xl1 - _xl0))" -v l0="$_l0" -v l1="$_l1" '
    BEGIN {
      wall = (w1 - w0) / 1e9
      cycles = wall * rate / period
      split(jl, j, " ")
      js = jt / tck; cs = ct / tck; jns = jn / 1e9; cns = cn / 1e9
      busy = mb / mt * 100                    # % of the whole machine
      others = busy - (jns + cns) / wall / ncpu * 100
      printf "%s\t%s\t%s\t%.3f\t%.0f\t%s\t%.2f\t%.2f\t%.4f\t%.4f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%.1f\t%.1f\t%s\t%s\n",
        mode, cfg, rep, wall, cycles, j[3], js, cs, jns, cns,
        (js + cs) / wall * 100, (js + cs) / cycles * 1e6, (jns + cns) / cycles * 1e6,
        jns / cycles * 1e6, cns / cycles * 1e6, j[1], j[2],
        el, ecb, emx, enodes, ex, eo, xt, xl, busy, others, l0, l1
    }' >>"$tsv"
  tail -n 1 "$tsv" | awk -F '\t' '{
    printf "  %-3s %-8s rep %s: CPU %6.2f %% of a core, %6.2f us/cycle (schedstat %6.2f; jackd %.2f, clients %.2f), jack load %s, engine load %s%% cb %s us, xruns %s+%s, machine busy %s%% (others %s%%), load %s\n",
      $1, $2, $3, $11, $12, $13, $14, $15, $16, $18, $19, $24, $25, $26, $27, $28 }'
}

# --- Main measurements ---------------------------------------------------------

load_start=$(cat /proc/loadavg)
started=$(date +%s)
echo "jack benchmark: jackd -d dummy -r $rate -p $period, ${seconds} s windows, $repeats repeats, modes: $modes, CPUs: ${pin:-not pinned}"
engine_src=$(sed -n 's/.*"source": *"\([^"]*\)".*/\1/p' "$build/meson-info/meson-info.json" 2>/dev/null | head -n 1)
echo "engine: $engine, built from ${engine_src:-?} ($(git -C "${engine_src:-$src}" describe --always --dirty 2>/dev/null || echo unknown)); graph: $graph"
echo "jalv: $(dpkg-query -W -f '${Version}' jalv 2>/dev/null || echo '?'), jackd2: $(dpkg-query -W -f '${Version}' jackd2 2>/dev/null || echo '?')"
echo "machine: $ncpu CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), load at start: $load_start"
echo "work directory: $work"
echo "chain ($n_plugins plugins):"
sed 's/^/  /' "$work/chain.txt"

configs=${JB_CONFIGS:-empty passthru engine jalv}
for mode in $modes; do
  rep=1
  while [ $rep -le "$repeats" ]; do
    # rotate the order so slow drifts in the machine's load spread over all
    order=$configs
    r=1
    while [ $r -lt $rep ]; do
      # shellcheck disable=SC2086
      set -- $order
      first=$1
      shift
      order="$* $first"
      r=$((r + 1))
    done
    for cfg in $order; do
      measure "$mode" "$cfg" "$rep"
    done
    rep=$((rep + 1))
  done
  # the plugins' own run() time, live, at the same period
  echo "  $mode: engine with --node-times (plugins' run() time per cycle):"
  measure "$mode" engine nodes --node-times
done

# --- Instructions (callgrind) ------------------------------------------------

cg_run="-"
cg_floor="-"
cg_plan="-"
cg_rt="-"
cg_blocks=0
if [ "$do_callgrind" = 1 ] && command -v valgrind >/dev/null 2>&1; then
  echo "callgrind: 10 s of audio in $period-frame blocks..."
  "$siggen" "$work/cg.wav" --rate "$rate" --channels 2 --seconds 10 >/dev/null
  cg_blocks=$((10 * rate / period))
  cg() {
    _n=$1
    _t=$2
    shift 2
    valgrind --tool=callgrind --callgrind-out-file="$work/$_n.cg" \
      --toggle-collect="$_t" "$@" </dev/null >"$work/$_n.cglog" 2>&1 || {
      echo "-"
      return 0
    }
    sed -n 's/^totals: *//p' "$work/$_n.cg" | head -n 1
  }
  # the plugins' run() alone: bench_run_plugin less its own instructions
  cg_run=$(cg run bench_run_plugin "$lv2_floor" --block "$period" "$graph" "$work/cg.wav" "$work/cg-run.wav")
  if [ "$cg_run" != "-" ]; then
    wrapper=$(awk -v top=1000 -f "$src/bench/cg_self.awk" "$work/run.cg" |
      awk '$3 == "lv2_floor:" && $4 == "bench_run_plugin" { gsub(",", "", $1); print $1 }')
    cg_run=$((cg_run - ${wrapper:-0}))
  fi
  cg_floor=$(cg floor bench_run_chain "$lv2_floor" --block "$period" "$graph" "$work/cg.wav" "$work/cg-floor.wav")
  cg_plan=$(cg plan dsp_plan_run "$engine" --graph "$graph" --input "$work/cg.wav" --output "$work/cg-plan.wav" --block "$period" --quiet)
  cg_rt=$(cg rt dsp_runtime_process "$engine" --graph "$graph" --input "$work/cg.wav" --output "$work/cg-rt.wav" --block "$period" --quiet)
fi

# --- Smallest period without xruns (jackd -R) ---------------------------------------

mp_lines=""
mp_result="not run"
if [ "$do_minperiod" = 1 ]; then
  mp_result="none of: $periods"
  echo "smallest period: engine ${minperiod_seconds} s per period, jackd -R (stops at the first clean period)"
  for p in $periods; do
    d=$work/minperiod-$p
    mkdir -p "$d"
    start_jackd rt "$p" "$d/jackd.log"
    start_config engine "$d"
    sleep "$settle"
    x0=$(($(xrun_timer "$d/jackd.log") + $(xrun_late "$d/jackd.log")))
    s0=$(grep -c '^stats:' "$d/engine.out" || true)
    l0=$(cut -d' ' -f1 /proc/loadavg)
    sleep "$minperiod_seconds"
    sleep 1.1
    x1=$(($(xrun_timer "$d/jackd.log") + $(xrun_late "$d/jackd.log")))
    l1=$(cut -d' ' -f1 /proc/loadavg)
    stop_clients
    stop_jackd
    ov=$(awk -v a="$s0" '/^stats:/ { n++; for (i = 1; i <= NF; i++) if ($i == "overruns") { o = $(i + 1); sub(",", "", o); if (n == a) o0 = o; last = o } } END { print last - o0 }' "$d/engine.out")
    mx=$(awk '/^stats:/ { for (i = 1; i <= NF; i++) if ($i == "(ever") m = $(i + 1) } END { print m }' "$d/engine.out")
    xr=$((x1 - x0))
    line="period $p: $xr xruns in ${minperiod_seconds} s (jackd log), engine overruns $ov, max callback ${mx} us, load $l0 -> $l1"
    echo "  $line"
    mp_lines="$mp_lines$line
"
    if [ "$xr" = 0 ] && [ "$ov" = 0 ]; then
      mp_result="$p frames ($(awk -v p="$p" -v r="$rate" 'BEGIN { printf "%.2f", p / r * 1000 }') ms)"
      break
    fi
    # the same period with no client: are these the driver's own xruns?
    start_jackd rt "$p" "$d/jackd-empty.log"
    sleep "$settle"
    e0=$(($(xrun_timer "$d/jackd-empty.log") + $(xrun_late "$d/jackd-empty.log")))
    sleep "$seconds"
    e1=$(($(xrun_timer "$d/jackd-empty.log") + $(xrun_late "$d/jackd-empty.log")))
    stop_jackd
    line="period $p, control: empty server: $((e1 - e0)) xruns in ${seconds} s"
    echo "  $line"
    mp_lines="$mp_lines$line
"
  done
fi

# --- Summary -------------------------------------------------------------------------

load_end=$(cat /proc/loadavg)
echo
echo "=== Summary (median [min..max] over $repeats repeats; cost per ${period}-frame cycle = CPU time of jackd + clients / cycles) ==="
awk -F '\t' -v tus="$target_us" -v tratio="$target_ratio" \
  -v cyc="$(awk -v p="$period" -v r="$rate" 'BEGIN { print p / r * 1e6 }')" \
  -v cgu="$cg_run" -v cgf="$cg_floor" -v cgp="$cg_plan" -v cgr="$cg_rt" -v cgb="$cg_blocks" '
  function sort(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t } }
  function med(s,   a, n) { n = split(s, a, " "); if (n == 0) return "-"; sort(a, n); return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  function lo(s,   a, n) { n = split(s, a, " "); sort(a, n); return a[1] }
  function hi(s,   a, n) { n = split(s, a, " "); sort(a, n); return a[n] }
  function mmr(s, f) { if (s == "") return "-"; return sprintf(f " [" f ".." f "]", med(s), lo(s), hi(s)) }
  NR == 1 { next }
  {
    m = $1; c = $2; r = $3
    if (!(m in seen)) { seen[m] = 1; ms[++nm] = m }
    if (r == "nodes") {
      nodes[m] = $21; nodecb[m] = $19; nodeus[m] = $12
      next
    }
    k = m SUBSEP c
    us[k] = us[k] " " $12; usn[k] = usn[k] " " $13; pct[k] = pct[k] " " $11
    jus[k] = jus[k] " " $14; cus[k] = cus[k] " " $15
    if ($16 != "-") jload[k] = jload[k] " " $16
    if ($18 != "-") eload[k] = eload[k] " " $18
    if ($19 != "-") ecb[k] = ecb[k] " " $19
    xt[k] += $24; xl[k] += $25
    oth[k] = oth[k] " " $27
    val[m, c, r] = $12
    reps[m, r] = 1
  }
  END {
    split("empty passthru engine jalv", cf, " ")
    for (i = 1; i <= nm; i++) {
      m = ms[i]
      # paired differences over the empty server, and ratios, per repeat
      for (key in reps) {
        split(key, kk, SUBSEP); if (kk[1] != m) continue; r = kk[2]
        if (!((m, "empty", r) in val)) continue
        e = val[m, "empty", r]
        for (j = 2; j <= 4; j++) if ((m, cf[j], r) in val) net[m, cf[j]] = net[m, cf[j]] " " val[m, cf[j], r] - e
        if ((m, "engine", r) in val && (m, "jalv", r) in val && val[m, "jalv", r] - e > 0)
          ratio[m] = ratio[m] " " (val[m, "engine", r] - e) / (val[m, "jalv", r] - e)
      }
      printf "\n[%s] jackd %s\n", m, m == "rt" ? "-R (SCHED_FIFO)" : "--no-realtime"
      printf "%-9s %-22s %-22s %-22s %-20s %-20s %-18s %-14s %-12s %-10s\n", "config", "CPU % of a core", "us/cycle total", "us/cycle over empty", "jackd us/cycle", "clients us/cycle", "jack_cpu_load %", "engine load %", "xruns t+l", "others %"
      for (j = 1; j <= 4; j++) {
        k = m SUBSEP cf[j]
        if (us[k] == "") continue
        printf "%-9s %-22s %-22s %-22s %-20s %-20s %-18s %-14s %-12s %-10s\n", cf[j],
          mmr(pct[k], "%.2f"), mmr(us[k], "%.1f"), j == 1 ? "0 (base)" : mmr(net[m, cf[j]], "%.1f"),
          mmr(jus[k], "%.1f"), mmr(cus[k], "%.1f"), mmr(jload[k], "%.2f"),
          eload[k] == "" ? "-" : mmr(eload[k], "%.2f"), xt[k] "+" xl[k], mmr(oth[k], "%.0f")
      }
      en = med(net[m, "engine"]); jn = med(net[m, "jalv"])
      if (ratio[m] != "")
        printf "engine / jalv chain (over empty, paired per repeat): %s  (target <= %s): %s\n",
          mmr(ratio[m], "%.3f"), tratio, med(ratio[m]) <= tratio ? "PASS" : "MISS"
      if (en != "-")
        printf "engine over empty: %.1f us/cycle (target <= %s): %s\n", en, tus, en <= tus ? "PASS" : "MISS"
      if (m in nodes && nodes[m] != "-" && en != "-") {
        printf "plugins run() live (--node-times, sum of the 4 nodes): %.2f us/cycle; engine callback (dsp_runtime_process) %.2f us/cycle\n", nodes[m], nodecb[m]
        printf "  callback - plugins: %.2f us (%.1f %% of the plugins); whole engine cost over empty - plugins: %.1f us (%.0f %% of the plugins)\n",
          nodecb[m] - nodes[m], (nodecb[m] - nodes[m]) / nodes[m] * 100, en - nodes[m], (en - nodes[m]) / nodes[m] * 100
        printf "  as a share of the %.0f us period (of a core): callback - plugins %.3f %%, whole engine cost over empty - plugins %.2f %% (target < 3 %%): %s\n",
          cyc, (nodecb[m] - nodes[m]) / cyc * 100, (en - nodes[m]) / cyc * 100, (en - nodes[m]) / cyc * 100 < 3 ? "PASS" : "MISS"
      }
    }
    if (cgu != "-" && cgu != "" && cgf != "-" && cgb > 0) {
      printf "\ncallgrind, Ir per %d blocks -> per block: plugins run() %.0f; lv2_floor (the least a host does) %.0f (+%.2f %%)\n",
        cgb, cgu / cgb, cgf / cgb, (cgf - cgu) / cgu * 100
      printf "  engine minus plugins run(): dsp_plan_run %.0f (+%.2f %% of run()), dsp_runtime_process %.0f (+%.2f %%)\n",
        cgp / cgb, (cgp - cgu) / cgu * 100, cgr / cgb, (cgr - cgu) / cgu * 100
    }
  }' "$tsv"
echo
echo "smallest period with no xrun in ${minperiod_seconds} s (engine, jackd -R): $mp_result"
printf '%s' "$mp_lines" | sed 's/^/  /'
echo "load average: start $load_start; end $load_end; wall $(($(date +%s) - started)) s"
echo "results: $tsv"
