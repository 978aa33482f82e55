#!/bin/sh
# Click test: a 440 Hz sine plays through the engine while graphs are
# swapped over OSC (fresh loads, prepared slots, a swap during a swap,
# bypass on and off), under jackd dummy with the RT trap preloaded.  The
# recording must have no sample-to-sample step larger than the sine's own
# local slope plus 1e-3 (-60 dBFS), no gap (64 zero samples in a row), and
# after a timed swap from the reverb to a silent graph the reverb's tail
# must still sound (and decay).  The trap must count no allocation or lock
# on the audio thread.
# usage: swap.sh DSPENGINE SOURCE_ROOT DSPCTL JACK_FEED OSC_PROBE PRELOAD
engine=$1
root=$2
dspctl=$3
feed=$4
probe=$5
preload=$6
. "$root/tests/cli/lib.sh"
. "$root/tests/jack/lib.sh"
. "$root/tests/osc/lib.sh"
data="$root/tests/osc/data"
verb="$root/graphs/reverb.json"

"$probe" sine "$work/in.wav" 7 440 0.25 2 || fail "sine"
# Xruns (a cycle dropped: the machine was busy) break the recording, not
# the engine: try again, up to 4 runs, and judge the first without any.
attempt() {
	rm -f "$work/jackd.log" "$work/ctl.log"
	JACKD_RT=${JACKD_RT:--R} start_jackd 256

	export DSP_RT_TRAP_REPORT="$work/trap.txt"
	LD_PRELOAD=$preload "$engine" --graph "$data/trim.json" --name eng \
		--no-mlock --osc-port "$osc_port" >"$work/engine.out" 2>"$work/engine.err" &
	engine_pid=$!
	wait_for "$work/engine.err" "dspengine: ready" 30 ||
		fail "engine not ready: $(cat "$work/engine.err")"
	unset DSP_RT_TRAP_REPORT

	"$feed" "$work/in.wav" "$work/live.wav" --name feed --pad 0 \
		--to eng:in_l,eng:in_r --from eng:out_l,eng:out_r >"$work/feed.log" 2>&1 &
	feed_pid=$!
	sleep 0.6

	c() {
		ctl --timeout 5 "$@" >>"$work/ctl.log" 2>&1 || fail "dspctl $*: $(tail -1 "$work/ctl.log")"
	}
	n=0
	for round in 1 2 3; do
		c load "$verb"
		sleep 0.25
		c bypass verb 1 30
		sleep 0.15
		c bypass verb 0 30
		sleep 0.15
		c prepare next "$data/trim.json"
		c swap next 50
		sleep 0.25
		# A swap during a swap: the intermediate graph fades out from where
		# it got to, the newest becomes the target
		c load "$verb" 50
		c load "$data/trim.json" 50
		sleep 0.25
		n=$((n + 5))
	done
	c load "$verb" 50
	c prepare quiet "$data/mute.json"
	sleep 0.4
	"$probe" at "$osc_port" 0.2 /swap s:quiet f:50 f:10 >"$work/at.txt" 2>&1 ||
		fail "timed swap: $(cat "$work/at.txt")"
	n=$((n + 2))
	swap_frame=$(sed -n 's/^frame //p' "$work/at.txt")

	wait $feed_pid
	rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 3 ] || fail "jack_feed: $(cat "$work/feed.log")"
	cat "$work/feed.log"
	xr=$(xrun_count)
	[ $rc -eq 3 ] && xr=$((xr + 1))
	echo "attempt $attempt: jackd: $(xrun_count) cycles with a client not finished"
	start=$(sed -n 's/.*start frame //p' "$work/feed.log")
	swap_at=$(( (swap_frame - start) & 0xFFFFFFFF ))
	pass "$n graph swaps under audio; timed swap to silence at recording frame $swap_at"
}

for attempt in 1 2 3 4; do
	attempt
	[ -n "${DSP_OSC_KEEP:-}" ] && cp "$work/live.wav" "$DSP_OSC_KEEP/live$attempt.wav"
	[ "$xr" -eq 0 ] && break
	[ $attempt -lt 4 ] || fail "xruns in all 4 runs: the machine is too busy to judge clicks"
	stop_engine
	stop_jackd
done

# Clicks and gaps from 0.1 s to just before the swap to silence
end_s=$(awk "BEGIN { print ($swap_at - 2400) / 48000 }")
"$probe" clicks "$work/live.wav" 440 0.1 "$end_s" >"$work/clicks.txt" || fail clicks
cat "$work/clicks.txt"
excess=$(awk '{ print $2 }' "$work/clicks.txt")
zeros=$(awk '{ for (i = 1; i < NF; ++i) if ($i == "zeros") print $(i + 1) }' "$work/clicks.txt")
# Bound: 1e-3 (-60 dBFS) beyond the signal's own slope, which is taken
# from its local peak (the trim graph plays at half the reverb's level).
# A plan switched without a crossfade steps by 0.02 and more; a new graph
# whose input started on a step replays it from the reverb's delay lines
# (up to 8e-3 here, before the runtime faded new inputs in).  The recording
# is judged only from a run without xruns (above), so a dropped cycle is
# never taken for a click.
awk "BEGIN { exit !($excess < 0.001) }" ||
	fail "a step of $excess beyond the sine's own slope (bound 1e-3 = -60 dBFS)"
[ "$zeros" -lt 64 ] || fail "audio stopped: $zeros zero samples in a row"
pass "no click: largest step beyond the sine's slope $excess (< 1e-3), longest zero run $zeros"

# The tail of the reverb after the swap to a silent graph
before=$("$probe" rms "$work/live.wav" $((swap_at - 9600)) $((swap_at - 2400)))
tail1=$("$probe" rms "$work/live.wav" $((swap_at + 7200)) $((swap_at + 21600)))
tail2=$("$probe" rms "$work/live.wav" $((swap_at + 48000)) $((swap_at + 62400)))
echo "rms before $before dBFS, 150-450 ms after $tail1 dBFS, 1.0-1.3 s after $tail2 dBFS"
awk "BEGIN { exit !($tail1 > -60 && $tail1 < $before && $tail2 < $tail1) }" ||
	fail "no decaying tail after the swap (before $before, after $tail1, later $tail2)"
pass "reverb tail rings out after the swap: $tail1 dBFS at 150-450 ms, $tail2 dBFS at 1 s"

ctl status >"$work/status.txt" || fail status
grep -q "^graph mute" "$work/status.txt" || fail "status: $(cat "$work/status.txt")"
stop_engine
[ -s "$work/trap.txt" ] || fail "no trap report"
grep -q "^rt-trap: 0 hits in [1-9][0-9]* callbacks" "$work/trap.txt" ||
	fail "allocation or lock on the audio thread: $(cat "$work/trap.txt")"
pass "RT trap: $(cat "$work/trap.txt")"
echo "osc swap: $checks checks passed"
