#!/usr/bin/env bash
# Networking on real containers: the vessel.net.* annotations put a container on a bridge
# (veth, address from the pool, default route, NAT, port forwards, also on the host's
# 127.0.0.1, rate limits). Only this test's own bridge and addresses are used; the bridge,
# its nftables rules and the host's ip_forward setting are put back as they were at the end.
# Isolation between networks is 13-security-net.sh's.
. "$(dirname "$0")/../lib.sh"

BR=vtn$(( $$ % 10000000 ))
# A /24 in 10.213.x and a /30 in 10.216.x that no host route covers yet (vessel refuses a
# subnet that overlaps a route), starting from one derived from the pid.
free_octet() {
	local x i
	for i in $(seq 0 199); do
		x=$(( ($$ + i) % 200 ))
		ip -4 route show | grep -q "^$1\.$x\." || { echo $x; return; }
	done
	echo $(( $$ % 200 ))
}
NET=10.213.$(free_octet 10.213)
SX=$(free_octet 10.216)
NET6=fd21:3:$(( $$ % 9999 ))
PB=$(( 20000 + ($$ % 400) * 100 ))	# this test's host ports: PB .. PB+99
FWD_WAS=$(cat /proc/sys/net/ipv4/ip_forward)

net_cleanup() {
	local id
	for id in $(ls "$ROOT" 2>/dev/null); do vsl delete --force "$id" >/dev/null 2>&1; done
	for n in "$BR" "${BR}s"; do "$VESSEL" network rm "$n" >/dev/null 2>&1; ip link del "$n" 2>/dev/null; done
	echo "$FWD_WAS" >/proc/sys/net/ipv4/ip_forward
	_cleanup
}
trap net_cleanup EXIT

command -v nft >/dev/null || { echo "not ok 1 - nft (package nftables) is needed to inspect rules"; exit 1; }

PROBE=$TOP/tests/helpers/netprobe.py
veths() { ip -o link show master "$1" 2>/dev/null | wc -l; }
leases() { # containers holding a lease: one IPv4 address each (<store>/net/NET.addrs/ADDR)
	ls "$STORE/net/$1.addrs" 2>/dev/null | grep -vc ':' || true
}
rules() { nft list table inet vessel 2>/dev/null | grep -c "comment \"vessel $1" || true; }
# port forwards (elements of the maps fwd4 and fwd6) of container $1, or of everyone
forwards() {
	local m
	for m in fwd4 fwd6; do nft list map inet vessel $m 2>/dev/null; done |
		grep -o 'comment "[^"]*"' | grep -c "${1:+ $1\"}" || true
}
addr4() { vsl state "$1" | jq -r '.annotations["vessel.net.addr4"] // empty'; }
cpid() { state_field "$1" pid; }

# net_bundle DIR ARGS...: a bundle on this test's bridge, with CAP_NET_RAW for ping. (The
# args go after "--args --": otherwise jq takes "-l" or "-c" for one of its own options.)
net_bundle() {
	local dir=$1 args; shift
	make_bundle "$dir"
	args=$(jq -nc '$ARGS.positional' --args -- "$@")
	edit_config "$dir" '.process.args = $a | .annotations["vessel.net.bridge"] = $br |
		.process.capabilities |= with_entries(.value += ["CAP_NET_RAW"])' \
		--argjson a "$args" --arg br "$BR"
}
annotate() { edit_config "$1" '.annotations[$k] = $v' --arg k "$2" --arg v "$3"; }

check "network create $BR" "$VESSEL" network create "$BR" --subnet "$NET.0/24" --subnet6 "$NET6::/64"
like "network list shows it" "$("$VESSEL" network list | grep "^$BR ")" "^$BR +$NET.0/24 +$NET6::/64 +0 +absent"

# --- two containers on one bridge
A=$TMP/a; net_bundle "$A" sleep 300
annotate "$A" vessel.net.address "$NET.10/24"
check "create a1 at $NET.10" vsl create -b "$A" a1
annotate "$A" vessel.net.address "$NET.11/24"
check "create a2 at $NET.11" vsl create -b "$A" a2
check "start a1" vsl start a1
is "state shows the IPv4 address" "$(addr4 a1)" "$NET.10/24"
is "state shows the IPv6 address" "$(vsl state a1 | jq -r '.annotations["vessel.net.addr6"]')" "$NET6::2/64"
is "two veths in the bridge" "$(veths "$BR")" 2
check "host reaches a1 on the bridge" busybox ping -c 1 -W 2 "$NET.10"
rx=$(vsl events --stats a1 | jq '.data.network_interfaces[] | select(.name == "eth0") | .rx_packets')
[ "${rx:-0}" -gt 0 ] && ok "events --stats counts eth0's packets ($rx received)" ||
	not_ok "events --stats counts eth0's packets: $(vsl events --stats a1 | jq -c .data.network_interfaces)"

P=$TMP/p; net_bundle "$P" sh -c "ping -c 1 -W 2 $NET.11 && ping -c 1 -W 2 $NET.1 && ping -c 1 -W 2 $NET6::1 && ip route"
out=$(vsl run -b "$P" ping1 2>&1); rc=$?
is "a container pings a2 and the bridge (v4, v6)" "$rc" 0
like "its default route is via the bridge" "$out" "default via $NET.1 dev eth0"
assert_no_leftovers ping1

S=$TMP/s; net_bundle "$S" nc -l -p 7777 -e cat
annotate "$S" vessel.net.address "$NET.20/24"
check "create an echo server at $NET.20" vsl create -b "$S" echo1
check "start it" vsl start echo1
C=$TMP/c; net_bundle "$C" sh -c "echo hello-echo | nc -w 3 $NET.20 7777"
is "TCP echo between two containers" "$(vsl run -b "$C" client1 2>&1)" hello-echo

L=$TMP/l; net_bundle "$L" ls /sys/class/net
edit_config "$L" 'del(.annotations)'
is "a container without the annotation has only lo" "$(vsl run -b "$L" lonly 2>&1)" lo

# --- port forward on the bridge address
F=$TMP/f; net_bundle "$F" nc -l -p 8080 -e echo forwarded-ok
annotate "$F" vessel.net.ports "$((PB + 99)):8080,$((PB + 98)):53/udp"
check "create a server with ports" vsl create -b "$F" fwd1
check "start it" vsl start fwd1
is "4 port forwards (2 ports x v4/v6)" "$(forwards fwd1)" 4
is "forwarded port on $NET.1 reaches the container" \
	"$(busybox nc -w 3 "$NET.1" $((PB + 99)) </dev/null 2>&1)" forwarded-ok
is "masquerade for the subnet (3 IPv4 rules, 2 IPv6)" "$(rules "masq $BR")" 5
is "IPv4 forwarding is on" "$(cat /proc/sys/net/ipv4/ip_forward)" 1
is "the bridge has route_localnet on (forwards answer on 127.0.0.1)" \
	"$(cat /proc/sys/net/ipv4/conf/$BR/route_localnet)" 1
check "delete fwd1" vsl delete --force fwd1
is "its port forwards are gone" "$(forwards fwd1)" 0

# --- port forwards answer on the host's 127.0.0.1 and its other addresses, TCP and UDP
# (a probe server in the container's network namespace: busybox nc has no UDP)
G=$TMP/g; net_bundle "$G" sleep 300
annotate "$G" vessel.net.ports "$((PB + 97)):7000,$((PB + 96)):7000/udp"
check "create a container forwarding $((PB + 97))/tcp and $((PB + 96))/udp" vsl run -d -b "$G" lo1
timeout 120 nsenter --net=/proc/$(cpid lo1)/ns/net python3 "$PROBE" serve 7000 >"$TMP/lo1.srv" 2>&1 &
SRV=$!
for i in $(seq 50); do grep -q ready "$TMP/lo1.srv" 2>/dev/null && break; sleep 0.1; done
out=$(python3 "$PROBE" tcp 127.0.0.1 $((PB + 97)) 2)
is "TCP on 127.0.0.1 reaches the container (which sees the bridge address)" "$out" "$NET.1 probe"
out=$(python3 "$PROBE" udp 127.0.0.1 $((PB + 96)) 2)
is "UDP on 127.0.0.1 reaches the container" "$out" "$NET.1 probe"
own=$(ip -4 route get 192.0.2.1 2>/dev/null | grep -o 'src [0-9.]*' | cut -d' ' -f2)
if [ -n "$own" ]; then
	like "TCP on the host's own address $own too" "$(python3 "$PROBE" tcp "$own" $((PB + 97)) 2)" " probe$"
	like "UDP on $own too" "$(python3 "$PROBE" udp "$own" $((PB + 96)) 2)" " probe$"
else
	skip "this host has no route to 192.0.2.1, so no source address to try"
	skip "(the same for UDP)"
fi
python3 "$PROBE" tcp 127.0.0.1 $((PB + 95)) 1 >/dev/null 2>&1 && not_ok "an unforwarded port answers" ||
	ok "a port that is not forwarded is not answered on 127.0.0.1"
kill $SRV; wait $SRV 2>/dev/null
check "delete lo1" vsl delete --force lo1
python3 "$PROBE" tcp 127.0.0.1 $((PB + 97)) 1 >/dev/null 2>&1 && not_ok "127.0.0.1 still forwarded" ||
	ok "after delete, 127.0.0.1:$((PB + 97)) is not forwarded any more"

# --- rate limit: vessel.net.rate, both ways, through tc on the host side of the veth
R=$TMP/r; net_bundle "$R" sleep 300
annotate "$R" vessel.net.rate 1mbit
check "create a container limited to 1mbit" vsl run -d -b "$R" rate1
U=$TMP/u; net_bundle "$U" sleep 300
check "and one unlimited" vsl run -d -b "$U" rate0
veth1=$(jq -r '.vessel.resources["net.veth"]' "$ROOT/rate1/state.json")
ifb=vsr${veth1#vsl}
# transfer ID to|from: seconds to move 200 kB between the host and the container
transfer() {
	local id=$1 dir=$2 pid out
	pid=$(cpid "$id")
	if [ "$dir" = to ]; then
		timeout 20 nsenter --net=/proc/$pid/ns/net python3 "$PROBE" sink 7100 200000 >"$TMP/sink" 2>&1 &
		for i in $(seq 50); do grep -q ready "$TMP/sink" 2>/dev/null && break; sleep 0.1; done
		timeout 20 python3 "$PROBE" source "$(addr4 "$id" | cut -d/ -f1)" 7100 200000
		wait
	else
		timeout 20 python3 "$PROBE" sink 7101 200000 >"$TMP/sink" 2>&1 &
		for i in $(seq 50); do grep -q ready "$TMP/sink" 2>/dev/null && break; sleep 0.1; done
		timeout 20 nsenter --net=/proc/$pid/ns/net python3 "$PROBE" source "$NET.1" 7101 200000 >/dev/null
		wait
		tail -1 "$TMP/sink"
	fi
}
slow_to=$(transfer rate1 to); fast_to=$(transfer rate0 to)
slow_from=$(transfer rate1 from); fast_from=$(transfer rate0 from)
diag "200 kB to the container: ${slow_to}s at 1mbit, ${fast_to}s unlimited; from it: ${slow_from}s, ${fast_from}s"
awk -v s="$slow_to" -v f="$fast_to" 'BEGIN { exit !(s > 0.8 && s < 6 && f < 0.4) }' &&
	ok "to the container: 1mbit holds (about 1.5 s for 200 kB), unlimited is far faster" ||
	not_ok "to the container: 1mbit ${slow_to}s, unlimited ${fast_to}s"
awk -v s="$slow_from" -v f="$fast_from" 'BEGIN { exit !(s > 0.8 && s < 6 && f < 0.4) }' &&
	ok "from the container: 1mbit holds, unlimited is far faster" ||
	not_ok "from the container: 1mbit ${slow_from}s, unlimited ${fast_from}s"
like "tc: a tbf at 1Mbit on the host veth $veth1" "$(tc qdisc show dev "$veth1" 2>&1)" "tbf .*rate 1Mbit"
like "tc: and on the container's ifb $ifb" "$(tc qdisc show dev "$ifb" 2>&1)" "tbf .*rate 1Mbit"
like "tc: its traffic is redirected there" "$(tc filter show dev "$veth1" ingress 2>&1)" "mirred .*Redirect to device $ifb"
check "delete rate1, rate0" sh -c "$VESSEL --root $ROOT delete --force rate1 && $VESSEL --root $ROOT delete --force rate0"
ip link show "$ifb" >/dev/null 2>&1 && not_ok "its ifb $ifb is gone with it" || ok "its ifb $ifb is gone with it"
annotate "$R" vessel.net.rate 10M
fails_with "a rate without a bit unit" 'vessel.net.rate "10M": expected' vsl create -b "$R" bad8
annotate "$R" vessel.net.rate 200gbit
fails_with "a rate out of range" 'out of range \(8kbit to 100gbit' vsl create -b "$R" bad9
edit_config "$R" 'del(.annotations["vessel.net.bridge"])'
annotate "$R" vessel.net.rate 1mbit
fails_with "a rate without a network" "vessel.net.rate needs vessel.net.bridge" vsl create -b "$R" bad10
for i in 8 9 10; do assert_no_leftovers bad$i; done
check "delete echo1, a2, a1" sh -c "$VESSEL --root $ROOT delete --force echo1 && $VESSEL --root $ROOT delete --force a2 && $VESSEL --root $ROOT delete --force a1"
is "no veth left" "$(veths "$BR")" 0
is "no lease left" "$(leases "$BR")" 0

# --- bad input: one line each, nothing left behind
before="$(veths "$BR") $(leases "$BR") $(forwards)"
annotate "$A" vessel.net.address "$NET.10/24"
check "a1 again at $NET.10" vsl create -b "$A" a1
fails_with "address already leased" "address $NET.10 is already leased to a1" vsl create -b "$A" bad1
annotate "$A" vessel.net.address "10.214.0.5/24"
fails_with "address outside the subnet" "outside subnet $NET.0/24" vsl create -b "$A" bad2
annotate "$A" vessel.net.address "$NET.300/24"
fails_with "address invalid" "address $NET.300/24: invalid" vsl create -b "$A" bad3
annotate "$A" vessel.net.address auto
annotate "$A" vessel.net.ports "$((PB + 97)):80/sctp"
fails_with "ports invalid" "protocol must be tcp or udp" vsl create -b "$A" bad4
annotate "$A" vessel.net.ports ""
annotate "$A" vessel.net.bridge vsltest-net-toolong
fails_with "bridge name too long" "bridge vsltest-net-toolong: name longer than 15" vsl create -b "$A" bad5
annotate "$A" vessel.net.bridge vtnnosuch
fails_with "unknown network" "network vtnnosuch: not found" vsl create -b "$A" bad6
annotate "$A" vessel.net.bridge "$BR"
edit_config "$A" '.linux.namespaces |= map(select(.type != "network"))'
fails_with "the annotation needs a network namespace" "needs a new network namespace" vsl create -b "$A" bad7
fails_with "subnet invalid" "subnet 10.0.0.0/33: invalid" "$VESSEL" network create vtnbad --subnet 10.0.0.0/33
fails_with "network name too long" "longer than 15" "$VESSEL" network create vsltest-net-toolong --subnet 10.215.0.0/24
fails_with "network rm while in use" "network $BR: in use by 1 container \(a1\)" "$VESSEL" network rm "$BR"
for i in 1 2 3 4 5 6 7; do assert_no_leftovers bad$i; done
check "delete a1" vsl delete --force a1
is "bad input left no veth, lease or port forward" "$(veths "$BR") $(leases "$BR") $(forwards)" "$before"
[ -e /sys/class/net/vtnnosuch ] && not_ok "bridge vtnnosuch made" || ok "no bridge made for an unknown network"

check "network ${BR}s with room for one" "$VESSEL" network create "${BR}s" --subnet 10.216.$SX.0/30
E=$TMP/e; net_bundle "$E" sleep 300
annotate "$E" vessel.net.bridge "${BR}s"
check "e1 takes the only address" vsl create -b "$E" e1
fails_with "pool exhausted" "network ${BR}s: subnet 10.216.$SX.0/30 is exhausted" vsl create -b "$E" e2
assert_no_leftovers e2
check "delete e1" vsl delete --force e1
check "e2 reuses the address" vsl create -b "$E" e2
check "delete e2, network rm ${BR}s" sh -c "$VESSEL --root $ROOT delete --force e2 && $VESSEL network rm ${BR}s"
[ -e "/sys/class/net/${BR}s" ] && not_ok "bridge ${BR}s still there" || ok "network rm removed bridge ${BR}s"

# --- 50 parallel creates
Q=$TMP/q; net_bundle "$Q" sleep 300
for i in $(seq 0 49); do
	mkdir -p "$TMP/q$i"; cp "$Q/config.json" "$TMP/q$i/config.json"; ln -s "$Q/rootfs" "$TMP/q$i/rootfs"
	annotate "$TMP/q$i" vessel.net.ports "$((PB + i)):80"
done
t0=$(date +%s%N)
for i in $(seq 0 49); do vsl create -b "$TMP/q$i" q$i >"$TMP/q$i.out" 2>&1 & done
wait
t1=$(date +%s%N)
fails=0; for i in $(seq 0 49); do [ -s "$TMP/q$i.out" ] && { fails=$((fails + 1)); diag "q$i: $(cat "$TMP/q$i.out")"; }; done
is "50 parallel creates succeed" "$fails" 0
is "50 distinct addresses" "$(for i in $(seq 0 49); do addr4 q$i; done | sort -u | grep -c "^$NET\.")" 50
is "50 leases" "$(leases "$BR")" 50
is "50 veths in the bridge" "$(veths "$BR")" 50
is "100 port forwards (50 x v4/v6)" "$(forwards)" 100
diag "50 parallel creates with networking: $(( (t1 - t0) / 1000000 )) ms wall"
for i in $(seq 0 49); do vsl delete --force q$i & done
wait
is "after deleting them: no veth" "$(veths "$BR")" 0
is "no lease" "$(leases "$BR")" 0
is "no port forward" "$(forwards)" 0
for i in 0 17 49; do assert_no_leftovers q$i; done

# --- setup time per container: create with and without the annotation
N=$TMP/n; net_bundle "$N" sleep 300
edit_config "$N" 'del(.annotations)'
time_creates() { # BUNDLE PREFIX -> mean ms per create+delete
	local t0 t1 i
	t0=$(date +%s%N)
	for i in $(seq 1 10); do vsl create -b "$1" "$2$i" && vsl delete --force "$2$i"; done
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 10000000 ))
}
plain=$(time_creates "$N" tn)
netted=$(time_creates "$Q" tq)
diag "create+delete: ${plain} ms without network, ${netted} ms with (network setup+teardown ~$((netted - plain)) ms per container)"

check "network rm $BR" "$VESSEL" network rm "$BR"
[ -e "/sys/class/net/$BR" ] && not_ok "bridge $BR still there" || ok "bridge $BR removed"
is "no vessel rule or port forward for $BR left" "$(rules "masq $BR")$(forwards)" 00
is "no nftables table left (no other vessel network here)" "$(nft list tables | grep -c 'inet vessel')" \
	"$(ls "$STORE/net"/*.json 2>/dev/null | wc -l)"

done_testing
