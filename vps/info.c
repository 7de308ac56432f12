/* vps show and vps list: the definition and what runs now, read without any lock (the
 * definition and the state are replaced atomically), so a slow start never stalls them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json_gen.h"
#include "common/util.h"
#include "overlay/overlay.h"
#include "runtime/store.h"
#include "spec/json.h"
#include "vps/internal.h"

/* Does the running config bind lxcfs over /proc/meminfo? (the fact, not the wish) */
static bool uses_lxcfs(const struct vsl_ctx *ctx, const char *name)
{
	cleanup_free char *path = xasprintf("%s/%s/config.json", ctx->root, name);
	cleanup_config struct vsl_config *cfg = NULL;
	struct vsl_err tmp;

	cfg = vsl_config_load(path, &tmp);
	for (size_t i = 0; cfg && i < cfg->n_mounts; i++)
		if (cfg->mounts[i].destination &&
		    strcmp(cfg->mounts[i].destination, "/proc/meminfo") == 0)
			return true;
	return false;
}

static void fill_running(const struct vsl_ctx *ctx, struct vsl_vps_info *out)
{
	cleanup_container struct vsl_container *c = NULL;
	const char *name = out->def.name;
	struct vps_run run;
	struct vsl_err tmp;

	vps_run_get(ctx, name, &run);
	out->status = run.alive && run.ours ? run.status : VSL_STATUS_STOPPED;
	if (!run.alive || !run.ours || vsl_store_peek(ctx, name, &c, &tmp) < 0)
		return;
	out->pid = run.pid;
	out->keeper = run.keeper;
	out->addr4 = xstrdup(vsl_state_get(&c->state, "net.addr4"));
	out->addr6 = xstrdup(vsl_state_get(&c->state, "net.addr6"));
	out->started = xstrdup(c->state.created);
	out->lxcfs = uses_lxcfs(ctx, name);
}

int vsl_vps_info_get(const struct vsl_vps_ctx *v, const char *name, struct vsl_vps_info *out,
		     struct vsl_err *err)
{
	struct vsl_ovl_disk disk;
	struct vsl_err tmp;
	int r;

	memset(out, 0, sizeof(*out));
	r = vsl_vps_check_name(name, "VPS name", err);
	if (r < 0)
		return r;
	r = vps_def_load(v->ctx->store, name, &out->def, err);
	if (r == -ENOENT)
		return r;
	if (r < 0) {
		/* Listed as broken, so that rm --force can be pointed at it. */
		out->problem = xstrdup(err->msg);
		out->def.name = xstrdup(name);
	}
	fill_running(v->ctx, out);
	if (vsl_ovl_disk_info(v->ctx->store, name, &disk, &tmp) == 0) {
		out->has_disk = true;
		out->disk_used = disk.used;
		out->disk_limit = disk.limit;
	}
	return 0;
}

void vsl_vps_info_clear(struct vsl_vps_info *i)
{
	vsl_vps_def_clear(&i->def);
	free(i->problem);
	free(i->addr4);
	free(i->addr6);
	free(i->started);
	memset(i, 0, sizeof(*i));
}

int vsl_vps_list(const struct vsl_vps_ctx *v, struct vsl_vps_info **out, size_t *n,
		 struct vsl_err *err)
{
	cleanup_strv char **names = NULL;
	struct vsl_vps_info *all;
	size_t k = 0;
	int r = vps_names(v->ctx->store, &names, err);

	if (r < 0)
		return r;
	all = xzalloc((vsl_strv_len(names) + 1) * sizeof(*all));
	for (size_t i = 0; names[i]; i++) {
		struct vsl_err tmp;
		if (vsl_vps_info_get(v, names[i], &all[k], &tmp) == 0)
			k++;	/* one removed meanwhile is not listed */
	}
	*out = all;
	*n = k;
	return 0;
}

char *vsl_vps_info_json(const struct vsl_vps_info *i, bool pretty)
{
	cleanup_free char *def = i->problem ? NULL : vsl_vps_def_to_json(&i->def);
	cleanup_json yajl_val tree = NULL;
	yajl_gen g = vsl_jgen_new(pretty);
	struct vsl_err tmp;

	vsl_jgen_map_open(g, NULL);
	vsl_jgen_str(g, "name", i->def.name);
	vsl_jgen_str(g, "status", i->problem ? "broken" : vsl_status_name(i->status));
	vsl_jgen_str(g, "problem", i->problem);
	if (def && (tree = vsl_json_parse(def, strlen(def), "vps.json", &tmp)))
		vsl_jgen_value(g, "definition", tree);
	vsl_jgen_map_open(g, "state");
	if (i->pid) {
		vsl_jgen_int(g, "pid", i->pid);
		vsl_jgen_int(g, "keeper", i->keeper);
		vsl_jgen_str(g, "started", i->started);
		vsl_jgen_str(g, "address", i->addr4);
		vsl_jgen_str(g, "address6", i->addr6);
		vsl_jgen_bool(g, "lxcfs", i->lxcfs);
	}
	if (i->has_disk) {
		vsl_jgen_uint(g, "diskUsed", i->disk_used);
		vsl_jgen_uint(g, "diskLimit", i->disk_limit);
	}
	vsl_jgen_map_close(g);
	vsl_jgen_map_close(g);
	return vsl_jgen_finish(g);
}
