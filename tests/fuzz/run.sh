#!/bin/sh
# Run one libFuzzer harness for a bounded time from its seeds.
# usage: run.sh HARNESS SEED_DIR DICT SECONDS CORPUS_DIR
set -eu
harness=$1
seeds=$2
dict=$3
seconds=$4
corpus=$5

rm -rf "$corpus"
mkdir -p "$corpus"
# -fork/-jobs would use more cores than CI has; one process, bounded time
status=0
"$harness" "$corpus" "$seeds" -dict="$dict" -max_total_time="$seconds" \
	-max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$corpus/" >"$corpus.log" 2>&1 || status=$?
tail -n 25 "$corpus.log"
grep -q '^stat::number_of_executed_units' "$corpus.log" || {
	echo "fuzz: the harness did not run to the end"
	exit 1
}
if ls "$corpus"/crash-* "$corpus"/leak-* "$corpus"/timeout-* "$corpus"/oom-* \
	>/dev/null 2>&1; then
	echo "fuzz: failing inputs kept in $corpus"
	exit 1
fi
exit $status
