#!/usr/bin/env bash
# Security: isolation between vessel networks (issue 10, class 5). Real containers on two
# bridges (and a third): TCP, UDP and ICMP over IPv4 and IPv6 between networks are dropped,
# flow after `vessel network connect`, are dropped again after `disconnect`; traffic inside a
# network, host to container, egress through NAT and port forwards (from the host, from
# outside and from another network's containers) keep working; nothing is left after the
# networks are removed.
#
# The suite re-executes itself in a private network namespace: its bridges, nftables table,
# forwarding settings and the "uplink" (a veth to a namespace playing the outside world)
# never touch the machine's. IPv6 forwarding is on there, so the host would route IPv6
# between the bridges: only vessel's rules can stop it. TCP and UDP probes
# (tests/helpers/netprobe.py) run in the containers' network namespaces (nsenter --net: the
# packets leave through the container's own eth0, address and routes); ping runs inside the
# containers (vessel exec).
if [ -z "${VSL_NET_PRIVATE:-}" ]; then
	VSL_NET_PRIVATE=1 exec unshare --net bash "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

PROBE=$TOP/tests/helpers/netprobe.py
PORT=7000
FWD=18000
A=vsa$$ B=vsb$$ C=vsc$$
A=${A:0:15} B=${B:0:15} C=${C:0:15}
declare -A SRV	# container id (or wan) -> its probe server's pid

# Also run before done_testing (which drops the EXIT trap): servers, the outside namespace.
stop_all() {
	local id p
	for p in "${SRV[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	SRV=()
	[ -n "${WAN:-}" ] && kill "$WAN" 2>/dev/null && wait "$WAN" 2>/dev/null
	WAN=
	for id in $(ls "$ROOT" 2>/dev/null); do vsl delete --force "$id" >/dev/null 2>&1; done
	for n in "$A" "$B" "$C"; do "$VESSEL" network rm "$n" >/dev/null 2>&1; done
}
net_cleanup() { stop_all; _cleanup; }
trap net_cleanup EXIT

command -v nft >/dev/null || { echo "not ok 1 - nft (package nftables) is needed to inspect rules"; exit 1; }
ip link set lo up
echo 1 >/proc/sys/net/ipv6/conf/all/forwarding

# --- the outside world: namespace WAN at 10.250.0.2 behind this namespace's uplink up0
timeout 900 unshare --net sleep 900 >/dev/null 2>&1 &
for i in $(seq 20); do WAN=$(pgrep -P $! -x sleep) && break; sleep 0.1; done
ip link add up0 type veth peer name wan0 netns /proc/$WAN/ns/net
ip addr add 10.250.0.1/24 dev up0 && ip link set up0 up
nsenter --net=/proc/$WAN/ns/net sh -c 'ip link set lo up && ip addr add 10.250.0.2/24 dev wan0 &&
	ip link set wan0 up && ip route add default via 10.250.0.1'

pid_of() { state_field "$1" pid; }
in_ns() { local id=$1; shift; nsenter --net="/proc/$(pid_of "$id")/ns/net" "$@"; }
addr4() { vsl state "$1" | jq -r '.annotations["vessel.net.addr4"] // empty' | cut -d/ -f1; }
addr6() { vsl state "$1" | jq -r '.annotations["vessel.net.addr6"] // empty' | cut -d/ -f1; }

# serve NAME NSFILE: the probe server (TCP and UDP echo on $PORT) in that network namespace.
# Every background process here is under timeout: one that outlived the suite would keep the
# test lock (and a namespace) held.
serve() {
	local out=$TMP/srv.$1 i
	timeout 600 nsenter --net="$2" python3 "$PROBE" serve "$PORT" >"$out" 2>&1 &
	SRV[$1]=$!
	for i in $(seq 50); do grep -q ready "$out" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

# stop ID: its server first (a process in its network namespace would keep it alive), then
# the container
stop() {
	kill "${SRV[$1]}" 2>/dev/null && wait "${SRV[$1]}" 2>/dev/null
	unset "SRV[$1]"
	vsl delete --force "$1"
}

# container ID NETWORK: a running container (sleep) on NETWORK with the probe server
container() {
	local dir=$TMP/$1
	make_bundle "$dir" sleep 900
	edit_config "$dir" '.annotations["vessel.net.bridge"] = $br |
		.process.capabilities |= with_entries(.value += ["CAP_NET_RAW"])' --arg br "$2"
	[ -n "${3:-}" ] && edit_config "$dir" '.annotations["vessel.net.ports"] = $p' --arg p "$3"
	vsl run -d -b "$dir" "$1" && serve "$1" "/proc/$(pid_of "$1")/ns/net"
}

# probe FROM PROTO ADDR [PORT]: 0 if ADDR answered; the reply (the peer address the other
# side saw, then "probe") in $TMP/probe.out
probe() {
	local port=${4:-$PORT}
	if [ "$2" = icmp ]; then
		vsl exec "$1" ping -c 1 -W 1 "$3" >"$TMP/probe.out" 2>&1
	else
		in_ns "$1" python3 "$PROBE" "$2" "$3" "$port" 1 >"$TMP/probe.out" 2>&1
	fi
}

fam() { [[ $1 == *:* ]] && echo IPv6 || echo IPv4; }

# matrix FROM TO reach|blocked PHASE: TCP, UDP, ICMP over IPv4 and IPv6
matrix() {
	local from=$1 to=$2 want=$3 phase=$4 a proto rc
	for a in "$(addr4 "$to")" "$(addr6 "$to")"; do
		for proto in tcp udp icmp; do
			probe "$from" "$proto" "$a"; rc=$?
			if { [ "$want" = reach ] && [ $rc = 0 ]; } || { [ "$want" = blocked ] && [ $rc != 0 ]; }; then
				ok "$phase: $from -> $to $proto $(fam "$a"): $want"
			else
				not_ok "$phase: $from -> $to $proto $(fam "$a"): $want"; diag "$(cat "$TMP/probe.out")"
			fi
		done
	done
}

check "network create $A" "$VESSEL" network create "$A" --subnet 10.251.1.0/24 --subnet6 fd25:1::/64
check "network create $B" "$VESSEL" network create "$B" --subnet 10.251.2.0/24 --subnet6 fd25:2::/64
container a1 "$A" && container a2 "$A" && ok "containers a1, a2 on $A" || not_ok "containers a1, a2 on $A"
container b1 "$B" "$FWD:$PORT" && ok "container b1 on $B, publishing host port $FWD" ||
	not_ok "container b1 on $B, publishing host port $FWD"
serve wan "/proc/$WAN/ns/net"
serve host /proc/self/ns/net

# --- isolation by default
matrix a1 a2 reach "same network"
matrix a1 b1 blocked "isolated"
matrix b1 a1 blocked "isolated"
probe a1 tcp 10.251.2.1 && ok "a1 reaches the host on $B's gateway address (the host is not a network)" ||
	{ not_ok "a1 reaches the host on $B's gateway address"; diag "$(cat "$TMP/probe.out")"; }
probe b1 tcp 10.250.0.2
like "egress: b1 reaches the outside, masqueraded to the uplink address" "$(cat "$TMP/probe.out")" '^10\.250\.0\.1 probe$'
probe a1 icmp 10.250.0.2 && ok "egress: a1 pings the outside" || not_ok "egress: a1 pings the outside"
python3 "$PROBE" tcp "$(addr4 b1)" "$PORT" 1 >/dev/null && ok "host -> b1 TCP" || not_ok "host -> b1 TCP"
python3 "$PROBE" udp "$(addr6 b1)" "$PORT" 1 >/dev/null && ok "host -> b1 UDP IPv6" || not_ok "host -> b1 UDP IPv6"
probe a1 tcp 10.251.1.1 "$FWD"
like "port forward from another network: a1 -> its gateway:$FWD reaches b1, which sees a1" \
	"$(cat "$TMP/probe.out")" "^$(addr4 a1) probe$"
probe a1 tcp 10.250.0.1 "$FWD" && ok "port forward on the uplink address from a1" ||
	not_ok "port forward on the uplink address from a1"
nsenter --net=/proc/$WAN/ns/net python3 "$PROBE" tcp 10.250.0.1 "$FWD" 1 >"$TMP/probe.out" 2>&1
like "port forward from outside: the outside world reaches b1" "$(cat "$TMP/probe.out")" '^10\.250\.0\.2 probe$'
python3 "$PROBE" udp 10.251.2.1 "$FWD" 1 >/dev/null 2>&1 && not_ok "only the tcp port is forwarded" ||
	ok "udp $FWD is not forwarded (the annotation said tcp)"

# --- route_localnet is on for the bridges (forwards answer on 127.0.0.1): a tenant that
# routes 127.0.0.1 out of its eth0 must still not reach the host's loopback-only services
timeout 600 python3 "$PROBE" serve 7200 127.0.0.1 >"$TMP/srv.lo" 2>&1 &
SRV[lo]=$!
for i in $(seq 50); do grep -q ready "$TMP/srv.lo" && break; sleep 0.1; done
container x1 "$A" && ok "container x1 on $A" || not_ok "container x1 on $A"
in_ns x1 sh -c 'echo 1 >/proc/sys/net/ipv4/conf/eth0/route_localnet &&
	ip route del local 127.0.0.1 dev lo table local && ip route del local 127.0.0.0/8 dev lo table local &&
	ip route add 127.0.0.1/32 via 10.251.1.1 dev eth0' && ok "x1 routes 127.0.0.1 to the host" ||
	not_ok "x1 routes 127.0.0.1 to the host"
guard() { nft list chain inet vessel guard | grep 'daddr 127.0.0.0/8' | grep -o 'packets [0-9]*' | cut -d' ' -f2; }
before=$(guard)
python3 "$PROBE" tcp 127.0.0.1 7200 1 >/dev/null && ok "the host's own 127.0.0.1:7200 answers the host" ||
	not_ok "the host's own 127.0.0.1:7200 answers the host"
probe x1 tcp 127.0.0.1 7200 && not_ok "x1 reached the host's 127.0.0.1:7200" ||
	ok "x1 cannot reach the host's 127.0.0.1:7200"
after=$(guard)
[ "${after:-0}" -gt "${before:-0}" ] && ok "its packets reached the host and the guard dropped them ($before -> $after)" ||
	not_ok "the guard saw x1's packets ($before -> $after)"
check "delete x1" stop x1

# --- connect: allowed both ways, recorded in both networks, shown by network list
check "network connect $A $B" "$VESSEL" network connect "$A" "$B"
matrix a1 b1 reach "connected"
matrix b1 a1 reach "connected"
probe b1 tcp "$(addr4 a1)"
like "connected networks are routed, not masqueraded: a1 sees b1's own address" "$(cat "$TMP/probe.out")" \
	"^$(addr4 b1) probe$"
is "both records list the connection" "$(jq -c .connected "$STORE/net/$A.json") $(jq -c .connected "$STORE/net/$B.json")" \
	"[\"$B\"] [\"$A\"]"
like "network list shows it" "$("$VESSEL" network list | grep "^$A ")" " $B\$"
is "network list --format json shows it" "$("$VESSEL" network list --format json | jq -r --arg n "$A" '.[] | select(.name == $n) | .connected[0]')" "$B"
check "connect again is fine" "$VESSEL" network connect "$B" "$A"
is "and records it once" "$(jq -c .connected "$STORE/net/$A.json")" "[\"$B\"]"

# --- disconnect: blocked again
check "network disconnect $B $A" "$VESSEL" network disconnect "$B" "$A"
matrix a1 b1 blocked "disconnected"
probe b1 icmp "$(addr4 a1)" && not_ok "disconnected: b1 -> a1 icmp" || ok "disconnected: b1 -> a1 icmp IPv4: blocked"
is "both records forget it" "$(jq -c .connected "$STORE/net/$A.json") $(jq -c .connected "$STORE/net/$B.json")" "[] []"
matrix a1 a2 reach "after disconnect, same network"

# --- connected at create; removed when a network goes
check "network create $C --connect $A" "$VESSEL" network create "$C" --subnet 10.251.3.0/24 --connect "$A"
container c1 "$C" && ok "container c1 on $C" || not_ok "container c1 on $C"
probe c1 tcp "$(addr4 a1)" && ok "c1 ($C) reaches a1 ($A)" || { not_ok "c1 reaches a1"; diag "$(cat "$TMP/probe.out")"; }
probe a1 icmp "$(addr4 c1)" && ok "a1 pings c1" || not_ok "a1 pings c1"
probe c1 tcp "$(addr4 b1)" && not_ok "c1 reaches b1" || ok "c1 ($C) does not reach b1 ($B)"
fails_with "connect a network to itself" "cannot connect a network to itself" "$VESSEL" network connect "$A" "$A"
fails_with "connect to an unknown network" "network vsnosuch: not found" "$VESSEL" network connect "$A" vsnosuch
fails_with "create --connect an unknown network" "network vsnosuch: not found" \
	"$VESSEL" network create vsd$$ --subnet 10.251.4.0/24 --connect vsnosuch
[ -e "$STORE/net/vsd$$.json" ] && not_ok "refused create left a record" || ok "refused create left no record"
is "an unknown network got no record either" "$(ls "$STORE/net" | grep -c vsnosuch)" 0
fails_with "network connect needs two networks" "expected two networks" "$VESSEL" network connect "$A"
fails_with "network rm while in use" "network $C: in use by 1 container \(c1\)" "$VESSEL" network rm "$C"
check "delete c1" stop c1
assert_no_leftovers c1
check "network rm $C" "$VESSEL" network rm "$C"
is "removing $C removed it from $A's record" "$(jq -c .connected "$STORE/net/$A.json")" "[]"
is "and its pairs from the kernel" "$(nft list set inet vessel links | grep -c "\"$C\"")" 0
matrix a1 a2 reach "after $C is gone, same network"

# --- nothing left
for id in a1 a2 b1; do check "delete $id" stop "$id"; assert_no_leftovers "$id"; done
check "network rm $A, $B" sh -c "'$VESSEL' network rm $A && '$VESSEL' network rm $B"
is "no bridge left" "$(ip -o link show type bridge | wc -l)" 0
is "no veth left but the uplink" "$(ip -o link show type veth | grep -vc ' up0@')" 0
is "no nftables table left" "$(nft list tables | grep -c vessel)" 0
is "no lease, record or network file left" "$(cd "$STORE/net" && ls -A | grep -v '^lock$' | wc -l)" 0
wan=$WAN
stop_all
is "no probe server left" "$(pgrep -fc "$PROBE" || true)" 0
kill -0 "$wan" 2>/dev/null && not_ok "the outside namespace's process is gone" ||
	ok "the outside namespace's process is gone"

done_testing
