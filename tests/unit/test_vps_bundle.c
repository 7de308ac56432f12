/* vps/bundle.c and vps/etc.c: a definition becomes a config.json the runtime's own parser
 * accepts, with the init on a console, LXC's capabilities and devices, the limits as
 * resources and the annotations the runtime acts on; /etc/hosts and inittab edits keep
 * what the tenant wrote; the init of a file is told by its name and content. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "spec/config.h"
#include "vps/bundle.h"
#include "tests/unit/tap.h"

static void base_def(struct vsl_vps_def *d)
{
	memset(d, 0, sizeof(*d));
	d->name = "web1";
	d->uuid = "0b5c3bd2-4c0d-4b7e-9d55-1f8f0c7a6e21";
	d->template_name = "debian12";
	d->hostname = "web1.example.com";
	d->init = "/sbin/init";
	d->init_kind = VSL_VPS_INIT_SYSTEMD;
	d->halt_signal = "SIGRTMIN+3";
	d->stop_timeout = 30;
}

static bool has(char **v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

static const struct vsl_mount *mount_at(const struct vsl_config *c, const char *dest)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (strcmp(c->mounts[i].destination, dest) == 0)
			return &c->mounts[i];
	return NULL;
}

static void test_config(void)
{
	char *caps[] = { "CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", NULL };
	struct vsl_vps_port ports[] = { { 8080, 80, false }, { 5353, 53, true } };
	struct vsl_vps_host h = { .caps = caps, .lxcfs = "/var/lib/lxcfs", .lxcfs_cpu = true,
				  .io_dev = true, .io_major = 254, .io_minor = 0 };
	struct vsl_vps_def d;
	cleanup_free char *json = NULL;
	struct vsl_config *c;
	struct vsl_err err;
	const struct vsl_mount *m;

	base_def(&d);
	d.limits.memory = 512ULL << 20;
	d.limits.has_swap = true;
	d.limits.swap = 256ULL << 20;
	d.limits.cpus_milli = 1500;
	d.limits.pids = 300;
	d.limits.disk = 10ULL << 30;
	d.limits.io_weight = 200;
	d.limits.io_bps = 1 << 20;
	d.limits.io_iops = 100;
	d.net.name = "vessel0";
	d.net.address = "10.89.0.5/16";
	d.net.ports = ports;
	d.net.n_ports = 2;
	json = vsl_vps_bundle_config(&d, &h);
	c = vsl_config_parse(json, strlen(json), "config.json", &err);
	ok(c != NULL, "the runtime's parser takes the generated config (%s)", c ? "ok" : err.msg);
	if (!c)
		return;
	ok(c->process.terminal && c->process.args && !strcmp(c->process.args[0], "/sbin/init") &&
	   !c->process.args[1], "the init alone, on a terminal");
	ok(has(c->process.env, "container=vessel") &&
	   has(c->process.env, "container_uuid=0b5c3bd2-4c0d-4b7e-9d55-1f8f0c7a6e21"),
	   "container=vessel and container_uuid in its environment");
	ok(!c->process.no_new_privileges, "no no_new_privs: su and sudo work");
	ok(has(c->process.capabilities.bounding, "CAP_SYS_BOOT") &&
	   has(c->process.capabilities.effective, "CAP_SYS_ADMIN") &&
	   !c->process.capabilities.ambient, "the host's capability list in the three sets");
	is_str(c->hostname, "web1.example.com", "hostname");
	ok(c->linux.namespaces[VSL_NS_CGROUP].present && c->linux.namespaces[VSL_NS_NET].present &&
	   !c->linux.namespaces[VSL_NS_USER].present, "own cgroup and network namespace, no user");
	m = mount_at(c, "/sys/fs/cgroup");
	ok(m && has(m->options, "rw") && !has(m->options, "ro"), "/sys/fs/cgroup writable");
	m = mount_at(c, "/proc/meminfo");
	ok(m && !strcmp(m->source, "/var/lib/lxcfs/proc/meminfo") && has(m->options, "bind"),
	   "lxcfs's meminfo over /proc/meminfo");
	ok(mount_at(c, "/proc/uptime") && mount_at(c, "/proc/loadavg") &&
	   mount_at(c, "/proc/swaps") && mount_at(c, "/proc/diskstats") && mount_at(c, "/proc/stat") &&
	   mount_at(c, "/proc/cpuinfo"), "and the other /proc files");
	ok(mount_at(c, "/sys/devices/system/cpu") != NULL, "and its cpu directory");
	ok(c->linux.resources.memory.limit == 512LL << 20 &&
	   c->linux.resources.memory.swap == 768LL << 20, "memory, and swap as memory+swap");
	ok(c->linux.resources.cpu.quota == 150000 && c->linux.resources.cpu.period == 100000,
	   "1.5 CPUs = quota 150000 per 100000");
	ok(c->linux.resources.has_pids && c->linux.resources.pids_limit == 300, "pids");
	ok(c->linux.resources.block_io.weight == 200 &&
	   c->linux.resources.block_io.n_throttle_read_bps == 1 &&
	   c->linux.resources.block_io.throttle_read_bps[0].major == 254 &&
	   c->linux.resources.block_io.throttle_write_iops[0].rate == 100, "block I/O limits");
	ok(c->linux.resources.n_devices > 5 && !c->linux.resources.devices[0].allow,
	   "a device allowlist after deny-all");
	ok(c->linux.has_seccomp && c->linux.seccomp.n_syscalls == 1 &&
	   has(c->linux.seccomp.syscalls[0].names, "open_by_handle_at") &&
	   has(c->linux.seccomp.syscalls[0].names, "finit_module"), "a seccomp denylist");
	is_str(vsl_config_annotation(c, "vessel.template"), "debian12", "vessel.template");
	is_str(vsl_config_annotation(c, "vessel.keep-layer"), "true", "vessel.keep-layer");
	is_str(vsl_config_annotation(c, "vessel.disk.limit"), "10737418240", "vessel.disk.limit");
	is_str(vsl_config_annotation(c, "vessel.net.bridge"), "vessel0", "vessel.net.bridge");
	is_str(vsl_config_annotation(c, "vessel.net.address"), "10.89.0.5/16", "vessel.net.address");
	is_str(vsl_config_annotation(c, "vessel.net.ports"), "8080:80/tcp,5353:53/udp",
	       "vessel.net.ports");
	is_str(vsl_config_annotation(c, "vessel.vps"), "web1", "vessel.vps names the VPS");
	vsl_config_free(c);
}

static void test_minimal(void)
{
	char *caps[] = { NULL };
	struct vsl_vps_host h = { .caps = caps };
	struct vsl_vps_def d;
	cleanup_free char *json = NULL;
	struct vsl_config *c;
	struct vsl_err err;

	base_def(&d);
	json = vsl_vps_bundle_config(&d, &h);
	c = vsl_config_parse(json, strlen(json), "config.json", &err);
	ok(c != NULL, "a VPS without limits or network parses (%s)", c ? "ok" : err.msg);
	if (!c)
		return;
	ok(!c->linux.resources.has_memory && !c->linux.resources.has_cpu &&
	   !c->linux.resources.has_pids && !c->linux.resources.has_block_io, "no limits");
	ok(!vsl_config_annotation(c, "vessel.net.bridge") &&
	   !vsl_config_annotation(c, "vessel.disk.limit"), "no network, no disk limit");
	ok(!mount_at(c, "/proc/meminfo"), "no lxcfs: the kernel's /proc");
	ok(c->linux.namespaces[VSL_NS_NET].present, "still a network namespace of its own (lo)");
	vsl_config_free(c);
}

static void test_hosts(void)
{
	cleanup_free char *a = vsl_vps_hosts_update(NULL, "web1");
	cleanup_free char *b = vsl_vps_hosts_update("127.0.0.1 localhost\n127.0.1.1\told\n# me\n"
						    "10.0.0.9 db\n", "web1");
	cleanup_free char *c = vsl_vps_hosts_update("127.0.1.1 web1.example.com web1 # mine\n",
						    "web1");
	cleanup_free char *e = vsl_vps_hosts_update("127.0.0.1 localhost", "web2");

	is_str(a, "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n"
		  "127.0.1.1\tweb1\n", "no hosts file: localhost lines and the host name");
	is_str(b, "127.0.0.1 localhost\n127.0.1.1\tweb1\n# me\n10.0.0.9 db\n",
	       "the 127.0.1.1 line renamed, every other line kept");
	is_str(c, "127.0.1.1 web1.example.com web1 # mine\n",
	       "a line that names the host already is left as the tenant wrote it");
	is_str(e, "127.0.0.1 localhost\n127.0.1.1\tweb2\n", "appended when missing");
}

static void test_inittab(void)
{
	const char *deb = "id:2:initdefault:\npf::powerwait:/etc/init.d/powerfail start\n";
	const char *lxc = "id:2:initdefault:\np0::powerfail:/sbin/init 0\n";
	cleanup_free char *a = vsl_vps_inittab_update(deb);
	cleanup_free char *b = vsl_vps_inittab_update(lxc);
	cleanup_free char *c = vsl_vps_inittab_update("x::sysinit:/etc/rc");

	is_str(a, "id:2:initdefault:\npf::powerwait:/etc/init.d/powerfail start\n"
		  "p0::powerfail:/sbin/init 0\n", "Debian's powerwait script is not a halt: entry added");
	is_str(b, lxc, "an entry that runs init 0 is kept as it is");
	is_str(c, "x::sysinit:/etc/rc\np0::powerfail:/sbin/init 0\n", "a last line without newline");
}

static void test_init_guess(void)
{
	const char bb[] = "\x7f" "ELF....BusyBox v1.35.0 (Debian)";
	const char sv[] = "\x7f" "ELF....INIT_VERSION=sysvinit-3.06";

	ok(vsl_vps_init_guess("systemd", "", 0) == VSL_VPS_INIT_SYSTEMD, "systemd by name");
	ok(vsl_vps_init_guess("busybox", "", 0) == VSL_VPS_INIT_BUSYBOX, "busybox by name");
	ok(vsl_vps_init_guess("init", bb, sizeof(bb) - 1) == VSL_VPS_INIT_BUSYBOX,
	   "busybox by content");
	ok(vsl_vps_init_guess("init", sv, sizeof(sv) - 1) == VSL_VPS_INIT_SYSVINIT,
	   "sysvinit by content");
	ok(vsl_vps_init_guess("tini", "\x7f" "ELF", 4) == VSL_VPS_INIT_OTHER, "anything else");
	is_str(vsl_vps_halt_signal(VSL_VPS_INIT_SYSTEMD), "SIGRTMIN+3", "systemd halts on SIGRTMIN+3");
	is_str(vsl_vps_halt_signal(VSL_VPS_INIT_BUSYBOX), "SIGUSR1", "busybox halts on SIGUSR1");
	is_str(vsl_vps_halt_signal(VSL_VPS_INIT_SYSVINIT), "SIGPWR", "sysvinit on SIGPWR");
	is_str(vsl_vps_halt_signal(VSL_VPS_INIT_OTHER), "SIGTERM", "others on SIGTERM");
}

int main(void)
{
	test_config();
	test_minimal();
	test_hosts();
	test_inittab();
	test_init_guess();
	return tap_done();
}
