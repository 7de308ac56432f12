#!/usr/bin/env bash
# After a host reboot: definitions in the store are all that is left (every VPS process
# killed, every mount and loop device gone, the state root wiped), and `vessel vps boot`,
# run by the init script `make install` puts in place, starts exactly the autostart VPSes
# with their disks, addresses, ports and limits, and cleans up what the others left.
# `vps stop --all` then stops them together, as a shutdown does.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib-vps.sh"

check "busybox-init template" vps_busybox_template
check "network $VPS_NET" vps_network
P=$VPS_PB

# --- make install: the unit and the init script (DESTDIR and PREFIX honoured)
DEST=$TMP/dest
check "make install DESTDIR=... PREFIX=/usr" make -s -C "$TOP" install DESTDIR="$DEST" PREFIX=/usr
[ -x "$DEST/usr/bin/vessel" ] && [ -f "$DEST/usr/lib/systemd/system/vessel-vps.service" ] &&
	[ -x "$DEST/etc/init.d/vessel-vps" ] && ok "the binary, a systemd unit and a SysV init script under DESTDIR" ||
	not_ok "installed files: $(find "$DEST" -type f)"
UNIT=$DEST/usr/lib/systemd/system/vessel-vps.service
is "the unit runs vps boot at start" "$(grep ^ExecStart= "$UNIT")" 'ExecStart=/usr/bin/vessel $VESSEL_OPTS vps boot'
is "and vps stop --all at stop" "$(grep ^ExecStop= "$UNIT")" 'ExecStop=/usr/bin/vessel $VESSEL_OPTS vps stop --all'
# This build installed for real under $TMP/inst, to run it.
INST=$TMP/inst
check "make install PREFIX=$INST/usr" make -s -C "$TOP" install PREFIX="$INST/usr" INITDIR="$INST/etc/init.d"
INIT=$INST/etc/init.d/vessel-vps
if command -v systemd-analyze >/dev/null; then
	out=$(systemd-analyze verify "$INST/usr/lib/systemd/system/vessel-vps.service" 2>&1 | grep -v "lxcfs.service")
	is "systemd-analyze verify finds nothing wrong" "$out" ""
fi
check "the init script is valid sh" sh -n "$INIT"
like "it is an LSB script started in 2-5, stopped in 0 1 6" "$(grep -E '^# Default-(Start|Stop)' "$INIT" | tr -s ' ' | tr '\n' ' ')" \
	"Default-Start: 2 3 4 5 # Default-Stop: 0 1 6"

# --- three VPSes: two autostart (one with a disk limit), one not
check "create a1 (autostart, 64M disk)" vsl vps create a1 --template bbinit --autostart --disk 64M \
	--memory 48M --network "$VPS_NET" --port "$P:80"
check "create a2 (autostart)" vsl vps create a2 --template bbinit --autostart --network "$VPS_NET" --port "$((P + 1)):80"
check "create a3 (no autostart)" vsl vps create a3 --template bbinit --network "$VPS_NET"
for n in a1 a2 a3; do eval "addr_$n=\$(vsl vps show $n | jq -r .state.address)"; done
check "a file on a1's disk" vsl vps enter a1 sh -c 'echo survived >/root/marker; sync' </dev/null

# --- the reboot: every process killed, mounts and loops gone, the state root wiped
for p in $(vps_procs); do kill -9 "$p" 2>/dev/null; done
for n in a1 a2 a3; do
	for p in $(cat /sys/fs/cgroup/pids/vessel/$n/cgroup.procs 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
done
for i in $(seq 50); do
	left=$(for n in a1 a2 a3; do cat /sys/fs/cgroup/pids/vessel/$n/cgroup.procs 2>/dev/null; done)
	[ -z "$left$(vps_procs)" ] && break; sleep 0.1
done
is "every VPS process is gone" "$left$(vps_procs)" ""
grep -F "$STORE" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do umount -l "$m"; done
for l in $(grep -lF "$STORE" /sys/block/loop*/loop/backing_file 2>/dev/null); do
	d=${l#/sys/block/}; losetup -d "/dev/${d%%/*}" 2>/dev/null
done
rm -rf "$ROOT"
is "no mount of the store left" "$(grep -cF "$STORE" /proc/self/mountinfo)" 0
[ -e "$STORE/vps/a1/vps.json" ] && ok "the definitions survived in the store" || not_ok "definitions"

# --- boot, through the installed init script
out=$(VESSEL_OPTS="--root $ROOT" "$INIT" start 2>&1)
like "the init script's start runs vps boot: a1 started" "$out" "a1: started"
like "  a2 started" "$out" "a2: started"
like "  a3 not started" "$out" "a3: not autostart: left stopped"
is "a1 and a2 run, a3 does not" "$(vsl vps list | awk 'NR > 1 {print $1 "=" $2}' | tr '\n' ' ')" "a1=running a2=running a3=stopped "
is "a1 kept its address" "$(vsl vps show a1 | jq -r .state.address)" "$addr_a1"
is "a2 kept its address" "$(vsl vps show a2 | jq -r .state.address)" "$addr_a2"
is "a1's disk kept its file" "$(vsl vps enter a1 cat /root/marker </dev/null)" survived
df=$(vsl vps enter a1 df -m / </dev/null | awk 'NR == 2 {print $2}')
(( df > 30 && df <= 64 )) && ok "a1's disk limit holds (${df}M)" || not_ok "a1's disk limit: ${df}M"
# A disk change on the running VPS: done live, or (where the store cannot, as with a
# loop-mounted image) refused in one line with nothing changed.
disk_set() { # SIZE MIN MAX
	local def out rc df
	def=$(cat "$STORE/vps/a1/vps.json")
	out=$("$VESSEL" --root "$ROOT" vps set a1 --disk "$1" 2>&1); rc=$?
	df=$(vsl vps enter a1 df -m / </dev/null | awk 'NR == 2 {print $2}')
	if [ $rc -eq 0 ]; then
		(( df > $2 && df <= $3 )) && ok "vps set a1 --disk $1: live (df ${df}M)" || not_ok "--disk $1 live: df ${df}M"
	else
		[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && [ "$(cat "$STORE/vps/a1/vps.json")" = "$def" ] &&
			ok "vps set a1 --disk $1 the store cannot do live: one line, nothing changed ($out)" ||
			not_ok "vps set a1 --disk $1: $out"
	fi
}
disk_set 96M 64 96
disk_set 40M 16 40
is "a1's memory limit holds" "$(cat /sys/fs/cgroup/memory/vessel/a1/memory.limit_in_bytes)" 50331648
is "a1's port answers" "$(curl -s -m 5 "http://$VPS_GW:$P/")" "hello from a busybox VPS"
is "a2's port answers" "$(curl -s -m 5 "http://$VPS_GW:$((P + 1))/")" "hello from a busybox VPS"
is "a3's stale lease was released" "$(awk '$2 == "a3"' "$STORE/net/$VPS_NET.leases")" ""
[ -e /sys/fs/cgroup/memory/vessel/a3 ] && not_ok "a3's stale cgroup removed" || ok "a3's stale cgroup removed"
like "boot again: nothing to do" "$(vsl vps boot 2>&1)" "a1: already running"
check "a3 starts by hand" vsl vps start a3
is "  with its reserved address" "$(vsl vps show a3 | jq -r .state.address)" "$addr_a3"

# --- shutdown: every VPS halted together
t0=$(date +%s%N)
out=$(VESSEL_OPTS="--root $ROOT" "$INIT" stop 2>&1)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
like "the init script's stop halts a1" "$out" "a1: halted in"
like "  a2" "$out" "a2: halted in"
like "  a3" "$out" "a3: halted in"
# busybox init takes about 2 s to halt: three one after the other would take 6 s.
(( ms < 5000 )) && ok "together, not one after the other ($ms ms)" || not_ok "stop --all took $ms ms"
is "nothing runs" "$(vsl vps list | awk 'NR > 1 {print $2}' | sort -u)" stopped
is "no keeper left" "$(vps_procs)" ""
for n in a1 a2 a3; do check "vps rm $n" vsl vps rm "$n"; assert_vps_gone "$n"; done
vps_network_gone
done_testing
