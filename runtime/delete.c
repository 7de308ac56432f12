/* delete: remove a stopped (or created) container; --force kills a running one first and
 * also cleans what a runtime killed halfway through create left behind, and succeeds when
 * there is nothing left. A forced delete of a container whose state is gone (a reboot wiped
 * the state root) still cleans its objects in the store: its layer unless kept, with its
 * project and quota, its leases, port rules and host veth. `network rm` ignores the leases
 * of containers that are gone in the same way. */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "netns/net.h"
#include "overlay/overlay.h"
#include "runtime/container.h"

/* id's leases, port rules and host veth on every network of the store. */
static int release_net(const char *store, const char *id, const struct vsl_log *log,
		       struct vsl_err *err)
{
	struct vsl_network *nw = NULL;
	size_t n = 0;
	int r;

	r = vsl_net_network_list(store, &nw, &n, err);
	for (size_t i = 0; i < n && r == 0; i++) {
		struct vsl_net_req req = {.store = store, .id = id, .bridge = nw[i].name,
					  .log = log};

		r = vsl_net_detach(&req, err);
	}
	free(nw);
	return r;
}

/* The store objects of a container whose state is gone, found from the store alone. */
static int forget(const struct vsl_ctx *ctx, const char *id, struct vsl_err *err)
{
	cleanup_free char *state = vsl_store_state_dir(ctx, id);
	int r;

	if (access(ctx->store, F_OK) < 0)
		return 0; /* no store: nothing of it can be left */
	r = vsl_ovl_store_ensure(ctx->store, &ctx->log, err);
	if (r == 0)
		r = vsl_ovl_forget(ctx->store, id, state, &ctx->log, err);
	if (r == 0)
		r = release_net(ctx->store, id, &ctx->log, err);
	return r;
}

int vsl_container_delete(const struct vsl_ctx *ctx, const char *id, bool force,
			 struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	enum vsl_status s;
	int r;

	r = vsl_store_open(ctx, id, force, &c, err);
	/* As runc and crun: a forced delete of a container that is not there is done (podman
	 * and containerd's shim clean up with it after a failed or finished create), once what
	 * it may have left in the store is gone. */
	if (r == -ENOENT && force)
		return forget(ctx, id, err) < 0 ? vsl_wrap(err, "delete container %s", id) : 0;
	if (r < 0)
		return r;
	s = vsl_container_status(c);
	if (!force && !vsl_status_allows(s, VSL_OP_DELETE))
		return vsl_status_refuse(c, s, VSL_OP_DELETE, err);
	r = vsl_container_teardown(c, true, err);
	if (r < 0)
		return vsl_wrap(err, "delete container %s", id);
	return 0;
}

/* Is a lease holder still a container: its state dir under this root, or its host veth (a
 * running container of another state root)? */
static bool holder_exists(const struct vsl_ctx *ctx, const char *id)
{
	cleanup_free char *state = vsl_store_state_dir(ctx, id);
	char veth[VSL_IFNAMSIZ];

	/* if_nametoindex asks the kernel about this network namespace; /sys/class/net shows
	 * the namespace of whoever mounted /sys. */
	vsl_net_veth_name(id, veth);
	return access(state, F_OK) == 0 || if_nametoindex(veth) != 0;
}

int vsl_network_remove(const struct vsl_ctx *ctx, const char *name, struct vsl_err *err)
{
	cleanup_strv char **ids = NULL;
	int r;

	r = vsl_ovl_store_ensure(ctx->store, &ctx->log, err);
	if (r == 0)
		r = vsl_net_lease_holders(ctx->store, name, &ids, err);
	for (char **id = ids; r == 0 && id && *id; id++) {
		struct vsl_net_req req = {.store = ctx->store, .id = *id, .bridge = name,
					  .log = &ctx->log};

		if (holder_exists(ctx, *id))
			continue;
		vsl_debug(&ctx->log, "network %s: container %s is gone, releasing its lease", name,
			  *id);
		r = vsl_net_detach(&req, err);
	}
	if (r == 0)
		r = vsl_net_network_rm(ctx->store, name, err);
	return r;
}
