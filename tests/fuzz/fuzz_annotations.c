/* libFuzzer target for the small parsers of what an orchestrator can put in annotations
 * and flags: vessel.net.ports, vessel.net.rate, addresses and subnets, sizes
 * (vessel.disk.limit, update's --memory), interface names. Any string must be accepted or refused cleanly; what is
 * accepted must format and parse back to the same value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "netns/ipam.h"
#include "netns/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	struct vsl_port *ports = NULL;
	struct vsl_cidr c, c2;
	struct vsl_ip ip, ip2;
	char buf[VSL_CIDR_STRLEN], rate[VSL_NET_RATE_STRLEN];
	struct vsl_err err;
	uint64_t v, v2;
	size_t n = 0;

	if (!s)
		return 0;
	if (vsl_ports_parse(s, &ports, &n, &err) == 0 && n && !ports)
		abort();
	free(ports);
	if (vsl_ip_parse(s, &ip) == 0 &&
	    (vsl_ip_parse(vsl_ip_str(&ip, buf), &ip2) < 0 || !vsl_ip_eq(&ip, &ip2)))
		abort();
	if (vsl_cidr_parse(s, &c) == 0 &&
	    (vsl_cidr_parse(vsl_cidr_str(&c, buf), &c2) < 0 || !vsl_ip_eq(&c.ip, &c2.ip) ||
	     c.prefix != c2.prefix))
		abort();
	if (vsl_net_rate_parse(s, "vessel.net.rate", &v, &err) == 0 &&
	    (vsl_net_rate_parse(vsl_net_rate_format(v, rate), "vessel.net.rate", &v2, &err) < 0 ||
	     v != v2 || (v && (v < VSL_NET_RATE_MIN || v > VSL_NET_RATE_MAX))))
		abort();
	(void)vsl_parse_size(s, &v);
	(void)vsl_net_check_ifname(s, "bridge", &err);
	free(s);
	return 0;
}
