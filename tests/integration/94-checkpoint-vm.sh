#!/usr/bin/env bash
# checkpoint/restore for real: CRIU 3.17 fails on this host's kernel (77-checkpoint.sh
# tests that failure here), so the suite runs again inside the test VM (tests/vm: Debian's
# 6.1 kernel, where `criu check` passes), and so does podman's (78-podman-checkpoint.sh).
# Each of the guest's results becomes one of this file's, prefixed "vm:".
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SUITES=${CHECKPOINT_VM_TESTS:-77-checkpoint 78-podman-checkpoint}
_n=0 _failed=0
if [ "${VESSEL_VM:-}" = 1 ]; then
	echo "ok 1 - # SKIP already inside the test VM: no nested VM"
	echo "1..1"
	exit 0
fi
cd "$TOP" || exit 1
tmp=$(mktemp -d /tmp/vsltest-cr.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086
tests/vm/run.sh tests/run $SUITES >"$tmp/out" 2>"$tmp/err"
rc=$?
summary=""
while IFS= read -r line; do
	case "$line" in
	"not ok "*) _n=$((_n + 1)); _failed=$((_failed + 1))
		echo "not ok $_n - vm: $(sed -E 's/^not ok [0-9]* ?-? ?//' <<<"$line")" ;;
	"ok "*"# SKIP"*) _n=$((_n + 1)); echo "ok $_n - # SKIP vm: ${line#*# SKIP }" ;;
	"ok "*) _n=$((_n + 1)); echo "ok $_n - vm: $(sed -E 's/^ok [0-9]* ?-? ?//' <<<"$line")" ;;
	*" passed, "*" failed"*) summary=$line ;;
	"#"*) echo "$line" ;;
	esac
done <"$tmp/out"
_n=$((_n + 1))
if [ "$rc" = 0 ] && [[ $summary == *" 0 failed"* ]] && [ "$_n" -gt 20 ]; then
	echo "ok $_n - vm: the checkpoint suites ran to the end in the VM ($summary)"
else
	_failed=$((_failed + 1))
	echo "not ok $_n - vm: the checkpoint suites in the VM: exit $rc, summary '${summary:-none}'"
	tail -20 "$tmp/err" | sed 's/^/#   /'
fi
echo "1..$_n"
[ "$_failed" -eq 0 ]
