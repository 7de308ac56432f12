#!/usr/bin/env bash
# Run a command inside a cgroup-v2-only VM: Debian's kernel under KVM, the host's root
# filesystem shared read-only (with a tmpfs overlay), this checkout shared read-write at the
# same path. CMD runs from the repo top, its output (stdout and stderr together, through the
# serial console) is streamed to stdout, and run.sh exits with CMD's status.
# usage: tests/vm/run.sh CMD [ARG...]
# env:   VM_TIMEOUT=600 (seconds; qemu is killed then, exit 124)  VM_MEM=2G  VM_CPUS=2
#        VM_ACCEL=auto|kvm|tcg (auto: KVM when /dev/kvm can run a stock kernel, else TCG)
#        VM_DEBUG=1 (kernel messages and the guest's set -x on stderr)
#        VM_INIT=systemd (the host's systemd as PID 1, CMD as its service; tests/vm/README.md)
# exit:  CMD's status; 124 timeout; 125 the VM could not be built, booted or set up.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
timeout_s=${VM_TIMEOUT:-600}
debug=${VM_DEBUG:-0}

die() {
	echo "vm: $*" >&2
	exit 125
}

[ $# -ge 1 ] || die "usage: tests/vm/run.sh CMD [ARG...]"

# KVM when it can run Debian's kernel. /dev/kvm backed by kvm_pvm (a pagetable-based,
# VMX-less hypervisor for nested clouds) only runs PVM-enabled guest kernels: a stock kernel
# crawls through instruction emulation and then dies on an instruction it cannot emulate. There,
# and without /dev/kvm, qemu's TCG emulator runs the VM instead (slower, same kernel).
accel=${VM_ACCEL:-auto}
if [ "$accel" = auto ]; then
	accel=tcg
	[ -c /dev/kvm ] && [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ] && accel=kvm
fi
case "$accel" in
kvm) accel_args=(-enable-kvm -cpu host) ;;
tcg) accel_args=(-accel "tcg,thread=multi" -cpu max) ;;
*) die "VM_ACCEL must be auto, kvm or tcg, not $accel" ;;
esac
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (scripts/deps.sh)"
case "$top" in
*[[:space:],]*) die "the repo path must not contain spaces or commas: $top" ;;
esac

mapfile -t built < <("$top/tests/vm/build.sh") || die "build failed"
[ ${#built[@]} = 2 ] || die "build failed"
kernel=${built[0]} initrd=${built[1]}

run=$(mktemp -d "$top/build/vm/run.XXXXXX") || die "mktemp"
trap 'rm -rf "$run"' EXIT
{
	printf 'cd %q || exit 125\n' "$top"
	printf '%q ' "$@"
	printf '\n'
} >"$run/cmd"

append="console=ttyS0 panic=-1 cgroup_no_v1=all mitigations=off vm.repo=$top vm.run=$run"
case "${VM_INIT:-}" in
"") ;;
systemd) append="$append vm.init=systemd" ;;
*) die "VM_INIT must be empty or systemd, not $VM_INIT" ;;
esac
if [ "$debug" = 1 ]; then
	append="$append vm.debug=1 loglevel=7"
else
	append="$append quiet loglevel=1"
fi

start=$(date +%s.%N)
ready="" failed="" qrc="" exited=0
boot=$(mktemp) || die "mktemp"
trap 'rm -rf "$run" "$boot"' EXIT
# The console turns \n into \r\n. Until the guest says it is ready, the console holds the
# firmware's and the kernel's messages: kept aside, and shown only if the VM fails (or with
# VM_DEBUG=1). After the exit marker come only the kernel's last words.
while IFS= read -r line; do
	line=${line%$'\r'}
	case "$line" in
	*"@@vessel-vm-ready "*)
		ready=${line##*@@vessel-vm-ready }
		continue
		;;
	*"@@vessel-vm-exit "*)
		# CMD's last line may lack its newline: the marker then ends that line.
		[ "$exited" = 0 ] && printf '%s' "${line%%@@vessel-vm-exit *}"
		exited=1
		continue
		;;
	*"@@vessel-vm-failed "*)
		failed=${line##*@@vessel-vm-failed }
		continue
		;;
	*"@@vessel-vm-qemu "*) # added after qemu ended, maybe to a line cut short
		qrc=${line##*@@vessel-vm-qemu }
		line=${line%%@@vessel-vm-qemu *}
		[ -z "$line" ] && continue
		;;
	esac
	if [ "$debug" = 1 ] && { [ -z "$ready" ] || [ "$exited" = 1 ]; }; then
		printf '%s\n' "$line" >&2
	elif [ -z "$ready" ]; then
		printf '%s\n' "$line" >>"$boot"
	elif [ "$exited" = 0 ]; then
		printf '%s\n' "$line"
	fi
done < <(timeout -k 5 "$timeout_s" qemu-system-x86_64 "${accel_args[@]}" \
	-m "${VM_MEM:-2G}" -smp "${VM_CPUS:-2}" -nographic -nodefaults -no-reboot \
	-serial stdio -net none \
	-kernel "$kernel" -initrd "$initrd" -append "$append" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$top,mount_tag=repo,security_model=none,multidevs=remap" \
	</dev/null; echo "@@vessel-vm-qemu $?")
end=$(date +%s.%N)

# Timing to stderr, so CMD's stdout stays CMD's: ready = kernel + init + guest setup.
printf 'vm: %s: %.1fs in the VM (guest ready after %ss of uptime)\n' "$accel" \
	"$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "${ready:-?}" >&2

if [ -f "$run/rc" ]; then
	exit "$(cat "$run/rc")"
fi
if [ -z "$ready" ] && [ "$debug" != 1 ]; then
	echo "vm: the console before the failure:" >&2
	tail -n 40 "$boot" >&2
fi
[ -n "$failed" ] && die "guest setup failed: $failed"
[ "$qrc" = 124 ] && { echo "vm: timed out after ${timeout_s}s, qemu killed" >&2; exit 124; }
die "the VM stopped without reporting CMD's status (qemu exit $qrc)"
