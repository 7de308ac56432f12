/* vps create and vps rm: a definition comes into the store (checked against everything
 * else there: name, template and init, address, ports) and, for good, goes out of it with
 * its disk. A create that fails anywhere leaves nothing. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "netns/net.h"
#include "overlay/overlay.h"
#include "runtime/container.h"
#include "runtime/store.h"
#include "vps/internal.h"

static char *now_rfc3339(void)
{
	char buf[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

/* A random (version 4) UUID: the container_uuid systemd takes as its machine id. */
static char *new_uuid(void)
{
	unsigned char b[16] = { 0 };

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(rand() ^ (int)time(NULL));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	return xasprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
			 b[12], b[13], b[14], b[15]);
}

/* The host name a VPS gets by default: its name, '_' read as '-'. */
static char *default_hostname(const char *name)
{
	char *h = xstrdup(name);

	for (char *p = h; *p; p++)
		if (*p == '_')
			*p = '-';
	return h;
}

/* Fill what the caller left to vessel and check everything that needs no kernel. */
static int complete_def(const struct vsl_vps_ctx *v, struct vsl_vps_def *d, struct vsl_err *err)
{
	uint64_t rate;
	unsigned ma, mi;
	int r;

	r = vsl_vps_check_name(d->name, "VPS name", err);
	if (r == 0)
		r = vsl_store_check_id(d->name, err);
	if (r < 0)
		return r;
	if (!d->hostname)
		d->hostname = default_hostname(d->name);
	if (!d->init)
		d->init = xstrdup("/sbin/init");
	r = vps_detect_init(v->ctx->store, d->template_name, d->init, &d->init_kind, err);
	if (r < 0)
		return r;
	if (!d->halt_signal)
		d->halt_signal = xstrdup(vsl_vps_halt_signal(d->init_kind));
	if (!d->stop_timeout)
		d->stop_timeout = VSL_VPS_STOP_TIMEOUT;
	if (d->net.name && !d->net.address)
		d->net.address = xstrdup("auto");
	if (vps_net_rate_bits(d, &rate, err) < 0)
		return -err->code;
	if ((d->limits.io_bps || d->limits.io_iops) &&
	    vsl_ovl_store_device(v->ctx->store, &ma, &mi, err) < 0)
		return -err->code;
	free(d->created);
	d->created = now_rfc3339();
	free(d->uuid);
	d->uuid = new_uuid();
	return vsl_vps_def_check(d, "VPS", err);
}

/* Is the name free: no VPS, no container, no private layer left by one? */
static int check_free(const struct vsl_vps_ctx *v, const char *name, struct vsl_err *err)
{
	cleanup_free char *dir = vps_path(v->ctx->store, name, NULL);
	cleanup_free char *state = xasprintf("%s/%s", v->ctx->root, name);

	if (access(dir, F_OK) == 0)
		return vsl_refuse(err, EEXIST, "VPS %s already exists", name);
	if (access(state, F_OK) == 0)
		return vsl_refuse(err, EEXIST, "name %s is in use by a container (see vessel list)",
				  name);
	if (vsl_ovl_has_layer(v->ctx->store, name))
		return vsl_refuse(err, EEXIST, "name %s is in use: the store holds a private layer "
				  "of that name (a kept layer of a container)", name);
	return 0;
}

/* Under the store's VPS lock: the name, the address, the ports; then the definition. */
static int record(const struct vsl_vps_ctx *v, struct vsl_vps_def *d, struct vsl_err *err)
{
	cleanup_close int all = vps_lock_all(v->ctx->store, err);
	cleanup_free char *dir = vps_path(v->ctx->store, d->name, NULL);
	char *addr = NULL;
	int r;

	if (all < 0)
		return all;
	r = check_free(v, d->name, err);
	if (r == 0 && d->net.name)
		r = vps_pick_address(v->ctx->store, d, &addr, err);
	if (r < 0)
		return r;
	if (addr) {
		free(d->net.address);
		d->net.address = addr;
	}
	if (mkdir(dir, 0700) < 0)
		return vsl_fail(err, errno, "VPS %s: mkdir %s", d->name, dir);
	r = vps_reserve(v->ctx->store, d, err);
	if (r == 0)
		r = vps_def_save(v->ctx->store, d, err);
	if (r < 0) {
		struct vsl_err tmp;
		vps_release(v->ctx->store, d);
		vsl_rm_rf(dir, &tmp);
	}
	return r;
}

/* Everything of a VPS but its lock: container, network leftovers, disk, reservations,
 * directory. The container must not be running (or force). */
static int remove_locked(const struct vsl_vps_ctx *v, const char *name,
			 const struct vsl_vps_def *d, bool force, struct vsl_err *err)
{
	cleanup_free char *dir = vps_path(v->ctx->store, name, NULL);
	cleanup_free char *target = vps_path(v->ctx->store, name, "bundle/rootfs");
	struct vsl_ovl_req ovl = { .store = v->ctx->store, .id = name, .target = target,
				   .keep_layer = false, .log = &v->ctx->log };
	cleanup_close int all = -1;
	struct vps_run run;
	struct vsl_err tmp;
	int r = 0;

	vps_run_get(v->ctx, name, &run);
	if (run.exists && !run.ours)
		return vsl_refuse(err, EEXIST, "container %s exists and is not VPS %s's (see vessel "
				  "list)", name, name);
	if (run.alive && !force)
		return vsl_refuse(err, EBUSY, "VPS %s is running: stop it first, or use rm --force",
				  name);
	if (run.alive)
		vsl_container_kill(v->ctx, name, SIGKILL, true, &tmp);
	if (run.exists)
		r = vps_container_down(v->ctx, name, err);
	if (r == 0 && d)
		r = vps_clean_stale(v, d, err);
	if (r == 0)
		r = vsl_ovl_unmount(&ovl, err);
	if (r < 0)
		return r;
	all = vps_lock_all(v->ctx->store, err);
	if (all < 0)
		return all;
	if (d)
		vps_release(v->ctx->store, d);
	else
		vps_release_named(v->ctx->store, name);
	return vsl_rm_rf(dir, err);
}

int vsl_vps_create(const struct vsl_vps_ctx *v, const struct vsl_vps_create_opts *o,
		   struct vsl_err *err)
{
	cleanup_close int lock = -1;
	struct vsl_vps_def d;
	struct vsl_err tmp;
	int r;

	vsl_vps_def_copy(&d, &o->def);
	r = complete_def(v, &d, err);
	if (r == 0)
		r = record(v, &d, err);
	if (r < 0)
		goto out;
	if (o->no_start)
		goto out;
	lock = vps_lock(v->ctx->store, d.name, true, err);
	r = lock < 0 ? lock : vps_start_locked(v, &d, lock, err);
	if (r < 0)
		remove_locked(v, d.name, &d, true, &tmp);
out:
	vsl_vps_def_clear(&d);
	return r;
}

int vsl_vps_rm(const struct vsl_vps_ctx *v, const char *name, bool force, struct vsl_err *err)
{
	cleanup_close int lock = vps_lock(v->ctx->store, name, true, err);
	struct vsl_vps_def d;
	int r;

	if (lock < 0)
		return lock;
	r = vps_def_load(v->ctx->store, name, &d, err);
	if (r < 0 && !force)
		return vsl_wrap(err, "rm VPS %s (--force removes a broken one)", name);
	r = remove_locked(v, name, r == 0 ? &d : NULL, force, err);
	vsl_vps_def_clear(&d);
	return r;
}
