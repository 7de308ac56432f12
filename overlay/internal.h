/* Shared by the files of overlay/ only: paths, the store lock, the metadata records, the
 * exec/pump helper for tar, tree walks and the loop-backed disk. Not for other modules. */
#ifndef VSL_OVERLAY_INTERNAL_H
#define VSL_OVERLAY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/log.h"
#include "overlay/overlay.h"
#include <yajl/yajl_tree.h>

/* store.c */
char *ovl_tpl_dir(const char *store, const char *name); /* <store>/templates/<name> */
char *ovl_layer_dir(const char *store, const char *id); /* <store>/containers/<id> */
/* Make the store's folders and take its lock (flock on <store>/.lock, CLOEXEC fd). */
int ovl_lock(const char *store, int *out_fd, struct vsl_err *err);
/* A JSON object from path (yajl tree, the caller frees); NULL with err filled. */
yajl_val ovl_json_load(const char *path, struct vsl_err *err);
/* RFC 3339 UTC now. */
char *ovl_now(void);

struct ovl_layer {
	char *template_name;
	char *target;
	uint64_t disk_limit;
	bool keep;
	char *target_top; /* topmost directory the mount made for target (NULL: none) */
};
void ovl_layer_clear(struct ovl_layer *l);
int ovl_layer_read(const char *dir, struct ovl_layer *out, struct vsl_err *err);
int ovl_layer_write(const char *dir, const struct ovl_layer *l, struct vsl_err *err);

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
/* Remove .import-*, .new-* and .rm-* leftovers of dead processes in templates/ and
 * containers/ (a killed import or create). */
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
/* Unmount the overlay on target (may be NULL) and the layer's disk; not mounted = ok. */
int ovl_layer_detach(const char *store, const char *id, const char *target,
		     const struct vsl_log *log, struct vsl_err *err);

/* disk.c */
int ovl_disk_check_limit(uint64_t size, struct vsl_err *err); /* EINVAL below 16M */
int ovl_disk_create(const char *img, uint64_t size, struct vsl_err *err);
/* Attach img to a free loop device (autoclear) and mount its ext4 on mnt. */
int ovl_disk_mount(const char *img, const char *mnt, struct vsl_err *err);
/* Unmount mnt (the loop device goes with it); not mounted = ok. */
int ovl_disk_umount(const char *mnt, const struct vsl_log *log, struct vsl_err *err);
bool ovl_is_mountpoint(const char *path);

#endif
