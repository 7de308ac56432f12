#!/usr/bin/env bash
# The systemd cgroup driver (--systemd-cgroup) where it belongs: a host whose PID 1 is
# systemd, on cgroup v2. This machine has neither, so the checks run in the test VM booted
# with the host's systemd as PID 1 (VM_INIT=systemd, tests/vm): the container's cgroup is a
# transient scope, its limits are unit properties (systemctl show) or files vessel wrote,
# update/pause/ps/events/kill/delete work on it, and nothing of it is left in systemd.
# Then podman with cgroup_manager = "systemd" and containerd's shim with the systemd cgroup
# manager run vessel unchanged. On the host this file boots the VM and re-runs itself inside
# with --guest; the guest's results are renumbered into this file's TAP.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SELF=tests/integration/$(basename "$0")

host_main() {
	local tmp rc seen=0 plan="" line n=0 failed=0
	if [ "${VESSEL_VM:-}" = 1 ]; then
		echo "ok 1 - # SKIP already inside the test VM: no nested VM"
		echo "1..1"
		return 0
	fi
	cd "$TOP" || return 1
	tmp=$(mktemp -d /tmp/vsltest-sdvm.XXXXXX)
	VM_INIT=systemd VM_TIMEOUT=${VM_TIMEOUT:-900} tests/vm/run.sh bash "$SELF" --guest \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"not ok "*) seen=$((seen + 1)) n=$((n + 1)) failed=$((failed + 1))
			echo "not ok $n - vm: $(sed -E 's/^not ok [0-9]* ?-? ?//' <<<"$line")" ;;
		"ok "*) seen=$((seen + 1)) n=$((n + 1))
			echo "ok $n - vm: $(sed -E 's/^ok [0-9]* ?-? ?//' <<<"$line")" ;;
		"#"*) echo "$line" ;;
		1..*) plan=${line#1..} ;;
		esac
	done <"$tmp/out"
	n=$((n + 1))
	if [ "$rc" = 0 ] && [ -n "$plan" ] && [ "$seen" = "$plan" ]; then
		echo "ok $n - the guest ran all its $seen checks under systemd and passed"
	else
		failed=$((failed + 1))
		echo "not ok $n - the guest: exit $rc, $seen checks of plan ${plan:-missing}"
		tail -30 "$tmp/out" "$tmp/err" | sed 's/^/#   /'
	fi
	sed -n 's/^vm: /# vm: /p' "$tmp/err"
	rm -rf "$tmp"
	echo "1..$n"
	[ "$failed" -eq 0 ]
}

if [ "${1:-}" != --guest ]; then
	host_main
	exit
fi

# ---------------------------------------------------------------- inside the VM
# Under TCG every program started costs (systemctl about a second on a busy host): the
# checks ask systemd once per step and read cgroup files directly.
. "$TOP/tests/lib.sh"
CG=/sys/fs/cgroup
P=vsltest-sd	# the scope prefix: units are vsltest-sd-<name>.scope

sdv() { vsl --systemd-cgroup "$@"; }
unit_of() { echo "$P-$1.scope"; }
cgdir() { echo "$CG/${2:-system.slice}/$(unit_of "$1")"; }
# props NAME PROP...: the unit's values, space-separated in the order asked (a list property
# as its items joined by ","), from one systemctl call.
props() {
	local -A v=()
	local line k out=()
	while IFS= read -r line; do
		k=${line%%=*}
		v[$k]+="${v[$k]:+,}${line#*=}"
	done < <(systemctl show "$(unit_of "$1")" $(printf -- '-p %s ' "${@:2}"))
	for k in "${@:2}"; do out+=("${v[$k]:-}"); done
	echo "${out[*]}"
}
# st NAME FIELD: a field of vessel state (status, pid) without jq.
st() {
	local j
	j=$(vsl state "$1" 2>/dev/null)
	[[ $j =~ \"$2\":\ *\"?([a-z0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}
units() { systemctl list-units --all --no-legend --plain "$@" | awk '{print $1}'; }

# sd_clean NAME [SLICE]: nothing of the container is left: its state, mounts, its unit in
# systemd (loaded, failed or not) and the scope's cgroup.
sd_clean() {
	local out
	out=$(leftovers "$1"; units "$(unit_of "$1")" | sed 's/^/unit /'
		[ -e "$(cgdir "$1" "${2:-}")" ] && echo "cgroup $(cgdir "$1" "${2:-}")")
	if [ -z "$out" ]; then ok "nothing of $1 left, in systemd neither"
	else not_ok "nothing of $1 left, in systemd neither"; diag "$out"; fi
}
sd_cleanup() {
	local u
	for u in $(units "$P-*"); do
		systemctl kill -s KILL "$u" 2>/dev/null
		systemctl stop "$u" 2>/dev/null
		systemctl reset-failed "$u" 2>/dev/null
	done
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
T=$SECONDS
section() { diag "$1: $((SECONDS - T)) s"; T=$SECONDS; }
trap 'sd_cleanup; _cleanup' EXIT

is "systemd is PID 1 on cgroup v2, this runs as one of its services" \
	"$(cat /proc/1/comm) $(stat -f -c %T $CG) $(cut -d: -f3 /proc/self/cgroup)" \
	"systemd cgroup2fs /system.slice/vessel-vm.service"

# --- create: a scope with the limits as unit properties ---------------------------------
B=$TMP/b
make_bundle "$B" sleep 1000
hp=""
[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] &&
	hp=',"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]'
edit_config "$B" ".linux.cgroupsPath = \"system.slice:$P:c1\" |
	.linux.resources = ({\"memory\": {\"limit\": 67108864, \"swap\": 100663296},
		\"cpu\": {\"shares\": 1024, \"quota\": 50000, \"period\": 100000, \"cpus\": \"0\"},
		\"pids\": {\"limit\": 50},
		\"unified\": {\"memory.high\": \"60000000\"} $hp})"
t0=$(date +%s%N)
check "create --systemd-cgroup" sdv create -b "$B" c1
diag "create with a scope: $(ms_since "$t0") ms"
D=$(cgdir c1)
pid=$(st c1 pid)
is "created; its scope is active in the slice of cgroupsPath, delegated" \
	"$(st c1 status) $(props c1 ActiveState Slice Delegate)" "created active system.slice yes"
like "the record in state.json names the scope" "$(cat "$ROOT/c1/state.json")" \
	"\"cgroup.path\": *\"systemd:1:/system.slice/$(unit_of c1)\""
is "the container's process is in the scope, and nothing else (the holder went)" \
	"$(cat /proc/"$pid"/cgroup) $(cat "$D/cgroup.procs")" "0::/system.slice/$(unit_of c1) $pid"
is "MemoryMax MemorySwapMax TasksMax CPUQuotaPerSecUSec CPUQuotaPeriodUSec CPUWeight AllowedCPUs" \
	"$(props c1 MemoryMax MemorySwapMax TasksMax CPUQuotaPerSecUSec CPUQuotaPeriodUSec \
		CPUWeight AllowedCPUs)" "67108864 33554432 50 500ms 100ms 39 0"
is "systemd wrote them to the cgroup" \
	"$(cd "$D" && cat memory.max memory.swap.max pids.max cpu.max cpu.weight cpuset.cpus | tr '\n' ' ')" \
	"67108864 33554432 50 50000 100000 39 0 "
is "vessel wrote what systemd has no property for (unified memory.high)" \
	"$(cat "$D/memory.high")" 59998208
if [ -n "$hp" ]; then
	is "and the hugetlb limit, its controller enabled down to the scope" \
		"$(cat "$D/hugetlb.2MB.max")" 4194304
else
	skip "no 2MB huge pages in this kernel"
fi
like "devices: DevicePolicy strict, the defaults in DeviceAllow" \
	"$(props c1 DevicePolicy DeviceAllow)" \
	"^strict .*/dev/char/1:3 rwm.*block-\* m.*char-\* m"

# --- start, exec, the device programs -------------------------------------------------
check "start" sdv start c1
check "exec -d a second process" sdv exec -d c1 sleep 999
out=$(sdv exec c1 sh -c 'cat /proc/self/cgroup; echo x >/dev/null && echo null-ok
	mknod /tmp/kmsg c 1 11 && head -c1 /tmp/kmsg' 2>&1)
like "exec runs in the scope" "$out" "^0::/system.slice/$(unit_of c1)"$'\n'
like "/dev/null opens (systemd's program and vessel's allow it)" "$out" "null-ok"
like "/dev/kmsg does not (vessel's program)" "$out" "Operation not permitted"
is "running, both processes in the scope" "$(st c1 status) $(wc -l <"$D/cgroup.procs")" "running 2"

# --- update: SetUnitProperties, and the rest to the cgroup ------------------------------
check "update --memory --pids-limit --cpu-quota" sdv update --memory 134217728 --pids-limit 77 \
	--cpu-quota 25000 c1
is "the unit properties changed, the cgroup with them" \
	"$(props c1 MemoryMax TasksMax CPUQuotaPerSecUSec) $(cd "$D" && cat memory.max pids.max cpu.max | tr '\n' ' ')" \
	"134217728 77 250ms 134217728 77 25000 100000 "
check "update --cpu-quota 33333 (not a whole percent)" sdv update --cpu-quota 33333 c1
is "systemd keeps whole percents (rounded up); the cgroup has the exact quota" \
	"$(props c1 CPUQuotaPerSecUSec) $(cat "$D/cpu.max")" "340ms 33333 100000"

# --- pause, ps, events, kill ------------------------------------------------------------
check "pause" sdv pause c1
is "paused (cgroup.freeze of the scope)" "$(st c1 status) $(cat "$D/cgroup.freeze")" "paused 1"
check "resume" sdv resume c1
like "ps lists the scope's processes" "$(sdv ps c1)" "sleep 999"
out=$(timeout 10 "$VESSEL" --root "$ROOT" events --stats c1 | head -1)
like "events --stats reads the scope's cgroup" "$out" '"limit":134217728'
check "kill --all KILL" sdv kill --all c1 KILL
for _ in $(seq 30); do [ -e "$D" ] || break; sleep 0.2; done
is "stopped; systemd stopped the empty scope itself" "$(st c1 status) $(props c1 ActiveState)" \
	"stopped inactive"
t0=$(date +%s%N)
check "delete" sdv delete c1
diag "delete: $(ms_since "$t0") ms"
sd_clean c1
section "lifecycle"

# --- a failed unit of the same name, left from before: reset, then started --------------
# (systemd keeps a failed unit loaded until reset-failed; runc resets it and retries)
(systemd-run --scope --unit="$(unit_of f1)" -p RuntimeMaxSec=1 sleep 100) >/dev/null 2>&1
is "a failed scope named like the container's is left" "$(props f1 ActiveState Result)" \
	"failed timeout"
edit_config "$B" ".linux.cgroupsPath = \"system.slice:$P:f1\""
check "create resets it and starts the container's scope" sdv create -b "$B" f1
is "the scope is the container's now" "$(props f1 ActiveState) $(cat "$(cgdir f1)/cgroup.procs")" \
	"active $(st f1 pid)"
check "delete --force" sdv delete --force f1
sd_clean f1
section "failed unit"

# --- delete --force of a running container ---------------------------------------------
edit_config "$B" ".linux.cgroupsPath = \"machine.slice:$P:c2\" | del(.linux.resources.unified)"
check "run -d in machine.slice" sdv run -d -b "$B" c2
is "the scope's cgroup is under machine.slice" "$(props c2 ControlGroup)" \
	"/machine.slice/$(unit_of c2)"
check "delete --force" sdv delete --force c2
sd_clean c2 machine.slice
section "delete --force"

# --- a vessel killed while creating: delete --force cleans up --------------------------
edit_config "$B" ".linux.cgroupsPath = \"system.slice:$P:k1\" |
	.hooks = {\"createRuntime\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\",
		\"echo > $TMP/in-hook; exec sleep 30\"]}]}"
sdv create -b "$B" k1 >/dev/null 2>&1 &
cpid=$!
# Under emulation on a busy host a create can take many seconds to reach its hook.
for _ in $(seq 600); do [ -e "$TMP/in-hook" ] && break; sleep 0.1; done
check "the create reached its createRuntime hook" test -e "$TMP/in-hook"
{ kill -9 $cpid; wait $cpid; } 2>/dev/null
pkill -f "sleep 30"
is "the killed create left its state" "$(ls "$ROOT")" k1
check "delete --force" sdv delete --force k1
sd_clean k1
edit_config "$B" 'del(.hooks)'
section "killed create"

# --- two containers, one cgroupsPath; bad paths -----------------------------------------
edit_config "$B" ".linux.cgroupsPath = \"system.slice:$P:dup\""
check "a first container on system.slice:$P:dup" sdv create -b "$B" d1
fails_with "a second one on the same scope is refused" "unit $(unit_of dup) already exists" \
	sdv create -b "$B" d2
is "the first keeps its scope" "$(props dup ActiveState) $(st d1 status)" "active created"
check "delete it" sdv delete --force d1
sd_clean dup
for bad in "user:$P:x" "system.slice:$P:x.slice" "system.slice:$P" "a--b.slice:$P:x"; do
	edit_config "$B" ".linux.cgroupsPath = \"$bad\""
	fails_with "cgroupsPath \"$bad\" is refused in one line naming it" \
		"linux.cgroupsPath: \"$bad\"" sdv create -b "$B" bad
done
is "no state and no unit was left by any of them" "$(ls "$ROOT") $(units "$P-*")" " "
section "bad input"

# --- libsystemd is mapped only by the systemd driver ------------------------------------
edit_config "$B" ".linux.cgroupsPath = \"system.slice:$P:m1\""
maps_of_run() { # ID ARGS...: how often a foreground `vessel run` maps libsystemd
	local id=$1 rpid n
	shift
	"$VESSEL" --root "$ROOT" "$@" -b "$B" "$id" >/dev/null 2>&1 &
	rpid=$!
	for _ in $(seq 100); do [ "$(st "$id" status)" = running ] && break; sleep 0.1; done
	n=$(grep -c libsystemd /proc/$rpid/maps)
	vsl delete --force "$id" >/dev/null 2>&1
	wait $rpid 2>/dev/null
	echo "$n"
}
like "vessel run --systemd-cgroup maps libsystemd" "$(maps_of_run m1 --systemd-cgroup run)" \
	"^[1-9]"
edit_config "$B" 'del(.linux.cgroupsPath)'
is "vessel run without it does not" "$(maps_of_run m2 run)" 0
edit_config "$B" ".linux.cgroupsPath = \"system.slice:$P:m3\""
check "create a systemd container" sdv create -b "$B" m3
is "state, pause and resume of it do not load libsystemd (cgroupfs alone)" \
	"$(for c in state pause resume; do LD_DEBUG=files "$VESSEL" --root "$ROOT" $c m3 2>&1 >/dev/null; done | grep -c libsystemd)" 0
like "delete does (StopUnit)" \
	"$(LD_DEBUG=files "$VESSEL" --root "$ROOT" delete --force m3 2>&1 | grep -c 'calling init:.*libsystemd')" \
	"^[1-9]"
sd_clean m3
section "libsystemd"

# --- podman with its default systemd cgroup manager ------------------------------------
podman_checks() {
	local PD=$TMP/podman IMG=localhost/vsltest-sd-bb:latest id out
	mkdir -p "$PD/storage" "$PD/run" "$PD/tmp"
	cat >"$PD/containers.conf" <<-EOF
		[containers]
		log_driver = "k8s-file"
		netns = "none"
		default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
		[engine]
		cgroup_manager = "systemd"
		events_logger = "file"
		events_logfile_path = "$PD/events.log"
		runtime_supports_json = ["vessel"]
		tmp_dir = "$PD/tmp"
		static_dir = "$PD/storage/libpod"
		volume_path = "$PD/storage/volumes"
	EOF
	printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' \
		"$PD/storage" "$PD/run" >"$PD/storage.conf"
	pod() { CONTAINERS_CONF=$PD/containers.conf CONTAINERS_STORAGE_CONF=$PD/storage.conf \
		podman --runtime "$VESSEL" "$@"; }
	tar -C "$ROOTFS_SRC" -cf "$TMP/bb.tar" .
	check "podman import" pod import -q "$TMP/bb.tar" "$IMG"
	out=$(pod run --rm "$IMG" sh -c 'echo hi; cat /proc/self/cgroup')
	is "podman run --rm (cgroup_manager = systemd)" "$out" "hi
0::/"
	id=$(pod run -d --name sdc --memory 64m "$IMG" sleep 1000)
	like "podman run -d --memory 64m" "$id" "^[0-9a-f]{64}$"
	is "its container is a scope under machine.slice, MemoryMax set" \
		"$(systemctl show -p ControlGroup -p MemoryMax "libpod-$id.scope" | sort | tr '\n' ' ')" \
		"ControlGroup=/machine.slice/libpod-$id.scope MemoryMax=67108864 "
	is "and vessel's (state under /run/vessel, systemd record)" \
		"$(jq -r '.vessel.resources["cgroup.path"]' "/run/vessel/$id/state.json")" \
		"systemd:1:/machine.slice/libpod-$id.scope"
	is "podman exec" "$(pod exec sdc echo in-exec 2>&1)" in-exec
	check "podman rm -f (kill, delete)" pod rm -f -t 0 sdc
	is "the container's scope is gone" "$(units "libpod-$id.scope")" ""
	for _ in $(seq 25); do [ -z "$(units 'libpod-*')" ] && break; sleep 0.2; done
	is "and conmon's (podman's) once it exited" "$(units 'libpod-*')" ""
	pod rmi -a >/dev/null 2>&1
	is "no vessel state left" "$(ls /run/vessel 2>/dev/null)" ""
}
t0=$(date +%s)
podman_checks
diag "podman: $(($(date +%s) - t0)) s"

# --- containerd's runc shim with the systemd cgroup manager ----------------------------
# What Kubernetes nodes run: the CRI plugin with a vessel handler and SystemdCgroup = true
# loads; and the shim driving vessel with --systemd-cgroup (ctr's --runc-systemd-cgroup is
# what SystemdCgroup = true sets for the shim) runs a task in its own scope.
ctr_checks() {
	local D=$TMP/ctd NS=vsltest-sd u
	mkdir -p "$D"
	cat >"$D/config.toml" <<-EOF
		version = 2
		root = "$D/root"
		state = "$D/state"
		[grpc]
		  address = "$D/c.sock"
		[ttrpc]
		  address = "$D/c.sock.ttrpc"
		[plugins."io.containerd.grpc.v1.cri".containerd]
		  default_runtime_name = "vessel"
		[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.vessel]
		  runtime_type = "io.containerd.runc.v2"
		  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.vessel.options]
		    BinaryName = "$VESSEL"
		    Root = "$D/vessel"
		    SystemdCgroup = true
	EOF
	containerd --config "$D/config.toml" >"$D/log" 2>&1 &
	CTD=$!
	c() { ctr -a "$D/c.sock" -n $NS "$@"; }
	for _ in $(seq 100); do [ -S "$D/c.sock" ] && break; sleep 0.1; done
	is "containerd's CRI plugin loads with the vessel handler, SystemdCgroup = true" \
		"$(c plugins ls | awk '$2 == "cri" {print $4}')" ok
	like "its log shows the CRI plugin started with the handler" \
		"$(grep -o 'Start cri plugin with config .*' "$D/log")" \
		"Runtimes:map\[vessel:\{Type:io.containerd.runc.v2 .*Options:map\[BinaryName:$VESSEL Root:$D/vessel SystemdCgroup:true\]"
	is "and no error about it" "$(grep -i 'level=error' "$D/log" | grep -ci vessel)" 0
	cp -a "$ROOTFS_SRC" "$TMP/ctr-rootfs"
	u=$(unit_of ctr1)
	check "ctr run -d with the systemd cgroup manager" c run -d --rootfs --runc-binary "$VESSEL" \
		--runc-root "$D/runc" --runc-systemd-cgroup --cgroup "system.slice:$P:ctr1" \
		"$TMP/ctr-rootfs" ctr1 sleep 1000
	is "the task's cgroup is a scope" "$(systemctl is-active "$u") $(systemctl show -P ControlGroup "$u")" \
		"active /system.slice/$u"
	check "ctr task kill -s KILL" c task kill -s KILL ctr1
	for _ in $(seq 50); do c task ls | grep -q "^ctr1 .*STOPPED" && break; sleep 0.1; done
	check "ctr task delete" c task delete ctr1
	check "ctr container delete" c container delete ctr1
	is "no scope left" "$(systemctl list-units --all --no-legend --plain "$u")" ""
	kill "$CTD"
	wait "$CTD" 2>/dev/null
	is "no shim left" "$(pgrep -f "containerd-shim-runc-v2 -namespace $NS")" ""
}
t0=$(date +%s)
ctr_checks
diag "containerd: $(($(date +%s) - t0)) s"

sd_cleanup
is "no unit of this test is left in systemd" \
	"$(systemctl list-units --all --no-legend --plain "$P-*" 'libpod-*')" ""
is "no failed unit at all" "$(systemctl list-units --failed --no-legend --plain)" ""
trap - EXIT
done_testing
