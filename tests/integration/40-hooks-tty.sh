#!/usr/bin/env bash
# OCI hooks (order, state on stdin, which namespace, failures) and terminals
# (--console-socket with recvtty, refusals, `run -t` in the foreground under script).
. "$(dirname "$0")/../lib.sh"

RECVTTY=$TOP/tests/helpers/recvtty
[ -x "$RECVTTY" ] || make -s -C "$TOP" tests/helpers/recvtty >/dev/null ||
	{ echo "not ok 1 - tests/helpers/recvtty not built"; exit 1; }

# --- hooks: every kind, in order, each seeing the state ------------------------------
B=$TMP/hooks
make_bundle "$B"
edit_config "$B" '.process.args = ["true"]'
LOG=$B/rootfs/hooklog		# the same directory from the host and from the container
mkdir -p "$LOG"
# hook.sh KIND DIR: save the state it got on stdin, append KIND to DIR/order.
cat >"$TMP/hook.sh" <<'EOF'
#!/bin/sh
cat >"$2/$1.json"
echo "$1" >>"$2/order"
EOF
chmod 755 "$TMP/hook.sh"
cp "$TMP/hook.sh" "$B/rootfs/hook.sh"	# startContainer's path resolves in the container
cat >"$TMP/fail.sh" <<'EOF'
#!/bin/sh
echo "hook failing on purpose" >&2
exit 3
EOF
chmod 755 "$TMP/fail.sh"

H=$TMP/hook.sh
edit_config "$B" '.hooks = {
  prestart: [{path: $h, args: ["hook.sh", "prestart", $log]}],
  createRuntime: [{path: $h, args: ["hook.sh", "createRuntime", $log]}],
  createContainer: [{path: $h, args: ["hook.sh", "createContainer", $log]}],
  startContainer: [{path: "/hook.sh", args: ["hook.sh", "startContainer", "/hooklog"]}],
  poststart: [{path: $h, args: ["hook.sh", "poststart", $log]}],
  poststop: [{path: $h, args: ["hook.sh", "poststop", $log]}]
}' --arg h "$H" --arg log "$LOG"

check "create with every kind of hook" vsl create -b "$B" h1
is "create ran prestart, createRuntime, createContainer" "$(tr '\n' ' ' <"$LOG/order")" \
	"prestart createRuntime createContainer "
pid=$(state_field h1 pid)
for k in prestart createRuntime; do
	is "$k got the runtime namespace's view of the state" \
		"$(jq -c '[.id, .status, .pid, .bundle]' "$LOG/$k.json")" \
		"$(jq -nc --argjson pid "$pid" --arg b "$B" '["h1", "creating", $pid, $b]')"
done
is "createContainer got the container's pid (1 in its pid namespace)" \
	"$(jq -c '[.id, .status, .pid]' "$LOG/createContainer.json")" '["h1","creating",1]'
check "start" vsl start h1
is "start ran startContainer (inside the container) and poststart" \
	"$(tr '\n' ' ' <"$LOG/order")" "prestart createRuntime createContainer startContainer poststart "
like "startContainer got the state, with the container's pid" \
	"$(jq -c '[.id, .pid]' "$LOG/startContainer.json")" '^\["h1",1\]$'
like "poststart got the state with the host pid" "$(jq -c '[.id, .pid]' "$LOG/poststart.json")" \
	"^\\[\"h1\",$pid\\]$"
wait_status h1 stopped
check "delete" vsl delete h1
is "delete ran poststop last" "$(tail -1 "$LOG/order")" poststop
is "poststop saw the container stopped" "$(jq -r '.id + " " + .status' "$LOG/poststop.json")" \
	"h1 stopped"
assert_no_leftovers h1

# --- poststart runs once the process has exec'd ---------------------------------------
# The hook reads the container process' comm through its pid: "sleep" once it exec'd,
# vessel's ("memfd:vessel") before. Shell builtins only, so that it starts fast enough to
# catch a process that has not exec'd yet; repeated: the order must not depend on timing.
cat >"$TMP/comm.sh" <<'EOF'
#!/bin/sh
read -r s
pid=${s#*\"pid\":}; pid=${pid%%,*}
read -r c <"/proc/$pid/comm"
echo "$c" >>"$1"
EOF
chmod 755 "$TMP/comm.sh"
X=$TMP/ps
make_bundle "$X" sleep 100
edit_config "$X" '.hooks = {poststart: [{path: $h, args: ["comm.sh", $o]}]}' \
	--arg h "$TMP/comm.sh" --arg o "$TMP/ps.comm"
for i in $(seq 50); do
	vsl run -d -b "$X" "hp$i" </dev/null >/dev/null 2>&1 || echo "run failed" >>"$TMP/ps.comm"
	vsl delete -f "hp$i" >/dev/null 2>&1
done
is "poststart ran after the process exec'd, 50 times out of 50" \
	"$(sort "$TMP/ps.comm" | uniq -c | sed 's/^ *//' | tr '\n' ' ')" "50 sleep "
assert_no_leftovers hp50
# An exec that fails after start let the process go is start's error, in one line.
cp "$X/rootfs/bin/busybox" "$X/rootfs/vsl-gone"
edit_config "$X" '.process.args = ["/vsl-gone", "sleep", "100"]'
check "create hpx" vsl create -b "$X" hpx
rm "$X/rootfs/vsl-gone"
fails_with "start reports an exec that failed" \
	'^vessel: container hpx: exec /vsl-gone: No such file or directory$' vsl start hpx
is "no poststart hook ran for it" "$(grep -c . "$TMP/ps.comm")" 50
check "delete hpx" vsl delete -f hpx
assert_no_leftovers hpx

# --- a failing createRuntime hook aborts create and leaves nothing -------------------
rm -f "$LOG"/*
edit_config "$B" '.hooks = {createRuntime: [
  {path: $h, args: ["hook.sh", "createRuntime", $log]}, {path: $f}]}' \
	--arg h "$H" --arg f "$TMP/fail.sh" --arg log "$LOG"
fails_with "a failing createRuntime hook fails create, naming it, its status and output" \
	"hooks\\.createRuntime\\[1\\] $TMP/fail.sh: exited with status 3: hook failing on purpose" \
	vsl create -b "$B" h2
fails_with "the failed container does not exist" "container h2 does not exist" vsl state h2
assert_no_leftovers h2

edit_config "$B" '.hooks = {prestart: [{path: "/nonexistent/vsltest-hook"}]}'
fails_with "a hook whose path does not exist is one clear line" \
	"hooks\\.prestart\\[0\\] /nonexistent/vsltest-hook: exec: No such file or directory" \
	vsl create -b "$B" h3
assert_no_leftovers h3

edit_config "$B" '.hooks = {createContainer: [{path: "/bin/sh", args: ["sh", "-c", "sleep 30"],
  timeout: 1}]}'
start=$(date +%s)
fails_with "a createContainer hook past its timeout fails create" \
	"hooks\\.createContainer\\[0\\] /bin/sh: timed out after 1s" vsl create -b "$B" h4
took=$(($(date +%s) - start))
[ "$took" -le 5 ] && ok "the hook was killed at its timeout (${took}s)" ||
	not_ok "create took ${took}s with a 1s hook timeout"
assert_no_leftovers h4

cp "$TMP/fail.sh" "$B/rootfs/fail.sh"
edit_config "$B" '.hooks = {startContainer: [{path: "/fail.sh"}]}'
check "create h6 (its startContainer hook will fail)" vsl create -b "$B" h6
fails_with "a failing startContainer hook fails start, with the hook's line" \
	"container h6: hooks\\.startContainer\\[0\\] /fail.sh: exited with status 3: hook failing on purpose" \
	vsl start h6
wait_status h6 stopped && ok "the container is stopped, not running" ||
	not_ok "h6 is $(state_field h6 status)"
check "delete h6" vsl delete h6
assert_no_leftovers h6

# --- failing poststart / poststop hooks are warnings only ----------------------------
edit_config "$B" '.hooks = {poststart: [{path: $f}], poststop: [{path: $f}]}' \
	--arg f "$TMP/fail.sh"
check "create h5" vsl create -b "$B" h5
err=$(vsl start h5 2>&1); rc=$?
is "start succeeds despite a failing poststart hook" "$rc" 0
like "it warns, naming the hook" "$err" \
	"warning: hooks\\.poststart\\[0\\] $TMP/fail.sh: exited with status 3"
wait_status h5 stopped
err=$(vsl delete h5 2>&1); rc=$?
is "delete succeeds despite a failing poststop hook" "$rc" 0
like "and warns" "$err" "warning: hooks\\.poststop\\[0\\] $TMP/fail.sh: exited with status 3"
assert_no_leftovers h5

# --- terminal: --console-socket ------------------------------------------------------
T=$TMP/tty
make_bundle "$T" sh
edit_config "$T" '.process.terminal = true | .process.consoleSize = {height: 25, width: 90}'
sock=$TMP/console.sock
"$RECVTTY" -n -t 20 -c 'tty; stty size; echo "hi $((6 * 7))"; echo on-console >/dev/console; exit' "$sock" \
	>"$TMP/recvtty.out" 2>"$TMP/recvtty.err" &
rpid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
check "create --console-socket with terminal:true" vsl create -b "$T" --console-socket "$sock" t1
check "start t1" vsl start t1
wait "$rpid"; rc=$?
out=$(tr -d '\r' <"$TMP/recvtty.out")
is "recvtty got the pty and saw it hang up when the shell exited" "$rc" 0
is "the fd came with runc's payload" "$(cat "$TMP/recvtty.err")" "recvtty: name /dev/ptmx"
like "the shell's stdin/stdout is a pty of the container's own devpts" "$out" $'\n/dev/pts/0(\n|$)'
like "the console size from config.json was applied" "$out" $'\n25 90(\n|$)'
like "a command typed into the master ran" "$out" $'\nhi 42(\n|$)'
like "/dev/console is the same pty" "$out" $'\non-console(\n|$)'
wait_status t1 stopped
check "delete t1" vsl delete t1
assert_no_leftovers t1

fails_with "terminal:true without --console-socket on create is refused" \
	"process.terminal is true.*console-socket" vsl create -b "$T" t2
assert_no_leftovers t2
edit_config "$T" '.process.terminal = false'
fails_with "--console-socket without terminal:true is refused" \
	"console-socket.*process.terminal is false" vsl create -b "$T" --console-socket "$sock" t3
assert_no_leftovers t3

# --- terminal: run in the foreground under script(1) ---------------------------------
edit_config "$T" '.process.terminal = true | del(.process.consoleSize) |
  .process.args = ["sh", "-c", "tty; stty -a | grep -o \"rows [0-9]*; columns [0-9]*\"; exit 7"]'
inner="stty rows 33 cols 111; stty -g; $VESSEL --root $ROOT run -b $T t4; echo rc=\$?; stty -g"
# stdin stays open: at EOF script sends a byte that the container's pty would echo as ^@.
out=$(sleep 3 | script -qec "$inner" /dev/null | tr -d '\r')
mapfile -t lines <<<"$out"
like "run -t: the process has a pty of its own" "$out" $'\n/dev/pts/0(\n|$)'
like "run -t: the window size of the caller's terminal was copied" "$out" "rows 33; columns 111"
like "run -t: the exit status comes through" "$out" $'rc=7(\n|$)'
is "run -t: the caller's terminal settings are restored" "${lines[${#lines[@]}-1]}" "${lines[0]}"
assert_no_leftovers t4

# Typed input reaches the container.
edit_config "$T" '.process.args = ["sh"]'
out=$( (printf 'echo typed-$((2 + 3))\nexit 4\n'; sleep 3) |
	script -qec "$VESSEL --root $ROOT run -b $T t5; echo rc=\$?" /dev/null | tr -d '\r')
like "run -t: what the user types reaches the container's shell" "$out" $'\ntyped-5(\n|$)'
like "run -t: and its exit status comes back" "$out" $'rc=4(\n|$)'
assert_no_leftovers t5

done_testing
