/* vps/: the hosting front door (issue 12). A VPS is a definition in the store
 * (<store>/vps/<name>/vps.json, spec/vps.h) turned at each start into an ordinary OCI bundle
 * (<store>/vps/<name>/bundle) whose container id is the name, so `vessel state|ps|exec|
 * update|events NAME` see it like any container. Its init runs as PID 1 on a pty that a
 * small keeper process per VPS holds (the console: logged to <store>/vps/<name>/console.log,
 * served on <root>/<name>/console.sock); the keeper is the init's parent, so it sees how
 * the init ended (halt, reboot: restarted, killed) and tears the container down after it.
 * Composes runtime/, overlay/, netns/ and cgroup/ through their public calls; only cmd/
 * prints. */
#ifndef VSL_VPS_VPS_H
#define VSL_VPS_VPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "runtime/ctx.h"
#include "spec/state.h"
#include "spec/vps.h"

#define VSL_VPS_LXCFS_DEFAULT "/var/lib/lxcfs"

struct vsl_vps_ctx {
	const struct vsl_ctx *ctx;
	const char *lxcfs;	/* lxcfs mount point (VESSEL_LXCFS, else VSL_VPS_LXCFS_DEFAULT);
				 * used at start when lxcfs serves there, else /proc is the
				 * kernel's own */
};

/* One line per VPS of a command over many (boot, stop --all): err NULL on success. */
typedef void (*vsl_vps_report_fn)(void *arg, const char *name, const char *what,
				  const struct vsl_err *err);

struct vsl_vps_create_opts {
	/* name, template_name and the limits and network asked for; hostname NULL: the name;
	 * init NULL: /sbin/init; halt_signal NULL: the detected init's; net.address NULL:
	 * auto; stop_timeout 0: the default. */
	struct vsl_vps_def def;
	bool no_start;
};

/* Record the definition (refusing an unknown template or init, a name in use, an address
 * taken or outside the network, a port already forwarded) and start it unless no_start.
 * On failure nothing is left: no definition, layer, container, lease or reservation. */
int vsl_vps_create(const struct vsl_vps_ctx *v, const struct vsl_vps_create_opts *o,
		   struct vsl_err *err);
/* Start a stopped VPS: regenerate its bundle, start its keeper, which creates and starts
 * the container. EALREADY: running. */
int vsl_vps_start(const struct vsl_vps_ctx *v, const char *name, struct vsl_err *err);

struct vsl_vps_stopped {
	bool was_running;
	bool killed;		/* the init did not halt in time: SIGKILL */
	unsigned ms;		/* from the halt signal to the end */
};

/* Send the init its halt signal, wait up to timeout_s (<0: the definition's stopTimeout)
 * for it to end, SIGKILL what is left, and take the container down (layer kept).
 * ESRCH: not running. */
int vsl_vps_stop(const struct vsl_vps_ctx *v, const char *name, int timeout_s,
		 struct vsl_vps_stopped *out, struct vsl_err *err);
/* Stop every running VPS together (halt signals to all, one wait, then kill the rest),
 * as a host shutdown needs. One report per VPS; fails if any failed. */
int vsl_vps_stop_all(const struct vsl_vps_ctx *v, int timeout_s, vsl_vps_report_fn fn,
		     void *arg, struct vsl_err *err);
int vsl_vps_restart(const struct vsl_vps_ctx *v, const char *name, int timeout_s,
		    struct vsl_err *err);
/* Remove a VPS for good: definition, bundle, private layer (its disk), reservations.
 * A running one is refused (EBUSY) unless force, which kills it first. */
int vsl_vps_rm(const struct vsl_vps_ctx *v, const char *name, bool force, struct vsl_err *err);

/* After a host boot: clean what the reboot left of every VPS (stale containers, leases,
 * cgroups, mounts) and start exactly the autostart ones. One report per VPS. */
int vsl_vps_boot(const struct vsl_vps_ctx *v, vsl_vps_report_fn fn, void *arg,
		 struct vsl_err *err);

struct vsl_vps_info {
	struct vsl_vps_def def;
	char *problem;		/* the definition could not be read: why (def is empty) */
	enum vsl_status status;	/* STOPPED when no container runs */
	pid_t pid;		/* the init, host pid */
	pid_t keeper;
	char *addr4, *addr6;	/* as the running container has them */
	char *started;		/* RFC 3339, when running */
	bool lxcfs;		/* /proc files come from lxcfs */
	bool has_disk;
	uint64_t disk_used, disk_limit;
};

int vsl_vps_info_get(const struct vsl_vps_ctx *v, const char *name, struct vsl_vps_info *out,
		     struct vsl_err *err);
void vsl_vps_info_clear(struct vsl_vps_info *i);
/* Every VPS, sorted by name; *out malloc'd (clear each, then free). */
int vsl_vps_list(const struct vsl_vps_ctx *v, struct vsl_vps_info **out, size_t *n,
		 struct vsl_err *err);
/* The definition and the state as one JSON object (malloc'd). */
char *vsl_vps_info_json(const struct vsl_vps_info *i, bool pretty);

/* vps set: each has_ field asks for a change; sizes and counts 0 remove the limit. */
struct vsl_vps_set_opts {
	bool has_memory, has_swap, has_cpus, has_pids, has_disk, has_io_weight, has_io_bps;
	bool has_io_iops, has_net_rate, has_autostart, has_hostname, has_stop_timeout;
	bool has_halt_signal;
	uint64_t memory, swap, pids, disk, io_bps, io_iops;
	uint32_t cpus_milli, stop_timeout;
	uint16_t io_weight;
	bool autostart;
	const char *net_rate, *hostname, *halt_signal;
};

/* Change a VPS: cgroup limits live on a running one (runtime update, recorded in its
 * config), the disk live where the store allows it, the rest for the next start; then the
 * definition. What the kernel or the store refuses changes nothing and is one line.
 * *out_live says what took effect now (malloc'd, may be ""). */
int vsl_vps_set(const struct vsl_vps_ctx *v, const char *name, const struct vsl_vps_set_opts *o,
		char **out_live, struct vsl_err *err);

/* A shell (root's login shell in the VPS's /etc/passwd, else /bin/sh) or argv in the
 * running VPS, with a tty when stdin is one. */
int vsl_vps_enter(const struct vsl_vps_ctx *v, const char *name, char **argv, int *exit_code,
		  struct vsl_err *err);
/* Attach stdin/stdout to the console until the detach key (a byte, e.g. 0x1d for Ctrl-])
 * or end of input. */
int vsl_vps_console(const struct vsl_vps_ctx *v, const char *name, int detach_key,
		    struct vsl_err *err);
/* Copy the console log (the last VSL_VPS_LOG_MAX bytes or so) to fd. */
int vsl_vps_console_log(const struct vsl_vps_ctx *v, const char *name, int fd,
			struct vsl_err *err);

/* vps stats: what a VPS uses now. Counters are since its container started; a stopped VPS
 * has only its disk (running false). */
struct vsl_vps_stats {
	char *name;
	bool running;
	struct {
		uint64_t total_ns, user_ns, system_ns;
		uint64_t user_ticks, system_ticks;	/* USER_HZ, as /proc/<pid>/stat counts */
	} cpu;
	struct {
		uint64_t usage, rss, cache, swap, max_usage;
		uint64_t limit;		/* the definition's, 0: none */
	} memory;
	/* Block I/O of its cgroup on the device doing the store's I/O (all devices when the
	 * store has none, tmpfs): with a private layer on the store, the VPS's own. */
	struct {
		uint64_t read_bytes, write_bytes, read_ops, write_ops;
	} io;
	bool has_net;		/* on a vessel network: its host veth's counters */
	struct {
		uint64_t rx_bytes, rx_packets, tx_bytes, tx_packets;
	} net;
	uint64_t processes, processes_limit;	/* limit 0: none */
	bool has_disk;
	uint64_t disk_used, disk_limit;
};

/* One VPS's stats (ENOENT: no such VPS). */
int vsl_vps_stats_get(const struct vsl_vps_ctx *v, const char *name, struct vsl_vps_stats *out,
		      struct vsl_err *err);
/* Every VPS's, sorted by name; *out malloc'd (clear each, then free). */
int vsl_vps_stats_all(const struct vsl_vps_ctx *v, struct vsl_vps_stats **out, size_t *n,
		      struct vsl_err *err);
void vsl_vps_stats_clear(struct vsl_vps_stats *s);
/* n stats as a JSON array (malloc'd). */
char *vsl_vps_stats_json(const struct vsl_vps_stats *s, size_t n);
/* n stats as Prometheus text (node_exporter's textfile collector): vessel_vps_* metrics
 * labelled name="...", each with its HELP and TYPE lines once (malloc'd). */
char *vsl_vps_stats_prometheus(const struct vsl_vps_stats *s, size_t n);

#define VSL_VPS_LOG_MAX (1 << 20)	/* console.log is rotated to console.log.1 past this */

#endif
