#!/usr/bin/env bash
# The container lifecycle on real namespaces: create/start/run/state/list/kill/delete,
# status computed from facts, wrong-state refusals, locks, rollback of failed creates.
. "$(dirname "$0")/../lib.sh"

B=$TMP/b
make_bundle "$B" sh -c 'echo "host=$(hostname) pid=$$ mounts=$(wc -l </proc/self/mountinfo)"'

# --- run in the foreground: isolation seen from inside, exit codes
out=$(vsl run -b "$B" r1)
like "run prints from inside its namespaces" "$out" '^host=vessel pid=1 mounts=[0-9]+$'
host_mounts=$(wc -l </proc/self/mountinfo)
mounts=${out##*mounts=}
[ "$mounts" -lt "$host_mounts" ] && ok "container has its own, smaller mount table ($mounts < $host_mounts)" ||
	not_ok "container mount table ($mounts) vs host ($host_mounts)"
assert_no_leftovers r1

edit_config "$B" '.process.args = ["sh", "-c", "exit 3"]'
vsl run -b "$B" r2; is "run exits with the container's status" "$?" 3
edit_config "$B" '.process.args = ["sleep", "300"]'
vsl run -b "$B" r3 & rpid=$!
wait_status r3 running
vsl kill r3 KILL
wait $rpid; is "run exits 128+signal when the process is killed" "$?" 137
assert_no_leftovers r3

# --- create / start / state / list / kill / delete
edit_config "$B" '.process.args = ["sleep", "300"]'
check "create" vsl create -b "$B" --pid-file "$TMP/c1.pid" c1
is "state after create is created" "$(state_field c1 status)" created
pid=$(state_field c1 pid)
is "pid file holds the container pid" "$(cat "$TMP/c1.pid")" "$pid"
[ -d "/proc/$pid" ] && ok "container process exists before start" || not_ok "no process $pid"
is "process waits, not yet exec'd" "$(readlink /proc/$pid/exe)" "$VESSEL"
vsl state c1 >"$TMP/state.json"
check "state validates against the OCI state schema" python3 -c '
import json, sys, jsonschema, os
shared = sys.argv[2]
schema = json.load(open(os.path.join(shared, "oci-runtime-spec/schema/state-schema.json")))
resolver = jsonschema.RefResolver("file://" + os.path.join(shared, "oci-runtime-spec/schema/"), schema)
jsonschema.validate(json.load(open(sys.argv[1])), schema, resolver=resolver)' "$TMP/state.json" "$SHARED"
is "list -q" "$(vsl list -q)" c1
like "list table" "$(vsl list | tail -1)" "^c1 +$pid +created +$B "
is "list --format json" "$(vsl list --format json | jq -r '.[0].id + " " + .[0].status')" "c1 created"
check "start" vsl start c1
is "state after start is running" "$(state_field c1 status)" running
is "the process is now the container's" "$(readlink /proc/$pid/exe)" /bin/busybox
fails_with "start twice is refused" "cannot start container c1: it is running" vsl start c1
fails_with "delete of a running container needs --force" "container c1 is running" vsl delete c1
is "refusals change nothing" "$(state_field c1 status)" running
check "kill with a signal name" vsl kill c1 KILL
wait_status c1 stopped && ok "status is computed: stopped once the process died" || not_ok "not stopped: $(state_field c1 status)"
is "stopped state has pid 0" "$(state_field c1 pid)" 0
fails_with "kill of a stopped container is refused" "cannot kill container c1: it is stopped" vsl kill c1
check "delete a stopped container" vsl delete c1
assert_no_leftovers c1

check "create c2" vsl create -b "$B" c2
check "kill a created container with a number" vsl kill c2 9
wait_status c2 stopped && ok "created container killed" || not_ok "c2 not stopped"
check "delete c2" vsl delete c2
check "create c3" vsl create -b "$B" c3
check "start c3" vsl start c3
check "delete --force kills a running container" vsl delete --force c3
assert_no_leftovers c3
check "create c4" vsl create -b "$B" c4
check "delete removes a created container without --force, as runc does" vsl delete c4
assert_no_leftovers c4

# --- unknown ids, bad ids, duplicates
fails_with "state of an unknown id" "container nope does not exist" vsl state nope
fails_with "start of an unknown id" "container nope does not exist" vsl start nope
fails_with "kill of an unknown id" "container nope does not exist" vsl kill nope
fails_with "delete of an unknown id" "container nope does not exist" vsl delete nope
fails_with "an id with a slash is refused" 'invalid container id "a/b"' vsl create -b "$B" a/b
fails_with "kill with an unknown signal" "unknown signal FOO" vsl kill nope FOO
check "create d1" vsl create -b "$B" d1
fails_with "a duplicate id is refused" "container d1 already exists" vsl create -b "$B" d1
is "the first d1 is untouched" "$(state_field d1 status)" created
check "delete d1" vsl delete --force d1

# --- bad bundles: one line naming the problem, nothing left behind
bad=$TMP/bad
make_bundle "$bad"
echo '{"ociVersion": "1.2.0", "process": ' >"$bad/config.json"
fails_with "malformed config.json" "^vessel: config.json: " vsl create -b "$bad" x1
assert_no_leftovers x1
make_bundle "$bad" true
edit_config "$bad" '.linux.namespaces += [{"type": "foo"}]'
fails_with "unknown namespace names the field" 'linux.namespaces\[5\].type: .*"foo"' vsl create -b "$bad" x2
assert_no_leftovers x2
make_bundle "$bad" true
edit_config "$bad" '.root.path = "nothere"'
fails_with "missing rootfs" "root.path $bad/nothere: No such file or directory" vsl create -b "$bad" x3
assert_no_leftovers x3
make_bundle "$bad" true
edit_config "$bad" '.mounts += [{"destination": "/mnt", "type": "none", "source": "/no/such/dir", "options": ["bind"]}]'
fails_with "a mount whose source does not exist" "mounts\[6\].*/no/such/dir" vsl create -b "$bad" x4
assert_no_leftovers x4
make_bundle "$bad" nosuchcommand
fails_with "a missing executable fails at create" "nosuchcommand" vsl create -b "$bad" x5
assert_no_leftovers x5
fails_with "a bundle that does not exist" "bundle $TMP/nobundle" vsl create -b "$TMP/nobundle" x6

# --- two deletes at once: one succeeds, the other says "does not exist"
check "create p1" vsl create -b "$B" p1
( vsl delete --force p1 2>"$TMP/del1"; echo $? >"$TMP/rc1" ) &
( vsl delete --force p1 2>"$TMP/del2"; echo $? >"$TMP/rc2" ) &
wait
rcs="$(cat "$TMP/rc1") $(cat "$TMP/rc2")"
errs=$(cat "$TMP/del1" "$TMP/del2")
if [[ $rcs == "0 1" || $rcs == "1 0" ]] && [ "$errs" = "vessel: container p1 does not exist" ]; then
	ok "parallel deletes: one deletes, one says does not exist"
else
	not_ok "parallel deletes"; diag "rcs=$rcs" "errs=$errs"
fi
assert_no_leftovers p1

# --- a create killed halfway leaves state that delete --force cleans
mkfifo "$TMP/blocker"
make_bundle "$TMP/k" sleep 300
edit_config "$TMP/k" '.linux.namespaces += [{"type": "cgroup", "path": $p}]' --arg p "$TMP/blocker"
vsl create -b "$TMP/k" k1 &
cpid=$!
for i in $(seq 50); do [ -e "$ROOT/k1/state.json" ] && break; sleep 0.05; done
sleep 0.2
kill -9 $cpid; wait $cpid 2>/dev/null
is "a killed create leaves a creating container" "$(state_field k1 status)" creating
check "delete --force cleans it" vsl delete --force k1
assert_no_leftovers k1

done_testing
