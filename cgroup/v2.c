/* cgroup v2: one directory in the unified tree, written through cgroupfs directly.
 * libcgroup 2.0.2 is not used here: creating a nested v2 cgroup it writes "+ctrl" into the
 * new directory's subtree_control before enabling the controller in the parents and fails
 * with ENOENT (seen with hugetlb on this host), and it has no call for cgroup.freeze,
 * cgroup.kill, cgroup.events or memory.events. The helpers here also serve the unified dir
 * a hybrid v1 host keeps beside its controllers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

static bool word_in(const char *list, const char *w)
{
	size_t len = strlen(w);

	for (const char *p = list; p && *p; p += strcspn(p, " "), p += *p == ' ') {
		if (!strncmp(p, w, len) && (p[len] == ' ' || !p[len] || p[len] == '\n'))
			return true;
	}
	return false;
}

bool vsl_cg_v2_has(const char *mount, const char *ctrl)
{
	cleanup_free char *avail = NULL;
	struct vsl_err tmp;

	return vsl_cg_read(mount, "cgroup.controllers", &avail, &tmp) == 0 && word_in(avail, ctrl);
}

static bool in_strv(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* Enable at one level every controller of want (all available there if want is NULL). */
static int enable_level(const char *dir, char *const *want, char *const *need,
			const struct vsl_log *log, struct vsl_err *err)
{
	cleanup_free char *avail = NULL, *on = NULL;
	char *save = NULL;
	int r;

	r = vsl_cg_read(dir, "cgroup.controllers", &avail, err);
	if (r == 0)
		r = vsl_cg_read(dir, "cgroup.subtree_control", &on, err);
	if (r < 0)
		return r;
	for (size_t i = 0; need && need[i]; i++)
		if (!word_in(avail, need[i]))
			return vsl_fail(err, ENOENT,
					"cgroup %s: controller %s is not available (cgroup.controllers: "
					"\"%s\")", dir, need[i], avail);
	for (char *c = strtok_r(avail, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
		cleanup_free char *plus = xasprintf("+%s", c);
		if ((want && !in_strv(want, c)) || word_in(on, c))
			continue;
		r = vsl_cg_write(dir, "cgroup.subtree_control", plus, err);
		if (r < 0 && in_strv(need, c))
			return r;
		if (r < 0)
			vsl_debug(log, "%s (not needed, skipped)", err->msg);
	}
	return 0;
}

int vsl_cg_v2_enable(const char *mount, const char *path, bool all, char *const *need,
		     const struct vsl_log *log, struct vsl_err *err)
{
	cleanup_free char *dir = xstrdup(mount);
	const char *p = path;
	int r;

	/* From the root down to the parent of the leaf: the leaf gets processes, and a
	 * non-root cgroup cannot have both processes and controllers for children. */
	for (;;) {
		const char *next = strchr(p + 1, '/');
		r = enable_level(dir, all ? NULL : need, need, log, err);
		if (r < 0 || !next)
			return r;
		char *longer = xasprintf("%s%.*s", dir, (int)(next - p), p);
		free(dir);
		dir = longer;
		p = next;
	}
}

static int v2_create(struct vsl_cgroup *cg, const struct vsl_cg_req *req,
		     struct vsl_cg_settings *s, struct vsl_err *err)
{
	cleanup_strv char **need = vsl_cg_settings_ctrls(s);
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	int r;

	r = vsl_cg_collect_pids(cg->unified_dir, &pids, &n, err);
	if (r == 0 && n > 0)
		return vsl_fail(err, EBUSY, "cgroup %s: already in use by other processes",
				cg->unified_dir);
	r = vsl_cg_mkdir_path(cg->unified_mount, cg->path, &cg->owned, err);
	if (r < 0)
		return r;
	if (cg->owned == 0)
		cg->owned = 1;	/* an empty leaf that existed is taken over */
	r = vsl_cg_v2_enable(cg->unified_mount, cg->path, true, need, cg->log, err);
	if (r < 0) {
		struct vsl_err tmp;
		cg->ops->remove(cg, &tmp);
	}
	return r;
}

static const char *v2_dir_for(const struct vsl_cgroup *cg, const char *file,
			      struct vsl_err *err)
{
	return cg->unified_dir;
}

static int v2_devices(const struct vsl_cgroup *cg, const struct vsl_cg_dev_rule *rules,
		      size_t n, struct vsl_err *err)
{
	return vsl_cg_bpf_devices(cg->unified_dir, rules, n, err);
}

bool vsl_cg_v2_is_frozen(const char *dir)
{
	cleanup_free char *ev = NULL;
	struct vsl_err tmp;
	uint64_t v = 0;

	return vsl_cg_read(dir, "cgroup.events", &ev, &tmp) == 0 &&
	       vsl_cg_keyed_u64(ev, "frozen", &v) == 0 && v == 1;
}

int vsl_cg_v2_freeze(const char *dir, bool frozen, struct vsl_err *err)
{
	struct timespec ts = { 0, 1000000L };
	int r;

	/* cgroup.freeze is a v2 core file (5.2+), no controller and no libcgroup call; the
	 * freeze is done when cgroup.events says "frozen 1". */
	r = vsl_cg_write(dir, "cgroup.freeze", frozen ? "1" : "0", err);
	if (r < 0)
		return r;
	for (int i = 0; i < 5000; i++) {
		if (vsl_cg_v2_is_frozen(dir) == frozen)
			return 0;
		nanosleep(&ts, NULL);
	}
	if (frozen)
		vsl_cg_write(dir, "cgroup.freeze", "0", err);
	return vsl_fail(err, EBUSY, "cgroup %s: cgroup.events did not say frozen %d in 5 s", dir,
			frozen);
}

static int v2_freeze(const struct vsl_cgroup *cg, bool frozen, struct vsl_err *err)
{
	return vsl_cg_v2_freeze(cg->unified_dir, frozen, err);
}

static bool v2_is_frozen(const struct vsl_cgroup *cg)
{
	return vsl_cg_v2_is_frozen(cg->unified_dir);
}

int vsl_cg_v2_kill(const char *dir, struct vsl_err *err)
{
	/* cgroup.kill (5.14+) SIGKILLs the whole subtree, forks in flight included. */
	int r = vsl_cg_write(dir, "cgroup.kill", "1", err);

	if (r == -ENOENT) {
		cleanup_free char *events = xasprintf("%s/cgroup.events", dir);
		/* no cgroup.kill in this kernel vs. the cgroup is gone: both ENOENT */
		if (access(events, F_OK) < 0)
			return 0;
	}
	return r;
}

static const char *v2_procs_dir(const struct vsl_cgroup *cg)
{
	return cg->unified_dir;
}

static int v2_remove(const struct vsl_cgroup *cg, struct vsl_err *err)
{
	int r = vsl_cg_rmdir_tree(cg->unified_dir, err);

	if (r == 0)
		vsl_cg_rmdir_parents(cg->unified_mount, cg->path, cg->owned);
	return r;
}

static int v2_stats(const struct vsl_cgroup *cg, struct vsl_cg_stats *out, struct vsl_err *err)
{
	return vsl_cg_stats_v2(cg->unified_dir, out, err);
}

const struct vsl_cg_ops vsl_cg_v2_ops = {
	.create = v2_create,
	.dir_for = v2_dir_for,
	.devices = v2_devices,
	.freeze = v2_freeze,
	.is_frozen = v2_is_frozen,
	.procs_dir = v2_procs_dir,
	.remove = v2_remove,
	.stats = v2_stats,
};
