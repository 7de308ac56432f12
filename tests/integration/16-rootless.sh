#!/usr/bin/env bash
# Rootless vessel: a normal user (made here, with /etc/subuid and /etc/subgid ranges, and
# removed at the end) runs spec --rootless, run, exec, kill and delete on its own bundle;
# ids beyond its own come through newuidmap/newgidmap; state lives under its
# XDG_RUNTIME_DIR; networking through pasta; and nothing is left behind. Bad input: a user
# without subordinate ids, ids that are not the user's.
. "$(dirname "$0")/../lib.sh"

U=vsltrl$$
N=vsltrn$$
for c in newuidmap newgidmap pasta useradd; do
	command -v $c >/dev/null || { echo "not ok 1 - $c not installed (scripts/deps.sh)"; exit 1; }
done
# /dev/net/tun is 0666 on Debian (udev's rule); a host without udev leaves it 0600, and
# pasta cannot open it as a user: the test lends the mode and puts it back.
tun_mode=$(stat -c %a /dev/net/tun 2>/dev/null)
# userdel keeps a user's /etc/subuid lines, and refuses while a zombie of its uid waits
# for a PID 1 that does not reap (-f): both removed here.
rl_cleanup() {
	for u in $U $N; do
		pkill -KILL -u "$u" 2>/dev/null
		id "$u" >/dev/null 2>&1 || continue
		for f in uid gid; do
			awk -F: -v u="$u" '$1 == u { print $2 "-" $2 + $3 - 1 }' /etc/sub$f |
				while read -r r; do usermod --del-sub${f}s "$r" "$u"; done
		done
		userdel -f "$u" 2>/dev/null
	done
	[ -n "$tun_mode" ] && chmod "$tun_mode" /dev/net/tun
}
trap 'rl_cleanup; _cleanup' EXIT

H=$TMP/home
mkdir -p "$H"
chmod 755 "$TMP"
useradd -M -d "$H" -s /bin/sh "$U" || { echo "not ok 1 - useradd $U"; exit 1; }
useradd -M -d "$H" -s /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$N" ||
	{ echo "not ok 1 - useradd $N"; exit 1; }
# useradd gives the first user a range when login.defs says so; make sure there is one.
grep -q "^$U:" /etc/subuid || usermod --add-subuids 2100000000-2100065535 "$U"
grep -q "^$U:" /etc/subgid || usermod --add-subgids 2100000000-2100065535 "$U"
SUBU=$(awk -F: -v u="$U" '$1 == u { print $2; exit }' /etc/subuid)
SUBN=$(awk -F: -v u="$U" '$1 == u { print $3; exit }' /etc/subuid)
UID_=$(id -u "$U")
chown "$U:" "$H"
XDG=$H/run
B=$H/b

# live USER: the user's processes, zombies aside (this host's PID 1 may not reap them).
live() { ps -u "$1" -o stat=,pid=,comm= 2>/dev/null | awk '$1 !~ /^Z/ { print $2, $3 }' | tr '\n' ' '; }

# as USER CMD...: CMD as the test user, with its own runtime dir and no root's store.
as() {
	local who=$1; shift
	su "$who" -s /bin/bash -c 'cd "$1" && shift && exec env -u VESSEL_STORE \
		HOME="$HOME_" XDG_RUNTIME_DIR="$XDG_" "$@"' -- vsl "$H" "$@"
}
export HOME_=$H XDG_=$XDG
as "$U" mkdir -p -m 700 "$XDG"
as "$U" mkdir -p "$B"
as "$U" cp -a "$ROOTFS_SRC" "$B/rootfs"

# --- the flag ------------------------------------------------------------------------------
fails_with "--rootless takes true, false or auto" "--rootless: expected true, false or auto, got maybe" \
	"$VESSEL" --root "$ROOT" --rootless maybe list
check "--rootless true is accepted" "$VESSEL" --root "$ROOT" --rootless true list

# --- spec --rootless -----------------------------------------------------------------------
check "spec --rootless as $U" as "$U" "$VESSEL" spec --rootless -b "$B"
is "container root is the user's own uid, then its subordinate uids" \
	"$(jq -c '[.linux.uidMappings[0:2][] | [.containerID, .hostID, .size]]' "$B/config.json")" \
	"[[0,$UID_,1],[1,$SUBU,$SUBN]]"
is "no network namespace, a user namespace (runc's rootless default)" \
	"$(jq -c '[.linux.namespaces[].type] | [index("network"), (index("user") != null)]' "$B/config.json")" \
	"[null,true]"
as "$U" sh -c "jq '.process.terminal = false | .root.readonly = false |
	.process.capabilities.bounding += [\"CAP_CHOWN\",\"CAP_SETUID\",\"CAP_SETGID\"] |
	.process.capabilities.effective += [\"CAP_CHOWN\",\"CAP_SETUID\",\"CAP_SETGID\"] |
	.process.capabilities.permitted += [\"CAP_CHOWN\",\"CAP_SETUID\",\"CAP_SETGID\"]' \
	$B/config.json > $B/c && mv $B/c $B/config.json"

# --- run in the foreground -----------------------------------------------------------------
as "$U" sh -c "jq '.process.args = [\"sh\", \"-c\", \"id -u; cat /proc/self/uid_map; touch /f; chown 1000:1000 /f; exit 3\"]' $B/config.json > $B/c && mv $B/c $B/config.json"
OUT=$(as "$U" "$VESSEL" run -b "$B" rl1 2>"$TMP/run.err"); RC=$?
is "run exits with the container's status" "$RC" 3
like "root inside, the user's ids outside (newuidmap wrote the map)" "$OUT" \
	"^0.*0 +$UID_ +1.*1 +$SUBU +$SUBN"
is "a file chowned to 1000 inside is subordinate uid $((SUBU + 999)) on the host" \
	"$(stat -c %u:%g "$B/rootfs/f")" "$((SUBU + 999)):$((SUBU + 999))"
like "one line says the container has no cgroup of its own (cgroup v1 host)" \
	"$(cat "$TMP/run.err")" "^vessel: warning: rootless: container rl1 has no cgroup of its own \(no delegated cgroup v2 subtree"
is "the state lives under XDG_RUNTIME_DIR/vessel, empty again" "$(ls -A "$XDG/vessel")" ""

# --- detached: state, exec, kill, delete -------------------------------------------------
as "$U" sh -c "jq '.process.args = [\"sleep\", \"1000\"]' $B/config.json > $B/c && mv $B/c $B/config.json"
check "run -d as $U" as "$U" "$VESSEL" run -d -b "$B" rl2
is "it is running" "$(as "$U" "$VESSEL" state rl2 | jq -r .status)" running
is "list shows it" "$(as "$U" "$VESSEL" list -q)" rl2
is "its process is the user's uid on the host" "$(stat -c %u /proc/$(as "$U" "$VESSEL" state rl2 | jq -r .pid))" "$UID_"
is "exec runs inside as root" "$(as "$U" "$VESSEL" exec rl2 id -u)" 0
is "exec -u 1000 is subordinate uid $((SUBU + 999)) outside" \
	"$(as "$U" "$VESSEL" exec -u 1000 rl2 sh -c 'sleep 100 & stat -c %u /proc/$!')" 1000
check "kill KILL" as "$U" "$VESSEL" kill rl2 KILL
for i in $(seq 50); do [ "$(as "$U" "$VESSEL" state rl2 | jq -r .status)" = stopped ] && break; sleep 0.1; done
is "it stopped" "$(as "$U" "$VESSEL" state rl2 | jq -r .status)" stopped
check "delete" as "$U" "$VESSEL" delete rl2
is "nothing of the user's runs any more" "$(live "$U")" ""
is "no state left" "$(ls -A "$XDG/vessel")" ""

# --- delete --force of a running one ------------------------------------------------------
check "run -d again" as "$U" "$VESSEL" run -d -b "$B" rl3
check "delete --force of a running container" as "$U" "$VESSEL" delete --force rl3
is "nothing left by delete --force" "$(live "$U")$(ls -A "$XDG/vessel")" ""

# --- networking through pasta --------------------------------------------------------------
[ "$tun_mode" = 600 ] && chmod 666 /dev/net/tun
as "$U" sh -c "jq '.linux.namespaces += [{\"type\": \"network\"}] |
	.annotations = {\"vessel.net.user\": \"pasta\", \"vessel.net.ports\": \"$((20000 + $$ % 20000)):8080/tcp\"} |
	.process.args = [\"sh\", \"-c\", \"echo served | nc -l -p 8080\"]' $B/config.json > $B/c && mv $B/c $B/config.json"
check "run -d with vessel.net.user pasta" as "$U" "$VESSEL" run -d -b "$B" rl4
like "pasta gave it an interface with an address" \
	"$(as "$U" "$VESSEL" exec rl4 ip -o -4 addr show)" "inet [0-9.]+/"
sleep 0.3
is "a port forwarded from the host reaches it" \
	"$(timeout 5 "$ROOTFS_SRC/bin/busybox" nc 127.0.0.1 $((20000 + $$ % 20000)) </dev/null 2>&1)" served
check "delete --force stops pasta too" as "$U" "$VESSEL" delete --force rl4
for i in $(seq 20); do [ -z "$(live "$U")" ] && break; sleep 0.1; done
is "no pasta nor container process left" "$(live "$U")" ""
[ -n "$tun_mode" ] && chmod "$tun_mode" /dev/net/tun
fails_with "a bad vessel.net.user is one line" 'annotation vessel.net.user: expected pasta or none, got "slirp"' \
	as "$U" sh -c "jq '.annotations[\"vessel.net.user\"] = \"slirp\"' $B/config.json > $B/c && mv $B/c $B/config.json && exec $VESSEL run -b $B rl5"
is "nothing left by the refused run" "$(live "$U")$(ls -A "$XDG/vessel")" ""
as "$U" sh -c "jq 'del(.annotations) | .linux.namespaces |= map(select(.type != \"network\")) | .process.args = [\"true\"]' $B/config.json > $B/c && mv $B/c $B/config.json"

# --- rootless podman (conmon, vessel as its runtime), vfs and overlay storage ---------------
if command -v podman >/dev/null && command -v conmon >/dev/null; then
	tar -C "$ROOTFS_SRC" -cf "$TMP/bb.tar" . && chmod 644 "$TMP/bb.tar"
	as "$U" mkdir -p "$H/.config/containers"
	as "$U" sh -c "cat > $H/.config/containers/containers.conf" <<EOF
[containers]
log_driver = "k8s-file"
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime_supports_json = ["vessel"]
EOF
	for drv in vfs overlay; do
		pod() { as "$U" env XDG_CONFIG_HOME="$H/.config" podman --runtime "$VESSEL" \
			--storage-driver $drv --root "$H/storage-$drv" --runroot "$XDG/run-$drv" "$@"; }
		check "podman ($drv) imports the busybox rootfs as $U" pod import "$TMP/bb.tar" localhost/rlbb:latest
		is "podman ($drv) run --rm" "$(pod run --rm localhost/rlbb:latest sh -c 'id -u; echo hi' 2>/dev/null | tr '\n' ' ')" "0 hi "
		check "podman ($drv) run -d" pod run -d --name rlc localhost/rlbb:latest sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
		like "podman ($drv) exec sees the user's subordinate ids" \
			"$(pod exec rlc cat /proc/self/uid_map 2>&1 | tr -s ' \n' ' ')" " 0 $UID_ 1 1 $SUBU $SUBN"
		check "podman ($drv) stop" pod stop -t 5 rlc
		is "podman ($drv): it exited" "$(pod ps -a --format '{{.Status}}' 2>/dev/null | cut -d' ' -f1-2)" "Exited (0)"
		check "podman ($drv) rm" pod rm rlc
		pod rmi -a >/dev/null 2>&1
		is "podman ($drv): nothing in vessel's state, no process" \
			"$(ls -A "$XDG/run-$drv/vessel" 2>/dev/null)$(live "$U" | tr " " "\n" | grep -vE "^(podman|catatonit|[0-9]+)?$")" ""
		pod system migrate >/dev/null 2>&1
	done
	# podman's rootless pause process holds its user namespace for later commands
	pkill -KILL -u "$U" 2>/dev/null
	as "$U" chmod -R u+w "$H" 2>/dev/null
else
	echo "not ok - podman or conmon missing (scripts/deps.sh)"
fi

# --- bad input -----------------------------------------------------------------------------
as "$U" sh -c "jq '.linux.uidMappings += [{\"containerID\": 70000, \"hostID\": 5000, \"size\": 10}]' $B/config.json > $B/c2 && mv $B/config.json $B/good.json && mv $B/c2 $B/config.json"
fails_with "host ids that are not the user's: one line naming the mapping" \
	"linux.uidMappings\[[0-9]+\]: host ids 5000-5009 are not $U's in /etc/subuid" \
	as "$U" "$VESSEL" run -b "$B" rl6
is "nothing left by it" "$(live "$U")$(ls -A "$XDG/vessel")" ""
as "$U" mv "$B/good.json" "$B/config.json"
mkdir -p -m 700 "$TMP/nrun" && chown "$N" "$TMP/nrun"
fails_with "a user without subordinate ids: one line naming /etc/subuid" \
	"linux.uidMappings: user $N has no subordinate ids in /etc/subuid" \
	su "$N" -s /bin/sh -c "XDG_RUNTIME_DIR=$TMP/nrun exec $VESSEL run -b $B rl7"
is "nothing left by it" "$(live "$N")$(ls -A "$TMP/nrun/vessel" 2>/dev/null)" ""
mkdir -p "$TMP/n" && chown "$N" "$TMP/n"
check "that user's spec --rootless maps its own ids alone (runc's)" \
	su "$N" -s /bin/sh -c "exec $VESSEL spec --rootless -b $TMP/n"
is "one uid mapping, its own" "$(jq -c '.linux.uidMappings' "$TMP/n/config.json")" \
	"[{\"containerID\":0,\"hostID\":$(id -u "$N"),\"size\":1}]"
fails_with "no XDG_RUNTIME_DIR: one line" "rootless: no state directory: set XDG_RUNTIME_DIR or pass --root DIR" \
	su "$U" -s /bin/sh -c "unset XDG_RUNTIME_DIR; exec $VESSEL list"

rl_cleanup
is "the test users and their subordinate ids are gone" \
	"$(grep -cE "^($U|$N):" /etc/passwd /etc/subuid /etc/subgid | awk -F: '{ n += $2 } END { print n }')" 0
done_testing
