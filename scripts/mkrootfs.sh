#!/bin/sh
# Build a minimal busybox root filesystem from Debian's busybox-static: the default
# template of vessel's demo and tests. usage: scripts/mkrootfs.sh DIR
set -eu
dir=${1:?usage: mkrootfs.sh DIR}
bb=/bin/busybox
[ -x "$bb" ] || { echo "mkrootfs: $bb missing: run scripts/deps.sh (busybox-static)" >&2; exit 1; }
file -L "$bb" 2>/dev/null | grep -q 'statically linked' || ldd "$bb" 2>&1 | grep -q 'not a dynamic' ||
	{ echo "mkrootfs: $bb is not static: install busybox-static" >&2; exit 1; }
tmp="$dir.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp/bin" "$tmp/sbin" "$tmp/usr/bin" "$tmp/usr/sbin" "$tmp/etc" "$tmp/proc" \
	"$tmp/sys" "$tmp/dev" "$tmp/tmp" "$tmp/root" "$tmp/var/tmp" "$tmp/run" "$tmp/home"
chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
cp "$bb" "$tmp/bin/busybox"
# One link per applet, where busybox itself says it belongs.
for app in $("$bb" --list-full); do
	[ -e "$tmp/$app" ] || ln -s /bin/busybox "$tmp/$app"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$tmp/etc/passwd"
printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' >"$tmp/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$tmp/etc/hosts"
: >"$tmp/etc/resolv.conf"
: >"$tmp/etc/hostname"
rm -rf "$dir"
mv "$tmp" "$dir"
echo "mkrootfs: busybox rootfs in $dir"
