#!/usr/bin/env bash
# Docker Engine (Debian's docker.io) with vessel as its default runtime, then a Docker Swarm
# on that engine. The test starts its own dockerd: data, exec root, pid file and API socket
# under its temp dir, a bridge and subnet of its own, the image imported from the busybox
# rootfs (nothing is pulled). At the end dockerd is stopped and everything it made on the
# host (state, mounts, bridges, iptables chains, network namespaces) is gone.
. "$(dirname "$0")/../lib.sh"

for c in dockerd containerd containerd-shim-runc-v2 docker-proxy script iptables nft; do
	command -v $c >/dev/null || { echo "not ok 1 - $c not installed (scripts/deps.sh)"; exit 1; }
done
[ -x /usr/bin/docker ] || { echo "not ok 1 - /usr/bin/docker (docker.io) missing"; exit 1; }

D=$TMP/docker
BR=vsltest-dk0			# the engine's bridge: 10.213.7.0/24, nothing on this host routes there
POOL=10.214.0.0/16		# the networks dockerd makes (docker_gwbridge, overlays)
IMG=localhost/vsltest-dk-bb:latest
RT=$D/exec/runtime-runc/moby	# the shim's --root (dockerd names it so for every runtime)
mkdir -p "$D"
T=$SECONDS
section() { diag "$1: $((SECONDS - T)) s"; T=$SECONDS; }
dk() { /usr/bin/docker -H "unix://$D/docker.sock" "$@"; }
out() { OUT=$("$@" 2>&1); RC=$?; }

# What dockerd changes outside its directories, to put back: the ip tables of iptables-nft
# (made by dockerd when absent here), IP forwarding, and the netns mounts of swarm networks.
had_tables=$(nft list tables 2>/dev/null | awk '$2 == "ip" {print $3}' | sort | tr '\n' ' ')
forward=$(cat /proc/sys/net/ipv4/ip_forward)
links() { ip -o link show | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | sort; }
links >"$TMP/links.before"
# dockerd and containerd also keep a few things at fixed places whatever their roots (the
# trust key, the plugin and shim socket dirs, libnetwork's store), and dockerd's containers
# share the cgroup parent /docker: removed afterwards if this test made them.
host_dirs=(/etc/docker /run/docker /var/lib/docker /run/containerd
	$(ls -d /sys/fs/cgroup/*/ | sed 's|$|docker|'))
made_dirs=()
for d in "${host_dirs[@]}"; do [ -e "$d" ] || made_dirs+=("$d"); done

dk_cleanup() {
	local t
	if [ -n "${DK_PID:-}" ]; then
		dk swarm leave --force >/dev/null 2>&1
		for t in $(dk ps -aq 2>/dev/null); do dk rm -f "$t" >/dev/null 2>&1; done
		kill "$DK_PID" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$DK_PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$DK_PID" 2>/dev/null
		DK_PID=
	fi
	pkill -9 -f "containerd --config $D/exec/containerd" 2>/dev/null
	pkill -9 -f "containerd-shim-runc-v2 -namespace moby .*-address $D/" 2>/dev/null
	for t in $(ls "$RT" 2>/dev/null); do "$VESSEL" --root "$RT" delete --force "$t" >/dev/null 2>&1; done
	grep -F "$D" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	for t in $BR docker_gwbridge $(ip -o link show type bridge | awk -F': ' '$2 ~ /^br-/ {print $2}') \
		$(ip -o link show type vxlan | awk -F': ' '{print $2}' | sed 's/@.*//'); do
		ip link del "$t" 2>/dev/null
	done
	for t in filter nat; do
		[[ " $had_tables " == *" $t "* ]] || nft delete table ip $t 2>/dev/null
	done
	echo "$forward" >/proc/sys/net/ipv4/ip_forward
	for t in "${made_dirs[@]}"; do
		case "$t" in
		/sys/fs/cgroup/*) rmdir "$t" 2>/dev/null ;;
		*) rm -rf "$t" ;;
		esac
	done
	rm -rf "$D"
}
trap 'dk_cleanup; _cleanup' EXIT

ip link add $BR type bridge && ip addr add 10.213.7.1/24 dev $BR && ip link set $BR up
echo '{}' >"$D/daemon.json"
dockerd --config-file "$D/daemon.json" --data-root "$D/data" --exec-root "$D/exec" \
	--pidfile "$D/docker.pid" -H "unix://$D/docker.sock" --bridge $BR \
	--default-address-pool "base=$POOL,size=24" \
	--add-runtime "vessel=$VESSEL" --default-runtime vessel >"$D/dockerd.log" 2>&1 &
DK_PID=$!
for _ in $(seq 150); do dk version >/dev/null 2>&1 && break; sleep 0.2; done
is "dockerd runs on its own socket, vessel its default runtime" \
	"$(dk info --format '{{.DefaultRuntime}} {{.CgroupDriver}}' 2>&1)" "vessel cgroupfs"

tar -C "$ROOTFS_SRC" -cf "$TMP/bb.tar" .
out dk import "$TMP/bb.tar" "$IMG"
is "docker import of the busybox rootfs (nothing pulled)" "$RC" 0
section "dockerd up"

# --- run: foreground, exit codes, errors, a terminal -----------------------------------
out dk run --rm "$IMG" echo hi
is "docker run --rm echo hi" "$RC $OUT" "0 hi"
out dk run --rm "$IMG" sh -c 'exit 3'
is "exit code 3 is propagated" "$RC" 3
out dk run --rm "$IMG" /no/such/program
like "a missing program: docker shows vessel's one line" "$RC $OUT" \
	"^12[57] .*OCI runtime create failed: process.args\[0\] /no/such/program: No such file or directory"
OUT=$(sleep 3 | script -qec "/usr/bin/docker -H unix://$D/docker.sock run --rm -it $IMG \
	sh -c 'tty; [ -t 0 ] && echo stdin-is-a-tty'" /dev/null | tr -d '\r')
like "run -it: a pty, stdin the terminal" "$OUT" "/dev/pts/[0-9]+"$'\n'"stdin-is-a-tty"
is "nothing left after run --rm" "$(dk ps -aq) $(ls "$RT" 2>/dev/null)" " "
section "run"

# --- a detached container: it is vessel's; exec, logs, top, stats, pause, stop, kill ----
C=vsltest-dk-c1
id=$(dk run -d --name $C "$IMG" sh -c 'echo started; exec sleep 1000')
like "run -d" "$id" "^[0-9a-f]{64}$"
is "the container is vessel's: in vessel list under the engine's runtime root" \
	"$("$VESSEL" --root "$RT" list -q)" "$id"
is "vessel's state says running, with docker's pid" \
	"$("$VESSEL" --root "$RT" state "$id" | jq -r '"\(.status) \(.pid)"')" \
	"running $(dk inspect -f '{{.State.Pid}}' $C)"
is "logs" "$(dk logs $C 2>&1)" started
out dk exec $C sh -c 'echo in-exec; exit 4'
is "exec: output and exit code" "$RC $OUT" "4 in-exec"
out dk exec --user 1000:1000 $C id -u
is "exec --user" "$OUT" 1000
like "top lists the container's processes" "$(dk top $C)" "sleep 1000"
out dk stats --no-stream --format '{{.Name}} {{.PIDs}} {{.MemUsage}}' $C
like "stats --no-stream (read from the cgroup vessel made)" "$RC $OUT" "^0 $C [1-9][0-9]* [0-9.]+[kKMG]i?B"
check "pause" dk pause $C
is "paused: docker and vessel agree" \
	"$(dk inspect -f '{{.State.Status}}' $C) $("$VESSEL" --root "$RT" state "$id" | jq -r .status)" \
	"paused paused"
check "unpause" dk unpause $C
t0=$(date +%s%N)
check "stop -t 1 (sleep ignores TERM as PID 1: KILL after 1 s)" dk stop -t 1 $C
ms=$((($(date +%s%N) - t0) / 1000000))
is "stopped by SIGKILL, after the timeout (${ms} ms)" \
	"$(dk inspect -f '{{.State.ExitCode}}' $C) $([ $ms -ge 1000 ] && echo waited)" "137 waited"
check "rm" dk rm $C
is "vessel's state is gone with it" "$(ls "$RT")" ""
dk run -d --name $C "$IMG" sh -c 'trap "echo got-term; exit 7" TERM; while :; do sleep 0.1; done' >/dev/null
sleep 0.5
check "kill -s TERM" dk kill -s TERM $C
is "the signal reached the process, its handler ran" "$(dk wait $C) $(dk logs $C 2>&1)" "7 got-term"
check "rm" dk rm $C
section "detached"

# --- resources and security options ----------------------------------------------------
out dk run --rm --memory 64m --cpus 0.5 --pids-limit 50 "$IMG" sh -c '
	cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us \
	    /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/pids/pids.max 2>/dev/null ||
	cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/pids.max'
is "--memory 64m --cpus 0.5 --pids-limit 50 seen inside" "$(echo $OUT)" "67108864 50000 100000 50"
out dk run --rm --read-only "$IMG" sh -c 'touch /x 2>&1; echo rc=$?'
like "--read-only: the root is read-only" "$(echo $OUT)" "Read-only file system rc=1"
out dk run --rm --user 1000:1000 "$IMG" id
like "--user 1000:1000" "$OUT" "^uid=1000(\(1000\))? gid=1000"
out dk run --rm --blkio-weight 300 "$IMG" true
is "a blkio weight (0 otherwise: skipped as runc does)" "$RC" 0
section "resources"

# --- -p: a request to the published port on 127.0.0.1 ----------------------------------
PORT=18473
check "run -d -p 127.0.0.1:$PORT:80 httpd" dk run -d --name vsltest-dk-web -p 127.0.0.1:$PORT:80 \
	"$IMG" sh -c 'mkdir -p /www && echo hello-from-vessel >/www/index.html && exec httpd -f -p 80 -h /www'
body=""
for _ in $(seq 30); do
	body=$(exec 3<>/dev/tcp/127.0.0.1/$PORT && printf 'GET / HTTP/1.0\r\n\r\n' >&3 &&
		timeout 5 cat <&3 | tail -1) && [ -n "$body" ] && break
	sleep 0.2
done
is "GET http://127.0.0.1:$PORT/ answers from the container" "$body" hello-from-vessel
check "rm -f" dk rm -f vsltest-dk-web
section "-p"

# --- restart policy: a killed container comes back --------------------------------------
C=vsltest-dk-r1
dk run -d --restart always --name $C "$IMG" sleep 1000 >/dev/null
pid=$(dk inspect -f '{{.State.Pid}}' $C)
kill -9 "$pid"
for _ in $(seq 100); do
	[ "$(dk inspect -f '{{.RestartCount}} {{.State.Running}}' $C)" = "1 true" ] && break
	sleep 0.1
done
is "--restart always: its process killed, docker restarts it" \
	"$(dk inspect -f '{{.RestartCount}} {{.State.Running}}' $C)" "1 true"
new=$(dk inspect -f '{{.State.Pid}}' $C)
is "a new process, vessel's again" "$([ "$new" != "$pid" ] && echo new) $("$VESSEL" --root "$RT" state \
	"$(dk inspect -f '{{.Id}}' $C)" | jq -r '"\(.status) \(.pid)"')" "new running $new"
check "rm -f" dk rm -f $C
section "restart"

# --- Docker Swarm on this engine: replicas, scaling, a rolling update, a killed task ----
S=vsltest-web
running() { # the running containers of the service, as vessel sees them
	"$VESSEL" --root "$RT" list --format json |
		jq -r --argjson ids "$(dk ps -q --no-trunc --filter "label=com.docker.swarm.service.name=$S" |
			jq -R . | jq -s .)" '.[] | select(.status == "running" and (.id | IN($ids[]))) | .id'
}
wait_replicas() { # N: until the service has N running tasks and vessel N running containers
	for _ in $(seq 150); do
		[ "$(dk service ls --filter name=$S --format '{{.Replicas}}')" = "$1/$1" ] &&
			[ "$(running | wc -l)" = "$1" ] && return 0
		sleep 0.2
	done
	return 1
}
out dk swarm init --advertise-addr 127.0.0.1 --default-addr-pool 10.216.0.0/16
is "swarm init --advertise-addr 127.0.0.1" "$RC" 0
check "an overlay network" dk network create -d overlay vsltest-ov
check "service create --replicas 3" dk service create --detach --name $S --replicas 3 \
	--network vsltest-ov "$IMG" \
	sh -c 'mkdir -p /www && hostname >/www/index.html && exec httpd -f -p 80 -h /www'
wait_replicas 3
is "3/3 tasks run, each a running vessel container" \
	"$(dk service ls --filter name=$S --format '{{.Replicas}}') $(running | wc -l)" "3/3 3"
mapfile -t cs < <(running)
cs+=("" "" "")	# so that a missing task fails the checks below instead of the script
ips=()
for c in "${cs[@]:0:3}"; do
	ips+=("$(dk inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$c" 2>&1)")
done
got="" want=""
for k in 1 2; do
	got+="$(dk exec "${cs[0]}" wget -qO- "http://${ips[$k]}/") "
	want+="$(dk inspect -f '{{.Config.Hostname}}' "${cs[$k]}") "
done
is "a task reaches the two others over the overlay (vxlan) network" "$got" "$want"
like "and finds them by name (tasks.$S, the swarm's DNS)" \
	"$(dk exec "${cs[0]}" nslookup tasks.$S 2>&1)" "${ips[1]}"
section "swarm: 3 replicas"

check "scale to 5" dk service scale --detach $S=5
wait_replicas 5
is "5 running" "$(running | wc -l)" 5
check "scale to 2" dk service scale --detach $S=2
wait_replicas 2
is "2 running, the others stopped" "$(running | wc -l)" 2
check "rolling update (--env-add, one task at a time)" dk service update --detach \
	--env-add VSL_V=2 --update-parallelism 1 --update-delay 0s $S
for _ in $(seq 150); do
	[ "$(dk service inspect -f '{{.UpdateStatus.State}}' $S)" = completed ] && break
	sleep 0.2
done
wait_replicas 2
is "the update completed" "$(dk service inspect -f '{{.UpdateStatus.State}}' $S)" completed
got=""
for c in $(running); do got+="$(dk exec "$c" sh -c 'echo $VSL_V') "; done
is "both running tasks are new ones, with the new environment" "$got" "2 2 "
victim=$(running | head -1)
kill -9 "$(dk inspect -f '{{.State.Pid}}' "$victim")"
for _ in $(seq 150); do
	[ "$(running | grep -c "$victim")" = 0 ] && [ "$(running | wc -l)" = 2 ] && break
	sleep 0.2
done
is "a task whose process was killed is replaced: 2 running again, without it" \
	"$(running | wc -l) $(running | grep -c "$victim")" "2 0"
like "swarm saw it fail" "$(dk service ps $S --format '{{.Error}}')" "exit \(137\)"
section "swarm: scale, update, restart"

check "service rm" dk service rm $S
for _ in $(seq 100); do [ -z "$(dk ps -aq --filter "label=com.docker.swarm.service.name=$S")" ] && break; sleep 0.2; done
is "its containers are gone, in vessel too" \
	"$(dk ps -aq --filter "label=com.docker.swarm.service.name=$S") $(ls "$RT")" " "
check "network rm" dk network rm vsltest-ov
check "swarm leave --force" dk swarm leave --force
section "swarm: leave"

# --- stop the engine: nothing of it is left -------------------------------------------
check "image rm" dk rmi "$IMG"
kill "$DK_PID"
for _ in $(seq 100); do kill -0 "$DK_PID" 2>/dev/null || break; sleep 0.1; done
is "dockerd stopped" "$(kill -0 "$DK_PID" 2>/dev/null && echo running)" ""
DK_PID=
is "no containerd, shim or proxy of it left" \
	"$(pgrep -f "$D" | tr '\n' ' ')$(pgrep -x docker-proxy)" ""
is "no mount under its directories (the swarm's network namespaces went with it)" \
	"$(grep -cF "$D" /proc/self/mountinfo)" 0
ip link del $BR
dk_cleanup
is "no bridge, veth or vxlan device of it left" "$(links | comm -13 "$TMP/links.before" -)" ""
is "the ip tables it made are gone, forwarding is as it was" \
	"$(nft list tables 2>/dev/null | awk '$2 == "ip" {print $3}' | sort | tr '\n' ' ') $(cat /proc/sys/net/ipv4/ip_forward)" \
	"$had_tables $forward"
left=""
for t in "${host_dirs[@]}"; do
	[[ " ${made_dirs[*]} " == *" $t "* ]] && [ -e "$t" ] && left+="$t "
done
is "none of dockerd's fixed-place directories, nor its cgroup parent" "$left" ""
trap - EXIT
done_testing
