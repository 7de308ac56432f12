#!/bin/sh
# Build a Debian 12 (bookworm) root filesystem that boots systemd in a VPS: debootstrap's
# minbase plus systemd, dbus, procps, iproute2 and busybox, with one tiny service
# (vps-httpd.service: busybox httpd on port 80 serving /srv/www) enabled, an empty
# /etc/machine-id (each VPS gets its own at first boot) and no apt lists.
# usage: scripts/mktemplate-debian.sh DIR [MIRROR]
# The downloaded packages are kept in build/cache/debootstrap (make clean leaves them), so a
# rebuild needs no network. Import the result with `vessel template import debian12 DIR`.
set -eu
dir=${1:?usage: mktemplate-debian.sh DIR [MIRROR]}
mirror=${2:-http://deb.debian.org/debian}
top=$(cd "$(dirname "$0")/.." && pwd)
cache=$top/build/cache/debootstrap
command -v debootstrap >/dev/null || { echo "mktemplate-debian: debootstrap missing: run scripts/deps.sh" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "mktemplate-debian: needs root (debootstrap makes device nodes and chroots)" >&2; exit 1; }
mkdir -p "$cache"
tmp="$dir.tmp.$$"
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT
debootstrap --variant=minbase --cache-dir="$cache" \
	--include=systemd,systemd-sysv,dbus,procps,iproute2,busybox \
	bookworm "$tmp" "$mirror" >"$tmp.log" 2>&1 || {
	tail -n 20 "$tmp.log" >&2
	echo "mktemplate-debian: debootstrap failed (log above)" >&2
	rm -f "$tmp.log"
	exit 1
}
rm -f "$tmp.log"
mkdir -p "$tmp/srv/www" "$tmp/etc/systemd/system/multi-user.target.wants"
echo "hello from a vessel VPS" >"$tmp/srv/www/index.html"
cat >"$tmp/etc/systemd/system/vps-httpd.service" <<'EOF'
[Unit]
Description=Tiny web server (busybox httpd on port 80, /srv/www)
After=network.target

[Service]
ExecStart=/bin/busybox httpd -f -p 80 -h /srv/www
Restart=on-failure

[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/vps-httpd.service \
	"$tmp/etc/systemd/system/multi-user.target.wants/vps-httpd.service"
# Each VPS makes its own machine id on first boot (systemd: empty file = not yet set).
: >"$tmp/etc/machine-id"
rm -f "$tmp/var/lib/dbus/machine-id"
echo debian12 >"$tmp/etc/hostname"
rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/var/cache/apt/*.bin "$tmp"/var/log/*.log
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
echo "mktemplate-debian: Debian 12 template in $dir ($(du -sh "$dir" | cut -f1))"
