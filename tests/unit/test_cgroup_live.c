/* The cgroup manager against this host's kernel, v1 or v2 as detected: create with limits
 * and read them back, enter a child, freeze/thaw a counter, update memory live, refused
 * limits named and rolled back, pids limit, cpu quota, OOM notification, stats, kill_all,
 * destroy. Needs root; every cgroup is vsltest-cgroup-<pid>-* and is removed pass or fail. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup/internal.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "tests/unit/cgroup_testlib.h"
#include "tests/unit/tap.h"

static const struct vsl_log quiet = { .fd = 2, .level = VSL_LOG_ERROR };

static char *value(const struct vsl_cgroup *cg, const char *file)
{
	struct vsl_err err = { 0 };
	const char *dir = cg->ops->dir_for(cg, file, &err);
	char *s = NULL;

	if (!dir || vsl_cg_read(dir, file, &s, &err) < 0)
		return xstrdup("<unreadable>");
	return s;
}

static bool v2(const struct vsl_cgroup *cg)
{
	return cg->mode == VSL_CG_V2;
}

/* No directory of this test left in any hierarchy. */
static bool nothing_left(const char *top)
{
	static const char *const roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/cpu",
		"/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/cpuset", "/sys/fs/cgroup/memory",
		"/sys/fs/cgroup/devices", "/sys/fs/cgroup/freezer", "/sys/fs/cgroup/blkio",
		"/sys/fs/cgroup/pids", "/sys/fs/cgroup/unified" };
	struct stat st;

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		cleanup_free char *p = xasprintf("%s%s", roots[i], top);
		if (stat(p, &st) == 0) {
			printf("# left behind: %s\n", p);
			return false;
		}
	}
	return true;
}

static bool created(int r, const char *path, const struct vsl_err *err)
{
	ok(r == 0, "create %s (%s)", path, r < 0 ? err->msg : "ok");
	return r == 0;
}

/* Throttling needs the loop to want more than its quota. On a loaded host it may get less
 * than half a CPU anyway: watch up to 3 s for a throttled period, and accept none only when
 * the loop used well under its quota over that time (it never asked for more). */
static bool busy_loop_throttled(const struct vsl_cgroup *cg, struct vsl_cg_stats *st)
{
	struct vsl_err err;
	uint64_t cpu0;

	if (vsl_cg_stats(cg, st, &err) < 0)
		return false;
	cpu0 = st->cpu.total;
	for (int i = 0; i < 30; i++) {
		msleep(100);
		if (vsl_cg_stats(cg, st, &err) < 0)
			return false;
		if (st->cpu.periods > 0 && st->cpu.throttled_periods > 0)
			return true;
	}
	printf("# not throttled in 3 s: the loop used %.2f CPU\n", (double)(st->cpu.total - cpu0) / 3e9);
	return st->cpu.total - cpu0 < 3e9 * 0.45;
}

/* Enter a counting child, freeze/thaw it, read stats, kill it. */
static void run_lifecycle(const struct vsl_cgroup *cg, struct vsl_cgroup **again)
{
	volatile uint64_t *counter = shared_page();
	struct vsl_err err = { 0 };
	struct kid k = { 0 };

	kid_spawn(&k, fn_count, (void *)counter);
	ok(vsl_cg_enter(cg, k.pid, &err) == 0, "enter child %d (%s)", (int)k.pid, err.msg);
	kid_go(&k);
	{
		cleanup_free pid_t *pids = NULL;
		size_t n = 0;
		ok(vsl_cg_pids(cg, &pids, &n, &err) == 0 && n == 1 && pids[0] == k.pid,
		   "pids lists the child (%zu)", n);
	}
	ok(counter_moves(counter, 100), "counter runs");
	ok(vsl_cg_freeze(cg, true, &err) == 0 && vsl_cg_is_frozen(cg), "freeze (%s)", err.msg);
	msleep(20);
	ok(!counter_moves(counter, 200), "frozen counter stands still");
	ok(vsl_cg_open(vsl_cg_path(cg), &quiet, again, &err) == 0 && vsl_cg_is_frozen(*again),
	   "reopened from the record, it is frozen");
	ok(vsl_cg_freeze(*again, false, &err) == 0 && !vsl_cg_is_frozen(cg), "thaw");
	ok(counter_moves(counter, 100), "thawed counter runs again");

	{
		struct vsl_cg_stats st;
		ok(vsl_cg_stats(cg, &st, &err) == 0 && st.cpu.total > 0 && st.pids.current == 1 &&
		   st.pids.limit == 20 && st.memory.usage.limit == 64 << 20,
		   "stats: cpu %llu ns, pids %llu/%llu, mem limit %llu",
		   (unsigned long long)st.cpu.total, (unsigned long long)st.pids.current,
		   (unsigned long long)st.pids.limit, (unsigned long long)st.memory.usage.limit);
		ok(busy_loop_throttled(cg, &st), "a busy loop under quota 0.5 is throttled (%llu of %llu "
		   "periods)", (unsigned long long)st.cpu.throttled_periods,
		   (unsigned long long)st.cpu.periods);
	}

	ok(vsl_cg_kill_all(cg, SIGKILL, &err) == 0, "kill_all (%s)", err.msg);
	{
		int st = 0;
		ok(waitpid(k.pid, &st, 0) == k.pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		   "child died of SIGKILL");
		k.pid = 0;
		close(k.go_w);
		close(k.res_r);
	}
}

static void test_create_readback(const char *top)
{
	cleanup_free char *path = xasprintf("%s/c1", top);
	struct vsl_resources res = { .has_memory = true, .has_cpu = true, .has_pids = true,
				     .pids_limit = 20 };
	struct vsl_cg_req req = { .id = "c1", .cgroups_path = path, .resources = &res,
				  .log = &quiet };
	cleanup_cgroup struct vsl_cgroup *cg = NULL, *again = NULL;
	struct vsl_err err = { 0 };
	char *s;

	res.memory = (struct vsl_memory){ .has_limit = true, .limit = 64 << 20 };
	res.cpu = (struct vsl_cpu){ .has_shares = true, .shares = 512, .has_quota = true,
				    .quota = 50000, .has_period = true, .period = 100000,
				    .cpus = "0", .mems = "0" };
	if (!created(vsl_cg_create(&req, &cg, &err), path, &err))
		return;
	printf("# mode %s, recorded %s\n", vsl_cg_mode_name(cg), vsl_cg_path(cg));
	s = value(cg, v2(cg) ? "memory.max" : "memory.limit_in_bytes");
	is_str(s, "67108864", "memory limit reads back");
	free(s);
	s = value(cg, v2(cg) ? "cpu.weight" : "cpu.shares");
	is_str(s, v2(cg) ? "20" : "512", "cpu shares/weight reads back");
	free(s);
	s = value(cg, v2(cg) ? "cpu.max" : "cpu.cfs_quota_us");
	is_str(s, v2(cg) ? "50000 100000" : "50000", "cpu quota reads back");
	free(s);
	s = value(cg, "pids.max");
	is_str(s, "20", "pids.max reads back");
	free(s);
	s = value(cg, "cpuset.cpus");
	is_str(s, "0", "cpuset.cpus reads back");
	free(s);

	run_lifecycle(cg, &again);
	ok(vsl_cg_destroy(cg, &err) == 0, "destroy (%s)", err.msg);
	ok(vsl_cg_destroy(again, &err) == 0, "destroy again is a no-op");
	ok(nothing_left(top), "no directory left after destroy");
}

static int fn_touch_20m(void *arg)
{
	size_t len = 20 << 20;
	char *p = malloc(len);
	if (!p)
		return -1;
	memset(p, 1, len);
	*(char **)arg = p;
	return 0;
}

static void test_update(const char *top)
{
	cleanup_free char *path = xasprintf("%s/upd", top);
	struct vsl_resources res = { .has_memory = true };
	struct vsl_cg_req req = { .id = "upd", .cgroups_path = path, .resources = &res,
				  .log = &quiet };
	cleanup_cgroup struct vsl_cgroup *cg = NULL;
	const char *f;
	struct vsl_err err = { 0 };
	struct kid k = { 0 };
	char *hold = NULL, *s;

	res.memory = (struct vsl_memory){ .has_limit = true, .limit = 64 << 20 };
	if (!created(vsl_cg_create(&req, &cg, &err), path, &err))
		return;
	f = v2(cg) ? "memory.max" : "memory.limit_in_bytes";
	kid_spawn(&k, fn_touch_20m, &hold);
	vsl_cg_enter(cg, k.pid, &err);
	kid_go(&k);
	ok(kid_result(&k, 5000) == 0, "child touched 20M");

	res.memory.limit = 128 << 20;
	ok(vsl_cg_update(cg, &res, &err) == 0, "grow to 128M (%s)", err.msg);
	s = value(cg, f);
	is_str(s, "134217728", "memory limit grown live");
	free(s);
	res.memory.limit = 48 << 20;
	ok(vsl_cg_update(cg, &res, &err) == 0, "shrink to 48M (%s)", err.msg);
	s = value(cg, f);
	is_str(s, "50331648", "memory limit shrunk live");
	free(s);

	res.memory = (struct vsl_memory){ .has_limit = true, .limit = 4 << 20,
					  .has_check_before_update = true,
					  .check_before_update = true };
	ok(vsl_cg_update(cg, &res, &err) == -EBUSY && strstr(err.msg, "checkBeforeUpdate"),
	   "below usage with checkBeforeUpdate refused: %s", err.msg);
	if (!v2(cg)) {
		res.memory.has_check_before_update = false;
		ok(vsl_cg_update(cg, &res, &err) < 0 && strstr(err.msg, "memory.limit_in_bytes") &&
		   strstr(err.msg, "4194304"), "v1 kernel refuses below usage, named: %s", err.msg);
	}
	s = value(cg, f);
	is_str(s, "50331648", "limit unchanged after the refusals");
	free(s);

	res = (struct vsl_resources){ .has_cpu = true };
	res.cpu.cpus = "63";
	ok(vsl_cg_update(cg, &res, &err) < 0 && strstr(err.msg, "cpuset.cpus") &&
	   strstr(err.msg, "\"63\""), "cpus not online refused, named: %s", err.msg);
	ok(kill(k.pid, 0) == 0, "child still alive");
	kid_reap(&k);
	ok(vsl_cg_destroy(cg, &err) == 0, "destroy (%s)", err.msg);
	ok(nothing_left(top), "nothing left");
}

static void test_refused_create(const char *top)
{
	cleanup_free char *path = xasprintf("%s/bad", top);
	struct vsl_resources res = { .has_cpu = true, .has_memory = true };
	struct vsl_cg_req req = { .id = "bad", .cgroups_path = path, .resources = &res,
				  .log = &quiet };
	struct vsl_cgroup *cg = NULL;
	struct vsl_err err = { 0 };

	res.memory = (struct vsl_memory){ .has_limit = true, .limit = 32 << 20 };
	res.cpu.cpus = "0-63";
	ok(vsl_cg_create(&req, &cg, &err) < 0 && strstr(err.msg, "cpuset.cpus") &&
	   strstr(err.msg, "0-63") && !cg, "create with cpus not online fails named: %s", err.msg);
	ok(nothing_left(top), "refused create leaves no cgroup");

	res = (struct vsl_resources){ .has_memory = true };
	res.memory = (struct vsl_memory){ .has_limit = true, .limit = 64 << 20, .has_swap = true,
					  .swap = 32 << 20 };
	ok(vsl_cg_create(&req, &cg, &err) == -EINVAL && strstr(err.msg, "memory.swap"),
	   "swap below memory refused before any mkdir: %s", err.msg);
	ok(nothing_left(top), "nothing left");
}

static int fn_forks(void *arg)
{
	int made = 0;

	for (int i = 0; i < 40; i++) {
		pid_t p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0)
			return errno == EAGAIN ? made : -errno;
		made++;
	}
	return made;
}

static bool fork_ok(void)
{
	int st = 0;
	pid_t p = fork();

	if (p == 0)
		_exit(7);
	return p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 7;
}

static void test_pids(const char *top)
{
	cleanup_free char *path = xasprintf("%s/pids", top);
	struct vsl_resources res = { .has_pids = true, .pids_limit = 20 };
	struct vsl_cg_req req = { .id = "pids", .cgroups_path = path, .resources = &res,
				  .log = &quiet };
	cleanup_cgroup struct vsl_cgroup *cg = NULL;
	struct vsl_err err = { 0 };
	struct kid k = { 0 };
	int made;

	if (!created(vsl_cg_create(&req, &cg, &err), path, &err))
		return;
	kid_spawn(&k, fn_forks, NULL);
	vsl_cg_enter(cg, k.pid, &err);
	kid_go(&k);
	made = kid_result(&k, 5000);
	ok(made == 19, "pids.max 20: 19 forks succeed, then EAGAIN (%d)", made);
	ok(fork_ok(), "the host can still fork");
	ok(vsl_cg_destroy(cg, &err) == 0, "destroy kills the forked children too (%s)", err.msg);
	kid_reap(&k);
	ok(nothing_left(top), "nothing left");
}

/* A child forked with vsl_cg_fork that enters itself ends up in the cgroup in every
 * hierarchy (born in the v2 one where clone3 allows), and its own children with it. */
static void test_fork_into(const char *top)
{
	cleanup_free char *path = xasprintf("%s/fork", top);
	struct vsl_cg_req req = { .id = "fork", .cgroups_path = path, .log = &quiet };
	cleanup_cgroup struct vsl_cgroup *cg = NULL;
	struct vsl_err err = { 0 };
	bool born_in_v2 = false;
	int p[2], st = 0;
	char buf[4096] = "";
	ssize_t n;
	pid_t pid;

	if (!created(vsl_cg_create(&req, &cg, &err), path, &err) || pipe(p) < 0)
		return;
	pid = vsl_cg_fork(cg, &born_in_v2);
	if (pid == 0) {
		/* report the grandchild's view: what the container process would inherit */
		close(p[0]);
		if (vsl_cg_enter_self(cg, born_in_v2, &err) < 0) {
			dprintf(p[1], "error: %s\n", err.msg);
			_exit(1);
		}
		dup2(p[1], 1);
		execl("/bin/sh", "sh", "-c", "cat /proc/self/cgroup", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	ok(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "forked child entered itself: %s",
	   WIFEXITED(st) && WEXITSTATUS(st) ? buf : "ok");
	ok(cg->unified_dir == NULL || born_in_v2, "born in the v2 cgroup (clone3 CLONE_INTO_CGROUP)");
	{
		/* every line of /proc/self/cgroup (a hierarchy) ends in the test's path */
		bool all = n > 0;
		for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
			if (!strstr(l, path))
				all = false;
		ok(all, "its child is in %s in every hierarchy", path);
	}
	ok(vsl_cg_destroy(cg, &err) == 0, "destroy (%s)", err.msg);
	ok(nothing_left(top), "nothing left");
}

static int fn_spin_1s(void *arg)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 1000000000L);
	return 0;
}

static void test_cpu_quota(const char *top)
{
	cleanup_free char *path = xasprintf("%s/cpu", top);
	struct vsl_resources res = { .has_cpu = true };
	struct vsl_cg_req req = { .id = "cpu", .cgroups_path = path, .resources = &res,
				  .log = &quiet };
	cleanup_cgroup struct vsl_cgroup *cg = NULL;
	struct vsl_cg_stats st;
	struct vsl_err err = { 0 };
	struct kid k = { 0 };
	double share;

	res.cpu = (struct vsl_cpu){ .has_quota = true, .quota = 20000, .has_period = true,
				    .period = 100000 };
	if (!created(vsl_cg_create(&req, &cg, &err), path, &err))
		return;
	kid_spawn(&k, fn_spin_1s, NULL);
	vsl_cg_enter(cg, k.pid, &err);
	kid_go(&k);
	ok(kid_result(&k, 5000) == 0, "busy loop ran for 1 s of wall time");
	vsl_cg_stats(cg, &st, &err);
	share = (double)st.cpu.total / 1e9;
	ok(share > 0.1 && share < 0.35, "quota 0.2 CPU: the loop got %.3f s of CPU in 1 s", share);
	kid_reap(&k);
	ok(vsl_cg_destroy(cg, &err) == 0, "destroy (%s)", err.msg);
	ok(nothing_left(top), "nothing left");
}

static int fn_hog(void *arg)
{
	for (size_t total = 0; total < (512u << 20); total += 1 << 20) {
		char *p = malloc(1 << 20);
		if (!p)
			return -1;
		memset(p, 1, 1 << 20);
	}
	return 0;
}

static void test_oom(const char *top)
{
	cleanup_free char *path = xasprintf("%s/oom", top);
	struct vsl_resources res = { .has_memory = true };
	struct vsl_cg_req req = { .id = "oom", .cgroups_path = path, .resources = &res,
				  .log = &quiet };
	cleanup_cgroup struct vsl_cgroup *cg = NULL;
	struct vsl_cg_oom *w = NULL;
	struct vsl_err err = { 0 };
	struct kid k = { 0 };
	uint64_t n_new = 0;
	bool gone = false;
	int st = 0;

	/* swap = limit: no swap to escape to */
	res.memory = (struct vsl_memory){ .has_limit = true, .limit = 32 << 20, .has_swap = true,
					  .swap = 32 << 20 };
	if (!created(vsl_cg_create(&req, &cg, &err), path, &err))
		return;
	ok(vsl_cg_oom_open(cg, &w, &err) == 0, "OOM watch (%s)", err.msg);
	kid_spawn(&k, fn_hog, NULL);
	vsl_cg_enter(cg, k.pid, &err);
	kid_go(&k);
	waitpid(k.pid, &st, 0);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "512M hog under 32M is OOM-killed");
	k.pid = 0;
	if (w) {
		struct pollfd p = { .fd = vsl_cg_oom_fd(w), .events = POLLIN };
		ok(poll(&p, 1, 2000) == 1 && vsl_cg_oom_read(w, &n_new, &gone, &err) == 0 &&
		   n_new >= 1 && !gone, "the OOM watch reports it (%llu)", (unsigned long long)n_new);
		vsl_cg_oom_close(w);
	}
	{
		struct vsl_cg_stats s;
		ok(vsl_cg_stats(cg, &s, &err) == 0 && s.memory.oom_kill >= 1,
		   "stats count the OOM kill (%llu)", (unsigned long long)s.memory.oom_kill);
	}
	ok(vsl_cg_destroy(cg, &err) == 0, "destroy (%s)", err.msg);
	ok(nothing_left(top), "nothing left");
}

/* A container that made its own child cgroup, with a process in it, then got frozen:
 * destroy still kills everything and removes the whole tree. */
static void test_nested_frozen(const char *top)
{
	cleanup_free char *path = xasprintf("%s/nest", top);
	struct vsl_cg_req req = { .id = "nest", .cgroups_path = path, .log = &quiet };
	cleanup_cgroup struct vsl_cgroup *cg = NULL;
	struct vsl_err err = { 0 };
	struct kid k = { 0 };
	char pid[32];
	int st = 0, moved = 0;

	if (!created(vsl_cg_create(&req, &cg, &err), path, &err))
		return;
	kid_spawn(&k, fn_count, (void *)shared_page());
	vsl_cg_enter(cg, k.pid, &err);
	kid_go(&k);
	snprintf(pid, sizeof(pid), "%d", (int)k.pid);
	for (size_t i = 0; i < (v2(cg) ? 1 : cg->n_hier); i++) {
		const char *dir = v2(cg) ? cg->unified_dir : cg->hier[i].dir;
		cleanup_free char *sub = xasprintf("%s/sub", dir);
		if (mkdir(sub, 0755) == 0 && (strstr(sub, "/cpuset/") == NULL) &&
		    vsl_cg_write(sub, "cgroup.procs", pid, &err) == 0)
			moved++;
	}
	ok(moved > 0, "the child moved itself into a nested cgroup (%d hierarchies)", moved);
	ok(vsl_cg_freeze(cg, true, &err) == 0, "freeze (%s)", err.msg);
	ok(vsl_cg_destroy(cg, &err) == 0, "destroy a frozen cgroup with a nested one (%s)",
	   err.msg);
	ok(waitpid(k.pid, &st, 0) == k.pid && WIFSIGNALED(st), "the nested process was killed");
	k.pid = 0;
	ok(nothing_left(top), "nested and frozen: nothing left");
}

/* A provisional record (saved before create) never kills what lives at its path. */
static void test_provisional(const char *top)
{
	cleanup_free char *path = xasprintf("%s/prov", top), *plan = NULL;
	struct vsl_cg_req req = { .id = "prov", .cgroups_path = path, .log = &quiet };
	cleanup_cgroup struct vsl_cgroup *cg = NULL, *p1 = NULL, *p2 = NULL;
	struct vsl_err err = { 0 };
	struct kid k = { 0 };

	ok(vsl_cg_plan(&req, &plan, &err) == 0 && plan[0] == '0' && strstr(plan, path),
	   "plan records %s", plan ? plan : "");
	if (!plan || !created(vsl_cg_create(&req, &cg, &err), path, &err))
		return;
	kid_spawn(&k, fn_count, (void *)shared_page());
	vsl_cg_enter(cg, k.pid, &err);
	kid_go(&k);
	ok(vsl_cg_open(plan, &quiet, &p1, &err) == 0 && vsl_cg_destroy(p1, &err) == 0,
	   "destroy from the provisional record succeeds (%s)", err.msg);
	ok(kill(k.pid, 0) == 0, "but leaves a cgroup with a process alone");
	kid_reap(&k);
	ok(vsl_cg_open(plan, &quiet, &p2, &err) == 0 && vsl_cg_destroy(p2, &err) == 0,
	   "an empty one it removes");
	ok(nothing_left(path), "gone");
	ok(vsl_cg_destroy(cg, &err) == 0, "destroy (%s)", err.msg);
	ok(nothing_left(top), "nothing left");
}

int main(void)
{
	cleanup_free char *top = xasprintf("/vsltest-cgroup-%d", (int)getpid());

	if (geteuid() != 0) {
		skip("needs root", "cgroups cannot be created by this user");
		return tap_done();
	}
	test_create_readback(top);
	test_update(top);
	test_refused_create(top);
	test_pids(top);
	test_fork_into(top);
	test_cpu_quota(top);
	test_oom(top);
	test_nested_frozen(top);
	test_provisional(top);
	return tap_done();
}
