/* Usage statistics in runc's units (ns, bytes), read from cgroupfs directly: libcgroup's
 * cgroup_get_cgroup reads every file of every controller into strings, far more than a
 * stats call needs. A file the kernel lacks leaves its fields at 0. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

static uint64_t u64_or0(const char *dir, const char *file)
{
	uint64_t v = 0;

	if (!dir || vsl_cg_read_u64(dir, file, &v) < 0)
		return 0;
	return v;
}

static char *text_or_empty(const char *dir, const char *file)
{
	struct vsl_err tmp;
	char *s = NULL;

	if (!dir || vsl_cg_read(dir, file, &s, &tmp) < 0)
		return xstrdup("");
	return s;
}

static uint64_t keyed(const char *text, const char *key)
{
	uint64_t v = 0;

	vsl_cg_keyed_u64(text, key, &v);
	return v;
}

static const char *hdir(const struct vsl_cgroup *cg, const char *ctrl)
{
	const struct vsl_cg_hier *h = vsl_cg_v1_hier(cg, ctrl);

	return h ? h->dir : NULL;
}

static void percpu(const char *text, struct vsl_cg_stats *out)
{
	char *end;

	for (const char *p = text; *p && out->cpu.n_percpu < VSL_CG_MAX_CPUS; p = end) {
		uint64_t v = strtoull(p, &end, 10);
		if (end == p)
			break;
		out->cpu.percpu[out->cpu.n_percpu++] = v;
	}
}

static void cpu_v1(const struct vsl_cgroup *cg, struct vsl_cg_stats *out)
{
	const char *acct = hdir(cg, "cpuacct");
	cleanup_free char *stat = text_or_empty(acct, "cpuacct.stat");
	cleanup_free char *pc = text_or_empty(acct, "cpuacct.usage_percpu");
	cleanup_free char *cs = text_or_empty(hdir(cg, "cpu"), "cpu.stat");
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t ns_per_tick = hz > 0 ? 1000000000ULL / (uint64_t)hz : 10000000ULL;

	out->cpu.total = u64_or0(acct, "cpuacct.usage");
	out->cpu.user = keyed(stat, "user") * ns_per_tick;
	out->cpu.kernel = keyed(stat, "system") * ns_per_tick;
	percpu(pc, out);
	out->cpu.periods = keyed(cs, "nr_periods");
	out->cpu.throttled_periods = keyed(cs, "nr_throttled");
	out->cpu.throttled_time = keyed(cs, "throttled_time");
}

static void mem_entry_v1(const char *dir, const char *prefix, struct vsl_cg_mem_entry *e)
{
	char f[80];

	snprintf(f, sizeof(f), "%s.usage_in_bytes", prefix);
	e->usage = u64_or0(dir, f);
	snprintf(f, sizeof(f), "%s.max_usage_in_bytes", prefix);
	e->max_usage = u64_or0(dir, f);
	snprintf(f, sizeof(f), "%s.limit_in_bytes", prefix);
	e->limit = u64_or0(dir, f);
	snprintf(f, sizeof(f), "%s.failcnt", prefix);
	e->failcnt = u64_or0(dir, f);
}

static void memory_v1(const struct vsl_cgroup *cg, struct vsl_cg_stats *out)
{
	const char *dir = hdir(cg, "memory");
	cleanup_free char *stat = text_or_empty(dir, "memory.stat");
	cleanup_free char *oom = text_or_empty(dir, "memory.oom_control");

	mem_entry_v1(dir, "memory", &out->memory.usage);
	mem_entry_v1(dir, "memory.memsw", &out->memory.swap);
	mem_entry_v1(dir, "memory.kmem", &out->memory.kernel);
	mem_entry_v1(dir, "memory.kmem.tcp", &out->memory.kernel_tcp);
	out->memory.cache = keyed(stat, "total_cache");
	out->memory.rss = keyed(stat, "total_rss");
	out->memory.oom_kill = keyed(oom, "oom_kill");
	out->memory.oom_events = out->memory.oom_kill;
	out->memory.under_oom = keyed(oom, "under_oom") != 0;
}

/* "254:0 Read 4096" lines; the device-less "Total N" line is skipped. */
static void blkio_v1(const char *text, struct vsl_cg_blkio_entry *v, size_t *n)
{
	char *save = NULL;
	cleanup_free char *copy = xstrdup(text);

	for (char *l = strtok_r(copy, "\n", &save); l && *n < VSL_CG_MAX_BLKIO;
	     l = strtok_r(NULL, "\n", &save)) {
		struct vsl_cg_blkio_entry e = { 0 };
		char op[16];
		if (sscanf(l, "%" SCNu32 ":%" SCNu32 " %15s %" SCNu64, &e.major, &e.minor, op,
			   &e.value) != 4)
			continue;
		snprintf(e.op, sizeof(e.op), "%s", op);
		v[(*n)++] = e;
	}
}

static void pids_stats(const char *dir, struct vsl_cg_stats *out)
{
	out->pids.current = u64_or0(dir, "pids.current");
	out->pids.limit = u64_or0(dir, "pids.max");
	if (out->pids.limit == UINT64_MAX)
		out->pids.limit = 0;
}

/* hugepages-2048kB -> "2MB", as the hugetlb files name their sizes. */
static void page_size_name(const char *d_name, char *buf, size_t len)
{
	uint64_t kb = strtoull(d_name + strlen("hugepages-"), NULL, 10);

	if (kb >= (1 << 20) && kb % (1 << 20) == 0)
		snprintf(buf, len, "%" PRIu64 "GB", kb >> 20);
	else if (kb >= 1024 && kb % 1024 == 0)
		snprintf(buf, len, "%" PRIu64 "MB", kb >> 10);
	else
		snprintf(buf, len, "%" PRIu64 "KB", kb);
}

static void hugetlb_stats(const char *dir, bool v2, struct vsl_cg_stats *out)
{
	cleanup_dir DIR *d = opendir("/sys/kernel/mm/hugepages");
	struct dirent *e;

	while (dir && d && (e = readdir(d)) && out->n_hugetlb < VSL_CG_MAX_HUGETLB) {
		char size[16], f[64];
		if (strncmp(e->d_name, "hugepages-", 10))
			continue;
		page_size_name(e->d_name, size, sizeof(size));
		snprintf(out->hugetlb[out->n_hugetlb].page_size, sizeof(size), "%s", size);
		snprintf(f, sizeof(f), v2 ? "hugetlb.%s.current" : "hugetlb.%s.usage_in_bytes", size);
		out->hugetlb[out->n_hugetlb].usage = u64_or0(dir, f);
		if (v2) {
			cleanup_free char *ev = NULL;
			snprintf(f, sizeof(f), "hugetlb.%s.events", size);
			ev = text_or_empty(dir, f);
			out->hugetlb[out->n_hugetlb].failcnt = keyed(ev, "max");
		} else {
			snprintf(f, sizeof(f), "hugetlb.%s.max_usage_in_bytes", size);
			out->hugetlb[out->n_hugetlb].max_usage = u64_or0(dir, f);
			snprintf(f, sizeof(f), "hugetlb.%s.failcnt", size);
			out->hugetlb[out->n_hugetlb].failcnt = u64_or0(dir, f);
		}
		out->n_hugetlb++;
	}
}

void vsl_cg_stats_hugetlb_v2(const char *dir, struct vsl_cg_stats *out)
{
	hugetlb_stats(dir, true, out);
}

int vsl_cg_stats_v1(const struct vsl_cgroup *cg, struct vsl_cg_stats *out, struct vsl_err *err)
{
	const char *blk = hdir(cg, "blkio");
	cleanup_free char *bytes = text_or_empty(blk, "blkio.throttle.io_service_bytes_recursive");
	cleanup_free char *ios = text_or_empty(blk, "blkio.throttle.io_serviced_recursive");

	if (!cg->ops->procs_dir(cg) || access(cg->ops->procs_dir(cg), F_OK) < 0)
		return vsl_fail(err, errno, "cgroup %s: stats", cg->path);
	cpu_v1(cg, out);
	memory_v1(cg, out);
	pids_stats(hdir(cg, "pids"), out);
	blkio_v1(bytes, out->blkio.bytes, &out->blkio.n_bytes);
	blkio_v1(ios, out->blkio.ios, &out->blkio.n_ios);
	if (hdir(cg, "hugetlb"))
		hugetlb_stats(hdir(cg, "hugetlb"), false, out);
	else
		hugetlb_stats(cg->unified_dir, true, out);
	return 0;
}

static void io_v2(const char *text, struct vsl_cg_stats *out)
{
	static const struct {
		const char *key, *op;
		bool bytes;
	} keys[] = { { "rbytes", "Read", true }, { "wbytes", "Write", true },
		     { "rios", "Read", false }, { "wios", "Write", false } };
	cleanup_free char *copy = xstrdup(text);
	char *save = NULL;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		uint32_t maj, min;
		if (sscanf(l, "%" SCNu32 ":%" SCNu32, &maj, &min) != 2)
			continue;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			char pat[16];
			const char *p;
			struct vsl_cg_blkio_entry *v = keys[k].bytes ? out->blkio.bytes : out->blkio.ios;
			size_t *n = keys[k].bytes ? &out->blkio.n_bytes : &out->blkio.n_ios;
			snprintf(pat, sizeof(pat), " %s=", keys[k].key);
			p = strstr(l, pat);
			if (!p || *n >= VSL_CG_MAX_BLKIO)
				continue;
			v[*n] = (struct vsl_cg_blkio_entry){ .major = maj, .minor = min,
							     .value = strtoull(p + strlen(pat), NULL,
									       10) };
			snprintf(v[*n].op, sizeof(v[*n].op), "%s", keys[k].op);
			(*n)++;
		}
	}
}

int vsl_cg_stats_v2(const char *dir, struct vsl_cg_stats *out, struct vsl_err *err)
{
	cleanup_free char *cpu = text_or_empty(dir, "cpu.stat");
	cleanup_free char *mstat = text_or_empty(dir, "memory.stat");
	cleanup_free char *mev = text_or_empty(dir, "memory.events");
	cleanup_free char *sev = text_or_empty(dir, "memory.swap.events");
	cleanup_free char *io = text_or_empty(dir, "io.stat");

	if (access(dir, F_OK) < 0)
		return vsl_fail(err, errno, "cgroup %s: stats", dir);
	out->cpu.total = keyed(cpu, "usage_usec") * 1000;
	out->cpu.user = keyed(cpu, "user_usec") * 1000;
	out->cpu.kernel = keyed(cpu, "system_usec") * 1000;
	out->cpu.periods = keyed(cpu, "nr_periods");
	out->cpu.throttled_periods = keyed(cpu, "nr_throttled");
	out->cpu.throttled_time = keyed(cpu, "throttled_usec") * 1000;
	out->memory.usage.usage = u64_or0(dir, "memory.current");
	out->memory.usage.max_usage = u64_or0(dir, "memory.peak");
	out->memory.usage.limit = u64_or0(dir, "memory.max");
	out->memory.usage.failcnt = keyed(mev, "max");
	out->memory.swap.usage = u64_or0(dir, "memory.swap.current");
	out->memory.swap.max_usage = u64_or0(dir, "memory.swap.peak");
	out->memory.swap.limit = u64_or0(dir, "memory.swap.max");
	out->memory.swap.failcnt = keyed(sev, "max");
	out->memory.cache = keyed(mstat, "file");
	out->memory.rss = keyed(mstat, "anon");
	out->memory.oom_events = keyed(mev, "oom");
	out->memory.oom_kill = keyed(mev, "oom_kill");
	pids_stats(dir, out);
	io_v2(io, out);
	hugetlb_stats(dir, true, out);
	return 0;
}
