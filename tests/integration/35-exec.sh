#!/usr/bin/env bash
# vessel exec: a process in every namespace of a running container, the container's
# settings unless overridden, exit codes, detach, --process, terminals, refusals.
. "$(dirname "$0")/../lib.sh"
RECVTTY=$TOP/tests/helpers/recvtty
[ -x "$RECVTTY" ] || make -s -C "$TOP" tests/helpers/recvtty >/dev/null
S=-$$
B=$TMP/b
make_bundle "$B" sleep 300
edit_config "$B" '.hostname = "exechost" | .process.env += ["FROM=config"]'
check "run -d e1" vsl run -d -b "$B" e1$S
cpid=$(state_field e1$S pid)

out=$(vsl exec e1$S sh -c 'echo "$(hostname) $FROM"')
is "exec sees the container's hostname and env" "$out" "exechost config"
for ns in pid mnt net ipc uts; do
	inner=$(vsl exec e1$S readlink /proc/self/ns/$ns)
	is "exec is in the container's $ns namespace" "$inner" "$(readlink /proc/$cpid/ns/$ns)"
done
is "exec runs in the container's cgroup" "$(vsl exec e1$S cat /proc/self/cgroup)" "$(cat /proc/$cpid/cgroup)"
is "the container's init is pid 1 to exec" "$(vsl exec e1$S cat /proc/1/comm)" sleep
is "exec's mount table is the container's" "$(vsl exec e1$S cat /proc/self/mountinfo | wc -l)" \
	"$(wc -l </proc/$cpid/mountinfo)"
is "no fd of vessel leaks into exec" "$(vsl exec e1$S ls /proc/self/fd | tr '\n' ' ')" "0 1 2 3 "
vsl exec e1$S sh -c 'exit 7'; is "exec exits with the process' status" "$?" 7
out=$(vsl exec -u 1000:1001 -e FROM=flag -e NEW=1 --cwd /tmp e1$S sh -c 'echo "$(id -u):$(id -g) $(pwd) $FROM $NEW"')
is "--user, --env (override and add), --cwd" "$out" "1000:1001 /tmp flag 1"
is "--no-new-privs" "$(vsl exec --no-new-privs e1$S grep NoNewPrivs /proc/self/status | tr -s '\t ' ' ')" "NoNewPrivs: 1"
eff() { vsl exec "$@" e1$S grep CapEff /proc/self/status | awk '{print $2}'; }
has_admin() { (( 0x$1 & (1 << 21) )); }
has_admin "$(eff)" && not_ok "the container's caps lack CAP_SYS_ADMIN" || ok "the container's caps lack CAP_SYS_ADMIN"
has_admin "$(eff --cap CAP_SYS_ADMIN)" && ok "--cap CAP_SYS_ADMIN adds it" || not_ok "--cap CAP_SYS_ADMIN adds it"
# --cap goes into the bounding, effective and permitted sets only, as runc does: not into
# the inheritable or ambient ones, which would pass it on to every program exec'd later.
caps=$(vsl exec --cap CAP_SYS_ADMIN e1$S grep ^Cap /proc/self/status | awk '{print $1 $2}' | tr '\n' ' ')
cap_of() { local c=${caps#*$1:}; echo "${c%% *}"; }
base=$(vsl exec e1$S grep ^CapEff /proc/self/status | awk '{print $2}')
want=$(printf '%016x' $((0x$base | 1 << 21)))
for set in CapBnd CapEff CapPrm; do is "--cap: $set is the container's plus CAP_SYS_ADMIN" "$(cap_of $set)" "$want"; done
for set in CapInh CapAmb; do is "--cap: $set stays empty" "$(cap_of $set)" 0000000000000000; done

jq -n '{cwd: "/", args: ["sh", "-c", "echo process-file $A"], env: ["A=b", "PATH=/bin"], user: {uid: 0, gid: 0}}' >"$TMP/p.json"
is "--process FILE" "$(vsl exec --process "$TMP/p.json" e1$S)" "process-file b"

check "exec -d with --pid-file" vsl exec -d --pid-file "$TMP/x.pid" e1$S sleep 200
xp=$(cat "$TMP/x.pid")
is "the detached process runs in the container's pid namespace" \
	"$(readlink /proc/$xp/ns/pid)" "$(readlink /proc/$cpid/ns/pid)"

is "ps --format json lists the container's processes" "$(vsl ps --format json e1$S | jq -c sort)" \
	"$(echo "[$cpid,$xp]" | jq -c sort)"
like "ps shows them as ps(1) does" "$(vsl ps e1$S)" "^UID +PID .*sleep 300.*sleep 200"
is "ps passes its arguments to ps(1)" "$(vsl ps e1$S -o pid,comm | tail -n +2 | awk '{print $1}' | sort | tr '\n' ' ')" \
	"$(printf '%s\n' "$cpid" "$xp" | sort | tr '\n' ' ')"
fails_with "ps output without a PID column is refused" "no PID column" vsl ps e1$S -o comm

# terminals
out=$(script -qec "$VESSEL --root $ROOT exec -t e1$S sh -c 'tty; exit 5'" /dev/null </dev/null | tr -d '\r'); rc=$?
like "exec -t in the foreground gets a pty" "$out" '/dev/pts/[0-9]+'
sock=$TMP/c.sock
"$RECVTTY" -n -t 20 -c 'tty; echo "sum $((2 + 3))"; exit' "$sock" >"$TMP/r.out" 2>"$TMP/r.err" &
rpid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
check "exec -t -d --console-socket" vsl exec -t -d --console-socket "$sock" e1$S sh
wait "$rpid"
like "the console socket got a working pty" "$(tr -d '\r' <"$TMP/r.out")" 'sum 5'

# refusals
fails_with "a missing command is one line" 'executable "nosuch" not found' vsl exec e1$S nosuch
fails_with "--console-socket without -t" "needs a terminal" vsl exec --console-socket "$sock" e1$S true
fails_with "-t -d without a console socket" "needs --console-socket" vsl exec -t -d e1$S true
fails_with "exec into an unknown id" "container nope$S does not exist" vsl exec nope$S true
check "pause e1" vsl pause e1$S
fails_with "exec into a paused container" "cannot exec into container e1$S: it is paused" vsl exec e1$S true
check "resume e1" vsl resume e1$S
check "kill e1" vsl kill e1$S KILL
wait_status e1$S stopped
fails_with "exec into a stopped container" "cannot exec into container e1$S: it is stopped" vsl exec e1$S true
check "create e2" vsl create -b "$B" e2$S
fails_with "exec into a created container" "cannot exec into container e2$S: it is created" vsl exec e2$S true
check "delete e1" vsl delete e1$S
check "delete e2" vsl delete e2$S
[ -d "/proc/$xp" ] && not_ok "the detached exec died with its container" || ok "the detached exec died with its container"
assert_no_leftovers e1$S
assert_no_leftovers e2$S
done_testing
