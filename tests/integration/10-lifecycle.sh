#!/usr/bin/env bash
# The container lifecycle on real namespaces: create/start/run/state/list/kill/delete,
# status computed from facts, wrong-state refusals, locks, rollback of failed creates.
. "$(dirname "$0")/../lib.sh"
S=-$$	# ids unique per run: cgroup paths (vessel/<id>) are host-wide

B=$TMP/b
make_bundle "$B" sh -c 'echo "host=$(hostname) pid=$$ mounts=$(wc -l </proc/self/mountinfo)"'

# --- run in the foreground: isolation seen from inside, exit codes
out=$(vsl run -b "$B" r1$S)
like "run prints from inside its namespaces" "$out" '^host=vessel pid=1 mounts=[0-9]+$'
host_mounts=$(wc -l </proc/self/mountinfo)
mounts=${out##*mounts=}
[ "$mounts" -lt "$host_mounts" ] && ok "container has its own, smaller mount table ($mounts < $host_mounts)" ||
	not_ok "container mount table ($mounts) vs host ($host_mounts)"
assert_no_leftovers r1$S

edit_config "$B" '.process.args = ["sh", "-c", "exit 3"]'
vsl run -b "$B" r2$S; is "run exits with the container's status" "$?" 3
edit_config "$B" '.process.args = ["sleep", "300"]'
vsl run -b "$B" r3$S & rpid=$!
wait_status r3$S running
vsl kill r3$S KILL
wait $rpid; is "run exits 128+signal when the process is killed" "$?" 137
assert_no_leftovers r3$S

# --- create / start / state / list / kill / delete
edit_config "$B" '.process.args = ["sleep", "300"]'
check "create" vsl create -b "$B" --pid-file "$TMP/c1.pid" c1$S
is "state after create is created" "$(state_field c1$S status)" created
pid=$(state_field c1$S pid)
is "pid file holds the container pid" "$(cat "$TMP/c1.pid")" "$pid"
[ -d "/proc/$pid" ] && ok "container process exists before start" || not_ok "no process $pid"
# (The sealed copy the waiting process runs from, CVE-2019-5736: 12-security.sh.)
vsl state c1$S >"$TMP/state.json"
check "state validates against the OCI state schema" schema_check "$OCI_SCHEMA/state-schema.json" "$TMP/state.json"
is "list -q" "$(vsl list -q)" c1$S
like "list table" "$(vsl list | tail -1)" "^c1$S +$pid +created +$B "
is "list --format json" "$(vsl list --format json | jq -r '.[0].id + " " + .[0].status')" "c1$S created"
check "start" vsl start c1$S
is "state after start is running" "$(state_field c1$S status)" running
vsl state c1$S >"$TMP/state.json"
check "a running state validates against the OCI state schema" schema_check "$OCI_SCHEMA/state-schema.json" "$TMP/state.json"
is "the process is now the container's" "$(readlink /proc/$pid/exe)" /bin/busybox
fails_with "start twice is refused" "cannot start container c1$S: it is running" vsl start c1$S
fails_with "delete of a running container needs --force" "container c1$S is running" vsl delete c1$S
is "refusals change nothing" "$(state_field c1$S status)" running
check "kill with a signal name" vsl kill c1$S KILL
wait_status c1$S stopped && ok "status is computed: stopped once the process died" || not_ok "not stopped: $(state_field c1$S status)"
is "stopped state has pid 0" "$(state_field c1$S pid)" 0
fails_with "kill of a stopped container is refused" "cannot kill container c1$S: it is stopped" vsl kill c1$S
check "delete a stopped container" vsl delete c1$S
assert_no_leftovers c1$S

check "create c2$S" vsl create -b "$B" c2$S
check "kill a created container with a number" vsl kill c2$S 9
wait_status c2$S stopped && ok "created container killed" || not_ok "c2$S not stopped"
check "delete c2$S" vsl delete c2$S
check "create c3$S" vsl create -b "$B" c3$S
check "start c3$S" vsl start c3$S
check "delete --force kills a running container" vsl delete --force c3$S
assert_no_leftovers c3$S
check "create c4$S" vsl create -b "$B" c4$S
check "delete removes a created container without --force, as runc does" vsl delete c4$S
assert_no_leftovers c4$S

# --- unknown ids, bad ids, duplicates
fails_with "state of an unknown id" "container nope does not exist" vsl state nope
fails_with "start of an unknown id" "container nope does not exist" vsl start nope
fails_with "kill of an unknown id" "container nope does not exist" vsl kill nope
fails_with "delete of an unknown id" "container nope does not exist" vsl delete nope
fails_with "an id with a slash is refused" 'invalid container id "a/b"' vsl create -b "$B" a/b
fails_with "--rootless takes runc's true, false or auto" "--rootless: expected true, false or auto" "$VESSEL" --root "$ROOT" --rootless yes list
fails_with "kill with an unknown signal" "unknown signal FOO" vsl kill nope FOO
check "create d1$S" vsl create -b "$B" d1$S
fails_with "a duplicate id is refused" "container d1$S already exists" vsl create -b "$B" d1$S
is "the first d1$S is untouched" "$(state_field d1$S status)" created
check "delete d1$S" vsl delete --force d1$S

# --- bad bundles: one line naming the problem, nothing left behind
bad=$TMP/bad
make_bundle "$bad"
echo '{"ociVersion": "1.2.0", "process": ' >"$bad/config.json"
fails_with "malformed config.json" "^vessel: config.json: " vsl create -b "$bad" x1$S
assert_no_leftovers x1$S
make_bundle "$bad" true
edit_config "$bad" '.linux.namespaces += [{"type": "foo"}]'
fails_with "unknown namespace names the field" 'linux.namespaces\[5\].type: .*"foo"' vsl create -b "$bad" x2$S
assert_no_leftovers x2$S
make_bundle "$bad" true
edit_config "$bad" '.root.path = "nothere"'
fails_with "missing rootfs" "root.path $bad/nothere: No such file or directory" vsl create -b "$bad" x3$S
assert_no_leftovers x3$S
make_bundle "$bad" true
edit_config "$bad" '.mounts += [{"destination": "/mnt", "type": "none", "source": "/no/such/dir", "options": ["bind"]}]'
fails_with "a mount whose source does not exist" "mounts\[6\].*/no/such/dir" vsl create -b "$bad" x4$S
assert_no_leftovers x4$S
make_bundle "$bad" nosuchcommand
fails_with "a missing executable fails at create" "nosuchcommand" vsl create -b "$bad" x5$S
assert_no_leftovers x5$S
fails_with "a bundle that does not exist" "bundle $TMP/nobundle" vsl create -b "$TMP/nobundle" x6$S

# --- two deletes at once: one succeeds, the other says "does not exist"
check "create p1$S" vsl create -b "$B" p1$S
( vsl delete p1$S 2>"$TMP/del1"; echo $? >"$TMP/rc1" ) &
( vsl delete p1$S 2>"$TMP/del2"; echo $? >"$TMP/rc2" ) &
wait
rcs="$(cat "$TMP/rc1") $(cat "$TMP/rc2")"
errs=$(cat "$TMP/del1" "$TMP/del2")
if [[ $rcs == "0 1" || $rcs == "1 0" ]] && [ "$errs" = "vessel: container p1$S does not exist" ]; then
	ok "parallel deletes: one deletes, one says does not exist"
else
	not_ok "parallel deletes"; diag "rcs=$rcs" "errs=$errs"
fi
assert_no_leftovers p1$S
# As runc and crun: a forced delete of what is not there is done (podman and containerd's
# shim rely on it after a failed create or a delete that already happened).
out=$(vsl delete --force p1$S 2>&1); rc=$?
is "delete --force of a missing container succeeds silently" "$rc:$out" "0:"

# --- a create killed halfway leaves state that delete --force cleans
mkfifo "$TMP/blocker"
make_bundle "$TMP/k" sleep 300
edit_config "$TMP/k" '.linux.namespaces += [{"type": "cgroup", "path": $p}]' --arg p "$TMP/blocker"
"$VESSEL" --root "$ROOT" create -b "$TMP/k" k1$S &	# not the vsl function: $! must be vessel
cpid=$!
for i in $(seq 50); do [ -e "$ROOT/k1/state.json" ] && break; sleep 0.05; done
sleep 0.2
kill -9 $cpid; wait $cpid 2>/dev/null
is "a killed create leaves a creating container" "$(state_field k1$S status)" creating
check "delete --force cleans it" vsl delete --force k1$S
assert_no_leftovers k1$S

done_testing
