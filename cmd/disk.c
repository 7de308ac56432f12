/* vessel disk ID [SIZE]: show a container's private layer use, or change its disk limit. */
#include <stdio.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/overlay.h"
#include "runtime/container.h"

/* The container's store (recorded at create, else --store) and whether a process of it may
 * hold its layer (an image can then only grow). */
static char *container_store(const struct vsl_ctx *ctx, const char *id, bool *in_use)
{
	cleanup_container struct vsl_container *c = NULL;
	const char *rec;
	struct vsl_err err;

	*in_use = false;
	if (vsl_store_peek(ctx, id, &c, &err) < 0)
		return xstrdup(ctx->store);
	*in_use = vsl_container_status(c) != VSL_STATUS_STOPPED;
	rec = vsl_state_get(&c->state, VSL_STORE_STATE_KEY);
	return xstrdup(rec ? rec : ctx->store);
}

static void print_disk(const char *store, const char *id, const struct vsl_ovl_disk *d)
{
	unsigned maj, min;
	struct vsl_err err;

	printf("limit %llu\nused %llu\ninode_limit %llu\ninodes %llu\nproject %u\nbackend %s\n"
	       "mounted %s\n",
	       (unsigned long long)d->limit, (unsigned long long)d->used,
	       (unsigned long long)d->inode_limit, (unsigned long long)d->inodes, d->project,
	       d->backend, d->mounted ? "true" : "false");
	if (vsl_ovl_disk_device(store, id, &maj, &min, &err) == 0)
		printf("device %u:%u\n", maj, min);
}

static int disk_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	const struct vsl_cmd *cmd = &vsl_cmd_disk;
	cleanup_free char *store = NULL;
	struct vsl_ovl_disk d;
	struct vsl_args a;
	struct vsl_err err;
	uint64_t size;
	const char *v;
	bool busy;
	int k;

	vsl_args_init(&a, cmd, argc, argv);
	k = vsl_args_next(&a, &v);
	if (k < 0)
		return a.exit;
	if (a.argc != 1 && a.argc != 2)
		return vsl_cmd_usage_error(cmd, "needs ID and optionally SIZE");
	store = container_store(ctx, a.argv[0], &busy);
	if (vsl_ovl_store_ensure(store, &ctx->log, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	if (a.argc == 2) {
		if (vsl_parse_size(a.argv[1], &size) < 0)
			return vsl_cmd_usage_error(cmd, "bad size %s (e.g. 512M, 10G)", a.argv[1]);
		if (vsl_ovl_disk_resize(store, a.argv[0], size, busy, &ctx->log, &err) < 0)
			return vsl_cmd_fail(ctx, &err);
	}
	if (vsl_ovl_disk_info(store, a.argv[0], &d, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	print_disk(store, a.argv[0], &d);
	return 0;
}

const struct vsl_cmd vsl_cmd_disk = {
	.name = "disk",
	.run = disk_run,
	.summary = "show or change a container's disk limit",
	.args = "ID [SIZE]",
	.details = "Without SIZE: the limit and the use (bytes and files) of the private layer, "
		   "from its\nproject quota (the same mounted or not), its project id, the "
		   "backend (quota, or image on\na kernel without project quotas), whether it "
		   "is mounted, and the device its I/O goes to.\nSIZE (512M, 10G) grows or "
		   "shrinks the limit at once, live; a limit below the use is\nrefused with "
		   "both numbers. The store is the one the container was created with.",
};
