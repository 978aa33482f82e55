#!/bin/sh
# Every OSC path: its happy path and each failure reply, from dspctl (a
# liblo client, over UDP and TCP) and from oscsend/oscdump; malformed
# packets never crash the engine.
# usage: paths.sh DSPENGINE SOURCE_ROOT DSPCTL
engine=$1
root=$2
dspctl=$3
. "$root/tests/cli/lib.sh"
. "$root/tests/jack/lib.sh"
. "$root/tests/osc/lib.sh"
data="$root/tests/osc/data"

start_jackd 256
start_engine --graph "$root/graphs/reverb.json" --name eng --no-mlock \
	--osc-port "$osc_port" --osc-tcp
grep -q "OSC on udp+tcp 127.0.0.1:$osc_port" "$work/engine.err" ||
	fail "no OSC line: $(cat "$work/engine.err")"

# Engine
expect_done ping
grep -q "^/pong [0-9]" "$work/out" || fail "no /pong id"
expect_done sync
grep -q "^/synced [0-9]" "$work/out" || fail "no /synced id"
expect_done status
grep -q "^graph reverb" "$work/out" || fail "status lacks the graph"
grep -q "^rate 48000" "$work/out" || fail "status lacks the rate"
grep -q "^period 256" "$work/out" || fail "status lacks the period"
grep -q "^swapping 0" "$work/out" || fail "status lacks swapping"
expect_fail "/quit is disabled" quit
expect_fail 'unknown command "/nosuch"' send /nosuch i:5
grep -q "^/fail /nosuch 5 " "$work/out" || fail "request id not echoed: $(cat "$work/out")"

# Parameters
expect_done set verb mix 0.5
expect_done get verb mix
grep -q "^/get verb mix 0.5" "$work/out" || fail "get: $(cat "$work/out")"
expect_done set verb decay 4 100
expect_fail 'no node with id "eq1"' set eq1 gain 1
expect_fail 'node "verb" has no parameter "gain"' set verb gain 1
expect_fail 'parameter "mix" value 5 out of range [0, 1]' set verb mix 5
expect_fail 'argument 3 (value) must be a number' set verb mix loud
expect_fail '2 arguments given' send /set s:verb s:mix
expect_fail 'no node with id "eq1"' get eq1 mix
expect_done params verb
grep -q "mix.*0.5.*\[0, 1\]" "$work/out" || fail "params: $(cat "$work/out")"
expect_fail 'no node with id "nope"' params nope
expect_done nodes
grep -q "^verb faust" "$work/out" || fail "nodes: $(cat "$work/out")"
expect_done bypass verb 1
expect_done nodes
grep -q "^verb faust (bypassed)" "$work/out" || fail "bypass not shown"
expect_done bypass verb 0 5
expect_fail "must be 1 (bypass) or 0" bypass verb 2
expect_fail 'no node with id "x"' bypass x 1

# Graphs
expect_done graph
grep -q '"name": "reverb"' "$work/out" || fail "graph JSON"
expect_done validate "$data/trim.json"
grep -q "trim" "$work/out" || fail "validate name"
expect_fail '/nodes/0' validate '{"name": "x", "inputs": ["in_l", "in_r"], "outputs": ["out_l", "out_r"], "nodes": [{"id": "a", "kind": "lv2", "uri": "urn:nope"}], "connections": []}'
expect_fail 'same inputs and outputs' validate "$data/mono.json"
expect_fail 'cannot open graph' validate /nonexistent.json
expect_fail 'missing "inputs"' load '{"name": "x"}'
expect_done load "$data/trim.json" 20
expect_done get gl gain
grep -q "^/get gl gain -6" "$work/out" || fail "loaded graph params"
expect_done prepare song2 "$root/graphs/reverb.json"
expect_done prepare song3 "$data/mute.json"
expect_done slots
grep -q "^/slots song2 song3" "$work/out" || fail "slots: $(cat "$work/out")"
expect_fail 'invalid slot name' prepare "bad name" "$data/trim.json"
expect_fail 'same inputs and outputs' prepare s4 "$data/mono.json"
expect_done swap song2 30 2
expect_done status
grep -q "^graph reverb" "$work/out" || fail "swap did not change the graph"
expect_fail 'unknown slot "song2" (prepared: song3)' swap song2
expect_done unload song3
expect_fail 'unknown slot "song3" (prepared: none)' unload song3
expect_done slots
[ "$(cat "$work/out")" = "/slots" ] || fail "slots not empty: $(cat "$work/out")"
expect_fail "expected: /swap s:slot" send /swap
expect_fail "rate_hz 0 out of range" subscribe 0
expect_fail "not subscribed" unsubscribe

# TCP: the same commands on a stream
"$dspctl" --tcp --port "$osc_port" ping >"$work/out" 2>&1 || fail "tcp ping"
pass "tcp: $(cat "$work/out")"
"$dspctl" --tcp --port "$osc_port" set verb mix 0.25 >"$work/out" 2>&1 ||
	fail "tcp set: $(cat "$work/out")"
"$dspctl" --tcp --port "$osc_port" graph | grep -q '"name": "reverb"' ||
	fail "tcp graph"
"$dspctl" --tcp --port "$osc_port" set verb mix 9 2>"$work/err"
[ $? -eq 1 ] && grep -q "out of range" "$work/err" || fail "tcp failure reply"
pass "tcp: set, graph, failure"

# oscsend (no reply port of its own: check the effect) and oscdump as a
# subscriber given by URL
oscsend localhost "$osc_port" /set ssf verb mix 0.75 || fail oscsend
ctl get verb mix | grep -q "0.75" || fail "oscsend /set not applied"
pass "oscsend /set applied"
oscsend localhost "$osc_port" /set ssi verb mix 7
oscsend localhost "$osc_port" /set sss verb mix loud
oscsend localhost "$osc_port" /nope
oscsend localhost "$osc_port" /set
oscsend localhost "$osc_port" /load s /nonexistent
engine_alive
ctl get verb mix | grep -q "0.75" || fail "bad oscsend messages changed state"
pass "bad oscsend messages answered, state unchanged"

dump_port=$((osc_port + 1))
oscdump -L "$dump_port" >"$work/dump.txt" 2>&1 &
dump_pid=$!
sleep 0.3
oscsend localhost "$osc_port" /subscribe fsi 20 "osc.udp://127.0.0.1:$dump_port/" 1 ||
	fail "oscsend subscribe"
sleep 1
oscsend localhost "$osc_port" /unsubscribe si "osc.udp://127.0.0.1:$dump_port/" 2
sleep 0.2
kill $dump_pid
wait $dump_pid 2>/dev/null
n_status=$(grep -c "/status.reply " "$work/dump.txt")
n_meters=$(grep -c "/meters " "$work/dump.txt")
n_times=$(grep -c "/node_times " "$work/dump.txt")
[ "$n_status" -ge 10 ] || fail "oscdump got $n_status status pushes: $(head "$work/dump.txt")"
[ "$n_meters" -ge 10 ] || fail "oscdump got $n_meters meter pushes"
[ "$n_times" -ge 5 ] || fail "oscdump got $n_times node time pushes"
grep "/meters " "$work/dump.txt" | head -1 | grep -q "out_l" || fail "meters lack names"
pass "oscdump subscriber: $n_status /status.reply, $n_meters /meters, $n_times /node_times in 1 s at 20 Hz"

# dspctl status --watch (not a terminal: one frame per push)
ctl status --watch --rate 10 --count 3 >"$work/watch.txt" 2>&1 ||
	fail "watch: $(cat "$work/watch.txt")"
grep -q "^load" "$work/watch.txt" && grep -q "^out_l" "$work/watch.txt" ||
	fail "watch view: $(cat "$work/watch.txt")"
pass "status --watch: $(grep -c '^dspengine' "$work/watch.txt") frames"

# Malformed packets: garbage, truncated, bad bundle
python3 - "$osc_port" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
a = ("127.0.0.1", int(sys.argv[1]))
bad = [b"garbage", b"/set\0\0\0\0", b"/set\0\0\0\0,sf\0verb\0\0\0\0",
       b"#bundle\0" + b"\0" * 8 + b"\xff\xff\xff\xff", b"#bundle\0\0\0",
       b"\0\0\0\0", b"/x\0\0,z\0\0", b""]
replies = 0
for p in bad:
    s.sendto(p, a)
    try:
        d = s.recv(65536)
        if d.startswith(b"/fail"):
            replies += 1
    except socket.timeout:
        pass
print("malformed replies", replies)
sys.exit(0 if replies >= 6 else 1)
PY
[ $? -eq 0 ] || fail "malformed packets not answered with /fail"
engine_alive
pass "malformed packets answered /fail, engine alive"

# --osc-allow-quit and the bind address
stop_engine
start_engine --graph "$root/graphs/reverb.json" --name eng2 --no-mlock \
	--osc-port "$osc_port" --osc-allow-quit --osc-bind 127.0.0.1
expect_done quit
wait "$engine_pid"
rc=$?
engine_pid=""
[ $rc -eq 0 ] || fail "engine after /quit exited $rc"
pass "/quit stops the engine (status 0)"

# A port in use is reported in one clear line
# (wait until the port is really taken: under load python starts slowly, and
# an engine that gets the port would run until the test times out)
python3 -c "import socket,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('127.0.0.1',$osc_port)); print('bound', flush=True); time.sleep(3)" >"$work/py.out" &
py_pid=$!
wait_for "$work/py.out" bound 20 || fail "could not take port $osc_port for the port-in-use check"
"$engine" --graph "$root/graphs/reverb.json" --osc-port "$osc_port" --no-mlock \
	>/dev/null 2>"$work/busy.err"
rc=$?
[ $rc -eq 1 ] && grep -q "cannot bind UDP OSC 127.0.0.1:$osc_port: Address already in use" "$work/busy.err" ||
	fail "port in use: $rc $(cat "$work/busy.err")"
pass "port in use: $(head -1 "$work/busy.err")"
wait $py_pid
echo "osc paths: $checks checks passed"
