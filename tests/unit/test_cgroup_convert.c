/* cgroup/convert.c, devices.c, path.c, devices_bpf.c's compiler: every OCI resource ->
 * cgroupfs mapping for v1 and v2, without a kernel. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/internal.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "tests/unit/tap.h"

/* "file=value;file=value" of the whole list (alt files as file|alt=value|altvalue). */
static char *flat(const struct vsl_cg_settings *s)
{
	char *out = xstrdup("");

	for (size_t i = 0; i < s->n; i++) {
		char *next;
		if (s->v[i].alt_file)
			next = xasprintf("%s%s%s|%s=%s|%s", out, i ? ";" : "", s->v[i].file,
					 s->v[i].alt_file, s->v[i].value, s->v[i].alt_value);
		else
			next = xasprintf("%s%s%s=%s", out, i ? ";" : "", s->v[i].file, s->v[i].value);
		free(out);
		out = next;
	}
	return out;
}

static char *conv(const struct vsl_resources *res, unsigned flags, struct vsl_err *err,
		  struct vsl_cg_settings *keep)
{
	struct vsl_cg_settings s;
	char *out;

	if (vsl_cg_convert(res, flags, &s, err) < 0)
		return NULL;
	out = flat(&s);
	if (keep)
		*keep = s;
	else
		vsl_cg_settings_clear(&s);
	return out;
}

static void test_memory(void)
{
	struct vsl_resources r = { .has_memory = true };
	struct vsl_cg_settings s;
	struct vsl_err err;
	char *o;

	r.memory = (struct vsl_memory){ .has_limit = true, .limit = 33554432, .has_swap = true,
					.swap = 67108864, .has_reservation = true,
					.reservation = 16777216, .has_swappiness = true,
					.swappiness = 10, .has_disable_oom_killer = true,
					.disable_oom_killer = true };
	o = conv(&r, 0, &err, NULL);
	is_str(o, "memory.limit_in_bytes=33554432;memory.memsw.limit_in_bytes=67108864;"
		  "memory.soft_limit_in_bytes=16777216;memory.swappiness=10;memory.oom_control=1",
	       "memory v1");
	free(o);
	o = conv(&r, VSL_CG_CONV_V2, &err, &s);
	is_str(o, "memory.max=33554432;memory.swap.max=33554432;memory.low=16777216",
	       "memory v2: swap.max = swap - limit");
	ok(s.warnings && vsl_strv_len(s.warnings) == 2, "v2 warns about swappiness and oom killer");
	free(o);
	vsl_cg_settings_clear(&s);

	r.memory = (struct vsl_memory){ .has_limit = true, .limit = -1, .has_swap = true,
					.swap = -1 };
	o = conv(&r, VSL_CG_CONV_V2, &err, NULL);
	is_str(o, "memory.max=max;memory.swap.max=max", "memory v2 unlimited");
	free(o);
	o = conv(&r, 0, &err, NULL);
	is_str(o, "memory.limit_in_bytes=-1;memory.memsw.limit_in_bytes=-1", "memory v1 unlimited");
	free(o);

	r.memory = (struct vsl_memory){ .has_limit = true, .limit = 64 << 20, .has_swap = true,
					.swap = 32 << 20 };
	ok(!conv(&r, 0, &err, NULL) && err.code == EINVAL && strstr(err.msg, "memory.swap"),
	   "swap below limit refused: %s", err.msg);
	r.memory = (struct vsl_memory){ .has_swap = true, .swap = 32 << 20 };
	ok(!conv(&r, VSL_CG_CONV_V2, &err, NULL) && strstr(err.msg, "needs a memory limit"),
	   "v2 swap without limit refused: %s", err.msg);
	r.memory = (struct vsl_memory){ .has_swappiness = true, .swappiness = 101 };
	ok(!conv(&r, 0, &err, NULL) && strstr(err.msg, "swappiness"), "swappiness 101 refused");

	r.memory = (struct vsl_memory){ .has_kernel = true, .kernel = 1 << 20,
					.has_use_hierarchy = true, .use_hierarchy = true };
	o = conv(&r, 0, &err, &s);
	is_str(o, "memory.kmem.limit_in_bytes=1048576;memory.use_hierarchy=1", "kmem v1");
	ok(s.n == 2 && (s.v[0].flags & VSL_CG_SET_OPTIONAL) && (s.v[0].flags & VSL_CG_SET_VERIFY),
	   "kmem is optional and verified (kernels >= 5.16 ignore it)");
	free(o);
	vsl_cg_settings_clear(&s);
}

static void test_cpu(void)
{
	struct vsl_resources r = { .has_cpu = true };
	struct vsl_cg_settings s;
	struct vsl_err err;
	char *o;

	r.cpu = (struct vsl_cpu){ .has_shares = true, .shares = 1024, .has_quota = true,
				  .quota = 20000, .has_period = true, .period = 100000,
				  .has_burst = true, .burst = 1000, .cpus = "0-1", .mems = "0",
				  .has_idle = true, .idle = 0 };
	o = conv(&r, 0, &err, NULL);
	is_str(o, "cpuset.cpus=0-1;cpuset.mems=0;cpu.shares=1024;cpu.cfs_period_us=100000;"
		  "cpu.cfs_quota_us=20000;cpu.cfs_burst_us=1000;cpu.idle=0", "cpu v1");
	free(o);
	o = conv(&r, VSL_CG_CONV_V2, &err, NULL);
	is_str(o, "cpuset.cpus=0-1;cpuset.mems=0;cpu.weight=39;cpu.max=20000 100000;"
		  "cpu.max.burst=1000;cpu.idle=0", "cpu v2");
	free(o);

	r.cpu = (struct vsl_cpu){ .has_period = true, .period = 50000 };
	o = conv(&r, VSL_CG_CONV_V2, &err, &s);
	is_str(o, "cpu.max=50000", "v2 period alone");
	ok(s.n == 1 && (s.v[0].flags & VSL_CG_SET_KEEP_FIRST), "period alone keeps the quota");
	free(o);
	vsl_cg_settings_clear(&s);
	r.cpu = (struct vsl_cpu){ .has_quota = true, .quota = -1 };
	o = conv(&r, VSL_CG_CONV_V2, &err, NULL);
	is_str(o, "cpu.max=max", "v2 quota -1 is max");
	free(o);
	o = conv(&r, 0, &err, NULL);
	is_str(o, "cpu.cfs_quota_us=-1", "v1 quota -1");
	free(o);
	r.cpu = (struct vsl_cpu){ .has_rt_runtime = true, .rt_runtime = 950000,
				  .has_rt_period = true, .rt_period = 1000000 };
	o = conv(&r, 0, &err, NULL);
	is_str(o, "cpu.rt_period_us=1000000;cpu.rt_runtime_us=950000", "rt v1, period first");
	free(o);
	ok(!conv(&r, VSL_CG_CONV_V2, &err, NULL) && err.code == EOPNOTSUPP,
	   "rt on v2 refused: %s", err.msg);

	ok(vsl_cg_shares_to_weight(2) == 1, "shares 2 -> weight 1");
	ok(vsl_cg_shares_to_weight(262144) == 10000, "shares 262144 -> weight 10000");
	ok(vsl_cg_shares_to_weight(1024) == 39, "shares 1024 -> weight 39");
	ok(vsl_cg_shares_to_weight(1) == 1 && vsl_cg_shares_to_weight(1 << 20) == 10000,
	   "shares clamp");
	ok(vsl_cg_blkio_to_io_weight(10) == 1 && vsl_cg_blkio_to_io_weight(1000) == 10000 &&
	   vsl_cg_blkio_to_io_weight(500) == 4950, "blkio weight -> io.weight");
}

static void test_swap_v2(void)
{
	char buf[32];
	struct vsl_err err;

	ok(vsl_cg_swap_v2(true, 100, 300, buf, sizeof(buf), &err) == 0 && !strcmp(buf, "200"),
	   "swap 300 limit 100 -> 200");
	ok(vsl_cg_swap_v2(true, 100, 100, buf, sizeof(buf), &err) == 0 && !strcmp(buf, "0"),
	   "swap == limit -> no swap");
	ok(vsl_cg_swap_v2(false, 0, -1, buf, sizeof(buf), &err) == 0 && !strcmp(buf, "max"),
	   "swap -1 -> max");
	ok(vsl_cg_swap_v2(true, -1, 100, buf, sizeof(buf), &err) == -EINVAL,
	   "swap with unlimited memory refused");
	ok(vsl_cg_swap_v2(true, 100, -5, buf, sizeof(buf), &err) == -EINVAL, "swap -5 refused");
}

static void test_blkio(void)
{
	struct vsl_throttle_device rbps[] = { { 8, 0, 1048576 } }, wiops[] = { { 8, 16, 0 } };
	struct vsl_weight_device wd[] = { { 8, 0, true, false, 200, 0 } };
	struct vsl_resources r = { .has_block_io = true };
	struct vsl_err err;
	char *o;

	r.block_io = (struct vsl_block_io){ .has_weight = true, .weight = 500,
					    .weight_device = wd, .n_weight_device = 1,
					    .throttle_read_bps = rbps, .n_throttle_read_bps = 1,
					    .throttle_write_iops = wiops,
					    .n_throttle_write_iops = 1 };
	o = conv(&r, 0, &err, NULL);
	is_str(o, "blkio.weight|blkio.bfq.weight=500|500;"
		  "blkio.weight_device|blkio.bfq.weight_device=8:0 200|8:0 200;"
		  "blkio.throttle.read_bps_device=8:0 1048576;"
		  "blkio.throttle.write_iops_device=8:16 0", "blkio v1 (bfq fallback)");
	free(o);
	o = conv(&r, VSL_CG_CONV_V2, &err, NULL);
	is_str(o, "io.bfq.weight|io.weight=500|4950;io.bfq.weight|io.weight=8:0 200|8:0 1920;"
		  "io.max=8:0 rbps=1048576;io.max=8:16 wiops=max", "blkio v2 io.max lines");
	free(o);
}

static void test_misc(void)
{
	struct vsl_hugepage_limit hp[] = { { "2MB", 4194304 } }, bad[] = { { "2M", 1 } };
	struct vsl_net_priority np[] = { { "eth0", 5 } };
	struct vsl_kv uni[] = { { "memory.high", "1G" } }, badkey[] = { { "../x", "1" } };
	struct vsl_resources r = { .has_pids = true, .pids_limit = 20 };
	struct vsl_err err;
	char *o;

	o = conv(&r, 0, &err, NULL);
	is_str(o, "pids.max=20", "pids");
	free(o);
	r.pids_limit = -1;
	o = conv(&r, VSL_CG_CONV_V2, &err, NULL);
	is_str(o, "pids.max=max", "pids -1 -> max");
	free(o);

	r = (struct vsl_resources){ .hugepage_limits = hp, .n_hugepage_limits = 1 };
	o = conv(&r, 0, &err, NULL);
	is_str(o, "hugetlb.2MB.limit_in_bytes=4194304", "hugetlb v1");
	free(o);
	o = conv(&r, VSL_CG_CONV_HUGETLB_V2, &err, NULL);
	is_str(o, "hugetlb.2MB.max=4194304", "hugetlb in the unified tree of a v1 host");
	free(o);
	r.hugepage_limits = bad;
	ok(!conv(&r, 0, &err, NULL) && strstr(err.msg, "pageSize"), "bad page size: %s", err.msg);

	r = (struct vsl_resources){ .has_class_id = true, .class_id = 0x100001,
				    .net_priorities = np, .n_net_priorities = 1 };
	o = conv(&r, 0, &err, NULL);
	is_str(o, "net_cls.classid=1048577;net_prio.ifpriomap=eth0 5", "network v1");
	free(o);
	ok(!conv(&r, VSL_CG_CONV_V2, &err, NULL) && err.code == EOPNOTSUPP, "network on v2 refused");

	r = (struct vsl_resources){ .unified = uni, .n_unified = 1 };
	o = conv(&r, VSL_CG_CONV_V2, &err, NULL);
	is_str(o, "memory.high=1G", "unified v2");
	free(o);
	ok(!conv(&r, 0, &err, NULL) && strstr(err.msg, "needs cgroup v2"), "unified on v1: %s",
	   err.msg);
	r.unified = badkey;
	ok(!conv(&r, VSL_CG_CONV_V2, &err, NULL) && err.code == EINVAL, "unified ../x refused");
	o = conv(NULL, 0, &err, NULL);
	is_str(o, "", "no resources: nothing to write");
	free(o);
}

static void test_devices(void)
{
	struct vsl_device_rule rules[] = {
		{ .allow = false, .access = "rwm" },
		{ .allow = true, .type = "c", .has_major = true, .major = 10, .has_minor = true,
		  .minor = 229, .access = "rw" },
		{ .allow = true, .type = "b", .has_major = true, .major = 8, .access = "r" },
	};
	struct vsl_device devs[] = { { .type = "c", .path = "/dev/fuse2", .major = 10,
				       .minor = 230 },
				     { .type = "p", .path = "/dev/fifo" } };
	struct vsl_resources r = { .devices = rules, .n_devices = 3 };
	cleanup_free struct vsl_cg_dev_rule *v = NULL;
	struct bpf_insn insns[512];
	struct vsl_err err;
	char line[64];
	size_t n = 0;

	ok(vsl_cg_dev_rules(&r, devs, 2, &v, &n, &err) == 0, "device rules");
	ok(n == 1 + 3 + 11 + 1, "deny-all + 3 + 11 defaults + 1 device (fifo skipped): %zu", n);
	vsl_cg_dev_rule_line(&v[0], line, sizeof(line));
	ok(!strcmp(line, "a"), "first rule denies all");
	vsl_cg_dev_rule_line(&v[2], line, sizeof(line));
	ok(!strcmp(line, "c 10:229 rw"), "char rule line");
	vsl_cg_dev_rule_line(&v[3], line, sizeof(line));
	ok(!strcmp(line, "b 8:* r"), "block rule with any minor");
	vsl_cg_dev_rule_line(&v[n - 1], line, sizeof(line));
	ok(!strcmp(line, "c 10:230 rwm"), "linux.devices entry allowed last");
	ok(v[1].allow == false && v[1].type == 'a', "type absent means all");

	int len = vsl_cg_bpf_compile(v, n, insns, 512);
	ok(len > 6 && insns[len - 1].code == (BPF_JMP | BPF_EXIT), "bpf program ends in exit");
	/* The deny-all rule matches everything: it is the program's last block, no default. */
	ok(insns[len - 2].code == (BPF_ALU64 | BPF_MOV | BPF_K) && insns[len - 2].imm == 0,
	   "deny-all last");
	ok(vsl_cg_bpf_compile(v, n, insns, 20) == -E2BIG, "too small a buffer is E2BIG");

	rules[1].access = "rwx";
	ok(vsl_cg_dev_rules(&r, NULL, 0, &v, &n, &err) == -EINVAL && strstr(err.msg, "access"),
	   "bad access refused: %s", err.msg);
	rules[1].access = "rw";
	rules[2].type = "z";
	ok(vsl_cg_dev_rules(&r, NULL, 0, &v, &n, &err) == -EINVAL && strstr(err.msg, "type"),
	   "bad type refused");
}

static void test_paths(void)
{
	struct vsl_err err;
	char *p = NULL;
	unsigned owned = 0;
	bool sd = false;

	ok(vsl_cg_resolve_path("web1", NULL, false, &p, &err) == 0 && !strcmp(p, "/vessel/web1"),
	   "default path");
	free(p);
	ok(vsl_cg_resolve_path("x", "/a//b/", false, &p, &err) == 0 && !strcmp(p, "/a/b"),
	   "absolute path normalized");
	free(p);
	ok(vsl_cg_resolve_path("x", "pods/c1", false, &p, &err) == 0 &&
	   !strcmp(p, "/vessel/pods/c1"), "relative path under the default parent");
	free(p);
	ok(vsl_cg_resolve_path("x", "/a/../b", false, &p, &err) == -EINVAL, ".. refused");
	ok(vsl_cg_resolve_path("x", "/", false, &p, &err) == -EINVAL, "root refused");
	ok(vsl_cg_resolve_path("a/b", NULL, false, &p, &err) == -EINVAL, "id with / refused");
	ok(vsl_cg_resolve_path("x", "system.slice:vessel:x", true, &p, &err) == 0 &&
	   !strcmp(p, "/system.slice/vessel-x.scope"), "systemd: the scope's cgroup (%s)", p);
	free(p);
	ok(vsl_cg_resolve_path("x", "/a/b", true, &p, &err) == -EINVAL &&
	   strstr(err.msg, "slice:prefix:name"), "systemd path malformed: %s", err.msg);

	p = vsl_cg_record("/vessel/web1", 2, false);
	is_str(p, "2:/vessel/web1", "record");
	free(p);
	ok(vsl_cg_parse_record("2:/vessel/web1", &p, &owned, &sd, &err) == 0 && owned == 2 &&
	   !sd && !strcmp(p, "/vessel/web1"), "parse record");
	free(p);
	p = vsl_cg_record("/system.slice/vessel-x.scope", 1, true);
	is_str(p, "systemd:1:/system.slice/vessel-x.scope", "systemd record");
	free(p);
	ok(vsl_cg_parse_record("systemd:0:/system.slice/vessel-x.scope", &p, &owned, &sd, &err) ==
	   0 && owned == 0 && sd && !strcmp(p, "/system.slice/vessel-x.scope"),
	   "parse a provisional systemd record");
	free(p);
	ok(vsl_cg_parse_record("/vessel/web1", &p, &owned, &sd, &err) == -EINVAL, "bad record");
	ok(vsl_cg_parse_record("x:/a", &p, &owned, &sd, &err) == -EINVAL, "bad owned count");
	ok(vsl_cg_parse_record("systemd:/a", &p, &owned, &sd, &err) == -EINVAL,
	   "systemd record without its count");
}

/* What Docker sends for a container without limits: every field present, 0 for "unset"
 * (blkio weight 0 made the kernel refuse the container). runc skips them; so does vessel. */
static void test_docker_zeroes(void)
{
	struct vsl_weight_device wd[] = { { 8, 0, true, true, 0, 0 } };
	struct vsl_resources r = { .has_memory = true, .has_cpu = true, .has_block_io = true,
				   .has_pids = true, .pids_limit = 0, .has_class_id = true };
	struct vsl_err err;
	char *o;

	r.memory = (struct vsl_memory){ .has_limit = true, .has_reservation = true,
					.has_swap = true, .has_kernel = true,
					.has_kernel_tcp = true };
	r.cpu = (struct vsl_cpu){ .has_shares = true, .has_quota = true, .has_period = true,
				  .has_rt_period = true, .has_rt_runtime = true, .cpus = "",
				  .mems = "" };
	r.block_io = (struct vsl_block_io){ .has_weight = true, .has_leaf_weight = true,
					    .weight_device = wd, .n_weight_device = 1 };
	o = conv(&r, 0, &err, NULL);
	is_str(o, "", "v1: zeroes are not written (blkio.weight 0 is refused by the kernel)");
	free(o);
	o = conv(&r, VSL_CG_CONV_V2, &err, NULL);
	is_str(o, "", "v2: zeroes are not written, realtime 0 is not a v2 error");
	free(o);

	/* 0 only where it is "unset": swappiness 0, idle 0, burst 0 and rate 0 are values */
	r = (struct vsl_resources){ .has_memory = true, .has_cpu = true };
	r.memory = (struct vsl_memory){ .has_swappiness = true, .swappiness = 0, .has_limit = true,
					.limit = 0, .has_swap = true, .swap = -1 };
	r.cpu = (struct vsl_cpu){ .has_burst = true, .burst = 0, .has_idle = true, .idle = 0,
				  .has_period = true, .period = 0, .has_quota = true,
				  .quota = 50000 };
	o = conv(&r, 0, &err, NULL);
	is_str(o, "cpu.cfs_quota_us=50000;cpu.cfs_burst_us=0;cpu.idle=0;"
		  "memory.memsw.limit_in_bytes=-1;memory.swappiness=0",
	       "v1: swappiness, burst and idle 0 are kept");
	free(o);
	o = conv(&r, VSL_CG_CONV_V2, &err, NULL);
	is_str(o, "cpu.max=50000;cpu.max.burst=0;cpu.idle=0;memory.swap.max=max",
	       "v2: quota without its (zero) period, swap max without a (zero) limit");
	free(o);
}

int main(void)
{
	test_memory();
	test_cpu();
	test_swap_v2();
	test_blkio();
	test_docker_zeroes();
	test_misc();
	test_devices();
	test_paths();
	return tap_done();
}
