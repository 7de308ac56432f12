/* Rootless networking through pasta. pasta joins the container's user and network
 * namespaces by path, configures the tap device from the host's addresses and routes,
 * writes its pid file and forks into the background; it outlives the namespace, so
 * teardown stops it. The pid file sits in the state dir, so a vessel killed right after
 * starting pasta leaves what teardown needs; the process is signalled only while its
 * command line still names that file. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/rootless.h"
#include "runtime/usernet.h"
#include "runtime/userns.h"

#define PIDFILE "pasta.pid"

/* "8080:80/tcp" -> "-t", "8080:80"; 0 or -EINVAL. */
static int port_args(const char *spec, char ***argv)
{
	cleanup_free char *s = xstrdup(spec);
	char *proto = strchr(s, '/'), *colon;
	uint64_t host, cont;

	if (proto)
		*proto++ = '\0';
	colon = strchr(s, ':');
	if (!colon || (proto && strcmp(proto, "tcp") && strcmp(proto, "udp")))
		return -EINVAL;
	*colon = '\0';
	if (vsl_parse_u64(s, &host) < 0 || vsl_parse_u64(colon + 1, &cont) < 0 || host == 0 ||
	    cont == 0 || host > 65535 || cont > 65535)
		return -EINVAL;
	vsl_strv_push(argv, proto && !strcmp(proto, "udp") ? "-u" : "-t");
	cleanup_free char *pair = xasprintf("%u:%u", (unsigned)host, (unsigned)cont);
	vsl_strv_push(argv, pair);
	return 0;
}

char **vsl_usernet_pasta_argv(pid_t pid, const char *pidfile, const char *ports,
			      struct vsl_err *err)
{
	cleanup_strv char **argv = NULL;
	cleanup_free char *copy = xstrdup(ports), *net = NULL, *user = NULL;
	char *save = NULL;

	vsl_strv_push(&argv, "pasta");
	vsl_strv_push(&argv, "--config-net");
	vsl_strv_push(&argv, "--quiet");
	vsl_strv_push(&argv, "--pid");
	vsl_strv_push(&argv, pidfile);
	for (char *p = copy ? strtok_r(copy, ",", &save) : NULL; p; p = strtok_r(NULL, ",", &save))
		if (port_args(p, &argv) < 0) {
			vsl_refuse(err, EINVAL, "annotation vessel.net.ports: \"%s\": expected "
				   "HOST:CONTAINER[/tcp|/udp]", p);
			return NULL;
		}
	net = xasprintf("/proc/%d/ns/net", (int)pid);
	user = xasprintf("/proc/%d/ns/user", (int)pid);
	vsl_strv_push(&argv, "--netns");
	vsl_strv_push(&argv, net);
	vsl_strv_push(&argv, "--userns");
	vsl_strv_push(&argv, user);
	return vsl_steal_ptr(&argv);
}

int vsl_usernet_attach(struct vsl_container *c, const struct vsl_config *cfg, pid_t pid,
		       struct vsl_err *err)
{
	const char *mode = vsl_config_annotation(cfg, VSL_NET_ANN_USER);
	cleanup_free char *pidfile = NULL;
	cleanup_strv char **argv = NULL;
	int r;

	if (!mode || strcmp(mode, "none") == 0)
		return 0;
	if (strcmp(mode, "pasta") != 0)
		return vsl_refuse(err, EINVAL, "annotation %s: expected pasta or none, got \"%s\"",
				  VSL_NET_ANN_USER, mode);
	if (!vsl_ns_is_new(cfg, VSL_NS_NET) || !cfg->linux.namespaces[VSL_NS_USER].present)
		return vsl_refuse(err, EINVAL, "annotation %s: needs a new network namespace and "
				  "a user namespace (linux.namespaces)", VSL_NET_ANN_USER);
	pidfile = xasprintf("%s/%s", c->dir, PIDFILE);
	argv = vsl_usernet_pasta_argv(pid, pidfile, vsl_config_annotation(cfg, "vessel.net.ports"),
				      err);
	if (!argv)
		return -EINVAL;
	vsl_state_set(&c->state, VSL_USERNET_STATE_KEY, pidfile);
	r = vsl_store_save(c, err);
	if (r == 0)
		r = vsl_run_tool(argv, "annotation vessel.net.user", err);
	return r;
}

/* The pid in pidfile if that process is still the pasta started with it. */
static pid_t recorded_pasta(const char *pidfile)
{
	cleanup_free char *text = NULL, *cmdline = NULL, *path = NULL;
	struct vsl_err tmp;
	uint64_t pid;
	size_t len;

	if (vsl_read_file(pidfile, &text, NULL, &tmp) < 0)
		return -1;
	text[strcspn(text, "\n")] = '\0';
	if (vsl_parse_u64(text, &pid) < 0 || pid < 2 || pid > INT32_MAX)
		return -1;
	path = xasprintf("/proc/%d/cmdline", (int)pid);
	if (vsl_read_file(path, &cmdline, &len, &tmp) < 0)
		return -1;
	for (size_t i = 0; i < len; i += strlen(cmdline + i) + 1)
		if (strcmp(cmdline + i, pidfile) == 0)
			return (pid_t)pid;
	return -1;
}

int vsl_usernet_detach(struct vsl_container *c, struct vsl_err *err)
{
	const char *pidfile = vsl_state_get(&c->state, VSL_USERNET_STATE_KEY);
	pid_t pid;

	if (!pidfile)
		return 0;
	pid = recorded_pasta(pidfile);
	/* pasta is the user's own process, not our child: nothing to reap. */
	if (pid > 0 && kill(pid, SIGTERM) < 0 && errno != ESRCH)
		return vsl_fail(err, errno, "container %s: stop pasta (pid %d)", c->id, (int)pid);
	if (unlinkat(c->dirfd, PIDFILE, 0) < 0 && errno != ENOENT)
		return vsl_fail(err, errno, "container %s: remove %s", c->id, PIDFILE);
	return 0;
}
