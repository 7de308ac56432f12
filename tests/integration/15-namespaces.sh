#!/usr/bin/env bash
# Every namespace type, created new or joined by path, seen from inside the container.
. "$(dirname "$0")/../lib.sh"
S=-$$
B=$TMP/b
make_bundle "$B" sleep 300

# --- new: each namespace differs from the host's
edit_config "$B" '.linux.namespaces += [{type: "cgroup"}, {type: "time"}]'
check "run -d with pid, net, ipc, uts, mount, cgroup and time namespaces" vsl run -d -b "$B" n1$S
pid=$(state_field n1$S pid)
for ns in pid net ipc uts mnt cgroup time; do
	[ "$(readlink /proc/$pid/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] &&
		ok "new $ns namespace" || not_ok "new $ns namespace"
done
is "its cgroup namespace is rooted at its own cgroup" "$(vsl exec n1$S cat /proc/self/cgroup | grep -c ':/$')" \
	"$(grep -c . /proc/$pid/cgroup)"
is "user namespace: none asked, none made" "$(readlink /proc/$pid/ns/user)" "$(readlink /proc/self/ns/user)"

# --- joined by path: a second container shares n1's network, ipc and uts namespaces
J=$TMP/j
make_bundle "$J" sh -c 'hostname; cat /proc/self/net/dev | grep -c :'
edit_config "$J" '.hostname = null | .linux.namespaces = [{type: "pid"}, {type: "mount"},
	{type: "network", path: $net}, {type: "ipc", path: $ipc}, {type: "uts", path: $uts}]' \
	--arg net /proc/$pid/ns/net --arg ipc /proc/$pid/ns/ipc --arg uts /proc/$pid/ns/uts
out=$(vsl run -b "$J" j1$S | tr '\n' ' ')
is "joined uts (n1's hostname) and net (only lo) by path" "$out" "vessel 1 "
edit_config "$J" '.process.args = ["readlink", "/proc/self/ns/net"]'
is "the joined network namespace is n1's" "$(vsl run -b "$J" j2$S)" "$(readlink /proc/$pid/ns/net)"
edit_config "$J" '.linux.namespaces[2].path = "/proc/self/ns/nothere"'
fails_with "a namespace path that does not exist" "network namespace /proc/self/ns/nothere" vsl create -b "$J" j3$S
assert_no_leftovers j3$S
edit_config "$J" '.linux.namespaces[2].path = "/proc/self/ns/uts"'
fails_with "a path of another namespace type" "join network namespace /proc/self/ns/uts" vsl create -b "$J" j4$S
assert_no_leftovers j4$S
check "delete n1" vsl delete --force n1$S
assert_no_leftovers n1$S

# --- time namespace offsets
T=$TMP/t
make_bundle "$T" cut -d. -f1 /proc/uptime
edit_config "$T" '.linux.namespaces += [{type: "time"}] | .linux.timeOffsets = {boottime: {secs: 86400}, monotonic: {secs: 3600}}'
up=$(vsl run -b "$T" t1$S); host=$(cut -d. -f1 /proc/uptime)
[ $((up - host)) -ge 86390 ] && [ $((up - host)) -le 86410 ] && ok "boottime offset: uptime is a day ahead ($up vs $host)" ||
	not_ok "boottime offset: $up vs $host"
assert_no_leftovers t1$S

# --- user namespace with id maps
U=$TMP/u
make_bundle "$U" sh -c 'cat /proc/self/uid_map /proc/self/gid_map | tr -s " " | tr "\n" ";"; id -u'
edit_config "$U" '.linux.namespaces += [{type: "user"}] |
	.linux.uidMappings = [{containerID: 0, hostID: 200000, size: 65536}] |
	.linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}]'
chown -R 200000:200000 "$U/rootfs"
chmod 755 "$TMP" "$U"	# the container's root (host uid 200000) must reach its rootfs
out=$(vsl run -b "$U" u1$S | tr -d '\n')
is "user namespace: maps applied, root inside" "$out" " 0 200000 65536; 0 200000 65536;0"
edit_config "$U" '.process.args = ["sleep", "300"]'
check "create u2 in a user namespace" vsl create -b "$U" u2$S
upid=$(state_field u2$S pid)
is "the container's root is host uid 200000" "$(awk '/^Uid:/ {print $2}' /proc/$upid/status)" 200000
check "delete u2" vsl delete --force u2$S
assert_no_leftovers u2$S
edit_config "$U" '.linux.uidMappings = []'
fails_with "a user namespace without uid mappings" "uidMappings" vsl create -b "$U" u3$S
assert_no_leftovers u3$S
done_testing
