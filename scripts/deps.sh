#!/bin/sh
# Install every Debian package vessel's build, tests and benchmark need (with the argument
# `fuzz`, also clang for `make fuzz`). Idempotent: packages already present are not fetched
# again.
set -eu
PKGS="build-essential pkg-config libyajl-dev libseccomp-dev libcap-dev libmnl-dev
busybox-static iproute2 jq python3 python3-jsonschema crun runc
e2fsprogs util-linux procps
libnftnl-dev nftables nettle-dev
zstd xz-utils time
qemu-system-x86
podman conmon golang-github-containers-common containernetworking-plugins containerd"
[ "${1:-}" = fuzz ] && PKGS="$PKGS clang"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: need root to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
