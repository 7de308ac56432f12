/* Pure helpers for the network annotations: interface names, port lists, the names and MACs
 * derived from a container id. No syscalls. */
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
/* A stable locally administered unicast MAC derived from a string (a bridge name). */
void vsl_net_mac(const char *salt, const char *s, uint8_t out[6]);
/* A container's MAC: 02:56 and its IPv4 address. An address handed out again comes back
 * with the same MAC, so neighbour caches on the bridge (host and containers) stay right. */
void vsl_net_mac_from_ip4(const uint8_t ip4[4], uint8_t out[6]);

#endif
