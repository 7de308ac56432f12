/* spec/config*.c: every part of spec-example.json read back with the right value, plus an
 * inline config using the fields spec-example lacks (scheduler, ioPriority, seccomp args,
 * rdma, unified, netDevices, personality, intelRdt, idmapped mounts...), round-tripped. */
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

static struct vsl_config *load_example(void)
{
	const char *shared = getenv("VSL_SHARED");
	cleanup_free char *path = xasprintf(
		"%s/oci-runtime-spec/schema/test/config/good/spec-example.json",
		shared ? shared : "../shared");
	struct vsl_err err = { 0 };
	struct vsl_config *c = vsl_config_load(path, &err);

	ok(c != NULL, "spec-example.json loads %s", c ? "" : err.msg);
	return c;
}

static void check_process(const struct vsl_config *c)
{
	const struct vsl_process *p = &c->process;
	const struct vsl_caps *k = &p->capabilities;

	ok(STREQ(c->oci_version, "0.5.0-dev") && c->has_process && p->terminal,
	   "ociVersion, process, terminal");
	ok(p->user.uid == 1 && p->user.gid == 1 && p->user.n_additional_gids == 2 &&
		   p->user.additional_gids[0] == 5 && p->user.additional_gids[1] == 6 &&
		   !p->user.has_umask,
	   "process.user");
	ok(STREQ(p->args[0], "sh") && !p->args[1] && STREQ(p->cwd, "/") &&
		   STREQ(p->env[1], "TERM=xterm") && vsl_strv_len(p->env) == 2,
	   "args, cwd, env");
	ok(p->has_capabilities && vsl_strv_len(k->bounding) == 3 &&
		   STREQ(k->bounding[2], "CAP_NET_BIND_SERVICE") && vsl_strv_len(k->effective) == 2 &&
		   STREQ(k->effective[1], "CAP_KILL") && vsl_strv_len(k->inheritable) == 3 &&
		   vsl_strv_len(k->permitted) == 3 && vsl_strv_len(k->ambient) == 1 &&
		   STREQ(k->ambient[0], "CAP_NET_BIND_SERVICE") && k->has_ambient,
	   "capability sets");
	ok(p->n_rlimits == 2 && STREQ(p->rlimits[0].type, "RLIMIT_CORE") &&
		   p->rlimits[0].resource == RLIMIT_CORE && p->rlimits[1].resource == RLIMIT_NOFILE &&
		   p->rlimits[1].soft == 1024 && p->rlimits[1].hard == 1024,
	   "rlimits resolved");
	ok(STREQ(p->apparmor_profile, "acme_secure_profile") &&
		   STREQ(p->selinux_label, "system_u:system_r:svirt_lxc_net_t:s0:c124,c675") &&
		   p->no_new_privileges && !p->has_oom_score_adj && !p->has_scheduler,
	   "apparmor, selinux, noNewPrivileges");
}

static void check_top(const struct vsl_config *c)
{
	const struct vsl_hook_list *h = c->hooks;

	ok(STREQ(c->root_path, "rootfs") && c->root_readonly && STREQ(c->hostname, "slartibartfast") &&
		   STREQ(c->domainname, "foobarbaz.test"),
	   "root, hostname, domainname");
	ok(c->n_mounts == 7 && STREQ(c->mounts[0].destination, "/proc") && !c->mounts[0].options &&
		   STREQ(c->mounts[2].type, "devpts") && STREQ(c->mounts[2].options[5], "gid=5") &&
		   vsl_strv_len(c->mounts[2].options) == 6 && STREQ(c->mounts[6].options[4], "ro") &&
		   STREQ(c->mounts[3].source, "shm"),
	   "mounts and their options");
	ok(h[VSL_HOOK_PRESTART].n == 2 && STREQ(h[VSL_HOOK_PRESTART].hooks[0].args[2], "arg2") &&
		   STREQ(h[VSL_HOOK_PRESTART].hooks[0].env[0], "key1=value1") &&
		   !h[VSL_HOOK_PRESTART].hooks[1].args &&
		   h[VSL_HOOK_CREATE_RUNTIME].n == 2 && h[VSL_HOOK_CREATE_CONTAINER].n == 1 &&
		   STREQ(h[VSL_HOOK_START_CONTAINER].hooks[0].path, "/usr/bin/refresh-ldcache") &&
		   h[VSL_HOOK_POSTSTART].hooks[0].has_timeout &&
		   h[VSL_HOOK_POSTSTART].hooks[0].timeout == 5 &&
		   !h[VSL_HOOK_PRESTART].hooks[0].has_timeout &&
		   STREQ(h[VSL_HOOK_POSTSTOP].hooks[0].args[1], "-f"),
	   "hooks of every kind");
	ok(STREQ(vsl_config_annotation(c, "com.example.key2"), "value2") &&
		   !vsl_config_annotation(c, "com.example.key3") && c->n_annotations == 2,
	   "annotations");
}

static void check_linux(const struct vsl_config *c)
{
	const struct vsl_linux *l = &c->linux;

	ok(c->has_linux && l->n_devices == 2 && STREQ(l->devices[0].path, "/dev/fuse") &&
		   STREQ(l->devices[0].type, "c") && l->devices[0].major == 10 &&
		   l->devices[0].minor == 229 && l->devices[0].has_file_mode &&
		   l->devices[0].file_mode == 438 && l->devices[1].file_mode == 432 &&
		   l->devices[1].has_uid && l->devices[1].uid == 0,
	   "linux.devices");
	ok(l->n_uid_mappings == 1 && l->uid_mappings[0].host_id == 1000 &&
		   l->uid_mappings[0].size == 32000 && l->n_gid_mappings == 1 &&
		   l->gid_mappings[0].container_id == 0,
	   "uid and gid mappings");
	ok(l->n_sysctl == 2 && STREQ(l->sysctl[0].key, "net.ipv4.ip_forward") &&
		   STREQ(l->sysctl[1].value, "256"),
	   "sysctl");
	ok(STREQ(l->cgroups_path, "/myRuntime/myContainer") && STREQ(l->rootfs_propagation, "slave") &&
		   STREQ(l->mount_label, "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811"),
	   "cgroupsPath, rootfsPropagation, mountLabel");
	ok(l->time_monotonic.set && l->time_monotonic.secs == 172800 && l->time_boottime.set &&
		   l->time_boottime.secs == 604800 && l->time_boottime.nanosecs == 0,
	   "timeOffsets");
	for (int t = 0; t < VSL_NS_TYPES; t++)
		ok(l->namespaces[t].present && !l->namespaces[t].path, "namespace %s, no path",
		   vsl_ns_name(t));
	ok(vsl_strv_len(l->masked_paths) == 4 && STREQ(l->masked_paths[3], "/proc/sched_debug") &&
		   vsl_strv_len(l->readonly_paths) == 6 && STREQ(l->readonly_paths[0], "/proc/asound"),
	   "masked and readonly paths");
	ok(l->has_seccomp && STREQ(l->seccomp.default_action, "SCMP_ACT_ALLOW") &&
		   vsl_strv_len(l->seccomp.architectures) == 2 &&
		   STREQ(l->seccomp.architectures[1], "SCMP_ARCH_X32") && l->seccomp.n_syscalls == 1 &&
		   STREQ(l->seccomp.syscalls[0].names[1], "chmod") &&
		   STREQ(l->seccomp.syscalls[0].action, "SCMP_ACT_ERRNO") &&
		   !l->seccomp.syscalls[0].has_errno_ret,
	   "seccomp");
	ok(!l->has_personality && !l->has_intel_rdt, "no personality, no intelRdt");
}

static void check_resources(const struct vsl_resources *r)
{
	const struct vsl_block_io *b = &r->block_io;

	ok(r->has_network && r->has_class_id && r->class_id == 1048577 && r->n_net_priorities == 2 &&
		   STREQ(r->net_priorities[1].name, "eth1") && r->net_priorities[1].priority == 1000,
	   "resources.network");
	ok(r->has_pids && r->pids_limit == 32771, "resources.pids");
	ok(r->n_hugepage_limits == 2 && STREQ(r->hugepage_limits[0].page_size, "2MB") &&
		   r->hugepage_limits[0].limit == 9223372036854772000ULL &&
		   r->hugepage_limits[1].limit == 1000000,
	   "resources.hugepageLimits");
	ok(r->has_memory && r->memory.limit == 536870912 && r->memory.has_reservation &&
		   r->memory.swap == 536870912 && r->memory.kernel == -1 &&
		   r->memory.kernel_tcp == -1 && r->memory.has_swappiness &&
		   r->memory.swappiness == 0 && r->memory.has_disable_oom_killer &&
		   !r->memory.disable_oom_killer && r->memory.has_check_before_update,
	   "resources.memory");
	ok(r->has_cpu && r->cpu.shares == 1024 && r->cpu.quota == 1000000 && r->cpu.burst == 1000000 &&
		   r->cpu.period == 500000 && r->cpu.rt_runtime == 950000 &&
		   r->cpu.rt_period == 1000000 && STREQ(r->cpu.cpus, "2-3") &&
		   STREQ(r->cpu.mems, "0-7") && !r->cpu.has_idle,
	   "resources.cpu");
	ok(r->n_devices == 3 && !r->devices[0].allow && !r->devices[0].type &&
		   !r->devices[0].has_major && STREQ(r->devices[0].access, "rwm") &&
		   r->devices[1].allow && STREQ(r->devices[1].type, "c") && r->devices[1].major == 10 &&
		   r->devices[2].has_minor && r->devices[2].minor == 0,
	   "resources.devices");
	ok(r->has_block_io && b->weight == 10 && b->leaf_weight == 10 && b->n_weight_device == 2 &&
		   b->weight_device[0].leaf_weight == 300 && !b->weight_device[1].has_leaf_weight &&
		   b->weight_device[1].minor == 16 && b->n_throttle_read_bps == 1 &&
		   b->throttle_read_bps[0].rate == 600 && b->n_throttle_write_iops == 1 &&
		   b->throttle_write_iops[0].rate == 300 && b->n_throttle_write_bps == 0,
	   "resources.blockIO");
}

static const char rich[] =
	"{'ociVersion': '1.2.0', 'process': {'cwd': '/w', 'args': ['a'], 'commandLine': 'x', "
	"'consoleSize': {'height': 25, 'width': 80}, "
	"'user': {'uid': 4294967295, 'gid': 2, 'umask': 18, 'additionalGids': [], 'username': 'u'}, "
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

	ok(p->has_console_size && p->console_width == 80 && p->user.uid == UINT32_MAX &&
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
	cleanup_config struct vsl_config *c = load_example();
	struct vsl_err err = { 0 };

	if (c) {
		check_process(c);
		check_top(c);
		check_linux(c);
		check_resources(&c->linux.resources);
	}
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
