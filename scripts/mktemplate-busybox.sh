#!/bin/sh
# Build a busybox-init VPS template from the busybox rootfs (scripts/mkrootfs.sh): busybox
# init as PID 1 with an inittab that runs /etc/init.d/rcS, a shell on the console, a tiny
# service (busybox httpd on port 80 serving /srv/www, respawned) and shutdown actions that
# say so on the console. usage: scripts/mktemplate-busybox.sh DIR [BUSYBOX_ROOTFS]
set -eu
dir=${1:?usage: mktemplate-busybox.sh DIR [BUSYBOX_ROOTFS]}
top=$(cd "$(dirname "$0")/.." && pwd)
src=${2:-$top/build/busybox-rootfs}
[ -x "$src/bin/busybox" ] || "$top/scripts/mkrootfs.sh" "$src"
tmp="$dir.tmp.$$"
rm -rf "$tmp"
cp -a "$src" "$tmp"
mkdir -p "$tmp/etc/init.d" "$tmp/srv/www" "$tmp/var/log"
cat >"$tmp/etc/inittab" <<'EOF'
::sysinit:/etc/init.d/rcS
::askfirst:-/bin/sh
::respawn:/bin/busybox httpd -f -p 80 -h /srv/www
::shutdown:/bin/echo "busybox-init: running shutdown actions"
::shutdown:/bin/kill -TERM -1
EOF
cat >"$tmp/etc/init.d/rcS" <<'EOF'
#!/bin/sh
hostname -F /etc/hostname 2>/dev/null
echo "busybox-init: up as $(hostname)"
EOF
chmod 755 "$tmp/etc/init.d/rcS"
echo "hello from a busybox VPS" >"$tmp/srv/www/index.html"
echo busybox >"$tmp/etc/hostname"
rm -rf "$dir"
mv "$tmp" "$dir"
echo "mktemplate-busybox: busybox-init template in $dir"
