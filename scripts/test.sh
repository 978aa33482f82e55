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

meson test -C build -v --num-processes 2 "$@"
status=$?

python3 - build/meson-logs/testlog.json <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    result = json.loads(line)["result"]
    if result in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif result == "SKIP":
        skipped += 1
    else:
        failed += 1
        print("FAILED:", json.loads(line)["name"])
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status
