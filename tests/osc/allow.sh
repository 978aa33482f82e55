#!/bin/sh
# --osc-allow CIDR: real UDP and TCP from 127.0.0.2 (which loopback accepts)
# while only 127.0.0.1/32 is allowed are dropped and counted; allowed
# senders are answered; IPv6 on a dual-stack bind; bad CIDRs are refused.
# usage: allow.sh DSPENGINE SOURCE_ROOT DSPCTL
engine=$1
root=$2
dspctl=$3
. "$root/tests/cli/lib.sh"
. "$root/tests/jack/lib.sh"
. "$root/tests/osc/lib.sh"

# Bad networks are refused on the command line, naming the option
"$engine" --graph "$root/tests/osc/data/trim.json" --osc-allow 10.0.0.0/33 \
	>/dev/null 2>"$work/bad.err"
[ $? -eq 2 ] && grep -q 'option --osc-allow: "10.0.0.0/33": prefix length "33" must be 0 to 32' "$work/bad.err" ||
	fail "bad CIDR: $(cat "$work/bad.err")"
pass "bad CIDR: $(cat "$work/bad.err")"
"$engine" --graph "$root/tests/osc/data/trim.json" --osc-allow my-laptop \
	>/dev/null 2>"$work/bad.err"
[ $? -eq 2 ] && grep -q 'expected an IPv4 or IPv6 address' "$work/bad.err" ||
	fail "bad CIDR: $(cat "$work/bad.err")"
pass "bad CIDR: $(cat "$work/bad.err")"
"$engine" --help | grep -q -- "--osc-allow CIDR" || fail "--help lacks --osc-allow"

start_jackd 256
start_engine --graph "$root/tests/osc/data/trim.json" --name allow --no-mlock \
	--osc-port "$osc_port" --osc-tcp --osc-allow 127.0.0.1/32
grep -q "senders limited to 1 network" "$work/engine.err" ||
	fail "no allow-list in the OSC line: $(cat "$work/engine.err")"
python3 "$root/tests/osc/allow.py" "$osc_port" 4 || fail "IPv4 allow-list"
pass "IPv4 allow-list"
ctl status >"$work/out" 2>&1 || fail "status: $(cat "$work/out")"
grep -q "^osc_denied 4" "$work/out" || fail "dspctl status: $(cat "$work/out")"
engine_alive
pass "dspctl status shows osc_denied 4"
stop_engine

if python3 -c "import socket; s=socket.socket(socket.AF_INET6); s.bind(('::1', 0))" 2>/dev/null; then
	start_engine --graph "$root/tests/osc/data/trim.json" --name allow6 --no-mlock \
		--osc-port "$osc_port" --osc-tcp --osc-bind :: \
		--osc-allow 127.0.0.1/32 --osc-allow ::1/128
	python3 "$root/tests/osc/allow.py" "$osc_port" 6 || fail "dual-stack allow-list"
	pass "dual-stack bind: IPv4-mapped 127.0.0.1 and ::1 served, 127.0.0.2 denied"
else
	echo "no IPv6 loopback: dual-stack case skipped"
fi
echo "osc allow: $checks checks passed"
