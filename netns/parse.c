/* Network annotations as data: interface names, port lists, names and MACs derived from ids.
 * Pure; nothing here touches the kernel. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "netns/parse.h"

int vsl_net_check_ifname(const char *name, const char *what, struct vsl_err *err)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0)
		return vsl_fail(err, EINVAL, "%s: empty interface name", what);
	if (len >= VSL_IFNAMSIZ)
		return vsl_fail(err, EINVAL, "%s %s: name longer than %d characters", what, name,
				VSL_IFNAMSIZ - 1);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != len)
		return vsl_fail(err, EINVAL, "%s %s: invalid interface name (use A-Z a-z 0-9 _ . -)",
				what, name);
	return 0;
}

const char *vsl_proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

static int parse_port(const char *s, uint16_t *out)
{
	uint64_t v;

	if (!s || s[0] == '+' || vsl_parse_u64(s, &v) < 0 || v == 0 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

/* One "HOST:CONTAINER[/proto]" item. */
static int parse_item(char *item, struct vsl_port *p, struct vsl_err *err)
{
	char *colon = strchr(item, ':'), *slash = strchr(item, '/');
	static const char *const fmt = "ports: %s: expected HOST:CONTAINER[/tcp|/udp]";

	p->proto = IPPROTO_TCP;
	if (slash) {
		*slash = '\0';
		if (strcmp(slash + 1, "udp") == 0)
			p->proto = IPPROTO_UDP;
		else if (strcmp(slash + 1, "tcp") != 0) {
			*slash = '/';
			return vsl_fail(err, EINVAL, "ports: %s: protocol must be tcp or udp", item);
		}
	}
	if (!colon || (slash && colon > slash)) {
		if (slash)
			*slash = '/';
		return vsl_fail(err, EINVAL, fmt, item);
	}
	*colon = '\0';
	if (parse_port(item, &p->host) < 0 || parse_port(colon + 1, &p->container) < 0) {
		*colon = ':';
		if (slash)
			*slash = '/';
		return vsl_fail(err, EINVAL, "ports: %s: ports must be 1-65535", item);
	}
	return 0;
}

int vsl_ports_parse(const char *s, struct vsl_port **out, size_t *n, struct vsl_err *err)
{
	cleanup_free char *copy = xstrdup(s ? s : "");
	cleanup_free struct vsl_port *v = NULL;
	size_t k = 0;
	char *save = NULL;

	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		while (*item == ' ')
			item++;
		if (*item == '\0')
			continue;
		if (k == VSL_NET_MAX_PORTS)
			return vsl_fail(err, EINVAL, "ports: more than %d entries", VSL_NET_MAX_PORTS);
		v = xrealloc(v, (k + 1) * sizeof(*v));
		int r = parse_item(item, &v[k], err);
		if (r < 0)
			return r;
		for (size_t j = 0; j < k; j++)
			if (v[j].host == v[k].host && v[j].proto == v[k].proto)
				return vsl_fail(err, EINVAL, "ports: host port %u/%s given twice",
						v[k].host, vsl_proto_name(v[k].proto));
		k++;
	}
	*out = vsl_steal_ptr(&v);
	*n = k;
	return 0;
}

/* Units of vessel.net.rate, bits per second (SI, as tc(8) counts them). */
static const struct {
	const char *name;
	uint64_t mult;
} rate_units[] = {
	{ "tbit", 1000000000000ULL }, { "gbit", 1000000000ULL }, { "mbit", 1000000ULL },
	{ "kbit", 1000ULL },	      { "bit", 1ULL },
};

int vsl_net_rate_parse(const char *s, const char *what, uint64_t *bits, struct vsl_err *err)
{
	static const char *const fmt = "%s \"%s\": expected unlimited or a whole number with a "
				       "unit: bit, kbit, mbit, gbit, tbit (e.g. 500kbit, 10mbit)";
	size_t digits = s ? strspn(s, "0123456789") : 0;
	uint64_t v = 0;

	if (s && strcmp(s, "unlimited") == 0) {
		*bits = 0;
		return 0;
	}
	if (digits == 0 || digits > 15)
		return vsl_fail(err, EINVAL, fmt, what, s ? s : "");
	for (size_t i = 0; i < digits; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	for (size_t i = 0; i < sizeof(rate_units) / sizeof(rate_units[0]); i++) {
		if (strcasecmp(s + digits, rate_units[i].name) != 0)
			continue;
		if (v == 0) {
			*bits = 0;
			return 0;
		}
		if (v > VSL_NET_RATE_MAX / rate_units[i].mult || v * rate_units[i].mult <
		    VSL_NET_RATE_MIN)
			return vsl_fail(err, ERANGE, "%s \"%s\": out of range (8kbit to 100gbit, "
					"or unlimited)", what, s);
		*bits = v * rate_units[i].mult;
		return 0;
	}
	if (digits == strlen(s) && v == 0) {
		*bits = 0;
		return 0;
	}
	return vsl_fail(err, EINVAL, fmt, what, s);
}

const char *vsl_net_rate_format(uint64_t bits, char buf[VSL_NET_RATE_STRLEN])
{
	size_t i = 0;

	if (bits == 0) {
		snprintf(buf, VSL_NET_RATE_STRLEN, "unlimited");
		return buf;
	}
	while (bits % rate_units[i].mult != 0)
		i++;
	snprintf(buf, VSL_NET_RATE_STRLEN, "%llu%s", (unsigned long long)(bits / rate_units[i].mult),
		 rate_units[i].name);
	return buf;
}

/* FNV-1a, 64 bits: stable across runs and builds, which is all a derived name needs. */
static uint64_t fnv1a(const char *salt, const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const char *p = salt; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
	for (const char *p = s; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
	return h;
}

void vsl_net_veth_name(const char *id, char out[VSL_IFNAMSIZ])
{
	snprintf(out, VSL_IFNAMSIZ, "vsl%012llx",
		 (unsigned long long)(fnv1a("veth:", id) & 0xffffffffffffULL));
}

void vsl_net_ifb_name(const char *id, char out[VSL_IFNAMSIZ])
{
	snprintf(out, VSL_IFNAMSIZ, "vsr%012llx",
		 (unsigned long long)(fnv1a("veth:", id) & 0xffffffffffffULL));
}

void vsl_net_mac(const char *salt, const char *s, uint8_t out[6])
{
	uint64_t h = fnv1a(salt, s);

	out[0] = 0x02;		/* locally administered, unicast */
	for (int i = 1; i < 6; i++, h >>= 8)
		out[i] = (uint8_t)h;
}

void vsl_net_mac_from_ip4(const uint8_t ip4[4], uint8_t out[6])
{
	out[0] = 0x02;		/* locally administered, unicast */
	out[1] = 0x56;
	memcpy(out + 2, ip4, 4);
}
