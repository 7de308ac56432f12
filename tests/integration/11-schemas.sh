#!/usr/bin/env bash
# The project's config fixtures and vessel's own config.json against the OCI config schema
# from Debian's golang-github-opencontainers-specs-dev (runtime-spec 1.0.2): every good
# fixture that declares a 1.0 ociVersion is valid, every bad one that breaks a rule the
# schema encodes is refused, and `vessel spec` writes valid configs. No container runs.
. "$(dirname "$0")/../lib.sh"

CS=$OCI_SCHEMA/config-schema.json
[ -f "$CS" ] && ok "Debian's OCI schemas are at $OCI_SCHEMA" ||
	{ not_ok "no $CS: scripts/deps.sh installs golang-github-opencontainers-specs-dev"; done_testing; exit; }

# The checker itself can fail.
jq -n '{ociVersion: "1.0.2", root: {path: "rootfs"}, linux: {namespaces: [{type: "pid"}]}}' >"$TMP/c.json"
jq '.linux.namespaces[0].type = "pids"' "$TMP/c.json" >"$TMP/c2.json"
is "the checker passes a minimal config and refuses an unknown namespace, named" \
	"$(schema_report "$CS" "$TMP/c.json" "$TMP/c2.json" | tr '\n' ' ')" \
	"c.json: ok c2.json: 'pids' is not one of ['mount', 'pid', 'network', 'uts', 'ipc', 'user', 'cgroup'] "

# A 1.0.2 schema can judge a 1.0 config only; the 1.1/1.2 fields of the newer fixtures are
# checked one by one in tests/unit/test_spec_fields.c.
good=(); newer=""
for f in "$FIXTURES"/config/good/*.json; do
	case $(jq -r .ociVersion "$f") in 1.0.*) good+=("$f") ;; *) newer="$newer $(basename "$f")" ;; esac
done
while read -r line; do
	[[ $line == *": ok" ]] && ok "good/${line%: ok} validates" || not_ok "good/$line"
done < <(schema_report "$CS" "${good[@]}")
[ ${#good[@]} -ge 5 ] && ok "${#good[@]} good fixtures checked against the schema (beyond 1.0:$newer)" ||
	not_ok "only ${#good[@]} good fixtures declare a 1.0 ociVersion"

# Bad fixtures: each is refused by the schema too, but for the rules it does not encode.
# rdma-empty: config-linux.md says an rdma entry MUST hold hcaHandles or hcaObjects.
beyond_schema=" rdma-empty.json "
while read -r line; do
	b=${line%%: *}
	if [[ $beyond_schema == *" $b "* ]]; then
		[[ $line == *": ok" ]] && ok "bad/$b breaks a spec rule the schema leaves out" || not_ok "bad/$line"
	else
		[[ $line != *": ok" ]] && ok "bad/$b is refused by the schema too (${line#*: })" ||
			not_ok "bad/$b is valid against the schema"
	fi
done < <(schema_report "$CS" "$FIXTURES"/config/bad/*.json)

mkdir -p "$TMP/s" "$TMP/r"
check "vessel spec" vsl spec -b "$TMP/s"
check "vessel spec --rootless" vsl spec --rootless -b "$TMP/r"
is "vessel spec and spec --rootless write valid configs" \
	"$(schema_report "$CS" "$TMP/s/config.json" "$TMP/r/config.json" | tr '\n' ' ')" \
	"config.json: ok config.json: ok "

done_testing
