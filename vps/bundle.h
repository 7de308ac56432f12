/* The pure half of vps/: a definition and the host's facts -> the VPS's OCI config.json;
 * the /etc/hosts edit; the guess of which init a template boots. No I/O: unit-tested in
 * tests/unit/test_vps_bundle.c. */
#ifndef VSL_VPS_BUNDLE_H
#define VSL_VPS_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/vps.h"

/* The capabilities LXC drops from a system container by default (lxc.cap.drop in LXC's
 * common.conf); a VPS gets every other one the kernel has and vessel holds. */
#define VSL_VPS_CAPS_DROPPED "CAP_MAC_ADMIN CAP_MAC_OVERRIDE CAP_SYS_TIME CAP_SYS_MODULE CAP_SYS_RAWIO"

/* lxcfs's files bound over /proc (and its sysfs cpu directory), when the host has lxcfs. */
#define VSL_VPS_LXCFS_PROC "cpuinfo", "diskstats", "loadavg", "meminfo", "stat", "swaps", "uptime"

/* What the host contributes to a VPS's config: facts read at each start. */
struct vsl_vps_host {
	char **caps;		/* capability names to grant (NULL-terminated) */
	const char *lxcfs;	/* lxcfs mount point, NULL: none */
	bool lxcfs_cpu;		/* it has sys/devices/system/cpu (lxcfs 5) */
	bool io_dev;		/* io limits have a device: */
	uint32_t io_major, io_minor;
};

/* The config.json of a VPS: its init as PID 1 on a console (terminal), container=vessel and
 * container_uuid in its environment, the host's capability list, every namespace but user
 * (own cgroup namespace, /sys/fs/cgroup writable), the limits as linux.resources, LXC's
 * device allowlist, a seccomp denylist of what no container needs (kernel modules, kexec,
 * open_by_handle_at), lxcfs's files over /proc, and the template, disk limit, kept layer
 * and network as vessel's annotations. Malloc'd. */
char *vsl_vps_bundle_config(const struct vsl_vps_def *d, const struct vsl_vps_host *h);

/* /etc/hosts with hostname on the 127.0.1.1 line (Debian's convention): the line is
 * rewritten only if it does not name hostname already, appended if missing; every other
 * line is kept. old may be NULL (no file). Malloc'd. */
char *vsl_vps_hosts_update(const char *old, const char *hostname);

/* sysvinit's /etc/inittab with a powerfail entry that halts ("p0::powerfail:/sbin/init
 * 0", as LXC's Debian template adds): the SIGPWR that stop sends then halts the system.
 * Unchanged (a copy) when a powerfail or powerwait entry already runs init 0, halt,
 * poweroff or shutdown. Malloc'd. */
char *vsl_vps_inittab_update(const char *old);

/* Which init a file is: name is the last component of its path after symlinks
 * ("systemd", "busybox", "init"), head its first bytes. */
enum vsl_vps_init_kind vsl_vps_init_guess(const char *name, const char *head, size_t n);
/* The signal that halts that init: SIGRTMIN+3 (systemd), SIGUSR1 (busybox: halt),
 * SIGPWR (sysvinit: its powerfail entry), SIGTERM (anything else). */
const char *vsl_vps_halt_signal(enum vsl_vps_init_kind k);

#endif
