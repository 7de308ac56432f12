/* Which of a container's cgroup v2 settings systemd owns as unit properties of its scope,
 * and their values in systemd's terms. Pure: it starts from the settings convert.c made for
 * v2 (so 0-is-unset, swap arithmetic, shares -> weight are decided in one place) and takes
 * out what it turns into properties; tests/unit/test_cgroup_systemd.c covers each. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/systemd.h"
#include "common/cleanup.h"
#include "common/util.h"

#define USEC_PER_SEC 1000000ULL
#define DEFAULT_PERIOD 100000ULL	/* the kernel's and systemd's cpu.max period, usec */
#define MAX_CPU 8191			/* highest CPU or NUMA node a mask is made for */

static struct vsl_sd_prop *add(struct vsl_sd_props *p, const char *name, enum vsl_sd_type t)
{
	struct vsl_sd_prop *e;

	p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
	e = &p->v[p->n++];
	memset(e, 0, sizeof(*e));
	e->name = name;
	e->type = t;
	return e;
}

void vsl_sd_props_add_bool(struct vsl_sd_props *p, const char *name, bool v)
{
	add(p, name, VSL_SD_BOOL)->u = v;
}

void vsl_sd_props_add_u64(struct vsl_sd_props *p, const char *name, uint64_t v)
{
	add(p, name, VSL_SD_U64)->u = v;
}

void vsl_sd_props_add_str(struct vsl_sd_props *p, const char *name, const char *v)
{
	add(p, name, VSL_SD_STR)->s = xstrdup(v);
}

void vsl_sd_props_add_pid(struct vsl_sd_props *p, const char *name, pid_t pid)
{
	add(p, name, VSL_SD_PIDS)->u = (uint64_t)pid;
}

static void add_pair(struct vsl_sd_prop *e, const char *key, const char *s, uint64_t t)
{
	e->pairs = xrealloc(e->pairs, (e->n_pairs + 1) * sizeof(*e->pairs));
	e->pairs[e->n_pairs++] = (struct vsl_sd_pair){ xstrdup(key), xstrdup(s), t };
}

void vsl_sd_props_clear(struct vsl_sd_props *p)
{
	for (size_t i = 0; i < p->n; i++) {
		for (size_t k = 0; k < p->v[i].n_pairs; k++) {
			free(p->v[i].pairs[k].key);
			free(p->v[i].pairs[k].s);
		}
		free(p->v[i].pairs);
		free(p->v[i].s);
		free(p->v[i].bytes);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

int vsl_sd_cpu_mask(const char *list, const char *field, uint8_t **out, size_t *n,
		    struct vsl_err *err)
{
	cleanup_free uint8_t *mask = xzalloc(MAX_CPU / 8 + 1);
	const char *p = list;
	size_t len = 0;

	while (*p) {
		char *end;
		unsigned long lo = strtoul(p, &end, 10), hi = lo;
		if (end == p)
			goto bad;
		if (*end == '-') {
			p = end + 1;
			hi = strtoul(p, &end, 10);
			if (end == p)
				goto bad;
		}
		if (lo > hi || hi > MAX_CPU || (*end && (*end != ',' || !end[1])))
			goto bad;
		for (unsigned long c = lo; c <= hi; c++)
			mask[c / 8] |= (uint8_t)(1u << (c % 8));
		len = len > hi / 8 + 1 ? len : hi / 8 + 1;
		p = *end ? end + 1 : end;
	}
	*out = vsl_steal_ptr(&mask);
	*n = len;
	return 0;
bad:
	return vsl_fail(err, EINVAL, "%s: \"%s\" is not a list like 0-3,7 (at most %d)", field,
			list, MAX_CPU);
}

/* "max" -> infinity, else a number; false if neither. */
static bool limit(const char *v, uint64_t *out)
{
	if (!strcmp(v, "max")) {
		*out = VSL_SD_INFINITY;
		return true;
	}
	return vsl_parse_u64(v, out) == 0;
}

/* runc's conversion: systemd keeps the quota as usec per second in whole percents of a
 * CPU, so a quota that is not one is rounded up (never below what was asked). false: the
 * cgroup's cpu.max must be written after systemd's, to get the exact quota. */
static bool cpu_max(struct vsl_sd_props *p, const struct vsl_cg_setting *s)
{
	char q[32] = "";
	uint64_t quota, period = 0, per_sec;
	bool has_period;

	if (s->flags & VSL_CG_SET_KEEP_FIRST) {	/* "PERIOD" alone */
		if (vsl_parse_u64(s->value, &period) < 0)
			return false;
		vsl_sd_props_add_u64(p, "CPUQuotaPeriodUSec", period);
		return true;
	}
	has_period = sscanf(s->value, "%31s %" SCNu64, q, &period) == 2;
	if (!limit(q, &quota) || (has_period && period == 0))
		return false;
	if (has_period)
		vsl_sd_props_add_u64(p, "CPUQuotaPeriodUSec", period);
	else
		period = DEFAULT_PERIOD;
	if (quota == VSL_SD_INFINITY) {
		vsl_sd_props_add_u64(p, "CPUQuotaPerSecUSec", VSL_SD_INFINITY);
		return true;
	}
	if (quota > UINT64_MAX / USEC_PER_SEC)
		return false;	/* no CPU has that much: the kernel's answer is the one to show */
	per_sec = quota * USEC_PER_SEC / period;
	if (per_sec % 10000)
		per_sec = (per_sec / 10000 + 1) * 10000;
	vsl_sd_props_add_u64(p, "CPUQuotaPerSecUSec", per_sec);
	return per_sec * period / USEC_PER_SEC == quota;
}

/* io.bfq.weight|io.weight: "W" or "MAJ:MIN W"; the io.weight value is systemd's scale. */
static bool io_weight(struct vsl_sd_props *p, const struct vsl_cg_setting *s)
{
	unsigned maj, min;
	uint64_t w;
	char *key;

	if (!s->alt_value)
		return false;
	if (vsl_parse_u64(s->alt_value, &w) == 0) {
		vsl_sd_props_add_u64(p, "IOWeight", w);
		return true;
	}
	if (sscanf(s->alt_value, "%u:%u %" SCNu64, &maj, &min, &w) != 3)
		return false;
	key = xasprintf("/dev/block/%u:%u", maj, min);
	add_pair(add(p, "IODeviceWeight", VSL_SD_WEIGHTS), key, NULL, w);
	free(key);
	return true;
}

/* io.max: "MAJ:MIN rbps=N" (or wbps, riops, wiops; N or max). systemd reads the device from
 * a /dev/block/MAJ:MIN path without looking at the file system. */
static bool io_max(struct vsl_sd_props *p, const struct vsl_cg_setting *s)
{
	static const struct { const char *key, *prop; } map[] = {
		{ "rbps", "IOReadBandwidthMax" }, { "wbps", "IOWriteBandwidthMax" },
		{ "riops", "IOReadIOPSMax" }, { "wiops", "IOWriteIOPSMax" },
	};
	char key[8], val[32], *dev;
	unsigned maj, min;
	uint64_t v;

	if (sscanf(s->value, "%u:%u %7[a-z]=%31s", &maj, &min, key, val) != 4 || !limit(val, &v))
		return false;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(key, map[i].key))
			continue;
		dev = xasprintf("/dev/block/%u:%u", maj, min);
		add_pair(add(p, map[i].prop, VSL_SD_WEIGHTS), dev, NULL, v);
		free(dev);
		return true;
	}
	return false;
}

static int cpuset(struct vsl_sd_props *p, const struct vsl_cg_setting *s, const char *prop,
		  struct vsl_err *err)
{
	struct vsl_sd_prop *e;
	uint8_t *mask;
	size_t n;
	int r;

	r = vsl_sd_cpu_mask(s->value, !strcmp(prop, "AllowedCPUs") ? "linux.resources.cpu.cpus"
								     : "linux.resources.cpu.mems",
			    &mask, &n, err);
	if (r < 0)
		return r;
	e = add(p, prop, VSL_SD_BYTES);
	e->bytes = mask;
	e->n_bytes = n;
	return 0;
}

/* 1: s is now a property (drop it), 0: vessel still writes it, <0: error. */
static int take(struct vsl_sd_props *p, const struct vsl_cg_setting *s, struct vsl_err *err)
{
	static const struct { const char *file, *prop; } plain[] = {
		{ "memory.max", "MemoryMax" }, { "memory.swap.max", "MemorySwapMax" },
		{ "memory.low", "MemoryLow" }, { "pids.max", "TasksMax" },
		{ "cpu.weight", "CPUWeight" },
	};
	uint64_t v;

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (strcmp(s->file, plain[i].file))
			continue;
		if (!limit(s->value, &v))
			return 0;
		vsl_sd_props_add_u64(p, plain[i].prop, v);
		return 1;
	}
	if (!strcmp(s->file, "cpu.max"))
		return cpu_max(p, s);
	if (!strcmp(s->file, "cpuset.cpus"))
		return cpuset(p, s, "AllowedCPUs", err) < 0 ? -err->code : 1;
	if (!strcmp(s->file, "cpuset.mems"))
		return cpuset(p, s, "AllowedMemoryNodes", err) < 0 ? -err->code : 1;
	if (!strcmp(s->file, "io.bfq.weight"))
		return io_weight(p, s);
	if (!strcmp(s->file, "io.max"))
		return io_max(p, s);
	return 0;
}

static void drop(struct vsl_cg_settings *s, size_t i)
{
	free(s->v[i].file);
	free(s->v[i].value);
	free(s->v[i].alt_file);
	free(s->v[i].alt_value);
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	s->n--;
}

int vsl_sd_props_from_settings(struct vsl_cg_settings *s, struct vsl_sd_props *out,
			       struct vsl_err *err)
{
	for (size_t i = 0; i < s->n;) {
		int r = take(out, &s->v[i], err);
		if (r < 0)
			return r;
		if (r > 0)
			drop(s, i);
		else
			i++;
	}
	return 0;
}

/* The first driver name /proc/devices gives major in the section of type ('c' or 'b'). */
static char *device_name(const char *proc_devices, char type, int64_t major)
{
	const char *want = type == 'b' ? "Block devices:" : "Character devices:";
	const char *sec = proc_devices ? strstr(proc_devices, want) : NULL;
	char name[128];
	long m;

	if (!sec)
		return NULL;
	for (const char *l = strchr(sec, '\n'); l && l[1] && l[1] != '\n'; l = strchr(l + 1, '\n'))
		if (sscanf(l + 1, " %ld %127s", &m, name) == 2 && m == major)
			return xstrdup(name);
	return NULL;
}

static void allow_one(struct vsl_sd_prop *e, char type, const struct vsl_cg_dev_rule *r,
		      const char *acc, const char *proc_devices)
{
	const char *kind = type == 'b' ? "block" : "char";
	cleanup_free char *key = NULL, *name = NULL;

	if (r->major >= 0 && r->minor >= 0)
		key = xasprintf("/dev/%s/%" PRId64 ":%" PRId64, kind, r->major, r->minor);
	else if (r->major >= 0 && (name = device_name(proc_devices, type, r->major)))
		key = xasprintf("%s-%s", kind, name);	/* every minor of that driver */
	else
		key = xasprintf("%s-*", kind);		/* every device of the type */
	add_pair(e, key, acc, 0);
}

void vsl_sd_props_devices(const struct vsl_cg_dev_rule *r, size_t n, const char *proc_devices,
			  struct vsl_sd_props *out)
{
	struct vsl_sd_prop *e;

	/* An allow-all anywhere: the union of the allows, which is all systemd gets, allows
	 * everything, so systemd adds no program at all. */
	for (size_t i = 0; i < n; i++)
		if (r[i].allow && r[i].type == 'a' && r[i].major < 0 && r[i].minor < 0 &&
		    (r[i].access & 7) == 7) {
			vsl_sd_props_add_str(out, "DevicePolicy", "auto");
			add(out, "DeviceAllow", VSL_SD_PAIRS);	/* empty: reset */
			return;
		}
	vsl_sd_props_add_str(out, "DevicePolicy", "strict");
	add(out, "DeviceAllow", VSL_SD_PAIRS);
	e = add(out, "DeviceAllow", VSL_SD_PAIRS);
	for (size_t i = 0; i < n; i++) {
		char acc[4];
		size_t k = 0;
		if (!r[i].allow || !(r[i].access & 7))
			continue;	/* a deny only narrows: vessel's program applies it */
		if (r[i].access & VSL_CG_DEV_READ)
			acc[k++] = 'r';
		if (r[i].access & VSL_CG_DEV_WRITE)
			acc[k++] = 'w';
		if (r[i].access & VSL_CG_DEV_MKNOD)
			acc[k++] = 'm';
		acc[k] = '\0';
		if (r[i].type != 'b')
			allow_one(e, 'c', &r[i], acc, proc_devices);
		if (r[i].type != 'c')
			allow_one(e, 'b', &r[i], acc, proc_devices);
	}
}
