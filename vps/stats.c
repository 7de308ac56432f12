/* vps stats: a VPS's use of CPU, memory, block I/O, network, processes and disk, read from
 * the same places `vessel events --stats` reads (cgroup/stats.c, netns's counters) and the
 * store's disk accounting, without taking the VPS's lock. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/overlay.h"
#include "runtime/store.h"
#include "vps/internal.h"

static void cpu(const struct vsl_cg_stats *st, struct vsl_vps_stats *out)
{
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t ns_per_tick = 1000000000ULL / (uint64_t)(hz > 0 ? hz : 100);

	out->cpu.total_ns = st->cpu.total;
	out->cpu.user_ns = st->cpu.user;
	out->cpu.system_ns = st->cpu.kernel;
	out->cpu.user_ticks = st->cpu.user / ns_per_tick;
	out->cpu.system_ticks = st->cpu.kernel / ns_per_tick;
}

static void memory(const struct vsl_cgroup *cg, const struct vsl_cg_stats *st,
		   struct vsl_vps_stats *out)
{
	const struct vsl_cg_mem_entry *u = &st->memory.usage, *sw = &st->memory.swap;

	out->memory.usage = u->usage;
	out->memory.rss = st->memory.rss;
	out->memory.cache = st->memory.cache;
	out->memory.max_usage = u->max_usage;
	/* v1's memsw counts memory and swap together; v2's swap is swap alone. */
	if (strcmp(vsl_cg_mode_name(cg), "v2") == 0)
		out->memory.swap = sw->usage;
	else
		out->memory.swap = sw->usage > u->usage ? sw->usage - u->usage : 0;
}

static uint64_t *io_slot(struct vsl_vps_stats *out, bool bytes, const char *op)
{
	if (strcmp(op, "Read") == 0)
		return bytes ? &out->io.read_bytes : &out->io.read_ops;
	if (strcmp(op, "Write") == 0)
		return bytes ? &out->io.write_bytes : &out->io.write_ops;
	return NULL;
}

static void io_sum(const struct vsl_cg_blkio_entry *e, size_t n, bool bytes, bool any,
		   unsigned ma, unsigned mi, struct vsl_vps_stats *out)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t *slot = io_slot(out, bytes, e[i].op);

		if (slot && (any || (e[i].major == ma && e[i].minor == mi)))
			*slot += e[i].value;
	}
}

/* On the device doing the store's I/O only: through a loop device the same bytes are
 * counted on the loop and on the disk under it. */
static void io(const char *store, const struct vsl_cg_stats *st, struct vsl_vps_stats *out)
{
	unsigned ma = 0, mi = 0;
	struct vsl_err tmp;
	bool any = vsl_ovl_store_device(store, &ma, &mi, &tmp) < 0;

	io_sum(st->blkio.bytes, st->blkio.n_bytes, true, any, ma, mi, out);
	io_sum(st->blkio.ios, st->blkio.n_ios, false, any, ma, mi, out);
}

static int from_cgroup(const struct vsl_ctx *ctx, const char *name, struct vsl_vps_stats *out,
		       struct vsl_err *err)
{
	cleanup_container struct vsl_container *c = NULL;
	cleanup_cgroup struct vsl_cgroup *cg = NULL;
	struct vsl_cg_stats *st;
	const char *rec;
	int r;

	r = vsl_store_peek(ctx, name, &c, err);
	if (r < 0)
		return r;
	rec = vsl_state_get(&c->state, VSL_CG_STATE_KEY);
	if (!rec)
		return vsl_fail(err, ENOENT, "VPS %s: no cgroup recorded", name);
	r = vsl_cg_open(rec, &ctx->log, &cg, err);
	if (r < 0)
		return r;
	st = xzalloc(sizeof(*st));	/* large: per-CPU and per-device arrays */
	r = vsl_cg_stats(cg, st, err);
	if (r == 0) {
		cpu(st, out);
		memory(cg, st, out);
		io(ctx->store, st, out);
		out->processes = st->pids.current;
	}
	free(st);
	return r;
}

int vsl_vps_stats_get(const struct vsl_vps_ctx *v, const char *name, struct vsl_vps_stats *out,
		      struct vsl_err *err)
{
	struct vsl_vps_info info;
	struct vsl_net_ifstats ns;
	struct vsl_err tmp;
	int r;

	memset(out, 0, sizeof(*out));
	r = vsl_vps_info_get(v, name, &info, err);
	if (r < 0)
		return r;
	out->name = xstrdup(name);
	out->has_disk = info.has_disk;
	out->disk_used = info.disk_used;
	out->disk_limit = info.disk_limit;
	out->memory.limit = info.def.limits.memory;
	out->processes_limit = info.def.limits.pids;
	out->running = info.pid > 0;
	vsl_vps_info_clear(&info);
	if (!out->running)
		return 0;
	r = from_cgroup(v->ctx, name, out, &tmp);
	if (r == -ENOENT) {
		out->running = false;	/* it stopped meanwhile */
		return 0;
	}
	if (r < 0) {
		*err = tmp;
		vsl_vps_stats_clear(out);
		return vsl_wrap(err, "VPS %s", name);
	}
	if (vsl_net_counters(name, &ns, &tmp) == 0) {
		out->has_net = true;
		out->net.rx_bytes = ns.rx_bytes;
		out->net.rx_packets = ns.rx_packets;
		out->net.tx_bytes = ns.tx_bytes;
		out->net.tx_packets = ns.tx_packets;
	}
	return 0;
}

int vsl_vps_stats_all(const struct vsl_vps_ctx *v, struct vsl_vps_stats **out, size_t *n,
		      struct vsl_err *err)
{
	cleanup_strv char **names = NULL;
	struct vsl_vps_stats *all;
	size_t k = 0;
	int r = vps_names(v->ctx->store, &names, err);

	if (r < 0)
		return r;
	all = xzalloc((vsl_strv_len(names) + 1) * sizeof(*all));
	for (size_t i = 0; names[i]; i++) {
		struct vsl_err tmp;
		if (vsl_vps_stats_get(v, names[i], &all[k], &tmp) == 0)
			k++;	/* one removed meanwhile, or unreadable, is left out */
	}
	*out = all;
	*n = k;
	return 0;
}

void vsl_vps_stats_clear(struct vsl_vps_stats *s)
{
	free(s->name);
	memset(s, 0, sizeof(*s));
}
