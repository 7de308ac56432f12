#!/usr/bin/env bash
# vessel features: valid against the OCI features schema (the project's own, written from
# the spec text: tests/fixtures/schema), what the spec requires of its values, and truthful:
# everything it lists is accepted by a real container (each mount option, all namespaces
# at once, every seccomp action, operator, architecture and supported flag, both versions).
. "$(dirname "$0")/../lib.sh"

F=$TMP/features.json
FS=$FIXTURES/schema/features-schema.json
check "features prints JSON" sh -c "'$VESSEL' features >'$F' && jq -e . '$F'"
check "features validates against the OCI features schema" schema_check "$FS" "$F"
# The schema can fail: each of these breaks one rule of features.md / features-linux.md.
edits=('del(.ociVersionMax)' '.ociVersionMin = "1.0"' '.vesselExtra = true' '.hooks += ["preStart"]'
	'.linux.namespaces += ["pids"]' '.linux.capabilities += ["SYS_ADMIN"]' '.linux.cgroup.v2 = "yes"'
	'.linux.seccomp.archs += ["SCMP_ARCH_VAX"]' '.linux.seccomp.knownFlags += ["SECCOMP_FILTER_FLAG_NONE"]'
	'.linux.apparmor.enforced = true' '.annotations.n = 1' '.mountOptions += ["ro"]')
broken=()
for i in "${!edits[@]}"; do
	jq "${edits[$i]}" "$F" >"$TMP/broken$i.json" && broken+=("$TMP/broken$i.json")
done
jq '.linux.selinux = null | .annotations = null' "$F" >"$TMP/nulls.json"
report=$(schema_report "$FS" "${broken[@]}" "$TMP/nulls.json")
is "the features schema refuses a document that breaks the spec (${#edits[@]} ways)" \
	"$(grep -c ': ok$' <<<"$report") $(wc -l <<<"$report")" "1 $((${#edits[@]} + 1))"
is "nulls are allowed where the spec allows them" "$(tail -1 <<<"$report")" "nulls.json: ok"
ver_le() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" = "$1" ]; }
ver_le "$(jq -r .ociVersionMin "$F")" "$(jq -r .ociVersionMax "$F")" &&
	ok "ociVersionMax is not less than ociVersionMin" || not_ok "ociVersionMin > ociVersionMax"
is "supportedFlags is a subset of knownFlags" \
	"$(jq -c '.linux.seccomp | .supportedFlags - .knownFlags' "$F")" "[]"
is "hooks" "$(jq -c .hooks "$F")" \
	'["prestart","createRuntime","createContainer","startContainer","poststart","poststop"]'
is "idmapped mounts are not claimed" "$(jq -c '[.mountOptions[] | select(test("idmap"))],
	.linux.mountExtensions.idmap.enabled' "$F" | tr '\n' ' ')" "[] false "
is "the systemd cgroup driver is claimed, not its user instance" \
	"$(jq -c '[.linux.cgroup.systemd, .linux.cgroup.systemdUser]' "$F")" '[true,false]'

B=$TMP/b
make_bundle "$B" true
cp "$B/config.json" "$TMP/base.json"
mkdir -p "$TMP/src"
S=$$

# Every mount option: on a bind of a host dir, or else on a fresh tmpfs.
bad=""
for o in $(jq -r '.mountOptions[]' "$F"); do
	jq --arg o "$o" --arg s "$TMP/src" '.mounts += [{destination: "/mnt", type: "bind",
		source: $s, options: ["rbind", $o]}]' "$TMP/base.json" >"$B/config.json"
	vsl run -b "$B" mo$S >/dev/null 2>&1 && continue
	jq --arg o "$o" '.mounts += [{destination: "/mnt", type: "tmpfs", source: "tmpfs",
		options: [$o]}]' "$TMP/base.json" >"$B/config.json"
	vsl run -b "$B" mo$S >/dev/null 2>"$TMP/err" || bad="$bad $o: $(cat "$TMP/err");"
done
is "every listed mount option is accepted" "$bad" ""

# ociVersionMin and ociVersionMax: the spec says the runtime MUST accept both as ociVersion.
for v in "$(jq -r .ociVersionMin "$F")" "$(jq -r .ociVersionMax "$F")"; do
	jq --arg v "$v" '.ociVersion = $v' "$TMP/base.json" >"$B/config.json"
	check "a config with ociVersion $v (from features) runs" vsl run -b "$B" ov$S
done

# All listed namespaces at once (user with a mapping).
jq --slurpfile f "$F" '.linux.namespaces = [$f[0].linux.namespaces[] | {type: .}]
	| .linux.uidMappings = [{containerID: 0, hostID: 0, size: 65536}]
	| .linux.gidMappings = [{containerID: 0, hostID: 0, size: 65536}]
	| .process.args = ["sh", "-c", "ls /proc/self/ns/time /proc/self/ns/cgroup >/dev/null && echo in"]' \
	"$TMP/base.json" >"$B/config.json"
out=$(vsl run -b "$B" ns$S 2>&1)
is "a container with every listed namespace runs ($(jq -r '.linux.namespaces | join(",")' "$F"))" \
	"$out" in

# A profile using every listed action (NOTIFY needs a listener: 30-process covers it),
# operator and supported flag.
python3 - "$F" "$TMP/base.json" >"$B/config.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["linux"]["seccomp"]
cfg = json.load(open(sys.argv[2]))
# Distinct syscalls the container never makes, one per action.
spare = ["acct", "swapon", "swapoff", "kexec_load", "init_module", "delete_module",
         "quotactl", "syslog", "vhangup", "pivot_root"]
acts = [a for a in f["actions"] if a != "SCMP_ACT_NOTIFY"]
rules = [{"names": [spare[i]], "action": a} for i, a in enumerate(acts)]
rules += [{"names": ["getpriority"], "action": "SCMP_ACT_ERRNO",
           "args": [{"index": 0, "value": 77, "valueTwo": 77, "op": op}]}
          for op in f["operators"]]
flags = [x for x in f["supportedFlags"] if x != "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]
cfg["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "flags": flags, "syscalls": rules}
cfg["process"]["args"] = ["sh", "-c", "grep -q 'Seccomp:.*2' /proc/self/status && echo filtered"]
json.dump(cfg, sys.stdout)
PY
out=$(vsl run -b "$B" sc$S 2>&1)
is "a seccomp profile with every listed action, operator and flag loads" "$out" filtered

# Each architecture (libseccomp adds the native one). It cannot put architectures of the
# other byte order (mips, ppc64, s390x...) in one filter with the native one: that is refused by
# seccomp_arch_add (EDOM), not as an unknown name.
bad=""
for a in $(jq -r '.linux.seccomp.archs[]' "$F"); do
	jq --arg a "$a" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		architectures: [$a]}' "$TMP/base.json" >"$B/config.json"
	vsl run -b "$B" ar$S >/dev/null 2>"$TMP/err" ||
		grep -q "add $a: Numerical argument out of domain" "$TMP/err" ||
		bad="$bad $a: $(cat "$TMP/err");"
done
is "every listed seccomp architecture is recognized" "$bad" ""

done_testing
