#!/bin/sh
# Builds the small test guest from Debian packages: a kernel (unpacked with
# dpkg -x, never installed), and an initramfs with busybox (real applet
# links), kexec-tools, jackd + its dummy driver, the engine with its
# library closure, the LV2 bundles the test graph needs, and guest-image/init.
# See docs/guest.md.
#
# usage: build-initramfs.sh OUTDIR DSPENGINE [options]
#   --extra FILE        Also install FILE (a program) in /usr/bin (repeatable)
#   --graph FILE        Graph the guest runs (default tests/vm/guest-graph.json)
#   --extra-graph FILE  Another graph, at /etc/dspguest/<name> (repeatable)
#   --lv2 BUNDLE        LV2 plugin bundle to include (repeatable; default mda.lv2)
#   --kernel-pkg NAME   Debian kernel package (default: the cloud kernel)
#   --with-faust        Include the real libfaust (+LLVM, ~110 MB) instead of
#                       a stub that fails JIT Faust nodes cleanly
#   --compress C        zstd (default), gzip or none
#   --kernel-in-image   Also carry the kernel in the initramfs (/boot/vmlinuz,
#                       14 MB) for kexec when the guest has no boot disks
#                       (dspagent's [vm] boot_disks, on by default)
#
# Prints the directory of the result: OUTDIR/<hash>/{vmlinuz,initrd.img,...}.
# The result is cached by a hash of every input (scripts, binaries, their
# libraries, bundles, kernel package): a second run with the same inputs
# only prints the path.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

[ $# -ge 2 ] || {
	sed -n '2,26p' "$0"
	exit 2
}
out=$1
engine=$2
shift 2
extras=""
extra_graphs=""
graph="$root/tests/vm/guest-graph.json"
bundles=""
kpkg=""
with_faust=0
compress=zstd
kernel_in_image=0
while [ $# -gt 0 ]; do
	case $1 in
	--extra) extras="$extras $2"; shift 2 ;;
	--graph) graph=$2; shift 2 ;;
	--extra-graph) extra_graphs="$extra_graphs $2"; shift 2 ;;
	--lv2) bundles="$bundles $2"; shift 2 ;;
	--kernel-pkg) kpkg=$2; shift 2 ;;
	--with-faust) with_faust=1; shift ;;
	--compress) compress=$2; shift 2 ;;
	--kernel-in-image) kernel_in_image=1; shift ;;
	*) echo "build-initramfs: unknown option $1" >&2; exit 2 ;;
	esac
done
[ -n "$bundles" ] || bundles="mda.lv2"
mkdir -p "$out"
out=$(cd "$out" && pwd)

need() {
	command -v "$1" >/dev/null || {
		echo "build-initramfs: $1 not found (run scripts/install-vm-deps.sh)" >&2
		exit 1
	}
}
need cpio
need dpkg
need apt-get
need busybox
need depmod
[ -x /sbin/kexec ] || [ -x /usr/sbin/kexec ] || need kexec

# --- Kernel package: downloaded once into OUTDIR/debs ----------------------
debs="$out/debs"
mkdir -p "$debs"
if [ -z "$kpkg" ]; then
	# The meta-package names the current cloud kernel
	kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -1)
	[ -n "$kpkg" ] || {
		echo "build-initramfs: cannot resolve linux-image-cloud-amd64 (apt-get update?)" >&2
		exit 1
	}
fi
kdeb=$(ls "$debs/${kpkg}"_*.deb 2>/dev/null | head -1 || true)
if [ -z "$kdeb" ]; then
	(cd "$debs" && apt-get download -q "$kpkg" 2>&1 | grep -v unsandboxed >&2 || true)
	kdeb=$(ls "$debs/${kpkg}"_*.deb 2>/dev/null | head -1 || true)
	[ -n "$kdeb" ] || {
		echo "build-initramfs: apt-get download $kpkg failed" >&2
		exit 1
	}
fi

# --- The file closure -------------------------------------------------------
kexec_bin=$(command -v kexec 2>/dev/null || echo /sbin/kexec)
[ -x "$kexec_bin" ] || kexec_bin=/usr/sbin/kexec
libdir=/usr/lib/x86_64-linux-gnu
programs="$engine /usr/bin/jackd /usr/bin/jack_lsp /usr/bin/jack_load /usr/bin/jack_connect $kexec_bin $extras"

# LV2: every spec bundle (no binaries, ~1 MB) and the requested plugins
lv2_dirs=""
for b in /usr/lib/lv2/*.lv2; do
	ls "$b"/*.so >/dev/null 2>&1 || lv2_dirs="$lv2_dirs $b"
done
for b in $bundles; do
	case $b in /*) ;; *) b=/usr/lib/lv2/$b ;; esac
	[ -d "$b" ] || {
		echo "build-initramfs: no LV2 bundle $b" >&2
		exit 1
	}
	lv2_dirs="$lv2_dirs $b"
done
plugin_sos=$(find $lv2_dirs -name '*.so' | sort)
# JACK: the dummy driver, plus NetJack2 (net driver and netmanager, ~200 KB)
jack_driver="$libdir/jack/jack_dummy.so $libdir/jack/jack_net.so $libdir/jack/netmanager.so"
for f in $jack_driver; do
	[ -f "$f" ] || {
		echo "build-initramfs: $f missing (jackd2)" >&2
		exit 1
	}
done

# Shared libraries: ldd of every program, plugin and driver.  Without
# --with-faust the engine is resolved against a stub libfaust (no LLVM).
stubdir=$(mktemp -d)
trap 'rm -rf "$stubdir"' EXIT
if [ $with_faust = 0 ]; then
	sh "$here/libfaust-stub.sh" "$engine" "$stubdir/libfaust.so.2"
fi
libs=$(for f in $programs $plugin_sos $jack_driver; do
	LD_LIBRARY_PATH=$stubdir ldd "$f" 2>/dev/null | awk '/=> \//{print $3} /^\t\/lib/{print $1}'
done | grep -v "^$stubdir/" | sort -u)

# --- Hash of every input ----------------------------------------------------
hash=$( (
	echo "compress=$compress faust=$with_faust kpkg=$kpkg kernel_in_image=$kernel_in_image"
	sha256sum "$0" "$here/init" "$here/engine-supervisor.sh" "$here/kexec-load.sh" \
		"$here/libfaust-stub.sh" "$graph" $extra_graphs "$kdeb" $programs $libs $jack_driver
	find $lv2_dirs -type f | sort | xargs sha256sum
) | sha256sum | cut -c1-16)
dest="$out/$hash"
if [ -f "$dest/initrd.img" ] && [ -f "$dest/vmlinuz" ]; then
	echo "$dest"
	exit 0
fi

work=$(mktemp -d "$out/.work.XXXXXX")
trap 'rm -rf "$work" "$stubdir"' EXIT
kx="$work/kernel"
r="$work/root"
mkdir -p "$kx" "$r"
dpkg -x "$kdeb" "$kx"
kver=$(ls "$kx/lib/modules" | head -1)
depmod -b "$kx" "$kver"

# Directory skeleton (usr-merged like Debian 12)
mkdir -p "$r/usr/bin" "$r/usr/sbin" "$r/usr/lib/x86_64-linux-gnu" "$r/usr/lib/lv2" \
	"$r/etc/dspguest" "$r/proc" "$r/sys" "$r/dev" "$r/run" "$r/tmp" "$r/root" \
	"$r/boot" "$r/var/lib/dspguest" "$r/lib/modules"
ln -s usr/bin "$r/bin"
ln -s usr/sbin "$r/sbin"
ln -s usr/lib "$r/lib"
mkdir -p "$r/usr/lib64"
ln -s usr/lib64 "$r/lib64"

# busybox with a real link per applet (busybox --install -s would point to
# /usr/bin/busybox's absolute path and is fine, but keep them relative)
cp /bin/busybox "$r/usr/bin/busybox"
for app in $(busybox --list); do
	[ -e "$r/usr/bin/$app" ] || ln -s busybox "$r/usr/bin/$app"
done

copy_file() { # SRC DEST-IN-ROOT
	mkdir -p "$r$(dirname "$2")"
	cp -L "$1" "$r$2"
}
for l in $libs; do
	# /lib/x86_64-linux-gnu/x and /usr/lib/... are the same directory (usrmerge)
	case $l in
	/lib64/*) copy_file "$l" "/usr$l" ;;
	/lib/*) copy_file "$l" "/usr$l" ;;
	*) copy_file "$l" "$l" ;;
	esac
done
for f in $jack_driver; do
	copy_file "$f" "$f"
done
for p in $programs; do
	copy_file "$p" "/usr/bin/$(basename "$p")"
done
for b in $lv2_dirs; do
	cp -a "$b" "$r/usr/lib/lv2/"
done
if [ $with_faust = 0 ]; then
	cp "$stubdir/libfaust.so.2" "$r$libdir/libfaust.so.2"
fi
cp "$graph" "$r/etc/dspguest/graph.json"
for g in $extra_graphs; do
	cp "$g" "$r/etc/dspguest/$(basename "$g")"
done
cp "$here/init" "$r/init"
cp "$here/engine-supervisor.sh" "$r/usr/bin/dspguest-supervisor"
cp "$here/kexec-load.sh" "$r/usr/bin/dspguest-kexec-load"
chmod 755 "$r/init" "$r/usr/bin/dspguest-supervisor" "$r/usr/bin/dspguest-kexec-load"
echo "root:x:0:0:root:/root:/bin/sh" >"$r/etc/passwd"
echo "root:x:0:" >"$r/etc/group"

# Kernel modules: virtio-net, virtio-pci, virtio-blk (the boot disks),
# pvpanic, in dependency order
: >"$r/etc/dspguest/modules"
for m in virtio_pci virtio_net virtio_blk pvpanic_mmio pvpanic_pci; do
	modprobe -d "$kx" -S "$kver" --show-depends "$m" 2>/dev/null | awk '$1=="insmod"{print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
	rel=${ko#"$kx"/lib/modules/"$kver"/}
	mkdir -p "$r/lib/modules/$(dirname "$rel")"
	cp "$ko" "$r/lib/modules/$rel"
	echo "/lib/modules/$rel" >>"$r/etc/dspguest/modules"
done

# The kernel: for QEMU (-kernel, and dspagent's read-only boot disk, from
# which the guest kexecs it); in the initramfs only with --kernel-in-image.
# Its size tells the guest how much of the (sector-padded) disk is kernel.
cp "$kx/boot/vmlinuz-$kver" "$work/vmlinuz"
[ $kernel_in_image = 0 ] || cp "$kx/boot/vmlinuz-$kver" "$r/boot/vmlinuz"
echo "$kver" >"$r/etc/dspguest/kernel-version"
stat -c %s "$work/vmlinuz" >"$r/etc/dspguest/kernel-size"

# The list of the image's own files: without a boot disk the guest rebuilds
# its initrd from it for kexec (an initramfs cannot read the archive it came
# from)
(cd "$r" && find . ! -path ./etc/dspguest/files.list | sort >etc/dspguest/files.list &&
	echo ./etc/dspguest/files.list >>etc/dspguest/files.list)

(cd "$r" && cpio -o -H newc --quiet <etc/dspguest/files.list >"$work/initrd.cpio")
case $compress in
zstd) zstd -q -T0 -3 "$work/initrd.cpio" -o "$work/initrd.img" ;;
gzip) gzip -1 -c "$work/initrd.cpio" >"$work/initrd.img" ;;
none) cp "$work/initrd.cpio" "$work/initrd.img" ;;
*) echo "build-initramfs: unknown compression $compress" >&2; exit 2 ;;
esac

mkdir -p "$dest"
cp "$work/vmlinuz" "$dest/vmlinuz"
cp "$work/initrd.img" "$dest/initrd.img"
{
	echo "kernel_package=$kpkg"
	echo "kernel_version=$kver"
	echo "vmlinuz_bytes=$(stat -c %s "$dest/vmlinuz")"
	echo "initrd_bytes=$(stat -c %s "$dest/initrd.img")"
	echo "initrd_uncompressed_bytes=$(stat -c %s "$work/initrd.cpio")"
	echo "compress=$compress"
	echo "faust=$([ $with_faust = 1 ] && echo real || echo stub)"
	echo "kernel_in_image=$kernel_in_image"
} >"$dest/manifest"
# Keep only the newest few builds
ls -dt "$out"/*/ 2>/dev/null | grep -v '/debs/$' | tail -n +4 | xargs -r rm -rf
echo "$dest"
