#!/bin/sh
# Loads the running kernel for kexec with an initrd rebuilt from this image's
# own files (uncompressed: no decompression in the next boot):
#  - kexec -l: used by the engine supervisor's crash path (kexec -e);
#  - kexec -p: the panic kernel, if crashkernel= memory is reserved; a kernel
#    panic (e.g. sysrq-c) boots it directly.
export PATH=/usr/bin:/usr/sbin
# The lowest priority, inherited by cpio and kexec: seconds of CPU under
# TCG, and jackd must come first (a NetJack2 slave answers every period)
renice -n 19 -p $$ >/dev/null 2>&1
log() {
	read -r up _ </proc/uptime
	echo "dspguest: [$up] $*" >/dev/console
}
read -r t0 _ </proc/uptime
cmdline=$(sed 's/ *dspguest\.boot=[^ ]*//g' /proc/cmdline)
crash=$(echo "$cmdline" | tr ' ' '\n' | sed -n 's/^crashkernel=//p' | tail -1)
saved=$(echo "$cmdline" | tr ' ' '\n' | sed -n 's/^dspguest\.crashkernel=//p' | tail -1)
if [ -z "$crash" ] && [ -n "$saved" ]; then
	# Booted as a panic kernel: the next kernel gets its reservation back
	cmdline=$(echo "$cmdline" | sed 's/ *dspguest\.crashkernel=[^ ]*//g') 
	cmdline="$cmdline crashkernel=$saved"
fi
initrd=/run/dspguest/kexec-initrd.cpio
(cd / && cpio -o -H newc --quiet </etc/dspguest/files.list >"$initrd")
read -r t1 _ </proc/uptime
# dspguest.kexec=fast (default): kexec_load with --no-checks, so purgatory
# does not SHA-256 the ~55 MB of segments before jumping (seconds under
# TCG); dspguest.kexec=file: kexec_file_load (-s), whose purgatory always
# checks.  Each falls back to the other.
mode=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^dspguest\.kexec=//p' | tail -1)
if [ "$mode" = file ]; then
	first="-s -l"
	second="-l -i"
else
	first="-l -i"
	second="-s -l"
fi
# shellcheck disable=SC2086
if kexec $first /boot/vmlinuz --initrd="$initrd" --command-line="$cmdline dspguest.boot=kexec" 2>/run/dspguest/kexec.err; then
	loaded="normal ($first)"
elif kexec $second /boot/vmlinuz --initrd="$initrd" --command-line="$cmdline dspguest.boot=kexec" 2>>/run/dspguest/kexec.err; then
	loaded="normal ($second)"
else
	loaded="none ($(tail -1 /run/dspguest/kexec.err))"
fi
if [ "$(cat /sys/kernel/kexec_crash_size 2>/dev/null || echo 0)" -gt 0 ]; then
	pcmd=$(echo "$cmdline" | sed 's/ *crashkernel=[^ ]*//g')
	pcmd="$pcmd dspguest.crashkernel=${crash:-$saved} dspguest.boot=crash reset_devices"
	if kexec -s -p /boot/vmlinuz --initrd="$initrd" --command-line="$pcmd" 2>>/run/dspguest/kexec.err; then
		loaded="$loaded + panic"
	else
		loaded="$loaded (panic kernel failed: $(tail -1 /run/dspguest/kexec.err))"
	fi
fi
read -r t2 _ </proc/uptime
log "kexec loaded: $loaded (initrd $(wc -c <"$initrd") bytes in ${t0}..${t1} s, load until ${t2} s)"
