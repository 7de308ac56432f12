#!/usr/bin/env bash
# Bad input to the vps verbs: each is one line on stderr, a non-zero exit, and nothing left
# behind (no definition, container, layer, keeper, lease, reservation or rule): unknown
# template or init, names in use, addresses taken or outside the network, ports already
# forwarded (by a VPS, stopped or not, or by a plain container), a limit the kernel
# refuses (at create and live), rm of a running VPS, the wrong verb for the state.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib-vps.sh"

check "busybox-init template" vps_busybox_template
check "network $VPS_NET" vps_network
P=$VPS_PB
check "VPS b1 (with port $P)" vsl vps create b1 --template bbinit --network "$VPS_NET" --port "$P:80"
B1=$(vsl vps show b1 | jq -r .state.address); B1=${B1%/*}
check "VPS s1, stopped, holding port $((P + 1))" vsl vps create s1 --template bbinit --no-start \
	--network "$VPS_NET" --ip "$VPS_SUBNET.200/24" --port "$((P + 1)):80"
# A plain container on the same network, with an address and a port of its own.
C=$TMP/c; make_bundle "$C" sleep 300
edit_config "$C" '.annotations = {"vessel.net.bridge": $br, "vessel.net.address": $a, "vessel.net.ports": $p}' \
	--arg br "$VPS_NET" --arg a "$VPS_SUBNET.100/24" --arg p "$((P + 2)):80"
check "container c1 at $VPS_SUBNET.100 with port $((P + 2))" vsl run -d -b "$C" c1
snapshot() { cat "$STORE/net/$VPS_NET.leases" 2>/dev/null; ls "$STORE/vps" "$STORE/vps/.reserved" "$STORE/containers"; nft list table inet vessel 2>/dev/null | grep -c port; ls "$ROOT"; }
before=$(snapshot)

T="--template bbinit --network $VPS_NET"
fails_with "unknown template" "^vessel: template nosuch does not exist \(see vessel template list\)$" \
	vsl vps create x1 --template nosuch
fails_with "an init the template has not" "template bbinit has no /sbin/nosuch \(give the init with --init PATH\)" \
	vsl vps create x2 $T --init /sbin/nosuch
fails_with "a VPS name in use" "^vessel: VPS b1 already exists$" vsl vps create b1 $T
fails_with "a container name in use" "^vessel: name c1 is in use by a container" vsl vps create c1 $T
fails_with "a bad name" "VPS name: \"../x\" must start with a letter or digit" vsl vps create ../x $T
fails_with "address taken by a running VPS" "address $B1 is already taken by VPS b1" \
	vsl vps create x3 $T --ip "$B1/24"
fails_with "address taken by a stopped VPS" "address $VPS_SUBNET.200 is already taken by VPS s1" \
	vsl vps create x4 $T --ip "$VPS_SUBNET.200/24"
fails_with "address leased to a container" "address $VPS_SUBNET.100 is already leased to c1" \
	vsl vps create x5 $T --ip "$VPS_SUBNET.100/24"
fails_with "address outside the network" "address 10.250.0.5/24 is outside subnet $VPS_SUBNET.0/24" \
	vsl vps create x6 $T --ip 10.250.0.5/24
fails_with "the gateway's address" "address $VPS_SUBNET.1/24 is the gateway address" \
	vsl vps create x7 $T --ip "$VPS_SUBNET.1/24"
fails_with "an unknown network" "network vtnosuch does not exist \(create it with \`vessel network create" \
	vsl vps create x8 --template bbinit --network vtnosuch
fails_with "port forwarded by a running VPS" "host port $P/tcp is already taken by VPS b1" \
	vsl vps create x9 $T --port "$P:80"
fails_with "port forwarded by a stopped VPS" "host port $((P + 1))/tcp is already taken by VPS s1" \
	vsl vps create x10 $T --port "$((P + 1)):22"
fails_with "port forwarded to a container" "port $((P + 2))/tcp is already forwarded to container c1" \
	vsl vps create x11 $T --port "$((P + 2)):80"
fails_with "a limit the kernel refuses (0.001 CPUs: quota below 1 ms)" "cpu.cfs_quota_us|cpu.max" \
	vsl vps create x12 $T --cpus 0.001
# --io-weight: taken where the kernel has a weight file (v1 blkio.bfq.weight here), else
# refused in one line.
out=$("$VESSEL" --root "$ROOT" vps create x20 $T --io-weight 500 2>&1); rc=$?
if [ $rc -eq 0 ]; then
	w=$(cat /sys/fs/cgroup/blkio/vessel/x20/blkio{,.bfq}.weight /sys/fs/cgroup/vessel/x20/io{,.bfq}.weight 2>/dev/null | head -1)
	like "--io-weight 500 is in the VPS's cgroup" "$w" "500"
	vsl vps rm --force x20
else
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && [[ $out == *weight* ]] &&
		ok "--io-weight refused in one line where the kernel has no weight" || not_ok "--io-weight: $out"
fi
fails_with "a bad size" "^vessel: --memory: \"lots\" is not a size \(e.g. 512M, 10G, none\)$" \
	vsl vps create x13 $T --memory lots
fails_with "a bad port" "--port: \"80\" is not HOST:CONTAINER\[/tcp\|/udp\]" vsl vps create x14 $T --port 80
fails_with "a bad CPU count" "--cpus: \"two\" is not a CPU count" vsl vps create x15 $T --cpus two
fails_with "an I/O weight out of range" "--io-weight: 5 is out of range \(10..1000\)" vsl vps create x16 $T --io-weight 5
fails_with "swap without memory" "limits.swap: needs a memory limit" vsl vps create x17 $T --swap 64M
fails_with "a bad host name" "--hostname: \"web_1\" is not a valid host name" vsl vps create x18 $T --hostname web_1
fails_with "--ip without a network" "--ip and --port need a network" vsl vps create x19 --template bbinit --network none --ip auto
# b1 and c1 run meanwhile: their mounts and processes are not counted here (they are at
# the end, once everything is removed).
mine() { vps_leftovers "$1" | grep -v -e "^processes" -e "^mount "; }
bad=""
for n in x1 x2 x3 x4 x5 x6 x7 x8 x9 x10 x11 x12 x13 x14 x15 x16 x17 x18 x19 x20; do
	out=$(mine $n); [ -z "$out" ] || { bad="$bad $n"; diag "$n: $out"; }
done
is "nothing left of any refused create" "$bad" ""
is "the store, leases, rules and state root are as before" "$(snapshot)" "$before"

# --- the wrong verb for the state, and changes refused whole
fails_with "start a running VPS" "^vessel: VPS b1 is already running$" vsl vps start b1
fails_with "stop a stopped VPS" "^vessel: VPS s1 is not running$" vsl vps stop s1
fails_with "enter a stopped VPS" "^vessel: VPS s1 is not running$" vsl vps enter s1 true
fails_with "console of a stopped VPS" "^vessel: VPS s1 is not running$" vsl vps console s1
fails_with "rm of a running VPS" "^vessel: VPS b1 is running: stop it first, or use rm --force$" vsl vps rm b1
is "  b1 still runs" "$(vsl vps show b1 | jq -r .status)" running
fails_with "show an unknown VPS" "^vessel: VPS nosuch does not exist" vsl vps show nosuch
fails_with "set an unknown VPS" "^vessel: VPS nosuch does not exist" vsl vps set nosuch --memory 1G
def=$(cat "$STORE/vps/b1/vps.json"); quota=$(cat /sys/fs/cgroup/cpu/vessel/b1/cpu.cfs_quota_us)
fails_with "set live: a limit the kernel refuses" "cpu.cfs_quota_us|cpu.max" vsl vps set b1 --memory 64M --cpus 0.001
is "  the definition is unchanged" "$(cat "$STORE/vps/b1/vps.json")" "$def"
is "  the cpu quota is unchanged" "$(cat /sys/fs/cgroup/cpu/vessel/b1/cpu.cfs_quota_us)" "$quota"
fails_with "set: nothing to change" "nothing to change" vsl vps set b1
fails_with "an unknown verb" "unknown verb frobnicate" vsl vps frobnicate b1
# --net-rate is taken (85-vps-rate measures it); a bad one is one line.
check "--net-rate is taken" vsl vps create n1 $T --net-rate 10mbit --no-start
is "  into the definition" "$(jq -r .limits.netRate "$STORE/vps/n1/vps.json")" 10mbit
fails_with "a bad --net-rate" "^vessel: --net-rate: \"fast\" is not a rate" vsl vps create n2 $T --net-rate fast --no-start
is "nothing left of n2" "$(mine n2)" ""
check "rm n1" vsl vps rm n1
is "nothing left of n1" "$(mine n1)" ""

# --- a vps create killed at any point: vps rm --force leaves nothing
killed=""
for d in 0.005 0.02 0.04 0.06 0.08 0.12 0.2 0.3; do
	"$VESSEL" --root "$ROOT" vps create k1 $T --port "$((P + 3)):80" >/dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	"$VESSEL" --root "$ROOT" vps rm --force k1 >/dev/null 2>"$TMP/rm.err" ||
		grep -q "does not exist" "$TMP/rm.err" || killed="$killed $d:rm-failed:$(cat "$TMP/rm.err")"
	out=$(mine k1; vps_procs | grep -vx "$(vsl vps show b1 | jq -r .state.keeper)")
	[ -n "$out" ] && killed="$killed $d:$out"
done
is "vps create killed after 5-300 ms, then vps rm --force: nothing left" "$killed" ""

check "vps rm --force b1" vsl vps rm --force b1
check "vps rm s1" vsl vps rm s1
check "delete c1" vsl delete --force c1
assert_vps_gone b1
assert_vps_gone s1
assert_no_leftovers c1
is "no keeper or other process of this test left" "$(vps_procs)" ""
vps_network_gone
done_testing
