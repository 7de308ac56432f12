/* Which cgroup version this host runs and where the hierarchies are. v2 when
 * /sys/fs/cgroup itself is cgroup2; otherwise v1, with the controller mounts read from
 * /proc/self/mountinfo (libcgroup's cgroup_init does the same in 0.8-1.8 ms here, too slow
 * for every create: see v1.c) and, on a hybrid host, the cgroup2 tree at
 * /sys/fs/cgroup/unified beside them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "cgroup/internal.h"
#include "common/cleanup.h"
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

/* The controllers in the super options of a v1 mount ("rw,cpu,cpuacct"): everything but
 * the generic flags and the key=value options other than name=. */
static bool is_ctrl_option(const char *o)
{
	static const char *const not_ctrl[] = { "rw", "ro", "noprefix", "xattr", "clone_children",
						"cpuset_v2_mode", "favordynmods" };

	for (size_t i = 0; i < sizeof(not_ctrl) / sizeof(not_ctrl[0]); i++)
		if (!strcmp(o, not_ctrl[i]))
			return false;
	return !strchr(o, '=') || vsl_str_has_prefix(o, "name=");
}

static void add_mount(struct vsl_cgroup *cg, const char *mount, char *super)
{
	char *save = NULL;

	for (char *o = strtok_r(super, ",", &save); o; o = strtok_r(NULL, ",", &save))
		if (is_ctrl_option(o))
			add_ctrl(cg, o, mount);
}

static int detect_v1(struct vsl_cgroup *cg, struct vsl_err *err)
{
	cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;

	if (!f)
		return vsl_fail(err, errno, "cgroup: open /proc/self/mountinfo");
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER" */
	while (getline(&line, &cap, f) > 0) {
		char mount[4096], fstype[64], super[1024];
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mount) != 1 ||
		    sscanf(dash + 3, "%63s %*s %1023s", fstype, super) != 2 ||
		    strcmp(fstype, "cgroup"))
			continue;
		add_mount(cg, mount, super);
	}
	if (cg->n_hier == 0)
		return vsl_fail(err, ENOENT, "cgroup: no cgroup v1 controller is mounted");
	if (is_cgroup2(CG_UNIFIED))
		cg->unified_mount = xstrdup(CG_UNIFIED);
	return 0;
}

bool vsl_cg_unified_host(void)
{
	return is_cgroup2(CG_ROOT);
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
