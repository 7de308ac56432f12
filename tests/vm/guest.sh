#!/bin/sh
# PID 1 of the test VM once tests/vm/init has built the root and switched to it (run by the
# host's own /bin/sh over 9p), or with VM_INIT=systemd the one service systemd starts: run the
# command tests/vm/run.sh left in the run dir, write its exit status there, power off.
# Kernel command line: vm.repo=PATH vm.run=DIR (DIR/cmd is the command, DIR/rc gets the status).
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

repo="" run=""
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case "$arg" in
	vm.repo=*) repo=${arg#vm.repo=} ;;
	vm.run=*) run=${arg#vm.run=} ;;
	vm.debug=1) set -x ;;
	esac
done

halt() {
	sync
	busybox poweroff -f
	exit 1 # only if poweroff failed: PID 1 exiting panics, and panic=-1 ends qemu
}

if [ -z "$run" ] || [ ! -f "$run/cmd" ] || ! cd "$repo"; then
	echo "@@vessel-vm-failed no command file, or no repo (vm.run=$run vm.repo=$repo)"
	halt
fi
read -r uptime _ </proc/uptime
echo "@@vessel-vm-ready $uptime"
env -i PATH="$PATH" HOME=/root TERM=dumb LANG=C.UTF-8 VESSEL_VM=1 bash "$run/cmd" </dev/null
rc=$?
echo "$rc" >"$run/rc"
echo "@@vessel-vm-exit $rc"
halt
