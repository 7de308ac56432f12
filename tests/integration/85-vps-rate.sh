#!/usr/bin/env bash
# --net-rate for real: a VPS created at 1mbit moves 200 kB both ways (host to VPS and VPS to
# host) far slower than unlimited; `vps set --net-rate` changes the rate of the running VPS
# live (tc on its host veth, the container's config) and persists it; a bad rate, or one
# for a VPS without a network, is one line and changes nothing.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib-vps.sh"

check "busybox-init template" vps_busybox_template
check "network $VPS_NET" vps_network
BB=$ROOTFS_SRC/bin/busybox
HP=$(( VPS_PB + 1 ))

check "VPS r1 at --net-rate 1mbit" vsl vps create r1 --template bbinit --network "$VPS_NET" --net-rate 1mbit
ADDR=$(vsl vps show r1 | jq -r .state.address); ADDR=${ADDR%/*}
# The host end of its veth: the one link on the test's bridge.
veth() { ip -o link show master "$VPS_NET" | awk -F'[ :@]+' '{print $2; exit}'; }
VETH=$(veth)
like "a tbf on its host veth at 1mbit" "$(tc qdisc show dev "$VETH")" "tbf .*rate 1Mbit"
is "the definition holds 1mbit" "$(jq -r .limits.netRate "$STORE/vps/r1/vps.json")" 1mbit

# 200 kB each way: VPS -> host with curl from its httpd, host -> VPS with its wget from a
# busybox httpd on the host's gateway address.
check "200 kB in the VPS's /srv/www" vsl exec r1 dd if=/dev/urandom of=/srv/www/big bs=1k count=200
mkdir -p "$TMP/www" && head -c 200000 /dev/urandom >"$TMP/www/big"
"$BB" httpd -f -p "$VPS_GW:$HP" -h "$TMP/www" &
HTTPD=$!
sleep 0.3
# ms of one transfer; "fail" when it did not get the 200 kB.
down() {
	local t0=$EPOCHREALTIME n
	n=$(curl -s -m 30 -o /dev/null -w '%{size_download}' "http://$ADDR/big")
	[ "$n" = 204800 ] || { echo fail; return; }
	echo $(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 ))
}
up() {
	local t0=$EPOCHREALTIME n
	n=$(vsl exec r1 sh -c "wget -q -O - http://$VPS_GW:$HP/big | wc -c")
	[ "$n" = 200000 ] || { echo fail; return; }
	echo $(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 ))
}
slow_d=$(down); slow_u=$(up)
diag "at 1mbit: VPS to host $slow_d ms, host to VPS $slow_u ms"
# 200 kB at 1 Mbit/s is 1.6 s; generous: above 0.9 s.
[ "$slow_d" != fail ] && (( slow_d > 900 )) && ok "VPS to host at 1mbit takes > 0.9 s ($slow_d ms)" ||
	not_ok "VPS to host at 1mbit takes > 0.9 s ($slow_d ms)"
[ "$slow_u" != fail ] && (( slow_u > 900 )) && ok "host to VPS at 1mbit takes > 0.9 s ($slow_u ms)" ||
	not_ok "host to VPS at 1mbit takes > 0.9 s ($slow_u ms)"

is "vps set --net-rate none, live" "$(vsl vps set r1 --net-rate none 2>&1)" "r1: saved (live now: net-rate)"
[[ $(tc qdisc show dev "$VETH") == *tbf* ]] && not_ok "  no tbf on the veth" || ok "  no tbf on the veth"
is "  the definition has no rate" "$(jq -r '.limits.netRate // "none"' "$STORE/vps/r1/vps.json")" none
is "  the container's config says unlimited" "$(jq -r '.annotations["vessel.net.rate"]' "$ROOT/r1/config.json")" unlimited
fast_d=$(down); fast_u=$(up)
diag "unlimited: VPS to host $fast_d ms, host to VPS $fast_u ms"
[ "$fast_d" != fail ] && (( fast_d * 4 < slow_d )) && ok "unlimited, VPS to host is > 4x faster ($fast_d ms)" ||
	not_ok "unlimited, VPS to host is > 4x faster ($fast_d ms)"
[ "$fast_u" != fail ] && (( fast_u * 4 < slow_u )) && ok "unlimited, host to VPS is > 4x faster ($fast_u ms)" ||
	not_ok "unlimited, host to VPS is > 4x faster ($fast_u ms)"

check "vps set --net-rate 1mbit, live again" vsl vps set r1 --net-rate 1mbit
again=$(down)
[ "$again" != fail ] && (( again > 900 )) && ok "  slow again at once ($again ms)" || not_ok "  slow again at once ($again ms)"
like "  the tbf is back" "$(tc qdisc show dev "$VETH")" "tbf .*rate 1Mbit"
kill "$HTTPD"; wait "$HTTPD" 2>/dev/null

# --- the rate survives a restart (it is in the definition)
check "vps restart r1" vsl vps restart r1
VETH=$(veth)
like "  the new veth has 1mbit" "$(tc qdisc show dev "$VETH")" "tbf .*rate 1Mbit"

# --- bad input: one line, nothing changed
def=$(cat "$STORE/vps/r1/vps.json")
fails_with "a rate netns cannot hold" "^vessel: --net-rate \"1bit\": out of range \(8kbit to 100gbit, or unlimited\)$" vsl vps set r1 --net-rate 1bit
fails_with "not a rate" "^vessel: --net-rate: " vsl vps set r1 --net-rate fast
is "  the definition is unchanged" "$(cat "$STORE/vps/r1/vps.json")" "$def"
like "  the tbf is unchanged" "$(tc qdisc show dev "$VETH")" "tbf .*rate 1Mbit"
check "VPS n1 without a network" vsl vps create n1 --template bbinit --network none --no-start
fails_with "a rate for a VPS without a network" "^vessel: --net-rate needs a network" vsl vps set n1 --net-rate 1mbit
fails_with "create with a rate netns cannot hold" "8kbit to 100gbit" \
	vsl vps create x1 --template bbinit --network "$VPS_NET" --net-rate 200gbit
is "nothing left of x1" "$(vps_leftovers x1 | grep -v -e "^processes" -e "^mount ")" ""

check "vps rm --force r1" vsl vps rm --force r1
check "vps rm n1" vsl vps rm n1
assert_vps_gone r1
is "no ifb of r1 left" "$(ip -o link show 2>/dev/null | grep -c "vsr${VETH#vsl}")" 0
vps_network_gone
done_testing
