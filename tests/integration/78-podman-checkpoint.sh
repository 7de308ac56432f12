#!/usr/bin/env bash
# podman's `container checkpoint` and `container restore` with vessel as the runtime, as
# with runc: podman checks `vessel checkpoint --help`, runs `vessel checkpoint --image-path
# --work-path [--leave-running] [--tcp-established] [--pre-dump] [--parent-path]` itself,
# and restores through conmon (`vessel restore --detach --work-path --image-path --bundle
# --pid-file [--tcp-established]`). Where `criu check` fails (this host's kernel 6.18) a
# checkpoint must fail with CRIU's reason and the container run on; where CRIU works (the
# test VM: 94-checkpoint-vm.sh runs this suite there) a counting container is checkpointed
# and restored (the count goes on, in the same log), checkpointed with --leave-running,
# pre-checkpointed, exported to a tar, removed, imported and running again.
. "$(dirname "$0")/../lib.sh"

for c in podman conmon criu; do
	command -v $c >/dev/null || { echo "not ok 1 - $c not installed (scripts/deps.sh)"; exit 1; }
done
CRIU_OK=false
criu check >/dev/null 2>&1 && CRIU_OK=true

P=$TMP/podman
IMG=localhost/vsltest-cr-bb:latest
mkdir -p "$P/storage" "$P/run" "$P/tmp" "$P/net"
# As in 80-podman.sh: everything podman keeps under this test's temp dir, no network.
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
had_varlib=false
[ -e /var/lib/containers ] && had_varlib=true
had_cgparent=$(find /sys/fs/cgroup -maxdepth 3 -type d -name libpod_parent 2>/dev/null)

pod() {
	CONTAINERS_CONF=$P/containers.conf CONTAINERS_STORAGE_CONF=$P/storage.conf \
		podman --runtime "$VESSEL" "$@"
}
pod_cleanup() {
	local ids
	ids=$(pod ps -aq --no-trunc 2>/dev/null)
	pod rm -af -t 0 >/dev/null 2>&1
	pod rmi -af >/dev/null 2>&1
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
out() { OUT=$("$@" 2>&1); RC=$?; }
st() { pod inspect -f '{{.State.Status}}' "$1" 2>&1; }
# The counter writes 1, 2, 3... to its stdout (conmon's pipe, podman's log), five a second.
last() { pod logs "$1" 2>/dev/null | tail -n 1; }
consecutive() { pod logs "$1" 2>/dev/null | awk '$1 != NR { bad = 1 } END { exit bad || NR == 0 }'; }
grows() {
	local a b i
	a=$(last "$1")
	for i in $(seq 40); do
		sleep 0.2; b=$(last "$1")
		[ -n "$b" ] && [ "$b" -gt "${a:-0}" ] && return 0
	done
	return 1
}
counting() { # NAME WHAT: it counts on from where it was, with no gap and no restart
	if grows "$1" && consecutive "$1"; then ok "$2"
	else
		not_ok "$2"
		diag "$(st "$1"), $(pod logs "$1" 2>&1 | wc -l) lines, the last:" \
			"$(pod logs "$1" 2>&1 | tail -n 3)"
	fi
}

tar -C "$ROOTFS_SRC" -cf "$TMP/bb.tar" .
check "podman import of the busybox rootfs" pod import "$TMP/bb.tar" "$IMG"
C=vsltest-cr-count
COUNT='i=0; while :; do i=$((i+1)); echo $i; sleep 0.2; done'
check "run -d a counting container" pod run -d --name $C "$IMG" sh -c "$COUNT"
grows $C || diag "it does not count"

T=vsltest-cr-tty
check "run -dt a container with a terminal" pod run -dt --name $T "$IMG" sleep 1000
tpid=$(pod inspect -f '{{.State.Pid}}' $T)
out pod container checkpoint $T
like "its checkpoint is refused in one line" "$RC $OUT" \
	"^[1-9][0-9]* .*cannot checkpoint container [0-9a-f]{64}: it has a terminal \(process.terminal\)"
is "it runs on, same pid" "$(st $T) $(pod inspect -f '{{.State.Pid}}' $T)" "running $tpid"
check "rm -f it" pod rm -f -t 0 $T

if ! $CRIU_OK; then
	pid=$(pod inspect -f '{{.State.Pid}}' $C)
	out pod container checkpoint $C
	like "checkpoint fails with vessel's one line: CRIU's reason" "$RC $OUT" \
		"^[1-9][0-9]* .*checkpoint of container [0-9a-f]{64} failed: .*(vdso|kerndat)"
	is "the container still runs, same pid" "$(st $C) $(pod inspect -f '{{.State.Pid}}' $C)" \
		"running $pid"
	counting $C "it goes on counting"
	check "rm -f" pod rm -f -t 0 $C
	pod_cleanup
	trap - EXIT
	done_testing
	exit
fi

# --- pre-checkpoint, checkpoint on top of it, restore --------------------------------------
pid=$(pod inspect -f '{{.State.Pid}}' $C)
check "checkpoint --pre-checkpoint" pod container checkpoint -P $C
is "running after the pre-checkpoint, same pid" "$(st $C) $(pod inspect -f '{{.State.Pid}}' $C)" \
	"running $pid"
check "checkpoint --with-previous --tcp-established" \
	pod container checkpoint --with-previous --tcp-established $C
is "it is exited (checkpointed)" "$(st $C)" exited
at=$(last $C)
sleep 0.5
is "nothing counted while checkpointed" "$(last $C)" "$at"
check "container restore --tcp-established" pod container restore --tcp-established $C
is "it runs again" "$(st $C)" running
counting $C "the count goes on from $at in the same log"

# --- export (--leave-running --keep), remove, import ----------------------------------------
pid=$(pod inspect -f '{{.State.Pid}}' $C)
at=$(last $C) # before the dump: the restored process must count past it
check "checkpoint --leave-running --keep --export to a tar" \
	pod container checkpoint --leave-running --keep --compress none --export "$TMP/c.tar" $C
is "still running, same pid" "$(st $C) $(pod inspect -f '{{.State.Pid}}' $C)" "running $pid"
like "the tar holds CRIU's images" "$(tar -tf "$TMP/c.tar" 2>&1)" "checkpoint/inventory.img"
[ -n "$(find "$P/storage" -path '*/userdata/checkpoint/inventory.img' 2>/dev/null)" ] &&
	ok "--keep kept the image" || not_ok "--keep kept the image"
check "rm -f the container" pod rm -f -t 0 $C
is "it is gone" "$(pod ps -aq --filter name=$C)" ""
check "container restore --import" pod container restore --import "$TMP/c.tar"
is "it runs again, imported" "$(st $C)" running
# Left running, it counted on during and after the dump: the import resumes from the dump's
# count, so the log the tar carried may have a few lines the restored process counts again.
if grows $C && [ "$(last $C)" -gt "$at" ] && [ "$(pod logs $C | grep -c '^1$')" = 1 ]; then
	ok "it counts on from about $at (no restart, in the log the tar carried)"
else not_ok "it counts on from about $at"; diag "$(pod logs $C 2>&1 | tail -n 3)"; fi

check "rm -f" pod rm -f -t 0 $C
is "no containers left" "$(pod ps -aq)" ""
left=$(ls /run/vessel 2>/dev/null | grep -E '^[0-9a-f]{64}$' | while read -r id; do
	grep -qs "$P" "/run/vessel/$id/state.json" && echo "$id"; done)
is "no vessel state left by podman" "$left" ""
pod_cleanup
trap - EXIT
done_testing
