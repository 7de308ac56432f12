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
_n=0 _failed=0
if [ "${VESSEL_VM:-}" = 1 ]; then
	echo "ok 1 - # SKIP already inside the test VM: no nested VM"
	echo "1..1"
	exit 0
fi
cd "$TOP" || exit 1
tmp=$(mktemp -d /tmp/vsltest-storevm.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086
tests/vm/run.sh tests/run $SUITES >"$tmp/out" 2>"$tmp/err"
rc=$?
summary="" quota=0
while IFS= read -r line; do
	case "$line" in
	"not ok "*) _n=$((_n + 1)); _failed=$((_failed + 1))
		echo "not ok $_n - vm: $(sed -E 's/^not ok [0-9]* ?-? ?//' <<<"$line")" ;;
	"ok "*"# SKIP"*) _n=$((_n + 1)); echo "ok $_n - # SKIP vm: ${line#*# SKIP }" ;;
	"ok "*) _n=$((_n + 1)); echo "ok $_n - vm: $(sed -E 's/^ok [0-9]* ?-? ?//' <<<"$line")" ;;
	*" passed, "*" failed"*) summary=$line ;;
	"#"*) echo "$line" ;;
	esac
	[[ $line == *"disk limits here: quota"* ]] && quota=1
done <"$tmp/out"
_n=$((_n + 1))
if [ "$rc" = 0 ] && [[ $summary == *" 0 failed"* ]] && [ "$quota" = 1 ]; then
	echo "ok $_n - vm: the store suites ran to the end on project quotas ($summary)"
else
	_failed=$((_failed + 1))
	echo "not ok $_n - vm: the store suites in the VM: exit $rc, quota $quota, summary '${summary:-none}'"
	tail -20 "$tmp/err" | sed 's/^/#   /'
fi
echo "1..$_n"
[ "$_failed" -eq 0 ]
