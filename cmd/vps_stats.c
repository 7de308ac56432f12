/* vessel vps stats NAME|--all [--format table|json|prometheus]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/vps_cmd.h"
#include "common/cleanup.h"
#include "common/util.h"

enum { OPT_ALL = 1, OPT_FORMAT };

static const struct vsl_opt stats_opts[] = {
	{ "all", OPT_ALL, NULL, "every VPS" },
	{ "format", OPT_FORMAT, "FMT", "table (default), json or prometheus" },
	VSL_OPT_END,
};

static void mib(uint64_t n, char *buf, size_t len)
{
	snprintf(buf, len, "%.1f", (double)n / (1024 * 1024));
}

static void row(const struct vsl_vps_stats *s)
{
	char mem[24], rd[24], wr[24], rx[24], tx[24], du[24];

	mib(s->memory.usage, mem, sizeof(mem));
	mib(s->io.read_bytes, rd, sizeof(rd));
	mib(s->io.write_bytes, wr, sizeof(wr));
	mib(s->net.rx_bytes, rx, sizeof(rx));
	mib(s->net.tx_bytes, tx, sizeof(tx));
	mib(s->disk_used, du, sizeof(du));
	if (!s->running) {
		printf("%-20s %-8s %9s %9s %9s %9s %9s %9s %5s %9s\n", s->name, "stopped", "-", "-",
		       "-", "-", "-", "-", "-", s->has_disk ? du : "-");
		return;
	}
	printf("%-20s %-8s %9.2f %9s %9s %9s %9s %9s %5llu %9s\n", s->name, "running",
	       (double)s->cpu.total_ns / 1e9, mem, rd, wr, s->has_net ? rx : "-",
	       s->has_net ? tx : "-", (unsigned long long)s->processes, s->has_disk ? du : "-");
}

static int print(const struct vsl_vps_stats *all, size_t n, const char *format)
{
	cleanup_free char *text = NULL;

	if (!strcmp(format, "json")) {
		text = vsl_vps_stats_json(all, n);
		printf("%s\n", text);
	} else if (!strcmp(format, "prometheus")) {
		text = vsl_vps_stats_prometheus(all, n);
		fputs(text, stdout);
	} else {
		printf("%-20s %-8s %9s %9s %9s %9s %9s %9s %5s %9s\n", "NAME", "STATUS", "CPU-S",
		       "MEM-MIB", "READ-MIB", "WRITE-MIB", "RX-MIB", "TX-MIB", "PROCS", "DISK-MIB");
		for (size_t i = 0; i < n; i++)
			row(&all[i]);
	}
	return 0;
}

static int stats_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_vps_ctx v = vps_ctx(ctx);
	struct vsl_vps_stats *all = NULL;
	const char *format = "table", *val;
	bool every = false;
	struct vsl_args a;
	struct vsl_err err;
	size_t n = 0;
	int k, r;

	vsl_args_init(&a, &vps_stats_cmd, argc, argv);
	while ((k = vsl_args_next(&a, &val)) > 0) {
		if (k == OPT_ALL)
			every = true;
		else if (strcmp(val, "table") && strcmp(val, "json") && strcmp(val, "prometheus"))
			return vsl_cmd_usage_error(&vps_stats_cmd, "--format: expected table, json "
						   "or prometheus, got %s", val);
		else
			format = val;
	}
	if (k < 0)
		return a.exit;
	if (every ? a.argc != 0 : a.argc != 1)
		return vsl_cmd_usage_error(&vps_stats_cmd, "expected one VPS name, or --all");
	if (every) {
		r = vsl_vps_stats_all(&v, &all, &n, &err);
	} else {
		all = xzalloc(sizeof(*all));
		r = vsl_vps_stats_get(&v, a.argv[0], all, &err);
		n = r == 0;
	}
	if (r == 0)
		print(all, n, format);
	for (size_t i = 0; i < n; i++)
		vsl_vps_stats_clear(&all[i]);
	free(all);
	return r < 0 ? vsl_cmd_fail(ctx, &err) : 0;
}

const struct vsl_cmd vps_stats_cmd = {
	.name = "stats",
	.parent = "vps",
	.run = stats_run,
	.summary = "what a VPS uses: CPU, memory, block I/O, network, processes, disk",
	.details = "Counters are since its start. --format prometheus writes node_exporter's "
		   "textfile format\n(vessel_vps_* metrics, labelled name=...).",
	.args = "NAME|--all",
	.opts = stats_opts,
};
