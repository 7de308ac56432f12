/* vps set: change a VPS's limits and settings. A running VPS gets the cgroup limits at once
 * (the runtime's update, recorded in its config as `vessel update` does) and the disk limit
 * through the store, the network rate on its veth (netns); a change the kernel or the store refuses is undone and changes
 * nothing; then the definition is saved, which is what the next start uses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/overlay.h"
#include "runtime/store.h"
#include "vps/internal.h"

/* The definition with o's changes laid over it (checked like any definition). */
static int apply_def(struct vsl_vps_def *d, const struct vsl_vps_set_opts *o, struct vsl_err *err)
{
	struct vsl_vps_limits *l = &d->limits;

	if (o->has_memory)
		l->memory = o->memory;
	if (o->has_swap) {
		l->has_swap = true;
		l->swap = o->swap;
	}
	if (o->has_memory && !o->memory && !o->has_swap) {
		l->has_swap = false;	/* the memory limit removed: the swap limit with it */
		l->swap = 0;
	}
	if (o->has_cpus)
		l->cpus_milli = o->cpus_milli;
	if (o->has_pids)
		l->pids = o->pids;
	if (o->has_disk)
		l->disk = o->disk;
	if (o->has_io_weight)
		l->io_weight = o->io_weight;
	if (o->has_io_bps)
		l->io_bps = o->io_bps;
	if (o->has_io_iops)
		l->io_iops = o->io_iops;
	if (o->has_net_rate) {
		free(l->net_rate);
		l->net_rate = o->net_rate && *o->net_rate ? xstrdup(o->net_rate) : NULL;
	}
	if (o->has_autostart)
		d->autostart = o->autostart;
	if (o->has_hostname) {
		free(d->hostname);
		d->hostname = xstrdup(o->hostname);
	}
	if (o->has_stop_timeout)
		d->stop_timeout = o->stop_timeout;
	if (o->has_halt_signal) {
		free(d->halt_signal);
		d->halt_signal = xstrdup(o->halt_signal);
	}
	return vsl_vps_def_check(d, "VPS", err);
}

int vps_net_rate_bits(const struct vsl_vps_def *d, uint64_t *bits, struct vsl_err *err)
{
	int r;

	*bits = 0;
	if (!d->limits.net_rate)
		return 0;
	if (!d->net.name)
		return vsl_refuse(err, EINVAL, "--net-rate needs a network (--network NET)");
	r = vsl_net_rate_parse(d->limits.net_rate, "--net-rate", bits, err);
	if (r < 0)
		err->complete = true;	/* the message names the range; no strerror after it */
	return r;
}

static struct vsl_throttle_device *one_dev(unsigned ma, unsigned mi, uint64_t rate)
{
	struct vsl_throttle_device *t = xzalloc(sizeof(*t));

	t->major = ma;
	t->minor = mi;
	t->rate = rate;
	return t;
}

/* The cgroup side of the limits o touches, as d now has them (0 = no limit). */
static int live_resources(const struct vsl_vps_ctx *v, const struct vsl_vps_def *d,
			  const struct vsl_vps_set_opts *o, struct vsl_resources *res,
			  struct vsl_err *err)
{
	const struct vsl_vps_limits *l = &d->limits;
	struct vsl_block_io *b = &res->block_io;
	unsigned ma = 0, mi = 0;

	memset(res, 0, sizeof(*res));
	if (o->has_memory || o->has_swap) {
		res->has_memory = res->memory.has_limit = true;
		res->memory.limit = l->memory ? (int64_t)l->memory : -1;
		res->memory.has_swap = l->has_swap;
		res->memory.swap = (int64_t)(l->memory + l->swap);
	}
	if (o->has_cpus) {
		res->has_cpu = res->cpu.has_quota = res->cpu.has_period = true;
		res->cpu.quota = l->cpus_milli ? (int64_t)l->cpus_milli * 100 : -1;
		res->cpu.period = 100000;
	}
	if (o->has_pids) {
		res->has_pids = true;
		res->pids_limit = l->pids ? (int64_t)l->pids : -1;
	}
	if (o->has_io_weight && l->io_weight) {
		res->has_block_io = b->has_weight = true;
		b->weight = l->io_weight;
	}
	if (!o->has_io_bps && !o->has_io_iops)
		return 0;
	if (vsl_ovl_store_device(v->ctx->store, &ma, &mi, err) < 0)
		return -err->code;
	res->has_block_io = true;
	if (o->has_io_bps) {
		b->throttle_read_bps = one_dev(ma, mi, l->io_bps);
		b->throttle_write_bps = one_dev(ma, mi, l->io_bps);
		b->n_throttle_read_bps = b->n_throttle_write_bps = 1;
	}
	if (o->has_io_iops) {
		b->throttle_read_iops = one_dev(ma, mi, l->io_iops);
		b->throttle_write_iops = one_dev(ma, mi, l->io_iops);
		b->n_throttle_read_iops = b->n_throttle_write_iops = 1;
	}
	return 0;
}

static void free_resources(struct vsl_resources *r)
{
	free(r->block_io.throttle_read_bps);
	free(r->block_io.throttle_write_bps);
	free(r->block_io.throttle_read_iops);
	free(r->block_io.throttle_write_iops);
}

static bool touches_cgroup(const struct vsl_vps_set_opts *o)
{
	return o->has_memory || o->has_swap || o->has_cpus || o->has_pids || o->has_io_weight ||
	       o->has_io_bps || o->has_io_iops;
}

/* Apply res to the running container and record it in its config. */
static int cgroup_update(const struct vsl_ctx *ctx, const char *name,
			 const struct vsl_resources *res, struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	cleanup_cgroup struct vsl_cgroup *cg = NULL;
	cleanup_free char *patch = NULL;
	const char *rec;
	int r;

	r = vsl_store_open(ctx, name, false, &c, err);
	if (r < 0)
		return r;
	rec = vsl_state_get(&c->state, VSL_CG_STATE_KEY);
	if (!rec)
		return vsl_fail(err, ENOENT, "VPS %s: no cgroup recorded", name);
	r = vsl_cg_open(rec, &ctx->log, &cg, err);
	if (r == 0)
		r = vsl_cg_update(cg, res, err);
	if (r < 0)
		return r;
	patch = vsl_resources_patch_json(res);
	return vsl_store_patch_config(c, patch, err);
}

static void note(char **s, const char *what)
{
	char *n = xasprintf("%s%s%s", *s, **s ? ", " : "", what);

	free(*s);
	*s = n;
}

/* The rate on the host end of the running VPS's veth, and in its container's config (the
 * annotation, as create gave it). */
static int rate_update(const struct vsl_ctx *ctx, const struct vsl_vps_def *d,
		       struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	cleanup_free char *patch = NULL;
	uint64_t bits;
	char buf[VSL_NET_RATE_STRLEN];
	int r;

	r = vps_net_rate_bits(d, &bits, err);
	if (r == 0)
		r = vsl_net_set_rate(d->name, bits, err);
	if (r == 0)
		r = vsl_store_open(ctx, d->name, false, &c, err);
	if (r < 0)
		return r;
	patch = xasprintf("{\"annotations\":{\"" VSL_NET_ANN_RATE "\":\"%s\"}}",
			  vsl_net_rate_format(bits, buf));
	return vsl_store_patch_config(c, patch, err);
}

/* Put back what set_live changed before a later step failed (best effort, err kept). */
static void undo_live(const struct vsl_vps_ctx *v, const struct vsl_vps_def *old,
		      const struct vsl_vps_set_opts *o, bool rate, bool cg)
{
	struct vsl_resources undo;
	struct vsl_err tmp;

	if (cg && live_resources(v, old, o, &undo, &tmp) == 0) {
		cgroup_update(v->ctx, old->name, &undo, &tmp);
		free_resources(&undo);
	}
	if (rate)
		rate_update(v->ctx, old, &tmp);
}

/* The changes a running VPS takes now; on failure nothing is left changed. */
static int set_live(const struct vsl_vps_ctx *v, const struct vsl_vps_def *old,
		    const struct vsl_vps_def *d, const struct vsl_vps_set_opts *o, char **live,
		    struct vsl_err *err)
{
	struct vsl_resources res;
	bool rate_done = false, cg_done = false;
	int r = 0;

	if (o->has_net_rate) {
		if (rate_update(v->ctx, d, err) < 0)
			return vsl_wrap(err, "VPS %s: --net-rate", d->name);
		rate_done = true;
		note(live, "net-rate");
	}
	if (touches_cgroup(o)) {
		r = live_resources(v, d, o, &res, err);
		if (r == 0)
			r = cgroup_update(v->ctx, d->name, &res, err);
		free_resources(&res);
		if (r < 0) {
			undo_live(v, old, o, rate_done, false);
			return vsl_wrap(err, "VPS %s", d->name);
		}
		cg_done = true;
		note(live, "limits");
	}
	if (o->has_disk && d->limits.disk != old->limits.disk) {
		r = vsl_ovl_disk_resize(v->ctx->store, d->name, d->limits.disk, true, &v->ctx->log, err);
		if (r < 0) {
			undo_live(v, old, o, rate_done, cg_done);
			return vsl_wrap(err, "VPS %s: --disk", d->name);
		}
		note(live, "disk");
	}
	return 0;
}

int vsl_vps_set(const struct vsl_vps_ctx *v, const char *name, const struct vsl_vps_set_opts *o,
		char **out_live, struct vsl_err *err)
{
	cleanup_close int lock = vps_lock(v->ctx->store, name, true, err);
	struct vsl_vps_def old, d;
	struct vps_run run;
	uint64_t bits;
	char *live = xstrdup("");
	int r;

	*out_live = NULL;
	if (lock < 0) {
		free(live);
		return lock;
	}
	r = vps_def_load(v->ctx->store, name, &old, err);
	if (r < 0) {
		free(live);
		return r;
	}
	vsl_vps_def_copy(&d, &old);
	r = apply_def(&d, o, err);
	if (r == 0 && o->has_disk && !d.limits.disk && old.limits.disk)
		r = vsl_refuse(err, EINVAL, "--disk: a disk limit cannot be removed, only changed");
	if (r == 0 && o->has_net_rate)
		r = vps_net_rate_bits(&d, &bits, err);
	vps_run_get(v->ctx, name, &run);
	if (r == 0 && run.alive && run.ours)
		r = set_live(v, &old, &d, o, &live, err);
	else if (r == 0 && o->has_disk && d.limits.disk != old.limits.disk &&
		 vsl_ovl_has_layer(v->ctx->store, name))
		r = vsl_ovl_disk_resize(v->ctx->store, name, d.limits.disk, false, &v->ctx->log,
					 err);
	if (r == 0)
		r = vps_def_save(v->ctx->store, &d, err);
	vsl_vps_def_clear(&old);
	vsl_vps_def_clear(&d);
	if (r < 0) {
		free(live);
		return r;
	}
	*out_live = live;
	return 0;
}
