/* A VPS definition -> its OCI config.json (what `vessel create` then runs like any bundle).
 * Pure. The choices are LXC's for system containers where the OCI defaults are runc's for
 * application containers: the template's init on a console, no no_new_privs (su and sudo
 * work), LXC's capability set and device allowlist, a writable cgroup tree of its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_gen.h"
#include "common/util.h"
#include "vps/bundle.h"

static const char *const masked[] = {
	"/proc/acpi",	       "/proc/asound",	   "/proc/kcore",	"/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi",	       "/sys/firmware",	   "/sys/devices/virtual/powercap", NULL,
};
static const char *const readonly[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
					"/proc/sysrq-trigger", NULL };
/* What no tenant needs and a privileged container must not have: loading kernel code, and
 * open_by_handle_at, which with CAP_DAC_READ_SEARCH opens any host file by handle. */
static const char *const denied_syscalls[] = { "init_module", "finit_module", "delete_module",
					       "kexec_load", "kexec_file_load",
					       "open_by_handle_at", NULL };

struct bmount {
	const char *dest, *type, *src;
	const char *opts[8];
};

static const struct bmount base_mounts[] = {
	{ "/proc", "proc", "proc", { "nosuid", "noexec", "nodev" } },
	{ "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k" } },
	{ "/dev/pts", "devpts", "devpts",
	  { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" } },
	{ "/dev/shm", "tmpfs", "shm", { "nosuid", "nodev", "mode=1777" } },
	{ "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev" } },
	{ "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro" } },
	/* Writable: the VPS's init manages its own subtree (cgroup namespace below). */
	{ "/sys/fs/cgroup", "cgroup", "cgroup", { "nosuid", "noexec", "nodev", "relatime", "rw" } },
	{ "/run", "tmpfs", "tmpfs", { "nosuid", "nodev", "mode=755" } },
};

static void gen_strv(yajl_gen g, const char *key, const char *const *v)
{
	vsl_jgen_strv(g, key, (char *const *)v);
}

static void gen_mount(yajl_gen g, const struct bmount *m)
{
	vsl_jgen_map_open(g, NULL);
	vsl_jgen_str(g, "destination", m->dest);
	vsl_jgen_str(g, "type", m->type);
	vsl_jgen_str(g, "source", m->src);
	vsl_jgen_arr_open(g, "options");
	for (size_t i = 0; i < 8 && m->opts[i]; i++)
		vsl_jgen_str(g, NULL, m->opts[i]);
	vsl_jgen_arr_close(g);
	vsl_jgen_map_close(g);
}

static void gen_lxcfs(yajl_gen g, const struct vsl_vps_host *h)
{
	static const char *const files[] = { VSL_VPS_LXCFS_PROC };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char dest[64], src[4096];
		struct bmount m = { dest, "bind", src, { "bind", "ro", "nosuid", "nodev", "noexec" } };
		snprintf(dest, sizeof(dest), "/proc/%s", files[i]);
		snprintf(src, sizeof(src), "%s/proc/%s", h->lxcfs, files[i]);
		gen_mount(g, &m);
	}
	if (h->lxcfs_cpu) {
		char src[4096];
		struct bmount m = { "/sys/devices/system/cpu", "bind", src,
				    { "rbind", "ro", "nosuid", "nodev", "noexec" } };
		snprintf(src, sizeof(src), "%s/sys/devices/system/cpu", h->lxcfs);
		gen_mount(g, &m);
	}
}

static void gen_mounts(yajl_gen g, const struct vsl_vps_host *h)
{
	vsl_jgen_arr_open(g, "mounts");
	for (size_t i = 0; i < sizeof(base_mounts) / sizeof(base_mounts[0]); i++)
		gen_mount(g, &base_mounts[i]);
	if (h->lxcfs)
		gen_lxcfs(g, h);
	vsl_jgen_arr_close(g);
}

static void gen_process(yajl_gen g, const struct vsl_vps_def *d, const struct vsl_vps_host *h)
{
	const char *args[] = { d->init, NULL };
	char uuid[128];
	const char *env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			      "TERM=linux", "container=vessel", uuid, NULL };

	snprintf(uuid, sizeof(uuid), "container_uuid=%s", d->uuid ? d->uuid : "");
	if (!d->uuid)
		env[3] = NULL;
	vsl_jgen_map_open(g, "process");
	vsl_jgen_bool(g, "terminal", true);
	vsl_jgen_map_open(g, "user");
	vsl_jgen_uint(g, "uid", 0);
	vsl_jgen_uint(g, "gid", 0);
	vsl_jgen_map_close(g);
	gen_strv(g, "args", args);
	gen_strv(g, "env", env);
	vsl_jgen_str(g, "cwd", "/");
	vsl_jgen_map_open(g, "capabilities");
	vsl_jgen_strv(g, "bounding", h->caps);
	vsl_jgen_strv(g, "effective", h->caps);
	vsl_jgen_strv(g, "permitted", h->caps);
	vsl_jgen_map_close(g);
	/* No rlimits: the init inherits the host's, as on a machine (systemd sets its own). */
	vsl_jgen_bool(g, "noNewPrivileges", false);
	vsl_jgen_map_close(g);
}

static void dev_rule(yajl_gen g, bool allow, const char *type, int64_t major, int64_t minor,
		     const char *access)
{
	vsl_jgen_map_open(g, NULL);
	vsl_jgen_bool(g, "allow", allow);
	vsl_jgen_str(g, "type", type);
	if (major >= 0)
		vsl_jgen_int(g, "major", major);
	if (minor >= 0)
		vsl_jgen_int(g, "minor", minor);
	vsl_jgen_str(g, "access", access);
	vsl_jgen_map_close(g);
}

/* LXC's allowlist (common.conf): mknod of anything, use of the basic character devices. */
static void gen_devices(yajl_gen g)
{
	static const struct { int64_t major, minor; } use[] = {
		{ 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 }, { 1, 9 },	/* null zero full random urandom */
		{ 5, 0 }, { 5, 1 }, { 5, 2 },				/* tty console ptmx */
		{ 136, -1 },						/* pts */
		{ 10, 229 },						/* fuse */
	};

	vsl_jgen_arr_open(g, "devices");
	dev_rule(g, false, "a", -1, -1, "rwm");
	dev_rule(g, true, "c", -1, -1, "m");
	dev_rule(g, true, "b", -1, -1, "m");
	for (size_t i = 0; i < sizeof(use) / sizeof(use[0]); i++)
		dev_rule(g, true, "c", use[i].major, use[i].minor, "rwm");
	vsl_jgen_arr_close(g);
}

static void throttle(yajl_gen g, const char *key, const struct vsl_vps_host *h, uint64_t rate)
{
	vsl_jgen_arr_open(g, key);
	vsl_jgen_map_open(g, NULL);
	vsl_jgen_uint(g, "major", h->io_major);
	vsl_jgen_uint(g, "minor", h->io_minor);
	vsl_jgen_uint(g, "rate", rate);
	vsl_jgen_map_close(g);
	vsl_jgen_arr_close(g);
}

static void gen_block_io(yajl_gen g, const struct vsl_vps_limits *l, const struct vsl_vps_host *h)
{
	bool bps = l->io_bps && h->io_dev, iops = l->io_iops && h->io_dev;

	if (!l->io_weight && !bps && !iops)
		return;
	vsl_jgen_map_open(g, "blockIO");
	if (l->io_weight)
		vsl_jgen_uint(g, "weight", l->io_weight);
	if (bps) {
		throttle(g, "throttleReadBpsDevice", h, l->io_bps);
		throttle(g, "throttleWriteBpsDevice", h, l->io_bps);
	}
	if (iops) {
		throttle(g, "throttleReadIOPSDevice", h, l->io_iops);
		throttle(g, "throttleWriteIOPSDevice", h, l->io_iops);
	}
	vsl_jgen_map_close(g);
}

static void gen_resources(yajl_gen g, const struct vsl_vps_limits *l, const struct vsl_vps_host *h)
{
	vsl_jgen_map_open(g, "resources");
	gen_devices(g);
	if (l->memory) {
		vsl_jgen_map_open(g, "memory");
		vsl_jgen_uint(g, "limit", l->memory);
		if (l->has_swap)	/* the OCI swap limit is memory plus swap */
			vsl_jgen_uint(g, "swap", l->memory + l->swap);
		vsl_jgen_map_close(g);
	}
	if (l->cpus_milli) {
		vsl_jgen_map_open(g, "cpu");
		vsl_jgen_uint(g, "quota", (uint64_t)l->cpus_milli * 100);
		vsl_jgen_uint(g, "period", 100000);
		vsl_jgen_map_close(g);
	}
	if (l->pids) {
		vsl_jgen_map_open(g, "pids");
		vsl_jgen_uint(g, "limit", l->pids);
		vsl_jgen_map_close(g);
	}
	gen_block_io(g, l, h);
	vsl_jgen_map_close(g);
}

static void gen_seccomp(yajl_gen g)
{
	vsl_jgen_map_open(g, "seccomp");
	vsl_jgen_str(g, "defaultAction", "SCMP_ACT_ALLOW");
	vsl_jgen_arr_open(g, "syscalls");
	vsl_jgen_map_open(g, NULL);
	gen_strv(g, "names", denied_syscalls);
	vsl_jgen_str(g, "action", "SCMP_ACT_ERRNO");
	vsl_jgen_uint(g, "errnoRet", 1);	/* EPERM */
	vsl_jgen_map_close(g);
	vsl_jgen_arr_close(g);
	vsl_jgen_map_close(g);
}

static void gen_linux(yajl_gen g, const struct vsl_vps_def *d, const struct vsl_vps_host *h)
{
	static const char *const ns[] = { "pid", "network", "ipc", "uts", "mount", "cgroup" };

	vsl_jgen_map_open(g, "linux");
	gen_resources(g, &d->limits, h);
	vsl_jgen_arr_open(g, "namespaces");
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		vsl_jgen_map_open(g, NULL);
		vsl_jgen_str(g, "type", ns[i]);
		vsl_jgen_map_close(g);
	}
	vsl_jgen_arr_close(g);
	gen_seccomp(g);
	gen_strv(g, "maskedPaths", masked);
	gen_strv(g, "readonlyPaths", readonly);
	vsl_jgen_map_close(g);
}

static void gen_annotations(yajl_gen g, const struct vsl_vps_def *d)
{
	char buf[32];

	vsl_jgen_map_open(g, "annotations");
	vsl_jgen_str(g, "vessel.vps", d->name);
	vsl_jgen_str(g, "vessel.template", d->template_name);
	vsl_jgen_str(g, "vessel.keep-layer", "true");
	if (d->limits.disk) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)d->limits.disk);
		vsl_jgen_str(g, "vessel.disk.limit", buf);
	}
	if (d->net.name) {
		size_t len = 1;
		for (size_t i = 0; i < d->net.n_ports; i++)
			len += 24;
		char *ports = xzalloc(len);
		for (size_t i = 0; i < d->net.n_ports; i++) {
			if (i)
				strcat(ports, ",");
			strcat(ports, vsl_vps_port_str(&d->net.ports[i], buf, sizeof(buf)));
		}
		vsl_jgen_str(g, "vessel.net.bridge", d->net.name);
		vsl_jgen_str(g, "vessel.net.address", d->net.address);
		if (d->net.n_ports)
			vsl_jgen_str(g, "vessel.net.ports", ports);
		vsl_jgen_str(g, "vessel.net.rate", d->limits.net_rate);
		free(ports);
	}
	vsl_jgen_map_close(g);
}

char *vsl_vps_bundle_config(const struct vsl_vps_def *d, const struct vsl_vps_host *h)
{
	yajl_gen g = vsl_jgen_new(true);

	vsl_jgen_map_open(g, NULL);
	vsl_jgen_str(g, "ociVersion", "1.2.0");
	gen_process(g, d, h);
	vsl_jgen_map_open(g, "root");
	vsl_jgen_str(g, "path", "rootfs");
	vsl_jgen_bool(g, "readonly", false);
	vsl_jgen_map_close(g);
	vsl_jgen_str(g, "hostname", d->hostname);
	gen_mounts(g, h);
	gen_linux(g, d, h);
	gen_annotations(g, d);
	vsl_jgen_map_close(g);
	return vsl_jgen_finish(g);
}
