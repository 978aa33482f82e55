# Helpers for the OSC tests (sourced after tests/cli/lib.sh and
# tests/jack/lib.sh).  Each test serves OSC on its own UDP port, picked from
# its PID so that tests can run side by side.

osc_port=$((20000 + ($$ % 20000)))
ctl() {
	"$dspctl" --port "$osc_port" ${DSP_CTL_TIMEOUT:+--timeout "$DSP_CTL_TIMEOUT"} "$@"
}

# expect_done CMD ARGS...: dspctl must exit 0; its output is in $work/out.
expect_done() {
	ctl "$@" >"$work/out" 2>"$work/err"
	rc=$?
	[ $rc -eq 0 ] || fail "dspctl $*: exit $rc: $(cat "$work/err")"
	pass "done: $* -> $(head -c 120 "$work/out" | tr '\n' ' ')"
}

# expect_fail SUBSTRING CMD ARGS...: dspctl must exit 1 naming SUBSTRING.
expect_fail() {
	want=$1
	shift
	ctl "$@" >"$work/out" 2>"$work/err"
	rc=$?
	[ $rc -eq 1 ] || fail "dspctl $*: expected exit 1, got $rc: $(cat "$work/out" "$work/err")"
	grep -qF -- "$want" "$work/err" "$work/out" ||
		fail "dspctl $*: reply lacks '$want': $(cat "$work/out" "$work/err")"
	pass "fail: $* -> $(cat "$work/err" "$work/out" | head -c 160 | tr '\n' ' ')"
}

# engine_alive: the engine process still runs and answers /ping.
engine_alive() {
	kill -0 "$engine_pid" 2>/dev/null || fail "engine died: $(tail -5 "$work/engine.err")"
	ctl ping >/dev/null 2>&1 || fail "engine does not answer /ping"
}

# A test killed by meson's timeout (SIGTERM) still stops its jackd and
# engine: run the EXIT trap of tests/jack/lib.sh.
trap 'exit 143' TERM INT
