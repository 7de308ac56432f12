/* The container's control group: one interface over cgroup v1 (a hierarchy per controller)
 * and cgroup v2 (one unified tree), decided at run time. runtime/ makes the calls; the
 * handle is opaque and what must survive between commands is the string vsl_cg_path(),
 * recorded in state.json and handed back to vsl_cg_open(). Nothing here prints. */
#ifndef VSL_CGROUP_CGROUP_H
#define VSL_CGROUP_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "common/log.h"
#include "spec/config.h"

struct vsl_cgroup; /* opaque handle */

/* The state.json extra key under which runtime/ records vsl_cg_path(). */
#define VSL_CG_STATE_KEY "cgroup.path"

struct vsl_cg_req {
	const char *id;			/* container id */
	const char *cgroups_path;	/* linux.cgroupsPath; NULL -> "/vessel/<id>", relative
					 * "a/b" -> "/vessel/a/b", absolute as given */
	bool systemd;			/* --systemd-cgroup: "slice:prefix:name"; validated, then
					 * refused with a clear error (no D-Bus driver) */
	const struct vsl_resources *resources;	/* may be NULL */
	/* linux.devices: each is allowed in the device controller after the resource rules
	 * and the default devices (/dev/null, zero, full, tty, random, urandom, pts, ...), as
	 * runc does. May be NULL. */
	const struct vsl_device *devices;
	size_t n_devices;
	const struct vsl_log *log;
};

/* Create the container's cgroup (every v1 controller hierarchy, or the v2 dir with the
 * controllers enabled in the parents' subtree_control) and apply resources. A limit the
 * kernel refuses fails naming the file and value, and everything made is removed again.
 * An existing cgroup at the path is taken over only if it holds no process (EBUSY). */
int vsl_cg_create(const struct vsl_cg_req *req, struct vsl_cgroup **out, struct vsl_err *err);
/* The record to save BEFORE vsl_cg_create, so that a vessel killed while creating leaves a
 * path teardown can clean. A provisional record ("0:<path>") is destroyed only if no process
 * is in it: it may name a cgroup create then refused as another container's. */
int vsl_cg_plan(const struct vsl_cg_req *req, char **out_record, struct vsl_err *err);
/* Reopen from what was recorded in state.json (vsl_cg_path) for delete/pause/update/...
 * A cgroup already removed opens fine (destroy is then a no-op, pids empty). */
int vsl_cg_open(const char *recorded, const struct vsl_log *log, struct vsl_cgroup **out,
		struct vsl_err *err);
const char *vsl_cg_path(const struct vsl_cgroup *cg);	/* the string to record */
/* The cgroup's directory inside every hierarchy ("/vessel/web1"). */
const char *vsl_cg_dir(const struct vsl_cgroup *cg);
/* "v1" or "v2" */
const char *vsl_cg_mode_name(const struct vsl_cgroup *cg);
/* Move an existing process into the cgroup in all hierarchies (through cgroup.procs, which
 * takes the kernel's global attach lock; create and exec start their processes with
 * vsl_cg_fork and vsl_cg_enter_self instead). Call before pid runs user code. */
int vsl_cg_enter(const struct vsl_cgroup *cg, pid_t pid, struct vsl_err *err);
/* Fork a child that starts inside the cgroup's v2 directory where the kernel allows it
 * (fork.c says why); *born_in_v2 tells the child whether it did. Returns like fork(). The
 * caller must be single-threaded. With cg NULL, a plain fork. */
pid_t vsl_cg_fork(const struct vsl_cgroup *cg, bool *born_in_v2);
/* In a child from vsl_cg_fork, first thing, while it has one thread: move itself into the
 * cgroup in every hierarchy it is not in yet, without the kernel's global attach lock on
 * v1. Its children inherit the cgroup. */
int vsl_cg_enter_self(const struct vsl_cgroup *cg, bool born_in_v2, struct vsl_err *err);
/* Change limits live. Fields absent in res are left as they are. */
int vsl_cg_update(const struct vsl_cgroup *cg, const struct vsl_resources *res,
		  struct vsl_err *err);
/* Freeze or thaw every process of the cgroup and its children; waits until done. */
int vsl_cg_freeze(const struct vsl_cgroup *cg, bool frozen, struct vsl_err *err);
bool vsl_cg_is_frozen(const struct vsl_cgroup *cg);
/* Every pid in the cgroup and its child cgroups; *out malloc'd (NULL when empty). */
int vsl_cg_pids(const struct vsl_cgroup *cg, pid_t **out, size_t *n, struct vsl_err *err);
/* Signal every process: SIGKILL through v2 cgroup.kill where the kernel has it (no race
 * with fork), otherwise freeze, signal each pid, thaw. */
int vsl_cg_kill_all(const struct vsl_cgroup *cg, int sig, struct vsl_err *err);
/* Kill everything left, thaw if frozen, remove the cgroup and any child cgroups the
 * container made, and the parents vessel itself created. A process held frozen by a
 * cgroup outside (moved there and frozen) keeps its SIGKILL pending and is moved out of
 * the container's cgroups, so that they go; it dies when that cgroup thaws. Idempotent:
 * already gone is success. Does not free cg. */
int vsl_cg_destroy(struct vsl_cgroup *cg, struct vsl_err *err);
void vsl_cg_free(struct vsl_cgroup *cg);
/* Is pid in a frozen cgroup (a v1 freezer or a v2 cgroup)? Then a SIGKILL waits for the
 * thaw. */
bool vsl_cg_pid_frozen(pid_t pid);
static inline void vsl_cg_freep(struct vsl_cgroup **cg)
{
	vsl_cg_free(*cg);
}
#define cleanup_cgroup __attribute__((cleanup(vsl_cg_freep)))

/* Statistics in runc's units: nanoseconds and bytes. A value the kernel does not
 * provide stays 0 (limits: UINT64_MAX means unlimited). */
#define VSL_CG_MAX_CPUS 256
#define VSL_CG_MAX_BLKIO 64
#define VSL_CG_MAX_HUGETLB 4

struct vsl_cg_mem_entry {
	uint64_t usage, max_usage, limit, failcnt;
};

struct vsl_cg_blkio_entry {
	uint32_t major, minor;
	char op[8];		/* Read Write Sync Async Discard Total */
	uint64_t value;
};

struct vsl_cg_stats {
	struct {
		uint64_t total, user, kernel;
		uint64_t percpu[VSL_CG_MAX_CPUS];
		size_t n_percpu;
		uint64_t periods, throttled_periods, throttled_time;
	} cpu;
	struct {
		struct vsl_cg_mem_entry usage, swap, kernel, kernel_tcp;
		uint64_t cache, rss;
		uint64_t oom_events, oom_kill;	/* v1: oom_kill; v2: memory.events */
		bool under_oom;
	} memory;
	struct {
		uint64_t current, limit;	/* limit 0: no limit */
	} pids;
	struct {
		struct vsl_cg_blkio_entry bytes[VSL_CG_MAX_BLKIO], ios[VSL_CG_MAX_BLKIO];
		size_t n_bytes, n_ios;
	} blkio;
	struct {
		char page_size[16];	/* "2MB" */
		uint64_t usage, max_usage, failcnt;
	} hugetlb[VSL_CG_MAX_HUGETLB];
	size_t n_hugetlb;
};

int vsl_cg_stats(const struct vsl_cgroup *cg, struct vsl_cg_stats *out, struct vsl_err *err);

/* OOM notification: a pollable fd that becomes readable when the kernel OOM-kills in the
 * cgroup (v1: eventfd on memory.oom_control; v2: inotify on memory.events). After POLLIN,
 * vsl_cg_oom_read() says how many new OOM kills happened (0: spurious, or the cgroup went
 * away: then *gone is set). */
struct vsl_cg_oom;
int vsl_cg_oom_open(const struct vsl_cgroup *cg, struct vsl_cg_oom **out, struct vsl_err *err);
int vsl_cg_oom_fd(const struct vsl_cg_oom *w);
int vsl_cg_oom_read(struct vsl_cg_oom *w, uint64_t *n_new, bool *gone, struct vsl_err *err);
void vsl_cg_oom_close(struct vsl_cg_oom *w);

#endif
