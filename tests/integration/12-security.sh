#!/usr/bin/env bash
# The security regression suite: one test per way out of a container that was found (issue
# 10) and per runc CVE class, run as an attacker would, with a hostile config.json, image or
# tenant. Each ends with nothing left behind. In the cgroup v2 VM (VESSEL_VM=1) only the
# cgroup class runs: the rest does not depend on the cgroup version.
#   CVE-2024-21626  process.cwd and fds of vessel: never a host path, no fd in the container
#   ids             uid/gid 4294967295 (= -1, "no change") never runs as root
#   odd files       config.json as a FIFO, /dev/zero, a directory, a huge file; 1 MB annotation
#   no mount ns     chroot into root.path; the caller's mount table stays as it was (in a
#                   private test namespace)
#   frozen cgroup   delete --force of an init moved into another, frozen cgroup
#   CVE-2019-5736   the vessel binary cannot be overwritten from inside
#   CVE-2021-30465  mount destinations through symlinks, static and raced in a shared volume
#   CVE-2024-45310  nothing created on the host through a symlink raced into a shared volume
. "$(dirname "$0")/../lib.sh"
S=-$$
mkdir -p "$ROOT"
chmod 755 "$TMP"
MARK=HOSTMARK$S
# What a process that escaped would read: files beside vessel's state and the bundles.
echo "$MARK" >"$TMP/vsl-marker"
echo "$MARK" >"$ROOT/vsl-marker"

# created NAME: paths named NAME* on the host outside the rootfs copies and the shared
# volume (the places a container may legitimately make things).
created() {
	{
		find "$TMP" -name "$1*" -not -path '*/rootfs/*' -not -path "$TMP/vol/*"
		find / -xdev -maxdepth 2 -name "$1*"
		find /tmp /run -maxdepth 4 -name "$1*" -not -path "$TMP/*"
		find /sys/fs/cgroup -maxdepth 4 -name "$1*"
	} 2>/dev/null
}

# ---------------------------------------------------------------- the cgroup class
# frozen_delete: the container's init is moved into a cgroup outside the container's and
# frozen there; delete --force must exit 0, remove the state and the container's own
# cgroups, and the SIGKILL sent through the recorded pid takes the init once it thaws.
frozen_delete() {
	local B=$TMP/frz id=frz$S pid F rc out dead=0
	make_bundle "$B" sleep 300
	if ! vsl run -d -b "$B" $id >"$TMP/frz.out" 2>&1; then
		not_ok "frozen cgroup: run -d"; diag "$(cat "$TMP/frz.out")"; return
	fi
	pid=$(state_field $id pid)
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		F=/sys/fs/cgroup/vsltest-frz$S	# v2: one tree, the cgroup freezes itself
		mkdir "$F" && echo "$pid" >"$F/cgroup.procs" && echo 1 >"$F/cgroup.freeze"
	else
		F=/sys/fs/cgroup/freezer/vsltest-frz$S	# v1: the freezer hierarchy only
		mkdir "$F" && echo "$pid" >"$F/cgroup.procs" && echo FROZEN >"$F/freezer.state"
	fi
	sleep 0.2
	out=$(vsl delete --force $id 2>&1); rc=$?
	is "frozen cgroup: delete --force exits 0" "$rc" 0
	[ -e "$ROOT/$id" ] && not_ok "frozen cgroup: the state is removed" ||
		ok "frozen cgroup: the state is removed"
	is "frozen cgroup: the container's own cgroups are removed" \
		"$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$id" 2>/dev/null)" ""
	if [ -z "$out" ] || { [[ $out == "vessel: warning: "* ]] && [ "$(wc -l <<<"$out")" -eq 1 ]; }; then
		ok "frozen cgroup: at most one warning line, no error"
	else
		not_ok "frozen cgroup: at most one warning line, no error"; diag "$out"
	fi
	if [ -f "$F/cgroup.freeze" ]; then echo 0 >"$F/cgroup.freeze"; else echo THAWED >"$F/freezer.state"; fi
	for _ in $(seq 40); do
		if [ ! -e /proc/$pid ] || [ "$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)" = Z ]; then
			dead=1; break
		fi
		sleep 0.05
	done
	is "frozen cgroup: the init dies of its SIGKILL once the cgroup thaws" "$dead" 1
	rmdir "$F" 2>/dev/null
	assert_no_leftovers $id
}

if [ "${VESSEL_VM:-}" = 1 ]; then
	frozen_delete
	done_testing
	exit
fi

# ---------------------------------------------------------------- CVE-2024-21626: cwd
# The probe reads the markers beside the state root and the bundle, up to four levels up,
# and prints its cwd: an escaped process shows the marker or a path under $TMP.
PROBE='cat vsl-marker ../vsl-marker ../../vsl-marker ../../../vsl-marker ../../../../vsl-marker 2>/dev/null; readlink /proc/self/cwd'
C=$TMP/cwd
make_bundle "$C" sh -c "$PROBE"
E=$TMP/ebundle
make_bundle "$E" sleep 300
check "run -d the exec target" vsl run -d -b "$E" ex$S

# try_cwd MODE CWD K: the probe with process.cwd CWD through MODE (create, run, exec,
# process). Prints "escaped: ..." when the process saw the host, "left: ..." when a refused
# create left something; nothing otherwise.
try_cwd() {
	local mode=$1 cwd=$2 id=cw$S-$3 out=$TMP/cwd.out rc=0
	: >"$out"
	case $mode in
	create|run)
		edit_config "$C" '.process.cwd = $c' --arg c "$cwd"
		if [ "$mode" = run ]; then
			vsl run -b "$C" "$id" >"$out" 2>/dev/null
		elif vsl create -b "$C" "$id" >"$out" 2>/dev/null; then
			vsl start "$id" && wait_status "$id" stopped 30
			vsl delete --force "$id"
		fi >/dev/null 2>&1
		[ -e "$ROOT/$id" ] && echo "left: state of $id"
		find /sys/fs/cgroup -maxdepth 3 -type d -name "$id" 2>/dev/null | sed 's/^/left: /'
		;;
	exec) vsl exec --cwd "$cwd" ex$S sh -c "$PROBE" >"$out" 2>/dev/null ;;
	process)
		jq -n --arg c "$cwd" --arg p "$PROBE" '{cwd: $c, args: ["sh", "-c", $p],
			env: ["PATH=/bin:/usr/bin"], user: {uid: 0, gid: 0}}' >"$TMP/p.json"
		vsl exec --process "$TMP/p.json" ex$S >"$out" 2>/dev/null ;;
	esac
	if grep -q -e "$MARK" -e "$TMP" "$out"; then echo "escaped with cwd $cwd: $(tr '\n' ' ' <"$out")"; fi
}

for mode in create run exec process; do
	bad=""
	for n in $(seq 3 20); do
		for cwd in "/proc/self/fd/$n" "/proc/self/fd/$n/../../.." "/proc/self/fd/$n/../../../vsl-escape$S-$n"; do
			bad+=$(try_cwd "$mode" "$cwd" "$n")
		done
	done
	for cwd in /proc/self/cwd /proc/self/cwd/../../.. /proc/1/cwd /proc/self/root/../.. \
		/../../../../.. /tmp/../../../.. /proc/thread-self/fd/3/..; do
		bad+=$(try_cwd "$mode" "$cwd" x)
	done
	is "$mode: process.cwd through /proc/self/fd/3..20, /proc/*/cwd and .. never reaches the host" "$bad" ""
done
is "no cwd made vessel create anything on the host" "$(created "vsl-escape$S")" ""
# A symlink in the image (a WORKDIR) is followed inside the root, never to what it names.
ln -s /proc/self/fd/4 "$C/rootfs/work4"
ln -s ../../../../../.. "$C/rootfs/up"
edit_config "$C" '.process.cwd = "/work4"'
fails_with "a cwd symlink to /proc/self/fd/4 fails, naming process.cwd" "process.cwd: .*/work4" \
	vsl run -b "$C" cs1$S
assert_no_leftovers cs1$S
edit_config "$C" '.process.cwd = "/up"'
is "a cwd symlink ../../.. stays at the container's root" "$(vsl run -b "$C" cs2$S)" /
mkdir -p "$C/rootfs/data"
edit_config "$C" '.process.cwd = "/data/new/dir" | .root.readonly = true'
is "a missing cwd is made inside the rootfs, before a read-only root" "$(vsl run -b "$C" cs3$S)" \
	/data/new/dir
[ -d "$C/rootfs/data/new/dir" ] && ok "the missing cwd is in the rootfs" || not_ok "the missing cwd is in the rootfs"
assert_no_leftovers cs3$S

# ---------------------------------------------------------------- CVE-2024-21626: fds
fds_of() { ls "/proc/$1/fd" | sort -n | tr '\n' ' '; }
targets_of() { for f in /proc/$1/fd/*; do [ "${f##*/}" -ge 3 ] && readlink "$f"; done | sort -u | tr '\n' ' '; }
H=$TMP/hooks
make_bundle "$H" sh -c 'ls /proc/self/fd | tr "\n" " "'
hook() { jq -n --arg c "ls /proc/self/fd | tr '\n' ' ' > $1" '{path: "/bin/sh", args: ["sh", "-c", $c]}'; }
edit_config "$H" '.hooks = {createRuntime: [$a], createContainer: [$b], startContainer: [$c],
	poststart: [$d]}' --argjson a "$(hook "$TMP/fd-createRuntime")" \
	--argjson b "$(hook "$TMP/fd-createContainer")" --argjson c "$(hook /fd-startContainer)" \
	--argjson d "$(hook "$TMP/fd-poststart")"
check "create with a hook of every kind" vsl create -b "$H" fd1$S
pid=$(state_field fd1$S pid)
is "the waiting container process holds nothing of vessel's but an O_PATH fd of exec.fifo" \
	"$(targets_of "$pid")" "$ROOT/fd1$S/exec.fifo "
vsl start fd1$S >/dev/null
wait_status fd1$S stopped
for k in createRuntime createContainer poststart; do
	is "the $k hook gets fds 0-2 only (3: ls)" "$(cat "$TMP/fd-$k" 2>/dev/null)" "0 1 2 3 "
done
is "the startContainer hook gets fds 0-2 only (3: ls)" "$(cat "$H/rootfs/fd-startContainer" 2>/dev/null)" "0 1 2 3 "
check "delete fd1" vsl delete fd1$S
epid=$(state_field ex$S pid)
is "the running container's init has fds 0-2 only" "$(fds_of "$epid")" "0 1 2 "
check "exec -d a process" vsl exec -d --pid-file "$TMP/x.pid" ex$S sleep 100
is "an exec'd process has fds 0-2 only" "$(fds_of "$(cat "$TMP/x.pid")")" "0 1 2 "
# Without the state dir, the waiting process reopens its O_PATH exec.fifo through /proc.
make_bundle "$TMP/np" true
edit_config "$TMP/np" '.mounts = [] | del(.linux.maskedPaths, .linux.readonlyPaths)'
fails_with "a container without /proc is refused at create, saying why" \
	"the container has no /proc \(mounts\): vessel needs /proc/self/fd" vsl create -b "$TMP/np" np$S
assert_no_leftovers np$S
# --preserve-fds 4 with only fd 3 given: vessel's own fds take 4-6; they must not pass.
echo three >"$TMP/f3"
make_bundle "$TMP/pf" sh -c 'ls /proc/self/fd | tr "\n" " "'
is "--preserve-fds passes the caller's fds, never vessel's own in that range" \
	"$(vsl run --preserve-fds 4 -b "$TMP/pf" pf$S 3<"$TMP/f3")" "0 1 2 3 4 "
assert_no_leftovers pf$S

# ---------------------------------------------------------------- ids
make_bundle "$TMP/id" sh -c 'id -u; id -g'
for who in uid gid; do
	edit_config "$TMP/id" ".process.user.$who = 4294967295"
	fails_with "$who 4294967295 is refused, naming the field" \
		"config.json: process.user.$who: 4294967295 is out of range 0-2147483647" \
		vsl run -b "$TMP/id" id1$S
	assert_no_leftovers id1$S
	edit_config "$TMP/id" ".process.user.$who = 0"
done
edit_config "$TMP/id" '.process.user.additionalGids = [4294967295]'
fails_with "additionalGids 4294967295 is refused" "process.user.additionalGids\[0\]: 4294967295" \
	vsl run -b "$TMP/id" id2$S
assert_no_leftovers id2$S
edit_config "$TMP/id" '.process.user = {uid: 2147483647, gid: 2147483647}'
is "uid and gid 2147483647 run as themselves" "$(vsl run -b "$TMP/id" id3$S | tr '\n' ' ')" \
	"2147483647 2147483647 "
fails_with "exec -u 4294967295 is refused" "--user 4294967295: uid 4294967295 is out of range" \
	vsl exec -u 4294967295 ex$S id -u
fails_with "exec -u 0:4294967295 is refused" "gid 4294967295 is out of range" \
	vsl exec -u 0:4294967295 ex$S id -u
edit_config "$TMP/id" '.process.user = {uid: 0, gid: 0} | .linux.namespaces += [{type: "user"}]
	| .linux.uidMappings = [{containerID: 0, hostID: 2147483600, size: 100}]
	| .linux.gidMappings = [{containerID: 0, hostID: 0, size: 1}]'
fails_with "a mapping running past 2147483647 is refused" \
	"linux.uidMappings\[0\].size: 100 ids from hostID 2147483600 go past 2147483647" \
	vsl run -b "$TMP/id" id4$S
assert_no_leftovers id4$S

# ---------------------------------------------------------------- config.json that is no file
O=$TMP/odd
make_bundle "$O" true
cp "$O/config.json" "$TMP/real.json"
odd() { # NAME REGEX: config.json as set up must fail with REGEX, fast, leaving nothing
	local out rc
	out=$(timeout 10 "$VESSEL" --root "$ROOT" create -b "$O" od$S 2>&1); rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [[ $out =~ $2 ]] && [ "$(wc -l <<<"$out")" -eq 1 ]; then
		ok "config.json $1 is refused: $out"
	else
		not_ok "config.json $1 is refused"; diag "exit $rc: $out"
	fi
	assert_no_leftovers od$S
}
rm -f "$O/config.json"; mkfifo "$O/config.json"
odd "as a FIFO (never blocks)" "config.json: not a regular file$"
for dev in /dev/zero /dev/urandom "$TMP"; do
	rm -f "$O/config.json"; ln -s "$dev" "$O/config.json"
	odd "-> $dev" "config.json: not a regular file$"
done
rm -f "$O/config.json"; mkdir "$O/config.json"
odd "as a directory" "config.json: not a regular file$"
rmdir "$O/config.json"
truncate -s 17M "$O/config.json"
odd "of 17 MiB" "config.json: larger than 16 MiB$"
rm -f "$O/config.json"; ln -s "$TMP/real.json" "$O/config.json"
check "config.json as a symlink to a regular file works" vsl run -b "$O" od2$S
fails_with "exec --process /dev/zero is refused" "/dev/zero: not a regular file" \
	vsl exec --process /dev/zero ex$S
mkfifo "$TMP/proc.fifo"
fails_with "exec --process FIFO is refused without blocking" "proc.fifo: not a regular file" \
	timeout 10 "$VESSEL" --root "$ROOT" exec --process "$TMP/proc.fifo" ex$S
fails_with "update -r /dev/urandom is refused" "/dev/urandom: not a regular file" \
	vsl update -r /dev/urandom ex$S
fails_with "update -r - is bounded" "stdin: larger than 16 MiB" \
	bash -c '"$1" --root "$2" update -r - "$3" </dev/zero' _ "$VESSEL" "$ROOT" ex$S
# A 1 MB annotation reaches everything that gets the state: the runtime's hooks, the
# container's hooks (in a user namespace too: the state no longer needs a large pipe).
A=$TMP/ann
make_bundle "$A" true
head -c 1000000 /dev/zero | tr '\0' a >"$TMP/big"
edit_config "$A" '.annotations = {"big": $b} | .hooks = {createRuntime: [$r], createContainer: [$c],
	startContainer: [$s]} | .linux.namespaces += [{type: "user"}]
	| .linux.uidMappings = [{containerID: 0, hostID: 0, size: 65536}]
	| .linux.gidMappings = [{containerID: 0, hostID: 0, size: 65536}]' --rawfile b "$TMP/big" \
	--argjson r "$(jq -n --arg c "wc -c > $TMP/ann-rt" '{path: "/bin/sh", args: ["sh", "-c", $c]}')" \
	--argjson c "$(jq -n --arg c "wc -c > $TMP/ann-cc" '{path: "/bin/sh", args: ["sh", "-c", $c]}')" \
	--argjson s '{"path": "/bin/sh", "args": ["sh", "-c", "wc -c > /ann-sc"]}'
check "a 1 MB annotation: create" vsl create -b "$A" an$S
is "a 1 MB annotation is in the state" "$(vsl state an$S | jq -r '.annotations.big | length')" 1000000
check "a 1 MB annotation: start" vsl start an$S
wait_status an$S stopped
for f in "$TMP/ann-rt" "$TMP/ann-cc" "$A/rootfs/ann-sc"; do
	n=$(tr -dc 0-9 <"$f" 2>/dev/null)
	[ "${n:-0}" -gt 1000000 ] && ok "a hook got the whole state (${f##*/}: $n bytes)" ||
		not_ok "a hook got the whole state (${f##*/}: ${n:-none})"
done
check "delete an" vsl delete an$S
assert_no_leftovers an$S

# ---------------------------------------------------------------- no mount namespace
# Only ever inside a private mount namespace of this test: the script refuses to run in
# the host's. It records /proc/self/mountinfo around a create/start/delete cycle.
# The process is chrooted into root.path (as runc and crun do): it sees the rootfs' own
# files as /, its cwd inside it, and /proc/PID/root of it from the host is the rootfs.
N=$TMP/nomnt
make_bundle "$N" sh -c 'pwd; cat /vsl-in-rootfs'
echo "the rootfs of $S" >"$N/rootfs/vsl-in-rootfs"
mkdir -p "$N/rootfs/nm-cwd"
edit_config "$N" '.process.cwd = "/nm-cwd" | .root.readonly = true | .linux.rootfsPropagation = "shared"
	| .linux.namespaces = [{type: "pid"}, {type: "ipc"}, {type: "uts"}]
	| .linux.devices = [{type: "c", path: "/dev/vsl-null", major: 1, minor: 3}]
	| del(.linux.maskedPaths, .linux.readonlyPaths)'
cat >"$TMP/nomnt.sh" <<'EOF'
set -u
[ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] || { echo "in the host's mount namespace"; exit 99; }
v() { "$VESSEL" --root "$ROOT" "$@"; }
mi() { cat /proc/self/mountinfo >"$TMP/mi.$1"; }
mi before
v create -b "$N" "nm$S" >"$TMP/nm.out" 2>"$TMP/nm.err" || exit 1
mi created
pid=$(v state "nm$S" | jq -r .pid)
echo "$(readlink "/proc/$pid/ns/mnt") $(readlink "/proc/$pid/root")" >"$TMP/nm.seen"
v start "nm$S" || exit 2
for _ in $(seq 50); do [ "$(v state "nm$S" | jq -r .status)" = stopped ] && break; sleep 0.1; done
mi started
v delete "nm$S" || exit 3
mi deleted
edit_config() { jq "$2" "$1/config.json" >"$1/c" && mv "$1/c" "$1/config.json"; }
edit_config "$N" '.process.args = ["sleep", "30"]'
v run -d -b "$N" "nm5$S" </dev/null >/dev/null 2>&1 || exit 11
v exec "nm5$S" sh -c 'pwd; cat /vsl-in-rootfs' >"$TMP/nm.exec" 2>&1 || exit 8
v delete -f "nm5$S" || exit 12
mi execd
edit_config "$N" '.linux.maskedPaths = ["/proc/kcore"]'
v create -b "$N" "nm2$S" 2>"$TMP/nm2.err" && exit 4
edit_config "$N" 'del(.linux.maskedPaths) | .annotations = {"vessel.template": "none"}'
v create -b "$N" "nm3$S" 2>"$TMP/nm3.err" && exit 5
# a missing cwd is made inside the root, never on the host
edit_config "$N" "del(.annotations) | .process.cwd = \"/vsl-nomnt-cwd$S\""
v create -b "$N" "nm4$S" 2>"$TMP/nm4.err" || exit 6
[ -e "/vsl-nomnt-cwd$S" ] && exit 7
[ -d "$N/rootfs/vsl-nomnt-cwd$S" ] || exit 9
v delete -f "nm4$S" || exit 10
mi refused
echo "$(readlink /proc/self/ns/mnt)" >"$TMP/nm.ns"
exit 0
EOF
TMP=$TMP ROOT=$ROOT VESSEL=$VESSEL N=$N S=$S unshare -m --propagation private bash "$TMP/nomnt.sh"
rc=$?
is "no mount namespace: create, start, delete and refusals ran (in a private test namespace)" "$rc" 0
is "no mount namespace: the process ran chrooted into root.path, in its cwd inside it" \
	"$(tr '\n' ' ' <"$TMP/nm.out")" "/nm-cwd the rootfs of $S "
is "... in the caller's mount namespace, with the rootfs as its root" "$(cat "$TMP/nm.seen")" \
	"$(cat "$TMP/nm.ns" 2>/dev/null) $N/rootfs"
is "... and exec enters that root too" "$(tr '\n' ' ' <"$TMP/nm.exec")" "/nm-cwd the rootfs of $S "
for step in created execd started deleted refused; do
	if cmp -s "$TMP/mi.before" "$TMP/mi.$step"; then
		ok "no mount namespace: mountinfo unchanged once $step"
	else
		not_ok "no mount namespace: mountinfo unchanged once $step"
		diag "$(diff "$TMP/mi.before" "$TMP/mi.$step" | head -20)"
	fi
done
like "no mount namespace: maskedPaths are refused in one line" "$(cat "$TMP/nm2.err")" \
	'^vessel: config.json: linux.maskedPaths: needs a mount namespace'
like "no mount namespace: a template rootfs is refused in one line" "$(cat "$TMP/nm3.err")" \
	'^vessel: config.json: annotation vessel.template: needs a mount namespace'
for id in nm$S nm2$S nm3$S nm4$S nm5$S; do assert_no_leftovers $id; done

# ---------------------------------------------------------------- frozen cgroup
frozen_delete

# ---------------------------------------------------------------- CVE-2019-5736
# Until it execs, a container process is a fork of vessel: /proc/PID/exe of it must be a
# sealed copy, never the binary on the host. The copy is the binary seen through a private
# overlayfs with no upper layer; where that cannot be made, a sealed memfd.
# refuses_writes PID WHAT: writing, truncating and (for the overlay) unwrapping the mount
# into a writable one all fail, and the host binary is unchanged.
refuses_writes() {
	local pid=$1 what=$2 sum
	sum=$(sha256sum <"$VESSEL")
	if python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.pwrite(os.open("/proc/self/fd/%d" % fd, os.O_WRONLY), b"x", 0)' \
		/proc/$pid/exe 2>/dev/null; then not_ok "$what: writing through /proc/PID/exe is refused"
	else ok "$what: writing through /proc/PID/exe is refused"; fi
	if python3 -c 'import os, sys; os.truncate(sys.argv[1], 0)' /proc/$pid/exe 2>/dev/null; then
		not_ok "$what: truncating through /proc/PID/exe is refused"
	else ok "$what: truncating through /proc/PID/exe is refused"; fi
	is "$what: the vessel binary on the host is unchanged" "$(sha256sum <"$VESSEL")" "$sum"
}
make_bundle "$TMP/cb" sleep 300
check "create a waiting container" vsl create -b "$TMP/cb" cb$S
pid=$(state_field cb$S pid)
is "the waiting process runs from vessel's overlay copy, not the host file" \
	"$(readlink /proc/$pid/exe) $(stat -f -c %T /proc/$pid/exe)" "/$(basename "$VESSEL") overlayfs"
is "the copy has the binary's contents" "$(sha256sum </proc/$pid/exe)" "$(sha256sum <"$VESSEL")"
refuses_writes $pid "overlay copy"
check "delete cb" vsl delete --force cb$S
# With the state root below the binary's own directory the overlay cannot be made (its two
# layers would overlap): the memfd copy takes over.
mkdir -p "$TMP/bin"
cp "$VESSEL" "$TMP/bin/vessel"
check "create with vessel's state root inside its own directory" \
	"$TMP/bin/vessel" --root "$TMP/bin/state" create -b "$TMP/cb" cm$S
pid=$("$TMP/bin/vessel" --root "$TMP/bin/state" state cm$S | jq -r .pid)
is "there the waiting process runs from a sealed memfd" "$(readlink /proc/$pid/exe)" "/memfd:vessel (deleted)"
is "the memfd is sealed against writes (seal, shrink, grow, write)" \
	"$(python3 -c 'import fcntl, os, sys; print(fcntl.fcntl(os.open(sys.argv[1], os.O_RDONLY), 1034))' /proc/$pid/exe)" 15
VESSEL=$TMP/bin/vessel refuses_writes $pid "memfd copy"
check "delete cm" "$TMP/bin/vessel" --root "$TMP/bin/state" delete --force cm$S
rm -rf "$TMP/bin"

# ---------------------------------------------------------------- CVE-2021-30465, static
# Mount destinations through symlinks in the image land inside the rootfs.
M=$TMP/mnt
make_bundle "$M" cat /proc/self/mountinfo
ln -s / "$M/rootfs/evil"
ln -s ../../../../../../../tmp "$M/rootfs/tmpup"
edit_config "$M" '.mounts += [{destination: ("/evil/vsl-static" + $s), type: "tmpfs", source: "tmpfs"},
	{destination: ("/tmpup/vsl-static" + $s), type: "tmpfs", source: "tmpfs"}]' --arg s "$S"
out=$(vsl run -b "$M" st$S)
like "a mount through /evil -> / lands at the rootfs' /" "$out" " /vsl-static$S rw,.* - tmpfs "
like "a mount through ../../../tmp lands at the rootfs' /tmp" "$out" " /tmp/vsl-static$S rw,.* - tmpfs "
is "nothing was made on the host" "$(created "vsl-static$S")" ""
assert_no_leftovers st$S

# ---------------------------------------------------------------- the shared-volume races
# A tenant container swaps a directory of a volume it shares with another container for a
# symlink (to / and to ../../../tmp) and back, as fast as it can, while the other is created
# again and again with mounts into that directory: a tmpfs (CVE-2021-30465: the mount must
# stay inside the rootfs) and a file bind plus a nested tmpfs, whose targets vessel creates
# (CVE-2024-45310: nothing may be created on the host). Many tries, bounded time.
V=$TMP/vol
mkdir -p "$V/sub"
echo src >"$TMP/srcfile"
SW=$TMP/swapper
make_bundle "$SW" sh -c 'cd /vol; while :; do mv sub sub.d; ln -s / sub; rm sub; ln -s ../../../../../../tmp sub; rm sub; mv sub.d sub; done 2>/dev/null'
edit_config "$SW" '.mounts += [{destination: "/vol", source: $v, options: ["bind"]}]' --arg v "$V"
check "the swapping tenant runs" vsl run -d -b "$SW" sw$S
R=$TMP/racer
make_bundle "$R" sleep 300
edit_config "$R" '.mounts += [{destination: "/vol", source: $v, options: ["bind"]},
	{destination: ("/vol/sub/vsl-race" + $s), type: "tmpfs", source: "tmpfs"},
	{destination: ("/vol/sub/vsl-file" + $s), source: $f, options: ["bind"]},
	{destination: ("/vol/sub/vsl-dir" + $s + "/deep"), type: "tmpfs", source: "tmpfs"}]' \
	--arg v "$V" --arg s "$S" --arg f "$TMP/srcfile"
tries=0 made=0 outside="" deadline=$((SECONDS + 15))
while [ $tries -lt 40 ] && [ $SECONDS -lt $deadline ]; do
	tries=$((tries + 1))
	if vsl create -b "$R" rc$S >/dev/null 2>&1; then
		made=$((made + 1))
		rpid=$(state_field rc$S pid)
		# all three mounts are there, inside the root: in the volume, or where the
		# symlink (/ or ../../../tmp) leads when resolved in the root
		outside+=$(awk -v s="$S" -v id=rc$S '$5 ~ "vsl-(race|file|dir)" s { n++
			if ($5 !~ "^/((vol|tmp)/(.*/)?)?vsl-(race|file|dir)" s "(/deep)?$") print id ": " $5 }
			END { if (n != 3) print id ": " n " of 3 mounts inside" }' /proc/$rpid/mountinfo)
	fi
	vsl delete --force rc$S >/dev/null 2>&1
done
diag "$tries creates raced the swap, $made got through"
[ $made -gt 0 ] && ok "creates raced the swap ($made of $tries made)" || not_ok "no create got through in $tries tries"
is "CVE-2021-30465: every raced mount stayed inside the rootfs" "$outside" ""
is "CVE-2024-45310: no raced create made anything on the host" \
	"$(created "vsl-race$S"; created "vsl-file$S"; created "vsl-dir$S")" ""
grep -q "vsl-\(race\|file\|dir\)$S" /proc/self/mountinfo && not_ok "no raced mount reached the host's mount table" ||
	ok "no raced mount reached the host's mount table"
check "delete the swapping tenant" vsl delete --force sw$S
assert_no_leftovers rc$S
assert_no_leftovers sw$S

check "delete the exec target" vsl delete --force ex$S
assert_no_leftovers ex$S
done_testing
