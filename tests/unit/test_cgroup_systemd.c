/* The systemd driver's pure parts: slice:prefix:name as runc parses it (runc's ExpandSlice
 * cases), and which cgroup v2 settings become unit properties, with their values. */
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/systemd.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "tests/unit/tap.h"

static bool matches(const char *s, const char *re)
{
	regex_t rx;
	bool m;

	if (!s || regcomp(&rx, re, REG_EXTENDED | REG_NOSUB))
		return false;
	m = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return m;
}
#define like(s, re, ...) ok(matches((s), (re)), __VA_ARGS__)

static void test_expand_slice(void)
{
	static const struct { const char *in, *out; } good[] = {
		{ "-.slice", "" },
		{ "system.slice", "/system.slice" },
		{ "system-foo.slice", "/system.slice/system-foo.slice" },
		{ "test-a-b.slice", "/test.slice/test-a.slice/test-a-b.slice" },
		{ "kubepods-besteffort-pod1.slice",
		  "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice" },
	};
	/* runc: "test--a.slice isn't permitted, nor is -test.slice", no path separators, the
	 * name ends in .slice but is not just ".slice" */
	static const char *const bad[] = { "test--a.slice", "-test.slice", "test-.slice",
					   "test.slice/foo.slice", "foo", ".slice", "",
					   "a b.slice" };
	struct vsl_err err;
	char *out = NULL;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ok(vsl_sd_expand_slice(good[i].in, &out, &err) == 0 && !strcmp(out, good[i].out),
		   "expand %s -> \"%s\" (%s)", good[i].in, good[i].out, out ? out : err.msg);
		free(out);
		out = NULL;
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(vsl_sd_expand_slice(bad[i], &out, &err) == -EINVAL &&
		   strstr(err.msg, "invalid slice name"), "\"%s\" refused: %s", bad[i], err.msg);
}

static void test_parse_path(void)
{
	static const struct { const char *in, *slice, *unit, *path; } good[] = {
		{ NULL, "system.slice", "vessel-web1.scope", "/system.slice/vessel-web1.scope" },
		{ "", "system.slice", "vessel-web1.scope", "/system.slice/vessel-web1.scope" },
		{ "machine.slice:libpod:abc", "machine.slice", "libpod-abc.scope",
		  "/machine.slice/libpod-abc.scope" },		/* podman */
		{ "kubepods-besteffort-pod9.slice:cri-containerd:c1", "kubepods-besteffort-pod9.slice",
		  "cri-containerd-c1.scope", "/kubepods.slice/kubepods-besteffort.slice/"
		  "kubepods-besteffort-pod9.slice/cri-containerd-c1.scope" },	/* kubelet */
		{ ":docker:c2", "system.slice", "docker-c2.scope",
		  "/system.slice/docker-c2.scope" },		/* an empty slice */
		{ "-.slice:p:n", "-.slice", "p-n.scope", "/p-n.scope" },	/* the root slice */
		{ "system.slice::n", "system.slice", "-n.scope", "/system.slice/-n.scope" },
	};
	static const struct { const char *in, *why; } bad[] = {
		{ "system.slice:x", "slice:prefix:name" },
		{ "a.slice:b:c:d", "slice:prefix:name" },
		{ "/vessel/x", "slice:prefix:name" },
		{ "system.slice:p:", "name is empty" },
		{ "system.slice:p:pod.slice", "not a slice" },
		{ "system.slice:p:a/b", "unit names" },
		{ "system.slice:p/q:n", "unit names" },
		{ "system.slice:p:../..", "unit names" },
		{ "user:p:n", "invalid slice name" },
		{ "a--b.slice:p:n", "invalid slice name" },
	};
	struct vsl_sd_unit u = { 0 };
	cleanup_free char *longname = xzalloc(300);
	cleanup_free char *longpath = NULL;
	struct vsl_err err;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r = vsl_sd_parse_path("web1", good[i].in, &u, &err);
		ok(r == 0 && !strcmp(u.slice, good[i].slice) && !strcmp(u.unit, good[i].unit) &&
		   !strcmp(u.path, good[i].path), "\"%s\" -> %s %s %s (%s)",
		   good[i].in ? good[i].in : "(none)", good[i].slice, good[i].unit, good[i].path,
		   r == 0 ? u.path : err.msg);
		vsl_sd_unit_clear(&u);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(vsl_sd_parse_path("web1", bad[i].in, &u, &err) == -EINVAL &&
		   strstr(err.msg, "linux.cgroupsPath") && strstr(err.msg, bad[i].why),
		   "\"%s\" refused: %s", bad[i].in, err.msg);
	memset(longname, 'x', 260);
	longpath = xasprintf("system.slice:p:%s", longname);
	ok(vsl_sd_parse_path("web1", longpath, &u, &err) == -EINVAL && strstr(err.msg, "longer"),
	   "a unit name over 255 characters refused");
	ok(vsl_sd_parse_path("a/b", NULL, &u, &err) == -EINVAL, "an id systemd cannot name refused");
}

/* "Name=value;..." of the properties: t as a number (inf for infinity), ay as hex bytes,
 * a(ss)/a(st) as [key value,...]. */
static char *flat(const struct vsl_sd_props *p)
{
	char *out = xstrdup("");

	for (size_t i = 0; i < p->n; i++) {
		const struct vsl_sd_prop *e = &p->v[i];
		char *v = NULL, *next;
		switch (e->type) {
		case VSL_SD_BOOL:
			v = xstrdup(e->u ? "yes" : "no");
			break;
		case VSL_SD_U64:
		case VSL_SD_PIDS:
			v = e->u == VSL_SD_INFINITY ? xstrdup("inf")
						    : xasprintf("%llu", (unsigned long long)e->u);
			break;
		case VSL_SD_STR:
			v = xstrdup(e->s);
			break;
		case VSL_SD_BYTES:
			v = xstrdup("");
			for (size_t k = 0; k < e->n_bytes; k++) {
				next = xasprintf("%s%02x", v, e->bytes[k]);
				free(v);
				v = next;
			}
			break;
		case VSL_SD_PAIRS:
		case VSL_SD_WEIGHTS:
			v = xstrdup("[");
			for (size_t k = 0; k < e->n_pairs; k++) {
				const struct vsl_sd_pair *q = &e->pairs[k];
				if (e->type == VSL_SD_PAIRS)
					next = xasprintf("%s%s%s %s", v, k ? "," : "", q->key, q->s);
				else if (q->t == VSL_SD_INFINITY)
					next = xasprintf("%s%s%s inf", v, k ? "," : "", q->key);
				else
					next = xasprintf("%s%s%s %llu", v, k ? "," : "", q->key,
							 (unsigned long long)q->t);
				free(v);
				v = next;
			}
			next = xasprintf("%s]", v);
			free(v);
			v = next;
			break;
		}
		next = xasprintf("%s%s%s=%s", out, i ? ";" : "", e->name, v);
		free(v);
		free(out);
		out = next;
	}
	return out;
}

static char *rest(const struct vsl_cg_settings *s)
{
	char *out = xstrdup("");

	for (size_t i = 0; i < s->n; i++) {
		char *next = xasprintf("%s%s%s=%s", out, i ? ";" : "", s->v[i].file, s->v[i].value);
		free(out);
		out = next;
	}
	return out;
}

/* convert res for v2, take systemd's part: *props and *left flattened. */
static int split(const struct vsl_resources *res, char **props, char **left, struct vsl_err *err)
{
	struct vsl_cg_settings s;
	struct vsl_sd_props p = { 0 };
	int r;

	*props = *left = NULL;
	r = vsl_cg_convert(res, VSL_CG_CONV_V2, &s, err);
	if (r == 0)
		r = vsl_sd_props_from_settings(&s, &p, err);
	if (r == 0) {
		*props = flat(&p);
		*left = rest(&s);
	}
	vsl_sd_props_clear(&p);
	vsl_cg_settings_clear(&s);
	return r;
}

static void test_props(void)
{
	struct vsl_throttle_device rbps[] = { { 8, 0, 1048576 } }, wiops[] = { { 8, 16, 0 } };
	struct vsl_weight_device wd[] = { { 8, 0, true, false, 200, 0 } };
	struct vsl_hugepage_limit hp[] = { { "2MB", 4194304 } };
	struct vsl_kv uni[] = { { "memory.high", "50000000" } };
	struct vsl_resources r = { .has_memory = true, .has_cpu = true, .has_pids = true,
				   .pids_limit = 50, .has_block_io = true, .hugepage_limits = hp,
				   .n_hugepage_limits = 1, .unified = uni, .n_unified = 1 };
	struct vsl_err err;
	char *props = NULL, *left = NULL;

	r.memory = (struct vsl_memory){ .has_limit = true, .limit = 64 << 20, .has_swap = true,
					.swap = 128 << 20, .has_reservation = true,
					.reservation = 32 << 20 };
	r.cpu = (struct vsl_cpu){ .has_shares = true, .shares = 1024, .has_quota = true,
				  .quota = 50000, .has_period = true, .period = 100000,
				  .cpus = "0-1,3", .mems = "0", .has_idle = true, .idle = 0 };
	r.block_io = (struct vsl_block_io){ .has_weight = true, .weight = 500,
					    .weight_device = wd, .n_weight_device = 1,
					    .throttle_read_bps = rbps, .n_throttle_read_bps = 1,
					    .throttle_write_iops = wiops, .n_throttle_write_iops = 1 };
	ok(split(&r, &props, &left, &err) == 0, "convert and split (%s)", err.msg);
	is_str(props, "AllowedCPUs=0b;AllowedMemoryNodes=01;CPUWeight=39;"
		      "CPUQuotaPeriodUSec=100000;CPUQuotaPerSecUSec=500000;MemoryMax=67108864;"
		      "MemorySwapMax=67108864;MemoryLow=33554432;TasksMax=50;IOWeight=4950;"
		      "IODeviceWeight=[/dev/block/8:0 1920];"
		      "IOReadBandwidthMax=[/dev/block/8:0 1048576];"
		      "IOWriteIOPSMax=[/dev/block/8:16 inf]", "what systemd owns, in its units");
	is_str(left, "cpu.idle=0;hugetlb.2MB.max=4194304;memory.high=50000000",
	       "the rest is vessel's to write");
	free(props);
	free(left);

	/* 33.333% of a CPU: systemd keeps whole percents, rounded up (runc); the exact value is
	 * then written to cpu.max after systemd's */
	r = (struct vsl_resources){ .has_cpu = true };
	r.cpu = (struct vsl_cpu){ .has_quota = true, .quota = 33333, .has_period = true,
				  .period = 100000 };
	ok(split(&r, &props, &left, &err) == 0, "split 33333/100000");
	is_str(props, "CPUQuotaPeriodUSec=100000;CPUQuotaPerSecUSec=340000", "quota rounded up");
	is_str(left, "cpu.max=33333 100000", "and cpu.max written exactly after it");
	free(props);
	free(left);

	r.cpu = (struct vsl_cpu){ .has_quota = true, .quota = 20000 };
	ok(split(&r, &props, &left, &err) == 0, "split quota alone");
	is_str(props, "CPUQuotaPerSecUSec=200000", "quota alone: over the default period");
	is_str(left, "", "exact: nothing left");
	free(props);
	free(left);
	r.cpu = (struct vsl_cpu){ .has_period = true, .period = 50000 };
	ok(split(&r, &props, &left, &err) == 0, "split period alone");
	is_str(props, "CPUQuotaPeriodUSec=50000", "period alone (update): the period only");
	free(props);
	free(left);

	r = (struct vsl_resources){ .has_memory = true, .has_cpu = true, .has_pids = true,
				    .pids_limit = -1 };
	r.memory = (struct vsl_memory){ .has_limit = true, .limit = -1, .has_swap = true,
					.swap = -1 };
	r.cpu = (struct vsl_cpu){ .has_quota = true, .quota = -1, .has_period = true,
				  .period = 100000 };
	ok(split(&r, &props, &left, &err) == 0, "split the unlimited values");
	is_str(props, "CPUQuotaPeriodUSec=100000;CPUQuotaPerSecUSec=inf;MemoryMax=inf;"
		      "MemorySwapMax=inf;TasksMax=inf", "-1 is systemd's infinity");
	free(props);
	free(left);

	r = (struct vsl_resources){ .has_cpu = true };
	r.cpu = (struct vsl_cpu){ .cpus = "3-1" };
	ok(split(&r, &props, &left, &err) == -EINVAL && strstr(err.msg, "linux.resources.cpu.cpus"),
	   "a bad cpu list is refused naming the field: %s", err.msg);
}

static void test_cpu_mask(void)
{
	struct vsl_err err;
	uint8_t *m = NULL;
	size_t n = 0;

	ok(vsl_sd_cpu_mask("0-3,7", "f", &m, &n, &err) == 0 && n == 1 && m[0] == 0x8f,
	   "0-3,7 -> 8f");
	free(m);
	ok(vsl_sd_cpu_mask("8", "f", &m, &n, &err) == 0 && n == 2 && m[0] == 0 && m[1] == 1,
	   "8 -> 00 01 (bit 8 in the second byte)");
	free(m);
	ok(vsl_sd_cpu_mask("1,", "f", &m, &n, &err) == -EINVAL, "a trailing comma is refused");
	ok(vsl_sd_cpu_mask("99999", "f", &m, &n, &err) == -EINVAL, "a CPU past 8191 is refused");
}

static char *devices(const struct vsl_resources *res, const struct vsl_device *d, size_t nd,
		     const char *proc_devices)
{
	struct vsl_cg_dev_rule *rules = NULL;
	struct vsl_sd_props p = { 0 };
	struct vsl_err err;
	size_t n = 0;
	char *out;

	if (vsl_cg_dev_rules(res, d, nd, &rules, &n, &err) < 0)
		return NULL;
	vsl_sd_props_devices(rules, n, proc_devices, &p);
	out = flat(&p);
	vsl_sd_props_clear(&p);
	free(rules);
	return out;
}

static void test_devices(void)
{
	static const char proc[] = "Character devices:\n  1 mem\n  5 /dev/tty\n136 pts\n"
				   "\nBlock devices:\n  7 loop\n  8 sd\n";
	struct vsl_device_rule allow_all = { .allow = true, .access = "rwm" };
	struct vsl_device_rule deny_null = { .allow = false, .type = "c", .has_major = true,
					     .major = 1, .has_minor = true, .minor = 3 };
	struct vsl_device_rule any8 = { .allow = true, .type = "a", .has_major = true,
					.major = 8, .access = "r" };
	struct vsl_device fuse = { .type = "c", .major = 10, .minor = 229 };
	struct vsl_resources r = { 0 };
	char *o;

	o = devices(NULL, NULL, 0, proc);
	is_str(o, "DevicePolicy=strict;DeviceAllow=[];DeviceAllow=[char-* m,block-* m,"
		  "/dev/char/1:3 rwm,/dev/char/1:5 rwm,/dev/char/1:7 rwm,/dev/char/1:8 rwm,"
		  "/dev/char/1:9 rwm,/dev/char/5:0 rwm,/dev/char/5:1 rwm,/dev/char/5:2 rwm,"
		  "char-pts rwm]", "the default devices: strict, pts by its driver name");
	free(o);
	o = devices(NULL, NULL, 0, NULL);
	like(o, "/dev/char/5:2 rwm,char-\\* rwm\\]$",
	     "without /proc/devices a whole major widens to every char device");
	free(o);
	r.devices = &any8;
	r.n_devices = 1;
	o = devices(&r, &fuse, 1, proc);
	like(o, "^DevicePolicy=strict;DeviceAllow=\\[\\];DeviceAllow=\\[char-\\* r,block-sd r,"
		"char-\\* m,", "a rule of type a: both kinds, block 8 by name (sd), char 8 unknown");
	like(o, "/dev/char/10:229 rwm\\]$", "a linux.devices node is allowed last");
	free(o);
	r.devices = &deny_null;
	o = devices(&r, NULL, 0, proc);
	like(o, "/dev/char/1:3 rwm", "a deny rule is not systemd's: the union of the allows "
				     "(vessel's own program denies it)");
	free(o);
	r.devices = &allow_all;
	o = devices(&r, NULL, 0, proc);
	is_str(o, "DevicePolicy=auto;DeviceAllow=[]", "an allow-all: no device program from systemd");
	free(o);
}

int main(void)
{
	test_expand_slice();
	test_parse_path();
	test_props();
	test_cpu_mask();
	test_devices();
	return tap_done();
}
