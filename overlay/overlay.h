/* overlay/: the template store (named read-only root filesystems, each a layer on an
 * optional parent), layered root filesystems (overlayfs of the template chain plus a private
 * upper layer per container), per-container disk limits (a sparse ext4 image on a loop
 * device) and commit (a container's private layer becomes a new template).
 *
 * Store layout (<store> = ctx->store):
 *   <store>/templates/<name>/rootfs      the layer (read-only by convention: never written)
 *   <store>/templates/<name>/meta.json   name, parent, created, source, size, digest
 *                                        ("sha256:<hex>" of the layer's canonical listing)
 *   <store>/containers/<id>/layer.json   template, target, disk limit, keep
 *   <store>/containers/<id>/upper, work  the private layer (no disk limit), or
 *   <store>/containers/<id>/disk.img     the sparse ext4 image, mounted on .../disk
 *                                        (holding upper/ and work/) while in use
 * A container uses a template while its layer.json exists and names a template of the
 * chain: that is the refcount, so it can never drift from what is on disk. */
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

/* The smallest disk limit: below it ext4's own metadata would be most of the image. */
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
	const struct vsl_log *log;
};

/* Fill template_name, disk_limit and keep_layer of *out from the three annotations'
 * values (NULL when absent; no template means no layered rootfs). Pure. EINVAL names the
 * annotation: "annotation vessel.disk.limit: bad size 10Q (e.g. 512M, 10G)". */
int vsl_ovl_parse_annotations(const char *tpl, const char *limit, const char *keep,
			      struct vsl_ovl_req *out, struct vsl_err *err);

/* Mount the layered rootfs on req->target. A private layer left by an earlier container of
 * the same id and template (vessel.keep-layer) is reused. On failure nothing is left (no
 * mount, no loop device, no directory made by this call). ENOENT: unknown template;
 * EEXIST: the id has a private layer for another template; EINVAL: bad name or target. */
int vsl_ovl_mount(const struct vsl_ovl_req *req, struct vsl_err *err);
/* Does the id already have a private layer (kept from an earlier container)? A create that
 * fails must not remove a layer it did not make: the runtime asks this before mounting. */
bool vsl_ovl_has_layer(const char *store, const char *id);
/* Unmount and remove the private layer unless keep_layer; idempotent (already gone = ok).
 * Only store, id, target, keep_layer and log are read. */
int vsl_ovl_unmount(const struct vsl_ovl_req *req, struct vsl_err *err);

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
/* Remove a template. EBUSY, naming a user, while a container or a child template uses it. */
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
	uint64_t limit; /* 0: no limit */
	uint64_t used;	/* bytes used in the private layer */
	uint64_t image; /* bytes the sparse image takes on the store (0: none) */
	bool mounted;	/* the image is attached and mounted */
};

/* Disk use of a container's private layer. ENOENT: no layer for this id. */
int vsl_ovl_disk_info(const char *store, const char *id, struct vsl_ovl_disk *out,
		      struct vsl_err *err);
/* Change a container's disk limit. Growing works mounted or not (online ext4 resize);
 * shrinking needs the image unused: a stopped container's rootfs is unmounted, shrunk
 * offline (e2fsck + resize2fs) and mounted again. ENOSPC: the data does not fit. */
int vsl_ovl_disk_resize(const char *store, const char *id, uint64_t limit,
			const struct vsl_log *log, struct vsl_err *err);

/* Overlay mount data (opts.c, pure). Layers are given top first. Paths are escaped
 * (`\` `,` `:` get a backslash). E2BIG if the result does not fit in one page with its NUL
 * (mount(2) truncates the data there); EINVAL if there are no lowers or too many. */
#define VSL_OVL_DATA_MAX 4096
int vsl_ovl_opts_build(char *const *lowers, size_t n_lowers, const char *upper, const char *work,
		       const char *extra, char **out, struct vsl_err *err);
/* The escaped form of s, malloc'd (pure; exposed for the tests). */
char *vsl_ovl_escape(const char *s);

#endif
