#!/usr/bin/env bash
# containerd (its runc shim, containerd-shim-runc-v2) running tasks on vessel through
# `ctr run --runc-binary`. The test starts its own containerd with root, state and sockets
# under its temp dir, imports an OCI archive made from the busybox rootfs, and stops it.
. "$(dirname "$0")/../lib.sh"

for c in containerd ctr containerd-shim-runc-v2 script; do
	command -v $c >/dev/null || { echo "not ok 1 - $c not installed (scripts/deps.sh)"; exit 1; }
done

D=$TMP/containerd
NS=vsltest-orch
IMG=localhost/vsltest-orch-bb:latest
mkdir -p "$D"
cat >"$D/config.toml" <<EOF
version = 2
root = "$D/root"
state = "$D/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.internal.v1.tracing",
  "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$D/containerd.sock"
[ttrpc]
  address = "$D/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$D/opt"
EOF
# ctr keeps its I/O fifos and the shims their sockets under /run/containerd: remove it
# afterwards if this test made it.
had_run=false
[ -e /run/containerd ] && had_run=true

ctr() { command ctr -a "$D/containerd.sock" -n $NS "$@"; }
RUNC=(--runc-binary "$VESSEL" --runc-root "$D/runc")

ctd_cleanup() {
	local t
	if [ -n "${CTD_PID:-}" ]; then
		for t in $(ctr task ls -q 2>/dev/null); do
			ctr task kill -s KILL "$t" >/dev/null 2>&1
			ctr task delete -f "$t" >/dev/null 2>&1
		done
		for t in $(ctr container ls -q 2>/dev/null); do ctr container delete "$t" >/dev/null 2>&1; done
		ctr image rm "$IMG" >/dev/null 2>&1
		kill "$CTD_PID" 2>/dev/null
		wait "$CTD_PID" 2>/dev/null
		CTD_PID=
	fi
	$had_run || rm -rf /run/containerd
}
trap 'ctd_cleanup; _cleanup' EXIT

out() { OUT=$("$@" 2>&1); RC=$?; }
tty_out() { OUT=$(sleep 3 | script -qec "$*" /dev/null | tr -d '\r'); }

# oci_archive ROOTFS NAME OUT: an OCI image layout in a tar, one uncompressed layer.
oci_archive() {
	local d=$TMP/oci l c m
	mkdir -p "$d/blobs/sha256"
	blob() { # file -> "digest size", moved into blobs/
		local dig; dig=$(sha256sum "$1" | cut -d' ' -f1)
		echo "$dig $(stat -c %s "$1")"; mv "$1" "$d/blobs/sha256/$dig"
	}
	tar -C "$1" --numeric-owner -cf "$d/layer" .
	l=($(blob "$d/layer"))
	printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		"${l[0]}" >"$d/config"
	c=($(blob "$d/config"))
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
		"${c[0]}" "${c[1]}" "${l[0]}" "${l[1]}" >"$d/manifest"
	m=($(blob "$d/manifest"))
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s"}}]}' \
		"${m[0]}" "${m[1]}" "$2" >"$d/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$d/oci-layout"
	tar -C "$d" -cf "$3" oci-layout index.json blobs
}

containerd --config "$D/config.toml" >"$D/containerd.log" 2>&1 &
CTD_PID=$!
for _ in $(seq 50); do [ -S "$D/containerd.sock" ] && break; sleep 0.1; done
check "containerd started on its own socket" ctr version

oci_archive "$ROOTFS_SRC" "$IMG" "$TMP/bb-oci.tar"
check "ctr image import" ctr image import "$TMP/bb-oci.tar"

# --- run in the foreground ------------------------------------------------------------
out ctr run --rm "${RUNC[@]}" "$IMG" t1 echo hi
is "ctr run --rm echo hi" "$RC $OUT" "0 hi"
out ctr run --rm "${RUNC[@]}" "$IMG" t1 sh -c 'exit 3'
is "exit code 3 is propagated" "$RC" 3
out ctr run --rm "${RUNC[@]}" "$IMG" t1 /no/such/program
like "a missing program fails with vessel's error (read from --log)" "$RC $OUT" \
	"^[1-9].*/no/such/program.*No such file"
tty_out command ctr -a "$D/containerd.sock" -n $NS run --rm -t "${RUNC[*]}" "$IMG" t1 \
	sh -c "'tty; [ -t 0 ] && echo stdin-is-a-tty'"
like "run -t: the process has a pty" "$OUT" "/dev/pts/[0-9]+"
like "run -t: stdin is the terminal" "$OUT" "stdin-is-a-tty"
is "nothing left after run --rm" "$(ctr container ls -q)" ""

# --- a detached task ------------------------------------------------------------------
check "ctr run -d" ctr run -d "${RUNC[@]}" "$IMG" t2 sh -c 'echo started; exec sleep 1000'
pid=$(ctr task ls | awk '$1 == "t2" {print $2}')
like "task ls: running" "$(ctr task ls | awk '$1 == "t2"')" "^t2 +[0-9]+ +RUNNING"
is "the task's pid is vessel's container pid" "$(jq -r .pid "$D/runc/$NS/t2/state.json")" "$pid"
out ctr task exec --exec-id e1 t2 echo from-exec
is "task exec" "$RC $OUT" "0 from-exec"
out ctr task exec --exec-id e2 t2 sh -c 'exit 4'
is "task exec exit code" "$RC" 4
tty_out command ctr -a "$D/containerd.sock" -n $NS task exec -t --exec-id e3 t2 tty
like "task exec -t gets a pty" "$OUT" "/dev/pts/[0-9]+"
out ctr task ps t2
like "task ps lists the init process" "$OUT" "(^|[[:space:]])$pid([[:space:]]|$)"
check "task pause" ctr task pause t2
like "paused" "$(ctr task ls | awk '$1 == "t2"')" "PAUSED"
check "task resume" ctr task resume t2
like "running again" "$(ctr task ls | awk '$1 == "t2"')" "RUNNING"
out ctr task metrics t2
like "task metrics are the container's cgroup (pids.current)" "$OUT" \
	"pids.current +[1-9]"
check "task kill -s KILL" ctr task kill -s KILL t2
for _ in $(seq 30); do ctr task ls | grep -q "^t2 .*STOPPED" && break; sleep 0.1; done
like "stopped" "$(ctr task ls | awk '$1 == "t2"')" "STOPPED"
check "task delete" ctr task delete t2
is "task gone" "$(ctr task ls -q)" ""
check "container delete" ctr container delete t2
is "vessel's state gone too" "$(ls "$D/runc/$NS" 2>/dev/null)" ""

# --- kill --all: every process of the task, exec'd ones included --------------------
check "run -d" ctr run -d "${RUNC[@]}" "$IMG" t3 sleep 1000
check "exec -d a second process" ctr task exec -d --exec-id e1 t3 sleep 7771
sleep 0.3
check "task kill --all" ctr task kill -a -s KILL t3
for _ in $(seq 30); do ctr task ls | grep -q "^t3 .*STOPPED" && break; sleep 0.1; done
like "stopped" "$(ctr task ls | awk '$1 == "t3"')" "STOPPED"
is "no process of the task is left" "$(pgrep -f "sleep 7771")" ""
check "task delete" ctr task delete t3
check "container delete" ctr container delete t3

# --- cleanup --------------------------------------------------------------------------
check "image rm" ctr image rm "$IMG"
is "no containers left" "$(ctr container ls -q)" ""
kill "$CTD_PID"
wait "$CTD_PID"
CTD_PID=
is "containerd stopped" "$(pgrep -f "containerd --config $D/config.toml")" ""
is "no shim left" "$(pgrep -f "containerd-shim-runc-v2 -namespace $NS")" ""
is "no cgroup left (ctr's /$NS/ID)" "$(find /sys/fs/cgroup -maxdepth 3 -name $NS)" ""
ctd_cleanup
trap - EXIT
done_testing
