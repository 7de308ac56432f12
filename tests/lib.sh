# Shared helpers of the integration tests (bash). Each test file sources this, runs real
# containers with a private --root, speaks TAP, and must leave nothing behind.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VESSEL=${VESSEL:-$TOP/vessel}
ROOTFS_SRC=${ROOTFS_SRC:-$TOP/build/busybox-rootfs}
# The OCI schemas of config.json and state come from Debian's
# golang-github-opencontainers-specs-dev (scripts/deps.sh; runtime-spec 1.0.2), the features
# schema and the config fixtures are the project's own (tests/fixtures/README.md).
OCI_SCHEMA=${VSL_OCI_SCHEMA:-/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema}
FIXTURES=$TOP/tests/fixtures
TMP=$(mktemp -d /tmp/vsltest.XXXXXX)
ROOT=$TMP/root
STORE=$TMP/store
export VESSEL_STORE=$STORE
_n=0
_failed=0

vsl() { "$VESSEL" --root "$ROOT" "$@"; }

ok() { _n=$((_n + 1)); echo "ok $_n - $*"; }
not_ok() { _n=$((_n + 1)); _failed=$((_failed + 1)); echo "not ok $_n - $*"; }
skip() { _n=$((_n + 1)); echo "ok $_n - # SKIP $*"; }
diag() { printf '#   %s\n' "$@"; }

# check NAME CMD...: pass when CMD succeeds; its output is shown on failure. Output goes
# through a file, not a pipe: a created container holds its stdio open until it exits.
check() {
	local name=$1; shift
	if "$@" >"$TMP/check.out" 2>&1; then ok "$name"; else not_ok "$name"; diag "$(cat "$TMP/check.out")"; fi
}
# is NAME GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "got:  $2" "want: $3"; fi
}
# like NAME GOT REGEX
like() {
	if [[ $2 =~ $3 ]]; then ok "$1"; else not_ok "$1"; diag "got:  $2" "want: /$3/"; fi
}
# fails_with NAME REGEX CMD...: CMD must fail and print one line matching REGEX on stderr.
fails_with() {
	local name=$1 re=$2 out rc; shift 2
	"$@" >/dev/null 2>"$TMP/fails.err"; rc=$?
	out=$(cat "$TMP/fails.err")
	if [ $rc -ne 0 ] && [[ $out =~ $re ]] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]; then
		ok "$name"
	else
		not_ok "$name"; diag "exit $rc, stderr: $out" "want: one line /$re/, non-zero exit"
	fi
}

# schema_report SCHEMA FILE...: one line per FILE, "NAME: ok" when it is valid against the
# JSON schema SCHEMA (its $refs resolve beside it), else "NAME: " and the first error.
# One python for all the files: importing jsonschema takes about a second.
schema_report() {
	python3 -W ignore - "$@" <<'PY'
import json, os, sys, jsonschema
schema_path = sys.argv[1]
schema = json.load(open(schema_path))
base = "file://" + os.path.dirname(os.path.abspath(schema_path)) + "/"
for path in sys.argv[2:]:
    try:
        jsonschema.validate(json.load(open(path)), schema,
                            resolver=jsonschema.RefResolver(base, schema))
        msg = "ok"
    except (OSError, ValueError, jsonschema.ValidationError) as e:
        msg = (getattr(e, "message", None) or str(e)).splitlines()[0]
    print("%s: %s" % (os.path.basename(path), msg))
PY
}

# schema_check SCHEMA FILE: FILE is valid against SCHEMA; else one line naming FILE and
# the first error, and a non-zero status.
schema_check() {
	local out; out=$(schema_report "$1" "$2") || return 1
	[ "$out" = "$(basename "$2"): ok" ] && return 0
	printf '%s\n' "$out" >&2
	return 1
}

# The config every test starts from: runc spec's defaults, no terminal.
base_config() {
	cat <<'JSON'
{
  "ociVersion": "1.2.0",
  "process": {
    "terminal": false,
    "user": { "uid": 0, "gid": 0 },
    "args": [ "sh" ],
    "env": [ "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm" ],
    "cwd": "/",
    "capabilities": {
      "bounding": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
      "effective": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
      "permitted": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ]
    },
    "rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 } ],
    "noNewPrivileges": true
  },
  "root": { "path": "rootfs", "readonly": false },
  "hostname": "vessel",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
      "options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ] },
    { "destination": "/dev/pts", "type": "devpts", "source": "devpts",
      "options": [ "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" ] },
    { "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
      "options": [ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" ] },
    { "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
      "options": [ "nosuid", "noexec", "nodev" ] },
    { "destination": "/sys", "type": "sysfs", "source": "sysfs",
      "options": [ "nosuid", "noexec", "nodev", "ro" ] }
  ],
  "linux": {
    "namespaces": [ { "type": "pid" }, { "type": "network" }, { "type": "ipc" },
                    { "type": "uts" }, { "type": "mount" } ],
    "maskedPaths": [ "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
      "/sys/firmware", "/proc/scsi" ],
    "readonlyPaths": [ "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
      "/proc/sysrq-trigger" ]
  }
}
JSON
}

# make_bundle DIR [ARGS...]: DIR/rootfs (a copy of the busybox rootfs) and DIR/config.json
# running ARGS (default: sh).
make_bundle() {
	local dir=$1; shift
	mkdir -p "$dir"
	[ -d "$dir/rootfs" ] || cp -a "$ROOTFS_SRC" "$dir/rootfs"
	if [ $# -gt 0 ]; then
		# jq 1.6 would take an argument like -c for its own option: encode with python.
		base_config | jq --argjson a "$(python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@")" \
			'.process.args = $a' >"$dir/config.json"
	else
		base_config >"$dir/config.json"
	fi
}

# edit_config DIR JQ-FILTER [jq args...]
edit_config() {
	local dir=$1 filter=$2; shift 2
	jq "$@" "$filter" "$dir/config.json" >"$dir/config.json.new" && mv "$dir/config.json.new" "$dir/config.json"
}

# state_field ID FIELD
state_field() { vsl state "$1" 2>/dev/null | jq -r ".$2"; }

# wait_status ID STATUS [tries]: poll until the container reaches STATUS.
wait_status() {
	local i
	for i in $(seq "${3:-50}"); do
		[ "$(state_field "$1" status)" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# leftovers ID: print whatever a container left on this host (empty = clean).
leftovers() {
	local id=$1
	[ -e "$ROOT/$id" ] && echo "state dir $ROOT/$id"
	grep -F "$TMP" /proc/self/mountinfo | awk '{print "mount " $5}'
	local pids
	pids=$(pgrep -f "vsltest-marker-$id" 2>/dev/null | tr '\n' ' ')
	[ -n "$pids" ] && echo "processes $pids"
	find /sys/fs/cgroup -maxdepth 3 -type d -name "$id" 2>/dev/null | sed 's/^/cgroup /'
	return 0
}

assert_no_leftovers() {
	local out; out=$(leftovers "$1")
	if [ -z "$out" ]; then ok "nothing left behind by $1"; else not_ok "nothing left behind by $1"; diag "$out"; fi
}

_cleanup() {
	local id
	for id in $(ls "$ROOT" 2>/dev/null); do vsl delete --force "$id" >/dev/null 2>&1; done
	grep -F "$TMP" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do umount -l "$m"; done
	rm -rf "$TMP"
}

# done_testing: plan line and exit status.
done_testing() {
	_cleanup
	trap - EXIT
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
}
trap _cleanup EXIT

[ -x "$VESSEL" ] || { echo "not ok 1 - $VESSEL not built"; exit 1; }
[ -x "$ROOTFS_SRC/bin/busybox" ] || { echo "not ok 1 - $ROOTFS_SRC missing (make rootfs)"; exit 1; }
