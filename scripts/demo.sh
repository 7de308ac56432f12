#!/bin/sh
# One command on a fresh Debian machine: install what is missing, build vessel, make the
# default busybox template (from Debian's busybox-static), and run a real container on it
# that shows it is isolated: its own hostname, PID 1, processes, mounts and network.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
make -j"$(nproc)" vessel >/dev/null
make rootfs >/dev/null
./vessel template inspect busybox >/dev/null 2>&1 ||
	./vessel template import busybox build/busybox-rootfs
demo=build/demo
rm -rf "$demo"
mkdir -p "$demo"
./vessel spec -b "$demo"
# rootfs/ is where vessel mounts the template's layers with a private writable layer.
jq '.process.terminal = false | .hostname = "demo" | .root.readonly = false |
    .annotations = {"vessel.template": "busybox"} |
    .process.args = ["sh", "-c", "echo \"hostname: $(hostname)\"; echo \"my pid: $$\"; echo processes:; ps; echo \"my mounts:\"; cat /proc/self/mountinfo; echo network:; ip -o link; echo hello >/written-by-demo && echo \"wrote /written-by-demo in my private layer\""]' \
	"$demo/config.json" >"$demo/config.json.new"
mv "$demo/config.json.new" "$demo/config.json"
echo "== vessel run demo-$$ (bundle $demo, template busybox)"
exec ./vessel run -b "$demo" "demo-$$"
