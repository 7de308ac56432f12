/* vessel template import|list|rm|inspect: the template store. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "overlay/overlay.h"

static const struct vsl_cmd template_cmd = {
    .name = "template",
    .usage = "vessel template import [--parent NAME] NAME SOURCE | list [-q] | rm NAME... | "
	     "inspect NAME",
};

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

static int do_import(struct vsl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"parent", required_argument, NULL, 'p'},
					     {NULL, 0, NULL, 0}};
	struct vsl_ovl_import_req req = {.store = ctx->store, .log = &ctx->log};
	struct progress prog = {.last = -1};
	struct vsl_err err;
	int c, r;

	while ((c = getopt_long(argc, argv, "p:", opts, NULL)) != -1) {
		if (c != 'p')
			return vsl_cmd_usage_error(&template_cmd, "import: unknown option");
		req.parent = optarg;
	}
	if (argc - optind != 2)
		return vsl_cmd_usage_error(&template_cmd, "import needs NAME and SOURCE");
	req.name = argv[optind];
	req.source = argv[optind + 1];
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

static int do_list(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_ovl_template *t = NULL;
	bool quiet = argc > 1 && strcmp(argv[1], "-q") == 0;
	struct vsl_err err;
	size_t n;

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
	struct vsl_err err;
	int rc = 0;

	if (argc < 2)
		return vsl_cmd_usage_error(&template_cmd, "rm needs a NAME");
	for (int i = 1; i < argc; i++)
		if (vsl_ovl_template_rm(ctx->store, argv[i], &err) < 0)
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
	yajl_gen g;
	size_t len;

	if (argc != 2)
		return vsl_cmd_usage_error(&template_cmd, "inspect needs one NAME");
	if (vsl_ovl_template_get(ctx->store, argv[1], &t, &err) < 0)
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

VSL_CMD(template)
{
	static const struct {
		const char *name;
		int (*fn)(struct vsl_ctx *ctx, int argc, char **argv);
	} subs[] = {
	    {"import", do_import}, {"list", do_list},	    {"ls", do_list},
	    {"rm", do_rm},	   {"inspect", do_inspect},
	};

	if (argc < 2)
		return vsl_cmd_usage_error(&template_cmd, "missing subcommand");
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(argv[1], subs[i].name) == 0) {
			optind = 1;
			return subs[i].fn(ctx, argc - 1, argv + 1);
		}
	}
	return vsl_cmd_usage_error(&template_cmd, "unknown subcommand %s", argv[1]);
}
