/* vps stats as text: the Prometheus format (HELP and TYPE once per metric, samples of every
 * VPS under them, the name label escaped, seconds from nanoseconds, a stopped VPS with its
 * disk only) and the JSON. */
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "vps/vps.h"
#include "tests/unit/tap.h"

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

int main(void)
{
	struct vsl_vps_stats s[2] = {
		{ .name = "web1", .running = true, .cpu = { .total_ns = 3000000000ULL,
							    .user_ns = 2500000000ULL },
		  .io = { .write_bytes = 8388608, .write_ops = 8 }, .has_net = true,
		  .net = { .tx_bytes = 512 }, .processes = 3, .has_disk = true, .disk_used = 4096 },
		{ .name = "we\"b\\2", .has_disk = true, .disk_used = 10, .disk_limit = 100 },
	};
	cleanup_free char *p = vsl_vps_stats_prometheus(s, 2);
	cleanup_free char *j = vsl_vps_stats_json(s, 2);

	ok(count(p, "# HELP vessel_vps_io_bytes_total ") == 1, "HELP once per metric");
	ok(count(p, "# TYPE vessel_vps_io_bytes_total counter\n") == 1, "TYPE once, counter");
	ok(count(p, "# TYPE vessel_vps_processes gauge\n") == 1, "processes is a gauge");
	ok(strstr(p, "vessel_vps_io_bytes_total{name=\"web1\",op=\"write\"} 8388608\n") != NULL,
	   "write bytes with name and op labels");
	ok(strstr(p, "vessel_vps_cpu_seconds_total{name=\"web1\",mode=\"user\"} 2.500000000\n")
	   != NULL, "CPU in seconds");
	ok(strstr(p, "vessel_vps_network_bytes_total{name=\"web1\",direction=\"tx\"} 512\n") !=
	   NULL, "network bytes by direction");
	ok(strstr(p, "vessel_vps_up{name=\"web1\"} 1\n") != NULL, "up 1 when running");
	ok(strstr(p, "vessel_vps_up{name=\"we\\\"b\\\\2\"} 0\n") != NULL,
	   "up 0 when stopped, the label escaped");
	ok(strstr(p, "vessel_vps_disk_limit_bytes{name=\"we\\\"b\\\\2\"} 100\n") != NULL,
	   "a stopped VPS has its disk");
	ok(count(p, "io_bytes_total{name=\"we\\\"") == 0, "and no I/O counters");
	ok(strstr(p, "# HELP vessel_vps_io_bytes_total") < strstr(p, "{name=\"web1\",op=\"read\"}"),
	   "HELP before the samples");
	ok(strstr(j, "\"name\":\"web1\",\"running\":true,\"cpu\":{\"totalNs\":3000000000") != NULL,
	   "json");
	ok(strstr(j, "\"running\":false,\"processesLimit\":0,\"diskUsed\":10,\"diskLimit\":100}")
	   != NULL, "json of a stopped VPS");
	return tap_done();
}
