#!/bin/sh
# The reliability figure (issue 5): KILLS (default 10,000) SIGKILLs of an
# engine during a flood of acknowledged /set messages and graph loads,
# each checked by tests/checkpoint/kill.sh: the region's newest checkpoint
# holds the acknowledged graph and values (no acknowledged change lost),
# no read finds a corrupt slot, and the engine resumes exactly that state.
# The binaries are copied first, so rebuilding meanwhile does not disturb
# the run.  Prints the time per kill.  Best run as `nice -n 19`.
#
# usage: bench/resume/soak.sh BUILD_DIR [KILLS]
# DSP_KILL_MS (default 90): longest delay from the start of the flood
# (20-90 ms long) to the kill.
set -u
build=${1:?usage: soak.sh BUILD_DIR [KILLS]}
kills=${2:-10000}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
cp "$build/engine/dspengine" "$build/dspctl/dspctl" \
	"$build/tests/checkpoint/ack_flood" "$bin/" || exit 1
start=$(date +%s)
{
	LV2_PATH=${LV2_PATH:-/usr/lib/lv2} DSP_STATE='' DSP_KILLS=$kills \
		DSP_KILL_MS=${DSP_KILL_MS:-90} \
		sh "$root/tests/checkpoint/kill.sh" "$bin/dspengine" "$root" \
		"$bin/dspctl" "$bin/ack_flood" "$kills"
	echo $? >"$bin/rc"
} | tee "$bin/log"
rc=$(cat "$bin/rc")
end=$(date +%s)
# Interrupted or failed: count the kills checked so far (progress lines)
done=$kills
grep -q "^ok 1 - $kills kills" "$bin/log" ||
	done=$(awk '/^# [0-9]+ kills/ { n = $2 } END { print n + 0 }' "$bin/log")
echo "soak: $done of $kills kills checked in $((end - start)) s ($(awk -v s=$((end - start)) -v k="$done" 'BEGIN { printf "%.3f", k ? s / k : 0 }') s per kill), exit status $rc"
exit $rc
