# Run suites of tests/run inside the test VM (tests/vm/run.sh) and relay each guest result
# as one of the calling file's, prefixed. Sourced by the 9x VM suites.
# vm_suites PREFIX WHAT MIN [MARKER] SUITES...: then one last check that the guest's run
# ended with "0 failed", gave more than MIN results and (with MARKER) printed MARKER.
vm_suites() {
	local prefix=$1 what=$2 min=$3 marker=$4 tmp rc line summary="" seen=0 n=0 failed=0
	shift 4
	if [ "${VESSEL_VM:-}" = 1 ]; then
		echo "ok 1 - # SKIP already inside the test VM: no nested VM"
		echo "1..1"
		return 0
	fi
	tmp=$(mktemp -d /tmp/vsltest-vm.XXXXXX)
	tests/vm/run.sh tests/run "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"not ok "*) n=$((n + 1)); failed=$((failed + 1))
			echo "not ok $n - $prefix: $(sed -E 's/^not ok [0-9]* ?-? ?//' <<<"$line")" ;;
		"ok "*"# SKIP"*) n=$((n + 1)); echo "ok $n - # SKIP $prefix: ${line#*# SKIP }" ;;
		"ok "*) n=$((n + 1)); echo "ok $n - $prefix: $(sed -E 's/^ok [0-9]* ?-? ?//' <<<"$line")" ;;
		*" passed, "*" failed"*) summary=$line ;;
		"#"*) echo "$line" ;;
		esac
		[ -n "$marker" ] && [[ $line == *"$marker"* ]] && seen=1
	done <"$tmp/out"
	n=$((n + 1))
	if [ "$rc" = 0 ] && [[ $summary == *" 0 failed"* ]] && [ "$n" -gt "$min" ] &&
		{ [ -z "$marker" ] || [ "$seen" = 1 ]; }; then
		echo "ok $n - $prefix: the $what ran to the end in the VM ($summary)"
	else
		failed=$((failed + 1))
		echo "not ok $n - $prefix: the $what in the VM: exit $rc, marker seen $seen," \
			"summary '${summary:-none}'"
		tail -20 "$tmp/err" | sed 's/^/#   /'
	fi
	rm -rf "$tmp"
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
