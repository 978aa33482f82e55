#!/bin/sh
# Crash -> engine ready for each recovery layer (process, kexec from the
# supervisor, kexec into the panic kernel, VM restart by dspagent), N times
# each (default 5), under whatever accelerator dspagent picks (TCG here).
# Prints every run, the medians, and where the kexec time goes.
# usage: bench/vm/run.sh BUILD_DIR [N]
set -eu
build=$(cd "$1" && pwd)
n=${2:-5}
src=$(cd "$(dirname "$0")/../.." && pwd)
out="$build/bench-vm"
mkdir -p "$out"
"$src/scripts/install-vm-deps.sh"
mkdir -p "$build/tests/vm/guest"
guest=$(flock "$build/tests/vm/guest/.lock" sh "$src/guest-image/build-initramfs.sh" \
		"$build/tests/vm/guest" "$build/engine/dspengine" \
		--extra "$build/host-agent/tests/osc-responder" --extra "$build/guest-image/dspguest-jackwire" \
		--extra-graph "$src/tests/vm/gain-graph.json")
echo "guest: $guest"
cat "$guest/manifest"
# kexec-file: the same as kexec-supervisor with kexec_file_load (-s), whose
# purgatory checks SHA-256 of every segment, instead of kexec_load -i
for run in engine-restart kexec-supervisor kexec-file kexec-panic qemu-restart; do
	sc=$run
	append=""
	[ "$run" = kexec-file ] && sc=kexec-supervisor && append="dspguest.kexec=file"
	python3 "$src/tests/vm/vmtest.py" "$sc" --repeat "$n" --append "$append" \
		--agent "$build/host-agent/dspagent" --engine "$build/engine/dspengine" \
		--kernel "$guest/vmlinuz" --initrd "$guest/initrd.img" --workdir "$out" \
		--json "$out/$run.json" >"$out/$run.log" 2>&1 || echo "$run: FAILED (see $out/$run.log)"
	grep -E 'TIMING|BREAKDOWN' "$out/$run.log" || true
done
python3 - "$out" <<'PY'
import json, os, statistics, sys
out = sys.argv[1]
print("\nlayer                 runs  median ms   min ms   max ms")
for run in ("engine-restart", "kexec-supervisor", "kexec-file", "kexec-panic", "qemu-restart"):
    try:
        r = json.load(open(os.path.join(out, run + ".json")))
    except (OSError, ValueError):
        continue
    for layer, v in r.items():
        if layer == "cold-boot" and run != "engine-restart":
            continue
        name = "kexec (-s, checked)" if run == "kexec-file" else layer
        print(f"{name:20s} {len(v):5d} {statistics.median(v):10.0f} {min(v):8.0f} {max(v):8.0f}")
PY
