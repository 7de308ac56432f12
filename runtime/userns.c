/* Namespace flags and user namespace id maps. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/userns.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int vsl_ns_clone_flag(enum vsl_ns_type t)
{
	static const int flags[VSL_NS_TYPES] = {
		[VSL_NS_PID] = CLONE_NEWPID,	 [VSL_NS_NET] = CLONE_NEWNET,
		[VSL_NS_MNT] = CLONE_NEWNS,	 [VSL_NS_IPC] = CLONE_NEWIPC,
		[VSL_NS_UTS] = CLONE_NEWUTS,	 [VSL_NS_USER] = CLONE_NEWUSER,
		[VSL_NS_CGROUP] = CLONE_NEWCGROUP, [VSL_NS_TIME] = CLONE_NEWTIME,
	};
	return flags[t];
}

bool vsl_ns_is_new(const struct vsl_config *cfg, enum vsl_ns_type t)
{
	return cfg->linux.namespaces[t].present && !cfg->linux.namespaces[t].path;
}

int vsl_ns_new_flags(const struct vsl_config *cfg)
{
	int flags = 0;

	for (int t = 0; t < VSL_NS_TYPES; t++)
		if (vsl_ns_is_new(cfg, (enum vsl_ns_type)t))
			flags |= vsl_ns_clone_flag((enum vsl_ns_type)t);
	return flags;
}

static int write_map(pid_t pid, const char *file, const struct vsl_id_mapping *m, size_t n,
		     struct vsl_err *err)
{
	char path[64], buf[4096];
	size_t len = 0;

	if (n == 0)
		return vsl_fail(err, EINVAL, "linux.%sMappings: required with a new user namespace",
				file[0] == 'u' ? "uid" : "gid");
	for (size_t i = 0; i < n && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n",
					m[i].container_id, m[i].host_id, m[i].size);
	if (len >= sizeof(buf))
		return vsl_fail(err, E2BIG, "%s: too many mappings", file);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return vsl_write_file(path, buf, len, err);
}

enum vsl_map_method vsl_userns_map_method(const struct vsl_linux *l, uid_t euid, gid_t egid)
{
	if (euid == 0)
		return VSL_MAP_WRITE;
	/* An unprivileged process may map its own ids, one each, with setgroups denied. */
	if (l->n_uid_mappings == 1 && l->uid_mappings[0].host_id == euid &&
	    l->uid_mappings[0].size == 1 && l->n_gid_mappings == 1 &&
	    l->gid_mappings[0].host_id == egid && l->gid_mappings[0].size == 1)
		return VSL_MAP_WRITE_DENY_SETGROUPS;
	return VSL_MAP_HELPER;
}

char **vsl_userns_helper_argv(const char *prog, pid_t pid, const struct vsl_id_mapping *m,
			      size_t n)
{
	char **argv = xzalloc((3 * n + 3) * sizeof(char *));
	size_t k = 0;

	argv[k++] = xstrdup(prog);
	argv[k++] = xasprintf("%d", (int)pid);
	for (size_t i = 0; i < n; i++) {
		argv[k++] = xasprintf("%u", m[i].container_id);
		argv[k++] = xasprintf("%u", m[i].host_id);
		argv[k++] = xasprintf("%u", m[i].size);
	}
	return argv;
}

int vsl_userns_write_maps(const struct vsl_config *cfg, pid_t pid, struct vsl_err *err)
{
	const struct vsl_linux *l = &cfg->linux;
	char path[64];
	int r;

	switch (vsl_userns_map_method(l, geteuid(), getegid())) {
	case VSL_MAP_HELPER:
		return vsl_userns_helper_maps(l, pid, err);
	case VSL_MAP_WRITE_DENY_SETGROUPS:
		/* gid_map stays unwritable for an unprivileged writer until setgroups is off. */
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		r = vsl_write_file(path, "deny", 4, err);
		if (r < 0)
			return r;
		break;
	case VSL_MAP_WRITE:
		break;
	}
	r = write_map(pid, "uid_map", l->uid_mappings, l->n_uid_mappings, err);
	if (r == 0)
		r = write_map(pid, "gid_map", l->gid_mappings, l->n_gid_mappings, err);
	return r;
}

int64_t vsl_userns_host_id(const struct vsl_id_mapping *m, size_t n, uint32_t id)
{
	if (n == 0)
		return id;
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].container_id && id - m[i].container_id < m[i].size)
			return (int64_t)m[i].host_id + (id - m[i].container_id);
	return -1;
}
