#!/bin/sh
# Build what tests/vm/run.sh boots: Debian's kernel (downloaded with apt-get and unpacked under
# build/vm/kernel, never installed into /boot or /lib/modules) and a small initramfs (Debian's
# static busybox, tests/vm/init, and the modules needed to mount the host's root over virtio-9p).
# Cached: a second run does nothing unless the kernel package or an input file changed.
# usage: tests/vm/build.sh          (prints the build dir's kernel and initrd paths when done)
# env:   VM_KERNEL_PKG=linux-image-<version>-amd64 to pin a kernel package
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/vm
mkdir -p "$out"

# Modules loaded at boot (with their modules.dep closure): the 9p root and its overlay first,
# then what container tests use. Anything else is loaded on demand by the kernel through
# modprobe and the full module tree (see tests/vm/init).
MODULES="virtio_pci 9pnet_virtio 9p overlay loop veth bridge"

die() {
	echo "vm build: $*" >&2
	exit 1
}

# The kernel package linux-image-amd64 points at, unless pinned; with no apt lists (offline),
# whatever is already unpacked.
kernel_pkg() {
	if [ -n "${VM_KERNEL_PKG:-}" ]; then
		echo "$VM_KERNEL_PKG"
		return
	fi
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
	if [ -z "$pkg" ] && [ ! -f "$out/kernel/.pkg" ] && [ "$(id -u)" = 0 ]; then
		apt-get update -qq >&2
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
	fi
	[ -z "$pkg" ] && [ -f "$out/kernel/.pkg" ] && pkg=$(cat "$out/kernel/.pkg")
	[ -n "$pkg" ] || die "cannot tell the kernel package (apt-get update first?)"
	echo "$pkg"
}

# Download and unpack the kernel package into $out/kernel, then index its modules.
fetch_kernel() {
	pkg=$1
	[ -f "$out/kernel/.pkg" ] && [ "$(cat "$out/kernel/.pkg")" = "$pkg" ] && return 0
	echo "vm build: fetching $pkg" >&2
	rm -rf "$out/kernel" "$out/kernel.tmp" "$out/deb"
	mkdir -p "$out/deb"
	(cd "$out/deb" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) ||
		die "apt-get download $pkg failed"
	dpkg -x "$out"/deb/*.deb "$out/kernel.tmp"
	rm -rf "$out/deb"
	kver=$(ls "$out/kernel.tmp/lib/modules")
	# The package ships no modules.dep (its postinst runs depmod): make one here.
	busybox depmod -b "$out/kernel.tmp" "$kver"
	# The uncompressed ELF kernel, booted through its PVH entry: under TCG, qemu's emulator,
	# the bzImage's own xz decompression takes seconds of every boot.
	python3 - "$out/kernel.tmp/boot/vmlinuz-$kver" "$out/kernel.tmp/boot/vmlinux-$kver" <<-'EOF' ||
		import lzma, sys
		data = open(sys.argv[1], "rb").read()
		at = data.find(b"\xfd7zXZ\x00")
		if at < 0:
		    sys.exit("vm build: no xz stream in " + sys.argv[1])
		elf = lzma.LZMADecompressor().decompress(data[at:])
		if elf[:4] != b"\x7fELF":
		    sys.exit("vm build: the xz stream in " + sys.argv[1] + " is not an ELF kernel")
		open(sys.argv[2], "wb").write(elf)
	EOF
		die "cannot unpack vmlinux from vmlinuz-$kver"
	echo "$pkg" >"$out/kernel.tmp/.pkg"
	mv "$out/kernel.tmp" "$out/kernel"
}

# Print the .ko paths (relative to the module dir) of the named modules and everything they
# depend on, dependencies first.
module_closure() {
	dir=$1
	shift
	awk -v want="$*" '
	function visit(m,   i, n, d) {
		if (m in seen)
			return
		seen[m] = 1
		if (!(m in path)) {
			print "vm build: no module " m > "/dev/stderr"
			exit 1
		}
		n = split(deps[m], d, " ")
		for (i = 1; i <= n; i++)
			visit(d[i])
		print path[m]
	}
	function name(p) { sub(/.*\//, "", p); sub(/\.ko.*$/, "", p); gsub(/-/, "_", p); return p }
	{
		p = $1; sub(/:$/, "", p)
		m = name(p); path[m] = p; deps[m] = ""
		for (i = 2; i <= NF; i++)
			deps[m] = deps[m] " " name($i)
	}
	END {
		n = split(want, w, " ")
		for (i = 1; i <= n; i++)
			visit(w[i])
	}' "$dir/modules.dep"
}

build_initrd() {
	kver=$(ls "$out/kernel/lib/modules")
	mdir=$out/kernel/lib/modules/$kver
	stage=$out/initramfs.tmp
	rm -rf "$stage"
	mkdir -p "$stage/bin" "$stage/dev" "$stage/proc" "$stage/sys" "$stage/newroot" \
		"$stage/lower" "$stage/rw" "$stage/lib/modules/$kver"
	cp /bin/busybox "$stage/bin/busybox"
	cp "$top/tests/vm/init" "$stage/init"
	chmod 0755 "$stage/init"
	# shellcheck disable=SC2086 # one word per module
	list=$(module_closure "$mdir" $MODULES) || exit 1
	for ko in $list; do
		mkdir -p "$stage/lib/modules/$kver/$(dirname "$ko")"
		cp "$mdir/$ko" "$stage/lib/modules/$kver/$ko"
	done
	# modules.dep of just these modules, so busybox modprobe in /init resolves the order.
	for ko in $list; do
		grep "^$ko:" "$mdir/modules.dep"
	done >"$stage/lib/modules/$kver/modules.dep"
	echo "$MODULES" | tr ' ' '\n' | grep . >"$stage/modules.load"
	(cd "$stage" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$out/initrd.tmp"
	mv "$out/initrd.tmp" "$out/initrd.img"
	rm -rf "$stage"
}

command -v busybox >/dev/null || die "busybox not found (apt-get install busybox-static)"
command -v file >/dev/null && file -L /bin/busybox | grep -q dynamically &&
	die "/bin/busybox is dynamically linked; the initramfs needs busybox-static"

# One build at a time; a concurrent run.sh waits here and then finds everything cached.
exec 9>"$out/.lock"
flock 9
fetch_kernel "$(kernel_pkg)"
stale=0
[ -f "$out/initrd.img" ] || stale=1
# shellcheck disable=SC3013 # -nt: dash and busybox sh have it
for f in "$top/tests/vm/init" "$top/tests/vm/build.sh" "$out/kernel/.pkg" /bin/busybox; do
	[ "$f" -nt "$out/initrd.img" ] && stale=1
done
[ "$stale" = 1 ] && build_initrd
echo "$out/kernel/boot/vmlinux-$(ls "$out/kernel/lib/modules")"
echo "$out/initrd.img"
