/* The public cgroup calls: resolve the path, convert resources, then hand the driver
 * specific work to its operations table: cgroupfs v1 (v1.c), cgroupfs v2 (v2.c) or systemd
 * (systemd.c, chosen by req->systemd at create and by the record afterwards). Everything
 * made by a failing create is removed again before it returns. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

static void settings_clearp(struct vsl_cg_settings *s)
{
	vsl_cg_settings_clear(s);
}
#define cleanup_settings cleanup_with(settings_clearp)

static struct vsl_cgroup *cg_alloc(const struct vsl_log *log)
{
	struct vsl_cgroup *cg = xzalloc(sizeof(*cg));

	cg->log = log;
	return cg;
}

void vsl_cg_free(struct vsl_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n_hier; i++) {
		free(cg->hier[i].ctrls);
		free(cg->hier[i].mount);
		free(cg->hier[i].dir);
	}
	free(cg->path);
	free(cg->record);
	free(cg->unified_mount);
	free(cg->unified_dir);
	vsl_cg_sd_release(cg);
	free(cg->holder);
	free(cg->unit);
	free(cg);
}

char **vsl_cg_settings_ctrls(const struct vsl_cg_settings *s)
{
	char **v = NULL;

	for (size_t i = 0; i < s->n; i++) {
		cleanup_free char *c = strndup(s->v[i].file, strcspn(s->v[i].file, "."));
		bool seen = false;
		if (!c)
			abort();
		for (size_t k = 0; v && v[k]; k++)
			seen |= !strcmp(v[k], c);
		if (!seen && strcmp(c, "cgroup"))
			vsl_strv_push(&v, c);
	}
	return v;
}

/* Fill the per-hierarchy directories from cg->path. */
static void set_dirs(struct vsl_cgroup *cg)
{
	struct stat st;

	for (size_t i = 0; i < cg->n_hier; i++) {
		free(cg->hier[i].dir);
		cg->hier[i].dir = xasprintf("%s%s", cg->hier[i].mount, cg->path);
	}
	free(cg->unified_dir);
	cg->unified_dir = NULL;
	if (cg->unified_mount)
		cg->unified_dir = xasprintf("%s%s", cg->unified_mount, cg->path);
	/* On a v1 host the unified dir is an extra that exists only if create made it. */
	if (cg->mode == VSL_CG_V1 && cg->unified_dir && stat(cg->unified_dir, &st) < 0) {
		free(cg->unified_dir);
		cg->unified_dir = NULL;
	}
}

static unsigned conv_flags(const struct vsl_cgroup *cg)
{
	if (cg->mode == VSL_CG_V2)
		return VSL_CG_CONV_V2;
	if (!vsl_cg_v1_hier(cg, "hugetlb") && cg->unified_mount &&
	    vsl_cg_v2_has(cg->unified_mount, "hugetlb"))
		return VSL_CG_CONV_HUGETLB_V2;
	return 0;
}

/* Write the list in order. A write the kernel refuses with EINVAL may only be out of order
 * with a later one (v1 memory.limit above the current memsw limit): it is tried once more
 * after the others. */
static int apply_settings(const struct vsl_cgroup *cg, const struct vsl_cg_settings *s,
			  struct vsl_err *err)
{
	cleanup_free size_t *again = xzalloc((s->n + 1) * sizeof(*again));
	size_t n_again = 0;
	const char *dir;
	int r;

	for (size_t k = 0; s->warnings && s->warnings[k]; k++)
		vsl_warn(cg->log, "%s", s->warnings[k]);
	for (size_t i = 0; i < s->n; i++) {
		dir = cg->ops->dir_for(cg, s->v[i].file, err);
		if (!dir)
			return -err->code;
		r = vsl_cg_apply_one(dir, &s->v[i], cg->log, err);
		if (r == -EINVAL && i + 1 < s->n) {
			again[n_again++] = i;
			continue;
		}
		if (r < 0)
			return r;
	}
	for (size_t k = 0; k < n_again; k++) {
		dir = cg->ops->dir_for(cg, s->v[again[k]].file, err);
		r = vsl_cg_apply_one(dir, &s->v[again[k]], cg->log, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int apply_devices(const struct vsl_cgroup *cg, const struct vsl_cg_req *req,
			 struct vsl_err *err)
{
	cleanup_free struct vsl_cg_dev_rule *rules = NULL;
	size_t n = 0;
	int r;

	r = vsl_cg_dev_rules(req->resources, req->devices, req->n_devices, &rules, &n, err);
	if (r < 0)
		return r;
	return cg->ops->devices(cg, rules, n, err);
}

static void undo_create(struct vsl_cgroup *cg)
{
	struct vsl_err tmp;

	if (cg->ops->remove(cg, &tmp) < 0)
		vsl_warn(cg->log, "undo: %s", tmp.msg);
}

static int create_in(struct vsl_cgroup *cg, const struct vsl_cg_req *req, struct vsl_err *err)
{
	cleanup_settings struct vsl_cg_settings s = { 0 };
	int r;

	r = vsl_cg_resolve_path(req->id, req->cgroups_path, req->systemd, &cg->path, err);
	if (r < 0)
		return r;
	/* Everything that can be refused without the kernel is refused before any mkdir. */
	r = vsl_cg_convert(req->resources, conv_flags(cg), &s, err);
	if (r < 0)
		return r;
	set_dirs(cg);
	r = cg->ops->create(cg, req, &s, err);
	if (r < 0)
		return r;
	r = apply_settings(cg, &s, err);
	if (r == 0)
		r = apply_devices(cg, req, err);
	if (r < 0) {
		undo_create(cg);
		return r;
	}
	cg->record = vsl_cg_record(cg->path, cg->owned, cg->unit != NULL);
	return 0;
}

int vsl_cg_create(const struct vsl_cg_req *req, struct vsl_cgroup **out, struct vsl_err *err)
{
	cleanup_cgroup struct vsl_cgroup *cg = cg_alloc(req->log);
	int r;

	r = req->systemd ? vsl_cg_sd_setup(cg, err) : vsl_cg_detect(cg, err);
	if (r == 0)
		r = create_in(cg, req, err);
	if (r < 0)
		return r;
	*out = vsl_steal_ptr(&cg);
	return 0;
}

int vsl_cg_plan(const struct vsl_cg_req *req, char **out_record, struct vsl_err *err)
{
	cleanup_free char *path = NULL;
	int r = vsl_cg_resolve_path(req->id, req->cgroups_path, req->systemd, &path, err);

	if (r < 0)
		return r;
	*out_record = vsl_cg_record(path, 0, req->systemd);
	return 0;
}

int vsl_cg_create_v2_at(const char *mount, const struct vsl_cg_req *req,
			struct vsl_cgroup **out, struct vsl_err *err)
{
	cleanup_cgroup struct vsl_cgroup *cg = cg_alloc(req->log);
	int r;

	cg->mode = VSL_CG_V2;
	cg->ops = &vsl_cg_v2_ops;
	cg->unified_mount = xstrdup(mount);
	r = create_in(cg, req, err);
	if (r < 0)
		return r;
	*out = vsl_steal_ptr(&cg);
	return 0;
}

static int open_in(struct vsl_cgroup *cg, const char *recorded, bool systemd,
		   struct vsl_err *err)
{
	int r = 0;

	cg->record = xstrdup(recorded);
	if (!cg->ops)
		r = systemd ? vsl_cg_sd_setup(cg, err) : vsl_cg_detect(cg, err);
	if (r == 0)
		set_dirs(cg);
	return r;
}

int vsl_cg_open(const char *recorded, const struct vsl_log *log, struct vsl_cgroup **out,
		struct vsl_err *err)
{
	cleanup_cgroup struct vsl_cgroup *cg = cg_alloc(log);
	bool systemd;
	int r;

	r = vsl_cg_parse_record(recorded, &cg->path, &cg->owned, &systemd, err);
	if (r == 0)
		r = open_in(cg, recorded, systemd, err);
	if (r < 0)
		return r;
	*out = vsl_steal_ptr(&cg);
	return 0;
}

int vsl_cg_open_v2_at(const char *mount, const char *recorded, const struct vsl_log *log,
		      struct vsl_cgroup **out, struct vsl_err *err)
{
	cleanup_cgroup struct vsl_cgroup *cg = cg_alloc(log);
	bool systemd;
	int r;

	cg->mode = VSL_CG_V2;
	cg->ops = &vsl_cg_v2_ops;
	cg->unified_mount = xstrdup(mount);
	r = vsl_cg_parse_record(recorded, &cg->path, &cg->owned, &systemd, err);
	if (r == 0)
		r = open_in(cg, recorded, systemd, err);
	if (r < 0)
		return r;
	*out = vsl_steal_ptr(&cg);
	return 0;
}

const char *vsl_cg_path(const struct vsl_cgroup *cg)
{
	return cg->record;
}

const char *vsl_cg_dir(const struct vsl_cgroup *cg)
{
	return cg->path;
}

const char *vsl_cg_mode_name(const struct vsl_cgroup *cg)
{
	return cg->mode == VSL_CG_V2 ? "v2" : "v1";
}

static int check_before_update(const struct vsl_cgroup *cg, const struct vsl_resources *res,
			       struct vsl_err *err)
{
	const char *file = cg->mode == VSL_CG_V2 ? "memory.current" : "memory.usage_in_bytes";
	const struct vsl_memory *m = &res->memory;
	const char *dir;
	uint64_t usage;

	if (!res->has_memory || !m->has_check_before_update || !m->check_before_update ||
	    !m->has_limit || m->limit < 0)
		return 0;
	dir = cg->ops->dir_for(cg, file, err);
	if (!dir)
		return -err->code;
	if (vsl_cg_read_u64(dir, file, &usage) < 0)
		return vsl_fail(err, EIO, "cgroup %s: read %s", dir, file);
	if ((uint64_t)m->limit < usage)
		return vsl_fail(err, EBUSY,
				"cgroup %s: memory limit %lld is below the current usage %llu "
				"(checkBeforeUpdate)", dir, (long long)m->limit,
				(unsigned long long)usage);
	return 0;
}

int vsl_cg_update(const struct vsl_cgroup *cg, const struct vsl_resources *res,
		  struct vsl_err *err)
{
	cleanup_settings struct vsl_cg_settings s = { 0 };
	cleanup_free struct vsl_cg_dev_rule *rules = NULL;
	size_t n = 0;
	int r;

	if (!res)
		return 0;
	r = vsl_cg_convert(res, conv_flags(cg), &s, err);
	if (r == 0)
		r = check_before_update(cg, res, err);
	if (r == 0 && cg->ops->update)
		r = cg->ops->update(cg, res, &s, err);
	if (r == 0)
		r = apply_settings(cg, &s, err);
	if (r < 0 || !res->n_devices)
		return r;
	r = vsl_cg_dev_rules(res, NULL, 0, &rules, &n, err);
	return r < 0 ? r : cg->ops->devices(cg, rules, n, err);
}

int vsl_cg_freeze(const struct vsl_cgroup *cg, bool frozen, struct vsl_err *err)
{
	return cg->ops->freeze(cg, frozen, err);
}

bool vsl_cg_is_frozen(const struct vsl_cgroup *cg)
{
	return cg->ops->is_frozen(cg);
}

int vsl_cg_pids(const struct vsl_cgroup *cg, pid_t **out, size_t *n, struct vsl_err *err)
{
	const char *dir = cg->ops->procs_dir(cg);

	*out = NULL;
	*n = 0;
	if (!dir)
		return 0;
	return vsl_cg_collect_pids(dir, out, n, err);
}

/* Every pid in the cgroup in any hierarchy: on v1 a process may have been moved out of
 * one hierarchy (freezer) and still be in the others. Duplicates are possible. */
static int all_pids(const struct vsl_cgroup *cg, pid_t **out, size_t *n, struct vsl_err *err)
{
	int r = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; r == 0 && i < cg->n_hier; i++)
		r = vsl_cg_collect_pids(cg->hier[i].dir, out, n, err);
	if (r == 0 && cg->unified_dir)
		r = vsl_cg_collect_pids(cg->unified_dir, out, n, err);
	return r;
}

static int signal_each(const struct vsl_cgroup *cg, int sig, struct vsl_err *err)
{
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	int r;

	r = all_pids(cg, &pids, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			return vsl_fail(err, errno, "cgroup %s: kill %d", cg->path, (int)pids[i]);
	return 0;
}

int vsl_cg_kill_all(const struct vsl_cgroup *cg, int sig, struct vsl_err *err)
{
	bool was_frozen = vsl_cg_is_frozen(cg), froze = false;
	struct vsl_err tmp;
	int r;

	/* cgroup.kill (v2, and the unified dir of a hybrid host) kills every task of the
	 * subtree atomically, forks in flight included; libcgroup has no call for it. */
	if (sig == SIGKILL && cg->unified_dir) {
		r = vsl_cg_v2_kill(cg->unified_dir, err);
		if (r != -ENOENT) {
			if (r == 0 && was_frozen && cg->mode == VSL_CG_V1)
				return vsl_cg_freeze(cg, false, err); /* v1 frozen tasks die thawed */
			return r;
		}
	}
	/* Otherwise freeze first so that nothing forks between listing and signalling. */
	if (!was_frozen && vsl_cg_freeze(cg, true, &tmp) == 0)
		froze = true;
	r = signal_each(cg, sig, err);
	if (froze || (was_frozen && sig == SIGKILL)) {
		int r2 = vsl_cg_freeze(cg, false, r < 0 ? &tmp : err);
		if (r == 0)
			r = r2;
	}
	return r;
}

static bool wait_empty(const struct vsl_cgroup *cg, int ms)
{
	struct timespec ts = { 0, 5 * 1000000L };

	for (int waited = 0; waited <= ms; waited += 5) {
		cleanup_free pid_t *pids = NULL;
		struct vsl_err tmp;
		size_t n = 0;

		if (all_pids(cg, &pids, &n, &tmp) < 0 || n == 0)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

int vsl_cg_destroy(struct vsl_cgroup *cg, struct vsl_err *err)
{
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	int r;

	r = all_pids(cg, &pids, &n, err);
	if (r < 0)
		return vsl_wrap(err, "destroy");
	if (cg->owned == 0 && n > 0) {
		/* provisional record (vsl_cg_plan): not ours if someone lives there */
		vsl_debug(cg->log, "cgroup %s: in use, not created by this container: kept",
			  cg->path);
		return 0;
	}
	if (n > 0 || vsl_cg_is_frozen(cg)) {
		r = vsl_cg_kill_all(cg, SIGKILL, err);
		if (r < 0)
			return vsl_wrap(err, "destroy");
		if (vsl_cg_is_frozen(cg) && vsl_cg_freeze(cg, false, err) < 0)
			return vsl_wrap(err, "destroy");
		if (vsl_cg_evict_frozen(cg, pids, n, err) < 0)
			return vsl_wrap(err, "destroy");
		if (!wait_empty(cg, 5000))
			return vsl_fail(err, EBUSY, "cgroup %s: destroy: processes survive SIGKILL",
					cg->path);
	}
	return cg->ops->remove(cg, err);
}

int vsl_cg_stats(const struct vsl_cgroup *cg, struct vsl_cg_stats *out, struct vsl_err *err)
{
	memset(out, 0, sizeof(*out));
	return cg->ops->stats(cg, out, err);
}
