# Helpers for the live JACK tests (sourced after tests/cli/lib.sh).
# Each test runs its own jackd (dummy driver) under a private server name
# and kills everything it started on exit.

export JACK_NO_AUDIO_RESERVATION=1
# Server names come from a small fixed set per test script: jackd reclaims
# a stale registry entry (left by a server that was killed) only for its
# own name, and the registry holds 8 servers, so unique names would fill it
# up.  Take the first name of the set no running server uses.
for slot in 0 1 2 3 4 5; do
	JACK_DEFAULT_SERVER="dsptest-$(basename "$0" .sh)-$slot"
	[ "$(jack_wait -c -s "$JACK_DEFAULT_SERVER" 2>/dev/null)" = running ] || break
done
export JACK_DEFAULT_SERVER
jackd_pid=""
engine_pid=""

cleanup_jack() {
	[ -n "$engine_pid" ] && kill "$engine_pid" 2>/dev/null
	[ -n "$jackd_pid" ] && kill "$jackd_pid" 2>/dev/null
	[ -n "$engine_pid" ] && wait "$engine_pid" 2>/dev/null
	[ -n "$jackd_pid" ] && wait "$jackd_pid" 2>/dev/null
	rm -rf "$work"
}
trap 'st=$?; cleanup_jack; wrap_report || st=1; exit $st' EXIT

# start_jackd PERIOD: start a dummy-driver server and wait until it runs.
start_jackd() {
	jackd ${JACKD_RT:---no-realtime} -d dummy -r 48000 -p "$1" >>"$work/jackd.log" 2>&1 &
	jackd_pid=$!
	i=0
	while [ "$(jack_wait -c -s "$JACK_DEFAULT_SERVER" 2>/dev/null)" != running ]; do
		i=$((i + 1))
		[ $i -lt 250 ] || fail "jackd did not start: $(cat "$work/jackd.log")"
		sleep 0.02
	done
}

stop_jackd() {
	kill "$jackd_pid" 2>/dev/null
	wait "$jackd_pid" 2>/dev/null
	jackd_pid=""
}

# wait_for FILE TEXT [SECONDS]: wait until FILE contains TEXT.
wait_for() {
	i=0
	limit=$(( ${3:-20} * 50 * ${DSP_WAIT_SCALE:-1} ))
	while ! grep -qF -- "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt $limit ] || return 1
		sleep 0.02
	done
}

# start_engine ARGS...: run the engine live in the background, logging to
# $work/engine.out and $work/engine.err, and wait for "ready".
# OSC listens on any free port unless ARGS say otherwise (the default, 9000,
# may be in use on a shared machine).
start_engine() {
	# Empty the log first: the child truncates it only once it runs, and
	# until then wait_for would find the previous engine's "ready"
	: >"$work/engine.err"
	"$engine" --osc-port 0 "$@" >"$work/engine.out" 2>"$work/engine.err" &
	engine_pid=$!
	wait_for "$work/engine.err" "dspengine: ready" 30 ||
		fail "engine not ready: $(cat "$work/engine.err")"
}

# stop_engine: SIGTERM the engine; it must leave with status 0.
stop_engine() {
	kill -TERM "$engine_pid"
	wait "$engine_pid"
	rc=$?
	engine_pid=""
	[ $rc -eq 0 ] || fail "engine exited with $rc: $(cat "$work/engine.err")"
}

# check_aligned REF OUT PERIOD WHAT: OUT matches REF within 1e-6 at an
# offset of 0 or one period (the server's order of the two clients).
check_aligned() {
	for off in 0 "$3"; do
		if "$wavcmp" "$1" "$2" --tol 1e-6 --offset-b "$off" >"$work/cmp" 2>&1; then
			pass "$4: matches offline render within 1e-6 (offset $off): $(cat "$work/cmp")"
			return 0
		fi
		cat "$work/cmp" >&2
	done
	fail "$4: live output differs from the offline render"
}

# xrun_count: cycles in which jackd logged a client as not finished (its
# output was dropped), including those a client's xrun callback misses.
xrun_count() {
	grep -c "was not finished" "$work/jackd.log" 2>/dev/null || true
}
