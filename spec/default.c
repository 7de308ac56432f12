/* The config.json that `vessel spec` writes: runc spec's defaults (capabilities, mounts,
 * masked and readonly paths, namespaces, RLIMIT_NOFILE 1024, terminal, args ["sh"], root
 * "rootfs"), and runc spec --rootless's changes: a user namespace mapping the caller's
 * euid/egid to 0, no network namespace, /sys bind-mounted, no devices cgroup rules. */
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "spec/config.h"
#include "spec/json.h"

static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
				    NULL };
static const char *const env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL
};
static const char *const masked[] = {
	"/proc/acpi",	     "/proc/asound",	"/proc/kcore",	      "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/sys/firmware",     "/proc/scsi",	"/sys/devices/virtual/powercap", NULL
};
static const char *const readonly[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
					"/proc/sysrq-trigger", NULL };

struct dmount {
	const char *dest, *type, *src;
	const char *opts[8];
};

static const struct dmount mounts[] = {
	{ "/proc", "proc", "proc", { NULL } },
	{ "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k" } },
	{ "/dev/pts",
	  "devpts",
	  "devpts",
	  { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" } },
	{ "/dev/shm", "tmpfs", "shm", { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" } },
	{ "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev" } },
	{ "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro" } },
	{ "/sys/fs/cgroup", "cgroup", "cgroup", { "nosuid", "noexec", "nodev", "relatime", "ro" } },
};

/* Rootless: /sys cannot be mounted fresh without a network namespace of one's own. */
static const struct dmount rootless_sys = { "/sys", "none", "/sys",
					    { "rbind", "nosuid", "noexec", "nodev", "ro" } };

static void strv(yajl_gen g, const char *key, const char *const *v)
{
	vsl_jgen_strv(g, key, (char *const *)v);
}

static void gen_process(yajl_gen g)
{
	static const char *const args[] = { "sh", NULL };

	vsl_jgen_map_open(g, "process");
	vsl_jgen_bool(g, "terminal", true);
	vsl_jgen_map_open(g, "user");
	vsl_jgen_uint(g, "uid", 0);
	vsl_jgen_uint(g, "gid", 0);
	vsl_jgen_map_close(g);
	strv(g, "args", args);
	strv(g, "env", env);
	vsl_jgen_str(g, "cwd", "/");
	vsl_jgen_map_open(g, "capabilities");
	strv(g, "bounding", caps);
	strv(g, "effective", caps);
	strv(g, "permitted", caps);
	strv(g, "ambient", caps);
	vsl_jgen_map_close(g);
	vsl_jgen_arr_open(g, "rlimits");
	vsl_jgen_map_open(g, NULL);
	vsl_jgen_str(g, "type", "RLIMIT_NOFILE");
	vsl_jgen_uint(g, "hard", 1024);
	vsl_jgen_uint(g, "soft", 1024);
	vsl_jgen_map_close(g);
	vsl_jgen_arr_close(g);
	vsl_jgen_bool(g, "noNewPrivileges", true);
	vsl_jgen_map_close(g);
}

static void gen_mounts(yajl_gen g, bool rootless)
{
	vsl_jgen_arr_open(g, "mounts");
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		const struct dmount *m = &mounts[i];
		if (rootless && strcmp(m->dest, "/sys") == 0)
			m = &rootless_sys;
		vsl_jgen_map_open(g, NULL);
		vsl_jgen_str(g, "destination", m->dest);
		vsl_jgen_str(g, "type", m->type);
		vsl_jgen_str(g, "source", m->src);
		if (m->opts[0]) {
			vsl_jgen_arr_open(g, "options");
			for (size_t k = 0; k < 8 && m->opts[k]; k++) {
				/* gid=5 (tty) is not mapped in a rootless user namespace */
				if (rootless && strcmp(m->opts[k], "gid=5") == 0)
					continue;
				vsl_jgen_str(g, NULL, m->opts[k]);
			}
			vsl_jgen_arr_close(g);
		}
		vsl_jgen_map_close(g);
	}
	vsl_jgen_arr_close(g);
}

static void gen_mapping(yajl_gen g, const char *key, const struct vsl_id_mapping *m, size_t n)
{
	vsl_jgen_arr_open(g, key);
	for (size_t i = 0; i < n; i++) {
		vsl_jgen_map_open(g, NULL);
		vsl_jgen_uint(g, "containerID", m[i].container_id);
		vsl_jgen_uint(g, "hostID", m[i].host_id);
		vsl_jgen_uint(g, "size", m[i].size);
		vsl_jgen_map_close(g);
	}
	vsl_jgen_arr_close(g);
}

static void gen_linux(yajl_gen g, bool rootless, const struct vsl_spec_ids *ids)
{
	static const char *const ns[] = { "pid", "network", "ipc", "uts", "mount", "user" };

	vsl_jgen_map_open(g, "linux");
	if (rootless) {
		gen_mapping(g, "uidMappings", ids->uid, ids->n_uid);
		gen_mapping(g, "gidMappings", ids->gid, ids->n_gid);
	} else {
		vsl_jgen_map_open(g, "resources");
		vsl_jgen_arr_open(g, "devices");
		vsl_jgen_map_open(g, NULL);
		vsl_jgen_bool(g, "allow", false);
		vsl_jgen_str(g, "access", "rwm");
		vsl_jgen_map_close(g);
		vsl_jgen_arr_close(g);
		vsl_jgen_map_close(g);
	}
	vsl_jgen_arr_open(g, "namespaces");
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		bool user = strcmp(ns[i], "user") == 0, net = strcmp(ns[i], "network") == 0;
		if ((user && !rootless) || (net && rootless))
			continue;
		vsl_jgen_map_open(g, NULL);
		vsl_jgen_str(g, "type", ns[i]);
		vsl_jgen_map_close(g);
	}
	vsl_jgen_arr_close(g);
	strv(g, "maskedPaths", masked);
	strv(g, "readonlyPaths", readonly);
	vsl_jgen_map_close(g);
}

static char *default_json(bool rootless, const struct vsl_spec_ids *ids)
{
	yajl_gen g = vsl_jgen_new(true);

	vsl_jgen_map_open(g, NULL);
	vsl_jgen_str(g, "ociVersion", "1.2.0");
	gen_process(g);
	vsl_jgen_map_open(g, "root");
	vsl_jgen_str(g, "path", "rootfs");
	vsl_jgen_bool(g, "readonly", true);
	vsl_jgen_map_close(g);
	vsl_jgen_str(g, "hostname", "vessel");
	gen_mounts(g, rootless);
	gen_linux(g, rootless, ids);
	vsl_jgen_map_close(g);
	return vsl_jgen_finish(g);
}

char *vsl_config_default_json(bool rootless)
{
	struct vsl_id_mapping u = { 0, (uint32_t)geteuid(), 1 }, gm = { 0, (uint32_t)getegid(), 1 };
	struct vsl_spec_ids ids = { .uid = &u, .n_uid = 1, .gid = &gm, .n_gid = 1 };

	return default_json(rootless, &ids);
}

char *vsl_config_rootless_json(const struct vsl_spec_ids *ids)
{
	return default_json(true, ids);
}
