#!/usr/bin/env bash
# Benchmark, not a test: run /bin/true in a fresh container N times (default 100) with
# vessel, Debian's crun and Debian's runc on the same bundle, interleaved, and print each
# one's median ms per container and the ratios. usage: tests/bench/bench.sh [N]
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:-100}
VESSEL=$TOP/vessel
TMP=$(mktemp -d /tmp/vslbench.XXXXXX)
moved_hugetlb=""

bin() { [ "$1" = vessel ] && echo "$VESSEL" || echo "$1"; }

# The kernel releases an unmounted v1 hierarchy only once its dying child cgroups are
# gone, asynchronously: wait, and if it lingers, mount and unmount it again (which lets
# it go once they are), until hugetlb is back in the v2 tree.
restore_hugetlb() {
	local try
	umount /sys/fs/cgroup/hugetlb 2>/dev/null
	for try in 1 2 3 4 5 6; do
		for _ in $(seq 50); do
			grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers && break 2
			sleep 0.1
		done
		mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb 2>/dev/null &&
			umount /sys/fs/cgroup/hugetlb
	done
	rmdir /sys/fs/cgroup/hugetlb 2>/dev/null
	echo +hugetlb >/sys/fs/cgroup/unified/cgroup.subtree_control 2>/dev/null
	if grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.subtree_control; then
		echo "bench: hugetlb moved back to the cgroup v2 tree"
	else
		echo "bench: WARNING: hugetlb is not back in the cgroup v2 tree; remount it by hand" >&2
	fi
}

cleanup() {
	for rt in vessel crun runc; do
		for id in $("$(bin $rt)" --root "$TMP/root-$rt" list -q 2>/dev/null); do
			"$(bin $rt)" --root "$TMP/root-$rt" delete --force "$id" >/dev/null 2>&1 || true
		done
	done
	if [ -n "$moved_hugetlb" ]; then
		restore_hugetlb
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

mkdir -p "$TMP/bundle"
cp -a "$TOP/build/busybox-rootfs" "$TMP/bundle/rootfs"
"$VESSEL" spec -b "$TMP/bundle"
# 1.0.2: Debian's crun 1.8.1 refuses an ociVersion newer than it knows.
jq '.ociVersion = "1.0.2" | .process.terminal = false | .process.args = ["/bin/true"]' "$TMP/bundle/config.json" \
	>"$TMP/c" && mv "$TMP/c" "$TMP/bundle/config.json"

runtimes="vessel"
command -v runc >/dev/null && runtimes="$runtimes runc"
if command -v crun >/dev/null; then
	if crun --root "$TMP/root-crun" run -b "$TMP/bundle" probe >/dev/null 2>"$TMP/crun.err"; then
		runtimes="$runtimes crun"
	elif grep -q "hybrid mode not supported" "$TMP/crun.err"; then
		# Debian's crun 1.8.1 refuses a hybrid host whose v2 tree holds a controller.
		echo "bench: NOTICE: crun refuses this host: its cgroup v2 tree holds hugetlb next to v1"
		echo "bench: NOTICE: moving hugetlb to a v1 mount for the benchmark (restored at exit)"
		if echo -hugetlb >/sys/fs/cgroup/unified/cgroup.subtree_control 2>/dev/null || true &&
			mkdir -p /sys/fs/cgroup/hugetlb &&
			mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb 2>"$TMP/mnt.err"; then
			moved_hugetlb=1
			crun --root "$TMP/root-crun" delete --force probe >/dev/null 2>&1 || true
			if crun --root "$TMP/root-crun" run -b "$TMP/bundle" probe >/dev/null 2>&1; then
				runtimes="$runtimes crun"
			else
				echo "bench: crun still fails; comparing with runc alone"
			fi
		else
			echo "bench: could not move hugetlb ($(cat "$TMP/mnt.err")); comparing with runc alone"
		fi
	else
		echo "bench: crun fails here ($(head -1 "$TMP/crun.err")); comparing with runc alone"
	fi
fi
# Warm up each once (page cache, binaries), then interleave.
for rt in $runtimes; do "$(bin $rt)" --root "$TMP/root-$rt" run -b "$TMP/bundle" warm >/dev/null 2>&1 || true; done

# median FILE [DIV]: the median of the numbers in FILE, divided by DIV (default 1000: us -> ms).
median() { sort -n "$1" | awk -v d="${2:-1000}" '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.2f", m / d}'; }

# rounds NAME PAUSE: N rounds, each runtime once per round, PAUSE seconds (untimed) before
# each container. The order rotates every round, so that each runtime follows each other
# one equally often: what one leaves behind in the kernel (cgroups being released, the
# state of the cgroup attach lock) changes the time of the next, and a fixed order
# favours some. Then the medians and the ratios.
rounds() {
	local name=$1 pause=$2 i k rt s e
	local -A med
	read -ra rts <<<"$runtimes"
	for i in $(seq "$N"); do
		for k in "${!rts[@]}"; do
			rt=${rts[$(( (i + k) % ${#rts[@]} ))]}
			[ "$pause" = 0 ] || sleep "$pause"
			s=$EPOCHREALTIME
			"$(bin $rt)" --root "$TMP/root-$rt" run -b "$TMP/bundle" "$name$i" >/dev/null
			e=$EPOCHREALTIME
			echo "$(( (${e/./} - ${s/./}) ))" >>"$TMP/$name-$rt.us"
		done
	done
	for rt in $runtimes; do
		med[$rt]=$(median "$TMP/$name-$rt.us")
		printf '  %-7s %8s ms\n' "$rt" "${med[$rt]}"
	done
	for rt in $runtimes; do
		[ "$rt" = vessel ] && continue
		printf '  vessel/%-5s %6.2f\n' "$rt" "$(echo "${med[vessel]} ${med[$rt]}" | awk '{print $1 / $2}')"
	done
}

echo "bench: $N containers each, /bin/true, interleaved; median ms per container (create+start+wait+delete)"
echo "back to back:"
rounds b 0
# Containers an orchestrator starts are rarely back to back. After a quiet moment the kernel's
# cgroup attach lock costs its first user an RCU grace period (cgroup/fork.c): runc and crun
# pay it, vessel does not take that lock.
echo "each after a 50 ms pause (a quiet host, as most starts are):"
rounds q 0.05

# Memory: GNU time's %M is the largest resident set of the runtime's process and of the
# processes it waited for (wait4), in KiB; the median of 20 runs each.
echo "peak memory of one run (max RSS, KiB, median of 20):"
declare -A rss
for rt in $runtimes; do
	for i in $(seq 20); do
		/usr/bin/time -f %M -o "$TMP/rss" "$(bin $rt)" --root "$TMP/root-$rt" run -b "$TMP/bundle" "m$i" >/dev/null
		tail -1 "$TMP/rss" >>"$TMP/$rt.rss"
	done
	rss[$rt]=$(median "$TMP/$rt.rss" 1)
	printf '  %-7s %8.0f KiB\n' "$rt" "${rss[$rt]}"
done
for rt in $runtimes; do
	[ "$rt" = vessel ] && continue
	printf '  vessel/%-5s %6.2f\n' "$rt" "$(echo "${rss[vessel]} ${rss[$rt]}" | awk '{print $1 / $2}')"
done
