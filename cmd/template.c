/* vessel template import|list|rm|inspect|digest: the template store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/overlay.h"

static const struct vsl_cmd import_cmd, list_cmd, rm_cmd, inspect_cmd, digest_cmd;

static void human(uint64_t n, char *buf, size_t len)
{
	static const char units[] = "BKMGT";
	double v = (double)n;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%lluB", (unsigned long long)n);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
}

struct progress {
	const char *name;
	int last; /* last percent (or MiB when total unknown) printed */
};

static void show_progress(void *arg, uint64_t done, uint64_t total)
{
	struct progress *p = arg;
	char d[32], t[32];
	int now = total ? (int)(done * 100 / total) : (int)(done >> 24);

	if (now == p->last)
		return;
	p->last = now;
	human(done, d, sizeof(d));
	human(total, t, sizeof(t));
	if (total)
		fprintf(stderr, "\rimporting %s: %3d%% (%s of %s)   ", p->name, now, d, t);
	else
		fprintf(stderr, "\rimporting %s: %s   ", p->name, d);
}

static const struct vsl_opt import_opts[] = {
	{ "parent", 'p', "NAME", "layer it on template NAME: SOURCE holds only the differences" },
	VSL_OPT_END,
};

static int do_import(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_ovl_import_req req = {.store = ctx->store, .log = &ctx->log};
	struct progress prog = {.last = -1};
	struct vsl_args a;
	struct vsl_err err;
	const char *v;
	int k, r;

	vsl_args_init(&a, &import_cmd, argc, argv);
	while ((k = vsl_args_next(&a, &v)) > 0)
		req.parent = v;
	if (k < 0)
		return a.exit;
	if (a.argc != 2)
		return vsl_cmd_usage_error(&import_cmd, "needs NAME and SOURCE");
	req.name = a.argv[0];
	req.source = a.argv[1];
	prog.name = req.name;
	if (isatty(2)) {
		req.progress = show_progress;
		req.progress_arg = &prog;
	}
	r = vsl_ovl_import(&req, &err);
	if (prog.last >= 0)
		fprintf(stderr, "\n");
	if (r < 0)
		return vsl_cmd_fail(ctx, &err);
	return 0;
}

static const struct vsl_opt list_opts[] = {
	{ "quiet", 'q', NULL, "print the template names only" },
	VSL_OPT_END,
};

static int do_list(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_ovl_template *t = NULL;
	bool quiet = false;
	struct vsl_args a;
	struct vsl_err err;
	const char *v;
	size_t n;
	int k;

	vsl_args_init(&a, &list_cmd, argc, argv);
	while ((k = vsl_args_next(&a, &v)) > 0)
		quiet = true;
	if (k < 0)
		return a.exit;
	if (a.argc != 0)
		return vsl_cmd_usage_error(&list_cmd, "takes no arguments");

	if (vsl_ovl_template_list(ctx->store, &t, &n, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	if (!quiet)
		printf("%-24s %-20s %9s %6s  %s\n", "NAME", "PARENT", "SIZE", "USERS", "CREATED");
	for (size_t i = 0; i < n; i++) {
		char size[32];

		human(t[i].size, size, sizeof(size));
		if (quiet)
			printf("%s\n", t[i].name);
		else
			printf("%-24s %-20s %9s %6zu  %s\n", t[i].name,
			       t[i].parent ? t[i].parent : "-", size, vsl_strv_len(t[i].users),
			       t[i].created ? t[i].created : "-");
		vsl_ovl_template_clear(&t[i]);
	}
	free(t);
	return 0;
}

static int do_rm(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_args a;
	struct vsl_err err;
	const char *v;
	int k, rc = 0;

	vsl_args_init(&a, &rm_cmd, argc, argv);
	k = vsl_args_next(&a, &v);
	if (k < 0)
		return a.exit;
	if (a.argc < 1)
		return vsl_cmd_usage_error(&rm_cmd, "needs a NAME");
	for (int i = 0; i < a.argc; i++)
		if (vsl_ovl_template_rm(ctx->store, a.argv[i], &err) < 0)
			rc = vsl_cmd_fail(ctx, &err);
	return rc;
}

static void gen_key(yajl_gen g, const char *k)
{
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

static void gen_kv(yajl_gen g, const char *k, const char *v)
{
	gen_key(g, k);
	if (v)
		yajl_gen_string(g, (const unsigned char *)v, strlen(v));
	else
		yajl_gen_null(g);
}

static void gen_list(yajl_gen g, const char *k, char **v)
{
	gen_key(g, k);
	yajl_gen_array_open(g);
	for (; v && *v; v++)
		yajl_gen_string(g, (const unsigned char *)*v, strlen(*v));
	yajl_gen_array_close(g);
}

static int do_inspect(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_ovl_template t;
	struct vsl_err err;
	cleanup_free char *path = NULL;
	const unsigned char *buf;
	struct vsl_args a;
	yajl_gen g;
	size_t len;
	int r;

	r = vsl_args_exactly(&a, &inspect_cmd, argc, argv, 1, "needs one NAME");
	if (r)
		return r;
	if (vsl_ovl_template_get(ctx->store, a.argv[0], &t, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	path = xasprintf("%s/templates/%s/rootfs", ctx->store, t.name);
	g = yajl_gen_alloc(NULL);
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_map_open(g);
	gen_kv(g, "name", t.name);
	gen_kv(g, "parent", t.parent);
	gen_kv(g, "created", t.created);
	gen_kv(g, "source", t.source);
	gen_key(g, "size");
	yajl_gen_integer(g, (long long)t.size);
	gen_kv(g, "digest", t.digest);
	gen_kv(g, "path", path);
	gen_list(g, "users", t.users);
	gen_list(g, "children", t.children);
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &buf, &len);
	fwrite(buf, 1, len, stdout);
	yajl_gen_free(g);
	vsl_ovl_template_clear(&t);
	return 0;
}

/* The content digest computed now: recorded for a template from before digests, refused
 * when the content no longer matches the record. */
static int do_digest(struct vsl_ctx *ctx, int argc, char **argv)
{
	cleanup_free char *digest = NULL;
	struct vsl_args a;
	struct vsl_err err;
	int r;

	r = vsl_args_exactly(&a, &digest_cmd, argc, argv, 1, "needs one NAME");
	if (r)
		return r;
	if (vsl_ovl_template_digest(ctx->store, a.argv[0], &digest, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	printf("%s\n", digest);
	return 0;
}

static const struct vsl_cmd import_cmd = {
	.name = "import",
	.parent = "template",
	.run = do_import,
	.summary = "import a template from a directory, a tar (gz, xz, zst) or an OCI image layout",
	.args = "NAME SOURCE",
	.opts = import_opts,
};

static const struct vsl_cmd list_cmd = {
	.name = "list",
	.alias = "ls",
	.parent = "template",
	.run = do_list,
	.summary = "list the templates with their parent, size, users and creation time",
	.opts = list_opts,
};

static const struct vsl_cmd rm_cmd = {
	.name = "rm",
	.parent = "template",
	.run = do_rm,
	.summary = "remove templates no live container and no other template uses",
	.args = "NAME...",
};

static const struct vsl_cmd inspect_cmd = {
	.name = "inspect",
	.parent = "template",
	.run = do_inspect,
	.summary = "print a template's record as JSON",
	.args = "NAME",
};

static const struct vsl_cmd digest_cmd = {
	.name = "digest",
	.parent = "template",
	.run = do_digest,
	.summary = "compute a template's content digest now; refused if it no longer matches",
	.args = "NAME",
	.details = "The digest is sha256 over a canonical listing of the template's layer "
		   "(paths, types, modes,\nowners, sizes, contents, link targets, xattrs; "
		   "docs/templates.md). A template imported\nbefore digests gets it recorded.",
};

static const struct vsl_cmd *const verbs[] = { &import_cmd, &list_cmd, &rm_cmd, &inspect_cmd,
					       &digest_cmd, NULL };

static int template_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	return vsl_cmd_run_verb(ctx, &vsl_cmd_template, argc, argv);
}

const struct vsl_cmd vsl_cmd_template = {
	.name = "template",
	.run = template_run,
	.summary = "manage templates: import, list, rm, inspect, digest",
	.details = "Templates are shared read-only root filesystems; a container built from one "
		   "(the\nvessel.template annotation) gets a private writable layer on top "
		   "(docs/templates.md).",
	.verbs = verbs,
	.flags = VSL_CMD_USES_STORE,
};
