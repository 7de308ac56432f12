/* vessel vps list [--format table|json] and vessel vps show NAME. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/vps_cmd.h"
#include "common/cleanup.h"
#include "common/util.h"

static void human(uint64_t n, char *buf, size_t len)
{
	static const char units[] = "BKMGTP";
	double x = (double)n;
	int u = 0;

	while (x >= 1024 && u < 5) {
		x /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu", (unsigned long long)n);
	else
		snprintf(buf, len, x < 10 ? "%.1f%c" : "%.0f%c", x, units[u]);
}

static void limit(uint64_t n, char *buf, size_t len)
{
	if (!n)
		snprintf(buf, len, "-");
	else
		human(n, buf, len);
}

static void row(const struct vsl_vps_info *i)
{
	char mem[16], cpus[16], used[16], lim[16], disk[40];
	const char *status = i->problem ? "broken" : vsl_status_name(i->status);
	const char *addr = i->addr4 ? i->addr4 : i->def.net.address ? i->def.net.address : "-";

	limit(i->def.limits.memory, mem, sizeof(mem));
	if (i->def.limits.cpus_milli)
		vsl_vps_cpus_str(i->def.limits.cpus_milli, cpus, sizeof(cpus));
	else
		snprintf(cpus, sizeof(cpus), "-");
	human(i->disk_used, used, sizeof(used));
	limit(i->has_disk ? i->disk_limit : i->def.limits.disk, lim, sizeof(lim));
	snprintf(disk, sizeof(disk), "%s/%s", i->has_disk ? used : "-", lim);
	printf("%-20s %-8s %-18s %-7s %-5s %-13s %-9s %s\n", i->def.name, status, addr, mem, cpus,
	       disk, i->def.autostart ? "yes" : "no",
	       i->def.template_name ? i->def.template_name : "-");
}

static const struct vsl_opt list_opts[] = {
	{ "format", 'f', "FMT", "table (default) or json" },
	VSL_OPT_END,
};

static void print_json(const struct vsl_vps_info *all, size_t n)
{
	printf("[");
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *j = vsl_vps_info_json(&all[i], false);
		printf("%s%s", i ? "," : "", j);
	}
	printf("]\n");
}

static int list_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_vps_ctx v = vps_ctx(ctx);
	struct vsl_vps_info *all = NULL;
	bool json = false;
	struct vsl_args a;
	struct vsl_err err;
	const char *f;
	size_t n = 0;
	int k;

	vsl_args_init(&a, &vps_list_cmd, argc, argv);
	while ((k = vsl_args_next(&a, &f)) > 0) {
		if (strcmp(f, "table") && strcmp(f, "json"))
			return vsl_cmd_usage_error(&vps_list_cmd, "--format: expected table or json, "
						   "got %s", f);
		json = !strcmp(f, "json");
	}
	if (k < 0)
		return a.exit;
	if (a.argc != 0)
		return vsl_cmd_usage_error(&vps_list_cmd, "takes no arguments");
	if (vsl_vps_list(&v, &all, &n, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	if (json) {
		print_json(all, n);
	} else {
		printf("%-20s %-8s %-18s %-7s %-5s %-13s %-9s %s\n", "NAME", "STATUS", "ADDRESS",
		       "MEMORY", "CPUS", "DISK", "AUTOSTART", "TEMPLATE");
		for (size_t i = 0; i < n; i++)
			row(&all[i]);
	}
	for (size_t i = 0; i < n; i++)
		vsl_vps_info_clear(&all[i]);
	free(all);
	return 0;
}

static int show_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_vps_ctx v = vps_ctx(ctx);
	cleanup_free char *json = NULL;
	struct vsl_vps_info info;
	struct vsl_args a;
	struct vsl_err err;
	int r;

	r = vsl_args_exactly(&a, &vps_show_cmd, argc, argv, 1, "expected one VPS name");
	if (r)
		return r;
	if (vsl_vps_info_get(&v, a.argv[0], &info, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	json = vsl_vps_info_json(&info, true);
	printf("%s\n", json);
	vsl_vps_info_clear(&info);
	return 0;
}

const struct vsl_cmd vps_list_cmd = {
	.name = "list",
	.alias = "ls",
	.parent = "vps",
	.run = list_run,
	.summary = "every VPS: state, address, limits, disk used/limit, autostart",
	.opts = list_opts,
};

const struct vsl_cmd vps_show_cmd = {
	.name = "show",
	.parent = "vps",
	.run = show_run,
	.summary = "a VPS's definition and state as JSON",
	.args = "NAME",
};
