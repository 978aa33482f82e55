#!/bin/sh
# Long fuzz run: every harness for SECONDS (default 900) or until RUNS
# executions, from the seeds plus a corpus kept in BUILD/tests/fuzz/long-*.
# Prints each harness's executions, corpus size and crashes.
# usage: tests/fuzz/run-long.sh BUILD [SECONDS] [RUNS] [HARNESS...]
# BUILD is a clang build with -Dfuzz=true -Db_sanitize=address,undefined.
# HARNESS: graph, checkpoint, osc (default: all three, one after another).
set -u
build=$1
seconds=${2:-900}
runs=${3:-10000000}
root=$(cd "$(dirname "$0")/../.." && pwd)
shift $(($# < 3 ? $# : 3))
status=0
for name in ${*:-graph checkpoint osc}; do
	case $name in
	graph) seeds=$root/graphs ;;
	*) seeds=$root/tests/fuzz/seeds/$name ;;
	esac
	dict=json.dict
	[ "$name" = osc ] && dict=osc.dict
	corpus=$build/tests/fuzz/long-$name
	mkdir -p "$corpus"
	"$build/tests/fuzz/fuzz-$name" "$corpus" "$seeds" \
		-dict="$root/tests/fuzz/$dict" -max_total_time="$seconds" \
		-runs="$runs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$corpus/" \
		>"$corpus.log" 2>&1 || status=1
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$corpus.log")
	crashes=$(ls "$corpus"/crash-* "$corpus"/leak-* "$corpus"/timeout-* 2>/dev/null | wc -l)
	echo "fuzz-$name: ${execs:-0} executions, $(ls "$corpus" | wc -l) corpus files, $crashes failing inputs"
	[ "$crashes" -eq 0 ] || status=1
done
exit $status
