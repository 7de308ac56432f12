/* vps stats as text: JSON and Prometheus's text format (for node_exporter's textfile
 * collector). Pure formatting of struct vsl_vps_stats. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_gen.h"
#include "common/util.h"
#include "vps/vps.h"

char *vsl_vps_stats_json(const struct vsl_vps_stats *s, size_t n)
{
	yajl_gen g = vsl_jgen_new(false);

	vsl_jgen_arr_open(g, NULL);
	for (size_t i = 0; i < n; i++, s++) {
		vsl_jgen_map_open(g, NULL);
		vsl_jgen_str(g, "name", s->name);
		vsl_jgen_bool(g, "running", s->running);
		if (s->running) {
			vsl_jgen_map_open(g, "cpu");
			vsl_jgen_uint(g, "totalNs", s->cpu.total_ns);
			vsl_jgen_uint(g, "userNs", s->cpu.user_ns);
			vsl_jgen_uint(g, "systemNs", s->cpu.system_ns);
			vsl_jgen_uint(g, "userTicks", s->cpu.user_ticks);
			vsl_jgen_uint(g, "systemTicks", s->cpu.system_ticks);
			vsl_jgen_map_close(g);
			vsl_jgen_map_open(g, "memory");
			vsl_jgen_uint(g, "usage", s->memory.usage);
			vsl_jgen_uint(g, "rss", s->memory.rss);
			vsl_jgen_uint(g, "cache", s->memory.cache);
			vsl_jgen_uint(g, "swap", s->memory.swap);
			vsl_jgen_uint(g, "maxUsage", s->memory.max_usage);
			vsl_jgen_uint(g, "limit", s->memory.limit);
			vsl_jgen_map_close(g);
			vsl_jgen_map_open(g, "io");
			vsl_jgen_uint(g, "readBytes", s->io.read_bytes);
			vsl_jgen_uint(g, "writeBytes", s->io.write_bytes);
			vsl_jgen_uint(g, "readOps", s->io.read_ops);
			vsl_jgen_uint(g, "writeOps", s->io.write_ops);
			vsl_jgen_map_close(g);
			if (s->has_net) {
				vsl_jgen_map_open(g, "network");
				vsl_jgen_uint(g, "rxBytes", s->net.rx_bytes);
				vsl_jgen_uint(g, "rxPackets", s->net.rx_packets);
				vsl_jgen_uint(g, "txBytes", s->net.tx_bytes);
				vsl_jgen_uint(g, "txPackets", s->net.tx_packets);
				vsl_jgen_map_close(g);
			}
			vsl_jgen_uint(g, "processes", s->processes);
		}
		vsl_jgen_uint(g, "processesLimit", s->processes_limit);
		if (s->has_disk) {
			vsl_jgen_uint(g, "diskUsed", s->disk_used);
			vsl_jgen_uint(g, "diskLimit", s->disk_limit);
		}
		vsl_jgen_map_close(g);
	}
	vsl_jgen_arr_close(g);
	return vsl_jgen_finish(g);
}

/* A metric: its name, help, type, the extra label (NULL: none) and where its value is. */
enum when { RUNNING, NET, DISK, ALWAYS };
struct metric {
	const char *name, *help, *type, *label;
	enum when when;
	size_t off;
	double scale;	/* 0: the integer as it is */
};

#define F(field) offsetof(struct vsl_vps_stats, field)
static const struct metric metrics[] = {
	{ "up", "1 if the VPS runs, else 0", "gauge", NULL, ALWAYS, 0, 0 },
	{ "cpu_seconds_total", "CPU time used, by mode", "counter", "mode=\"user\"", RUNNING,
	  F(cpu.user_ns), 1e-9 },
	{ "cpu_seconds_total", NULL, NULL, "mode=\"system\"", RUNNING, F(cpu.system_ns), 1e-9 },
	{ "cpu_usage_seconds_total", "CPU time used, all modes", "counter", NULL, RUNNING,
	  F(cpu.total_ns), 1e-9 },
	{ "memory_usage_bytes", "memory in use (rss, cache, kernel)", "gauge", NULL, RUNNING,
	  F(memory.usage), 0 },
	{ "memory_rss_bytes", "anonymous memory", "gauge", NULL, RUNNING, F(memory.rss), 0 },
	{ "memory_cache_bytes", "page cache", "gauge", NULL, RUNNING, F(memory.cache), 0 },
	{ "memory_swap_bytes", "swap in use", "gauge", NULL, RUNNING, F(memory.swap), 0 },
	{ "memory_max_usage_bytes", "highest memory use seen", "gauge", NULL, RUNNING,
	  F(memory.max_usage), 0 },
	{ "memory_limit_bytes", "memory limit (0: none)", "gauge", NULL, ALWAYS,
	  F(memory.limit), 0 },
	{ "io_bytes_total", "block I/O bytes on the store's device", "counter", "op=\"read\"",
	  RUNNING, F(io.read_bytes), 0 },
	{ "io_bytes_total", NULL, NULL, "op=\"write\"", RUNNING, F(io.write_bytes), 0 },
	{ "io_ops_total", "block I/O operations on the store's device", "counter", "op=\"read\"",
	  RUNNING, F(io.read_ops), 0 },
	{ "io_ops_total", NULL, NULL, "op=\"write\"", RUNNING, F(io.write_ops), 0 },
	{ "network_bytes_total", "network bytes, as the VPS sees them", "counter",
	  "direction=\"rx\"", NET, F(net.rx_bytes), 0 },
	{ "network_bytes_total", NULL, NULL, "direction=\"tx\"", NET, F(net.tx_bytes), 0 },
	{ "network_packets_total", "network packets, as the VPS sees them", "counter",
	  "direction=\"rx\"", NET, F(net.rx_packets), 0 },
	{ "network_packets_total", NULL, NULL, "direction=\"tx\"", NET, F(net.tx_packets), 0 },
	{ "processes", "processes and threads", "gauge", NULL, RUNNING, F(processes), 0 },
	{ "disk_used_bytes", "bytes its disk (private layer) uses", "gauge", NULL, DISK,
	  F(disk_used), 0 },
	{ "disk_limit_bytes", "its disk limit (0: none)", "gauge", NULL, DISK, F(disk_limit), 0 },
};
#undef F

static bool applies(const struct metric *m, const struct vsl_vps_stats *s)
{
	switch (m->when) {
	case RUNNING: return s->running;
	case NET: return s->running && s->has_net;
	case DISK: return s->has_disk;
	default: return true;
	}
}

/* A label value escaped as the text format wants (\\, \", \n). */
static void label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void sample(FILE *f, const struct metric *m, const struct vsl_vps_stats *s)
{
	uint64_t v = m->off ? *(const uint64_t *)((const char *)s + m->off) : s->running;

	fprintf(f, "vessel_vps_%s{name=\"", m->name);
	label_value(f, s->name);
	fprintf(f, "\"%s%s}", m->label ? "," : "", m->label ? m->label : "");
	if (m->scale)
		fprintf(f, " %.9f\n", (double)v * m->scale);
	else
		fprintf(f, " %llu\n", (unsigned long long)v);
}

char *vsl_vps_stats_prometheus(const struct vsl_vps_stats *s, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();	/* as xmalloc does */
	for (size_t k = 0; k < sizeof(metrics) / sizeof(metrics[0]); k++) {
		const struct metric *m = &metrics[k];

		if (m->help)
			fprintf(f, "# HELP vessel_vps_%s %s\n# TYPE vessel_vps_%s %s\n", m->name,
				m->help, m->name, m->type);
		for (size_t i = 0; i < n; i++)
			if (applies(m, &s[i]))
				sample(f, m, &s[i]);
	}
	fclose(f);
	return buf;
}
