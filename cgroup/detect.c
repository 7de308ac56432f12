/* Which cgroup version this host runs and where the hierarchies are. v2 when
 * /sys/fs/cgroup itself is cgroup2; otherwise v1, with the controller mounts taken from
 * libcgroup's mount table (it parses /proc/mounts once, ~0.6 ms) and, on a hybrid host,
 * the cgroup2 tree at /sys/fs/cgroup/unified beside them. */
#include <errno.h>
#include <libcgroup.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "cgroup/internal.h"
#include "common/util.h"

#define CG_ROOT "/sys/fs/cgroup"
#define CG_UNIFIED "/sys/fs/cgroup/unified"

static bool is_cgroup2(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

static void add_ctrl(struct vsl_cgroup *cg, const char *name, const char *mount)
{
	for (size_t i = 0; i < cg->n_hier; i++) {
		struct vsl_cg_hier *h = &cg->hier[i];
		if (strcmp(h->mount, mount))
			continue;
		char *joined = xasprintf("%s,%s", h->ctrls, name);	/* co-mounted */
		free(h->ctrls);
		h->ctrls = joined;
		return;
	}
	if (cg->n_hier == VSL_CG_MAX_HIER)
		return;
	cg->hier[cg->n_hier++] = (struct vsl_cg_hier){ .ctrls = xstrdup(name),
						       .mount = xstrdup(mount) };
}

static int detect_v1(struct vsl_cgroup *cg, struct vsl_err *err)
{
	struct cgroup_mount_point mp;
	void *h = NULL;
	int r;

	r = cgroup_init();
	if (r)
		return vsl_fail(err, r == ECGOTHER ? cgroup_get_last_errno() : ENOENT,
				"cgroup: libcgroup init: %s", cgroup_strerror(r));
	r = cgroup_get_controller_begin(&h, &mp);
	while (r == 0) {
		/* libcgroup lists controllers bound to the unified tree too (hugetlb on this
		 * kind of host); those are reached through unified_dir. */
		if (!is_cgroup2(mp.path))
			add_ctrl(cg, mp.name, mp.path);
		r = cgroup_get_controller_next(&h, &mp);
	}
	cgroup_get_controller_end(&h);
	if (r != ECGEOF)
		return vsl_fail(err, EIO, "cgroup: libcgroup mount table: %s", cgroup_strerror(r));
	if (cg->n_hier == 0)
		return vsl_fail(err, ENOENT, "cgroup: no cgroup v1 controller is mounted");
	if (is_cgroup2(CG_UNIFIED))
		cg->unified_mount = xstrdup(CG_UNIFIED);
	return 0;
}

int vsl_cg_detect(struct vsl_cgroup *cg, struct vsl_err *err)
{
	if (is_cgroup2(CG_ROOT)) {
		cg->mode = VSL_CG_V2;
		cg->ops = &vsl_cg_v2_ops;
		cg->unified_mount = xstrdup(CG_ROOT);
		return 0;
	}
	cg->mode = VSL_CG_V1;
	cg->ops = &vsl_cg_v1_ops;
	return detect_v1(cg, err);
}

const struct vsl_cg_hier *vsl_cg_v1_hier(const struct vsl_cgroup *cg, const char *ctrl)
{
	size_t len = strlen(ctrl);

	for (size_t i = 0; i < cg->n_hier; i++) {
		for (const char *p = cg->hier[i].ctrls; p; p = strchr(p, ','), p = p ? p + 1 : p)
			if (!strncmp(p, ctrl, len) && (p[len] == ',' || !p[len]))
				return &cg->hier[i];
	}
	return NULL;
}
