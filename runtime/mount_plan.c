/* config.json mounts[] -> struct vsl_mount_plan. Pure: a sorted option table and string
 * work only; the kernel calls live in runtime/mounts.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/mount_plan.h"
#include "runtime/paths.h"

#define ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)
#define PROPAGATION_FLAGS (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/* Sorted by name (strcmp): looked up with bsearch; the unit test checks the order. */
static const struct vsl_mount_option options[] = {
	{ "async", VSL_MOPT_FLAG, true, MS_SYNCHRONOUS, 0 },
	{ "atime", VSL_MOPT_FLAG, true, MS_NOATIME, 0 },
	{ "bind", VSL_MOPT_BIND, false, MS_BIND, 0 },
	{ "defaults", VSL_MOPT_NOOP, false, 0, 0 },
	{ "dev", VSL_MOPT_FLAG, true, MS_NODEV, 0 },
	{ "diratime", VSL_MOPT_FLAG, true, MS_NODIRATIME, 0 },
	{ "dirsync", VSL_MOPT_FLAG, false, MS_DIRSYNC, 0 },
	{ "exec", VSL_MOPT_FLAG, true, MS_NOEXEC, 0 },
	{ "idmap", VSL_MOPT_IDMAP, false, 0, 0 },
	{ "iversion", VSL_MOPT_FLAG, false, MS_I_VERSION, 0 },
	{ "lazytime", VSL_MOPT_FLAG, false, MS_LAZYTIME, 0 },
	{ "loud", VSL_MOPT_FLAG, true, MS_SILENT, 0 },
	{ "mand", VSL_MOPT_FLAG, false, MS_MANDLOCK, 0 },
	{ "noatime", VSL_MOPT_ATIME, false, MS_NOATIME, 0 },
	{ "nodev", VSL_MOPT_FLAG, false, MS_NODEV, 0 },
	{ "nodiratime", VSL_MOPT_FLAG, false, MS_NODIRATIME, 0 },
	{ "noexec", VSL_MOPT_FLAG, false, MS_NOEXEC, 0 },
	{ "noiversion", VSL_MOPT_FLAG, true, MS_I_VERSION, 0 },
	{ "nolazytime", VSL_MOPT_FLAG, true, MS_LAZYTIME, 0 },
	{ "nomand", VSL_MOPT_FLAG, true, MS_MANDLOCK, 0 },
	{ "norelatime", VSL_MOPT_FLAG, true, MS_RELATIME, 0 },
	{ "nostrictatime", VSL_MOPT_FLAG, true, MS_STRICTATIME, 0 },
	{ "nosuid", VSL_MOPT_FLAG, false, MS_NOSUID, 0 },
	{ "nosymfollow", VSL_MOPT_FLAG, false, MS_NOSYMFOLLOW, 0 },
	{ "private", VSL_MOPT_PROPAGATION, false, MS_PRIVATE, 0 },
	{ "ratime", VSL_MOPT_REC_ATIME, false, 0, MOUNT_ATTR_RELATIME },
	{ "rbind", VSL_MOPT_BIND, false, MS_BIND | MS_REC, 0 },
	{ "rdev", VSL_MOPT_REC_ATTR, true, 0, MOUNT_ATTR_NODEV },
	{ "rdiratime", VSL_MOPT_REC_ATTR, true, 0, MOUNT_ATTR_NODIRATIME },
	{ "relatime", VSL_MOPT_ATIME, false, MS_RELATIME, 0 },
	{ "remount", VSL_MOPT_FLAG, false, MS_REMOUNT, 0 },
	{ "rexec", VSL_MOPT_REC_ATTR, true, 0, MOUNT_ATTR_NOEXEC },
	{ "ridmap", VSL_MOPT_IDMAP, false, MS_REC, 0 },
	{ "rnoatime", VSL_MOPT_REC_ATIME, false, 0, MOUNT_ATTR_NOATIME },
	{ "rnodev", VSL_MOPT_REC_ATTR, false, 0, MOUNT_ATTR_NODEV },
	{ "rnodiratime", VSL_MOPT_REC_ATTR, false, 0, MOUNT_ATTR_NODIRATIME },
	{ "rnoexec", VSL_MOPT_REC_ATTR, false, 0, MOUNT_ATTR_NOEXEC },
	{ "rnorelatime", VSL_MOPT_REC_ATIME, false, 0, MOUNT_ATTR_STRICTATIME },
	{ "rnostrictatime", VSL_MOPT_REC_ATIME, false, 0, MOUNT_ATTR_RELATIME },
	{ "rnosuid", VSL_MOPT_REC_ATTR, false, 0, MOUNT_ATTR_NOSUID },
	{ "rnosymfollow", VSL_MOPT_REC_ATTR, false, 0, MOUNT_ATTR_NOSYMFOLLOW },
	{ "ro", VSL_MOPT_FLAG, false, MS_RDONLY, 0 },
	{ "rprivate", VSL_MOPT_PROPAGATION, false, MS_PRIVATE | MS_REC, 0 },
	{ "rrelatime", VSL_MOPT_REC_ATIME, false, 0, MOUNT_ATTR_RELATIME },
	{ "rro", VSL_MOPT_REC_ATTR, false, 0, MOUNT_ATTR_RDONLY },
	{ "rrw", VSL_MOPT_REC_ATTR, true, 0, MOUNT_ATTR_RDONLY },
	{ "rshared", VSL_MOPT_PROPAGATION, false, MS_SHARED | MS_REC, 0 },
	{ "rslave", VSL_MOPT_PROPAGATION, false, MS_SLAVE | MS_REC, 0 },
	{ "rstrictatime", VSL_MOPT_REC_ATIME, false, 0, MOUNT_ATTR_STRICTATIME },
	{ "rsuid", VSL_MOPT_REC_ATTR, true, 0, MOUNT_ATTR_NOSUID },
	{ "rsymfollow", VSL_MOPT_REC_ATTR, true, 0, MOUNT_ATTR_NOSYMFOLLOW },
	{ "runbindable", VSL_MOPT_PROPAGATION, false, MS_UNBINDABLE | MS_REC, 0 },
	{ "rw", VSL_MOPT_FLAG, true, MS_RDONLY, 0 },
	{ "shared", VSL_MOPT_PROPAGATION, false, MS_SHARED, 0 },
	{ "silent", VSL_MOPT_FLAG, false, MS_SILENT, 0 },
	{ "slave", VSL_MOPT_PROPAGATION, false, MS_SLAVE, 0 },
	{ "strictatime", VSL_MOPT_ATIME, false, MS_STRICTATIME, 0 },
	{ "suid", VSL_MOPT_FLAG, true, MS_NOSUID, 0 },
	{ "symfollow", VSL_MOPT_FLAG, true, MS_NOSYMFOLLOW, 0 },
	{ "sync", VSL_MOPT_FLAG, false, MS_SYNCHRONOUS, 0 },
	{ "tmpcopyup", VSL_MOPT_TMPCOPYUP, false, 0, 0 },
	{ "unbindable", VSL_MOPT_PROPAGATION, false, MS_UNBINDABLE, 0 },
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

static int option_cmp(const void *key, const void *row)
{
	return strcmp(key, ((const struct vsl_mount_option *)row)->name);
}

const struct vsl_mount_option *vsl_mount_option_find(const char *name)
{
	return bsearch(name, options, N_OPTIONS, sizeof(options[0]), option_cmp);
}

const struct vsl_mount_option *vsl_mount_option_table(size_t *n)
{
	*n = N_OPTIONS;
	return options;
}

int vsl_mount_propagation_parse(const char *name, unsigned long *out)
{
	const struct vsl_mount_option *o;

	*out = 0;
	if (!name || !*name)
		return 0;
	o = vsl_mount_option_find(name);
	if (!o || o->kind != VSL_MOPT_PROPAGATION)
		return -EINVAL;
	*out = o->flag;
	return 0;
}

void vsl_mount_flags_to_attr(unsigned long set, unsigned long cleared, uint64_t *attr_set,
			     uint64_t *attr_clr)
{
	static const struct {
		unsigned long ms;
		uint64_t attr;
	} map[] = {
		{ MS_RDONLY, MOUNT_ATTR_RDONLY },     { MS_NOSUID, MOUNT_ATTR_NOSUID },
		{ MS_NODEV, MOUNT_ATTR_NODEV },       { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
		{ MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
		{ MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
	};

	*attr_set = *attr_clr = 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (set & map[i].ms)
			*attr_set |= map[i].attr;
		else if (cleared & map[i].ms)
			*attr_clr |= map[i].attr;
	}
	/* The atime mode is one field: changing it means clearing the whole field. */
	if ((set | cleared) & ATIME_FLAGS) {
		*attr_clr |= MOUNT_ATTR__ATIME;
		if (set & MS_NOATIME)
			*attr_set |= MOUNT_ATTR_NOATIME;
		else if (set & MS_STRICTATIME)
			*attr_set |= MOUNT_ATTR_STRICTATIME;
		else
			*attr_set |= MOUNT_ATTR_RELATIME;
	}
}

/* Apply one known option to the plan, in order, so that the last word wins. */
static void apply_option(struct vsl_mount_plan *p, const struct vsl_mount_option *o)
{
	switch (o->kind) {
	case VSL_MOPT_NOOP:
		break;
	case VSL_MOPT_ATIME:
		p->flags &= ~ATIME_FLAGS;
		p->cleared |= ATIME_FLAGS & ~o->flag;
		/* fall through */
	case VSL_MOPT_FLAG:
		if (o->clear) {
			p->flags &= ~o->flag;
			p->cleared |= o->flag;
		} else {
			p->flags |= o->flag;
			p->cleared &= ~o->flag;
		}
		break;
	case VSL_MOPT_BIND:
		p->kind = VSL_MOUNT_BIND;
		p->recursive = p->recursive || (o->flag & MS_REC);
		break;
	case VSL_MOPT_PROPAGATION:
		p->propagation = o->flag;
		break;
	case VSL_MOPT_REC_ATTR:
		if (o->clear) {
			p->rec_attr_set &= ~o->attr;
			p->rec_attr_clr |= o->attr;
		} else {
			p->rec_attr_clr &= ~o->attr;
			p->rec_attr_set |= o->attr;
		}
		break;
	case VSL_MOPT_REC_ATIME:
		p->rec_attr_set = (p->rec_attr_set & ~MOUNT_ATTR__ATIME) | o->attr;
		p->rec_attr_clr |= MOUNT_ATTR__ATIME;
		break;
	case VSL_MOPT_IDMAP:
		if (o->flag & MS_REC)
			p->ridmap = true;
		else
			p->idmap = true;
		break;
	case VSL_MOPT_TMPCOPYUP:
		p->tmpcopyup = true;
		break;
	}
}

static void append_data(char **data, const char *opt)
{
	char *d;

	if (!*data) {
		*data = xstrdup(opt);
		return;
	}
	d = xasprintf("%s,%s", *data, opt);
	free(*data);
	*data = d;
}

static bool is_type(const char *type, const char *want)
{
	return type && strcmp(type, want) == 0;
}

static int plan_source(const struct vsl_mount *m, const char *bundle, struct vsl_mount_plan *p,
		       struct vsl_err *err)
{
	if (p->kind != VSL_MOUNT_BIND) {
		p->source = xstrdup(m->source ? m->source : m->type);
		return 0;
	}
	if (!m->source || !*m->source)
		return vsl_fail(err, EINVAL, "mounts[%zu] (%s): a bind mount needs a source",
				p->index, m->destination);
	if (m->source[0] == '/' || !bundle)
		p->source = xstrdup(m->source);
	else
		p->source = xasprintf("%s/%s", bundle, m->source);
	return 0;
}

int vsl_mount_plan_build(const struct vsl_mount *m, size_t index, const char *bundle,
			 struct vsl_mount_plan *out, struct vsl_err *err)
{
	struct vsl_mount_plan p = { .index = index, .kind = VSL_MOUNT_FS };
	int r;

	if (!m->destination || !*m->destination)
		return vsl_fail(err, EINVAL, "mounts[%zu]: destination is required", index);
	if (is_type(m->type, "bind"))
		p.kind = VSL_MOUNT_BIND;
	for (char **o = m->options; o && *o; o++) {
		const struct vsl_mount_option *opt = vsl_mount_option_find(*o);

		if (opt)
			apply_option(&p, opt);
		else if (**o)
			append_data(&p.data, *o);
	}
	if (m->n_uid_mappings || m->n_gid_mappings)
		p.idmap = p.idmap || !p.ridmap;
	if (p.kind == VSL_MOUNT_FS && (is_type(m->type, "cgroup") || is_type(m->type, "cgroup2")))
		p.kind = VSL_MOUNT_CGROUP;
	if (p.kind != VSL_MOUNT_BIND && (!m->type || !*m->type)) {
		vsl_mount_plan_clear(&p);
		return vsl_fail(err, EINVAL, "mounts[%zu] (%s): type is required unless bind",
				index, m->destination);
	}
	r = plan_source(m, bundle, &p, err);
	if (r < 0) {
		vsl_mount_plan_clear(&p);
		return r;
	}
	p.target = vsl_path_clean(m->destination);
	p.fstype = p.kind == VSL_MOUNT_BIND ? NULL : xstrdup(m->type);
	if (p.kind == VSL_MOUNT_BIND)
		vsl_mount_flags_to_attr(p.flags, p.cleared, &p.attr_set, &p.attr_clr);
	*out = p;
	return 0;
}

void vsl_mount_plan_clear(struct vsl_mount_plan *p)
{
	free(p->source);
	free(p->target);
	free(p->fstype);
	free(p->data);
	memset(p, 0, sizeof(*p));
}
