#!/bin/sh
# Faust code cannot read outside the import path (docs/faust.md
# "Imports"): absolute names, "..", URLs, names that resolve (through the
# current directory, a nested library or a symbolic link) outside it are
# refused naming the node and the import; --faust-import-path adds a
# directory.  And the machine-code cache is used only from a directory the
# engine's user owns and others cannot write.
# usage: imports.sh DSPENGINE SOURCE_ROOT
engine=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$2
. "$root/tests/cli/lib.sh"

export DSP_FAUST_CACHE="$work/cache"
mkdir -p "$work/cache" "$work/lib" "$work/outside" "$work/cwd"
chmod 755 "$work/cache"

# graph FILE NODE-JSON: a one-node graph through in -> out
graph() {
	cat >"$1" <<EOG
{"name": "g", "inputs": ["in"], "outputs": ["out"],
 "nodes": [$2],
 "connections": [{"from": "graph:in", "to": "n:in0"}, {"from": "n:out0", "to": "graph:out"}]}
EOG
}
code() { # code FILE FAUST-CODE (double quotes escaped for JSON)
	graph "$1" "{\"id\": \"n\", \"kind\": \"faust\", \"code\": \"$(printf '%s' "$2" | sed 's/"/\\"/g')\"}"
}
# check [OPTIONS] GRAPH: dspengine OPTIONS --check GRAPH from $work/cwd
check() {
	(
		cd "$work/cwd" || exit 1
		n=$#
		for a in "$@"; do
			n=$((n - 1))
			if [ $n -eq 0 ]; then
				set -- "$@" --check "$a"
			else
				set -- "$@" "$a"
			fi
			shift
		done
		"$engine" "$@"
	)
}

code "$work/abs.json" 'import("/etc/hostname"); process = _;'
expect_error 'at /nodes/0/code: node "n": Faust import "/etc/hostname" refused: absolute paths' check "$work/abs.json"
code "$work/dotdot.json" 'import("../../../etc/hostname"); process = _;'
expect_error 'Faust import "../../../etc/hostname" refused' check "$work/dotdot.json"
code "$work/url.json" 'import("http://example.com/x.lib"); process = _;'
expect_error 'Faust import "http://example.com/x.lib" refused' check "$work/url.json"
code "$work/lib.json" 'x = library("/etc/hostname"); process = _;'
expect_error 'Faust import "/etc/hostname" refused' check "$work/lib.json"
code "$work/comp.json" 'process = component ( /* c */ "/etc/hostname");'
expect_error 'Faust import "/etc/hostname" refused' check "$work/comp.json"
code "$work/nostr.json" 'process = component(x);'
expect_error 'Faust import "component(" refused: expected a string literal' check "$work/nostr.json"
code "$work/missing.json" 'import("nosuch.lib"); process = _;'
expect_error 'Faust import "nosuch.lib" refused: not found (import path: /usr/share/faust)' check "$work/missing.json"

# Comments and strings are not imports
graph "$work/ok.json" '{"id": "n", "kind": "faust", "code": "// import(\"/etc/hostname\")\n/* library(\"/etc/x\") */ declare name \"import(x)\"; import(\"stdfaust.lib\"); process = fi.lowpass(1, 500);"}'
check "$work/ok.json" >"$work/out" 2>&1 || fail "stdfaust.lib refused: $(cat "$work/out")"
pass "stdfaust.lib and commented-out imports accepted"

# A .dsp file next to a library that imports an absolute path
printf 'import("/etc/hostname");\n' >"$work/lib/evil.lib"
printf 'import("evil.lib");\nprocess = _;\n' >"$work/lib/top.dsp"
graph "$work/nested.json" '{"id": "n", "kind": "faust", "file": "lib/top.dsp"}'
expect_error 'at /nodes/0/file: node "n": Faust import "/etc/hostname" refused' check "$work/nested.json"

# A symbolic link out of the import path
printf 'gain = 0.5;\n' >"$work/outside/gain.lib"
mkdir -p "$work/imp"
ln -s "$work/outside/gain.lib" "$work/imp/gain.lib"
code "$work/link.json" 'import("gain.lib"); process = *(gain);'
expect_error "would read \"$(cd "$work/outside" && pwd -P)/gain.lib\", outside the import path" \
	check --faust-import-path "$work/imp" "$work/link.json"

# A library in the current directory shadowing the standard one
printf 'x = 1;\n' >"$work/cwd/stdfaust.lib"
expect_error "it would read \"$(cd "$work/cwd" && pwd -P)/stdfaust.lib\", outside the import path" check "$work/ok.json"
rm "$work/cwd/stdfaust.lib"

# --faust-import-path adds a directory (and replaces the default)
printf 'half = *(0.5);\n' >"$work/imp/half.lib"
code "$work/half.json" 'import("half.lib"); process = half;'
expect_error 'Faust import "half.lib" refused: not found' check "$work/half.json"
check --faust-import-path "$work/imp" "$work/half.json" >"$work/out" 2>&1 ||
	fail "--faust-import-path: $(cat "$work/out")"
pass "--faust-import-path: half.lib found"
expect_error 'Faust import "stdfaust.lib" refused: it would read "/usr/share/faust/stdfaust.lib", outside the import path' \
	check --faust-import-path "$work/imp" "$work/ok.json"
check --faust-import-path "$work/imp" --faust-import-path /usr/share/faust "$work/ok.json" \
	>"$work/out" 2>&1 || fail "two import dirs: $(cat "$work/out")"
pass "--faust-import-path twice"
DSP_FAUST_IMPORT_PATH="$work/imp" check "$work/half.json" >"$work/out" 2>&1 ||
	fail "DSP_FAUST_IMPORT_PATH: $(cat "$work/out")"
pass "DSP_FAUST_IMPORT_PATH"
expect_error 'option --faust-import-path: "/nonexistent": expected an existing directory' \
	check --faust-import-path /nonexistent "$work/half.json"

# Code cannot reach into the engine process: libfaust's JIT refuses foreign
# functions, and a foreign variable or constant is not bound to the
# process's symbol of that name (environ is never 0 here; the node's output
# is)
code "$work/ffun.json" 'k = ffunction(int kill(int, int), <signal.h>, ""); process = *(k(0, 0) == 0);'
expect_error "calling foreign function 'kill' is not allowed" check "$work/ffun.json"
for f in fvariable fconstant; do
	code "$work/$f.json" "process = *(0) : +($f(int environ, <unistd.h>));"
	(cd "$work/cwd" && "$engine" --graph "$work/$f.json" --output "$work/$f.wav" --tail 0) \
		>"$work/out" 2>&1 || fail "$f: $(cat "$work/out")"
	grep -q "out *peak *-inf dBFS" "$work/out" ||
		fail "$f(int environ) is not silent: $(grep peak "$work/out")"
	pass "$f(int environ, <unistd.h>) reads 0, not the process's variable"
done

# The machine-code cache: only from a safe directory (a fresh one)
rm -rf "$work/cache"
mkdir -m 755 "$work/cache"
code "$work/fx.json" 'process = *(0.25);'
check "$work/fx.json" >"$work/out" 2>&1 || fail "fx: $(cat "$work/out")"
ls "$work/cache"/*.fmc >/dev/null 2>&1 || fail "no cache file written"
grep -q "warning" "$work/out" && fail "warning with a safe cache: $(cat "$work/out")"
pass "cache written to a safe directory, no warning"
chmod 777 "$work/cache"
check "$work/fx.json" >"$work/out" 2>&1 || fail "fx: $(cat "$work/out")"
grep -q "warning: Faust machine-code cache not used: $work/cache is writable by others (mode 777)" "$work/out" ||
	fail "no warning for a world-writable cache: $(cat "$work/out")"
pass "world-writable cache refused: $(head -1 "$work/out")"
chmod 755 "$work/cache"
for f in "$work/cache"/*.fmc; do chmod 666 "$f"; done
check "$work/fx.json" >"$work/out" 2>&1 || fail "fx: $(cat "$work/out")"
grep -q "\.fmc is writable by others (mode 666)" "$work/out" ||
	fail "no warning for a world-writable cache file: $(cat "$work/out")"
pass "world-writable cache file refused and replaced"
for f in "$work/cache"/*.fmc; do
	[ "$(stat -c %a "$f")" = 600 ] || fail "cache file not replaced: $(stat -c %a "$f")"
done
if [ "$(id -u)" = 0 ]; then
	chown nobody "$work/cache"
	check "$work/fx.json" >"$work/out" 2>&1 || fail "fx: $(cat "$work/out")"
	grep -q "cache is owned by uid $(id -u nobody), not by the engine's user" "$work/out" ||
		fail "no warning for a foreign cache: $(cat "$work/out")"
	pass "cache owned by another user refused"
	chown 0 "$work/cache"
fi
echo "faust imports: $checks checks passed"
