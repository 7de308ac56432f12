/* linux.resources -> the cgroupfs writes that apply them, for v1 or v2. Pure: no kernel,
 * no files; tests/unit/test_cgroup_convert.c covers every mapping. The order of the list is
 * the order of the writes (cpu period before quota, memory before swap).
 * Zero means "not set" wherever runc reads it so (see unset()): Docker fills every field it
 * has, with 0 for what the user did not ask for (blkio weight 0, which the kernel refuses). */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

struct conv {
	struct vsl_cg_settings *out;
	unsigned flags;
	struct vsl_err *err;
};

static struct vsl_cg_setting *add(struct conv *c, const char *file, unsigned flags,
				  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static struct vsl_cg_setting *add(struct conv *c, const char *file, unsigned flags,
				  const char *fmt, ...)
{
	struct vsl_cg_settings *s = c->out;
	struct vsl_cg_setting *e;
	va_list ap;
	int r;

	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	e = &s->v[s->n++];
	memset(e, 0, sizeof(*e));
	e->file = xstrdup(file);
	e->flags = flags;
	va_start(ap, fmt);
	r = vasprintf(&e->value, fmt, ap);
	va_end(ap);
	if (r < 0)
		abort();
	return e;
}

static void set_alt(struct vsl_cg_setting *e, const char *file, const char *value)
{
	e->alt_file = xstrdup(file);
	e->alt_value = xstrdup(value);
}

static void warn(struct conv *c, const char *what)
{
	vsl_strv_push(&c->out->warnings, what);
}

static bool v2(const struct conv *c)
{
	return c->flags & VSL_CG_CONV_V2;
}

/* The fields runc skips when 0 (memory limit, reservation, swap, kernel, kernelTCP; cpu
 * shares, quota, period, realtime period and runtime; blkio weights; pids limit; net_cls
 * classid): present with 0 is the same as absent. Values where 0 means something (swappiness,
 * cpu burst and idle, throttle rates, hugepage limits) are not passed through here. */
static bool set_i64(bool has, int64_t v)
{
	return has && v != 0;
}

static bool set_u64(bool has, uint64_t v)
{
	return has && v != 0;
}

uint64_t vsl_cg_shares_to_weight(uint64_t shares)
{
	/* cpu.shares [2, 262144] onto cpu.weight [1, 10000], linearly (runc, crun). */
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t vsl_cg_blkio_to_io_weight(uint64_t weight)
{
	/* blkio.weight [10, 1000] onto io.weight [1, 10000]. */
	if (weight == 0)
		return 0;
	if (weight < 10)
		weight = 10;
	if (weight > 1000)
		weight = 1000;
	return 1 + ((weight - 10) * 9999) / 990;
}

int vsl_cg_swap_v2(bool has_limit, int64_t limit, int64_t swap, char *buf, size_t len,
		   struct vsl_err *err)
{
	/* OCI swap is memory+swap (the v1 memsw meaning); v2 memory.swap.max is swap alone. */
	if (swap == -1) {
		snprintf(buf, len, "max");
		return 0;
	}
	if (swap < 0)
		return vsl_fail(err, EINVAL, "linux.resources.memory.swap: invalid value %" PRId64,
				swap);
	if (!has_limit || limit == -1)
		return vsl_fail(err, EINVAL,
				"linux.resources.memory.swap: %" PRId64
				" needs a memory limit on cgroup v2 (swap is memory+swap)", swap);
	if (swap < limit)
		return vsl_fail(err, EINVAL,
				"linux.resources.memory.swap: %" PRId64 " is below memory.limit %" PRId64
				" (swap is memory+swap)", swap, limit);
	snprintf(buf, len, "%" PRId64, swap - limit);
	return 0;
}

static int conv_memory_v1(struct conv *c, const struct vsl_memory *m)
{
	if (set_i64(m->has_limit, m->limit))
		add(c, "memory.limit_in_bytes", 0, "%" PRId64, m->limit);
	if (set_i64(m->has_swap, m->swap))
		add(c, "memory.memsw.limit_in_bytes", VSL_CG_SET_OPTIONAL, "%" PRId64, m->swap);
	if (set_i64(m->has_reservation, m->reservation))
		add(c, "memory.soft_limit_in_bytes", 0, "%" PRId64, m->reservation);
	if (set_i64(m->has_kernel, m->kernel))
		add(c, "memory.kmem.limit_in_bytes", VSL_CG_SET_OPTIONAL | VSL_CG_SET_VERIFY,
		    "%" PRId64, m->kernel);
	if (set_i64(m->has_kernel_tcp, m->kernel_tcp))
		add(c, "memory.kmem.tcp.limit_in_bytes", VSL_CG_SET_OPTIONAL | VSL_CG_SET_VERIFY,
		    "%" PRId64, m->kernel_tcp);
	if (m->has_swappiness)
		add(c, "memory.swappiness", 0, "%" PRIu64, m->swappiness);
	if (m->has_disable_oom_killer && m->disable_oom_killer)
		add(c, "memory.oom_control", 0, "1");
	if (m->has_use_hierarchy)
		add(c, "memory.use_hierarchy", VSL_CG_SET_OPTIONAL, "%d", m->use_hierarchy ? 1 : 0);
	return 0;
}

static int conv_memory_v2(struct conv *c, const struct vsl_memory *m)
{
	char buf[32];
	int r;

	if (m->has_limit && m->limit == -1)
		add(c, "memory.max", 0, "max");
	else if (set_i64(m->has_limit, m->limit))
		add(c, "memory.max", 0, "%" PRId64, m->limit);
	if (set_i64(m->has_swap, m->swap)) {
		r = vsl_cg_swap_v2(set_i64(m->has_limit, m->limit), m->limit, m->swap, buf,
				   sizeof(buf), c->err);
		if (r < 0)
			return r;
		add(c, "memory.swap.max", 0, "%s", buf);
	}
	if (m->has_reservation && m->reservation == -1)
		add(c, "memory.low", 0, "max");
	else if (set_i64(m->has_reservation, m->reservation))
		add(c, "memory.low", 0, "%" PRId64, m->reservation);
	if (set_i64(m->has_kernel, m->kernel))
		warn(c, "linux.resources.memory.kernel: no kernel memory limit on cgroup v2, ignored");
	if (set_i64(m->has_kernel_tcp, m->kernel_tcp))
		warn(c, "linux.resources.memory.kernelTCP: no kernel TCP limit on cgroup v2, ignored");
	if (m->has_swappiness)
		warn(c, "linux.resources.memory.swappiness: no per-cgroup swappiness on cgroup v2, "
			"ignored");
	if (m->has_disable_oom_killer && m->disable_oom_killer)
		warn(c, "linux.resources.memory.disableOOMKiller: cgroup v2 cannot disable the OOM "
			"killer, ignored");
	if (m->has_use_hierarchy && !m->use_hierarchy)
		warn(c, "linux.resources.memory.useHierarchy: cgroup v2 is always hierarchical");
	return 0;
}

static int conv_memory(struct conv *c, const struct vsl_memory *m)
{
	if (m->has_limit && m->limit < -1)
		return vsl_fail(c->err, EINVAL, "linux.resources.memory.limit: invalid value %" PRId64,
				m->limit);
	if (m->has_swappiness && m->swappiness > 100)
		return vsl_fail(c->err, EINVAL,
				"linux.resources.memory.swappiness: %" PRIu64 " is not in 0-100",
				m->swappiness);
	if (m->has_swap && m->has_limit && m->swap > 0 && m->limit > 0 && m->swap < m->limit)
		return vsl_fail(c->err, EINVAL,
				"linux.resources.memory.swap: %" PRId64 " is below memory.limit %" PRId64
				" (swap is memory+swap)", m->swap, m->limit);
	return v2(c) ? conv_memory_v2(c, m) : conv_memory_v1(c, m);
}

static int conv_cpu_v2_max(struct conv *c, const struct vsl_cpu *p)
{
	bool has_quota = set_i64(p->has_quota, p->quota), has_period = set_u64(p->has_period,
									       p->period);
	char quota[32];

	if (p->quota > 0)
		snprintf(quota, sizeof(quota), "%" PRId64, p->quota);
	else
		snprintf(quota, sizeof(quota), "max");
	if (has_quota && has_period)
		add(c, "cpu.max", 0, "%s %" PRIu64, quota, p->period);
	else if (has_quota)
		add(c, "cpu.max", 0, "%s", quota);
	else if (has_period)
		add(c, "cpu.max", VSL_CG_SET_KEEP_FIRST, "%" PRIu64, p->period);
	return 0;
}

static int conv_cpu(struct conv *c, const struct vsl_cpu *p)
{
	/* "" would empty the set, and no process could run there */
	if (p->cpus && *p->cpus)
		add(c, "cpuset.cpus", 0, "%s", p->cpus);
	if (p->mems && *p->mems)
		add(c, "cpuset.mems", 0, "%s", p->mems);
	if (!v2(c)) {
		if (set_u64(p->has_shares, p->shares))
			add(c, "cpu.shares", 0, "%" PRIu64, p->shares);
		if (set_u64(p->has_period, p->period))
			add(c, "cpu.cfs_period_us", 0, "%" PRIu64, p->period);
		if (set_i64(p->has_quota, p->quota))
			add(c, "cpu.cfs_quota_us", 0, "%" PRId64, p->quota > 0 ? p->quota : -1);
		if (p->has_burst)
			add(c, "cpu.cfs_burst_us", 0, "%" PRIu64, p->burst);
		if (set_u64(p->has_rt_period, p->rt_period))
			add(c, "cpu.rt_period_us", 0, "%" PRIu64, p->rt_period);
		if (set_i64(p->has_rt_runtime, p->rt_runtime))
			add(c, "cpu.rt_runtime_us", 0, "%" PRId64, p->rt_runtime);
	} else {
		if (set_u64(p->has_shares, p->shares))
			add(c, "cpu.weight", 0, "%" PRIu64, vsl_cg_shares_to_weight(p->shares));
		conv_cpu_v2_max(c, p);
		if (p->has_burst)
			add(c, "cpu.max.burst", 0, "%" PRIu64, p->burst);
		if (set_u64(p->has_rt_period, p->rt_period) ||
		    set_i64(p->has_rt_runtime, p->rt_runtime))
			return vsl_fail(c->err, EOPNOTSUPP,
					"linux.resources.cpu.realtimeRuntime/realtimePeriod: cgroup v2 "
					"has no real-time group scheduling");
	}
	if (p->has_idle)
		add(c, "cpu.idle", 0, "%" PRId64, p->idle);
	return 0;
}

static void conv_throttle(struct conv *c, const char *v1file, const char *key,
			  const struct vsl_throttle_device *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!v2(c))
			add(c, v1file, 0, "%" PRId64 ":%" PRId64 " %" PRIu64, d[i].major, d[i].minor,
			    d[i].rate);
		else if (d[i].rate)
			add(c, "io.max", 0, "%" PRId64 ":%" PRId64 " %s=%" PRIu64, d[i].major,
			    d[i].minor, key, d[i].rate);
		else
			add(c, "io.max", 0, "%" PRId64 ":%" PRId64 " %s=max", d[i].major,
			    d[i].minor, key);
	}
}

static void conv_blkio_weights(struct conv *c, const struct vsl_block_io *b)
{
	char buf[64];

	if (set_u64(b->has_weight, b->weight) && !v2(c)) {
		snprintf(buf, sizeof(buf), "%u", b->weight);
		set_alt(add(c, "blkio.weight", 0, "%s", buf), "blkio.bfq.weight", buf);
	} else if (set_u64(b->has_weight, b->weight)) {
		/* bfq takes the blkio range as is; io.weight has its own. */
		snprintf(buf, sizeof(buf), "%" PRIu64, vsl_cg_blkio_to_io_weight(b->weight));
		set_alt(add(c, "io.bfq.weight", 0, "%u", b->weight), "io.weight", buf);
	}
	if (set_u64(b->has_leaf_weight, b->leaf_weight) && !v2(c))
		add(c, "blkio.leaf_weight", VSL_CG_SET_OPTIONAL, "%u", b->leaf_weight);
	else if (set_u64(b->has_leaf_weight, b->leaf_weight))
		warn(c, "linux.resources.blockIO.leafWeight: no leaf weight on cgroup v2, ignored");
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct vsl_weight_device *d = &b->weight_device[i];
		if (set_u64(d->has_weight, d->weight) && !v2(c)) {
			snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
				 d->weight);
			set_alt(add(c, "blkio.weight_device", 0, "%s", buf), "blkio.bfq.weight_device",
				buf);
		} else if (set_u64(d->has_weight, d->weight)) {
			snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major,
				 d->minor, vsl_cg_blkio_to_io_weight(d->weight));
			set_alt(add(c, "io.bfq.weight", 0, "%" PRId64 ":%" PRId64 " %u", d->major,
				    d->minor, d->weight),
				"io.weight", buf);
		}
		if (set_u64(d->has_leaf_weight, d->leaf_weight) && !v2(c))
			add(c, "blkio.leaf_weight_device", VSL_CG_SET_OPTIONAL,
			    "%" PRId64 ":%" PRId64 " %u", d->major, d->minor, d->leaf_weight);
	}
}

static void conv_blkio(struct conv *c, const struct vsl_block_io *b)
{
	conv_blkio_weights(c, b);
	conv_throttle(c, "blkio.throttle.read_bps_device", "rbps", b->throttle_read_bps,
		      b->n_throttle_read_bps);
	conv_throttle(c, "blkio.throttle.write_bps_device", "wbps", b->throttle_write_bps,
		      b->n_throttle_write_bps);
	conv_throttle(c, "blkio.throttle.read_iops_device", "riops", b->throttle_read_iops,
		      b->n_throttle_read_iops);
	conv_throttle(c, "blkio.throttle.write_iops_device", "wiops", b->throttle_write_iops,
		      b->n_throttle_write_iops);
}

static bool valid_page_size(const char *s)
{
	size_t i = 0;

	while (s[i] >= '0' && s[i] <= '9')
		i++;
	return i > 0 && i < 8 &&
	       (!strcmp(s + i, "KB") || !strcmp(s + i, "MB") || !strcmp(s + i, "GB"));
}

static int conv_hugetlb(struct conv *c, const struct vsl_resources *res)
{
	bool unified = c->flags & (VSL_CG_CONV_V2 | VSL_CG_CONV_HUGETLB_V2);

	for (size_t i = 0; i < res->n_hugepage_limits; i++) {
		const struct vsl_hugepage_limit *h = &res->hugepage_limits[i];
		cleanup_free char *file = NULL;

		if (!h->page_size || !valid_page_size(h->page_size))
			return vsl_fail(c->err, EINVAL,
					"linux.resources.hugepageLimits[%zu].pageSize: expected "
					"<number>KB|MB|GB, got \"%s\"", i,
					h->page_size ? h->page_size : "");
		file = xasprintf("hugetlb.%s.%s", h->page_size, unified ? "max" : "limit_in_bytes");
		add(c, file, 0, "%" PRIu64, h->limit);
	}
	return 0;
}

static int conv_network(struct conv *c, const struct vsl_resources *res)
{
	bool classid = set_u64(res->has_class_id, res->class_id);

	if (!classid && !res->n_net_priorities)
		return 0;
	if (v2(c))
		return vsl_fail(c->err, EOPNOTSUPP,
				"linux.resources.network: net_cls and net_prio do not exist on "
				"cgroup v2");
	if (classid)
		add(c, "net_cls.classid", 0, "%u", res->class_id);
	for (size_t i = 0; i < res->n_net_priorities; i++)
		add(c, "net_prio.ifpriomap", 0, "%s %u", res->net_priorities[i].name,
		    res->net_priorities[i].priority);
	return 0;
}

static void conv_rdma(struct conv *c, const struct vsl_resources *res)
{
	for (size_t i = 0; i < res->n_rdma; i++) {
		const struct vsl_rdma_limit *l = &res->rdma[i];
		char h[32] = "max", o[32] = "max";

		if (l->has_hca_handles)
			snprintf(h, sizeof(h), "%u", l->hca_handles);
		if (l->has_hca_objects)
			snprintf(o, sizeof(o), "%u", l->hca_objects);
		add(c, "rdma.max", 0, "%s hca_handle=%s hca_object=%s", l->device, h, o);
	}
}

static int conv_unified(struct conv *c, const struct vsl_resources *res)
{
	if (!res->n_unified)
		return 0;
	if (!v2(c))
		return vsl_fail(c->err, EOPNOTSUPP,
				"linux.resources.unified: needs cgroup v2, this host has cgroup v1");
	for (size_t i = 0; i < res->n_unified; i++) {
		const char *k = res->unified[i].key;
		if (!k || !*k || strchr(k, '/') || k[0] == '.' || !strchr(k, '.'))
			return vsl_fail(c->err, EINVAL,
					"linux.resources.unified: \"%s\" is not a cgroup file name",
					k ? k : "");
		add(c, k, 0, "%s", res->unified[i].value);
	}
	return 0;
}

int vsl_cg_convert(const struct vsl_resources *res, unsigned conv_flags,
		   struct vsl_cg_settings *out, struct vsl_err *err)
{
	struct conv c = { .out = out, .flags = conv_flags, .err = err };
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (!res)
		return 0;
	if (res->has_cpu)
		r = conv_cpu(&c, &res->cpu);
	if (r == 0 && res->has_memory)
		r = conv_memory(&c, &res->memory);
	if (r == 0 && res->has_pids && res->pids_limit > 0)
		add(&c, "pids.max", 0, "%" PRId64, res->pids_limit);
	else if (r == 0 && set_i64(res->has_pids, res->pids_limit))
		add(&c, "pids.max", 0, "max");
	if (r == 0 && res->has_block_io)
		conv_blkio(&c, &res->block_io);
	if (r == 0)
		r = conv_hugetlb(&c, res);
	if (r == 0)
		r = conv_network(&c, res);
	if (r == 0)
		conv_rdma(&c, res);
	if (r == 0)
		r = conv_unified(&c, res);
	if (r < 0)
		vsl_cg_settings_clear(out);
	return r;
}

void vsl_cg_settings_clear(struct vsl_cg_settings *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].file);
		free(s->v[i].value);
		free(s->v[i].alt_file);
		free(s->v[i].alt_value);
	}
	free(s->v);
	vsl_strv_free(s->warnings);
	memset(s, 0, sizeof(*s));
}
