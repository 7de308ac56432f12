/* Taking a private layer apart from its record alone: after a killed create (its stage), a
 * killed removal, a container whose state is gone, or garbage. The record names everything
 * the layer has: its mount target and the directories made for it, its project, its image.
 * A target is unmounted only when the overlay there is this layer's (a new container may
 * have the same root.path by now). Store lock held. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/internal.h"

/* mountinfo's octal escapes (\040 for a space) undone in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* Is the mount on target an overlay whose upper directory is upper? A mountinfo line:
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS". */
static bool overlay_uses(const char *target, const char *upper)
{
	cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
	cleanup_free char *line = NULL, *want = xasprintf("upperdir=%s", upper);
	size_t cap = 0, n = strlen(want);

	while (f && getline(&line, &cap, f) > 0) {
		char *w[64], *save = NULL, *hit;
		size_t k = 0, dash = 0;

		for (char *t = strtok_r(line, " \n", &save); t && k < 64;
		     t = strtok_r(NULL, " \n", &save)) {
			if (k > 5 && !dash && strcmp(t, "-") == 0)
				dash = k;
			w[k++] = t;
		}
		if (!dash || dash + 3 >= k || strcmp(w[dash + 1], "overlay"))
			continue;
		unescape(w[4]);
		if (strcmp(w[4], target))
			continue;
		hit = strstr(w[dash + 3], want);
		if (hit && (hit[n] == ',' || hit[n] == '\0'))
			return true;
	}
	return false;
}

const char *ovl_target_of(const struct ovl_layer *l, const char *dir)
{
	cleanup_free char *upper = NULL, *img_upper = NULL;

	if (!l->target || !ovl_is_mountpoint(l->target))
		return l->target;
	upper = xasprintf("%s/upper", dir);
	img_upper = xasprintf("%s/disk/upper", dir);
	return overlay_uses(l->target, upper) || overlay_uses(l->target, img_upper) ? l->target
										    : NULL;
}

int ovl_layer_purge(const char *store, const char *id, const char *dir, const struct vsl_log *log,
		    struct vsl_err *err)
{
	cleanup_free char *mnt = xasprintf("%s/disk", dir);
	struct ovl_layer l = {0};
	const char *target;
	struct vsl_err tmp;
	int r = 0;

	if (access(dir, F_OK) < 0)
		return 0;
	ovl_layer_read(dir, &l, &tmp); /* a stage killed before its record: just files */
	target = ovl_target_of(&l, dir);
	if (target && ovl_is_mountpoint(target) &&
	    umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		r = vsl_fail(err, errno, "unmount %s", target);
	if (r == 0 && target)
		ovl_target_remove(target, l.target_top);
	if (r == 0)
		r = ovl_image_umount(mnt, true, log, err);
	if (r == 0)
		r = ovl_project_free(store, l.project, id, err);
	if (r == 0)
		r = vsl_rm_rf(dir, err);
	ovl_layer_clear(&l);
	return r;
}

int ovl_leftovers_purge(const char *store, const char *id, const struct vsl_log *log,
			struct vsl_err *err)
{
	cleanup_free char *stage = ovl_stage_layer(store, id);
	cleanup_free char *gone = ovl_gone_layer(store, id);
	int r;

	r = ovl_layer_purge(store, id, stage, log, err);
	if (r == 0)
		r = ovl_layer_purge(store, id, gone, log, err);
	return r;
}
