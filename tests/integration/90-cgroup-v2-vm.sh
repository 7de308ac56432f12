#!/usr/bin/env bash
# cgroup v2 in the test VM (tests/vm): Debian's kernel booted with cgroup v1 off must show a
# pure cgroup2 hierarchy with every controller enabled, limits set in a child cgroup must hold,
# and the harness must pass the command's output and exit status out and stay bounded.
# On the host this file boots the VM and re-runs itself inside with --guest; the guest's
# "ok"/"not ok" lines are renumbered into this file's TAP.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SELF=tests/integration/$(basename "$0")
_n=0 _failed=0
ok() { _n=$((_n + 1)); echo "ok $_n - $*"; }
not_ok() { _n=$((_n + 1)); _failed=$((_failed + 1)); echo "not ok $_n - $*"; }
skip() { _n=$((_n + 1)); echo "ok $_n - # SKIP $*"; }
diag() { printf '#   %s\n' "$@"; }
is() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "got:  $2" "want: $3"; fi; }
done_testing() { echo "1..$_n"; [ "$_failed" -eq 0 ]; }

# ---------------------------------------------------------------- inside the VM
CG=/sys/fs/cgroup
KID=$CG/vsltest-vm-$$

guest_cleanup() {
	local pid
	[ -d "$KID" ] || return 0
	for pid in $(cat "$KID/cgroup.procs" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
	for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$KID" 2>/dev/null && return 0; sleep 0.2; done
	echo "# could not remove $KID"
}

guest_hierarchy() {
	is "/sys/fs/cgroup is cgroup2" "$(stat -f -c %T $CG)" cgroup2fs
	is "no cgroup v1 hierarchy is mounted" \
		"$(awk '$3 == "cgroup" { print $2 }' /proc/mounts)" ""
	local want=(cpuset cpu io memory hugetlb pids) c missing=""
	for c in "${want[@]}"; do
		grep -qw "$c" $CG/cgroup.controllers || missing="$missing $c"
	done
	is "the kernel offers cpuset cpu io memory hugetlb pids" "${missing# }" ""
	is "every offered controller is enabled for children" \
		"$(cat $CG/cgroup.subtree_control)" "$(cat $CG/cgroup.controllers)"
}

guest_child() {
	mkdir "$KID" || { not_ok "mkdir $KID"; return; }
	is "the child sees the same controllers" "$(cat "$KID/cgroup.controllers")" \
		"$(cat $CG/cgroup.controllers)"
	echo 32M >"$KID/memory.max" && echo 0 >"$KID/memory.swap.max"
	is "memory.max reads back 32M" "$(cat "$KID/memory.max")" 33554432
	echo "50000 100000" >"$KID/cpu.max"
	is "cpu.max reads back" "$(cat "$KID/cpu.max")" "50000 100000"
	echo 16 >"$KID/pids.max"
	is "pids.max reads back" "$(cat "$KID/pids.max")" 16

	sleep 300 &
	local pid=$!
	echo "$pid" >"$KID/cgroup.procs"
	is "a process moves into the child" "$(cat /proc/$pid/cgroup)" "0::/${KID#"$CG"/}"
	is "cgroup.procs lists it" "$(cat "$KID/cgroup.procs")" "$pid"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null

	# 128M asked for under a 32M limit without swap: the kernel's OOM killer ends it.
	bash -c 'echo $$ >"$1/cgroup.procs" && exec python3 -c "b = bytearray(128 << 20)"' \
		_ "$KID" 2>/dev/null
	is "a 128M allocation under memory.max=32M is killed (SIGKILL)" "$?" 137
	is "memory.events counts the OOM kill" \
		"$(awk '$1 == "oom_kill" { print $2 }' "$KID/memory.events")" 1

	# 16 tasks at most: a process forking 40 sleepers gets EAGAIN for the last 25.
	python3 - "$KID" >"/tmp/pids.$$" <<-'EOF'
		import os, sys, time
		open(sys.argv[1] + "/cgroup.procs", "w").write(str(os.getpid()))
		refused = 0
		for _ in range(40):
		    try:
		        if os.fork() == 0:
		            time.sleep(60)
		            os._exit(0)
		    except BlockingIOError:
		        refused += 1
		print(open(sys.argv[1] + "/pids.current").read().strip(), refused)
	EOF
	is "pids.max=16 caps the tasks: 16 in the cgroup, 25 forks refused" "$(cat /tmp/pids.$$)" \
		"16 25"
	local max
	max=$(awk '$1 == "max" { print $2 }' "$KID/pids.events")
	is "pids.events counts the refused forks" "$max" 25
	echo 1 >"$KID/cgroup.kill"
	rm -f "/tmp/pids.$$"
}

# vessel itself on cgroup v2, with the lifecycle's helpers (tests/lib.sh: built vessel, busybox
# rootfs, a private --root under /tmp, cleanup at exit).
guest_vessel() {
	local n=$_n failed=$_failed out
	. "$TOP/tests/lib.sh"
	_n=$n _failed=$failed
	trap 'guest_cleanup; _cleanup' EXIT
	make_bundle "$TMP/b"
	edit_config "$TMP/b" '.process.args = ["sh", "-c",
		"echo in=$(hostname); cat /proc/self/cgroup; exit 3"]'
	out=$(vsl run -b "$TMP/b" vsltest-vm-run 2>&1)
	is "vessel run exits with the container's status" "$?" 3
	is "the busybox container ran" "${out%%$'\n'*}" in=vessel
	like "it sees one cgroup, on the cgroup2 hierarchy" "${out#*$'\n'}" '^0::/[^[:space:]]*$'
	assert_no_leftovers vsltest-vm-run
}

if [ "${1:-}" = --guest ]; then
	trap guest_cleanup EXIT
	guest_hierarchy
	guest_child
	guest_cleanup
	[ -d "$KID" ] && not_ok "child cgroup removed" || ok "child cgroup removed"
	guest_vessel
	done_testing
	exit
fi

# ---------------------------------------------------------------- on the host
if [ "${VESSEL_VM:-}" = 1 ]; then
	skip "already inside the test VM: no nested VM"
	done_testing
	exit
fi
cd "$TOP" || exit 1
tmp=$(mktemp -d /tmp/vsltest-vm.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The harness itself: output streamed without boot noise, the command's status passed out.
start=$(date +%s)
tests/vm/run.sh sh -c 'echo out; echo err >&2; exit 7' >"$tmp/out" 2>"$tmp/err"
is "run.sh exits with the command's status" "$?" 7
is "run.sh prints the command's output and nothing else" "$(cat "$tmp/out")" "out
err"
boot=$(sed -n 's/.*guest ready after \([0-9.]*\)s.*/\1/p' "$tmp/err")
diag "boot: $(($(date +%s) - start))s for a whole run, guest ready after ${boot:-?}s ($(
	sed -n 's/^vm: \([a-z]*\):.*/\1/p' "$tmp/err"))"

start=$(date +%s)
VM_TIMEOUT=10 tests/vm/run.sh sleep 600 >"$tmp/out" 2>"$tmp/err"
rc=$? took=$(($(date +%s) - start))
is "a command past VM_TIMEOUT is killed with the VM (exit 124)" "$rc" 124
[ "$took" -lt 25 ] && ok "and run.sh returns soon after the timeout (${took}s)" ||
	not_ok "run.sh took ${took}s with VM_TIMEOUT=10"

# The checks inside the VM, renumbered; a guest that dies early misses its expected count.
tests/vm/run.sh bash "$SELF" --guest >"$tmp/guest" 2>"$tmp/err"
rc=$?
seen=0 plan=""
while IFS= read -r line; do
	case "$line" in
	"not ok "*) seen=$((seen + 1)); not_ok "vm: $(sed -E 's/^not ok [0-9]* ?-? ?//' <<<"$line")" ;;
	"ok "*) seen=$((seen + 1)); ok "vm: $(sed -E 's/^ok [0-9]* ?-? ?//' <<<"$line")" ;;
	"#"*) echo "$line" ;;
	1..*) plan=${line#1..} ;;
	esac
done <"$tmp/guest"
is "the guest checks ran to the end and passed (exit status)" "$rc" 0
if [ -n "$plan" ] && [ "$seen" = "$plan" ]; then
	ok "the guest reported all its checks ($seen)"
else
	not_ok "the guest reported $seen checks, plan ${plan:-missing}"
	diag "$(cat "$tmp/guest" "$tmp/err")"
fi
done_testing
