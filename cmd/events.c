/* vessel events [--stats] [--interval N] ID: runc's event stream, one JSON object a line:
 * {"type":"oom","id":ID} when the kernel OOM-kills in the container, and
 * {"type":"stats","id":ID,"data":{...}} every interval (default 5 s). --stats prints one
 * stats object and exits. The stream ends when the container's cgroup goes away. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <yajl/yajl_gen.h>

#include "cmd/cgroup_cmd.h"
#include "netns/net.h"
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "common/json_gen.h"

static void gen_cpu(yajl_gen g, const struct vsl_cg_stats *s)
{
	vsl_jgen_map_open(g, "cpu");
	vsl_jgen_map_open(g, "usage");
	vsl_jgen_uint(g, "total", s->cpu.total);
	if (s->cpu.n_percpu) {
		vsl_jgen_arr_open(g, "percpu");
		for (size_t i = 0; i < s->cpu.n_percpu; i++)
			vsl_jgen_uint(g, NULL, s->cpu.percpu[i]);
		vsl_jgen_arr_close(g);
	}
	vsl_jgen_uint(g, "kernel", s->cpu.kernel);
	vsl_jgen_uint(g, "user", s->cpu.user);
	vsl_jgen_map_close(g);
	vsl_jgen_map_open(g, "throttling");
	vsl_jgen_uint(g, "periods", s->cpu.periods);
	vsl_jgen_uint(g, "throttled_periods", s->cpu.throttled_periods);
	vsl_jgen_uint(g, "throttled_time", s->cpu.throttled_time);
	vsl_jgen_map_close(g);
	vsl_jgen_map_close(g);
}

static void gen_mem_entry(yajl_gen g, const char *k, const struct vsl_cg_mem_entry *e)
{
	vsl_jgen_map_open(g, k);
	vsl_jgen_uint(g, "limit", e->limit);
	vsl_jgen_uint(g, "usage", e->usage);
	vsl_jgen_uint(g, "max", e->max_usage);
	vsl_jgen_uint(g, "failcnt", e->failcnt);
	vsl_jgen_map_close(g);
}

static void gen_memory(yajl_gen g, const struct vsl_cg_stats *s)
{
	vsl_jgen_map_open(g, "memory");
	vsl_jgen_uint(g, "cache", s->memory.cache);
	gen_mem_entry(g, "usage", &s->memory.usage);
	gen_mem_entry(g, "swap", &s->memory.swap);
	gen_mem_entry(g, "kernel", &s->memory.kernel);
	gen_mem_entry(g, "kernelTCP", &s->memory.kernel_tcp);
	vsl_jgen_map_open(g, "raw");
	vsl_jgen_uint(g, "rss", s->memory.rss);
	vsl_jgen_uint(g, "cache", s->memory.cache);
	vsl_jgen_uint(g, "oom_kill", s->memory.oom_kill);
	vsl_jgen_map_close(g);
	vsl_jgen_map_close(g);
}

static void gen_blkio_list(yajl_gen g, const char *k, const struct vsl_cg_blkio_entry *v,
			   size_t n)
{
	vsl_jgen_arr_open(g, k);
	for (size_t i = 0; i < n; i++) {
		vsl_jgen_map_open(g, NULL);
		vsl_jgen_uint(g, "major", v[i].major);
		vsl_jgen_uint(g, "minor", v[i].minor);
		vsl_jgen_str(g, "op", v[i].op);
		vsl_jgen_uint(g, "value", v[i].value);
		vsl_jgen_map_close(g);
	}
	vsl_jgen_arr_close(g);
}

static void gen_rest(yajl_gen g, const struct vsl_cg_stats *s)
{
	vsl_jgen_map_open(g, "pids");
	vsl_jgen_uint(g, "current", s->pids.current);
	vsl_jgen_uint(g, "limit", s->pids.limit);
	vsl_jgen_map_close(g);
	vsl_jgen_map_open(g, "blkio");
	gen_blkio_list(g, "ioServiceBytesRecursive", s->blkio.bytes, s->blkio.n_bytes);
	gen_blkio_list(g, "ioServicedRecursive", s->blkio.ios, s->blkio.n_ios);
	vsl_jgen_map_close(g);
	vsl_jgen_map_open(g, "hugetlb");
	for (size_t i = 0; i < s->n_hugetlb; i++) {
		vsl_jgen_map_open(g, s->hugetlb[i].page_size);
		vsl_jgen_uint(g, "usage", s->hugetlb[i].usage);
		vsl_jgen_uint(g, "max", s->hugetlb[i].max_usage);
		vsl_jgen_uint(g, "failcnt", s->hugetlb[i].failcnt);
		vsl_jgen_map_close(g);
	}
	vsl_jgen_map_close(g);
}

/* runc's network_interfaces: the counters of every interface in the container's own
 * network namespace (none when it shares the host's). */
static void gen_net(yajl_gen g, pid_t pid)
{
	cleanup_free struct vsl_net_ifstats *ifs = NULL;
	char path[64];
	struct stat a, b;
	struct vsl_err tmp;
	size_t n = 0;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (pid <= 0 || stat(path, &a) < 0 || stat("/proc/self/ns/net", &b) < 0 ||
	    a.st_ino == b.st_ino || vsl_net_stats(pid, &ifs, &n, &tmp) < 0)
		return;
	vsl_jgen_arr_open(g, "network_interfaces");
	for (size_t i = 0; i < n; i++) {
		vsl_jgen_map_open(g, NULL);
		vsl_jgen_str(g, "name", ifs[i].name);
		vsl_jgen_uint(g, "rx_bytes", ifs[i].rx_bytes);
		vsl_jgen_uint(g, "rx_packets", ifs[i].rx_packets);
		vsl_jgen_uint(g, "rx_errors", ifs[i].rx_errors);
		vsl_jgen_uint(g, "rx_dropped", ifs[i].rx_dropped);
		vsl_jgen_uint(g, "tx_bytes", ifs[i].tx_bytes);
		vsl_jgen_uint(g, "tx_packets", ifs[i].tx_packets);
		vsl_jgen_uint(g, "tx_errors", ifs[i].tx_errors);
		vsl_jgen_uint(g, "tx_dropped", ifs[i].tx_dropped);
		vsl_jgen_map_close(g);
	}
	vsl_jgen_arr_close(g);
}

/* One event line on stdout; stats NULL for an OOM event. pid: the container's process. */
static void print_event(const char *id, const char *type, const struct vsl_cg_stats *s,
			pid_t pid)
{
	yajl_gen g = vsl_jgen_new(false);
	cleanup_free char *line = NULL;

	vsl_jgen_map_open(g, NULL);
	vsl_jgen_str(g, "type", type);
	vsl_jgen_str(g, "id", id);
	if (s) {
		vsl_jgen_map_open(g, "data");
		gen_cpu(g, s);
		gen_memory(g, s);
		gen_rest(g, s);
		gen_net(g, pid);
		vsl_jgen_map_close(g);
	}
	vsl_jgen_map_close(g);
	line = vsl_jgen_finish(g);
	printf("%s\n", line);
	fflush(stdout);
}

static void oom_closep(struct vsl_cg_oom **w)
{
	vsl_cg_oom_close(*w);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The stream: OOM events as they come, stats every interval, until the cgroup is gone.
 * It looks for the cgroup every second at least: an inotify watch on a removed cgroup
 * file is not always told (v2), and the stream must end soon after the container. */
static int stream(const char *id, const struct vsl_cgroup *cg, pid_t pid, long interval_ms,
		  struct vsl_err *err)
{
	cleanup_with(oom_closep) struct vsl_cg_oom *w = NULL;
	long next = now_ms() + interval_ms;
	struct vsl_cg_stats st;
	struct vsl_err tmp;

	if (vsl_cg_oom_open(cg, &w, &tmp) < 0)
		w = NULL;	/* no memory controller: stats only */
	for (;;) {
		struct pollfd p = { .fd = w ? vsl_cg_oom_fd(w) : -1, .events = POLLIN };
		long wait = next - now_ms();
		uint64_t n_new = 0;
		bool gone = false;
		int r = poll(&p, 1, (int)(wait < 0 ? 0 : wait > 1000 ? 1000 : wait));

		if (r < 0 && errno != EINTR)
			return vsl_fail(err, errno, "events %s: poll", id);
		if (r > 0 && vsl_cg_oom_read(w, &n_new, &gone, err) < 0)
			return -err->code;
		if (gone)
			return 0;
		for (uint64_t i = 0; i < n_new; i++)
			print_event(id, "oom", NULL, 0);
		if (r > 0)
			continue;
		if (vsl_cg_stats(cg, &st, &tmp) < 0)
			return 0;	/* the container's cgroup is gone: the stream ends */
		if (now_ms() < next)
			continue;
		next += interval_ms;
		print_event(id, "stats", &st, pid);
	}
}

enum { OPT_STATS = 256, OPT_INTERVAL };

static const struct vsl_opt opts[] = {
	{ "stats", OPT_STATS, NULL, "print one stats event and exit" },
	{ "interval", OPT_INTERVAL, "TIME", "time between stats events: 5, 5s, 500ms (default 5s)" },
	VSL_OPT_END,
};

/* "5", "5s", "500ms", as runc's duration flag takes them; 0 or an exit code. */
static int parse_interval(const char *v, long *out_ms)
{
	char *end;
	double secs = strtod(v, &end);

	if (!strcmp(end, "ms"))
		secs /= 1000;
	else if (*end && strcmp(end, "s"))
		return vsl_cmd_usage_error(&vsl_cmd_events, "--interval: bad duration %s", v);
	if (secs <= 0)
		return vsl_cmd_usage_error(&vsl_cmd_events, "--interval must be positive");
	*out_ms = (long)(secs * 1000);
	return 0;
}

static int events_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	const struct vsl_cmd *cmd = &vsl_cmd_events;
	cleanup_container struct vsl_container *c = NULL;
	cleanup_cgroup struct vsl_cgroup *cg = NULL;
	struct vsl_cg_stats st;
	pid_t pid;
	long interval_ms = 5000;
	bool once = false;
	struct vsl_args a;
	struct vsl_err err;
	const char *v, *id;
	int k, r;

	vsl_args_init(&a, cmd, argc, argv);
	while ((k = vsl_args_next(&a, &v)) > 0) {
		if (k == OPT_STATS)
			once = true;
		else if ((r = parse_interval(v, &interval_ms)))
			return r;
	}
	if (k < 0)
		return a.exit;
	if (a.argc != 1)
		return vsl_cmd_usage_error(cmd, "expected one container id");
	id = a.argv[0];
	if (vsl_cmd_open_cgroup(ctx, id, "get events from", &c, &cg, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	pid = c->state.pid;
	/* Streaming must not hold the container's lock: delete would wait forever. */
	vsl_container_free(vsl_steal_ptr(&c));
	if (once) {
		if (vsl_cg_stats(cg, &st, &err) < 0)
			return vsl_cmd_fail(ctx, &err);
		print_event(id, "stats", &st, pid);
		return 0;
	}
	if (stream(id, cg, pid, interval_ms, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	return 0;
}

const struct vsl_cmd vsl_cmd_events = {
	.name = "events",
	.run = events_run,
	.summary = "stream OOM and stats events of a container as JSON lines",
	.args = "ID",
	.details = "{\"type\":\"oom\",\"id\":ID} when the kernel OOM-kills in the container, "
		   "and a stats event\n(cgroup and network counters) every interval. The stream "
		   "ends with the container's cgroup.",
	.opts = opts,
};
