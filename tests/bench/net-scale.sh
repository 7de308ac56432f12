#!/usr/bin/env bash
# Networking at scale (issue 13), a benchmark, not a test: the time of `vessel create` and
# `vessel delete --force` of a networked container with a port forward, with 0 and with N
# (default 200) other networked containers present, each with its own port forward; and the
# kernel memory (unreclaimable slab, percpu) 100 containers add without a network namespace, with one, and
# with one plus a veth on a vessel network. Medians of ROUNDS (default 15) creates. Uses its
# own store, state root and network (10.217.0.0/16); leaves nothing behind. Run it as root,
# through /work/bin/itest on a shared machine: usage tests/bench/net-scale.sh [N] [ROUNDS]
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
V=$TOP/vessel
N=${1:-200}
ROUNDS=${2:-15}
T=$(mktemp -d /tmp/vslscale.XXXXXX)
export VESSEL_STORE=$T/store
R=$T/root
BR=vsc$(( $$ % 100000 ))
vsl() { "$V" --root "$R" "$@"; }
ms() { echo $(( ($2 - $1) / 1000 )); }	# ns -> us

cleanup() {
	local id
	for id in $(ls "$R" 2>/dev/null); do vsl delete --force "$id" >/dev/null 2>&1; done
	"$V" network rm "$BR" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

mkdir -p "$T/b"
cp -a "$TOP/build/busybox-rootfs" "$T/b/rootfs"
"$V" spec -b "$T/b"
jq --arg br "$BR" '.process.terminal = false | .process.args = ["sleep", "3000"] |
	.annotations["vessel.net.bridge"] = $br' "$T/b/config.json" >"$T/b/c" && mv "$T/b/c" "$T/b/config.json"
"$V" network create "$BR" --subnet 10.217.0.0/16 --subnet6 fd21:7::/64 || exit 1

bundle() { # ID PORT [jq filter]: a bundle sharing the rootfs, forwarding PORT
	mkdir -p "$T/$1"
	ln -sfn "$T/b/rootfs" "$T/$1/rootfs"
	jq --arg p "$2:80" ".annotations[\"vessel.net.ports\"] = \$p ${3:+| $3}" "$T/b/config.json" \
		>"$T/$1/config.json"
}

median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) / 1000 }'; }

# timeit LABEL: median create and delete (ms) of ROUNDS networked containers
timeit() {
	local i t0 t1 t2 c=$T/c.times d=$T/d.times
	: >"$c"; : >"$d"
	for i in $(seq "$ROUNDS"); do
		bundle "$1$i" $((40000 + i))
		t0=$(date +%s%N)
		vsl create -b "$T/$1$i" "$1$i" </dev/null >/dev/null 2>&1 || echo "create $1$i failed" >&2
		t1=$(date +%s%N)
		vsl delete --force "$1$i"
		t2=$(date +%s%N)
		ms "$t0" "$t1" >>"$c"; ms "$t1" "$t2" >>"$d"
	done
	echo "$1: create $(median <"$c") ms, delete $(median <"$d") ms (median of $ROUNDS)"
}

# unreclaimable slab and percpu memory: what namespaces and devices take (the reclaimable
# dentry and inode caches move with everything else running on the machine)
kmem() { awk '/^SUnreclaim:/ { s = $2 } /^Percpu:/ { p = $2 } END { print s + p }' /proc/meminfo; }

# many PREFIX COUNT [jq filter]: COUNT created containers; prints the kernel memory they add
many() {
	local i before after
	before=$(kmem)
	for i in $(seq "$2"); do
		bundle "$1$i" $((30000 + i)) "${3:-}"
		# (a created container keeps its stdio: not the pipe of $(many ...))
		vsl create -b "$T/$1$i" "$1$i" </dev/null >/dev/null 2>&1 ||
			{ echo "create $1$i failed" >&2; break; }
	done
	after=$(kmem)
	echo $(( (after - before) / $2 ))
}
drop() { local i; for i in $(seq "$2"); do vsl delete --force "$1$i"; done; }

timeit zero
many o "$N" >/dev/null
timeit "with$N"
drop o "$N"

nonet='del(.annotations["vessel.net.bridge"]) | del(.annotations["vessel.net.ports"]) |
	.linux.namespaces |= map(select(.type != "network"))'
k0=$(many h 100 "$nonet"); drop h 100
k1=$(many n 100 'del(.annotations["vessel.net.bridge"]) | del(.annotations["vessel.net.ports"])'); drop n 100
k2=$(many v 100); drop v 100
echo "kernel memory (unreclaimable slab + percpu) per created container: ${k0} KiB sharing the host's network" \
     "namespace, ${k1} KiB with its own, ${k2} KiB with its own and a veth on a vessel network:" \
     "the netns costs $((k1 - k0)) KiB, the veth and its addresses $((k2 - k1)) KiB"
