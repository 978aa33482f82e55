#!/bin/sh
# A timestamped bundle lands on the intended sample: a DC input runs
# through a gain at -90 dB (silence); a bundle stamped with the time of
# JACK frame F sets the gain to 0 dB with no ramp.  The first recorded
# sample above half the DC level must be frame F exactly (in the
# recording's frame count), under jackd's dummy driver.
# usage: bundle.sh DSPENGINE SOURCE_ROOT DSPCTL JACK_FEED OSC_PROBE
engine=$1
root=$2
dspctl=$3
feed=$4
probe=$5
. "$root/tests/cli/lib.sh"
. "$root/tests/jack/lib.sh"
. "$root/tests/osc/lib.sh"

"$probe" dc "$work/in.wav" 3 0.5 || fail dc
JACKD_RT=${JACKD_RT:--R} start_jackd 256
start_engine --graph "$root/tests/osc/data/mute.json" --name eng --no-mlock \
	--osc-port "$osc_port"
for k in 1 2 3; do
	ctl set gl gain -90 0 >/dev/null || fail "reset gain"
	ctl sync >/dev/null || fail sync
	"$feed" "$work/in.wav" "$work/live.wav" --name feed --pad 0 \
		--to eng:in_l,eng:in_r --from eng:out_l,eng:out_r >"$work/feed.log" 2>&1 &
	feed_pid=$!
	sleep 0.8
	ahead=$(awk "BEGIN { print 0.3 + $k * 0.0371 }")
	"$probe" at "$osc_port" "$ahead" /set s:gl s:gain f:0 f:0 >"$work/at.txt" 2>&1 ||
		fail "bundle: $(cat "$work/at.txt")"
	wait $feed_pid
	start=$(sed -n 's/.*start frame //p' "$work/feed.log")
	frame=$(sed -n 's/^frame //p' "$work/at.txt")
	want=$(( (frame - start) & 0xFFFFFFFF ))
	got=$("$probe" step "$work/live.wav" 0.25)
	[ "$got" -eq "$want" ] ||
		fail "bundle stamped for recording frame $want landed at $got ($(cat "$work/feed.log"))"
	pass "bundle $k: stamped for frame $frame (recording frame $want), step at $got: 0 frames off"
done
stop_engine
echo "osc bundle: $checks checks passed"
