#!/bin/sh
# Every .nix file in the repository parses.  Nothing is evaluated against
# nixpkgs (it cannot be fetched here): see docs/guest.md, "Nix".
set -u
src=$1
"$src/scripts/install-vm-deps.sh" >/dev/null 2>&1
command -v nix-instantiate >/dev/null || {
	echo "SKIP: nix-instantiate not installed (nix-bin)"
	exit 77
}
n=0
bad=0
for f in $(cd "$src" && find . -name '*.nix' -not -path './build*' | sort); do
	n=$((n + 1))
	if ! nix-instantiate --parse "$src/$f" >/dev/null 2>"${TMPDIR:-/tmp}/nixparse.$$"; then
		echo "does not parse: $f"
		cat "${TMPDIR:-/tmp}/nixparse.$$"
		bad=$((bad + 1))
	fi
done
rm -f "${TMPDIR:-/tmp}/nixparse.$$"
echo "nix-parse: $n files, $bad failed"
[ $n -gt 0 ] && [ $bad -eq 0 ]
