/* Pure helpers for the network annotations: interface names, port lists, rates, the names
 * and MACs derived from a container id. No syscalls. */
#ifndef VSL_NETNS_PARSE_H
#define VSL_NETNS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define VSL_IFNAMSIZ 16		/* IFNAMSIZ: 15 characters and the NUL */
#define VSL_NET_MAX_PORTS 64

struct vsl_port {
	uint16_t host;
	uint16_t container;
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
};

/* An interface name the kernel accepts: 1-15 of [A-Za-z0-9_.-], not "." or "..".
 * what names it in the error ("bridge"). */
int vsl_net_check_ifname(const char *name, const char *what, struct vsl_err *err);

/* "HOST:CONTAINER[/tcp|/udp],..." -> *out (malloc'd, *n entries; NULL/"" gives none).
 * Ports 1-65535, tcp by default, a host port/protocol at most once. */
int vsl_ports_parse(const char *s, struct vsl_port **out, size_t *n, struct vsl_err *err);
const char *vsl_proto_name(uint8_t proto);

/* The host end of the container's veth: "vsl" and 12 hex digits of a hash of the id. */
void vsl_net_veth_name(const char *id, char out[VSL_IFNAMSIZ]);
/* Its ifb device (the rate limit of traffic from the container): "vsr" and the same digits. */
void vsl_net_ifb_name(const char *id, char out[VSL_IFNAMSIZ]);

/* A rate (vessel.net.rate, vps --net-rate): "unlimited", "0", or a whole number with a unit
 * bit, kbit, mbit, gbit or tbit (SI, any case), 8kbit to 100gbit -> *bits per second (0 =
 * unlimited). what names the field in the error. */
#define VSL_NET_RATE_MIN 8000ULL
#define VSL_NET_RATE_MAX 100000000000ULL
#define VSL_NET_RATE_STRLEN 32
int vsl_net_rate_parse(const char *s, const char *what, uint64_t *bits, struct vsl_err *err);
/* The shortest exact form ("10mbit", "1500kbit", "unlimited"); returns buf. */
const char *vsl_net_rate_format(uint64_t bits, char buf[VSL_NET_RATE_STRLEN]);
/* A stable locally administered unicast MAC derived from a string (a bridge name). */
void vsl_net_mac(const char *salt, const char *s, uint8_t out[6]);
/* A container's MAC: 02:56 and its IPv4 address. An address handed out again comes back
 * with the same MAC, so neighbour caches on the bridge (host and containers) stay right. */
void vsl_net_mac_from_ip4(const uint8_t ip4[4], uint8_t out[6]);

#endif
