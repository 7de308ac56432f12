/* The pure edits of a VPS's /etc (hosts, inittab) and the guess of its init. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "vps/bundle.h"

/* Does the whitespace-separated line name word as one of its fields? */
static bool has_field(const char *line, size_t len, const char *word)
{
	size_t wl = strlen(word), i = 0;

	while (i < len) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		size_t start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '#')
			i++;
		if (i - start == wl && strncmp(line + start, word, wl) == 0)
			return true;
		if (i < len && line[i] == '#')
			return false;
	}
	return false;
}

static bool starts_with_field(const char *line, size_t len, const char *word)
{
	size_t wl = strlen(word);

	return len > wl && strncmp(line, word, wl) == 0 && (line[wl] == ' ' || line[wl] == '\t');
}

char *vsl_vps_hosts_update(const char *old, const char *hostname)
{
	size_t cap = (old ? strlen(old) : 0) + strlen(hostname) + 160;
	char *out = xzalloc(cap);
	bool done = false;

	for (const char *p = old; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (!done && starts_with_field(p, len, "127.0.1.1")) {
			done = true;
			if (!has_field(p, len, hostname)) {
				snprintf(out + strlen(out), cap - strlen(out), "127.0.1.1\t%s\n",
					 hostname);
				p += len + (nl ? 1 : 0);
				continue;
			}
		}
		strncat(out, p, len);
		strcat(out, "\n");
		p += len + (nl ? 1 : 0);
	}
	if (!old || !*old)
		snprintf(out, cap, "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost "
				   "ip6-loopback\n");
	if (!done)
		snprintf(out + strlen(out), cap - strlen(out), "127.0.1.1\t%s\n", hostname);
	return out;
}

/* An inittab line "id:runlevels:action:process": is it a power entry that halts? */
static bool halts_on_power(const char *line, size_t len)
{
	char buf[512];
	char *f[4] = { 0 }, *s = buf;

	if (len >= sizeof(buf) || line[0] == '#')
		return false;
	memcpy(buf, line, len);
	buf[len] = '\0';
	for (int i = 0; i < 3; i++) {
		f[i] = s;
		s = strchr(s, ':');
		if (!s)
			return false;
		*s++ = '\0';
	}
	f[3] = s;
	if (strcmp(f[2], "powerfail") && strcmp(f[2], "powerwait"))
		return false;
	return strstr(f[3], "init 0") || strstr(f[3], "halt") || strstr(f[3], "poweroff") ||
	       (strstr(f[3], "shutdown") && strstr(f[3], "-h"));
}

char *vsl_vps_inittab_update(const char *old)
{
	const char *add = "p0::powerfail:/sbin/init 0\n";
	size_t n = old ? strlen(old) : 0;
	char *out;

	for (const char *p = old; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (halts_on_power(p, len))
			return xstrdup(old);
		p += len + (nl ? 1 : 0);
	}
	out = xzalloc(n + strlen(add) + 2);
	if (old)
		strcpy(out, old);
	if (n && old[n - 1] != '\n')
		strcat(out, "\n");
	strcat(out, add);
	return out;
}

static bool contains(const char *head, size_t n, const char *needle)
{
	return memmem(head, n, needle, strlen(needle)) != NULL;
}

enum vsl_vps_init_kind vsl_vps_init_guess(const char *name, const char *head, size_t n)
{
	if (strcmp(name, "systemd") == 0)
		return VSL_VPS_INIT_SYSTEMD;
	if (strcmp(name, "busybox") == 0 || contains(head, n, "BusyBox v"))
		return VSL_VPS_INIT_BUSYBOX;
	/* sysvinit's init says who it is in its usage and version strings */
	if (contains(head, n, "sysvinit") || contains(head, n, "INIT_VERSION"))
		return VSL_VPS_INIT_SYSVINIT;
	if (contains(head, n, "systemd"))
		return VSL_VPS_INIT_SYSTEMD;
	return VSL_VPS_INIT_OTHER;
}

const char *vsl_vps_halt_signal(enum vsl_vps_init_kind k)
{
	switch (k) {
	case VSL_VPS_INIT_SYSTEMD:
		return "SIGRTMIN+3";
	case VSL_VPS_INIT_BUSYBOX:
		return "SIGUSR1";
	case VSL_VPS_INIT_SYSVINIT:
		return "SIGPWR";
	default:
		return "SIGTERM";
	}
}
