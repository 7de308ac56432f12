#!/usr/bin/env bash
# Kubernetes runs vessel through a RuntimeClass whose handler is a runtime of containerd's
# CRI plugin (docs/orchestrators.md). There is no kubelet for Debian 12 (nor crictl), so this
# checks what the machine allows: a containerd of the test's own (state, sockets, CNI dir
# under its temp dir) with a `vessel` handler in its CRI config loads the CRI plugin with
# it, says so in its own config dump and log, and reports no error about it; the binary
# the handler names is vessel. 85-containerd.sh runs the path below the CRI plugin (the runc
# shim driving vessel); 96-systemd-vm.sh loads the handler with SystemdCgroup = true under
# systemd and runs a task through the shim's systemd cgroup manager.
. "$(dirname "$0")/../lib.sh"

command -v containerd >/dev/null && command -v ctr >/dev/null ||
	{ echo "not ok 1 - containerd not installed (scripts/deps.sh)"; exit 1; }

D=$TMP/containerd
mkdir -p "$D/cni"
cat >"$D/config.toml" <<EOF
version = 2
root = "$D/root"
state = "$D/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$D/c.sock"
[ttrpc]
  address = "$D/c.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".cni]
    conf_dir = "$D/cni"
    bin_dir = "$D/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.vessel]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.vessel.options]
        BinaryName = "$VESSEL"
        Root = "$D/vessel"
        SystemdCgroup = false
EOF

containerd --config "$D/config.toml" >"$D/log" 2>&1 &
CTD=$!
trap 'kill $CTD 2>/dev/null; wait $CTD 2>/dev/null; _cleanup' EXIT
for _ in $(seq 100); do [ -S "$D/c.sock" ] && break; sleep 0.1; done
c() { ctr -a "$D/c.sock" "$@"; }
is "ctr plugins ls: the CRI plugin is ok" "$(c plugins ls | awk '$2 == "cri" {print $1, $4}')" \
	"io.containerd.grpc.v1 ok"
dump=$(containerd --config "$D/config.toml" config dump)
like "config dump: the vessel handler is a runc-v2 runtime" \
	"$(grep -A12 'runtimes.vessel\]' <<<"$dump")" 'runtime_type = "io.containerd.runc.v2"'
like "config dump: its options name vessel's binary and root, cgroupfs" \
	"$(grep -A4 'runtimes.vessel.options\]' <<<"$dump" | tr -s ' \n' ' ')" \
	"BinaryName = \"$VESSEL\" Root = \"$D/vessel\" SystemdCgroup = false"
like "the log: the CRI plugin started with both handlers" \
	"$(grep -o 'Start cri plugin with config .*' "$D/log")" \
	"Runtimes:map\[runc:.*vessel:\{Type:io.containerd.runc.v2 .*Options:map\[BinaryName:$VESSEL "
is "no error in the log but the missing CNI config" \
	"$(grep 'level=error' "$D/log" | grep -v 'no network config found')" ""
is "and the binary the handler names runs" "$("$(grep -o 'BinaryName = "[^"]*"' <<<"$dump" |
	cut -d'"' -f2)" --version | head -1 | cut -d' ' -f1)" vessel
kill $CTD
wait $CTD 2>/dev/null
trap - EXIT
is "containerd stopped, nothing of it left running" "$(pgrep -f "containerd --config $D")" ""
done_testing
