/* spec/config*.c: every part of the project's fixture good/linux-full.json (runtime-spec
 * 1.0.2 fields) read back with the right value, good/linux-1.2.json for what 1.1 and 1.2
 * added, plus an inline config using the fields neither has (rdma, unified, personality,
 * intelRdt, seccomp args...), round-tripped. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "spec/config.h"
#include "spec/json.h"
#include "tests/unit/tap.h"

#define STREQ(a, b) ((a) && strcmp((a), (b)) == 0)

/* tests run from the top of the checkout */
static struct vsl_config *load_fixture(const char *name)
{
	cleanup_free char *path = xasprintf("tests/fixtures/config/good/%s", name);
	struct vsl_err err = { 0 };
	struct vsl_config *c = vsl_config_load(path, &err);

	ok(c != NULL, "%s loads %s", name, c ? "" : err.msg);
	return c;
}

static void check_process(const struct vsl_config *c)
{
	const struct vsl_process *p = &c->process;
	const struct vsl_caps *k = &p->capabilities;

	ok(STREQ(c->oci_version, "1.0.2") && c->has_process && p->terminal &&
		   p->has_console_size && p->console_height == 40 && p->console_width == 132,
	   "ociVersion, process, terminal, consoleSize");
	ok(p->user.uid == 1002 && p->user.gid == 1003 && p->user.n_additional_gids == 3 &&
		   p->user.additional_gids[0] == 20 && p->user.additional_gids[2] == 44 &&
		   !p->user.has_umask,
	   "process.user");
	ok(STREQ(p->args[0], "/usr/sbin/nginx") && STREQ(p->args[2], "daemon off;") && !p->args[3] &&
		   STREQ(p->cwd, "/var/www") && STREQ(p->env[2], "NGINX_PORT=8080") &&
		   vsl_strv_len(p->env) == 3,
	   "args, cwd, env");
	ok(p->has_capabilities && vsl_strv_len(k->bounding) == 4 &&
		   STREQ(k->bounding[3], "CAP_SETGID") && vsl_strv_len(k->effective) == 1 &&
		   STREQ(k->effective[0], "CAP_NET_BIND_SERVICE") &&
		   vsl_strv_len(k->inheritable) == 2 && STREQ(k->inheritable[1], "CAP_SETUID") &&
		   vsl_strv_len(k->permitted) == 4 && vsl_strv_len(k->ambient) == 1 && k->has_ambient,
	   "capability sets");
	ok(p->n_rlimits == 3 && STREQ(p->rlimits[0].type, "RLIMIT_NPROC") &&
		   p->rlimits[0].resource == RLIMIT_NPROC && p->rlimits[0].soft == 256 &&
		   p->rlimits[0].hard == 512 && p->rlimits[1].resource == RLIMIT_NOFILE &&
		   p->rlimits[1].soft == 4096 && p->rlimits[1].hard == 65536 &&
		   p->rlimits[2].resource == RLIMIT_MEMLOCK && p->rlimits[2].hard == 0,
	   "rlimits resolved");
	ok(STREQ(p->apparmor_profile, "vessel-nginx") &&
		   STREQ(p->selinux_label, "system_u:system_r:container_t:s0:c12,c34") &&
		   p->no_new_privileges && p->has_oom_score_adj && p->oom_score_adj == 250 &&
		   !p->has_scheduler && !p->has_io_priority,
	   "apparmor, selinux, noNewPrivileges, oomScoreAdj");
}

static void check_top(const struct vsl_config *c)
{
	const struct vsl_hook_list *h = c->hooks;

	ok(STREQ(c->root_path, "/var/lib/web/rootfs") && !c->root_readonly &&
		   STREQ(c->hostname, "web-7") && STREQ(c->domainname, "hosting.example"),
	   "root, hostname, domainname");
	ok(c->n_mounts == 5 && STREQ(c->mounts[0].destination, "/proc") && !c->mounts[0].options &&
		   STREQ(c->mounts[2].type, "devpts") && STREQ(c->mounts[2].options[4], "mode=0620") &&
		   vsl_strv_len(c->mounts[2].options) == 5 &&
		   STREQ(c->mounts[3].source, "/srv/sites/web-7") &&
		   STREQ(c->mounts[3].options[1], "ro") && STREQ(c->mounts[4].destination, "/tmp"),
	   "mounts and their options");
	ok(h[VSL_HOOK_PRESTART].n == 1 && STREQ(h[VSL_HOOK_PRESTART].hooks[0].args[2], "br7") &&
		   STREQ(h[VSL_HOOK_PRESTART].hooks[0].env[0], "HOOK_STAGE=prestart") &&
		   !h[VSL_HOOK_PRESTART].hooks[0].has_timeout &&
		   h[VSL_HOOK_CREATE_RUNTIME].n == 2 && !h[VSL_HOOK_CREATE_RUNTIME].hooks[1].args &&
		   h[VSL_HOOK_CREATE_CONTAINER].n == 1 &&
		   STREQ(h[VSL_HOOK_START_CONTAINER].hooks[0].path, "/sbin/ldconfig") &&
		   h[VSL_HOOK_POSTSTART].hooks[0].has_timeout &&
		   h[VSL_HOOK_POSTSTART].hooks[0].timeout == 3 && h[VSL_HOOK_POSTSTOP].n == 2 &&
		   h[VSL_HOOK_POSTSTOP].hooks[0].timeout == 10 &&
		   STREQ(h[VSL_HOOK_POSTSTOP].hooks[1].args[1], "-rf"),
	   "hooks of every kind");
	ok(STREQ(vsl_config_annotation(c, "org.example.tier"), "gold") &&
		   STREQ(vsl_config_annotation(c, "vessel.disk.limit"), "10G") &&
		   !vsl_config_annotation(c, "org.example.nope") && c->n_annotations == 3,
	   "annotations");
}

static void check_linux(const struct vsl_config *c)
{
	const struct vsl_linux *l = &c->linux;
	const struct vsl_seccomp *s = &l->seccomp;

	ok(c->has_linux && l->n_devices == 3 && STREQ(l->devices[0].path, "/dev/net/tun") &&
		   STREQ(l->devices[0].type, "c") && l->devices[0].major == 10 &&
		   l->devices[0].minor == 200 && l->devices[0].has_file_mode &&
		   l->devices[0].file_mode == 432 && l->devices[0].has_uid && l->devices[0].uid == 0 &&
		   !l->devices[1].has_file_mode && STREQ(l->devices[2].type, "b") &&
		   l->devices[2].file_mode == 384 && !l->devices[2].has_uid,
	   "linux.devices");
	ok(l->n_uid_mappings == 1 && l->uid_mappings[0].host_id == 200000 &&
		   l->uid_mappings[0].size == 65536 && l->n_gid_mappings == 1 &&
		   l->gid_mappings[0].container_id == 0,
	   "uid and gid mappings");
	ok(l->n_sysctl == 3 && STREQ(l->sysctl[0].key, "net.core.somaxconn") &&
		   STREQ(l->sysctl[0].value, "4096") && STREQ(l->sysctl[2].value, "16384"),
	   "sysctl");
	ok(STREQ(l->cgroups_path, "/hosting/web-7") && STREQ(l->rootfs_propagation, "slave") &&
		   STREQ(l->mount_label, "system_u:object_r:container_file_t:s0:c12,c34"),
	   "cgroupsPath, rootfsPropagation, mountLabel");
	ok(!l->time_monotonic.set && !l->time_boottime.set, "no timeOffsets");
	for (int t = 0; t < VSL_NS_TYPES; t++)
		ok(l->namespaces[t].present == (t != VSL_NS_TIME) &&
			   (t == VSL_NS_NET ? STREQ(l->namespaces[t].path, "/run/netns/web-7")
					    : !l->namespaces[t].path),
		   "namespace %s", vsl_ns_name(t));
	ok(vsl_strv_len(l->masked_paths) == 5 && STREQ(l->masked_paths[4], "/proc/scsi") &&
		   vsl_strv_len(l->readonly_paths) == 4 && STREQ(l->readonly_paths[0], "/proc/bus"),
	   "masked and readonly paths");
	ok(l->has_seccomp && STREQ(s->default_action, "SCMP_ACT_ERRNO") &&
		   !s->has_default_errno_ret && vsl_strv_len(s->architectures) == 3 &&
		   STREQ(s->architectures[2], "SCMP_ARCH_X32") && s->n_syscalls == 3 &&
		   vsl_strv_len(s->syscalls[0].names) == 5 &&
		   STREQ(s->syscalls[0].names[4], "exit_group") && s->syscalls[1].n_args == 1 &&
		   s->syscalls[1].args[0].index == 1 && s->syscalls[1].args[0].value == 15 &&
		   STREQ(s->syscalls[1].args[0].op, "SCMP_CMP_EQ") && s->syscalls[2].has_errno_ret &&
		   s->syscalls[2].errno_ret == 1 && !s->syscalls[0].has_errno_ret,
	   "seccomp");
	ok(!l->has_personality && !l->has_intel_rdt && !l->n_net_devices,
	   "no personality, intelRdt or netDevices");
}

static void check_resources(const struct vsl_resources *r)
{
	const struct vsl_block_io *b = &r->block_io;

	ok(r->has_network && r->has_class_id && r->class_id == 65538 && r->n_net_priorities == 1 &&
		   STREQ(r->net_priorities[0].name, "eth0") && r->net_priorities[0].priority == 5,
	   "resources.network");
	ok(r->has_pids && r->pids_limit == 400, "resources.pids");
	ok(r->n_hugepage_limits == 2 && STREQ(r->hugepage_limits[0].page_size, "2MB") &&
		   r->hugepage_limits[0].limit == 67108864 &&
		   STREQ(r->hugepage_limits[1].page_size, "1GB") && r->hugepage_limits[1].limit == 0,
	   "resources.hugepageLimits");
	ok(r->has_memory && r->memory.limit == 268435456 && r->memory.reservation == 134217728 &&
		   r->memory.swap == 536870912 && r->memory.kernel == 33554432 &&
		   r->memory.kernel_tcp == 16777216 && r->memory.has_swappiness &&
		   r->memory.swappiness == 10 && r->memory.disable_oom_killer &&
		   !r->memory.has_check_before_update,
	   "resources.memory");
	ok(r->has_cpu && r->cpu.shares == 512 && r->cpu.quota == 50000 && r->cpu.period == 100000 &&
		   r->cpu.has_rt_runtime && r->cpu.rt_runtime == 0 && r->cpu.rt_period == 1000000 &&
		   STREQ(r->cpu.cpus, "0-1") && STREQ(r->cpu.mems, "0") && !r->cpu.has_burst &&
		   !r->cpu.has_idle,
	   "resources.cpu");
	ok(r->n_devices == 4 && !r->devices[0].allow && !r->devices[0].type &&
		   !r->devices[0].has_major && STREQ(r->devices[0].access, "rwm") &&
		   r->devices[1].allow && STREQ(r->devices[1].type, "c") && r->devices[1].major == 10 &&
		   r->devices[1].minor == 200 && STREQ(r->devices[2].access, "r") &&
		   r->devices[3].has_major && !r->devices[3].has_minor,
	   "resources.devices");
	ok(r->has_block_io && b->weight == 300 && b->leaf_weight == 200 && b->n_weight_device == 2 &&
		   b->weight_device[0].weight == 400 && !b->weight_device[0].has_leaf_weight &&
		   b->weight_device[1].minor == 16 && b->weight_device[1].leaf_weight == 50 &&
		   b->n_throttle_read_bps == 1 && b->throttle_read_bps[0].rate == 10485760 &&
		   b->n_throttle_write_bps == 1 && b->throttle_write_bps[0].rate == 5242880 &&
		   b->n_throttle_read_iops == 1 && b->throttle_read_iops[0].rate == 2000 &&
		   b->n_throttle_write_iops == 0,
	   "resources.blockIO");
}

/* What runtime-spec 1.1 and 1.2 added, in good/linux-1.2.json. */
static void check_v12(const struct vsl_config *c)
{
	const struct vsl_process *p = &c->process;
	const struct vsl_linux *l = &c->linux;
	const struct vsl_resources *r = &l->resources;

	ok(STREQ(c->oci_version, "1.2.0") && p->user.has_umask && p->user.umask == 63,
	   "1.2: ociVersion, umask");
	ok(p->has_scheduler && STREQ(p->scheduler.policy, "SCHED_BATCH") &&
		   p->scheduler.policy_id == SCHED_BATCH && p->scheduler.nice == 5 &&
		   p->has_io_priority && p->io_priority.class_id == 3 && p->io_priority.priority == 7 &&
		   STREQ(p->exec_cpu_affinity_initial, "0") && STREQ(p->exec_cpu_affinity_final, "0-1"),
	   "1.2: scheduler, ioPriority, execCPUAffinity");
	ok(c->n_mounts == 1 && c->mounts[0].n_uid_mappings == 1 &&
		   c->mounts[0].uid_mappings[0].host_id == 300000 && c->mounts[0].n_gid_mappings == 1 &&
		   c->mounts[0].gid_mappings[0].size == 1000,
	   "1.2: an idmapped mount");
	for (int t = 0; t < VSL_NS_TYPES; t++)
		ok(l->namespaces[t].present && !l->namespaces[t].path, "1.2: namespace %s",
		   vsl_ns_name(t));
	ok(l->time_monotonic.set && l->time_monotonic.secs == 86400 &&
		   l->time_monotonic.nanosecs == 500 && l->time_boottime.set &&
		   l->time_boottime.secs == -3600 && l->time_boottime.nanosecs == 0,
	   "1.2: timeOffsets");
	ok(r->cpu.has_idle && r->cpu.idle == 1 && r->cpu.has_burst && r->cpu.burst == 20000 &&
		   r->memory.has_check_before_update && r->memory.check_before_update &&
		   r->n_unified == 2 && STREQ(r->unified[1].key, "io.weight") &&
		   STREQ(r->unified[1].value, "default 50"),
	   "1.2: cpu.idle, cpu.burst, checkBeforeUpdate, unified");
	ok(l->n_net_devices == 1 && STREQ(l->net_devices[0].key, "eth5") &&
		   STREQ(l->net_devices[0].value, "uplink") &&
		   STREQ(l->seccomp.listener_path, "/run/seccomp-agent.sock") &&
		   STREQ(l->seccomp.flags[0], "SECCOMP_FILTER_FLAG_LOG") &&
		   STREQ(l->seccomp.syscalls[0].action, "SCMP_ACT_NOTIFY"),
	   "1.2: netDevices, seccomp listener, flags, NOTIFY");
}

static const char rich[] =
	"{'ociVersion': '1.2.0', 'process': {'cwd': '/w', 'args': ['a'], 'commandLine': 'x', "
	"'consoleSize': {'height': 25, 'width': 80}, "
	"'user': {'uid': 2147483647, 'gid': 2, 'umask': 18, 'additionalGids': [], 'username': 'u'}, "
	"'capabilities': {'bounding': [], 'permitted': ['CAP_NOPE']}, 'oomScoreAdj': -1000, "
	"'ioPriority': {'class': 'IOPRIO_CLASS_RT', 'priority': 0}, "
	"'scheduler': {'policy': 'SCHED_DEADLINE', 'nice': -20, 'priority': 3, 'flags': "
	"['SCHED_FLAG_RECLAIM'], 'runtime': 10, 'deadline': 20, 'period': 18446744073709551615}, "
	"'execCPUAffinity': {'initial': '7', 'final': '0-3,7'}, "
	"'rlimits': [{'type': 'RLIMIT_RTTIME', 'soft': 18446744073709551615, "
	"'hard': 18446744073709551615}], 'unknownField': {'nested': [1, 2]}}, "
	"'mounts': [{'destination': 'rel', 'type': 'none', 'source': '/s', 'options': "
	"['rbind', 'idmap'], 'uidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}], "
	"'gidMappings': [{'containerID': 1, 'hostID': 2, 'size': 3}]}], "
	"'linux': {'namespaces': [{'type': 'network', 'path': '/run/netns/x'}, {'type': 'time'}], "
	"'devices': [{'type': 'p', 'path': '/dev/fifo'}, {'type': 'u', 'path': '/dev/u', "
	"'major': -1, 'minor': 9223372036854775807}], "
	"'resources': {'unified': {'memory.high': '1G'}, 'rdma': {'mlx4_0': {'hcaObjects': 1000}}, "
	"'cpu': {'idle': 1, 'quota': -1, 'burst': 5}, 'memory': {'limit': -1, 'useHierarchy': true}, "
	"'blockIO': {'throttleWriteBpsDevice': [{'major': 8, 'minor': 1, 'rate': 3}], "
	"'throttleReadIOPSDevice': [{'major': 8, 'minor': 2, 'rate': 4}]}, 'network': {}}, "
	"'seccomp': {'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 38, 'flags': "
	"['SECCOMP_FILTER_FLAG_LOG'], 'listenerPath': '/run/l.sock', 'listenerMetadata': 'm', "
	"'syscalls': [{'names': ['personality'], 'action': 'SCMP_ACT_ALLOW', 'args': "
	"[{'index': 0, 'value': 8, 'valueTwo': 18446744073709551615, 'op': 'SCMP_CMP_MASKED_EQ'}]}, "
	"{'names': ['mkdir'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1}]}, "
	"'rootfsPropagation': 'rprivate', 'personality': {'domain': 'LINUX32', 'flags': []}, "
	"'intelRdt': {'closID': 'g', 'l3CacheSchema': 'L3:0=7f0', 'memBwSchema': 'MB:0=20', "
	"'enableCMT': true}, 'netDevices': {'eth1': {}, 'eth2': {'name': 'ctr0'}}, "
	"'timeOffsets': {'monotonic': {'secs': -5, 'nanosecs': 999999999}}}, "
	"'annotations': {}, 'vm': {'hypervisor': {}}}";

static void check_rich(const struct vsl_config *c)
{
	const struct vsl_process *p = &c->process;
	const struct vsl_linux *l = &c->linux;
	const struct vsl_resources *r = &l->resources;
	const struct vsl_seccomp *s = &l->seccomp;

	ok(p->has_console_size && p->console_width == 80 && p->user.uid == VSL_ID_MAX &&
		   p->user.has_umask && p->user.umask == 18 && p->user.additional_gids &&
		   p->user.n_additional_gids == 0 && STREQ(p->user.username, "u") &&
		   STREQ(p->command_line, "x"),
	   "rich: consoleSize, user, commandLine");
	ok(p->capabilities.has_bounding && p->capabilities.bounding && !p->capabilities.bounding[0] &&
		   !p->capabilities.has_effective && STREQ(p->capabilities.permitted[0], "CAP_NOPE"),
	   "rich: empty and absent capability sets differ; unknown names are kept");
	ok(p->has_oom_score_adj && p->oom_score_adj == -1000 && p->has_io_priority &&
		   p->io_priority.class_id == 1 && p->io_priority.priority == 0,
	   "rich: oomScoreAdj, ioPriority");
	ok(p->has_scheduler && p->scheduler.policy_id == 6 && p->scheduler.nice == -20 &&
		   p->scheduler.priority == 3 && STREQ(p->scheduler.flags[0], "SCHED_FLAG_RECLAIM") &&
		   p->scheduler.period == UINT64_MAX && p->scheduler.deadline == 20,
	   "rich: scheduler");
	ok(STREQ(p->exec_cpu_affinity_final, "0-3,7") && p->rlimits[0].resource == RLIMIT_RTTIME &&
		   p->rlimits[0].soft == UINT64_MAX,
	   "rich: execCPUAffinity, unlimited rlimit");
	ok(c->n_mounts == 1 && STREQ(c->mounts[0].destination, "rel") &&
		   c->mounts[0].n_uid_mappings == 1 && c->mounts[0].uid_mappings[0].host_id == 100000 &&
		   c->mounts[0].gid_mappings[0].size == 3,
	   "rich: idmapped mount, relative destination");
	ok(STREQ(l->namespaces[VSL_NS_NET].path, "/run/netns/x") && l->namespaces[VSL_NS_TIME].present &&
		   !l->namespaces[VSL_NS_PID].present,
	   "rich: namespace paths");
	ok(l->n_devices == 2 && STREQ(l->devices[0].type, "p") && l->devices[1].major == -1 &&
		   l->devices[1].minor == INT64_MAX,
	   "rich: fifo without numbers, int64 extremes");
	ok(STREQ(r->unified[0].key, "memory.high") && STREQ(r->rdma[0].device, "mlx4_0") &&
		   !r->rdma[0].has_hca_handles && r->rdma[0].hca_objects == 1000 && r->cpu.idle == 1 &&
		   r->cpu.quota == -1 && r->memory.limit == -1 && r->memory.use_hierarchy &&
		   r->block_io.throttle_read_iops[0].rate == 4 && r->has_network && !r->has_class_id,
	   "rich: unified, rdma, cpu.idle, memory, blockIO, empty network");
	ok(s->has_default_errno_ret && s->default_errno_ret == 38 && STREQ(s->listener_path, "/run/l.sock") &&
		   s->syscalls[0].n_args == 1 && s->syscalls[0].args[0].value == 8 &&
		   s->syscalls[0].args[0].value_two == UINT64_MAX &&
		   STREQ(s->syscalls[0].args[0].op, "SCMP_CMP_MASKED_EQ") &&
		   s->syscalls[1].has_errno_ret && s->syscalls[1].errno_ret == 1,
	   "rich: seccomp args and errnoRet");
	ok(STREQ(l->rootfs_propagation, "rprivate") && STREQ(l->personality_domain, "LINUX32") &&
		   l->has_intel_rdt && l->intel_rdt.enable_cmt && !l->intel_rdt.enable_mbm &&
		   STREQ(l->intel_rdt.mem_bw_schema, "MB:0=20"),
	   "rich: propagation, personality, intelRdt");
	ok(l->n_net_devices == 2 && STREQ(l->net_devices[0].value, "") &&
		   STREQ(l->net_devices[1].value, "ctr0") && l->time_monotonic.secs == -5 &&
		   l->time_monotonic.nanosecs == 999999999 && !l->time_boottime.set,
	   "rich: netDevices, timeOffsets");
}

static struct vsl_config *parse_quoted(const char *src, struct vsl_err *err)
{
	cleanup_free char *doc = xstrdup(src);

	for (char *q = doc; *q; q++)
		if (*q == '\'')
			*q = '"';
	return vsl_config_parse(doc, strlen(doc), "config.json", err);
}

static void check_json_helpers(void)
{
	struct vsl_jpath root = VSL_JPATH_ROOT("x.json");
	struct vsl_jpath a = VSL_JPATH_KEY(&root, "a"), i = VSL_JPATH_IDX(&a, 3);
	struct vsl_jpath k = VSL_JPATH_KEY(&i, "b.c"), m = VSL_JPATH_KEY(&k, "d");
	struct vsl_err err = { 0 };
	char buf[128];

	vsl_jpath_format(&m, buf, sizeof(buf));
	ok(!strcmp(buf, "a[3][\"b.c\"].d"), "paths render keys, indexes and quoted keys");
	vsl_json_fail(&err, &root, "bad");
	ok(!strcmp(err.msg, "x.json: bad"), "an error at the root has no path");
	{
		cleanup_json yajl_val v = vsl_json_parse("\"\\u00e9\"", 8, "s", &err);
		ok(v && YAJL_IS_STRING(v) && STREQ(v->u.string, "\xc3\xa9"),
		   "unicode escapes decode to UTF-8");
	}
	{
		cleanup_json yajl_val v = vsl_json_parse("{\"a\": null, \"b\": [true]}", 24, "n", &err);
		ok(v && !vsl_json_get(v, "a") && vsl_json_get(v, "b") && !vsl_json_get(v, "c"),
		   "null members count as absent");
	}
	{
		char deep[300];
		memset(deep, '[', 150);
		memset(deep + 150, ']', 150);
		ok(!vsl_json_parse(deep, 300, "d", &err) && strstr(err.msg, "nesting too deep"),
		   "nesting deeper than 128 is refused: %s", err.msg);
	}
}

/* update's patch laid over a stored config: objects merge, other values replace, the rest
 * of the config (and the exact text of big numbers) is kept. */
static void check_merge(void)
{
	const char *base = "{\"ociVersion\":\"1.2.0\",\"process\":{\"args\":[\"sh\"]},"
			   "\"linux\":{\"resources\":{\"memory\":{\"limit\":33554432,\"swap\":"
			   "18446744073709551615},\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
			   "\"namespaces\":[{\"type\":\"pid\"}]}}";
	struct vsl_resources res = { .has_memory = true, .has_pids = true, .pids_limit = 30 };
	cleanup_free char *patch = NULL, *out = NULL;
	cleanup_json yajl_val v = NULL;
	struct vsl_err err = { 0 };

	res.memory.has_limit = true;
	res.memory.limit = 134217728;
	patch = vsl_resources_patch_json(&res);
	ok(STREQ(patch, "{\"linux\":{\"resources\":{\"memory\":{\"limit\":134217728},"
			"\"pids\":{\"limit\":30}}}}"),
	   "resources patch: only the fields set (%s)", patch);
	out = vsl_json_merge(base, "config.json", patch, &err);
	v = out ? vsl_json_parse(out, strlen(out), "merged", &err) : NULL;
	{
		const char *lim[] = { "linux", "resources", "memory", "limit", NULL };
		const char *swap[] = { "linux", "resources", "memory", "swap", NULL };
		const char *pids[] = { "linux", "resources", "pids", "limit", NULL };
		const char *arg[] = { "process", "args", NULL };
		const char *ns[] = { "linux", "namespaces", NULL };
		const char *dev[] = { "linux", "resources", "devices", NULL };
		yajl_val l = yajl_tree_get(v, lim, yajl_t_number), sw = yajl_tree_get(v, swap, yajl_t_number);
		yajl_val pl = yajl_tree_get(v, pids, yajl_t_number);
		ok(l && STREQ(l->u.number.r, "134217728"), "the new memory limit replaces the old");
		ok(sw && STREQ(sw->u.number.r, "18446744073709551615"),
		   "a sibling the patch does not name is kept, digits intact");
		ok(pl && STREQ(pl->u.number.r, "30"), "a new key is added");
		ok(yajl_tree_get(v, arg, yajl_t_array) && yajl_tree_get(v, ns, yajl_t_array) &&
			   yajl_tree_get(v, dev, yajl_t_array),
		   "the rest of the config is kept");
	}
	free(out);
	out = vsl_json_merge(base, "config.json", "{\"linux\":{\"resources\":{\"devices\":[]}}}", &err);
	{
		cleanup_json yajl_val w = out ? vsl_json_parse(out, strlen(out), "m", &err) : NULL;
		const char *dev[] = { "linux", "resources", "devices", NULL };
		yajl_val d = yajl_tree_get(w, dev, yajl_t_array);
		ok(d && d->u.array.len == 0, "an array in the patch replaces the base's");
	}
	free(out);
	out = vsl_json_merge("{\"a\":", "stored.json", "{}", &err);
	ok(!out && strstr(err.msg, "stored.json: line 1"), "a broken base is named: %s", err.msg);
}

int main(void)
{
	cleanup_config struct vsl_config *c = load_fixture("linux-full.json");
	cleanup_config struct vsl_config *c12 = load_fixture("linux-1.2.json");
	struct vsl_err err = { 0 };

	if (c) {
		check_process(c);
		check_top(c);
		check_linux(c);
		check_resources(&c->linux.resources);
	}
	if (c12)
		check_v12(c12);
	{
		cleanup_config struct vsl_config *r = parse_quoted(rich, &err);
		cleanup_free char *j1 = r ? vsl_config_to_json(r, false) : NULL;
		cleanup_config struct vsl_config *r2 = j1 ? vsl_config_parse(j1, strlen(j1), "c", &err)
							  : NULL;
		cleanup_free char *j2 = r2 ? vsl_config_to_json(r2, false) : NULL;
		ok(r != NULL, "rich config parses %s", r ? "" : err.msg);
		if (r) {
			check_rich(r);
			ok(r2 && STREQ(j1, j2), "rich config round-trips");
		}
		if (r2)
			check_rich(r2);
		ok(j1 && !strstr(j1, "unknownField") && !strstr(j1, "hypervisor"),
		   "unknown fields are ignored");
	}
	ok(vsl_ns_from_name("network") == VSL_NS_NET && vsl_ns_from_name("net") == -1 &&
		   STREQ(vsl_ns_name(VSL_NS_CGROUP), "cgroup") && !vsl_ns_name(VSL_NS_TYPES),
	   "namespace names");
	check_json_helpers();
	check_merge();
	return tap_done();
}
