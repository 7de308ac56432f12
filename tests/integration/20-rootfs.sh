#!/usr/bin/env bash
# The root filesystem seen from inside real containers: every mount type and its options in
# /proc/self/mountinfo, devices and /dev links, masked and read-only paths, root.readonly,
# hostname/domainname, sysctls, --no-pivot, propagation, refused configs, and symlinks in the
# rootfs that try to send a mount destination to the host.
. "$(dirname "$0")/../lib.sh"

# mnt OUT TARGET: "root opts [optional] - fstype source superopts" of the last mount at TARGET
mnt() { printf '%s\n' "$1" | awk -v t="$2" '$5 == t { l = $0 } END { print l }' | cut -d' ' -f4,6-; }
# field OUT KEY: the value of a "KEY value..." line
field() { printf '%s\n' "$1" | sed -n "s/^$2 //p" | head -1; }

host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
host_shmmax=$(cat /proc/sys/kernel/shmmax)
mkdir -p "$TMP/hostdir/sub" "$TMP/outside"
echo hostfile >"$TMP/hostdir/f"
echo single >"$TMP/single"

# ---------------------------------------------------------------- mounts, devices, paths
B=$TMP/b
make_bundle "$B"
# shellcheck disable=SC2016
script='
echo "== mountinfo"; cat /proc/self/mountinfo; echo "== end"
for d in null zero full random urandom tty vsltest-fuse vsltest-fifo; do
	echo "dev-$d $(stat -c "%F %a %t:%T %u:%g" /dev/$d)"; done
for l in fd stdin stdout stderr ptmx; do echo "link-$l $(readlink /dev/$l)"; done
echo "hostname $(hostname)"
echo "domainname $(cat /proc/sys/kernel/domainname)"
echo "fwd $(cat /proc/sys/net/ipv4/ip_forward)"
echo "shmmax $(cat /proc/sys/kernel/shmmax)"
echo "timer_list $( (cat /proc/timer_list 2>&1 || echo unreadable) | wc -c)"
echo "acpi $(ls -A /proc/acpi 2>/dev/null | wc -l)"
echo "firmware $(ls -A /sys/firmware | wc -l)"
echo "sysw $( (echo 1 >/proc/sys/kernel/shmmax) 2>&1)"
echo "sysrq $( (echo h >/proc/sysrq-trigger) 2>&1)"
echo "robind $(touch /mnt/ro/x 2>&1)"
echo "rwbind $(touch /mnt/rw/vsltest-rw && echo ok)"
echo "rofile $(cat /etc/single) $(touch /etc/single 2>&1)"
echo "cgroupw $(mkdir /sys/fs/cgroup/vsltest 2>&1)"
echo "cgroups $(ls /sys/fs/cgroup | tr "\n" " ")"
echo "relro $(touch /mnt/rel/x 2>&1)"
echo "shm $(touch /dev/shm/x && echo ok)"
'
edit_config "$B" '
  .mounts += [
    {destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
     options: ["nosuid", "noexec", "nodev", "relatime", "ro"]},
    {destination: "/mnt/tmp", type: "tmpfs", source: "vsltmp",
     options: ["noatime", "nodev", "size=1m", "mode=700"]},
    {destination: "/mnt/ro", type: "none", source: $d, options: ["rbind", "ro", "nosuid"]},
    {destination: "/mnt/rw", type: "bind", source: $d, options: ["rw", "noexec"]},
    {destination: "/etc/single", type: "bind", source: $f, options: ["bind", "ro"]},
    {destination: "/mnt/shared", type: "tmpfs", source: "tmpfs", options: ["rshared"]},
    {destination: "/mnt/rel", source: "rootfs/etc", options: ["rbind", "rro"]}]
  | .linux.devices = [
    {path: "/dev/vsltest-fuse", type: "c", major: 10, minor: 229, fileMode: 384, uid: 0, gid: 0},
    {path: "/dev/vsltest-fifo", type: "p", fileMode: 420}]
  | .hostname = "vsltest-rootfs" | .domainname = "vsltest.example"
  | .linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmax": "4096000"}
  | .process.args = ["sh", "-c", $s]' --arg d "$TMP/hostdir" --arg f "$TMP/single" --arg s "$script"
out=$(vsl run -b "$B" rfs1 2>&1)
rc=$?
is "container with every mount kind runs" "$rc" 0
[ $rc -eq 0 ] || diag "$out"
mi=$(printf '%s\n' "$out" | sed -n '/^== mountinfo/,/^== end/p')

like "proc at /proc" "$(mnt "$mi" /proc)" '^/ rw,.* - proc proc '
like "/dev tmpfs nosuid, strictatime, size and mode" "$(mnt "$mi" /dev)" \
	'^/ rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755'
like "devpts newinstance gid=5 mode=620 ptmxmode=666" "$(mnt "$mi" /dev/pts)" \
	'rw,nosuid,noexec,.* - devpts devpts rw,gid=5,mode=620,ptmxmode=666'
like "/dev/shm tmpfs nosuid,nodev,noexec" "$(mnt "$mi" /dev/shm)" \
	'rw,nosuid,nodev,noexec,.* - tmpfs shm rw,size=65536k'
like "mqueue" "$(mnt "$mi" /dev/mqueue)" 'rw,nosuid,nodev,noexec.* - mqueue mqueue'
like "sysfs read-only" "$(mnt "$mi" /sys)" '^/ ro,nosuid,nodev,noexec,.* - sysfs '
like "tmpfs options go to data, noatime,nodev to flags" "$(mnt "$mi" /mnt/tmp)" \
	'^/ rw,nodev,noatime - tmpfs vsltmp rw,size=1024k,mode=700'
like "rbind ro,nosuid of a host dir" "$(mnt "$mi" /mnt/ro)" "/hostdir ro,nosuid,"
like "bind rw,noexec" "$(mnt "$mi" /mnt/rw)" "/hostdir rw,noexec,"
like "file bind ro" "$(mnt "$mi" /etc/single)" "/single ro,"
like "relative bind source is taken from the bundle, rro" "$(mnt "$mi" /mnt/rel)" \
	"/b/rootfs/etc ro,"
like "rshared option gives a shared mount" "$(mnt "$mi" /mnt/shared)" ' shared:[0-9]+ - tmpfs'
if [ "$(stat -fc %T /sys/fs/cgroup)" = tmpfs ]; then
	like "cgroup v1: tmpfs at /sys/fs/cgroup, read-only" "$(mnt "$mi" /sys/fs/cgroup)" \
		'^/ ro,nosuid,nodev,noexec,relatime - tmpfs '
	like "cgroup v1: memory hierarchy bound read-only" "$(mnt "$mi" /sys/fs/cgroup/memory)" \
		' ro,nosuid,nodev,noexec,relatime - cgroup cgroup .*memory'
	like "cgroup v1: alias symlinks and hierarchies listed" "$(field "$out" cgroups)" 'memory .*pids '
else
	like "cgroup v2: read-only cgroup2" "$(mnt "$mi" /sys/fs/cgroup)" ' ro,.* - cgroup2 '
fi
like "cgroup tree is read-only" "$(field "$out" cgroupw)" 'Read-only file system'

is "/dev/null" "$(field "$out" dev-null)" "character special file 666 1:3 0:0"
is "/dev/zero" "$(field "$out" dev-zero)" "character special file 666 1:5 0:0"
is "/dev/full" "$(field "$out" dev-full)" "character special file 666 1:7 0:0"
is "/dev/random" "$(field "$out" dev-random)" "character special file 666 1:8 0:0"
is "/dev/urandom" "$(field "$out" dev-urandom)" "character special file 666 1:9 0:0"
is "/dev/tty" "$(field "$out" dev-tty)" "character special file 666 5:0 0:0"
is "linux.devices char device with fileMode 0600" "$(field "$out" dev-vsltest-fuse)" \
	"character special file 600 a:e5 0:0"
is "linux.devices fifo" "$(field "$out" dev-vsltest-fifo)" "fifo 644 0:0 0:0"
is "/dev/fd" "$(field "$out" link-fd)" /proc/self/fd
is "/dev/stdin" "$(field "$out" link-stdin)" /proc/self/fd/0
is "/dev/stdout" "$(field "$out" link-stdout)" /proc/self/fd/1
is "/dev/stderr" "$(field "$out" link-stderr)" /proc/self/fd/2
is "/dev/ptmx -> pts/ptmx" "$(field "$out" link-ptmx)" pts/ptmx
is "/dev/shm writable" "$(field "$out" shm)" ok

is "hostname" "$(field "$out" hostname)" vsltest-rootfs
is "domainname" "$(field "$out" domainname)" vsltest.example
is "net sysctl set in the container" "$(field "$out" fwd)" 1
is "ipc sysctl set in the container" "$(field "$out" shmmax)" 4096000
is "host ip_forward untouched" "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd"
is "host shmmax untouched" "$(cat /proc/sys/kernel/shmmax)" "$host_shmmax"

if [ -e /proc/timer_list ]; then
	is "masked file reads empty" "$(field "$out" timer_list)" 0
else
	skip "kernel has no /proc/timer_list to mask"
fi
if [ -d /proc/acpi ]; then
	is "masked dir is empty" "$(field "$out" acpi)" 0
else
	skip "kernel has no /proc/acpi to mask"
fi
is "masked /sys/firmware is empty" "$(field "$out" firmware)" 0
like "readonly /proc/sys" "$(field "$out" sysw)" 'Read-only file system'
if [ -e /proc/sysrq-trigger ]; then
	like "readonly /proc/sysrq-trigger" "$(field "$out" sysrq)" 'Read-only file system'
else
	skip "kernel has no /proc/sysrq-trigger"
fi
like "ro bind refuses writes" "$(field "$out" robind)" 'Read-only file system'
is "rw bind writes reach the host dir" "$(field "$out" rwbind)$(cat "$TMP/hostdir/vsltest-rw")" ok
like "ro file bind" "$(field "$out" rofile)" '^single .*Read-only file system'
like "rro bind" "$(field "$out" relro)" 'Read-only file system'
assert_no_leftovers rfs1

# ---------------------------------------------------------------- the escape attempts
E=$TMP/e
make_bundle "$E"
tag=vsltest-rootfs-$$
ln -s / "$E/rootfs/evil"
ln -s ../../.. "$E/rootfs/up"
ln -s "$TMP/outside" "$E/rootfs/abs"
edit_config "$E" '
  .mounts += [
    {destination: ("/evil/" + $t + "-tmpfs"), type: "tmpfs", source: "tmpfs"},
    {destination: ("/up/up/" + $t + "-bind"), source: $d, options: ["bind"]},
    {destination: ("/evil/up/" + $t + "-file"), source: ($d + "/f"), options: ["bind"]},
    {destination: "/abs/inside", type: "tmpfs", source: "tmpfs"},
    {destination: ("/evil/../../etc/" + $t), type: "tmpfs", source: "tmpfs"}]
  | .process.args = ["sh", "-c", "cat /proc/self/mountinfo; cat /" + $t + "-file"]' \
	--arg d "$TMP/hostdir" --arg t "$tag"
out=$(vsl run -b "$E" rfs2 2>&1)
is "container with symlinked destinations runs" "$?" 0
like "/evil -> / mounts inside the rootfs" "$(mnt "$out" "/$tag-tmpfs")" ' - tmpfs '
like "../../.. symlink mounts inside the rootfs" "$(mnt "$out" "/$tag-bind")" "/hostdir "
like "file bind through the links lands inside" "$out" 'hostfile'
like "absolute link to a host path stays in the rootfs" "$(mnt "$out" "$TMP/outside/inside")" \
	' - tmpfs '
like "/../../etc stays in the rootfs" "$(mnt "$out" "/etc/$tag")" ' - tmpfs '
check "nothing made on the host at /$tag-*" test -z "$(ls -d /"$tag"* /etc/"$tag" 2>/dev/null)"
check "nothing made in the host dir the absolute link names" test ! -e "$TMP/outside/inside"
check "mount points were made inside the rootfs" test -d "$E/rootfs/$tag-tmpfs" -a \
	-f "$E/rootfs/$tag-file" -a -d "$E/rootfs$TMP/outside/inside"
assert_no_leftovers rfs2

# ---------------------------------------------------------------- root.readonly, --no-pivot
R=$TMP/r
make_bundle "$R"
edit_config "$R" '.root.readonly = true | .process.args = ["sh", "-c", $s]' --arg s \
	'touch /x 2>&1; touch /dev/shm/y && echo shm-ok; hostname; wc -l </proc/self/mountinfo'
out=$(vsl run -b "$R" rfs3 2>&1)
like "root.readonly: / refuses writes" "$out" 'touch: /x: Read-only file system'
like "root.readonly: tmpfs mounts stay writable" "$out" 'shm-ok'
assert_no_leftovers rfs3
out=$(vsl run --no-pivot -b "$R" rfs4 2>&1)
like "--no-pivot: container runs with its rootfs read-only" "$out" 'Read-only file system'
like "--no-pivot: hostname set" "$out" $'\nvessel\n'
n=$(printf '%s\n' "$out" | tail -1)
[ "$n" -lt "$(wc -l </proc/self/mountinfo)" ] && ok "--no-pivot: host mounts are not visible ($n)" ||
	not_ok "--no-pivot: $n mounts visible"
assert_no_leftovers rfs4

# ---------------------------------------------------------------- propagation from the host
P=$TMP/p
mkdir -p "$TMP/prop"
mount --bind "$TMP/prop" "$TMP/prop" && mount --make-shared "$TMP/prop"
make_bundle "$P" sleep 300
edit_config "$P" '.mounts += [
    {destination: "/mnt/slave", source: $d, options: ["rbind", "rslave"]},
    {destination: "/mnt/private", source: $d, options: ["rbind", "rprivate"]}]' --arg d "$TMP/prop"
# The container keeps its stdio: give it /dev/null, not our command substitution's pipe.
vsl create -b "$P" rfs5 </dev/null >/dev/null 2>"$TMP/create.err"
is "create a container with slave and private binds" "$?:$(cat "$TMP/create.err")" "0:"
pid=$(state_field rfs5 pid)
mkdir -p "$TMP/prop/sub" && mount -t tmpfs vsltest-prop "$TMP/prop/sub"
# The container's mount table, paths relative to its root.
inside=$(cat "/proc/$pid/mountinfo" 2>&1)
like "rslave: a host mount appears in the container" "$(mnt "$inside" /mnt/slave/sub)" 'vsltest-prop'
is "rprivate: the host mount does not appear" \
	"$(mnt "$inside" /mnt/private | grep -c .):$(mnt "$inside" /mnt/private/sub)" "1:"
umount "$TMP/prop/sub"
check "delete rfs5" vsl delete --force rfs5
umount "$TMP/prop"
assert_no_leftovers rfs5

# ---------------------------------------------------------------- unbindable root
# The root can only be bound onto itself, and masked paths (binds of /dev/null) made, while
# it is bindable: the propagation asked for comes last.
U=$TMP/unb
make_bundle "$U" sh -c 'cat /proc/self/mountinfo; wc -c </proc/keys'
for p in unbindable runbindable; do
	edit_config "$U" '.linux.rootfsPropagation = $p' --arg p "$p"
	out=$(vsl run -b "$U" "rfsu$p" 2>&1)
	like "rootfsPropagation $p: the container runs with / unbindable" "$(mnt "$out" /)" ' unbindable - '
	like "rootfsPropagation $p: maskedPaths were bound (/proc/keys is /dev/null)" \
		"$(mnt "$out" /proc/keys)" '^/null .* - tmpfs '
	like "rootfsPropagation $p: ... and read as empty" "$out" $'\n0$'
	assert_no_leftovers "rfsu$p"
done
like "runbindable: mounts below / are unbindable too" "$(mnt "$out" /proc)" ' unbindable - proc '
# A terminal: the pty is bound onto /dev/console before / turns unbindable.
# (A marker: script may echo a control character for its stdin's end of file.)
edit_config "$U" '.process.terminal = true | .process.args = ["sh", "-c", $s]' \
	--arg s 'echo "console=$(grep -c " /dev/console " /proc/self/mountinfo)"'
out=$(script -qec "$VESSEL --root $ROOT run -b $U rfsut" /dev/null </dev/null | tr -d '\r')
like "runbindable with a terminal: /dev/console is the pty" "$out" 'console=1($|[^0-9])'
assert_no_leftovers rfsut

# ---------------------------------------------------------------- refused configs
F=$TMP/f
make_bundle "$F" true
edit_config "$F" '.mounts += [{destination: "/mnt/missing", source: "/nonexistent-vsltest",
    options: ["bind"]}]'
fails_with "missing bind source names mounts[i]" \
	'mounts\[6\] \(/mnt/missing\): source /nonexistent-vsltest.*No such file' vsl run -b "$F" rfs6
assert_no_leftovers rfs6
make_bundle "$F" true
edit_config "$F" '.linux.sysctl = {"vm.swappiness": "10"}'
fails_with "a host-wide sysctl is refused" 'vm.swappiness is not in a separate kernel namespace' \
	vsl run -b "$F" rfs7
assert_no_leftovers rfs7
edit_config "$F" '.linux.sysctl = {"net.ipv4.ip_forward": "1"}
  | .linux.namespaces |= map(select(.type != "network"))'
fails_with "a net sysctl without a network namespace is refused" \
	'net.ipv4.ip_forward needs a network namespace' vsl run -b "$F" rfs8
is "host ip_forward still untouched" "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd"
assert_no_leftovers rfs8
# A sysctl may not undo the uts fields: kernel.hostname never (hostname is the field), a
# kernel.domainname only when it is the domainname field's value.
edit_config "$F" '.linux.sysctl = {"kernel.hostname": "other"}
  | .linux.namespaces += [{type: "network"}]'
fails_with "sysctl kernel.hostname is refused, naming the field to use" \
	'^vessel: linux.sysctl: kernel.hostname is not allowed: set the hostname field instead$' \
	vsl run -b "$F" rfs8h
assert_no_leftovers rfs8h
edit_config "$F" '.domainname = "dom.example" | .linux.sysctl = {"kernel.domainname": "other"}'
fails_with "sysctl kernel.domainname other than domainname is refused" \
	'^vessel: linux.sysctl: kernel.domainname "other" conflicts with domainname "dom.example"$' \
	vsl run -b "$F" rfs8d
assert_no_leftovers rfs8d
edit_config "$F" '.process.args = ["cat", "/proc/sys/kernel/domainname"]
  | .linux.sysctl = {"kernel.domainname": "dom.example"}'
is "sysctl kernel.domainname equal to domainname is fine" "$(vsl run -b "$F" rfs8e 2>&1)" dom.example
assert_no_leftovers rfs8e
make_bundle "$F" true
edit_config "$F" '.linux.sysctl = {} | .mounts += [{destination: "/mnt/i", source: "/tmp",
    options: ["bind", "idmap"]}]'
fails_with "idmap is refused clearly" 'idmapped mounts .* not supported' vsl run -b "$F" rfs9
assert_no_leftovers rfs9

# ---------------------------------------------------------------- user namespace
U=$TMP/u
mkdir -p "$TMP/locked"
mount -t tmpfs -o nosuid,nodev,noexec vsltest-locked "$TMP/locked"
make_bundle "$U"
edit_config "$U" '.process.args = ["sh", "-c", $s] | .linux.namespaces += [{type: "user"}]
  | .mounts += [{destination: "/mnt/locked", source: $l, options: ["bind", "ro"]}]
  | .linux.uidMappings = [{containerID: 0, hostID: 0, size: 65536}]
  | .linux.gidMappings = [{containerID: 0, hostID: 0, size: 65536}]' --arg l "$TMP/locked" --arg s \
	'cat /proc/self/mountinfo; stat -c "null %t:%T" /dev/null; echo x >/dev/null && echo null-ok'
out=$(vsl run -b "$U" rfs10 2>&1)
like "userns: /dev/null is a bind of the host node" "$(mnt "$out" /dev/null)" '^/null .* - devtmpfs '
like "userns: /dev/null works" "$out" 'null 1:3.*null-ok'
like "userns: ro bind keeps the source's locked nosuid,nodev,noexec" "$(mnt "$out" /mnt/locked)" \
	'^/ ro,nosuid,nodev,noexec,.* - tmpfs vsltest-locked'
umount "$TMP/locked"
assert_no_leftovers rfs10

# linux.devices in a user namespace (mapped 0->0) are made with their owners and modes,
# and work; a node in no map is refused in one line.
edit_config "$U" '.process.args = ["sh", "-c", $s] | .linux.devices = [
    {path: "/dev/vsl-null", type: "c", major: 1, minor: 3, fileMode: 438, uid: 1000, gid: 1001},
    {path: "/dev/sub/vsl-zero", type: "c", major: 1, minor: 5, fileMode: 292, uid: 2000, gid: 0}]' \
	--arg s 'ls -ln /dev/vsl-null /dev/sub/vsl-zero | awk "{print \$1, \$3, \$4, \$5, \$6}";
	echo x >/dev/vsl-null && echo null-ok; head -c 4 /dev/sub/vsl-zero | od -An -tx1'
out=$(vsl run -b "$U" rfs11 2>&1)
like "userns: a device is made with its mode, uid and gid" "$out" 'crw-rw-rw- 1000 1001 1, 3'
like "userns: ... the second one too, in a directory made for it" "$out" 'cr--r--r-- 2000 0 1, 5'
like "userns: the nodes work" "$out" $'null-ok\n 00 00 00 00'
assert_no_leftovers rfs11
edit_config "$U" '.linux.devices[0].uid = 70000'
fails_with "userns: a device owner outside the maps is refused" \
	'linux.devices\[0\]: device /dev/vsl-null: uid 70000 is not mapped in the user namespace' \
	vsl run -b "$U" rfs12
assert_no_leftovers rfs12

# Bind sources are opened by vessel on the host: with the container's root mapped to host
# uid 1, a source below a root-only (mode 000) directory mounts, also through a symlink,
# and no fd of vessel's is left in the container.
S1=$TMP/s1
make_bundle "$S1"
chown -R 1:1 "$S1/rootfs"
chmod 711 "$TMP"	# mktemp's 700 would keep uid 1 from its own rootfs
mkdir -p "$TMP/root-only/data" && echo secret-data >"$TMP/root-only/data/f"
chmod 000 "$TMP/root-only"
ln -s "$TMP/root-only/data" "$TMP/to-data"
edit_config "$S1" '.process.args = ["sh", "-c", $s] | .linux.namespaces += [{type: "user"}]
  | .linux.uidMappings = [{containerID: 0, hostID: 1, size: 65536}]
  | .linux.gidMappings = [{containerID: 0, hostID: 1, size: 65536}]
  | .mounts += [{destination: "/mnt/a", source: ($t + "/root-only/data"), options: ["bind"]},
    {destination: "/mnt/b", source: ($t + "/to-data"), options: ["rbind", "ro"]},
    {destination: "/mnt/f", source: ($t + "/root-only/data/f"), options: ["bind"]}]' \
	--arg t "$TMP" --arg s 'cat /mnt/a/f /mnt/b/f /mnt/f; cat /proc/self/uid_map;
	grep " /mnt/b " /proc/self/mountinfo | cut -d" " -f6; echo "FDS=$(ls /proc/self/fd | tr "\n" " ")"'
out=$(vsl run -b "$S1" rfs13 2>&1)
like "userns to host uid 1: a source below a mode-000 directory mounts" "$out" \
	$'^secret-data\nsecret-data\nsecret-data\n +0 +1 +65536\n'
like "... the one through a symlink read-only" "$out" $'\nro,'
like "... and the container has no fd of vessel's" "$out" 'FDS=0 1 2 3 $'
assert_no_leftovers rfs13
edit_config "$S1" '.mounts += [{destination: "/mnt/x", source: ($t + "/root-only/nope"),
    options: ["bind"]}]' --arg t "$TMP"
fails_with "userns: a missing source below it is one line naming the mount" \
	"mounts\\[9\\] \\(/mnt/x\\): source $TMP/root-only/nope: No such file or directory" \
	vsl run -b "$S1" rfs14
assert_no_leftovers rfs14
chmod 755 "$TMP/root-only"

done_testing
