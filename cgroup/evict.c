/* A container process held by a frozen cgroup outside the container's own (moved there,
 * then frozen): SIGKILL cannot take it before that cgroup thaws (a v1 freezer holds fatal
 * signals too). Destroy must still remove the container's cgroups, so such a process is
 * moved out of them, into the root of each hierarchy it still shares with the container,
 * and left where it is frozen: its pending SIGKILL takes it as soon as that cgroup thaws.
 * Nothing here thaws or moves a process out of a cgroup that is not the container's. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cgroup/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

/* Is the cgroup line "ID:CTRLS:PATH" of /proc/PID/cgroup a frozen one? */
static bool line_frozen(const struct vsl_cgroup *cg, char *line)
{
	char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const struct vsl_cg_hier *h;
	cleanup_free char *dir = NULL, *state = NULL;
	struct vsl_err tmp;

	if (!c2)
		return false;
	*c2 = '\0';
	if (c1[1] == '\0') /* "0::/path": the unified tree */
		return cg->unified_mount &&
		       vsl_cg_v2_is_frozen(dir = xasprintf("%s%s", cg->unified_mount, c2 + 1));
	h = vsl_cg_v1_hier(cg, "freezer");
	if (!h || !strstr(c1 + 1, "freezer"))
		return false;
	dir = xasprintf("%s%s", h->mount, c2 + 1);
	/* The effective state: FROZEN or FREEZING also when an ancestor is frozen. */
	return vsl_cg_read(dir, "freezer.state", &state, &tmp) == 0 && strcmp(state, "THAWED");
}

bool vsl_cg_pid_frozen_in(const struct vsl_cgroup *cg, pid_t pid)
{
	char path[64], *save = NULL;
	cleanup_free char *text = NULL;
	struct vsl_err tmp;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (vsl_read_file(path, &text, NULL, &tmp) < 0)
		return false;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (line_frozen(cg, l))
			return true;
	return false;
}

bool vsl_cg_pid_frozen(pid_t pid)
{
	struct vsl_cgroup cg = { 0 };
	struct vsl_err tmp;
	bool frozen = vsl_cg_detect(&cg, &tmp) == 0 && vsl_cg_pid_frozen_in(&cg, pid);

	for (size_t i = 0; i < cg.n_hier; i++) {
		free(cg.hier[i].ctrls);
		free(cg.hier[i].mount);
	}
	free(cg.unified_mount);
	return frozen;
}

static bool holds(const char *dir, pid_t pid)
{
	cleanup_free pid_t *pids = NULL;
	struct vsl_err tmp;
	size_t n = 0;

	if (vsl_cg_collect_pids(dir, &pids, &n, &tmp) < 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* pid out of dir (and its children) into the root of its hierarchy, if it is there. */
static int evict_from(const char *mount, const char *dir, pid_t pid, struct vsl_err *err)
{
	char buf[32];
	int r;

	if (!dir || !holds(dir, pid))
		return 0;
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	r = vsl_cg_write(mount, "cgroup.procs", buf, err);
	return r == -ESRCH ? 0 : r;
}

int vsl_cg_evict_frozen(const struct vsl_cgroup *cg, const pid_t *pids, size_t n,
			struct vsl_err *err)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < n; i++) {
		if (!vsl_cg_pid_frozen_in(cg, pids[i]))
			continue;
		vsl_debug(cg->log, "cgroup %s: process %d is held frozen outside it: moved out",
			  cg->path, (int)pids[i]);
		for (size_t k = 0; r == 0 && k < cg->n_hier; k++)
			r = evict_from(cg->hier[k].mount, cg->hier[k].dir, pids[i], err);
		if (r == 0)
			r = evict_from(cg->unified_mount, cg->unified_dir, pids[i], err);
	}
	return r;
}
