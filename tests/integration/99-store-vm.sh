#!/usr/bin/env bash
# The store suites again where the kernel has project quotas: this host's XFS is built
# without them (CONFIG_XFS_QUOTA off, and ext4 without CONFIG_QFMT_V2), so here disk limits
# fall back to an image per container. Debian's kernel in the test VM (tests/vm) has them:
# there the same suites run the project quota path for real (store init, a project per
# layer, live resize, killed creates, lost state). Each guest result becomes one of this
# file's, prefixed "vm:".
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SUITES=${STORE_VM_TESTS:-test_overlay_disk 61-store 14-security-store}
cd "$TOP" || exit 1
. tests/lib-vm.sh
# shellcheck disable=SC2086
vm_suites vm "store suites (on project quotas)" 0 "disk limits here: quota" $SUITES
