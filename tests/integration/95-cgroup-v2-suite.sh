#!/usr/bin/env bash
# The cgroup suites again on a cgroup v2 host: this machine has v1, so they run inside the
# test VM (tests/vm: Debian's kernel with cgroup v1 off, every controller enabled). Each of
# the guest's results becomes one of this file's, prefixed "v2:".
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SUITES=${CHECK_V2_TESTS:-50-cgroup test_cgroup 12-security}
cd "$TOP" || exit 1
. tests/lib-vm.sh
# shellcheck disable=SC2086
vm_suites v2 "cgroup suites" 10 "" $SUITES
