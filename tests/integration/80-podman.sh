#!/usr/bin/env bash
# podman (with conmon) running containers on vessel, unchanged: `podman --runtime vessel`.
# Everything podman keeps (storage, run dir, database, events, tmp) lives under this test's
# temp dir; the image is the busybox rootfs imported from a tar; no network (netns none).
. "$(dirname "$0")/../lib.sh"

for c in podman conmon script; do
	command -v $c >/dev/null || { echo "not ok 1 - $c not installed (scripts/deps.sh)"; exit 1; }
done

P=$TMP/podman
IMG=localhost/vsltest-orch-bb:latest
mkdir -p "$P/storage" "$P/run" "$P/tmp" "$P/net"
# The host's podman settings that matter here: cgroupfs (no systemd as PID 1), events to a
# file, vessel named among the runtimes that take --log-format=json (podman then reads
# errors from the --log file). The ulimits: podman's default raises the hard nofile and
# nproc limits, which needs CAP_SYS_RESOURCE; these are below any host's.
cat >"$P/containers.conf" <<EOF
[containers]
log_driver = "k8s-file"
netns = "none"
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$P/events.log"
runtime_supports_json = ["vessel"]
tmp_dir = "$P/tmp"
static_dir = "$P/storage/libpod"
volume_path = "$P/storage/volumes"
[network]
network_config_dir = "$P/net"
EOF
cat >"$P/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$P/storage"
runroot = "$P/run"
EOF
# podman import writes a blob cache to /var/lib/containers/cache whatever the storage root:
# remove it afterwards if this test made it.
had_varlib=false
[ -e /var/lib/containers ] && had_varlib=true
# With cgroupfs podman puts conmon in /libpod_parent/conmon (the containers go below
# /libpod_parent too): remove those cgroups afterwards if this test made them.
had_cgparent=$(find /sys/fs/cgroup -maxdepth 3 -type d -name libpod_parent 2>/dev/null)

# A script rather than a function: `script -c` (for a terminal) runs it too.
cat >"$P/pod" <<SH
#!/bin/sh
CONTAINERS_CONF=$P/containers.conf CONTAINERS_STORAGE_CONF=$P/storage.conf \\
	exec podman --runtime "$VESSEL" "\$@"
SH
chmod 755 "$P/pod"
pod() { "$P/pod" "$@"; }

pod_cleanup() {
	local ids
	ids=$(pod ps -aq --no-trunc 2>/dev/null)
	pod rm -af -t 0 >/dev/null 2>&1
	pod rmi -af >/dev/null 2>&1
	# vessel's default root holds podman's containers: nothing of ours may stay there.
	for id in $ids; do
		[ -e "/run/vessel/$id" ] && "$VESSEL" delete --force "$id" >/dev/null 2>&1
	done
	$had_varlib || rm -rf /var/lib/containers
	if [ -z "$had_cgparent" ]; then
		find /sys/fs/cgroup -maxdepth 3 -type d -name libpod_parent 2>/dev/null |
			while read -r d; do rmdir "$d/conmon" "$d" 2>/dev/null; done
	fi
}
trap 'pod_cleanup; _cleanup' EXIT

# out NAME CMD...: run CMD, keep stdout+stderr in $OUT and the status in $RC.
out() { OUT=$("$@" 2>&1); RC=$?; }

tar -C "$ROOTFS_SRC" -cf "$TMP/bb.tar" .
check "podman import of the busybox rootfs" pod import "$TMP/bb.tar" "$IMG"

# --- run in the foreground ------------------------------------------------------------
out pod run --rm "$IMG" echo hi
is "run --rm echo hi" "$RC $OUT" "0 hi"
is "run --rm leaves no container" "$(pod ps -aq)" ""
out pod run --rm "$IMG" sh -c 'exit 3'
is "exit code 3 is propagated" "$RC" 3
out pod run --rm "$IMG" /no/such/program
is "a missing program exits 127" "$RC" 127
like "its error comes from vessel's --log file" "$OUT" "vessel: .*/no/such/program.*No such file"

# --- terminal -------------------------------------------------------------------------
# tty NAME CMD: CMD under script(1), whose stdin stays open (at its end script would stop).
tty_out() { OUT=$(sleep 3 | script -qec "$*" /dev/null | tr -d '\r'); }
tty_out "$P/pod run --rm -it $IMG sh -c 'tty; [ -t 0 ] && echo stdin-is-a-tty'"
like "run -it: the process has a pty" "$OUT" "/dev/pts/[0-9]+"
like "run -it: stdin is the terminal" "$OUT" "stdin-is-a-tty"

# --- a detached container: exec, logs, ps, top, pause, stats, stop, rm -----------------
C=vsltest-orch-c1
# sleep is PID 1 of its namespace: SIGTERM does nothing to it, so stop must SIGKILL.
out pod run -d --name $C "$IMG" sh -c 'echo started; exec sleep 1000'
is "run -d" "$RC" 0
like "ps shows it up" "$(pod ps --format '{{.Names}} {{.Status}}')" "^$C Up"
is "logs" "$(pod logs $C)" started
out pod exec $C echo in-exec
is "exec echo" "$RC $OUT" "0 in-exec"
out pod exec $C sh -c 'exit 5'
is "exec exit code is propagated" "$RC" 5
out pod exec $C /no/such/program
is "exec of a missing program exits 127" "$RC" 127
like "with vessel's error" "$OUT" "vessel: exec in container .*/no/such/program: No such file"
out pod exec --user 1000:1000 $C id -u
is "exec --user" "$RC $OUT" "0 1000"
tty_out "$P/pod exec -it $C tty"
like "exec -it gets a pty" "$OUT" "/dev/pts/[0-9]+"
like "top lists the container's processes" "$(pod top $C pid args)" "1 +sleep 1000"
check "pause" pod pause $C
is "paused" "$(pod inspect -f '{{.State.Status}}' $C)" paused
check "unpause" pod unpause $C
is "running again" "$(pod inspect -f '{{.State.Status}}' $C)" running
out pod stats --no-stream --format '{{.Name}} {{.PIDs}}' $C
like "stats --no-stream counts the container's processes" "$RC $OUT" "^0 $C [1-9]"
t0=$(date +%s%N)
check "stop -t 2" pod stop -t 2 $C
ms=$((($(date +%s%N) - t0) / 1000000))
if [ $ms -ge 2000 ] && [ $ms -lt 10000 ]; then ok "stop sent TERM, waited 2s, then KILL (${ms}ms)"
else not_ok "stop took ${ms}ms, want 2s..10s"; fi
is "stopped by SIGKILL" "$(pod inspect -f '{{.State.Status}} {{.State.ExitCode}}' $C)" \
	"exited 137"
check "rm" pod rm $C
is "gone" "$(pod ps -aq --filter name=$C)" ""

# --- kill -----------------------------------------------------------------------------
C=vsltest-orch-c2
check "run -d (trap TERM)" pod run -d --name $C "$IMG" \
	sh -c 'trap "echo got-term; exit 7" TERM; while :; do sleep 0.1; done'
sleep 0.5
check "kill -s TERM" pod kill -s TERM $C
is "the signal reached the process" "$(pod wait $C)" 7
is "its handler ran" "$(pod logs $C)" got-term
check "rm" pod rm $C
check "run -d" pod run -d --name $C "$IMG" sleep 1000
check "kill (SIGKILL)" pod kill $C
is "killed" "$(pod wait $C)" 137
check "rm -f" pod rm -f $C

# --- resources ------------------------------------------------------------------------
out pod run --rm --memory 64m --pids-limit 50 --cpus 0.5 "$IMG" sh -c '
	cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max \
	    /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us 2>/dev/null ||
	cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max' 
is "--memory 64m --pids-limit 50 --cpus 0.5 seen inside" "$(echo $OUT)" \
	"67108864 50 50000 100000"

# --- security options -----------------------------------------------------------------
out pod run --rm --user 1000:1000 "$IMG" id
like "--user 1000:1000" "$OUT" "^uid=1000(\(1000\))? gid=1000(\(1000\))? "
out pod run --rm "$IMG" grep CapEff /proc/self/status
like "default capabilities" "$OUT" "CapEff:[[:space:]]+0+[1-9a-f][0-9a-f]*$"
out pod run --rm --cap-drop ALL "$IMG" grep -E 'Cap(Eff|Bnd)' /proc/self/status
is "--cap-drop ALL" "$(echo $OUT)" "CapEff: 0000000000000000 CapBnd: 0000000000000000"
out pod run --rm --read-only "$IMG" sh -c 'touch /x; touch /tmp/x && echo tmp-writable'
like "--read-only: the root is read-only" "$OUT" "touch: /x: Read-only file system"
like "--read-only: /tmp is a writable tmpfs" "$OUT" "tmp-writable"
out pod run --rm --tmpfs /etc "$IMG" sh -c 'grep -c ^root: /etc/passwd; grep " /etc " /proc/mounts'
like "--tmpfs copies up what the directory held (tmpcopyup)" "$OUT" "^1.*tmpfs /etc tmpfs"
out pod run --rm "$IMG" grep Seccomp: /proc/self/status
like "podman's default seccomp profile is loaded" "$OUT" "Seccomp:[[:space:]]+2"
out pod run --rm --security-opt seccomp=unconfined "$IMG" grep Seccomp: /proc/self/status
like "seccomp=unconfined" "$OUT" "Seccomp:[[:space:]]+0"
cat >"$TMP/seccomp.json" <<'EOF'
{ "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [ { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 } ] }
EOF
out pod run --rm --security-opt seccomp="$TMP/seccomp.json" "$IMG" mkdir /tmp/d
like "--security-opt seccomp=FILE denies mkdir" "$RC $OUT" "^1 .*Operation not permitted"

# --- events and cleanup ---------------------------------------------------------------
like "events went to the file logger" "$(grep -c '"Status":"start"' "$P/events.log")" "^[1-9]"
is "no containers left" "$(pod ps -aq)" ""
pod rmi -af >/dev/null 2>&1
is "no images left" "$(pod images -q)" ""
left=$(ls /run/vessel 2>/dev/null | grep -E '^[0-9a-f]{64}$' | while read -r id; do
	grep -qs "$P" "/run/vessel/$id/state.json" && echo "$id"; done)
is "no vessel state left by podman" "$left" ""
pod_cleanup
[ -n "$had_cgparent" ] ||
	is "no cgroup left" "$(find /sys/fs/cgroup -maxdepth 3 -name libpod_parent)" ""
trap - EXIT
done_testing
