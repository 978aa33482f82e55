#!/bin/sh
# The engine's supervisor in the test guest: restarts the engine whenever it
# exits; after 3 quick failures in a row (runs shorter than
# dspguest.quick_fail_s=, default 10 s) (or when asked by
# /run/dspguest/kexec-request) it kexecs into a fresh kernel (the crash
# path of docs/guest.md).  Prints "dspguest: [UPTIME] engine ready" once the
# engine's JACK ports exist.
export PATH=/usr/bin:/usr/sbin
export JACK_NO_AUDIO_RESERVATION=1 JACK_NO_START_SERVER=1
export LV2_PATH=/usr/lib/lv2
export DSP_FAUST_CACHE=/run/dspguest/faust-cache

log() {
	read -r up _ </proc/uptime
	echo "dspguest: [$up] $*" >/dev/console
}
arg() {
	v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^dspguest\.$1=//p" | tail -1)
	echo "${v:-$2}"
}

osc_port=$(arg osc_port 9000)
quick_s=$(arg quick_fail_s 10) # a run shorter than this counts as a quick failure
state=$(cat /run/dspguest/state-path 2>/dev/null)
help=$(dspengine --help 2>&1)
opts=""
stand_in=0
case $help in
*--osc-port*) opts="$opts --osc-port $osc_port --osc-bind 0.0.0.0" ;;
*) [ -x /usr/bin/osc-responder ] && stand_in=1 ;;
esac
case $help in
# The region's checkpoint wins over --graph (as under dspengine --supervise):
# after a restart, a kexec or a new VM the engine resumes the graph and
# parameters it had, whatever graph was loaded over OSC since the boot
*--state*) [ -n "$state" ] && opts="$opts --state $state --resume always" ;;
esac
log "supervisor: engine options:$opts$([ $stand_in = 1 ] && echo ' (no OSC in this engine: stand-in responder)')"

# Wait for jackd
for i in $(seq 1 100); do
	jack_lsp >/dev/null 2>&1 && break
	sleep 0.05
done
log "jackd running"

quick=0
n=0
while :; do
	n=$((n + 1))
	read -r t0 _ </proc/uptime
	# shellcheck disable=SC2086
	dspengine --graph /etc/dspguest/graph.json --name dspengine --no-mlock $opts \
		>>/run/dspguest/engine.log 2>&1 &
	pid=$!
	echo $pid >/run/dspguest/engine.pid
	ready=0
	for i in $(seq 1 300); do
		kill -0 $pid 2>/dev/null || break
		if jack_lsp 2>/dev/null | grep -q '^dspengine:'; then
			ready=1
			break
		fi
		sleep 0.1
	done
	if [ $ready = 1 ]; then
		log "engine ready (start $n, pid $pid)"
		# Load the kernel for kexec once, after the engine is up (under
		# emulation it competes with the engine's start for the one vCPU),
		# at the lowest priority (it renices itself): it takes seconds of CPU under TCG, during
		# which jackd (a NetJack2 slave must answer every period) comes first
		if [ ! -f /run/dspguest/kexec-loading ]; then
			: >/run/dspguest/kexec-loading
			/usr/bin/dspguest-kexec-load &
		fi
		if [ $stand_in = 1 ]; then
			osc-responder "$osc_port" >/dev/null 2>&1 &
			echo $! >/run/dspguest/responder.pid
		fi
	fi
	wait $pid
	rc=$?
	[ -f /run/dspguest/responder.pid ] && kill "$(cat /run/dspguest/responder.pid)" 2>/dev/null
	rm -f /run/dspguest/responder.pid
	log "engine exited (status $rc)"
	tail -3 /run/dspguest/engine.log >/dev/console 2>/dev/null
	read -r t1 _ </proc/uptime
	if [ "${t1%.*}" -lt "$((${t0%.*} + quick_s))" ]; then
		quick=$((quick + 1))
	else
		quick=0
	fi
	if [ -f /run/dspguest/kexec-request ] || [ $quick -ge 3 ]; then
		log "supervisor: $([ $quick -ge 3 ] && echo '3 quick failures' || echo 'kexec requested'): kexec into a fresh kernel"
		sync
		kexec -e
		log "supervisor: kexec -e failed (nothing loaded?): reboot"
		reboot -f
	fi
done
