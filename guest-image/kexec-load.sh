#!/bin/sh
# Loads the running kernel for kexec with the initrd this guest booted from:
#  - kexec -l: used by the engine supervisor's crash path (kexec -e);
#  - kexec -p: the panic kernel, if crashkernel= memory is reserved; a kernel
#    panic (e.g. sysrq-c) boots it directly.
# The kernel and the (compressed) initrd come from dspagent's read-only boot
# disks (virtio, serials dspkernel and dspinitrd), copied to tmpfs as they
# are.  Without them: /boot/vmlinuz (build-initramfs.sh --kernel-in-image)
# and an uncompressed initrd rebuilt from the image's list of its own files
# (an initramfs cannot read the archive it came from), which the next
# kernel unpacks seconds slower under TCG (bench/vm/README.md).
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
disk() { # /dev/vdX of the virtio disk whose serial is $1
	for f in /sys/block/vd*/serial; do
		[ "$(cat "$f" 2>/dev/null)" = "$1" ] || continue
		f=${f%/serial}
		echo "/dev/${f##*/}"
		return 0
	done
	return 1
}
kernel=/boot/vmlinuz
ksize=$(cat /etc/dspguest/kernel-size 2>/dev/null)
if kd=$(disk dspkernel) && [ -n "$ksize" ]; then
	# The disk is the file padded to whole sectors
	dsize=$(($(cat "/sys/block/${kd#/dev/}/size") * 512))
	if [ "$dsize" -ge "$ksize" ] && [ "$dsize" -lt $((ksize + 512)) ]; then
		head -c "$ksize" "$kd" >/run/dspguest/vmlinuz
		kernel=/run/dspguest/vmlinuz
	else
		log "kexec: boot disk dspkernel has $dsize bytes, the kernel $ksize: not this kernel"
	fi
fi
if id=$(disk dspinitrd); then
	# The compressed image QEMU loaded; the zeros padding its last sector
	# are skipped by the kernel's unpacker
	initrd=/run/dspguest/kexec-initrd.img
	cat "$id" >"$initrd"
	from="boot disk $id"
else
	initrd=/run/dspguest/kexec-initrd.cpio
	(cd / && cpio -o -H newc --quiet </etc/dspguest/files.list >"$initrd")
	from="rebuilt, uncompressed"
fi
read -r t1 _ </proc/uptime
if [ ! -f "$kernel" ]; then
	log "kexec: no kernel to load (no boot disk dspkernel, no /boot/vmlinuz)"
	exit 1
fi
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
if kexec $first "$kernel" --initrd="$initrd" --command-line="$cmdline dspguest.boot=kexec" 2>/run/dspguest/kexec.err; then
	loaded="normal ($first)"
elif kexec $second "$kernel" --initrd="$initrd" --command-line="$cmdline dspguest.boot=kexec" 2>>/run/dspguest/kexec.err; then
	loaded="normal ($second)"
else
	loaded="none ($(tail -1 /run/dspguest/kexec.err))"
fi
if [ "$(cat /sys/kernel/kexec_crash_size 2>/dev/null || echo 0)" -gt 0 ]; then
	pcmd=$(echo "$cmdline" | sed 's/ *crashkernel=[^ ]*//g')
	pcmd="$pcmd dspguest.crashkernel=${crash:-$saved} dspguest.boot=crash reset_devices"
	if kexec -s -p "$kernel" --initrd="$initrd" --command-line="$pcmd" 2>>/run/dspguest/kexec.err; then
		loaded="$loaded + panic"
	else
		loaded="$loaded (panic kernel failed: $(tail -1 /run/dspguest/kexec.err))"
	fi
fi
read -r t2 _ </proc/uptime
log "kexec loaded: $loaded (kernel $kernel, initrd $(wc -c <"$initrd") bytes $from, copied ${t0}..${t1} s, loaded by ${t2} s)"
