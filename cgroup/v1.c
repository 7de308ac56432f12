/* cgroup v1: one directory per controller hierarchy, written through cgroupfs directly.
 * libcgroup was used here at first (cgroup_create_cgroup, cgroup_attach_task_pid), but
 * every one of its calls needs cgroup_init(), which parses the mount table and costs
 * 0.8-1.8 ms on each create, exec and delete here: more than the rest of the cgroup work,
 * and the whole gap between vessel and crun in tests/bench. Its cgroup_modify_cgroup also
 * reports a refused value as a bare code, while a refused limit must name its file and
 * value, and its delete moves left-over tasks to the parent instead of waiting for them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

/* How many components of path exist under mount. */
static unsigned existing_levels(const char *mount, const char *path)
{
	cleanup_free char *full = xasprintf("%s%s", mount, path);
	size_t base = strlen(mount);
	unsigned n = 0;
	struct stat st;

	for (char *s = full + base + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;
		*s = '\0';
		if (stat(full, &st) < 0)
			return n;
		n++;
		*s = saved;
		if (!saved)
			return n;
	}
}

static unsigned count_levels(const char *path)
{
	unsigned n = 0;

	for (const char *p = path; *p; p++)
		n += *p == '/';
	return n;
}

static bool has_procs(const char *dir)
{
	cleanup_free pid_t *pids = NULL;
	struct vsl_err tmp;
	size_t n = 0;

	return vsl_cg_collect_pids(dir, &pids, &n, &tmp) == 0 && n > 0;
}

/* A new cpuset cgroup starts with no cpus and no mems (unless clone_children): nothing could
 * run in it. Copy the parent's, top-down over the levels vessel made. */
/* cpuset.cpus and cpuset.mems start empty in a new v1 cpuset cgroup (no process can join
 * it then: ENOSPC). Fill every empty level from its parent, top down, whoever made it: a
 * parent another create made a moment ago may still be empty, and filling it again with
 * the same values is harmless. */
static int cpuset_init(const struct vsl_cgroup *cg, struct vsl_err *err)
{
	const struct vsl_cg_hier *h = vsl_cg_v1_hier(cg, "cpuset");
	unsigned total = count_levels(cg->path);
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

	for (unsigned lvl = 1; h && lvl <= total; lvl++) {
		cleanup_free char *dir = xstrdup(h->dir), *parent = NULL;
		for (unsigned k = lvl; k < total; k++)
			*strrchr(dir, '/') = '\0';
		parent = strndup(dir, (size_t)(strrchr(dir, '/') - dir));
		for (size_t f = 0; f < 2; f++) {
			cleanup_free char *mine = NULL, *theirs = NULL;
			int r = vsl_cg_read(dir, files[f], &mine, err);
			if (r == 0 && !*mine)
				r = vsl_cg_read(parent, files[f], &theirs, err);
			if (r == 0 && theirs)
				r = vsl_cg_write(dir, files[f], theirs, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int unified_create(struct vsl_cgroup *cg, const struct vsl_cg_settings *s,
			  struct vsl_err *err)
{
	char *need[] = { "hugetlb", NULL };
	bool hugetlb = false;
	unsigned made = 0;
	int r;

	for (size_t i = 0; i < s->n; i++)
		hugetlb |= vsl_str_has_prefix(s->v[i].file, "hugetlb.");
	hugetlb &= !vsl_cg_v1_hier(cg, "hugetlb");
	free(cg->unified_dir);
	cg->unified_dir = NULL;
	if (!cg->unified_mount)
		return 0;
	/* The unified tree of a hybrid host holds the controllers v1 lacks (hugetlb here)
	 * and offers cgroup.kill. Best effort unless a limit needs it. */
	r = vsl_cg_mkdir_path(cg->unified_mount, cg->path, &made, err);
	if (r == 0 && hugetlb)
		r = vsl_cg_v2_enable(cg->unified_mount, cg->path, false, need, cg->log, err);
	if (made > cg->owned)
		cg->owned = made;
	if (r == 0 || made)
		cg->unified_dir = xasprintf("%s%s", cg->unified_mount, cg->path);
	if (r < 0 && !hugetlb) {
		vsl_debug(cg->log, "cgroup: no unified dir: %s", err->msg);
		return 0;
	}
	return r;
}

static int v1_create(struct vsl_cgroup *cg, const struct vsl_cg_req *req,
		     struct vsl_cg_settings *s, struct vsl_err *err)
{
	unsigned total = count_levels(cg->path);
	int r = 0;

	for (size_t i = 0; i < cg->n_hier; i++) {
		unsigned made = total - existing_levels(cg->hier[i].mount, cg->path);
		if (made == 0 && has_procs(cg->hier[i].dir))
			return vsl_fail(err, EBUSY, "cgroup %s: already in use by other processes",
					cg->hier[i].dir);
		cg->owned = made > cg->owned ? made : cg->owned;
	}
	if (cg->owned == 0)
		cg->owned = 1;	/* an empty leaf that existed is taken over */
	for (size_t i = 0; i < cg->n_hier && r == 0; i++) {
		unsigned made = 0;
		r = vsl_cg_mkdir_path(cg->hier[i].mount, cg->path, &made, err);
	}
	if (r == 0)
		r = cpuset_init(cg, err);
	if (r == 0)
		r = unified_create(cg, s, err);
	if (r < 0) {
		struct vsl_err tmp;
		cg->ops->remove(cg, &tmp);
	}
	return r;
}

static const char *v1_dir_for(const struct vsl_cgroup *cg, const char *file,
			      struct vsl_err *err)
{
	char ctrl[32];
	const struct vsl_cg_hier *h;

	snprintf(ctrl, sizeof(ctrl), "%.*s", (int)strcspn(file, "."), file);
	h = vsl_cg_v1_hier(cg, ctrl);
	if (h)
		return h->dir;
	if (!strcmp(ctrl, "hugetlb") && cg->unified_dir)
		return cg->unified_dir;
	vsl_fail(err, ENOENT, "cgroup %s: the %s controller is not mounted (needed for %s)",
		 cg->path, ctrl, file);
	return NULL;
}

static int v1_devices(const struct vsl_cgroup *cg, const struct vsl_cg_dev_rule *rules,
		      size_t n, struct vsl_err *err)
{
	const struct vsl_cg_hier *h = vsl_cg_v1_hier(cg, "devices");
	char line[64];
	int r;

	if (!h)
		return vsl_fail(err, ENOENT,
				"cgroup %s: the devices controller is not mounted: device access "
				"cannot be restricted", cg->path);
	for (size_t i = 0; i < n; i++) {
		vsl_cg_dev_rule_line(&rules[i], line, sizeof(line));
		r = vsl_cg_write(h->dir, rules[i].allow ? "devices.allow" : "devices.deny", line,
				 err);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool v1_is_frozen(const struct vsl_cgroup *cg)
{
	const struct vsl_cg_hier *h = vsl_cg_v1_hier(cg, "freezer");
	cleanup_free char *state = NULL;
	struct vsl_err tmp;

	if (!h)
		return cg->unified_dir && vsl_cg_v2_is_frozen(cg->unified_dir);
	return vsl_cg_read(h->dir, "freezer.state", &state, &tmp) == 0 &&
	       !strcmp(state, "FROZEN");
}

static int v1_freeze(const struct vsl_cgroup *cg, bool frozen, struct vsl_err *err)
{
	const struct vsl_cg_hier *h = vsl_cg_v1_hier(cg, "freezer");
	const char *want = frozen ? "FROZEN" : "THAWED";
	struct timespec ts = { 0, 1000000L };
	int r;

	if (!h && cg->unified_dir)
		return vsl_cg_v2_freeze(cg->unified_dir, frozen, err);
	if (!h)
		return vsl_fail(err, ENOENT, "cgroup %s: the freezer controller is not mounted",
				cg->path);
	/* FREEZING lasts while a task cannot be stopped yet (in an uninterruptible sleep, or
	 * forking): write the state again now and then and wait, up to 5 s. */
	for (int i = 0; i < 5000; i++) {
		cleanup_free char *state = NULL;
		if (i % 50 == 0) {
			r = vsl_cg_write(h->dir, "freezer.state", want, err);
			if (r < 0)
				return r;
		}
		r = vsl_cg_read(h->dir, "freezer.state", &state, err);
		if (r < 0)
			return r;
		if (!strcmp(state, want))
			return 0;
		nanosleep(&ts, NULL);
	}
	if (frozen)
		vsl_cg_write(h->dir, "freezer.state", "THAWED", err);
	return vsl_fail(err, EBUSY, "cgroup %s: freezer.state did not reach %s in 5 s", h->dir,
			want);
}

static const char *v1_procs_dir(const struct vsl_cgroup *cg)
{
	static const char *const pref[] = { "freezer", "pids", "memory", "cpu" };

	for (size_t i = 0; i < sizeof(pref) / sizeof(pref[0]); i++) {
		const struct vsl_cg_hier *h = vsl_cg_v1_hier(cg, pref[i]);
		if (h)
			return h->dir;
	}
	return cg->n_hier ? cg->hier[0].dir : NULL;
}

static int v1_remove(const struct vsl_cgroup *cg, struct vsl_err *err)
{
	int r = 0, r2;

	for (size_t i = 0; i < cg->n_hier; i++) {
		r2 = vsl_cg_rmdir_tree(cg->hier[i].dir, r < 0 ? &(struct vsl_err){ 0 } : err);
		if (r2 == 0)
			vsl_cg_rmdir_parents(cg->hier[i].mount, cg->path, cg->owned);
		r = r < 0 ? r : r2;
	}
	if (cg->unified_dir) {
		r2 = vsl_cg_rmdir_tree(cg->unified_dir, r < 0 ? &(struct vsl_err){ 0 } : err);
		if (r2 == 0)
			vsl_cg_rmdir_parents(cg->unified_mount, cg->path, cg->owned);
		r = r < 0 ? r : r2;
	}
	return r;
}

const struct vsl_cg_ops vsl_cg_v1_ops = {
	.create = v1_create,
	.dir_for = v1_dir_for,
	.devices = v1_devices,
	.freeze = v1_freeze,
	.is_frozen = v1_is_frozen,
	.procs_dir = v1_procs_dir,
	.remove = v1_remove,
	.stats = vsl_cg_stats_v1,
};
