#!/bin/sh
# One VM test: install the VM packages if needed, build (or reuse) the test
# guest, run tests/vm/vmtest.py SCENARIO.  Exit 77 (skip) when QEMU or the
# packages cannot be had.
# usage: run.sh SCENARIO SOURCE_ROOT BUILD_DIR DSPAGENT DSPENGINE OSC_RESPONDER
#               JACKWIRE NETJACK_PROBE
set -u
scenario=$1
src=$2
build=$3
agent=$4
engine=$5
responder=$6
jackwire=$7
probe=$8

"$src/scripts/install-vm-deps.sh" || {
	echo "SKIP: the VM packages are missing and cannot be installed"
	exit 77
}
out="$build/guest"
mkdir -p "$out"
# One build at a time (the VM tests run in parallel)
guest=$(flock "$out/.lock" sh "$src/guest-image/build-initramfs.sh" "$out" "$engine" \
	--extra "$responder" --extra "$jackwire" --extra-graph "$src/tests/vm/gain-graph.json") || {
	echo "FAIL: building the guest image"
	exit 1
}
echo "guest image: $guest ($(tr '\n' ' ' <"$guest/manifest"))"
exec python3 "$src/tests/vm/vmtest.py" "$scenario" --agent "$agent" --engine "$engine" \
	--kernel "$guest/vmlinuz" --initrd "$guest/initrd.img" --workdir "$build" \
	--netjack-probe "$probe"
