#!/bin/sh
# Installs the Debian packages the VM tests and the guest image need (kept
# out of install-deps.sh: ~60 MB).  Called by tests/vm/run.sh, so a fresh
# machine gets them on the first VM test; safe to run again.
# The guest kernel is not installed: build-initramfs.sh fetches it with
# `apt-get download` and unpacks it with dpkg -x.
set -eu

PKGS="qemu-system-x86 kexec-tools busybox-static cpio kmod zstd nix-bin"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-vm-deps: missing:$missing (run as root to install)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
