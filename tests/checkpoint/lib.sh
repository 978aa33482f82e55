# Helpers for the checkpoint tests (sourced after tests/cli/lib.sh,
# tests/jack/lib.sh and tests/osc/lib.sh, with $region set).

# run ARGS...: start the engine on the region, wait for "ready"
run() {
	: >"$work/engine.err" # Before the child opens it: no stale "ready"
	"$engine" --state "$region" --name eng --no-mlock --osc-port "$osc_port" "$@" \
		>"$work/engine.out" 2>"$work/engine.err" &
	engine_pid=$!
	wait_for "$work/engine.err" "dspengine: ready" 30 ||
		fail "engine not ready: $(cat "$work/engine.err")"
}

# crash: SIGKILL the engine
crash() {
	kill -KILL "$engine_pid"
	wait "$engine_pid" 2>/dev/null
	engine_pid=""
}
