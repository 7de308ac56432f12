/* vessel list [--format table|json] [-q]: every container under --root. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/container.h"

/* A JSON array of the OCI states, each as `vessel state` prints it. */
static void print_json(struct vsl_container **cs, size_t n)
{
	printf("[");
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *one = vsl_state_to_oci_json(&cs[i]->state,
							       vsl_container_status(cs[i]), false);
		printf("%s%s", i ? "," : "", one);
	}
	printf("]\n");
}

static void print_table(struct vsl_container **cs, size_t n)
{
	printf("%-24s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
	for (size_t i = 0; i < n; i++) {
		const struct vsl_state *st = &cs[i]->state;
		enum vsl_status s = vsl_container_status(cs[i]);
		printf("%-24s %-8d %-10s %-40s %s\n", st->id,
		       s == VSL_STATUS_STOPPED ? 0 : (int)st->pid, vsl_status_name(s),
		       st->bundle ? st->bundle : "", st->created ? st->created : "");
	}
}

static const struct vsl_opt opts[] = {
	{ "format", 'f', "FMT", "table (default) or json: an array of OCI states" },
	{ "quiet", 'q', NULL, "print the container ids only" },
	VSL_OPT_END,
};

static int list_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	const struct vsl_cmd *cmd = &vsl_cmd_list;
	cleanup_strv char **ids = NULL;
	cleanup_free struct vsl_container **cs = NULL;
	const char *format = "table", *v;
	bool quiet = false;
	struct vsl_args a;
	struct vsl_err err;
	size_t n = 0;
	int k;

	vsl_args_init(&a, cmd, argc, argv);
	while ((k = vsl_args_next(&a, &v)) > 0) {
		if (k == 'f' && (!strcmp(v, "table") || !strcmp(v, "json")))
			format = v;
		else if (k == 'q')
			quiet = true;
		else
			return vsl_cmd_usage_error(cmd, "--format: expected table or json, got %s", v);
	}
	if (k < 0)
		return a.exit;
	if (a.argc != 0)
		return vsl_cmd_usage_error(cmd, "takes no arguments");
	if (vsl_store_list(ctx, &ids, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	cs = xzalloc((vsl_strv_len(ids) + 1) * sizeof(*cs));
	for (char **id = ids; *id; id++)
		if (vsl_store_peek(ctx, *id, &cs[n], &err) == 0)
			n++;
	if (quiet)
		for (size_t i = 0; i < n; i++)
			printf("%s\n", cs[i]->id);
	else if (!strcmp(format, "json"))
		print_json(cs, n);
	else
		print_table(cs, n);
	for (size_t i = 0; i < n; i++)
		vsl_container_free(cs[i]);
	return 0;
}

const struct vsl_cmd vsl_cmd_list = {
	.name = "list",
	.run = list_run,
	.summary = "list containers",
	.opts = opts,
};
