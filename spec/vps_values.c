/* The values a VPS definition and the vps command line share: names, hostnames, CPU counts,
 * port forwards, rates, signal names. Pure; each error names the field or flag it is told. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "spec/vps.h"

static const char *const kind_names[] = {
	[VSL_VPS_INIT_SYSTEMD] = "systemd",
	[VSL_VPS_INIT_SYSVINIT] = "sysvinit",
	[VSL_VPS_INIT_BUSYBOX] = "busybox",
	[VSL_VPS_INIT_OTHER] = "other",
};

const char *vsl_vps_init_kind_name(enum vsl_vps_init_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "other";
}

int vsl_vps_init_kind_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(kind_names[i], s) == 0)
			return (int)i;
	return -1;
}

int vsl_vps_check_name(const char *name, const char *what, struct vsl_err *err)
{
	size_t n = strlen(name);

	if (n == 0 || n > VSL_VPS_NAME_MAX)
		return vsl_fail(err, EINVAL, "%s: \"%s\" must be 1-%d characters", what, name,
				VSL_VPS_NAME_MAX);
	if (!isalnum((unsigned char)name[0]))
		return vsl_fail(err, EINVAL, "%s: \"%s\" must start with a letter or digit", what,
				name);
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return vsl_fail(err, EINVAL, "%s: \"%s\": use letters, digits and ._-", what,
					name);
	return 0;
}

int vsl_vps_check_hostname(const char *h, const char *what, struct vsl_err *err)
{
	size_t n = strlen(h), label = 0;

	if (n == 0 || n > VSL_VPS_HOSTNAME_MAX)
		return vsl_fail(err, EINVAL, "%s: \"%s\" must be 1-%d characters", what, h,
				VSL_VPS_HOSTNAME_MAX);
	for (size_t i = 0; i <= n; i++) {
		char c = h[i];
		if (c == '.' || c == '\0') {
			if (label == 0 || h[i - 1] == '-')
				return vsl_fail(err, EINVAL, "%s: \"%s\" is not a valid host name "
						"(empty label, or one ending in '-')", what, h);
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '-')
			return vsl_fail(err, EINVAL, "%s: \"%s\" is not a valid host name (use "
					"letters, digits, '-' and '.')", what, h);
		if (label == 0 && c == '-')
			return vsl_fail(err, EINVAL, "%s: \"%s\": a label must not start with '-'",
					what, h);
		if (++label > 63)
			return vsl_fail(err, EINVAL, "%s: \"%s\": a label is longer than 63", what,
					h);
	}
	return 0;
}

int vsl_vps_parse_cpus(const char *s, const char *what, uint32_t *out, struct vsl_err *err)
{
	uint64_t whole = 0, frac = 0;
	int digits = 0, fdigits = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
		whole = whole * 10 + (uint64_t)(*p - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9' && fdigits < 4; p++, fdigits++)
			frac = frac * 10 + (uint64_t)(*p - '0');
	if (*p || (digits == 0 && fdigits == 0) || fdigits > 3)
		return vsl_fail(err, EINVAL, "%s: \"%s\" is not a CPU count (e.g. 2, 1.5, 0.25; "
				"at most three decimals)", what, s);
	for (; fdigits < 3; fdigits++)
		frac *= 10;
	whole = whole * 1000 + frac;
	if (whole == 0 || whole > 4096 * 1000)
		return vsl_fail(err, EINVAL, "%s: %s is out of range (more than 0, at most 4096)",
				what, s);
	*out = (uint32_t)whole;
	return 0;
}

const char *vsl_vps_cpus_str(uint32_t milli, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%u.%03u", milli / 1000, milli % 1000);

	/* 1.500 -> 1.5, 2.000 -> 2 */
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	return buf;
}

static int port_num(const char *s, size_t n, uint16_t *out)
{
	uint32_t v = 0;

	if (n == 0 || n > 5 || s[0] == '0')
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int vsl_vps_parse_port(const char *s, const char *what, struct vsl_vps_port *out,
		       struct vsl_err *err)
{
	const char *colon = strchr(s, ':'), *slash = strchr(s, '/');
	const char *end = slash ? slash : s + strlen(s);
	struct vsl_vps_port p = { 0 };

	if (!colon || colon > end || port_num(s, (size_t)(colon - s), &p.host) < 0 ||
	    port_num(colon + 1, (size_t)(end - colon - 1), &p.container) < 0)
		return vsl_fail(err, EINVAL, "%s: \"%s\" is not HOST:CONTAINER[/tcp|/udp] with "
				"ports 1-65535", what, s);
	if (slash && strcmp(slash, "/tcp") && strcmp(slash, "/udp"))
		return vsl_fail(err, EINVAL, "%s: \"%s\": protocol must be tcp or udp", what, s);
	p.udp = slash && strcmp(slash, "/udp") == 0;
	*out = p;
	return 0;
}

const char *vsl_vps_port_str(const struct vsl_vps_port *p, char *buf, size_t len)
{
	snprintf(buf, len, "%u:%u/%s", p->host, p->container, p->udp ? "udp" : "tcp");
	return buf;
}

int vsl_vps_parse_rate(const char *s, const char *what, char **out, struct vsl_err *err)
{
	static const char *const units[] = { "bit", "kbit", "mbit", "gbit", "tbit" };
	size_t digits = strspn(s, "0123456789");
	char unit[8];

	if (digits == 0 || digits > 12 || s[0] == '0' || strlen(s + digits) >= sizeof(unit))
		goto bad;
	for (size_t i = 0; s[digits + i]; i++)
		unit[i] = (char)tolower((unsigned char)s[digits + i]), unit[i + 1] = '\0';
	if (!s[digits])
		goto bad;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(unit, units[i]) == 0) {
			*out = xasprintf("%.*s%s", (int)digits, s, unit);
			return 0;
		}
bad:
	return vsl_fail(err, EINVAL, "%s: \"%s\" is not a rate (digits and bit, kbit, mbit, gbit "
			"or tbit, e.g. 100mbit)", what, s);
}

int vsl_vps_check_signal(const char *s, const char *what, struct vsl_err *err)
{
	size_t n = strlen(s);

	if (n < 4 || n > 16 || strncmp(s, "SIG", 3) != 0)
		goto bad;
	for (const char *p = s + 3; *p; p++)
		if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '+' &&
		    *p != '-')
			goto bad;
	return 0;
bad:
	return vsl_fail(err, EINVAL, "%s: \"%s\" is not a signal name (e.g. SIGTERM, SIGRTMIN+3)",
			what, s);
}
