#!/bin/sh
# Every C source and header is formatted with the repository's .clang-format.
# usage: clang-format.sh SOURCE_ROOT
set -u
cd "$1" || exit 2
command -v clang-format >/dev/null || {
	echo "clang-format is not installed"
	exit 1
}
bad=0
n=0
for f in $(find engine tests bench plugins host-agent dspctl -name '*.[ch]' | sort); do
	n=$((n + 1))
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "not formatted: $f (run clang-format -i $f)"
		bad=$((bad + 1))
	fi
done
echo "clang-format: $n files, $bad not formatted"
[ $bad -eq 0 ]
