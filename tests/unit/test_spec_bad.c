/* spec/config*.c: bad config.json inputs, each failing with one line (EINVAL) that names
 * the JSON path and the reason. Cases are written with ' for " to stay readable. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "spec/config.h"
#include "tests/unit/tap.h"

#define P "'process': {'cwd': '/', 'args': ['sh'], "
#define L "'linux': {"
#define R "'linux': {'resources': {"
#define S "'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', "

/* doc: a whole document if it starts with '{' or '[', else members added after ociVersion. */
static const struct {
	const char *doc, *want;
} cases[] = {
	{ "{}", "config.json: ociVersion: required" },
	{ "{'ociVersion': 1}", "config.json: ociVersion: expected string, got number" },
	{ "{'ociVersion': '1.0'}", "ociVersion: \"1.0\" is not a SemVer version" },
	{ "[]", "config.json: expected object, got array" },
	{ "{\n 'ociVersion': '1.0.0',\n 'process': }", "config.json: line 3, column 13: parse error" },
	{ "{'ociVersion': '1.0.0'", "config.json: line 1, column 23: parse error: premature EOF" },
	{ "{'ociVersion': '1.0.0'} {}", "config.json: line 1, column 25: parse error" },
	{ "'process': {'cwd': '/', 'args': 'sh'}", "process.args: expected array of strings, got string" },
	{ "'process': {'cwd': '/', 'args': ['sh', 1]}", "process.args: expected array of strings" },
	{ "'process': {'args': ['sh']}", "process.cwd: required" },
	{ "'process': {'cwd': 'tmp', 'args': ['sh']}", "process.cwd: \"tmp\" is not an absolute path" },
	{ "'process': {'cwd': '/', 'args': []}", "process.args: must hold at least one entry" },
	{ "'process': {'cwd': '/'}", "process.args: required" },
	{ "'process': {'cwd': '/', 'args': null}", "process.args: required" },
	{ "'process': 'sh'", "config.json: process: expected object, got string" },
	{ P "'terminal': 1}", "process.terminal: expected boolean, got number" },
	{ P "'user': {'uid': 1.5, 'gid': 0}}", "process.user.uid: expected integer, got 1.5" },
	{ P "'user': {'uid': 1e3, 'gid': 0}}", "process.user.uid: expected integer, got 1e3" },
	{ P "'user': {'uid': -1, 'gid': 0}}", "process.user.uid: -1 is out of range 0-2147483647" },
	{ P "'user': {'uid': 0}}", "process.user.gid: required" },
	{ P "'user': {'uid': 0, 'gid': 0, 'additionalGids': [1, 'a']}}",
	  "process.user.additionalGids[1]: expected integer, got string" },
	{ P "'consoleSize': {'height': 25}}", "process.consoleSize.width: required" },
	{ P "'rlimits': [{'type': 'RLIMIT_FOO', 'soft': 1, 'hard': 1}]}",
	  "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"" },
	{ P "'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1, 'hard': 1},"
	    "{'type': 'RLIMIT_CORE', 'soft': 1, 'hard': 1},"
	    "{'type': 'RLIMIT_NOFILE', 'soft': 2, 'hard': 2}]}",
	  "process.rlimits[2]: duplicate rlimit RLIMIT_NOFILE" },
	{ P "'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 2048, 'hard': 1024}]}",
	  "process.rlimits[0]: soft limit 2048 is above hard limit 1024" },
	{ P "'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 1}]}", "process.rlimits[0].soft: required" },
	{ P "'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1, 'hard': 18446744073709551616}]}",
	  "process.rlimits[0].hard: 18446744073709551616 is out of range (0..18446744073709551615)" },
	{ P "'rlimits': ['RLIMIT_NOFILE']}", "process.rlimits[0]: expected object, got string" },
	{ P "'oomScoreAdj': 1001}", "process.oomScoreAdj: 1001 is out of range (-1000..1000)" },
	{ P "'ioPriority': {'class': 'IOPRIO_CLASS_FOO', 'priority': 1}}",
	  "process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_FOO\"" },
	{ P "'ioPriority': {'class': 'IOPRIO_CLASS_BE', 'priority': 8}}",
	  "process.ioPriority.priority: 8 is out of range (0..7)" },
	{ P "'scheduler': {'policy': 'SCHED_FOO'}}",
	  "process.scheduler.policy: unknown scheduler policy \"SCHED_FOO\"" },
	{ P "'scheduler': {'policy': 'SCHED_ISO'}}",
	  "process.scheduler.policy: SCHED_ISO is not supported by Linux" },
	{ P "'scheduler': {'policy': 'SCHED_RR', 'flags': ['SCHED_FLAG_X']}}",
	  "process.scheduler.flags[0]: unknown scheduler flag \"SCHED_FLAG_X\"" },
	{ P "'scheduler': {'nice': 1}}", "process.scheduler.policy: required" },
	{ P "'execCPUAffinity': {'initial': '0-3;7'}}",
	  "process.execCPUAffinity.initial: \"0-3;7\" is not a CPU list" },
	{ P "'capabilities': {'bounding': 'CAP_KILL'}}",
	  "process.capabilities.bounding: expected array of strings, got string" },
	{ "'root': {}", "config.json: root.path: required" },
	{ "'root': {'path': 'rootfs', 'readonly': 'yes'}", "root.readonly: expected boolean" },
	{ "'hostname': 7", "config.json: hostname: expected string, got number" },
	{ "'mounts': [{'source': 'proc'}]", "mounts[0].destination: required" },
	{ "'mounts': [{'destination': '/a', 'options': 'ro'}]", "mounts[0].options: expected array" },
	{ "'mounts': {'destination': '/a'}", "config.json: mounts: expected array, got object" },
	{ "'mounts': [{'destination': '/a', 'uidMappings': [{'containerID': 0, 'hostID': 1, "
	  "'size': 1}]}]",
	  "mounts[0]: uidMappings and gidMappings must be set together" },
	{ "'hooks': {'prestart': [{'path': 'bin/hook'}]}",
	  "hooks.prestart[0].path: \"bin/hook\" is not an absolute path" },
	{ "'hooks': {'poststart': [{'path': '/bin/true', 'timeout': 0}]}",
	  "hooks.poststart[0].timeout: 0 is out of range (1..2147483647)" },
	{ "'hooks': {'createRuntime': [{'args': ['x']}]}", "hooks.createRuntime[0].path: required" },
	{ "'annotations': {'': 'x'}", "config.json: annotations: keys must not be empty" },
	{ "'annotations': {'com.example.n': 2}",
	  "config.json: annotations[\"com.example.n\"]: expected string, got number" },
	{ L "'namespaces': [{'type': 'pid'}, {'type': 'net'}]}",
	  "config.json: linux.namespaces[1].type: unknown namespace \"net\"" },
	{ L "'namespaces': [{'type': 'pid'}, {'type': 'uts'}, {'type': 'pid'}]}",
	  "linux.namespaces[2].type: duplicate namespace \"pid\"" },
	{ L "'namespaces': [{'type': 'network', 'path': 'run/netns/a'}]}",
	  "linux.namespaces[0].path: \"run/netns/a\" is not an absolute path" },
	{ L "'namespaces': [{'path': '/proc/1/ns/pid'}]}", "linux.namespaces[0].type: required" },
	{ L "'uidMappings': [{'containerID': 0, 'hostID': 4294967296, 'size': 1}]}",
	  "linux.uidMappings[0].hostID: 4294967296 is out of range 0-2147483647" },
	{ L "'gidMappings': [{'containerID': 0, 'hostID': 1000}]}", "linux.gidMappings[0].size: required" },
	{ L "'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 0}]}",
	  "linux.uidMappings[0].size: must be at least 1" },
	{ L "'devices': [{'type': 'x', 'path': '/dev/x', 'major': 1, 'minor': 1}]}",
	  "linux.devices[0].type: unknown device type \"x\"" },
	{ L "'devices': [{'type': 'c', 'path': '/dev/x', 'minor': 1}]}",
	  "linux.devices[0].major: required" },
	{ L "'devices': [{'type': 'b', 'path': 'dev/x', 'major': 1, 'minor': 1}]}",
	  "linux.devices[0].path: \"dev/x\" is not an absolute path" },
	{ L "'sysctl': {'net.ipv4.ip_forward': 1}}",
	  "linux.sysctl[\"net.ipv4.ip_forward\"]: expected string, got number" },
	{ L "'rootfsPropagation': 'foo'}", "linux.rootfsPropagation: unknown propagation \"foo\"" },
	{ L "'maskedPaths': ['/proc/kcore', 'proc/keys']}",
	  "linux.maskedPaths[1]: \"proc/keys\" is not an absolute path" },
	{ L "'readonlyPaths': '/proc/sys'}", "linux.readonlyPaths: expected array of strings" },
	{ L "'personality': {'domain': 'LINUX64'}}",
	  "linux.personality.domain: unknown domain \"LINUX64\"" },
	{ L "'personality': {'domain': 'LINUX', 'flags': ['X']}}",
	  "linux.personality.flags[0]: unsupported flag \"X\"" },
	{ L "'timeOffsets': {'realtime': {'secs': 1}}}", "linux.timeOffsets.realtime: unknown clock" },
	{ L "'timeOffsets': {'boottime': {'nanosecs': 1000000000}}}",
	  "linux.timeOffsets.boottime.nanosecs: must be below 1000000000" },
	{ L "'intelRdt': {'memBwSchema': 'L3:0=7f'}}", "linux.intelRdt.memBwSchema: must start" },
	{ L "'netDevices': {'eth0': {'name': 'a/b'}}}",
	  "linux.netDevices.eth0.name: \"a/b\" is not a valid interface name" },
	{ R "'memory': {'swappiness': 101}}}",
	  "linux.resources.memory.swappiness: 101 is out of range (0..100)" },
	{ R "'memory': {'limit': -2}}}",
	  "linux.resources.memory.limit: -2 is out of range (-1..9223372036854775807)" },
	{ R "'memory': {'limit': '1G'}}}", "linux.resources.memory.limit: expected integer, got string" },
	{ R "'blockIO': {'weight': 70000}}}",
	  "linux.resources.blockIO.weight: 70000 is out of range (0..65535)" },
	{ R "'blockIO': {'weightDevice': [{'major': 8, 'minor': 0}]}}}",
	  "linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight" },
	{ R "'blockIO': {'throttleReadBpsDevice': [{'major': 8, 'rate': 1}]}}}",
	  "linux.resources.blockIO.throttleReadBpsDevice[0].minor: required" },
	{ R "'pids': {'limit': 9223372036854775808}}}",
	  "linux.resources.pids.limit: 9223372036854775808 is out of range" },
	{ R "'pids': {}}}", "linux.resources.pids.limit: required" },
	{ R "'cpu': {'quota': 1000, 'burst': 2000}}}",
	  "linux.resources.cpu.burst: 2000 is larger than quota 1000" },
	{ R "'cpu': {'cpus': 'all'}}}", "linux.resources.cpu.cpus: \"all\" is not a list" },
	{ R "'cpu': {'shares': -1}}}", "linux.resources.cpu.shares: -1 is out of range" },
	{ R "'devices': [{'allow': true, 'access': 'rwx'}]}}",
	  "linux.resources.devices[0].access: \"rwx\" is not a combination of r, w and m" },
	{ R "'devices': [{'access': 'rwm'}]}}", "linux.resources.devices[0].allow: required" },
	{ R "'devices': [{'allow': false, 'type': 'p'}]}}",
	  "linux.resources.devices[0].type: unknown device type \"p\"" },
	{ R "'hugepageLimits': [{'pageSize': '2mb', 'limit': 1}]}}",
	  "linux.resources.hugepageLimits[0].pageSize: \"2mb\" is not a page size" },
	{ R "'rdma': {'mlx5_1': {}}}}", "linux.resources.rdma.mlx5_1: needs hcaHandles or hcaObjects" },
	{ R "'network': {'priorities': [{'name': 'eth0'}]}}}",
	  "linux.resources.network.priorities[0].priority: required" },
	{ R "'unified': {'memory.max': 5}}}",
	  "linux.resources.unified[\"memory.max\"]: expected string, got number" },
	{ L "'seccomp': {'syscalls': []}}", "linux.seccomp.defaultAction: required" },
	{ L "'seccomp': {'defaultAction': 'SCMP_ACT_NOPE'}}",
	  "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_NOPE\"" },
	{ S "'syscalls': [{'names': ['getcwd'], 'action': 'SCMP_ACT_FOO'}]}}",
	  "linux.seccomp.syscalls[0].action: unknown seccomp action \"SCMP_ACT_FOO\"" },
	{ S "'syscalls': [{'names': ['getcwd'], 'action': 'SCMP_ACT_ERRNO', 'args': "
	    "[{'index': 0, 'value': 1, 'op': 'SCMP_CMP_XX'}]}]}}",
	  "linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_XX\"" },
	{ S "'syscalls': [{'names': ['getcwd'], 'action': 'SCMP_ACT_ERRNO', 'args': "
	    "[{'index': 6, 'value': 1, 'op': 'SCMP_CMP_EQ'}]}]}}",
	  "linux.seccomp.syscalls[0].args[0].index: 6 is not a syscall argument index" },
	{ S "'syscalls': [{'names': ['getcwd'], 'action': 'SCMP_ACT_ERRNO', 'args': "
	    "[{'index': 0, 'op': 'SCMP_CMP_EQ'}]}]}}",
	  "linux.seccomp.syscalls[0].args[0].value: required" },
	{ S "'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_VAX']}}",
	  "linux.seccomp.architectures[1]: unknown seccomp architecture \"SCMP_ARCH_VAX\"" },
	{ S "'flags': ['SECCOMP_FILTER_FLAG_FOO']}}",
	  "linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_FOO\"" },
	{ S "'syscalls': [{'names': ['getcwd'], 'action': 'SCMP_ACT_ALLOW', 'errnoRet': 1}]}}",
	  "linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_ALLOW does not take an errno" },
	{ S "'syscalls': [{'names': [], 'action': 'SCMP_ACT_ERRNO'}]}}",
	  "linux.seccomp.syscalls[0].names: must hold at least one entry" },
	{ S "'syscalls': [{'action': 'SCMP_ACT_ERRNO'}]}}", "linux.seccomp.syscalls[0].names: required" },
	{ S "'listenerMetadata': 'x'}}", "linux.seccomp.listenerMetadata: set without listenerPath" },
	{ L "'seccomp': {'defaultAction': 'SCMP_ACT_LOG', 'defaultErrnoRet': 1}}",
	  "linux.seccomp.defaultErrnoRet: SCMP_ACT_LOG does not take an errno" },
};

/* The document of a case, with ' turned into ". */
static char *make_doc(const char *doc)
{
	char *s = doc[0] == '{' || doc[0] == '[' ? xstrdup(doc)
						  : xasprintf("{'ociVersion': '1.2.0', %s}", doc);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

static char *make_want(const char *want)
{
	char *s = xstrdup(want);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

static void process_cases(void)
{
	static const char good[] = "{\"cwd\": \"/\", \"args\": [\"sh\", \"-c\", \"true\"], "
				   "\"env\": [\"A=1\"], \"user\": {\"uid\": 5, \"gid\": 6}}";
	static const char bad[] = "{\"cwd\": \"/\", \"args\": [], \"env\": [\"A=1\"]}";
	struct vsl_process p;
	struct vsl_err err = { 0 };

	ok(vsl_process_parse(good, strlen(good), "process.json", &p, &err) == 0 &&
		   strcmp(p.args[2], "true") == 0 && p.user.uid == 5 && p.user.gid == 6 &&
		   strcmp(p.env[0], "A=1") == 0,
	   "a lone process object parses");
	vsl_process_clear(&p);
	ok(p.args == NULL && p.cwd == NULL, "vsl_process_clear empties the struct");
	ok(vsl_process_parse(bad, strlen(bad), "process.json", &p, &err) == -EINVAL &&
		   strcmp(err.msg, "process.json: args: must hold at least one entry") == 0 &&
		   p.env == NULL,
	   "a bad process object fails with the process.json prefix: %s", err.msg);
	ok(vsl_process_parse("[1]", 3, "process.json", &p, &err) == -EINVAL &&
		   strcmp(err.msg, "process.json: expected object, got array") == 0,
	   "a process that is not an object fails: %s", err.msg);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *doc = make_doc(cases[i].doc);
		cleanup_free char *want = make_want(cases[i].want);
		struct vsl_err err = { 0 };
		cleanup_config struct vsl_config *c =
			vsl_config_parse(doc, strlen(doc), "config.json", &err);
		ok(!c && err.code == EINVAL && strstr(err.msg, want) &&
			   vsl_str_has_prefix(err.msg, "config.json: ") && !strchr(err.msg, '\n'),
		   "%s", err.msg[0] ? err.msg : doc);
		if (c || !strstr(err.msg, want))
			printf("#   input: %s\n#   want:  %s\n", doc, want);
	}
	process_cases();
	return tap_done();
}
