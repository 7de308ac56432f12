/* overlay/: the store. Named read-only templates (each a layer on an optional parent),
 * layered root filesystems (overlayfs of the template chain plus a private upper layer per
 * container), disk limits by project quota, the store's own filesystem (vessel store init)
 * and commit (a container's private layer becomes a new template).
 *
 * Store layout (<store> = ctx->store), the agreed layout every branch builds on:
 *   <store>/store.json                 written by `vessel store init`: {version, fs
 *                                      ("xfs"|"ext4"), backing (the file or device), kind
 *                                      ("file"|"device"), size, created}; absent on a plain
 *                                      directory store. A copy sits in the directory under
 *                                      the mount (shadowed once mounted), from which any
 *                                      command that finds the store unmounted after a
 *                                      reboot mounts it again (one loop device for the
 *                                      whole store, never one per container)
 *   <store>/.lock                      flock: every change to templates and layers
 *   <store>/templates/<name>/rootfs    a template's layer, never written after import
 *   <store>/templates/<name>/meta.json {name, parent, created, source, size, digest}: digest
 *                                      is "sha256:<hex>" of the layer's canonical listing
 *                                      (canon.c), for checking a template by content
 *   <store>/containers/<id>/layer.json {template, target, disk_limit, keep, project, state,
 *                                      target_top}: project = the layer's quota project id
 *                                      (0 = none); state = "<root>/<id>", the state dir of
 *                                      the container using it (a non-kept layer whose state
 *                                      dir is gone is garbage); target_top = the topmost
 *                                      directory made for target
 *   <store>/containers/<id>/upper, work the private layer. On a store with project quotas
 *                                      the layer directory carries project `project` with
 *                                      the inherit flag and the project has hard block and
 *                                      inode limits: no image, no loop device, no mount
 *   <store>/containers/<id>/disk.img   only on a kernel without project quotas (the one case
 *                                      kept for it): a sparse ext4 image holding upper/ and
 *                                      work/, mounted on .../disk while in use
 *   <store>/containers/.new-<id>       a layer being made, .rm-<id> one being removed (under
 *                                      the lock: a leftover one is a killed command's)
 *   <store>/projects/next, <proj>      project id allocation, O(1) per create: a counter and
 *                                      one claim per id in use (a symlink <proj> -> <id>)
 *   <store>/net/                       networks and address leases (netns/)
 *   <store>/vps/, <store>/userns/      the VPS layer's definitions, id ranges
 * A container uses a template while its layer.json exists, is not garbage, and names a
 * template of the chain: that is the refcount, so it can never drift from what is on disk. */
#ifndef VSL_OVERLAY_OVERLAY_H
#define VSL_OVERLAY_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/log.h"

/* The annotations a config.json uses to ask for a layered rootfs. */
#define VSL_OVL_ANN_TEMPLATE "vessel.template"
#define VSL_OVL_ANN_DISK_LIMIT "vessel.disk.limit"
#define VSL_OVL_ANN_KEEP_LAYER "vessel.keep-layer"

/* The smallest disk limit (below it an image's own metadata would be most of it). */
#define VSL_OVL_MIN_DISK (16ULL << 20)

/* Overlayfs refuses deeper stacks (OVL_MAX_STACK). */
#define VSL_OVL_MAX_LAYERS 500

struct vsl_ovl_req {
	const char *store;	   /* ctx->store */
	const char *id;		   /* container id */
	const char *template_name; /* annotation vessel.template */
	const char *target;	   /* absolute root.path: where the merged rootfs is mounted
				    * (created if missing) */
	uint64_t disk_limit;	   /* annotation vessel.disk.limit parsed, 0 = none */
	bool keep_layer;	   /* annotation vessel.keep-layer */
	const char *state;	   /* the container's state dir (absolute), recorded in layer.json
				    * so "in use" can tell a live container from a gone one */
	const struct vsl_log *log;
};

/* Fill template_name, disk_limit and keep_layer of *out from the three annotations'
 * values (NULL when absent; no template means no layered rootfs). Pure. EINVAL names the
 * annotation: "annotation vessel.disk.limit: bad size 10Q (e.g. 512M, 10G)". */
int vsl_ovl_parse_annotations(const char *tpl, const char *limit, const char *keep,
			      struct vsl_ovl_req *out, struct vsl_err *err);

/* Mount the layered rootfs on req->target. A private layer left by an earlier container of
 * the same id and template (vessel.keep-layer) is reused. On a store with project quotas the
 * new layer gets its own project, limited to disk_limit; a limit on a store without them is
 * refused with a line naming `vessel store init` (EOPNOTSUPP), except on a kernel that cannot
 * have project quotas, where it becomes a disk image. Everything is recorded in layer.json
 * before it is made, and on failure nothing is left (no mount, no project, no directory made
 * by this call). ENOENT: unknown template; EEXIST: the id has a private layer for another
 * template; EINVAL: bad name, target or limit. */
int vsl_ovl_mount(const struct vsl_ovl_req *req, struct vsl_err *err);
/* Does the id already have a private layer (kept from an earlier container)? A create that
 * fails must not remove a layer it did not make: the runtime asks this before mounting. */
bool vsl_ovl_has_layer(const char *store, const char *id);
/* Unmount and remove the private layer (its project and quota limits too) unless keep_layer;
 * what a killed create or removal of the id left (containers/.new-<id>, .rm-<id>) goes as
 * well. Idempotent (already gone = ok). store, id, template_name (a layer of another template
 * is left alone), target, keep_layer and log are read. */
int vsl_ovl_unmount(const struct vsl_ovl_req *req, struct vsl_err *err);
/* The same for a container whose state is gone (a reboot wiped the state root): its layer is
 * unmounted (if the overlay on its recorded target is its own) and removed unless kept, from
 * layer.json alone. A layer whose recorded state dir is not state and still exists belongs
 * to a live container elsewhere and is left alone. */
int vsl_ovl_forget(const char *store, const char *id, const char *state,
		   const struct vsl_log *log, struct vsl_err *err);

/* Check a template name or container id: [A-Za-z0-9][A-Za-z0-9._-]*, at most 128 bytes,
 * so "a/b" and ".." are refused. kind names the object in the message ("template"). */
int vsl_ovl_check_name(const char *kind, const char *name, struct vsl_err *err);

/* Progress of a long copy: done and total in bytes (total 0 = unknown). */
typedef void (*vsl_ovl_progress_fn)(void *arg, uint64_t done, uint64_t total);

struct vsl_ovl_import_req {
	const char *store;
	const char *name;	      /* the new template */
	const char *source;	      /* directory, .tar[.gz|.xz|.zst] or OCI image layout */
	const char *parent;	      /* NULL, or the template this one is a layer on */
	vsl_ovl_progress_fn progress; /* may be NULL */
	void *progress_arg;
	const struct vsl_log *log;
};

/* Import a template. Atomic: it is unpacked into a hidden staging directory that is renamed
 * into place only when complete, so a failed or killed import leaves no template (a killed
 * one's staging directory is removed by the next import). EEXIST: name taken. */
int vsl_ovl_import(const struct vsl_ovl_import_req *req, struct vsl_err *err);

struct vsl_ovl_template {
	char *name;
	char *parent;	 /* NULL: a base template */
	char *created;	 /* RFC 3339 UTC */
	char *source;	 /* what it was imported from, or "commit <id>" */
	uint64_t size;	 /* bytes on disk of its own layer */
	char *digest;	 /* "sha256:<hex>" of its content (NULL: made before digests) */
	char **users;	 /* container ids using it (directly or through a child
			  * template); NULL-terminated, never NULL */
	char **children; /* templates built on it; NULL-terminated, never NULL */
};

void vsl_ovl_template_clear(struct vsl_ovl_template *t);
/* One template. ENOENT if it does not exist. */
int vsl_ovl_template_get(const char *store, const char *name, struct vsl_ovl_template *out,
			 struct vsl_err *err);
/* All templates, sorted by name; *out is a malloc'd array (free each with _clear, then it). */
int vsl_ovl_template_list(const char *store, struct vsl_ovl_template **out, size_t *out_n,
			  struct vsl_err *err);
/* Remove a template. EBUSY, naming a user, while a container or a child template uses it;
 * layers whose container is gone (garbage) are no users: they are removed first. */
int vsl_ovl_template_rm(const char *store, const char *name, struct vsl_err *err);
/* The content digest of a template, computed now from its layer ("sha256:<hex>", malloc'd).
 * A template imported before digests gets it recorded in its meta.json; one whose content no
 * longer matches its recorded digest is refused (EILSEQ, both digests named). */
int vsl_ovl_template_digest(const char *store, const char *name, char **out,
			    struct vsl_err *err);

struct vsl_ovl_commit_req {
	const char *store;
	const char *id;	  /* a container with a private layer */
	const char *name; /* the new template, a layer on the container's template */
	vsl_ovl_progress_fn progress;
	void *progress_arg;
	const struct vsl_log *log;
};

/* Snapshot a container's private layer (its whiteouts and opaque directories included) as a
 * new template whose parent is the container's template. The caller makes sure the
 * container is stopped or paused. Atomic like an import. */
int vsl_ovl_commit(const struct vsl_ovl_commit_req *req, struct vsl_err *err);

struct vsl_ovl_disk {
	uint64_t limit;	      /* bytes, 0: no limit */
	uint64_t used;	      /* bytes used by the private layer */
	uint64_t inode_limit; /* 0: no limit */
	uint64_t inodes;      /* files, directories, links in use */
	uint32_t project;     /* quota project id, 0: none */
	const char *backend;  /* "quota", "image" (kernel without project quotas) or "none" */
	bool mounted;	      /* the layered rootfs is mounted on its target */
};

/* Disk use of a container's private layer: from the project quota (the same mounted or not),
 * or from the image's filesystem. ENOENT: no layer for this id. */
int vsl_ovl_disk_info(const char *store, const char *id, struct vsl_ovl_disk *out,
		      struct vsl_err *err);
/* Change a container's disk limit, completely or not at all (quota, record, image, mounts).
 * With a project: one quota change, instant and live; a limit below what is in use is
 * refused with both numbers (ENOSPC). in_use: a container process may hold the layer (it is
 * created, running or paused): an image can then only grow, online. EOPNOTSUPP: no project
 * and no image (the store has no project quotas: `vessel store init`). */
int vsl_ovl_disk_resize(const char *store, const char *id, uint64_t limit, bool in_use,
			const struct vsl_log *log, struct vsl_err *err);

/* The store's own filesystem. */
struct vsl_ovl_store_init_req {
	const char *store;
	const char *backing; /* a block device, or a new file; NULL: <store>.img */
	uint64_t size;	     /* of a new file; 0: the free space where it is made */
	const char *fs;	     /* "xfs" (NULL, the default: reflinks, quotas for root too) or
			      * "ext4" */
	const struct vsl_log *log;
};

/* Make the store's filesystem (mkfs.xfs or mkfs.ext4 -O quota,project) on the device or on a
 * new sparse file (then one loop device, LOOP_CONFIGURE, autoclear, direct I/O), mount it on
 * the store with project quotas and record it. The store must hold nothing but empty
 * directories (they would be hidden). On failure nothing is left. */
int vsl_ovl_store_init(const struct vsl_ovl_store_init_req *req, struct vsl_err *err);
/* Mount the store's filesystem again if store.json records one and it is not mounted (after
 * a reboot); a plain directory store is left alone. One flock on the backing serialises the
 * commands that race here; a file already held by a loop device goes through that device. */
int vsl_ovl_store_ensure(const char *store, const struct vsl_log *log, struct vsl_err *err);
/* mkdir -p the store, ensure it is mounted, and its absolute path (malloc'd). */
int vsl_ovl_store_open(const char *store, char **out_abs, const struct vsl_log *log,
		       struct vsl_err *err);

struct vsl_ovl_store_info {
	char *path;	      /* absolute */
	bool recorded;	      /* store.json: made by store init; then: */
	char *fs, *backing, *created;
	bool device;	      /* backing is a block device (else a file on a loop device) */
	uint64_t size;
	char dev[64];	      /* the device mounted: "/dev/loopN" or the backing; "" if none */
	bool dio;	      /* a loop device doing direct I/O */
	bool mounted;	      /* a filesystem of its own is mounted on the store */
	char fstype[16];      /* of the filesystem holding the store: xfs, ext4, tmpfs, ... */
	bool quota;	      /* project quotas enforced */
	bool image_fallback;  /* none, and the kernel has none: limits become images */
	uint64_t total, avail;
	bool has_io;	      /* io_major:io_minor, see vsl_ovl_store_device */
	unsigned io_major, io_minor;
};
int vsl_ovl_store_info(const char *store, struct vsl_ovl_store_info *out, struct vsl_err *err);
void vsl_ovl_store_info_clear(struct vsl_ovl_store_info *in);
/* The block device that really does the store's disk I/O, for io limits and accounting: the
 * store's device, or through loop devices the disk holding the backing file (the loop worker
 * issues that I/O in the cgroup of the process that started it); a partition's whole disk.
 * ENODEV: the store's filesystem has no block device (tmpfs). */
int vsl_ovl_store_device(const char *store, unsigned *out_major, unsigned *out_minor,
			 struct vsl_err *err);
/* The device a container's own disk I/O is issued to, for its io limits: the store's (see
 * above) for a layer on project quotas, its image's loop device for the image fallback
 * (ENODEV while that image is not attached). */
int vsl_ovl_disk_device(const char *store, const char *id, unsigned *out_major,
			unsigned *out_minor, struct vsl_err *err);

/* Overlay mount data (opts.c, pure). Layers are given top first. Paths are escaped
 * (`\` `,` `:` get a backslash). E2BIG if the result does not fit in one page with its NUL
 * (mount(2) truncates the data there); EINVAL if there are no lowers or too many. */
#define VSL_OVL_DATA_MAX 4096
int vsl_ovl_opts_build(char *const *lowers, size_t n_lowers, const char *upper, const char *work,
		       const char *extra, char **out, struct vsl_err *err);
/* The escaped form of s, malloc'd (pure; exposed for the tests). */
char *vsl_ovl_escape(const char *s);

#endif
