#!/bin/sh
# Install every Debian package vessel's build, tests and benchmark need (with the argument
# `fuzz`, also clang for `make fuzz`). Idempotent: packages already present are not fetched
# again. Services the packages bring (dockerd, containerd, lxcfs) are not started: the tests
# start their own, with private state, and stop them.
set -eu
PKGS="build-essential pkg-config libyajl-dev libseccomp-dev libcap-dev libmnl-dev
busybox-static iproute2 jq python3 python3-jsonschema crun runc
e2fsprogs xfsprogs util-linux procps
libnftnl-dev nftables nettle-dev libsystemd-dev
zstd xz-utils time debootstrap man-db
qemu-system-x86
podman conmon golang-github-containers-common containernetworking-plugins containerd
golang-github-opencontainers-specs-dev
lxcfs uidmap libsubid-dev slirp4netns passt criu docker.io"
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
# No service may start from a package's postinst (policy-rc.d exit 101: "action forbidden"),
# unless the machine already has its own policy.
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	policy=/usr/sbin/policy-rc.d
	trap 'rm -f "$policy"' EXIT
fi
# Another install may hold dpkg's lock (a second checkout on the same machine): wait for it.
apt-get -o DPkg::Lock::Timeout=600 update -qq
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing
