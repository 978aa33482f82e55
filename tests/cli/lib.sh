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

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
