/* The mount plan: one config.json mounts[] entry turned into what the kernel calls need
 * ({source, target, type, MS_* flags, mount_setattr attributes, propagation, data}).
 * PURE: no syscalls, so every option can be tested without a kernel. runtime/mounts.c
 * applies a plan. */
#ifndef VSL_RUNTIME_MOUNT_PLAN_H
#define VSL_RUNTIME_MOUNT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "spec/config.h"

/* What an option string does (one row of the sorted option table). */
enum vsl_mopt_kind {
	VSL_MOPT_NOOP,		/* "defaults" */
	VSL_MOPT_FLAG,		/* an MS_* flag: set, or cleared when .clear */
	VSL_MOPT_ATIME,		/* noatime/relatime/strictatime: set one, drop the others */
	VSL_MOPT_BIND,		/* bind, rbind */
	VSL_MOPT_PROPAGATION,	/* private, rshared, ... (applied after the mount) */
	VSL_MOPT_REC_ATTR,	/* rro, rnosuid, ...: mount_setattr(AT_RECURSIVE) */
	VSL_MOPT_REC_ATIME,	/* ratime, rnoatime, ...: .attr is the MOUNT_ATTR_ atime value */
	VSL_MOPT_IDMAP,		/* idmap, ridmap */
	VSL_MOPT_TMPCOPYUP,
};

struct vsl_mount_option {
	const char *name;
	enum vsl_mopt_kind kind;
	bool clear;		/* the option removes .flag / .attr instead of setting it */
	unsigned long flag;	/* MS_* (FLAG, ATIME, BIND, PROPAGATION) */
	uint64_t attr;		/* MOUNT_ATTR_* (REC_ATTR) */
};

/* Look an option up in the sorted table; NULL if unknown (then it is filesystem data). */
const struct vsl_mount_option *vsl_mount_option_find(const char *name);
/* The whole table, sorted by name (for tests). */
const struct vsl_mount_option *vsl_mount_option_table(size_t *n);

enum vsl_mount_kind {
	VSL_MOUNT_FS,		/* a new filesystem: mount(2) with type, flags and data */
	VSL_MOUNT_BIND,		/* open_tree(source) + move_mount, then mount_setattr */
	VSL_MOUNT_CGROUP,	/* type cgroup/cgroup2: v1 tmpfs + binds, or v2 mount/bind */
};

struct vsl_mount_plan {
	size_t index;		/* position in mounts[], for error messages */
	enum vsl_mount_kind kind;
	char *source;		/* binds: absolute (joined to the bundle); else as given */
	char *target;		/* absolute, cleaned path inside the container */
	char *fstype;		/* NULL for binds */
	unsigned long flags;	/* MS_* to pass to mount(2) (FS), from the options in order */
	unsigned long cleared;	/* MS_* the options explicitly turned off ("rw", "suid") */
	bool recursive;		/* rbind */
	/* Per-mount attributes for binds (mount_setattr on the new mount only; only what
	 * the options asked for, so locked flags of the source are never touched). */
	uint64_t attr_set, attr_clr;
	uint64_t rec_attr_set, rec_attr_clr;	/* r* options, applied with AT_RECURSIVE */
	unsigned long propagation;	/* MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE [|MS_REC] */
	char *data;		/* unknown options joined with ',' (NULL if none) */
	bool idmap, ridmap, tmpcopyup;
};

/* Build the plan for mounts[index]. bundle is absolute; relative bind sources are joined
 * to it. Errors name "mounts[i]" (EINVAL for a bad destination or option). */
int vsl_mount_plan_build(const struct vsl_mount *m, size_t index, const char *bundle,
			 struct vsl_mount_plan *out, struct vsl_err *err);
void vsl_mount_plan_clear(struct vsl_mount_plan *p);

/* MS_* propagation flags for linux.rootfsPropagation ("shared", "rslave", ...);
 * "" and NULL give 0. Returns 0 or -EINVAL. */
int vsl_mount_propagation_parse(const char *name, unsigned long *out);

/* Translate MS_* per-mount flags (and the atime ones) into mount_setattr attributes.
 * set: the flags to set; cleared: flags to clear. */
void vsl_mount_flags_to_attr(unsigned long set, unsigned long cleared, uint64_t *attr_set,
			     uint64_t *attr_clr);

#endif
