/* The state store: directories, locks, state.json, the computed status. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/store.h"
#include "spec/json.h"

int vsl_store_check_id(const char *id, struct vsl_err *err)
{
	size_t n = strlen(id);

	if (n == 0 || n > 1024 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return vsl_refuse(err, EINVAL, "invalid container id \"%s\"", id);
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_+.-", *p))
			return vsl_refuse(err, EINVAL,
					"invalid container id \"%s\": use letters, digits and _+.-",
					id);
	return 0;
}

char *vsl_store_state_dir(const struct vsl_ctx *ctx, const char *id)
{
	char cwd[PATH_MAX];

	if (!ctx->root)
		return xstrdup(""); /* a rootless vessel without a state root: none exists */
	if (ctx->root[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return xasprintf("%s/%s", ctx->root, id);
	return xasprintf("%s/%s/%s", cwd, ctx->root, id);
}

/* A rootless vessel without XDG_RUNTIME_DIR has no state root (cmd/main.c). */
static int check_root(const struct vsl_ctx *ctx, struct vsl_err *err)
{
	if (!ctx->root)
		return vsl_refuse(err, EINVAL, "rootless: no state directory: set "
				  "XDG_RUNTIME_DIR or pass --root DIR");
	return 0;
}

static struct vsl_container *container_alloc(const struct vsl_ctx *ctx, const char *id)
{
	struct vsl_container *c = xzalloc(sizeof(*c));

	c->ctx = ctx;
	c->id = xstrdup(id);
	c->dir = vsl_store_state_dir(ctx, id);
	c->dirfd = -1;
	return c;
}

static int lock_dir(struct vsl_container *c, struct vsl_err *err)
{
	c->dirfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dirfd < 0) {
		if (errno == ENOENT)
			return vsl_refuse(err, ENOENT, "container %s does not exist", c->id);
		return vsl_fail(err, errno, "container %s: open %s", c->id, c->dir);
	}
	while (flock(c->dirfd, LOCK_EX) < 0)
		if (errno != EINTR)
			return vsl_fail(err, errno, "container %s: lock", c->id);
	return 0;
}

int vsl_store_new(const struct vsl_ctx *ctx, const char *id, struct vsl_container **out,
		  struct vsl_err *err)
{
	struct vsl_container *c;
	int r;

	r = vsl_store_check_id(id, err);
	if (r == 0)
		r = check_root(ctx, err);
	if (r < 0)
		return r;
	r = vsl_mkdir_p(ctx->root, 0711, err);
	if (r < 0)
		return r;
	c = container_alloc(ctx, id);
	if (mkdir(c->dir, 0711) < 0) {
		r = errno;
		vsl_container_free(c);
		if (r == EEXIST)
			return vsl_refuse(err, EEXIST, "container %s already exists", id);
		return vsl_fail(err, r, "container %s: mkdir %s/%s", id, ctx->root, id);
	}
	r = lock_dir(c, err);
	if (r < 0) {
		rmdir(c->dir);
		vsl_container_free(c);
		return r;
	}
	c->state.id = xstrdup(id);
	*out = c;
	return 0;
}

int vsl_store_open(const struct vsl_ctx *ctx, const char *id, bool allow_broken,
		   struct vsl_container **out, struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	cleanup_free char *json = NULL;
	size_t len;
	int r;

	r = vsl_store_check_id(id, err);
	if (r == 0)
		r = check_root(ctx, err);
	if (r < 0)
		return r;
	c = container_alloc(ctx, id);
	r = lock_dir(c, err);
	if (r < 0)
		return r;
	/* After waiting for the lock: a delete may have emptied the directory meanwhile. */
	r = vsl_read_file_at(c->dirfd, VSL_STATE_FILE, &json, &len, err);
	if (r == 0)
		r = vsl_state_parse(json, len, &c->state, err);
	if (r < 0) {
		struct stat sb;
		bool gone = fstat(c->dirfd, &sb) == 0 && sb.st_nlink == 0;
		if (gone || (r == -ENOENT && !allow_broken))
			return vsl_refuse(err, ENOENT, "container %s does not exist", id);
		if (!allow_broken)
			return vsl_wrap(err, "container %s", id);
		vsl_state_clear(&c->state);
		c->state.id = xstrdup(id);
		c->state.status = VSL_STATUS_CREATING;
	}
	*out = vsl_steal_ptr(&c);
	return 0;
}

int vsl_store_peek(const struct vsl_ctx *ctx, const char *id, struct vsl_container **out,
		   struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	cleanup_free char *json = NULL;
	size_t len;
	int r;

	r = check_root(ctx, err);
	if (r < 0)
		return r;
	c = container_alloc(ctx, id);
	c->dirfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dirfd < 0)
		return vsl_refuse(err, errno, "container %s does not exist", id);
	r = vsl_read_file_at(c->dirfd, VSL_STATE_FILE, &json, &len, err);
	if (r == 0)
		r = vsl_state_parse(json, len, &c->state, err);
	if (r < 0)
		return r;
	*out = vsl_steal_ptr(&c);
	return 0;
}

int vsl_store_save(struct vsl_container *c, struct vsl_err *err)
{
	cleanup_free char *json = vsl_state_to_json(&c->state);
	cleanup_free char *path = xasprintf("%s/" VSL_STATE_FILE, c->dir);

	return vsl_write_file_replace(path, json, strlen(json), 0600, err);
}

int vsl_store_save_config(struct vsl_container *c, const char *json, struct vsl_err *err)
{
	cleanup_free char *path = xasprintf("%s/" VSL_CONFIG_FILE, c->dir);

	return vsl_write_file_replace(path, json, strlen(json), 0600, err);
}

struct vsl_config *vsl_store_load_config(const struct vsl_container *c, struct vsl_err *err)
{
	cleanup_free char *json = NULL;
	size_t len;

	if (vsl_read_file_at(c->dirfd, VSL_CONFIG_FILE, &json, &len, err) < 0)
		return NULL;
	return vsl_config_parse(json, len, "config.json", err);
}

int vsl_store_patch_config(struct vsl_container *c, const char *patch, struct vsl_err *err)
{
	cleanup_free char *json = NULL, *merged = NULL;
	size_t len;

	if (vsl_read_file_at(c->dirfd, VSL_CONFIG_FILE, &json, &len, err) < 0)
		return -err->code;
	merged = vsl_json_merge(json, VSL_CONFIG_FILE, patch, err);
	if (!merged)
		return -err->code;
	return vsl_store_save_config(c, merged, err);
}

int vsl_store_remove(struct vsl_container *c, struct vsl_err *err)
{
	static const char *const files[] = { VSL_STATE_FILE, VSL_STATE_FILE ".tmp",
					     VSL_CONFIG_FILE, VSL_CONFIG_FILE ".tmp",
					     VSL_EXEC_FIFO };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (unlinkat(c->dirfd, files[i], 0) < 0 && errno != ENOENT)
			return vsl_fail(err, errno, "container %s: remove %s", c->id, files[i]);
	if (rmdir(c->dir) < 0 && errno != ENOENT)
		return vsl_fail(err, errno, "container %s: remove %s", c->id, c->dir);
	return 0;
}

void vsl_container_free(struct vsl_container *c)
{
	if (!c)
		return;
	if (c->dirfd >= 0)
		close(c->dirfd); /* drops the flock */
	vsl_state_clear(&c->state);
	free(c->id);
	free(c->dir);
	free(c);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vsl_store_list(const struct vsl_ctx *ctx, char ***out_ids, struct vsl_err *err)
{
	cleanup_dir DIR *d = NULL;
	char **ids = NULL;
	struct dirent *de;

	*out_ids = NULL;
	if (check_root(ctx, err) < 0)
		return -EINVAL;
	d = opendir(ctx->root);
	if (!d) {
		if (errno == ENOENT) {
			*out_ids = xzalloc(sizeof(char *));
			return 0;
		}
		return vsl_fail(err, errno, "open %s", ctx->root);
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		vsl_strv_push(&ids, de->d_name);
	}
	if (!ids)
		ids = xzalloc(sizeof(char *));
	qsort(ids, vsl_strv_len(ids), sizeof(char *), cmp_str);
	*out_ids = ids;
	return 0;
}

bool vsl_container_alive(const struct vsl_container *c)
{
	if (c->state.pid <= 0)
		return false;
	if (kill(c->state.pid, 0) < 0 && errno == ESRCH)
		return false;
	/* A zombie is dead for us; its start time still matches, so look at its state. */
	return vsl_proc_start_time(c->state.pid) == c->state.start_time &&
	       !vsl_proc_is_zombie(c->state.pid);
}

/* Paused is a fact of the cgroup (v1 freezer.state, v2 cgroup.events), not a record. */
static bool cgroup_frozen(const struct vsl_container *c)
{
	const char *rec = vsl_state_get(&c->state, VSL_CG_STATE_KEY);
	cleanup_cgroup struct vsl_cgroup *cg = NULL;
	struct vsl_err tmp;

	return rec && vsl_cg_open(rec, &c->ctx->log, &cg, &tmp) == 0 && vsl_cg_is_frozen(cg);
}

enum vsl_status vsl_container_status(const struct vsl_container *c)
{
	struct stat sb;

	if (c->state.status == VSL_STATUS_CREATING)
		return VSL_STATUS_CREATING;
	if (!vsl_container_alive(c))
		return VSL_STATUS_STOPPED;
	if (fstatat(c->dirfd, VSL_EXEC_FIFO, &sb, 0) == 0)
		return VSL_STATUS_CREATED;
	if (cgroup_frozen(c))
		return VSL_STATUS_PAUSED;
	return VSL_STATUS_RUNNING;
}
