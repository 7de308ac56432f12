/* cgroup/ internals: the pure conversion of OCI resources into {file, value} settings, the
 * handle, and the v1/v2 operations table. For files in cgroup/ and its tests only. */
#ifndef VSL_CGROUP_INTERNAL_H
#define VSL_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"

/* ---- convert.c / devices.c: pure, no kernel ---- */

enum {
	VSL_CG_CONV_V2 = 1 << 0,	/* unified names (memory.max, cpu.weight, io.max) */
	VSL_CG_CONV_HUGETLB_V2 = 1 << 1, /* v1 host whose hugetlb lives in the unified tree */
};

enum {
	/* The kernel may lack this knob (file absent, or a write it accepts but ignores, as
	 * memory.kmem.limit_in_bytes since 5.16): warn and go on instead of failing. */
	VSL_CG_SET_OPTIONAL = 1 << 0,
	/* value is the second field only; keep the first field of the file (v2 cpu.max when
	 * only the period changes). */
	VSL_CG_SET_KEEP_FIRST = 1 << 1,
	/* Read back and compare after writing (to notice a write the kernel ignores). */
	VSL_CG_SET_VERIFY = 1 << 2,
};

struct vsl_cg_setting {
	char *file;		/* "memory.limit_in_bytes"; the controller is the part before '.' */
	char *value;
	char *alt_file;		/* tried when file does not exist (blkio.bfq.weight), or NULL */
	char *alt_value;
	unsigned flags;
};

struct vsl_cg_settings {
	struct vsl_cg_setting *v;
	size_t n;
	char **warnings;	/* NULL-terminated: knobs this cgroup version cannot apply */
};

/* Turn resources into the writes that apply them, in a working order. EINVAL with the JSON
 * field named for values no kernel accepts (swap below memory, unified keys on v1, ...). */
int vsl_cg_convert(const struct vsl_resources *res, unsigned conv_flags,
		   struct vsl_cg_settings *out, struct vsl_err *err);
void vsl_cg_settings_clear(struct vsl_cg_settings *s);

/* The shares -> weight and blkio weight -> io.weight mappings runc and crun use. */
uint64_t vsl_cg_shares_to_weight(uint64_t shares);
uint64_t vsl_cg_blkio_to_io_weight(uint64_t weight);
/* v2 memory.swap.max from OCI swap (memory+swap) and limit; "max" or a number. */
int vsl_cg_swap_v2(bool has_limit, int64_t limit, int64_t swap, char *buf, size_t len,
		   struct vsl_err *err);

/* Device rules, resolved: type 'a' 'b' 'c'; -1 = any major/minor; access bits. */
enum { VSL_CG_DEV_MKNOD = 1, VSL_CG_DEV_READ = 2, VSL_CG_DEV_WRITE = 4 };

struct vsl_cg_dev_rule {
	bool allow;
	char type;
	int64_t major, minor;
	unsigned access;
};

/* deny-all, then the resource rules in order, then runc's default devices, then each of
 * linux.devices allowed. *out malloc'd. */
int vsl_cg_dev_rules(const struct vsl_resources *res, const struct vsl_device *devices,
		     size_t n_devices, struct vsl_cg_dev_rule **out, size_t *n,
		     struct vsl_err *err);
/* "c 1:3 rwm" for devices.allow/devices.deny. */
void vsl_cg_dev_rule_line(const struct vsl_cg_dev_rule *r, char *buf, size_t len);

/* The parent of default cgroup paths ("/vessel/<id>"). */
#define VSL_CG_DEFAULT_PARENT "vessel"

/* path.c: where the cgroup goes. "/vessel/<id>", or the config's path made absolute and
 * free of "." and ".." (EINVAL); with systemd the scope's cgroup for "slice:prefix:name"
 * (systemd_unit.c). */
int vsl_cg_resolve_path(const char *id, const char *cgroups_path, bool systemd, char **out,
			struct vsl_err *err);
/* The recorded form: "<owned>:<path>", owned = how many trailing components vessel made;
 * "systemd:<owned>:<path>" for a scope (owned 0: not started by this container yet). */
char *vsl_cg_record(const char *path, unsigned owned, bool systemd);
int vsl_cg_parse_record(const char *rec, char **path, unsigned *owned, bool *systemd,
			struct vsl_err *err);

/* ---- the handle ---- */

enum vsl_cg_mode { VSL_CG_V1, VSL_CG_V2 };

#define VSL_CG_MAX_HIER 16

struct vsl_cg_hier {		/* one v1 hierarchy */
	char *ctrls;		/* "cpu" or "cpu,cpuacct" (names mounted together) */
	char *mount;		/* /sys/fs/cgroup/cpu */
	char *dir;		/* mount + path */
};

/* systemd.c: a process kept in a new scope until the container's first one is in it. */
struct vsl_cg_holder {
	pid_t pid;
};

struct vsl_cgroup {
	enum vsl_cg_mode mode;
	const struct vsl_cg_ops *ops;
	const struct vsl_log *log;
	char *path;		/* "/vessel/web1" inside every hierarchy */
	unsigned owned;		/* trailing components of path vessel created */
	char *record;
	/* systemd driver: the scope unit ("vessel-web1.scope"), and its holder while create
	 * runs; NULL with the cgroupfs drivers */
	char *unit;
	struct vsl_cg_holder *holder;
	/* v1 */
	struct vsl_cg_hier hier[VSL_CG_MAX_HIER];
	size_t n_hier;
	/* v2, or on a v1 host the unified tree beside the controllers (hybrid), or NULL */
	char *unified_mount;
	char *unified_dir;
};

struct vsl_cg_ops {
	/* mkdir every level (owned counts what was new), enable controllers; systemd: start the
	 * scope with the settings it owns as properties, taken out of s. What is left in s is
	 * written to the cgroup afterwards. */
	int (*create)(struct vsl_cgroup *cg, const struct vsl_cg_req *req, struct vsl_cg_settings *s,
		      struct vsl_err *err);
	/* Before update writes s: hand the settings the manager owns to it and take them out of
	 * s (systemd: SetUnitProperties). NULL: cgroupfs owns everything. */
	int (*update)(const struct vsl_cgroup *cg, const struct vsl_resources *res,
		      struct vsl_cg_settings *s, struct vsl_err *err);
	/* The directory holding file ("memory.max"), or NULL with err filled (controller
	 * not mounted / not available). */
	const char *(*dir_for)(const struct vsl_cgroup *cg, const char *file,
			       struct vsl_err *err);
	int (*devices)(const struct vsl_cgroup *cg, const struct vsl_cg_dev_rule *r, size_t n,
		       struct vsl_err *err);
	int (*freeze)(const struct vsl_cgroup *cg, bool frozen, struct vsl_err *err);
	bool (*is_frozen)(const struct vsl_cgroup *cg);
	const char *(*procs_dir)(const struct vsl_cgroup *cg);	/* where to list pids */
	int (*remove)(const struct vsl_cgroup *cg, struct vsl_err *err); /* rmdir -r, ENOENT ok */
	int (*stats)(const struct vsl_cgroup *cg, struct vsl_cg_stats *out, struct vsl_err *err);
};

extern const struct vsl_cg_ops vsl_cg_v1_ops, vsl_cg_v2_ops, vsl_cg_systemd_ops;

/* detect.c: fill mode and mounts (v1 through libcgroup's mount table). */
int vsl_cg_detect(struct vsl_cgroup *cg, struct vsl_err *err);
bool vsl_cg_unified_host(void);	/* /sys/fs/cgroup is cgroup2 */
/* systemd.c: the handle of a scope on this host (cgroup v2 only: EOPNOTSUPP); for a new one
 * (cg->path not set yet) systemd must be running. */
int vsl_cg_sd_setup(struct vsl_cgroup *cg, struct vsl_err *err);
/* Let the holder go (kill and reap it): the container's first process is in the scope, or
 * create gave up. No-op without one. */
void vsl_cg_sd_release(const struct vsl_cgroup *cg);
/* For tests: a v2 handle on another cgroup2 mount (the hybrid host's unified tree). */
int vsl_cg_create_v2_at(const char *mount, const struct vsl_cg_req *req,
			struct vsl_cgroup **out, struct vsl_err *err);
int vsl_cg_open_v2_at(const char *mount, const char *recorded, const struct vsl_log *log,
		      struct vsl_cgroup **out, struct vsl_err *err);
/* The controllers the settings write to ("memory", "cpu", ...), NULL-terminated. */
char **vsl_cg_settings_ctrls(const struct vsl_cg_settings *s);
/* v1 hierarchy holding controller ctrl, or NULL. */
const struct vsl_cg_hier *vsl_cg_v1_hier(const struct vsl_cgroup *cg, const char *ctrl);

/* fs.c: cgroupfs file access with errors that name the file (and value). */
int vsl_cg_write(const char *dir, const char *file, const char *value, struct vsl_err *err);
int vsl_cg_read(const char *dir, const char *file, char **out, struct vsl_err *err);
int vsl_cg_read_u64(const char *dir, const char *file, uint64_t *out); /* "max" -> UINT64_MAX */
/* "key value" lines (memory.stat, cpu.stat, memory.events): value of key, or -ENOENT. */
int vsl_cg_keyed_u64(const char *text, const char *key, uint64_t *out);
/* Append the pids of dir/cgroup.procs and of every child cgroup. */
int vsl_cg_collect_pids(const char *dir, pid_t **pids, size_t *n, struct vsl_err *err);
/* rmdir dir and its child cgroups, deepest first, retrying while tasks finish exiting. */
int vsl_cg_rmdir_tree(const char *dir, struct vsl_err *err);
/* rmdir the owned-1 parents of path under mount, stopping at the first one in use. */
void vsl_cg_rmdir_parents(const char *mount, const char *path, unsigned owned);
/* mkdir mount+path level by level; *made = how many trailing levels were new. */
int vsl_cg_mkdir_path(const char *mount, const char *path, unsigned *made, struct vsl_err *err);

/* Write one setting: alt file when file is absent; OPTIONAL knobs the kernel lacks or
 * ignores only warn; KEEP_FIRST composes with the current first field. */
int vsl_cg_apply_one(const char *dir, const struct vsl_cg_setting *s, const struct vsl_log *log,
		     struct vsl_err *err);

/* v2.c helpers shared with the hybrid unified dir of a v1 host. */
/* Enable controllers in subtree_control from the mount down to the parent of path: all that
 * are available (all) or just need. Failing to enable one in need fails; others are logged. */
int vsl_cg_v2_enable(const char *mount, const char *path, bool all, char *const *need,
		     const struct vsl_log *log, struct vsl_err *err);
bool vsl_cg_v2_has(const char *mount, const char *ctrl);	/* in cgroup.controllers */
int vsl_cg_v2_freeze(const char *dir, bool frozen, struct vsl_err *err);
bool vsl_cg_v2_is_frozen(const char *dir);
int vsl_cg_v2_kill(const char *dir, struct vsl_err *err);	/* cgroup.kill; -ENOENT if absent */

/* evict.c: a process held frozen by a cgroup outside the container's. */
/* Is pid in a frozen (or freezing) cgroup, in the freezer hierarchy or the unified tree? */
bool vsl_cg_pid_frozen_in(const struct vsl_cgroup *cg, pid_t pid);
/* Each of pids that is frozen: moved out of cg's directories into the roots of their
 * hierarchies (never out of the cgroup that holds it frozen), so cg can be removed. */
int vsl_cg_evict_frozen(const struct vsl_cgroup *cg, const pid_t *pids, size_t n,
			struct vsl_err *err);

/* stats.c */
int vsl_cg_stats_v1(const struct vsl_cgroup *cg, struct vsl_cg_stats *out, struct vsl_err *err);
int vsl_cg_stats_v2(const char *dir, struct vsl_cg_stats *out, struct vsl_err *err);
void vsl_cg_stats_hugetlb_v2(const char *dir, struct vsl_cg_stats *out);

/* devices_bpf.c: compile rules into a BPF_PROG_TYPE_CGROUP_DEVICE program and attach it to
 * the cgroup dir, replacing programs vessel attached before. */
int vsl_cg_bpf_devices(const char *dir, const struct vsl_cg_dev_rule *r, size_t n,
		       struct vsl_err *err);
/* The program itself (pure), for tests: instruction count, or -E2BIG. */
struct bpf_insn;
int vsl_cg_bpf_compile(const struct vsl_cg_dev_rule *r, size_t n, struct bpf_insn *insns,
		       size_t cap);

#endif
