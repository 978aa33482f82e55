#!/bin/sh
# LV2 plugins load only from LV2_PATH (docs/lv2.md "Where plugins come
# from"): a bundle reached through a symbolic link from outside, or whose
# binary lies outside, is refused naming the file; the same plugin from a
# real LV2_PATH directory loads.
# usage: path.sh DSPENGINE SOURCE_ROOT
engine=$1
root=$2
. "$root/tests/cli/lib.sh"

cat >"$work/g.json" <<'EOG'
{"name": "g", "inputs": ["in"], "outputs": ["out"],
 "nodes": [{"id": "od", "kind": "lv2", "uri": "http://drobilla.net/plugins/mda/Overdrive"}],
 "connections": [{"from": "graph:in", "to": "od:left_in"}, {"from": "od:left_out", "to": "graph:out"}]}
EOG

LV2_PATH=/usr/lib/lv2 "$engine" --check "$work/g.json" >"$work/out" 2>&1 ||
	fail "mda Overdrive from /usr/lib/lv2: $(cat "$work/out")"
pass "plugin from LV2_PATH loads"

# A bundle linked in from outside the search path
mkdir -p "$work/lv2"
ln -s /usr/lib/lv2/mda.lv2 "$work/lv2/mda.lv2"
LV2_PATH="$work/lv2" expect_error \
	"LV2 plugin <http://drobilla.net/plugins/mda/Overdrive>: its bundle \"$work/lv2/mda.lv2/\" is not inside a directory on LV2_PATH ($work/lv2); refusing to load it" \
	"$engine" --check "$work/g.json"

# A bundle on the path whose binary is elsewhere (lv2:binary <file:///...>)
mkdir -p "$work/lv2b/od.lv2"
sed "s|<\([A-Za-z]*\.so\)>|<file:///usr/lib/lv2/mda.lv2/\1>|; s|<\([A-Za-z]*\.ttl\)>|<file:///usr/lib/lv2/mda.lv2/\1>|" \
	/usr/lib/lv2/mda.lv2/manifest.ttl >"$work/lv2b/od.lv2/manifest.ttl"
grep -q "file:///usr/lib/lv2/mda.lv2/Overdrive.so" "$work/lv2b/od.lv2/manifest.ttl" ||
	fail "fixture manifest: $(head -20 "$work/lv2b/od.lv2/manifest.ttl")"
LV2_PATH="$work/lv2b" expect_error \
	"its binary \"/usr/lib/lv2/mda.lv2/Overdrive.so\" is not inside a directory on LV2_PATH" \
	"$engine" --check "$work/g.json"
echo "lv2 path: $checks checks passed"
