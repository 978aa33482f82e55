#!/bin/sh
# Installs, builds and runs the whole test suite.  Every test's output goes
# to the log (cmocka reports on stderr); the last line is "N passed, M failed".
set -u
cd "$(dirname "$0")/.."

./scripts/build.sh || {
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
}

rm -f build/meson-logs/testlog.json build-san/meson-logs/testlog.json \
	build-tsan/meson-logs/testlog.json build/meson-logs/testlog-valgrind.json
meson test -C build -v --num-processes 2 "$@"
status=$?
broken=""

# The same suites again built with clang under AddressSanitizer and
# UndefinedBehaviorSanitizer (leaks included), plus a bounded libFuzzer run
# of every harness.  The JACK/VM suites run in the plain build only.
if [ -z "${DSP_SKIP_SANITIZERS:-}" ]; then
	if [ -f build-san/build.ninja ]; then
		meson setup --reconfigure build-san >/dev/null
	else
		CC=clang meson setup build-san -Db_sanitize=address,undefined \
			-Db_lundef=false -Dfuzz=true -Dbench=false
	fi
	if meson compile -C build-san; then
		meson test -C build-san -v --num-processes 2 --suite unit \
			--suite state --suite lv2 --suite faust --suite cli \
			--suite fuzz || status=1
	else
		status=1
		broken="$broken build-san"
	fi

	# ThreadSanitizer over the tests where threads meet: the audio thread
	# and a control thread (rt-trap, ring, runtime), LV2 worker threads,
	# and the checkpoint writer killed mid-write (state-crash)
	if [ -f build-tsan/build.ninja ]; then
		meson setup --reconfigure build-tsan >/dev/null
	else
		CC=clang meson setup build-tsan -Db_sanitize=thread \
			-Db_lundef=false -Dbench=false
	fi
	if meson compile -C build-tsan; then
		meson test -C build-tsan -v --num-processes 2 rt-trap ring \
			runtime "lv2 node" state-crash || status=1
	else
		status=1
		broken="$broken build-tsan"
	fi
fi

# valgrind memcheck (plain build): every engine the memcheck suite starts
# (offline renders, Faust JIT, live OSC under jackd) runs under memcheck;
# an error or a leak outside tests/valgrind.supp fails the test
if [ -z "${DSP_SKIP_VALGRIND:-}" ]; then
	meson test -C build --setup valgrind --suite memcheck -v --num-processes 2 ||
		status=1
fi

BROKEN="$broken" python3 - build/meson-logs/testlog.json build-san/meson-logs/testlog.json \
	build-tsan/meson-logs/testlog.json build/meson-logs/testlog-valgrind.json <<'PY'
import json, os, sys
passed = failed = skipped = 0
failures = []
for build in os.environ.get("BROKEN", "").split():
    failed += 1
    print("FAILED:", build, "did not compile")
for log in sys.argv[1:]:
    if not os.path.exists(log):
        continue
    build = os.path.basename(os.path.dirname(os.path.dirname(log)))
    if log.endswith("-valgrind.json"):
        build += " (valgrind)"
    for line in open(log):
        test = json.loads(line)
        if test["result"] in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif test["result"] == "SKIP":
            skipped += 1
        else:
            failed += 1
            failures.append((build, test))
# The failing tests' own output again, last lines only, so that the end of
# the log says why (meson printed it where each test finished)
for build, test in failures:
    print(f"=== {build} {test['name']}: {test['result']} "
          f"(exit status {test.get('returncode')}, {test.get('duration', 0):.1f} s); last lines:")
    for stream in ("stdout", "stderr"):
        lines = (test.get(stream) or "").splitlines()[-25:]
        for line in lines:
            print(f"  {stream[3:]}| {line[:300]}")
for build, test in failures:
    print("FAILED:", build, test["name"])
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status
