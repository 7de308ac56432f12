#!/bin/sh
# One command on a fresh Debian machine: install what is missing, build vessel and its
# busybox rootfs, and run a real container that shows it is isolated.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
make -j"$(nproc)" vessel >/dev/null
make rootfs >/dev/null
demo=build/demo
rm -rf "$demo"
mkdir -p "$demo"
ln -s ../busybox-rootfs "$demo/rootfs"
./vessel spec -b "$demo"
jq '.process.terminal = false | .hostname = "demo" | .root.readonly = true |
    .process.args = ["sh", "-c", "echo \"hostname: $(hostname)\"; echo \"my pid: $$\"; echo processes:; ps; echo \"my mounts:\"; cat /proc/self/mountinfo; echo network:; ip -o link"]' \
	"$demo/config.json" >"$demo/config.json.new"
mv "$demo/config.json.new" "$demo/config.json"
echo "== vessel run demo-$$ (bundle $demo)"
exec ./vessel run -b "$demo" "demo-$$"
