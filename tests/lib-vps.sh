# Helpers of the VPS suites (tests/integration/8x-vps*.sh), on top of tests/lib.sh: the
# templates, a network of the test's own, a private lxcfs, and what "nothing left of a VPS"
# means. Sourced after lib.sh.

VPS_NET=vtv$(( $$ % 1000000 ))
# A /24 in 10.221-10.229.x that no host route covers (vessel refuses overlapping subnets).
vps_free_net() {
	local a x
	for a in 221 222 223 224 225 226 227 228 229; do
		for x in $(seq $(( $$ % 200 )) $(( $$ % 200 + 40 ))); do
			ip -4 route show | grep -q "^10\.$a\.$x\." || { echo "10.$a.$x"; return; }
		done
	done
}
VPS_SUBNET=$(vps_free_net)
VPS_GW=$VPS_SUBNET.1
VPS_PB=$(( 30000 + ($$ % 300) * 100 ))	# this test's host ports: VPS_PB .. VPS_PB+99
VPS_FWD_WAS=$(cat /proc/sys/net/ipv4/ip_forward)
LXCFS_PID=

# The busybox-init template (scripts/mktemplate-busybox.sh), imported as bbinit.
vps_busybox_template() {
	"$TOP/scripts/mktemplate-busybox.sh" "$TMP/bbinit" "$ROOTFS_SRC" >/dev/null &&
		"$VESSEL" template import bbinit "$TMP/bbinit" >/dev/null
}

# The Debian 12 template, built with debootstrap when build/ has none, imported as debian12.
vps_debian_template() {
	local dir=$TOP/build/debian12-rootfs
	if [ ! -x "$dir/lib/systemd/systemd" ]; then
		diag "building the Debian 12 template with debootstrap (cached in build/)"
		"$TOP/scripts/mktemplate-debian.sh" "$dir" >&2 || return 1
	fi
	"$VESSEL" template import debian12 "$dir" >/dev/null
}

vps_network() { "$VESSEL" network create "$VPS_NET" --subnet "$VPS_SUBNET.0/24" >/dev/null; }

# The test's last steps: its network goes, with its bridge (asserted, not left to cleanup).
vps_network_gone() {
	check "network rm $VPS_NET" "$VESSEL" network rm "$VPS_NET"
	[ -e "/sys/class/net/$VPS_NET" ] && not_ok "no bridge $VPS_NET left" || ok "no bridge $VPS_NET left"
}

# A private lxcfs for this test (the host's packaged one is not assumed): VESSEL_LXCFS.
vps_lxcfs_start() {
	local i
	mkdir -p "$TMP/lxcfs"
	lxcfs -f -p "$TMP/lxcfs.pid" "$TMP/lxcfs" >"$TMP/lxcfs.log" 2>&1 &
	LXCFS_PID=$!
	for i in $(seq 50); do
		[ -r "$TMP/lxcfs/proc/meminfo" ] && break
		sleep 0.1
	done
	[ -r "$TMP/lxcfs/proc/meminfo" ] || return 1
	export VESSEL_LXCFS=$TMP/lxcfs
}

vps_lxcfs_stop() {
	[ -n "$LXCFS_PID" ] || return 0
	kill "$LXCFS_PID" 2>/dev/null
	wait "$LXCFS_PID" 2>/dev/null
	umount -l "$TMP/lxcfs" 2>/dev/null
	LXCFS_PID=
}

# The keepers and other processes of this test's vessel (their command line names --root
# ROOT); zombies are dead and not counted.
vps_procs() {
	local p
	for p in $(pgrep -f -- "--root $ROOT" 2>/dev/null); do
		[ "$p" = $$ ] && continue
		[ "$(awk '{print $3}' /proc/"$p"/stat 2>/dev/null)" = Z ] && continue
		[ -e /proc/"$p" ] && echo "$p"
	done
}

# vps_leftovers NAME: what is left of VPS NAME (empty: nothing): its container (state dir,
# mounts, cgroups), keeper, definition, private layer, reservations, leases, port rules.
vps_leftovers() {
	local n=$1
	leftovers "$n"
	[ -e "$STORE/vps/$n" ] && echo "definition $STORE/vps/$n"
	[ -e "$STORE/containers/$n" ] && echo "private layer $STORE/containers/$n"
	grep -lx "$n" "$STORE"/vps/.reserved/* 2>/dev/null | sed 's/^/reservation /'
	local l
	for l in "$STORE"/net/*.addrs/*; do	# netns: one symlink per address, to its holder
		[ -L "$l" ] && [ "$(readlink "$l")" = "$n" ] && echo "lease $l"
	done
	nft list table inet vessel 2>/dev/null | grep -F " $n\"" | sed 's/^/nft rule /'
	local p; p=$(vps_procs | tr '\n' ' ')
	[ -n "$p" ] && echo "processes $p"
	return 0
}

assert_vps_gone() {
	local out; out=$(vps_leftovers "$1")
	if [ -z "$out" ]; then ok "nothing left of VPS $1"; else not_ok "nothing left of VPS $1"; diag "$out"; fi
}

# vps_wait NAME STATUS [tries of 0.2 s]: until vps show says STATUS.
vps_wait() {
	local i
	for i in $(seq "${3:-100}"); do
		[ "$(vsl vps show "$1" 2>/dev/null | jq -r .status)" = "$2" ] && return 0
		sleep 0.2
	done
	return 1
}

vps_pid() { vsl vps show "$1" | jq -r '.state.pid // empty'; }

# console_say NAME TEXT...: type each TEXT (a line) into the console, a moment apart, then
# detach with Ctrl-]; prints what the console showed meanwhile.
console_say() {
	local n=$1; shift
	{ sleep 0.5; for l in "$@"; do printf '%s\n' "$l"; sleep 0.7; done; printf '\035'; } |
		vsl vps console "$n" 2>&1
}

# lib.sh's _cleanup (run by done_testing and on exit) with the VPSes, lxcfs and the network
# of this test first: done_testing clears the EXIT trap, so a trap of our own would not run
# at a normal end.
eval "_lib_cleanup() $(declare -f _cleanup | tail -n +2)"
_cleanup() {
	local n
	for n in $(ls "$STORE/vps" 2>/dev/null); do vsl vps rm --force "$n" >/dev/null 2>&1; done
	vps_lxcfs_stop
	"$VESSEL" network rm "$VPS_NET" >/dev/null 2>&1
	echo "$VPS_FWD_WAS" >/proc/sys/net/ipv4/ip_forward
	_lib_cleanup
}
