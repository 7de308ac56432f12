/* The cgroup v2 backend on a real cgroup2 mount: /sys/fs/cgroup on a v2 host, the unified
 * tree /sys/fs/cgroup/unified on a hybrid v1 host (where only the core files and hugetlb
 * exist). Covers what v2 does without libcgroup: subtree_control, cgroup.freeze,
 * cgroup.kill, the eBPF device program. Needs root; cgroups are vsltest-cgroup-v2-<pid>. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "tests/unit/cgroup_testlib.h"
#include "tests/unit/tap.h"

static const struct vsl_log quiet = { .fd = 2, .level = VSL_LOG_ERROR };

static bool is_cgroup2(const char *p)
{
	struct statfs sf;

	return statfs(p, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* bit 0: /dev/null opens for writing; bit 1: /dev/kmsg (c 1:11) opens for reading */
static int fn_open_devices(void *arg)
{
	int r = 0, fd;

	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		r |= 1;
		close(fd);
	}
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		r |= 2;
		close(fd);
	} else if (errno != EPERM) {
		r |= 4;	/* refused for another reason than the device program */
	}
	return r;
}

static int run_kid(const struct vsl_cgroup *cg, int (*fn)(void *), void *arg, struct kid *k)
{
	struct vsl_err err;

	kid_spawn(k, fn, arg);
	if (vsl_cg_enter(cg, k->pid, &err) < 0) {
		printf("# enter: %s\n", err.msg);
		kid_reap(k);
		return INT32_MIN;
	}
	kid_go(k);
	return fn == fn_count ? 0 : kid_result(k, 5000);
}

static int sys_bpf(int cmd, union bpf_attr *a)
{
	return (int)syscall(SYS_bpf, cmd, a, sizeof(*a));
}

/* Another manager's device program on dir (as systemd attaches for DeviceAllow): everything
 * but /dev/null. Returns the program fd, or -1. */
static int attach_foreign(const char *dir)
{
	static const struct vsl_cg_dev_rule rules[] = { { true, 'a', -1, -1, 7 },
							{ false, 'c', 1, 3, 7 } };
	struct bpf_insn insns[64];
	cleanup_close int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	union bpf_attr a = { 0 };
	int len = vsl_cg_bpf_compile(rules, 2, insns, 64), pfd;

	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)len;
	a.license = (uint64_t)(uintptr_t)"GPL";
	memcpy(a.prog_name, "sd_devices", sizeof("sd_devices"));
	pfd = sys_bpf(BPF_PROG_LOAD, &a);
	if (pfd < 0 || cgfd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)pfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &a) < 0) {
		close(pfd);
		return -1;
	}
	return pfd;
}

static void detach_foreign(const char *dir, int pfd)
{
	cleanup_close int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	union bpf_attr a = { 0 };

	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)pfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	sys_bpf(BPF_PROG_DETACH, &a);
	close(pfd);
}

static void test_devices(const struct vsl_cgroup *cg, const char *leaf)
{
	struct vsl_device_rule allow_kmsg = { .allow = true, .type = "c", .has_major = true,
					      .major = 1, .has_minor = true, .minor = 11,
					      .access = "r" };
	struct vsl_resources upd = { .devices = &allow_kmsg, .n_devices = 1 };
	struct vsl_err err = { 0 };
	struct kid k = { 0 };
	int r, foreign;

	r = run_kid(cg, fn_open_devices, NULL, &k);
	ok(r == 1, "device program: /dev/null allowed, /dev/kmsg denied with EPERM (%d)", r);
	kid_reap(&k);
	foreign = attach_foreign(leaf);
	ok(foreign >= 0, "another manager's program attached beside vessel's (%s)",
	   foreign >= 0 ? "sd_devices" : strerror(errno));
	ok(vsl_cg_update(cg, &upd, &err) == 0, "update devices: allow c 1:11 r (%s)", err.msg);
	r = run_kid(cg, fn_open_devices, NULL, &k);
	ok(r == 2, "after the update /dev/kmsg opens; the other program still denies /dev/null: "
		   "vessel replaced only its own (%d)", r);
	kid_reap(&k);
	detach_foreign(leaf, foreign);
	r = run_kid(cg, fn_open_devices, NULL, &k);
	ok(r == 3, "without the other program both open (%d)", r);
	kid_reap(&k);
}

static void test_tree(const char *mount, const char *top)
{
	cleanup_free char *path = xasprintf("%s/c1", top);
	struct vsl_hugepage_limit hp = { "2MB", 4 << 20 };
	bool hugetlb = vsl_cg_v2_has(mount, "hugetlb") &&
		       access("/sys/kernel/mm/hugepages/hugepages-2048kB", F_OK) == 0;
	struct vsl_resources res = { .hugepage_limits = &hp, .n_hugepage_limits = hugetlb };
	struct vsl_cg_req req = { .id = "c1", .cgroups_path = path, .resources = &res,
				  .log = &quiet };
	cleanup_cgroup struct vsl_cgroup *cg = NULL, *again = NULL;
	volatile uint64_t *counter = shared_page();
	cleanup_free char *leaf = NULL, *top_dir = xasprintf("%s%s", mount, top);
	struct vsl_err err = { 0 };
	struct kid k = { 0 };
	int st = 0;

	ok(vsl_cg_create_v2_at(mount, &req, &cg, &err) == 0, "create %s%s (%s)", mount, path,
	   err.msg);
	if (!cg)
		return;
	leaf = xasprintf("%s%s", mount, path);
	if (hugetlb) {
		cleanup_free char *v = NULL;
		vsl_cg_read(leaf, "hugetlb.2MB.max", &v, &err);
		is_str(v, "4194304", "hugetlb.2MB.max reads back (enabled down the tree)");
	} else {
		skip("no hugetlb", "this kernel has no hugetlb controller or 2MB pages here");
	}
	test_devices(cg, leaf);

	run_kid(cg, fn_count, (void *)counter, &k);
	ok(counter_moves(counter, 100), "counter runs");
	ok(vsl_cg_freeze(cg, true, &err) == 0 && vsl_cg_is_frozen(cg), "cgroup.freeze (%s)",
	   err.msg);
	msleep(20);
	ok(!counter_moves(counter, 200), "frozen counter stands still");
	ok(vsl_cg_open_v2_at(mount, vsl_cg_path(cg), &quiet, &again, &err) == 0 &&
	   vsl_cg_is_frozen(again), "reopened from %s: frozen", vsl_cg_path(cg));
	ok(vsl_cg_freeze(again, false, &err) == 0 && counter_moves(counter, 100), "thawed");
	ok(vsl_cg_kill_all(cg, SIGKILL, &err) == 0, "kill_all via cgroup.kill (%s)", err.msg);
	ok(waitpid(k.pid, &st, 0) == k.pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	   "child died of SIGKILL");
	k.pid = 0;
	ok(vsl_cg_destroy(cg, &err) == 0, "destroy (%s)", err.msg);
	ok(access(leaf, F_OK) < 0 && access(top_dir, F_OK) < 0,
	   "leaf and the parent vessel made are gone");
}

static void test_busy_refused(const char *mount, const char *top)
{
	cleanup_free char *path = xasprintf("%s/busy", top);
	struct vsl_cg_req req = { .id = "busy", .cgroups_path = path, .log = &quiet };
	cleanup_cgroup struct vsl_cgroup *cg = NULL;
	struct vsl_cgroup *second = NULL;
	struct vsl_err err = { 0 };
	struct kid k = { 0 };

	ok(vsl_cg_create_v2_at(mount, &req, &cg, &err) == 0, "create (%s)", err.msg);
	if (!cg)
		return;
	run_kid(cg, fn_count, (void *)shared_page(), &k);
	ok(vsl_cg_create_v2_at(mount, &req, &second, &err) == -EBUSY && !second,
	   "a cgroup with processes is not taken over: %s", err.msg);
	ok(vsl_cg_destroy(cg, &err) == 0, "destroy kills and removes (%s)", err.msg);
	kid_reap(&k);
}

int main(void)
{
	cleanup_free char *top = xasprintf("/vsltest-cgroup-v2-%d", (int)getpid());
	const char *mount = is_cgroup2("/sys/fs/cgroup")		? "/sys/fs/cgroup"
			    : is_cgroup2("/sys/fs/cgroup/unified") ? "/sys/fs/cgroup/unified"
								   : NULL;

	if (geteuid() != 0) {
		skip("needs root", "cgroups cannot be created by this user");
		return tap_done();
	}
	if (!mount) {
		skip("no cgroup2", "this host mounts no cgroup2 tree");
		return tap_done();
	}
	printf("# cgroup2 at %s\n", mount);
	test_tree(mount, top);
	test_busy_refused(mount, top);
	return tap_done();
}
