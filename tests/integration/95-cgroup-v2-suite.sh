#!/usr/bin/env bash
# The cgroup suites again on a cgroup v2 host: this machine has v1, so they run inside the
# test VM (tests/vm: Debian's kernel with cgroup v1 off, every controller enabled). Each of
# the guest's results becomes one of this file's, prefixed "v2:".
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SUITES=${CHECK_V2_TESTS:-50-cgroup test_cgroup 12-security}
_n=0 _failed=0
if [ "${VESSEL_VM:-}" = 1 ]; then
	echo "ok 1 - # SKIP already inside the test VM: no nested VM"
	echo "1..1"
	exit 0
fi
cd "$TOP" || exit 1
tmp=$(mktemp -d /tmp/vsltest-v2.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086
tests/vm/run.sh tests/run $SUITES >"$tmp/out" 2>"$tmp/err"
rc=$?
summary=""
while IFS= read -r line; do
	case "$line" in
	"not ok "*) _n=$((_n + 1)); _failed=$((_failed + 1))
		echo "not ok $_n - v2: $(sed -E 's/^not ok [0-9]* ?-? ?//' <<<"$line")" ;;
	"ok "*"# SKIP"*) _n=$((_n + 1)); echo "ok $_n - # SKIP v2: ${line#*# SKIP }" ;;
	"ok "*) _n=$((_n + 1)); echo "ok $_n - v2: $(sed -E 's/^ok [0-9]* ?-? ?//' <<<"$line")" ;;
	*" passed, "*" failed"*) summary=$line ;;
	"#"*) echo "$line" ;;
	esac
done <"$tmp/out"
_n=$((_n + 1))
if [ "$rc" = 0 ] && [[ $summary == *" 0 failed"* ]] && [ "$_n" -gt 10 ]; then
	echo "ok $_n - v2: the cgroup suites ran to the end in the VM ($summary)"
else
	_failed=$((_failed + 1))
	echo "not ok $_n - v2: the cgroup suites in the VM: exit $rc, summary '${summary:-none}'"
	tail -20 "$tmp/err" | sed 's/^/#   /'
fi
echo "1..$_n"
[ "$_failed" -eq 0 ]
