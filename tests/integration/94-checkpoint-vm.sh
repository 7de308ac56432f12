#!/usr/bin/env bash
# checkpoint/restore for real: CRIU 3.17 fails on this host's kernel (77-checkpoint.sh
# tests that failure here), so the suite runs again inside the test VM (tests/vm: Debian's
# 6.1 kernel, where `criu check` passes), and so does podman's (78-podman-checkpoint.sh).
# Each of the guest's results becomes one of this file's, prefixed "vm:".
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SUITES=${CHECKPOINT_VM_TESTS:-77-checkpoint 78-podman-checkpoint}
cd "$TOP" || exit 1
. tests/lib-vm.sh
# shellcheck disable=SC2086
vm_suites vm "checkpoint suites" 20 "" $SUITES
