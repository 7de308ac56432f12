#!/usr/bin/env bash
# Process setup seen from inside real busybox containers: user and groups, umask, the five
# capability sets, no_new_privs, seccomp (errno, conditions, notify-free profiles), rlimits,
# oom_score_adj, cwd creation, fds (closed, preserved), and the failures that must be one
# clear line with nothing left behind.
. "$(dirname "$0")/../lib.sh"

B=$TMP/b
# Container ids (and so cgroup names) unique to this run: other suites run at the same time.
P=vsltest-proc-$$-
status_of() { printf '%s\n' "$1" | awk -v k="$2:" '$1 == k { print $2 }'; }

# --- uid 1000 with groups, umask, caps of every set, rlimits, oom score, nnp, seccomp
make_bundle "$B" sh -c 'cat /proc/self/status; echo "IDS=$(id -u) $(id -g) $(id -G)";
	echo "UMASK=$(umask)"; echo "NOFILE=$(ulimit -n)"; echo "OOM=$(cat /proc/self/oom_score_adj)";
	echo "PWD=$(pwd)"; echo "FDS=$(ls /proc/self/fd | tr "\n" " ")"; mkdir /tmp/d 2>&1;
	echo "MKDIR=$?"; touch /tmp/f && echo TOUCH=ok'
edit_config "$B" '.process.user = {uid: 1000, gid: 1000, additionalGids: [10, 20], umask: 23}
	| .process.cwd = "/home/app/work"
	| .process.capabilities = {
		bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
		permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		inheritable: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		ambient: ["CAP_NET_BIND_SERVICE"] }
	| .process.rlimits = [{type: "RLIMIT_NOFILE", soft: 1000, hard: 2000}]
	| .process.oomScoreAdj = 500
	| .process.noNewPrivileges = true
	| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]}'
out=$(vsl run -b "$B" "${P}p1" 2>&1)
# Not root: after exec, permitted and effective are the ambient set.
is "CapBnd is the bounding list" "$(status_of "$out" CapBnd)" 0000000000000421
is "CapInh is the inheritable list" "$(status_of "$out" CapInh)" 0000000000000420
is "CapPrm (uid 1000: the ambient set after exec)" "$(status_of "$out" CapPrm)" 0000000000000400
is "CapEff (uid 1000: the ambient set after exec)" "$(status_of "$out" CapEff)" 0000000000000400
is "CapAmb is the ambient list" "$(status_of "$out" CapAmb)" 0000000000000400
is "NoNewPrivs 1" "$(status_of "$out" NoNewPrivs)" 1
is "Seccomp 2 (filter mode)" "$(status_of "$out" Seccomp)" 2
like "id shows uid, gid and additionalGids" "$out" $'IDS=1000 1000 1000 10 20\n'
like "umask is process.user.umask" "$out" $'UMASK=0027\n'
like "ulimit -n is the RLIMIT_NOFILE soft limit" "$out" $'NOFILE=1000\n'
like "oom_score_adj" "$out" $'OOM=500\n'
like "missing cwd was created" "$out" $'PWD=/home/app/work\n'
like "only fds 0 1 2 (3 is ls reading /proc/self/fd)" "$out" $'FDS=0 1 2 3 \n'
like "mkdir is denied with EPERM by the profile" "$out" "Operation not permitted"$'\n'"MKDIR=1"
like "other syscalls still work" "$out" "TOUCH=ok"
assert_no_leftovers "${P}p1"

# --- root, no no_new_privs, caps without CAP_SYS_ADMIN: filter loaded before the drop;
# an argument condition; a capability the kernel or libcap does not know is a warning.
make_bundle "$B" sh -c 'grep -E "^(Cap(Eff|Bnd)|NoNewPrivs|Seccomp):" /proc/self/status;
	mkdir /d 2>&1; echo "MKDIR=$?"; kill -USR1 $$ 2>/dev/null; echo "KILL10=$?";
	kill -0 $$; echo "KILL0=$?"; ls / >/dev/null && echo LS=ok'
edit_config "$B" '.process.noNewPrivileges = false
	| .process.capabilities = {bounding: ["CAP_CHOWN", "CAP_SETUID", "CAP_SETGID", "CAP_VESSEL_NOPE"],
		effective: ["CAP_CHOWN", "CAP_SETUID", "CAP_SETGID"],
		permitted: ["CAP_CHOWN", "CAP_SETUID", "CAP_SETGID"]}
	| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [
		{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 30},
		{names: ["kill"], action: "SCMP_ACT_ERRNO", args: [{index: 1, value: 10, op: "SCMP_CMP_EQ"}]},
		{names: ["vessel_no_such_syscall"], action: "SCMP_ACT_ERRNO"}]}'
vsl run -b "$B" "${P}p2" >"$TMP/p2.out" 2>"$TMP/p2.err"
out=$(cat "$TMP/p2.out")
is "root: CapEff" "$(status_of "$out" CapEff)" 00000000000000c1
is "root: CapBnd" "$(status_of "$out" CapBnd)" 00000000000000c1
is "root: NoNewPrivs 0" "$(status_of "$out" NoNewPrivs)" 0
is "root: Seccomp 2 without no_new_privs" "$(status_of "$out" Seccomp)" 2
like "errnoRet 30 (EROFS) for mkdir" "$out" "Read-only file system"$'\n'"MKDIR=1"
like "kill with signal 10 matches the argument condition" "$out" $'KILL10=1\n'
like "kill with signal 0 does not" "$out" $'KILL0=0\n'
like "the rest works" "$out" "LS=ok"
like "an unknown capability is a warning naming it" "$(cat "$TMP/p2.err")" "CAP_VESSEL_NOPE"
assert_no_leftovers "${P}p2"

# --- a capability that cannot be granted, listed in three sets: one warning line per
# command (create, and each exec), naming it with its sets
make_bundle "$B" sleep 100
edit_config "$B" '.process.capabilities |= with_entries(.value += ["CAP_VESSEL_NOPE"])'
vsl run -d -b "$B" "${P}w1" </dev/null >/dev/null 2>"$TMP/w1.err"
is "create: one warning line for a cap in three sets" "$(grep -c warning "$TMP/w1.err")" 1
like "it names the cap and its sets" "$(cat "$TMP/w1.err")" \
	'^vessel: warning: capabilities: cannot grant, skipped: CAP_VESSEL_NOPE in bounding, permitted, effective \(not a known capability\)$'
for i in 1 2; do
	vsl exec "${P}w1" true 2>"$TMP/w2.err"
	is "exec $i: one warning line, not one per set" "$(grep -c warning "$TMP/w2.err")" 1
done
check "delete w1" vsl delete -f "${P}w1"
assert_no_leftovers "${P}w1"

# --- --preserve-fds passes fds 3.. through; nothing else leaks
make_bundle "$B" sh -c 'echo "FDS=$(ls /proc/self/fd | tr "\n" " ")"; cat <&3; cat <&4'
echo three >"$TMP/f3"
echo four >"$TMP/f4"
out=$(vsl run --preserve-fds 2 -b "$B" "${P}p3" 3<"$TMP/f3" 4<"$TMP/f4" 5<"$TMP/f4" 2>&1)
like "preserved fds 3 and 4 are there, 5 is not (5 is ls's)" "$out" $'FDS=0 1 2 3 4 5 \n'
like "preserved fds are the caller's files" "$out" $'three\nfour'
assert_no_leftovers "${P}p3"
out=$(vsl run -b "$B" "${P}p4" 3<"$TMP/f3" 2>&1)
like "without --preserve-fds an inherited fd 3 is closed" "$out" $'FDS=0 1 2 3 \n'
assert_no_leftovers "${P}p4"

# --- socket activation: LISTEN_FDS given to vessel passes those fds first, as runc does
make_bundle "$B" sh -c 'echo "LISTEN=$LISTEN_FDS:$LISTEN_PID FDS=$(ls /proc/self/fd | tr "\n" " ")"; cat <&3'
out=$(LISTEN_FDS=1 bash -c 'export LISTEN_PID=$$; exec "$@"' _ "$VESSEL" --root "$ROOT" run -b "$B" "${P}p5" 3<"$TMP/f3" 2>&1)
like "LISTEN_FDS fds reach the container with LISTEN_FDS/LISTEN_PID set for it" "$out" $'LISTEN=1:1 FDS=0 1 2 3 4 \nthree'
assert_no_leftovers "${P}p5"
edit_config "$B" '.linux.namespaces |= map(select(.type != "pid"))'
out=$(LISTEN_FDS=1 bash -c 'export LISTEN_PID=$$; exec "$@"' _ "$VESSEL" --root "$ROOT" run -b "$B" "${P}p6" 3<"$TMP/f3" 2>&1)
like "LISTEN_PID is 1 also without a pid namespace, as runc and crun give it" "$out" $'LISTEN=1:1 FDS=0 1 2 3 4 \nthree'
assert_no_leftovers "${P}p6"

# --- failures: one clear line, nothing left behind
make_bundle "$B" true
edit_config "$B" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
	syscalls: [{names: ["mkdir"], action: "SCMP_ACT_BOGUS"}]}'
fails_with "unknown seccomp action" 'SCMP_ACT_BOGUS' vsl run -b "$B" "${P}f1"
assert_no_leftovers "${P}f1"
edit_config "$B" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
	syscalls: [{names: ["mkdir"], action: "SCMP_ACT_ERRNO",
		args: [{index: 0, value: 1, op: "SCMP_CMP_BOGUS"}]}]}'
fails_with "unknown seccomp operator" 'SCMP_CMP_BOGUS' vsl run -b "$B" "${P}f2"
assert_no_leftovers "${P}f2"
edit_config "$B" 'del(.linux.seccomp) | .process.args = ["vessel-no-such-program"]'
fails_with "missing executable fails at create" 'vessel-no-such-program.*not found' \
	vsl create -b "$B" "${P}f3"
assert_no_leftovers "${P}f3"

# --- AppArmor and SELinux labels on a host without them: refused in one line naming the
# field, at create and at exec, nothing left behind (applying them is unit-tested:
# tests/unit/test_lsm.c).
aa=$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)
if [ "${aa:0:1}" = Y ] || [ -e /sys/fs/selinux/enforce ]; then
	skip "this host has AppArmor or SELinux: the refusals cannot be seen here"
else
	edit_config "$B" '.process.args = ["true"] | .process.apparmorProfile = "vessel-test"'
	fails_with "process.apparmorProfile without AppArmor is refused" \
		'^vessel: process.apparmorProfile vessel-test: AppArmor is not enabled on this host$' \
		vsl run -b "$B" "${P}l1"
	assert_no_leftovers "${P}l1"
	edit_config "$B" 'del(.process.apparmorProfile) | .process.selinuxLabel = "system_u:system_r:container_t:s0"'
	fails_with "process.selinuxLabel without SELinux is refused" \
		'^vessel: process.selinuxLabel system_u:system_r:container_t:s0: SELinux is not enabled on this host$' \
		vsl run -b "$B" "${P}l2"
	assert_no_leftovers "${P}l2"
	edit_config "$B" 'del(.process.selinuxLabel) | .linux.mountLabel = "system_u:object_r:container_file_t:s0"'
	fails_with "linux.mountLabel without SELinux is refused" \
		'^vessel: linux.mountLabel system_u:object_r:container_file_t:s0: SELinux is not enabled on this host$' \
		vsl run -b "$B" "${P}l3"
	assert_no_leftovers "${P}l3"
	edit_config "$B" 'del(.linux.mountLabel) | .process.args = ["sleep", "100"]'
	check "run -d a container to exec in" vsl run -d -b "$B" "${P}l4"
	fails_with "exec --apparmor without AppArmor is refused" \
		'^vessel: process.apparmorProfile vessel-test: AppArmor is not enabled on this host$' \
		vsl exec --apparmor vessel-test "${P}l4" true
	fails_with "exec --process-label without SELinux is refused" \
		'^vessel: process.selinuxLabel u:r:t:s0: SELinux is not enabled on this host$' \
		vsl exec --process-label u:r:t:s0 "${P}l4" true
	is "exec without labels still runs" "$(vsl exec "${P}l4" echo fine 2>&1)" fine
	check "delete ${P}l4" vsl delete -f "${P}l4"
	assert_no_leftovers "${P}l4"
fi

done_testing
