# Shared helpers for the shell integration tests (sourced).
# Each test counts its checks and exits non-zero on the first failure.

set -u
checks=0

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

pass() {
	checks=$((checks + 1))
	echo "ok $checks - $*"
}

# expect_error SUBSTRING CMD...: CMD must exit non-zero, its stderr must
# contain SUBSTRING (fixed string), and it must not crash (exit < 128).
expect_error() {
	want=$1
	shift
	"$@" >"$work/stdout" 2>"$work/stderr"
	rc=$?
	[ $rc -ne 0 ] || fail "expected failure: $*"
	[ $rc -lt 128 ] || fail "crashed with status $rc: $*"
	grep -qF -- "$want" "$work/stderr" ||
		fail "stderr of '$*' lacks '$want': $(cat "$work/stderr")"
	pass "error: $want"
}

# DSP_ENGINE_WRAP (set by `meson test --setup valgrind`, see
# tests/meson.build): a command every run of "$engine" goes through.  Its
# logs go to $DSP_WRAP_DIR; wrap_report, run when the test exits, prints
# each one with errors and makes the test fail.
wrap_report() {
	[ -n "${DSP_WRAP_DIR:-}" ] || return 0
	wrap_st=0
	n=0
	for log in "$DSP_WRAP_DIR"/*.log; do
		[ -f "$log" ] || continue
		n=$((n + 1))
		if ! grep -q "ERROR SUMMARY: 0 errors" "$log"; then
			grep -q "ERROR SUMMARY" "$log" || continue # killed before the end
			cat "$log" >&2
			echo "FAIL: the engine under ${DSP_ENGINE_WRAP%% *} reported errors ($log)" >&2
			wrap_st=$((wrap_st + 1))
		fi
	done
	echo "wrapped engine runs: $n, with errors: $wrap_st" >&2
	rm -rf "$DSP_WRAP_DIR"
	[ $wrap_st -eq 0 ]
}

work=$(mktemp -d)
trap 'st=$?; rm -rf "$work"; wrap_report || st=1; exit $st' EXIT
if [ -n "${DSP_ENGINE_WRAP:-}" ] && [ -n "${engine:-}" ]; then
	DSP_WRAP_DIR=$(mktemp -d)
	export DSP_WRAP_DIR
	printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$DSP_ENGINE_WRAP" "$(realpath "$engine")" >"$work/engine"
	chmod +x "$work/engine"
	engine="$work/engine"
fi
