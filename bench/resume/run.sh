#!/bin/sh
# Crash -> audio resumed (issue 5): SIGKILL a supervised engine N times and
# time each death (the supervisor's log: "killed by signal 9 ... at T0")
# to the first processed block of the resumed graph (the engine's log:
# "first block of resumed graph at T1").  Prints median and max of T1 - T0
# per graph.  Runs its own jackd (dummy driver, 48 kHz, period 256).
#
# usage: bench/resume/run.sh BUILD_DIR [KILLS] [GRAPH.json ...]
#   e.g. bench/resume/run.sh build 100 graphs/lv2-chain.json graphs/reverb.json
# The supervisor keeps a standby engine (engine/app/standby.h); with
# DSP_SUPERVISE_STANDBY=0 it restarts a fresh process instead.  SETTLE
# (default 0.3 s) is how long each engine runs before it is killed.
# DSP_TIMING marks give a median per phase from the death being noticed.
# JALV=1 also measures jalv (eg-amp) restarted by a shell loop, to its
# JACK ports reappearing (jalv prints nothing at its first block).
set -u
build=${1:?usage: run.sh BUILD_DIR [KILLS] [GRAPH.json ...]}
kills=${2:-100}
shift 2 2>/dev/null || shift $#
[ $# -gt 0 ] || set -- graphs/lv2-chain.json graphs/reverb.json
engine="$build/engine/dspengine"
work=$(mktemp -d)
export JACK_DEFAULT_SERVER=dspbench-resume JACK_NO_AUDIO_RESERVATION=1
export LV2_PATH=${LV2_PATH:-/usr/lib/lv2}
export DSP_SUPERVISE_FAILS=0 # Restart at once, however often
export DSP_TIMING=1          # Phase marks (engine/common/timing.h)
region=/dev/shm/dspbench-resume-$$
jackd_pid=""
sup_pid=""
trap 'kill $sup_pid $jackd_pid 2>/dev/null; rm -rf "$work" "$region"' EXIT

jackd ${JACKD_RT:---no-realtime} -d dummy -r 48000 -p 256 >"$work/jackd.log" 2>&1 &
jackd_pid=$!
i=0
while [ "$(jack_wait -c -s "$JACK_DEFAULT_SERVER" 2>/dev/null)" != running ]; do
	i=$((i + 1))
	[ $i -lt 250 ] || { echo "jackd did not start: $(cat "$work/jackd.log")" >&2; exit 1; }
	sleep 0.02
done

# count PATTERN FILE
count() { grep -c -- "$1" "$2" 2>/dev/null || true; }

for graph in "$@"; do
	rm -f "$region"
	: >"$work/sup.err"
	"$engine" --supervise --state "$region" --graph "$graph" --name eng \
		--no-osc ${NO_MLOCK:---no-mlock} 2>"$work/sup.err" >/dev/null &
	sup_pid=$!
	i=0
	while [ "$(count "dspengine: ready" "$work/sup.err")" -lt 1 ]; do
		i=$((i + 1))
		[ $i -lt 3000 ] || { echo "engine not ready: $(cat "$work/sup.err")" >&2; exit 1; }
		sleep 0.01
	done
	k=0
	while [ $k -lt "$kills" ]; do
		k=$((k + 1))
		# The running engine (not the standby): the supervisor's last word
		i=0
		while [ "$(count "supervise: engine (pid [0-9]*) runs" "$work/sup.err")" -lt $k ]; do
			i=$((i + 1))
			[ $i -lt 2000 ] || { echo "engine does not run: $(tail -5 "$work/sup.err")" >&2; exit 1; }
			sleep 0.005
		done
		sleep "${SETTLE:-0.3}" # Running a while (the standby is ready)
		child=$(grep -o "supervise: engine (pid [0-9]*) runs" "$work/sup.err" | tail -1 | tr -cd '0-9')
		kill -KILL "$child"
		i=0
		while [ "$(count "first block of resumed graph" "$work/sup.err")" -lt $k ]; do
			i=$((i + 1))
			[ $i -lt 2000 ] || { echo "not resumed: $(tail -5 "$work/sup.err")" >&2; exit 1; }
			sleep 0.005
		done
	done
	kill -TERM $sup_pid
	wait $sup_pid
	sup_pid=""
	[ -z "${KEEP_LOG:-}" ] || cp "$work/sup.err" "$KEEP_LOG.$(basename "$graph" .json)"
	# Pair each death with the next first block
	awk '/killed by signal 9/ { t0 = $NF }
	     /first block of resumed graph at/ { if (t0) printf "%.3f\n", ($NF - t0) * 1000; t0 = 0 }' \
		"$work/sup.err" | sort -n >"$work/ms"
	n=$(wc -l <"$work/ms")
	med=$(awk -v n="$n" 'NR == int((n + 1) / 2) { print }' "$work/ms")
	max=$(tail -1 "$work/ms")
	min=$(head -1 "$work/ms")
	echo "$(basename "$graph"): $n kills, crash -> first resumed block: median $med ms, min $min ms, max $max ms"
	corrupt=$(count "no valid checkpoint\|payload CRC\|cannot resume" "$work/sup.err")
	echo "  resumes that found no valid checkpoint: $corrupt"
	# Where the time goes: each phase mark of a restart, from the moment
	# the supervisor noticed the death (CLOCK_MONOTONIC), median over kills
	awk '$2 == "timing:" { if ($3 == "death-noticed") t0 = $4
	                       else if (t0) printf "%s %.3f\n", $3, ($4 - t0) * 1000
	                       if ($3 == "first-block") t0 = 0 }' \
		"$work/sup.err" >"$work/phases"
	printf "  phases after the death is noticed (median ms):"
	for ph in fork main live region-read graph-opened jack-open \
		engine-prestarted jack-opened engine-started activated connected \
		first-block; do
		awk -v p=$ph '$1 == p { print $2 }' "$work/phases" | sort -n >"$work/ph"
		n=$(wc -l <"$work/ph")
		[ "$n" -gt 0 ] || continue
		printf " %s %s" $ph "$(awk -v n="$n" 'NR == int((n + 1) / 2)' "$work/ph")"
	done
	echo
done

if [ "${JALV:-0}" = 1 ]; then
	# Baseline: jalv (eg-amp) under a restart loop like the supervisor's
	# (a shell: wait, note the time, start again), timed from its death to
	# its ports being registered again, seen by bench/resume/portwatch --
	# a lower bound for its first block (jalv registers its ports, then
	# activates).  jalv's console exits at end of input: it reads a FIFO
	# that is held open and never written.
	command -v jalv >/dev/null ||
		apt-get install -y --no-install-recommends jalv >/dev/null 2>&1 ||
		{ echo "jalv not installed" >&2; exit 1; }
	uri=http://lv2plug.in/plugins/eg-amp
	mkfifo "$work/jalv.in"
	exec 9<>"$work/jalv.in"
	"$build/bench/resume/portwatch" jb: >"$work/watch.txt" 2>&1 &
	watch_pid=$!
	while ! grep -q watching "$work/watch.txt"; do sleep 0.01; done
	(
		while [ ! -e "$work/jalv.stop" ]; do
			jalv -n jb "$uri" <"$work/jalv.in" >/dev/null 2>&1 &
			echo $! >"$work/jalv.pid"
			wait $!
			echo "died $(date +%s.%N)" >>"$work/jalv.deaths"
		done
	) 2>/dev/null &
	loop_pid=$!
	trap 'touch "$work/jalv.stop"; kill $loop_pid $watch_pid $(cat "$work/jalv.pid" 2>/dev/null) $jackd_pid 2>/dev/null; rm -rf "$work" "$region"' EXIT
	k=0
	while [ $k -lt "$kills" ]; do
		k=$((k + 1))
		i=0
		while [ "$(count "registered jb:out" "$work/watch.txt")" -lt $k ]; do
			i=$((i + 1))
			[ $i -lt 3000 ] || { echo "jalv did not start" >&2; exit 1; }
			sleep 0.005
		done
		sleep "${SETTLE:-0.3}"
		kill -KILL "$(cat "$work/jalv.pid")"
	done
	while [ "$(count "registered jb:out" "$work/watch.txt")" -le $kills ]; do sleep 0.01; done
	touch "$work/jalv.stop"
	kill -KILL "$(cat "$work/jalv.pid")" 2>/dev/null
	wait $loop_pid 2>/dev/null
	# Pair each death with the next registration of jalv's output port
	{ sed 's/^died /D /' "$work/jalv.deaths"; awk '/registered jb:out/ { print "R", $3 }' "$work/watch.txt"; } |
		sort -k2 -n | awk '$1 == "D" { t0 = $2 } $1 == "R" && t0 { printf "%.3f\n", ($2 - t0) * 1000; t0 = 0 }' |
		sort -n >"$work/jalv.ms"
	n=$(wc -l <"$work/jalv.ms")
	echo "jalv eg-amp: $n restarts, death -> ports registered again: median $(awk -v n="$n" 'NR == int((n + 1) / 2)' "$work/jalv.ms") ms, min $(head -1 "$work/jalv.ms") ms, max $(tail -1 "$work/jalv.ms") ms"
fi
