#!/usr/bin/env bash
# Benchmark, not a test: run /bin/true in a fresh container N times (default 100) with
# vessel, Debian's crun and Debian's runc on the same bundle, and the bare floor (unshare of
# the same namespaces + chroot), interleaved, and print each one's median ms per container,
# the ratios, and each one's peak memory. usage: tests/bench/bench.sh [N]
#
# Debian's crun 1.8.1 refuses a hybrid cgroup host whose v2 tree holds a controller (this
# host's holds hugetlb). So the whole benchmark runs in a private mount namespace in which
# /sys/fs/cgroup/unified is unmounted: all runtimes see the same v1-only layout there, and
# nothing on the host changes.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${VSL_BENCH_INNER:-}" != 1 ]; then
	exec env VSL_BENCH_INNER=1 unshare --mount --propagation private bash "$0" "$@"
fi
mountpoint -q /sys/fs/cgroup/unified && umount -l /sys/fs/cgroup/unified

N=${1:-100}
VESSEL=$TOP/vessel
TMP=$(mktemp -d /tmp/vslbench.XXXXXX)

bin() { [ "$1" = vessel ] && echo "$VESSEL" || echo "$1"; }

# run RT NAME: one container of RT, create + start + wait + delete.
run() {
	case $1 in
	floor) unshare --pid --net --ipc --uts --mount --fork chroot "$TMP/bundle/rootfs" /bin/true ;;
	*) "$(bin "$1")" --root "$TMP/root-$1" run -b "$TMP/bundle" "$2" >/dev/null ;;
	esac
}

cleanup() {
	for rt in vessel crun runc; do
		command -v "$(bin $rt)" >/dev/null || continue
		for id in $("$(bin $rt)" --root "$TMP/root-$rt" list -q 2>/dev/null); do
			"$(bin $rt)" --root "$TMP/root-$rt" delete --force "$id" >/dev/null 2>&1 || true
		done
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

mkdir -p "$TMP/bundle"
cp -a "$TOP/build/busybox-rootfs" "$TMP/bundle/rootfs"
"$VESSEL" spec -b "$TMP/bundle"
# 1.0.2: Debian's crun 1.8.1 refuses an ociVersion newer than it knows.
jq '.ociVersion = "1.0.2" | .process.terminal = false | .process.args = ["/bin/true"]' \
	"$TMP/bundle/config.json" >"$TMP/c" && mv "$TMP/c" "$TMP/bundle/config.json"

runtimes="vessel"
for rt in crun runc; do
	command -v $rt >/dev/null || { echo "bench: $rt is not installed"; continue; }
	if run $rt probe 2>"$TMP/$rt.err"; then runtimes="$runtimes $rt"
	else echo "bench: $rt fails here: $(head -1 "$TMP/$rt.err")"; fi
done
runtimes="$runtimes floor"
# Warm up each once (page cache, binaries), then interleave.
for rt in $runtimes; do run $rt warm >/dev/null 2>&1 || true; done

# median FILE [DIV]: the median of the numbers in FILE, divided by DIV (default 1000: us -> ms).
median() { sort -n "$1" | awk -v d="${2:-1000}" '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.2f", m / d}'; }
ratio() { echo "$1 $2" | awk '{printf "%.2f", $1 / $2}'; }

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
			run "$rt" "$name$i"
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
		printf '  vessel/%-5s %6s\n' "$rt" "$(ratio "${med[vessel]}" "${med[$rt]}")"
	done
}

echo "bench: $N containers each, /bin/true, interleaved; median ms per container"
echo "(runtimes: create+start+wait+delete; floor: unshare of the same namespaces + chroot)"
echo "back to back:"
rounds b 0
# Containers an orchestrator starts are rarely back to back. After a quiet moment the kernel's
# cgroup attach lock costs its first user an RCU grace period (cgroup/fork.c).
echo "each after a 50 ms pause (a quiet host, as most starts are):"
rounds q 0.05

# Memory: GNU time's %M is the largest resident set of the runtime's process and of the
# processes it waited for (wait4), in KiB; the median of 20 runs each.
echo "peak memory of one run (max RSS, KiB, median of 20):"
declare -A rss
for rt in $runtimes; do
	[ "$rt" = floor ] && continue
	for i in $(seq 20); do
		/usr/bin/time -f %M -o "$TMP/rss" "$(bin $rt)" --root "$TMP/root-$rt" run \
			-b "$TMP/bundle" "m$i" >/dev/null
		tail -1 "$TMP/rss" >>"$TMP/$rt.rss"
	done
	rss[$rt]=$(median "$TMP/$rt.rss" 1)
	printf '  %-7s %8.0f KiB\n' "$rt" "${rss[$rt]}"
done
for rt in $runtimes; do
	[ "$rt" = vessel ] || [ "$rt" = floor ] && continue
	printf '  vessel/%-5s %6s\n' "$rt" "$(ratio "${rss[vessel]}" "${rss[$rt]}")"
done
