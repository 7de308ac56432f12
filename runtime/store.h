/* The state store: one directory per container under --root, holding state.json and
 * exec.fifo. A container is always handled locked: flock on its directory fd serializes
 * every command on one container (a lock on the directory itself, so nothing is left to
 * clean and a waiter that wins after a delete sees the directory is gone). */
#ifndef VSL_RUNTIME_STORE_H
#define VSL_RUNTIME_STORE_H

#include <stdbool.h>

#include "common/err.h"
#include "runtime/ctx.h"
#include "spec/state.h"

struct vsl_container {
	const struct vsl_ctx *ctx;
	char *id;
	char *dir;		/* <root>/<id>, absolute */
	int dirfd;		/* O_DIRECTORY, flock'ed */
	struct vsl_state state;
};

/* The state key naming the store (absolute) a container was created with: its layer,
 * project and leases are there, whatever --store a later command is given. */
#define VSL_STORE_STATE_KEY "store"

/* runc's rule: [A-Za-z0-9_+.-]+, not "." or "..", at most 1024 bytes. */
int vsl_store_check_id(const char *id, struct vsl_err *err);
/* <root>/<id> as an absolute path (malloc'd), whether or not it exists. */
char *vsl_store_state_dir(const struct vsl_ctx *ctx, const char *id);
/* Make <root>/<id> and lock it; EEXIST -> "container ID already exists". state is blank. */
int vsl_store_new(const struct vsl_ctx *ctx, const char *id, struct vsl_container **out,
		  struct vsl_err *err);
/* Open and lock an existing container and read its state; ENOENT -> "container ID does not
 * exist". With allow_broken, a directory whose state.json is missing or unreadable (a
 * runtime killed halfway) still opens, with a blank state, so delete --force can clean it. */
int vsl_store_open(const struct vsl_ctx *ctx, const char *id, bool allow_broken,
		   struct vsl_container **out, struct vsl_err *err);
/* Read a container's state without taking its lock (state.json is replaced atomically),
 * for list: a long create must not stall it. ENOENT if it vanished or has no state yet. */
int vsl_store_peek(const struct vsl_ctx *ctx, const char *id, struct vsl_container **out,
		   struct vsl_err *err);
/* Write state.json atomically. */
int vsl_store_save(struct vsl_container *c, struct vsl_err *err);
/* The container's copy of config.json (later commands read it: exec defaults, hooks). */
int vsl_store_save_config(struct vsl_container *c, const char *json, struct vsl_err *err);
struct vsl_config *vsl_store_load_config(const struct vsl_container *c, struct vsl_err *err);
/* Lay patch (JSON, see vsl_json_merge) over the stored config.json (update's new limits). */
int vsl_store_patch_config(struct vsl_container *c, const char *patch, struct vsl_err *err);
/* Remove state.json, exec.fifo and the directory. */
int vsl_store_remove(struct vsl_container *c, struct vsl_err *err);
/* Unlock and free. */
void vsl_container_free(struct vsl_container *c);
static inline void vsl_container_freep(struct vsl_container **c)
{
	vsl_container_free(*c);
}
#define cleanup_container __attribute__((cleanup(vsl_container_freep)))

/* The ids under root, sorted. */
int vsl_store_list(const struct vsl_ctx *ctx, char ***out_ids, struct vsl_err *err);

/* Is the recorded process still the one we started (same pid and start time)? */
bool vsl_container_alive(const struct vsl_container *c);
/* The live status: computed from facts, not just what state.json says. */
enum vsl_status vsl_container_status(const struct vsl_container *c);

#define VSL_EXEC_FIFO "exec.fifo"
#define VSL_STATE_FILE "state.json"
#define VSL_CONFIG_FILE "config.json"

#endif
