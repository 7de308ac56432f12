/* Templates as a whole: parent chains, staging and atomic publication, list, inspect and
 * remove with the users found from the containers' layer records. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/internal.h"

int ovl_chain_names(const char *store, const char *name, char ***out, struct vsl_err *err)
{
	cleanup_strv char **names = NULL;
	cleanup_free char *cur = xstrdup(name);

	while (cur) {
		struct vsl_ovl_template t;
		int r;

		if (vsl_strv_len(names) >= VSL_OVL_MAX_LAYERS)
			return vsl_fail(err, ELOOP, "template %s: parent chain longer than %d",
					name, VSL_OVL_MAX_LAYERS);
		r = ovl_meta_read(store, cur, &t, err);
		if (r < 0) {
			if (names)
				vsl_wrap(err, "parent of template %s",
					 names[vsl_strv_len(names) - 1]);
			return -err->code;
		}
		vsl_strv_push(&names, cur);
		free(cur);
		cur = vsl_steal_ptr(&t.parent);
		vsl_ovl_template_clear(&t);
	}
	*out = vsl_steal_ptr(&names);
	return 0;
}

int ovl_chain(const char *store, const char *name, char ***out, struct vsl_err *err)
{
	cleanup_strv char **names = NULL;
	char **dirs;
	size_t n;
	int r;

	r = ovl_chain_names(store, name, &names, err);
	if (r < 0)
		return r;
	n = vsl_strv_len(names);
	dirs = xzalloc((n + 1) * sizeof(*dirs));
	for (size_t i = 0; i < n; i++)
		dirs[i] = xasprintf("%s/templates/%s/rootfs", store, names[i]);
	*out = dirs;
	return 0;
}

static bool strv_has(char **v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

/* Entries of dir that do not start with '.', sorted. */
static int list_dir(const char *dir, char ***out, struct vsl_err *err)
{
	struct dirent **ents = NULL;
	char **v = xzalloc(sizeof(char *));
	int n = scandir(dir, &ents, NULL, alphasort);

	if (n < 0) {
		free(v);
		if (errno == ENOENT) {
			*out = xzalloc(sizeof(char *));
			return 0;
		}
		return vsl_fail(err, errno, "list %s", dir);
	}
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.')
			vsl_strv_push(&v, ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	*out = v;
	return 0;
}

/* Add to t->users every container whose template chain includes t->name. */
static void find_users(const char *store, struct vsl_ovl_template *t, size_t n_t)
{
	cleanup_free char *cdir = xasprintf("%s/containers", store);
	cleanup_strv char **ids = NULL;
	struct vsl_err tmp;

	if (list_dir(cdir, &ids, &tmp) < 0)
		return;
	for (char **id = ids; *id; id++) {
		cleanup_free char *dir = ovl_layer_dir(store, *id);
		cleanup_strv char **chain = NULL;
		struct ovl_layer l;

		if (ovl_layer_read(dir, &l, &tmp) < 0)
			continue;
		/* A layer whose container is gone is nobody's: no user (template rm purges it). */
		if (ovl_layer_is_garbage(&l)) {
			ovl_layer_clear(&l);
			continue;
		}
		/* A chain that no longer resolves still names the template the layer needs. */
		if (ovl_chain_names(store, l.template_name, &chain, &tmp) < 0)
			vsl_strv_push(&chain, l.template_name);
		for (size_t i = 0; i < n_t; i++)
			if (strv_has(chain, t[i].name))
				vsl_strv_push(&t[i].users, *id);
		ovl_layer_clear(&l);
	}
}

static void find_children(struct vsl_ovl_template *t, size_t n_t)
{
	for (size_t i = 0; i < n_t; i++)
		for (size_t j = 0; j < n_t; j++)
			if (t[j].parent && strcmp(t[j].parent, t[i].name) == 0)
				vsl_strv_push(&t[i].children, t[j].name);
}

int vsl_ovl_template_list(const char *store, struct vsl_ovl_template **out, size_t *out_n,
			  struct vsl_err *err)
{
	cleanup_free char *tdir = xasprintf("%s/templates", store);
	cleanup_strv char **names = NULL;
	struct vsl_ovl_template *t;
	size_t n = 0;
	int r;

	r = list_dir(tdir, &names, err);
	if (r < 0)
		return r;
	t = xzalloc((vsl_strv_len(names) + 1) * sizeof(*t));
	for (char **name = names; *name; name++) {
		struct vsl_err tmp;

		if (ovl_meta_read(store, *name, &t[n], &tmp) == 0)
			n++;
	}
	find_users(store, t, n);
	find_children(t, n);
	*out = t;
	*out_n = n;
	return 0;
}

int vsl_ovl_template_get(const char *store, const char *name, struct vsl_ovl_template *out,
			 struct vsl_err *err)
{
	struct vsl_ovl_template *all = NULL;
	size_t n = 0;
	int r;

	r = vsl_ovl_check_name("template", name, err);
	if (r < 0)
		return r;
	r = ovl_meta_read(store, name, out, err);
	if (r < 0)
		return r;
	vsl_ovl_template_clear(out);
	r = vsl_ovl_template_list(store, &all, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(all[i].name, name) == 0)
			*out = all[i];
		else
			vsl_ovl_template_clear(&all[i]);
	}
	free(all);
	if (!out->name)
		return vsl_fail(err, ENOENT, "template %s: not found in %s/templates", name, store);
	return 0;
}

/* Refuse while in use: one line naming the first user and how many there are. */
static int check_unused(const struct vsl_ovl_template *t, struct vsl_err *err)
{
	size_t nu = vsl_strv_len(t->users), nc = vsl_strv_len(t->children);

	char more[64] = "";

	if (nu > 1)
		snprintf(more, sizeof(more), " and %zu more", nu - 1);
	if (nu > 0)
		return vsl_fail(err, EBUSY, "template %s: in use by container %s%s", t->name,
				t->users[0], more);
	if (nc > 0)
		return vsl_fail(err, EBUSY, "template %s: template %s is built on it", t->name,
				t->children[0]);
	return 0;
}

/* Remove the garbage layers (their container is gone, not kept) built on template name. */
static void purge_garbage(const char *store, const char *name, const struct vsl_log *log)
{
	cleanup_free char *cdir = xasprintf("%s/containers", store);
	cleanup_strv char **ids = NULL;
	struct vsl_err tmp;

	if (list_dir(cdir, &ids, &tmp) < 0)
		return;
	for (char **id = ids; *id; id++) {
		cleanup_free char *dir = ovl_layer_dir(store, *id);
		cleanup_free char *gone = ovl_gone_layer(store, *id);
		cleanup_strv char **chain = NULL;
		struct ovl_layer l;
		bool drop;

		if (ovl_layer_read(dir, &l, &tmp) < 0)
			continue;
		if (ovl_chain_names(store, l.template_name, &chain, &tmp) < 0)
			vsl_strv_push(&chain, l.template_name);
		drop = ovl_layer_is_garbage(&l) && strv_has(chain, name);
		ovl_layer_clear(&l);
		if (!drop)
			continue;
		vsl_debug(log, "store: removing layer %s, its container is gone", *id);
		if (rename(dir, gone) < 0 || ovl_layer_purge(store, *id, gone, log, &tmp) < 0)
			vsl_warn(log, "store: layer %s: %s", *id, tmp.msg);
	}
}

int vsl_ovl_template_rm(const char *store, const char *name, struct vsl_err *err)
{
	cleanup_close int lock = -1;
	cleanup_free char *dir = NULL, *gone = NULL;
	struct vsl_ovl_template t = {0};
	int r;

	r = vsl_ovl_check_name("template", name, err);
	if (r < 0)
		return r;
	r = ovl_lock(store, &lock, err);
	if (r < 0)
		return r;
	purge_garbage(store, name, NULL);
	r = vsl_ovl_template_get(store, name, &t, err);
	if (r == 0)
		r = check_unused(&t, err);
	vsl_ovl_template_clear(&t);
	if (r < 0)
		return r;
	/* Rename first: the name disappears at once, the deletion can take its time. */
	dir = ovl_tpl_dir(store, name);
	gone = xasprintf("%s/templates/.rm-%s.%d", store, name, (int)getpid());
	if (rename(dir, gone) < 0)
		return vsl_fail(err, errno, "template %s: rename %s", name, dir);
	return vsl_rm_rf(gone, err);
}

int vsl_ovl_template_digest(const char *store, const char *name, char **out,
			    struct vsl_err *err)
{
	cleanup_free char *dir = NULL, *rootfs = NULL, *now = NULL;
	struct vsl_ovl_template t;
	cleanup_close int lock = -1;
	int r;

	if ((r = vsl_ovl_check_name("template", name, err)) < 0 ||
	    (r = ovl_lock(store, &lock, err)) < 0 || (r = ovl_meta_read(store, name, &t, err)) < 0)
		return r;
	dir = ovl_tpl_dir(store, name);
	rootfs = xasprintf("%s/rootfs", dir);
	r = ovl_tree_digest(rootfs, &now, err);
	if (r == 0 && !t.digest) {
		/* A template from before digests: its content now is the record from now on. */
		t.digest = xstrdup(now);
		r = ovl_meta_write(dir, &t, err);
	} else if (r == 0 && strcmp(t.digest, now)) {
		r = vsl_refuse(err, EILSEQ,
			       "template %s: content is %s, not the %s recorded at import", name,
			       now, t.digest);
	}
	vsl_ovl_template_clear(&t);
	if (r < 0)
		return r;
	*out = vsl_steal_ptr(&now);
	return 0;
}

char *ovl_stage_dir(const char *store, const char *name)
{
	return xasprintf("%s/templates/.import-%s.%d", store, name, (int)getpid());
}

static void sweep_dir(const char *dir, const struct vsl_log *log)
{
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		const char *dot = strrchr(e->d_name, '.');
		cleanup_free char *path = NULL;
		struct vsl_err tmp;
		int pid;

		if (strncmp(e->d_name, ".import-", 8) && strncmp(e->d_name, ".rm-", 4))
			continue;
		if (!dot || (pid = atoi(dot + 1)) <= 0 || (kill(pid, 0) == 0 || errno == EPERM))
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		vsl_debug(log, "store: removing leftover %s", path);
		if (vsl_rm_rf(path, &tmp) < 0)
			vsl_warn(log, "store: %s", tmp.msg);
	}
}

void ovl_stage_sweep(const char *store, const struct vsl_log *log)
{
	cleanup_free char *tdir = xasprintf("%s/templates", store);

	sweep_dir(tdir, log);
}

int ovl_stage_commit(const char *store, const char *stage, const char *name, const char *parent,
		     struct vsl_err *err)
{
	cleanup_free char *dir = ovl_tpl_dir(store, name);
	cleanup_free char *pdir = parent ? ovl_tpl_dir(store, parent) : NULL;
	cleanup_close int lock = -1;
	int r;

	r = ovl_lock(store, &lock, err);
	if (r < 0)
		return r;
	if (pdir && access(pdir, F_OK) < 0)
		return vsl_fail(err, ENOENT, "template %s: parent %s was removed meanwhile", name,
				parent);
	/* rename(2) would replace an empty directory: refuse any existing name instead. */
	if (renameat2(AT_FDCWD, stage, AT_FDCWD, dir, RENAME_NOREPLACE) < 0) {
		if (errno == EEXIST)
			return vsl_fail(err, EEXIST, "template %s: already exists", name);
		return vsl_fail(err, errno, "template %s: rename %s", name, stage);
	}
	return 0;
}
