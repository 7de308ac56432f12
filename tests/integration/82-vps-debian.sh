#!/usr/bin/env bash
# A Debian 12 VPS booting systemd: the template built with debootstrap from the Debian
# archive (scripts/mktemplate-debian.sh, cached in build/), one `vps create` to a system
# that is `running`, its service (vps-httpd.service) through a forwarded port, its own
# limits in /proc and free through a private lxcfs, the console's login prompt, a live
# memory change, a graceful stop (systemd got SIGRTMIN+3 and halted), a second boot, a
# reboot from inside, rm.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib-vps.sh"

if ! vps_debian_template; then
	not_ok "the Debian 12 template (debootstrap from the Debian archive)"
	done_testing
	exit 1
fi
ok "Debian 12 template imported"
check "network $VPS_NET" vps_network
check "a private lxcfs on $TMP/lxcfs" vps_lxcfs_start
P=$VPS_PB

# running: systemctl is-system-running says so (it waits out the boot)
running() {
	local i s
	for i in $(seq 60); do
		s=$(timeout 10 "$VESSEL" --root "$ROOT" vps enter "$1" systemctl is-system-running </dev/null 2>/dev/null)
		[ "$s" = running ] && return 0
		[ "$s" = degraded ] && break
		sleep 0.5
	done
	echo "is-system-running: $s"
	"$VESSEL" --root "$ROOT" vps enter "$1" systemctl --failed --no-pager </dev/null 2>&1
	return 1
}

t0=$(date +%s%N)
out=$(vsl vps create d1 --template debian12 --memory 300M --cpus 1 --pids 500 \
	--network "$VPS_NET" --port "$P:80" 2>&1)
like "vps create d1" "$out" "^d1: running, address $VPS_SUBNET\.[0-9]+/24$"
is "the init is systemd" "$(vsl vps show d1 | jq -r '.definition.init | .kind + " " + .haltSignal')" "systemd SIGRTMIN+3"
check "systemd reaches running" running d1
diag "booted to running in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
is "its hostname" "$(vsl vps enter d1 hostname </dev/null)" d1
like "systemd sees a container (container=vessel)" "$(vsl vps enter d1 systemd-detect-virt </dev/null)" "container-other|vessel"
is "vps-httpd.service is active" "$(vsl vps enter d1 systemctl is-active vps-httpd </dev/null)" active
is "and answers through the forwarded port $VPS_GW:$P" "$(curl -s -m 5 "http://$VPS_GW:$P/")" "hello from a vessel VPS"
mid=$(vsl vps enter d1 cat /etc/machine-id </dev/null)
like "a machine id of its own" "$mid" "^[0-9a-f]{32}$"
is "  from container_uuid" "$mid" "$(vsl vps show d1 | jq -r .definition.uuid | tr -d -)"
[ -s "$STORE/templates/debian12/rootfs/etc/machine-id" ] && not_ok "the template's machine-id stays empty" ||
	ok "the template's machine-id stays empty"

# --- its own limits in /proc, through lxcfs
is "vps show: lxcfs in use" "$(vsl vps show d1 | jq -r .state.lxcfs)" true
mem=$(vsl vps enter d1 free -m </dev/null | awk '/^Mem:/ {print $2}')
(( mem > 200 && mem <= 300 )) && ok "free shows the 300M limit ($mem MiB), not the host's" ||
	not_ok "free shows the 300M limit, got $mem MiB"
up=$(vsl vps enter d1 cut -d. -f1 /proc/uptime </dev/null)
host_up=$(cut -d. -f1 /proc/uptime)
(( up < 120 && up < host_up )) && ok "/proc/uptime is the VPS's ($up s, host $host_up s)" ||
	not_ok "/proc/uptime is the VPS's ($up s, host $host_up s)"
check "vps set --memory 400M (live)" vsl vps set d1 --memory 400M
mem=$(vsl vps enter d1 free -m </dev/null | awk '/^Mem:/ {print $2}')
(( mem > 300 && mem <= 400 )) && ok "free follows the live change ($mem MiB)" || not_ok "free after set: $mem MiB"

# --- console: systemd's console getty
out=$(console_say d1 "")
like "the console shows the login prompt" "$out" "d1 login:"

# --- stop: SIGRTMIN+3, systemd halts by itself
out=$(vsl vps stop d1 2>&1)
like "vps stop d1 halts it" "$out" "^d1: halted in [0-9.]+ s$"
log=$(vsl vps console --log d1)
like "systemd went through its shutdown" "$log" "Reached target.*(System Halt|halt\.target|Final Step|Late Shutdown)"
like "and halted (systemd-shutdown)" "$log" "Halting system"
like "the keeper saw the halt" "$log" "\[vessel\] d1: the system halted"
is "no keeper or process left" "$(vps_procs)" ""

# --- a second boot: same address, the disk kept
vsl vps enter d1 true </dev/null 2>/dev/null && not_ok "enter a stopped VPS fails" || ok "enter a stopped VPS fails"
check "vps start d1" vsl vps start d1
check "running again" running d1
is "the machine id was kept (its own layer)" "$(vsl vps enter d1 cat /etc/machine-id </dev/null)" "$mid"

# --- reboot from inside: systemd ends PID 1 with reboot(2); the keeper starts it again
pid=$(vps_pid d1)
vsl vps enter d1 systemctl reboot </dev/null >/dev/null 2>&1
for i in $(seq 100); do p=$(vps_pid d1); [ -n "$p" ] && [ "$p" != "$pid" ] && break; sleep 0.2; done
[ -n "$p" ] && [ "$p" != "$pid" ] && ok "systemctl reboot: a new init" || not_ok "systemctl reboot: a new init ($pid -> $p)"
check "running after the reboot" running d1

check "vps rm --force d1" vsl vps rm --force d1
vps_lxcfs_stop
assert_vps_gone d1
vps_network_gone
done_testing
