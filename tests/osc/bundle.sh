#!/bin/sh
# A timestamped bundle lands on the intended sample: a DC input runs
# through a gain at -90 dB (silence); a bundle stamped with the time of
# JACK frame F sets the gain to 0 dB with no ramp.  The first recorded
# sample above half the DC level must be frame F exactly (in the
# recording's frame count), under jackd's dummy driver, and the engine's
# late count (/status) must not move.  Then a bundle stamped 50 ms in the
# past: it must apply at the start of the next block and count as late.
# usage: bundle.sh DSPENGINE SOURCE_ROOT DSPCTL JACK_FEED OSC_PROBE
engine=$1
root=$2
dspctl=$3
feed=$4
probe=$5
. "$root/tests/cli/lib.sh"
. "$root/tests/jack/lib.sh"
. "$root/tests/osc/lib.sh"

period=256
late_count() {
	ctl status | sed -n 's/^late //p'
}

# stamped AHEAD: reset the gain, record, send the bundle AHEAD seconds from
# now; sets $want (stamped recording frame) and $got (first loud frame)
stamped() {
	ctl set gl gain -90 0 >/dev/null || fail "reset gain"
	ctl sync >/dev/null || fail sync
	"$feed" "$work/in.wav" "$work/live.wav" --name feed --pad 0 \
		--to eng:in_l,eng:in_r --from eng:out_l,eng:out_r >"$work/feed.log" 2>&1 &
	feed_pid=$!
	sleep 0.8
	"$probe" at "$osc_port" "$1" /set s:gl s:gain f:0 f:0 >"$work/at.txt" 2>&1 ||
		fail "bundle: $(cat "$work/at.txt")"
	wait $feed_pid
	start=$(sed -n 's/.*start frame //p' "$work/feed.log")
	frame=$(sed -n 's/^frame //p' "$work/at.txt")
	want=$(( (frame - start) & 0xFFFFFFFF ))
	got=$("$probe" step "$work/live.wav" 0.25)
}

"$probe" dc "$work/in.wav" 3 0.5 || fail dc
JACKD_RT=${JACKD_RT:--R} start_jackd $period
start_engine --graph "$root/tests/osc/data/mute.json" --name eng --no-mlock \
	--osc-port "$osc_port"
late0=$(late_count)
[ "$late0" = 0 ] || fail "late count at start: '$late0'"
for k in 1 2 3; do
	stamped "$(awk "BEGIN { print 0.3 + $k * 0.0371 }")"
	[ "$got" -eq "$want" ] ||
		fail "bundle stamped for recording frame $want landed at $got ($(cat "$work/feed.log"))"
	pass "bundle $k: stamped for frame $frame (recording frame $want), step at $got: 0 frames off"
done
late=$(late_count)
[ "$late" = 0 ] || fail "$late of the bundles sent ahead were counted late"
pass "no bundle sent ahead counted late"

# Stamped 50 ms ago: applied at the start of the block that follows its
# arrival, and counted
stamped -0.05
[ "$got" -gt "$want" ] && [ $((got % period)) -eq 0 ] ||
	fail "late bundle (stamped for recording frame $want) landed at $got, not on a later block start"
late=$(late_count)
[ "$late" = 1 ] || fail "late bundle: late count $late, expected 1"
pass "bundle stamped 50 ms in the past: applied at block start $got ($((got - want)) frames late), late count 1"
stop_engine
echo "osc bundle: $checks checks passed"
