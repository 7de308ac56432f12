/* Shared by the files of overlay/ only: paths, the store lock, the metadata records, the
 * exec/pump helper for tar, tree walks, loop devices, project quotas, the image fallback and
 * the store's own filesystem. Not for other modules. */
#ifndef VSL_OVERLAY_INTERNAL_H
#define VSL_OVERLAY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/log.h"
#include "overlay/overlay.h"
#include <yajl/yajl_tree.h>

/* store.c */
char *ovl_tpl_dir(const char *store, const char *name); /* <store>/templates/<name> */
char *ovl_layer_dir(const char *store, const char *id); /* <store>/containers/<id> */
/* <store>/containers/.new-<id> (a layer being made) and .rm-<id> (one being removed). Both
 * are only touched under the store lock, so a leftover one is a killed command's. */
char *ovl_stage_layer(const char *store, const char *id);
char *ovl_gone_layer(const char *store, const char *id);
/* Mount the store's filesystem if it is recorded and not mounted, make its folders and take
 * its lock (flock on <store>/.lock, CLOEXEC fd). */
int ovl_lock(const char *store, int *out_fd, struct vsl_err *err);
/* A JSON object from path (yajl tree, the caller frees); NULL with err filled. */
yajl_val ovl_json_load(const char *path, struct vsl_err *err);
/* RFC 3339 UTC now. */
char *ovl_now(void);

/* layer.json */
struct ovl_layer {
	char *template_name;
	char *target;	  /* where it is (or is about to be) mounted */
	char *target_top; /* topmost directory made for target (NULL: none), recorded first */
	uint64_t disk_limit;
	bool keep;
	uint32_t project; /* quota project id (0: none) */
	char *state;	  /* <root>/<id> of the container using it (NULL: unknown) */
};
void ovl_layer_clear(struct ovl_layer *l);
int ovl_layer_read(const char *dir, struct ovl_layer *out, struct vsl_err *err);
int ovl_layer_write(const char *dir, const struct ovl_layer *l, struct vsl_err *err);
/* Garbage: not kept, and the state directory of the container that used it is gone. */
bool ovl_layer_is_garbage(const struct ovl_layer *l);

/* store.json (pure): {version, fs, backing, kind, size, created}. */
struct ovl_storefs {
	char *fs;      /* "xfs" or "ext4" */
	char *backing; /* absolute path of the file or block device */
	bool device;   /* kind "device", else "file" */
	uint64_t size;
	char *created;
};
char *ovl_storefs_format(const struct ovl_storefs *s);
int ovl_storefs_parse(const char *text, struct ovl_storefs *out, struct vsl_err *err);
void ovl_storefs_clear(struct ovl_storefs *s);

/* Read a template's meta.json (users and children left empty); ENOENT: no template. */
int ovl_meta_read(const char *store, const char *name, struct vsl_ovl_template *out,
		  struct vsl_err *err);
/* Write meta.json of a template being staged in dir. */
int ovl_meta_write(const char *dir, const struct vsl_ovl_template *t, struct vsl_err *err);
/* The names of a template and its parents, top first (NULL-terminated). */
int ovl_chain_names(const char *store, const char *name, char ***out, struct vsl_err *err);
/* The rootfs directories of name and its parents, top first (NULL-terminated). */
int ovl_chain(const char *store, const char *name, char ***out, struct vsl_err *err);
/* Staging directory for a new template. */
char *ovl_stage_dir(const char *store, const char *name);
/* Remove .import-* and .rm-* leftovers of dead processes in templates/ (a killed import or
 * template rm). Private layers never need a sweep: their leftovers have fixed names. */
void ovl_stage_sweep(const char *store, const struct vsl_log *log);
/* Rename a complete staging dir to the template under the store lock; EEXIST if the name
 * is taken, ENOENT if the parent (may be NULL) went away meanwhile. */
int ovl_stage_commit(const char *store, const char *stage, const char *name, const char *parent,
		     struct vsl_err *err);

/* import.c: stage a new template, fill it, publish it atomically (import and commit). */
int ovl_publish(const char *store, const char *name, const char *parent, const char *source,
		int (*fill)(const void *arg, const char *stage, struct vsl_err *err),
		const void *arg, const struct vsl_log *log, struct vsl_err *err);

/* tree.c */
uint64_t ovl_du(const char *path);	      /* bytes allocated, hard links once */
uint64_t ovl_apparent_size(const char *path); /* sum of regular file sizes */
/* OCI whiteouts (.wh.NAME, .wh..wh..opq) in dir -> removal (no parent below) or overlay
 * whiteouts (0/0 char device, trusted.overlay.opaque=y) when a parent is below. */
int ovl_whiteouts_convert(const char *dir, bool has_below, struct vsl_err *err);
/* Apply a layer unpacked in src onto dst (OCI layer semantics), emptying src. */
int ovl_layer_merge(const char *src, const char *dst, bool has_below, struct vsl_err *err);

/* digest.c: OCI content digests (sha256, sha512). check: the form alone; verify: that the
 * file at path hashes to it. EILSEQ names both digests on a mismatch. */
int ovl_digest_check(const char *digest, struct vsl_err *err);
int ovl_digest_verify(const char *path, const char *digest, struct vsl_err *err);

/* canon.c: a tree's content digest over its canonical listing (see overlay.h). */
struct ovl_canon_entry {
	const char *path; /* relative to the tree's root, "" for the root itself */
	char type;	  /* f d l c b p s */
	unsigned mode;	  /* permission bits with setuid/setgid/sticky */
	unsigned uid, gid;
	uint64_t size;		/* regular files */
	const char *content;	/* regular files: sha256 hex of the data */
	const char *target;	/* symlinks */
	unsigned rdev_major, rdev_minor;
	const char *const *xattrs; /* "name", "hexvalue" pairs, sorted by name; NULL-ended */
};
/* One line of the listing for e (malloc'd, ends in '\n'). Pure. */
char *ovl_canon_line(const struct ovl_canon_entry *e);
/* "sha256:<hex>" of the tree at root (malloc'd in *out). */
int ovl_tree_digest(const char *root, char **out, struct vsl_err *err);

/* tar.c: Debian's tar does the unpacking; we feed it and report progress. */
struct ovl_progress {
	vsl_ovl_progress_fn fn;
	void *arg;
	uint64_t done, total;
	bool total_known; /* else each step adds its size to total */
};
/* Unpack an archive (tar, gzip, xz or zstd, detected from its first bytes) into dir. */
int ovl_tar_unpack(const char *archive, const char *dir, struct ovl_progress *p,
		   struct vsl_err *err);
/* Copy a directory tree with owners, modes, times, xattrs, devices and hard links. With
 * strip_overlay, trusted.overlay.* other than opaque is left behind (commit). */
int ovl_tar_copy(const char *src, const char *dst, bool strip_overlay, struct ovl_progress *p,
		 struct vsl_err *err);
/* Run argv (no shell); its stderr's first line goes into err on failure. */
int ovl_run(char *const argv[], struct vsl_err *err);

/* mount.c */
/* Mount a container's existing private layer (its disk image first) and the overlay of
 * the template chain on target; undone on failure. */
int ovl_layer_attach(const char *store, const char *id, const struct ovl_layer *l,
		     const char *target, struct vsl_err *err);
/* The upper directory (the owner and mode of the template's root: it is the merged root)
 * and the work directory; existing ones are kept as they are. */
int ovl_make_upper(const char *upper, const char *work, const char *top_lower,
		   struct vsl_err *err);
/* Unmount the overlay on target (may be NULL) and the layer's disk image; not mounted = ok.
 * lazy: a busy mount is detached (delete); else EBUSY (a resize must not go on). */
int ovl_layer_detach(const char *store, const char *id, const char *target, bool lazy,
		     const struct vsl_log *log, struct vsl_err *err);
bool ovl_is_mountpoint(const char *path);

/* purge.c: remove a layer directory (containers/<id>, .new-<id> or .rm-<id>) and all it
 * holds: its overlay on the recorded target (only if the mount is that layer's), the
 * directories made for the target, its project and quota, its image. Store lock held. */
int ovl_layer_purge(const char *store, const char *id, const char *dir,
		    const struct vsl_log *log, struct vsl_err *err);
/* Purge the leftovers of id: .new-<id> (a killed create) and .rm-<id> (a killed removal). */
int ovl_leftovers_purge(const char *store, const char *id, const struct vsl_log *log,
			struct vsl_err *err);
/* The layer's recorded target, unless another overlay than this layer's (dir) is mounted
 * there now: then NULL, not ours to touch. */
const char *ovl_target_of(const struct ovl_layer *l, const char *dir);
/* rmdir target and its parents up to top; non-empty ones stay. */
void ovl_target_remove(const char *target, const char *top);

/* loop.c */
/* Attach the file open on img_fd (named img) to a free loop device, autoclear, direct I/O
 * where possible. Returns the loop fd (CLOEXEC; closing it before a mount detaches again) and
 * "/dev/loopN" in dev. */
int ovl_loop_attach(int img_fd, const char *img, char *dev, size_t devlen, struct vsl_err *err);
/* The loop device holding path (same inode), "/dev/loopN" in dev; false if none. */
bool ovl_loop_find(const char *path, char *dev, size_t len);
bool ovl_loop_dio(const char *dev); /* does it do direct I/O? */

/* quota.c */
#define OVL_INODE_BYTES 16384 /* the inode limit: one per 16K of the block limit, */
#define OVL_MIN_INODES 1024   /* at least this many (ext4's default ratio) */
struct ovl_quota {
	uint64_t limit, used;	/* bytes */
	uint64_t ilimit, inodes;
};
/* Does the filesystem of fd enforce project quotas? */
bool ovl_quota_enforced(int fd);
/* False when the kernel's XFS was built without quotas (nothing can enforce a project). */
bool ovl_kernel_has_prjquota(void);
/* The refusal of a disk limit on a store that cannot have one (names `vessel store init`). */
int ovl_refuse_no_quota(const char *store, struct vsl_err *err);
uint64_t ovl_inode_limit(uint64_t bytes); /* pure */
void ovl_human(uint64_t n, char *buf, size_t len); /* "20.0M"; pure */
/* Refuse limit (bytes) when q's use does not fit, with both numbers. Pure. */
int ovl_quota_check_limit(const struct ovl_quota *q, uint64_t limit, struct vsl_err *err);
int ovl_quota_get(int fsfd, uint32_t proj, struct ovl_quota *out, struct vsl_err *err);
/* Hard block limit bytes and the inode limit derived from it; 0: no limit. */
int ovl_quota_set(int fsfd, uint32_t proj, uint64_t bytes, struct vsl_err *err);
/* Give the directory dirfd project proj with the inherit flag. */
int ovl_project_tag(int dirfd, uint32_t proj, struct vsl_err *err);
/* Claim a project id for container id: from <store>/projects/next on, each candidate is first
 * passed to record() (the layer's record names it before it exists), then claimed as
 * projects/<proj> -> id unless taken. O(1) but for taken ids met after a wrap. */
int ovl_project_alloc(const char *store, int fsfd, const char *id,
		      int (*record)(void *arg, uint32_t proj, struct vsl_err *err), void *arg,
		      uint32_t *out, struct vsl_err *err);
bool ovl_project_owned(const char *store, uint32_t proj, const char *id);
/* If id's claim holds proj: clear its limits, drop the claim. Otherwise nothing. */
int ovl_project_free(const char *store, uint32_t proj, const char *id, struct vsl_err *err);

/* disk.c, image.c */
int ovl_disk_check_limit(uint64_t size, struct vsl_err *err); /* EINVAL below 16M */
int ovl_image_create(const char *img, uint64_t size, struct vsl_err *err);
/* Mount the image on mnt, through the loop device already holding it if there is one. */
int ovl_image_mount(const char *img, const char *mnt, struct vsl_err *err);
int ovl_image_umount(const char *mnt, bool lazy, const struct vsl_log *log, struct vsl_err *err);
void ovl_image_usage(const char *img, const char *mnt, struct vsl_ovl_disk *out);
int ovl_image_resize(const char *store, const char *id, const struct ovl_layer *l,
		     uint64_t limit, bool in_use, const struct vsl_log *log, struct vsl_err *err);

#endif
