#!/usr/bin/env bash
# A busybox-init VPS through its whole day: create (running in one command), the same
# container seen through the OCI commands, what a system container gets (init as PID 1,
# hostname in its own layer, container=vessel, LXC's capabilities, its own cgroup tree),
# its service through a forwarded port, the console (attach, output, detach), enter, set
# live, stop with the init's halt signal, restart, reboot from inside, a halt that times
# out, delete --force of its container, rm. And issue 11.11: a writable /sys/fs/cgroup on
# this hybrid host never gets a read-only hierarchy.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib-vps.sh"

check "busybox-init template" vps_busybox_template
check "network $VPS_NET ($VPS_SUBNET.0/24)" vps_network
P=$VPS_PB

# --- create: one command, a running system container
out=$(vsl vps create b1 --template bbinit --memory 64M --pids 100 --cpus 0.5 --io-bps 10M/s \
	--io-iops 500 --network "$VPS_NET" --port "$P:80" --hostname bb1.example 2>&1)
like "create b1 prints it running with its address" "$out" "^b1: running, address $VPS_SUBNET\.[0-9]+/24$"
ADDR=$(vsl vps show b1 | jq -r .state.address)
is "vps show: running" "$(vsl vps show b1 | jq -r .status)" running
is "vps show: its definition" "$(vsl vps show b1 | jq -c '.definition | [.template.name, .init.kind, .init.haltSignal, .limits.memory, .limits.cpus]')" \
	'["bbinit","busybox","SIGUSR1",67108864,0.5]'
is "the address is recorded in the definition" "$(jq -r .network.address "$STORE/vps/b1/vps.json")" "$ADDR"
like "vps list shows it" "$(vsl vps list | grep '^b1 ')" "^b1 +running +$ADDR +64M +0.5 .* no +bbinit$"

# The block device of the store's filesystem (the whole disk of a partition): where the
# I/O limits apply.
dev=$(stat -c '%Hd:%Ld' "$STORE")
[ -e "/sys/dev/block/$dev/partition" ] && dev=$(cat "$(readlink -f "/sys/dev/block/$dev")/../dev")
BLK=/sys/fs/cgroup/blkio/vessel/b1
if [ -d "$BLK" ]; then
	is "--io-bps on the store's device ($dev), reads" "$(cat $BLK/blkio.throttle.read_bps_device)" "$dev 10485760"
	is "  and writes" "$(cat $BLK/blkio.throttle.write_bps_device)" "$dev 10485760"
	is "--io-iops, reads and writes" "$(cat $BLK/blkio.throttle.read_iops_device $BLK/blkio.throttle.write_iops_device | tr '\n' ' ')" \
		"$dev 500 $dev 500 "
else
	BLK=/sys/fs/cgroup/vessel/b1
	like "--io-bps and --io-iops on the store's device ($dev)" "$(cat $BLK/io.max)" \
		"^$dev rbps=10485760 wbps=10485760 riops=500 wiops=500"
fi

# --- an ordinary container underneath
is "vessel state b1: running" "$(state_field b1 status)" running
is "its bundle is in the store" "$(state_field b1 bundle)" "$STORE/vps/b1/bundle"
like "vessel ps b1 shows the init" "$(vsl ps b1)" "init"
is "vessel exec b1 hostname" "$(vsl exec b1 hostname 2>&1)" bb1.example
like "vessel list has b1" "$(vsl list)" "b1 +[0-9]+ +running"
check "vessel events --stats b1" sh -c "$VESSEL --root $ROOT events --stats b1 | jq -e .data.memory"
check "vessel update --pids-limit 60 b1" vsl update --pids-limit 60 b1
is "  pids.max is 60" "$(cat /sys/fs/cgroup/pids/vessel/b1/pids.max)" 60

# --- what a system container gets
is "init is PID 1 (busybox init)" "$(vsl exec b1 cat /proc/1/comm)" init
is "container=vessel in the init's environment" "$(vsl exec b1 cat /proc/1/environ | tr '\0' '\n' | grep -x container=vessel)" container=vessel
is "/etc/hostname of the VPS" "$(vsl exec b1 cat /etc/hostname)" bb1.example
like "/etc/hosts of the VPS" "$(vsl exec b1 cat /etc/hosts)" "127\.0\.1\.1.bb1\.example"
is "the template's /etc/hostname is untouched" "$(cat "$STORE/templates/bbinit/rootfs/etc/hostname")" busybox
is "the hostname went to the private layer" "$(cat "$STORE/containers/b1/upper/etc/hostname" 2>/dev/null)" bb1.example
capbnd=$((16#$(vsl exec b1 awk '/CapBnd/ {print $2}' /proc/1/status)))
ok_caps=1
for c in 0 21 22 12; do (( capbnd >> c & 1 )) || ok_caps=0; done	# chown sys_admin sys_boot net_admin
for c in 16 17 25 32 33; do (( capbnd >> c & 1 )) && ok_caps=0; done	# module rawio time mac_*
is "LXC's capabilities: sys_admin and sys_boot kept, module/rawio/time/mac dropped" "$ok_caps" 1
is "its own cgroup namespace (its memory cgroup is /)" "$(vsl exec b1 cat /proc/1/cgroup | sed -n "s/^[0-9]*:memory://p")" /
is "its memory limit at its cgroup root" "$(vsl exec b1 cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" 67108864
check "its cgroup subtree is writable" vsl exec b1 mkdir /sys/fs/cgroup/memory/sub
vsl exec b1 rmdir /sys/fs/cgroup/memory/sub
is "a seccomp filter on the init" "$(vsl exec b1 grep -c 'Seccomp:.2' /proc/1/status)" 1

# --- its service through the forwarded port
out=$(curl -s -m 5 "http://$VPS_GW:$P/" 2>&1)
is "busybox httpd answers through $VPS_GW:$P" "$out" "hello from a busybox VPS"

# --- console: attach, see output, detach
out=$(console_say b1 "" 'echo $((6*7))-console')
like "the console answers (askfirst shell)" "$out" "42-console"
like "vps console --log has the boot" "$(vsl vps console --log b1)" "busybox-init: up as bb1\.example"
is "the VPS still runs after detaching" "$(vsl vps show b1 | jq -r .status)" running

# --- enter
is "vps enter b1 CMD" "$(vsl vps enter b1 sh -c 'echo $HOME $container' </dev/null)" "/root vessel"
is "vps enter b1 (root's shell from /etc/passwd)" "$(echo 'echo shell-$((1+1))' | vsl vps enter b1 2>&1 | grep shell-)" shell-2
vsl vps enter b1 sh -c 'exit 7' </dev/null; is "vps enter passes the exit status" "$?" 7

# --- set: live, persisted
out=$(vsl vps set b1 --memory 96M --pids 50 --cpus 1 --autostart=true 2>&1)
is "vps set prints what took effect now" "$out" "b1: saved (live now: limits)"
is "  memory limit live" "$(cat /sys/fs/cgroup/memory/vessel/b1/memory.limit_in_bytes)" 100663296
is "  pids limit live" "$(cat /sys/fs/cgroup/pids/vessel/b1/pids.max)" 50
is "  cpu quota live" "$(cat /sys/fs/cgroup/cpu/vessel/b1/cpu.cfs_quota_us)" 100000
is "  persisted in vps.json" "$(jq -c '[.limits.memory, .limits.pids, .limits.cpus, .autostart]' "$STORE/vps/b1/vps.json")" \
	'[100663296,50,1,true]'
is "  recorded in the container's config (as vessel update does)" \
	"$(jq .linux.resources.memory.limit "$ROOT/b1/config.json")" 100663296
check "vps set --io-bps 20M (live)" vsl vps set b1 --io-bps 20M
[ -e "$BLK/blkio.throttle.read_bps_device" ] &&
	is "  the throttle changed" "$(cat $BLK/blkio.throttle.read_bps_device)" "$dev 20971520"
check "vps set --hostname (for the next start)" vsl vps set b1 --hostname bb2
is "  the running VPS keeps its hostname" "$(vsl exec b1 hostname)" bb1.example

# --- stop: the init's own halt signal, a clean shutdown
out=$(vsl vps stop b1 2>&1)
like "vps stop b1 halts it" "$out" "^b1: halted in [0-9.]+ s$"
secs=${out#*in }; secs=${secs%% *}
(( ${secs%.*} < 30 )) && ok "before the timeout ($secs s)" || not_ok "before the timeout ($secs s)"
log=$(vsl vps console --log b1)
like "busybox init ran its shutdown actions (got SIGUSR1)" "$log" "busybox-init: running shutdown actions"
like "and asked the kernel to halt" "$log" "Requesting system halt"
like "the keeper saw the halt" "$log" "\[vessel\] b1: the system halted"
is "vps show: stopped" "$(vsl vps show b1 | jq -r .status)" stopped
[ -e "$ROOT/b1" ] && not_ok "no container left" || ok "no container left"
is "no keeper left" "$(vps_procs)" ""

# --- start, restart
like "vps start b1" "$(vsl vps start b1 2>&1)" "^b1: running, address $ADDR$"
is "the new hostname took effect" "$(vsl exec b1 hostname)" bb2
is "limits set while running hold after the restart" "$(cat /sys/fs/cgroup/memory/vessel/b1/memory.limit_in_bytes)" 100663296
pid1=$(vps_pid b1)
like "vps restart b1" "$(vsl vps restart b1 2>&1)" "^b1: running$"
pid2=$(vps_pid b1)
[ -n "$pid2" ] && [ "$pid1" != "$pid2" ] && ok "a new init after restart" || not_ok "a new init after restart ($pid1 -> $pid2)"

# --- reboot from inside: the keeper brings it up again
vsl vps enter b1 reboot </dev/null
for i in $(seq 60); do
	p=$(vps_pid b1); [ -n "$p" ] && [ "$p" != "$pid2" ] && break; sleep 0.2
done
[ -n "$p" ] && [ "$p" != "$pid2" ] && ok "reboot inside: up again with a new init" || not_ok "reboot inside: up again ($pid2 -> $p)"
like "the keeper says so" "$(vsl vps console --log b1)" "asked for a reboot.*started again"
is "same address after the reboot" "$(vsl vps show b1 | jq -r .state.address)" "$ADDR"

# --- a halt that does not come: SIGKILL after the timeout
check "vps set --halt-signal SIGWINCH --stop-timeout 2 (busybox ignores it)" \
	vsl vps set b1 --halt-signal SIGWINCH --stop-timeout 2
out=$(vsl vps stop b1 2>&1)
like "vps stop kills after the timeout" "$out" "^b1: killed: the init did not halt in time \(2\.[0-9] s\)$"
is "no keeper left" "$(vps_procs)" ""
check "vps set back to SIGUSR1" vsl vps set b1 --halt-signal SIGUSR1 --stop-timeout 30

# --- delete --force of its container cleans the keeper too
check "vps start b1" vsl vps start b1
keeper=$(vsl vps show b1 | jq -r .state.keeper)
[ -S "$ROOT/b1/console.sock" ] && ok "the console socket is under the state root" || not_ok "console socket"
check "vessel delete --force b1" vsl delete --force b1
[ "$(awk '{print $3}' /proc/"$keeper"/stat 2>/dev/null)" = Z ] || ! kill -0 "$keeper" 2>/dev/null &&
	ok "its keeper is gone" || not_ok "its keeper is gone ($keeper)"
[ -e "$ROOT/b1" ] && not_ok "state dir and socket gone" || ok "state dir and socket gone"
is "vps show: stopped" "$(vsl vps show b1 | jq -r .status)" stopped

# --- rm: the VPS and its disk, for good
check "vps start b1 again" vsl vps start b1
check "vps rm --force b1 (running)" vsl vps rm --force b1
fails_with "vps show after rm" "VPS b1 does not exist" vsl vps show b1
assert_vps_gone b1

# --- issue 11.11: a writable /sys/fs/cgroup (podman's systemd mode) on this hybrid host
CGP=vsltest-cg$$
if [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ] && [ -d /sys/fs/cgroup/unified ]; then
	# A parent in the unified tree that takes no child: the container gets no unified dir.
	mkdir "/sys/fs/cgroup/unified/$CGP" && echo 0 >"/sys/fs/cgroup/unified/$CGP/cgroup.max.descendants"
	for ns in host private; do
		B=$TMP/cg-$ns; make_bundle "$B" sh -c 'grep " /sys/fs/cgroup/" /proc/self/mounts; mkdir /sys/fs/cgroup/systemd/x && echo systemd-rw'
		edit_config "$B" '.linux.cgroupsPath = $p | .mounts += [{"destination": "/sys/fs/cgroup",
			"type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "rw"]}]' \
			--arg p "/$CGP/c-$ns"
		[ $ns = private ] && edit_config "$B" '.linux.namespaces += [{"type": "cgroup"}]'
		out=$(vsl run -b "$B" cg-$ns 2>&1)
		like "11.11 ($ns cgroupns): the container's own systemd hierarchy is writable" "$out" "systemd-rw"
		[[ $out == *"/sys/fs/cgroup/unified "*" ro,"* ]] && not_ok "11.11 ($ns cgroupns): no read-only unified" ||
			ok "11.11 ($ns cgroupns): unified is left out, not mounted read-only"
		[[ $out == *" ro,"* ]] && not_ok "11.11 ($ns): nothing read-only: $out" || ok "11.11 ($ns cgroupns): no hierarchy read-only"
		assert_no_leftovers cg-$ns
	done
	rmdir "/sys/fs/cgroup/unified/$CGP"
	B=$TMP/cg-own; make_bundle "$B" sh -c 'mkdir /sys/fs/cgroup/unified/x && echo unified-rw'
	edit_config "$B" '.mounts += [{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
		"options": ["nosuid", "noexec", "nodev", "rw"]}] | .linux.namespaces += [{"type": "cgroup"}]'
	is "11.11: with its own unified dir, unified is the container's and writable" "$(vsl run -b "$B" cg-own 2>&1)" unified-rw
else
	skip "11.11 is about hybrid cgroup hosts; this one is not"
fi

vps_network_gone
done_testing
