/* vessel vps create NAME --template T [limits] [network] [settings] [--no-start] and
 * vessel vps set NAME [limits] [settings]. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/vps_cmd.h"
#include "common/cleanup.h"
#include "common/util.h"

enum { OPT_TEMPLATE = 't', OPT_NETWORK = 300, OPT_IP, OPT_PORT, OPT_INIT, OPT_NO_START };

static const struct vsl_opt create_opts[] = {
	{ "template", OPT_TEMPLATE, "T", "the template it starts from (required)" },
	{ "network", OPT_NETWORK, "NET", "the network it joins (default vessel0; none: only lo)" },
	{ "ip", OPT_IP, "ADDR", "auto (default: the lowest free one, kept) or ADDRESS/PREFIX" },
	{ "port", OPT_PORT, "HOST:CT[/PROTO]", "forward a host port to it (tcp or udp; repeat)" },
	{ "init", OPT_INIT, "PATH", "its init (default /sbin/init of the template)" },
	{ "autostart", VPS_OPT_AUTOSTART, NULL, "start it at `vps boot` (the host's startup)" },
	{ "no-start", OPT_NO_START, NULL, "only record it" },
	VSL_OPT_END,
};

static const struct vsl_opt set_opts[] = {
	{ "autostart", VPS_OPT_AUTOSTART, "BOOL", "true or false: start it at `vps boot`" },
	VSL_OPT_END,
};

/* What a create's limit options mean for the new definition. */
static void limits_into(const struct vsl_vps_set_opts *s, struct vsl_vps_def *d)
{
	struct vsl_vps_limits *l = &d->limits;

	l->memory = s->memory;
	l->has_swap = s->has_swap;
	l->swap = s->swap;
	l->cpus_milli = s->cpus_milli;
	l->pids = s->pids;
	l->disk = s->disk;
	l->io_weight = s->io_weight;
	l->io_bps = s->io_bps;
	l->io_iops = s->io_iops;
	l->net_rate = xstrdup(s->net_rate);
	d->autostart = s->autostart;
	d->hostname = xstrdup(s->hostname);
	d->stop_timeout = s->stop_timeout;
	d->halt_signal = xstrdup(s->halt_signal);
}

static int add_port(struct vsl_vps_def *d, const char *arg, struct vsl_err *err)
{
	struct vsl_vps_port p;

	if (d->net.n_ports == VSL_VPS_MAX_PORTS)
		return vsl_refuse(err, EINVAL, "--port: at most %d forwards", VSL_VPS_MAX_PORTS);
	if (vsl_vps_parse_port(arg, "--port", &p, err) < 0)
		return -EINVAL;
	d->net.ports = xrealloc(d->net.ports, (d->net.n_ports + 1) * sizeof(p));
	d->net.ports[d->net.n_ports++] = p;
	return 0;
}

/* The network part: vessel0 unless --network names another or none. */
static int network_into(struct vsl_vps_def *d, const char *network, const char *ip)
{
	if (network && !strcmp(network, "none")) {
		if (ip || d->net.n_ports)
			return vsl_cmd_usage_error(&vps_create_cmd,
						   "--ip and --port need a network, not --network none");
		return 0;
	}
	d->net.name = xstrdup(network ? network : "vessel0");
	d->net.address = xstrdup(ip ? ip : "auto");
	return 0;
}

/* 0, an exit code (usage), or -1 with err filled. */
static int parse_create(int argc, char **argv, struct vsl_vps_create_opts *o, char ***owned,
			struct vsl_err *err)
{
	struct vsl_vps_set_opts s = { 0 };
	const char *network = NULL, *ip = NULL, *v;
	struct vsl_args a;
	int k, r = 0;

	vsl_args_init(&a, &vps_create_cmd, argc, argv);
	while (r == 0 && (k = vsl_args_next(&a, &v)) > 0) {
		switch (k) {
		case OPT_TEMPLATE: free(o->def.template_name); o->def.template_name = xstrdup(v); break;
		case OPT_NETWORK: network = v; break;
		case OPT_IP: ip = v; break;
		case OPT_PORT: r = add_port(&o->def, v, err); break;
		case OPT_INIT: free(o->def.init); o->def.init = xstrdup(v); break;
		case OPT_NO_START: o->no_start = true; break;
		default: r = vps_parse_limit(k, v, &s, owned, err); break;
		}
	}
	if (r < 0)
		return -1;
	if (k < 0)
		return a.exit;
	if (a.argc != 1)
		return vsl_cmd_usage_error(&vps_create_cmd, "expected one VPS name");
	if (!o->def.template_name)
		return vsl_cmd_usage_error(&vps_create_cmd, "--template is required");
	o->def.name = xstrdup(a.argv[0]);
	limits_into(&s, &o->def);
	return network_into(&o->def, network, ip);
}

static int create_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_vps_ctx v = vps_ctx(ctx);
	struct vsl_vps_create_opts o = { 0 };
	cleanup_strv char **owned = NULL;
	struct vsl_vps_info info;
	struct vsl_err err;
	int r;

	r = parse_create(argc, argv, &o, &owned, &err);
	if (r == 0 && vsl_vps_create(&v, &o, &err) < 0)
		r = -1;
	if (r < 0)
		r = vsl_cmd_fail(ctx, &err);
	else if (r == 0 && vsl_vps_info_get(&v, o.def.name, &info, &err) == 0) {
		const char *addr = info.addr4 ? info.addr4 : info.def.net.address;
		printf("%s: %s%s%s\n", o.def.name, o.no_start ? "created" : "running",
		       addr ? ", address " : "", addr ? addr : "");
		vsl_vps_info_clear(&info);
	}
	vsl_vps_def_clear(&o.def);
	return r;
}

static int set_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	struct vsl_vps_ctx v = vps_ctx(ctx);
	struct vsl_vps_set_opts s = { 0 };
	cleanup_strv char **owned = NULL;
	cleanup_free char *live = NULL;
	struct vsl_args a;
	struct vsl_err err;
	const char *val;
	int k, n = 0;

	vsl_args_init(&a, &vps_set_cmd, argc, argv);
	while ((k = vsl_args_next(&a, &val)) > 0) {
		if (vps_parse_limit(k, val, &s, &owned, &err) < 0)
			return vsl_cmd_fail(ctx, &err);
		n++;
	}
	if (k < 0)
		return a.exit;
	if (a.argc != 1)
		return vsl_cmd_usage_error(&vps_set_cmd, "expected one VPS name");
	if (n == 0)
		return vsl_cmd_usage_error(&vps_set_cmd, "nothing to change");
	if (vsl_vps_set(&v, a.argv[0], &s, &live, &err) < 0)
		return vsl_cmd_fail(ctx, &err);
	printf("%s: saved%s%s%s\n", a.argv[0], *live ? " (live now: " : "", live, *live ? ")" : "");
	return 0;
}

const struct vsl_cmd vps_create_cmd = {
	.name = "create",
	.parent = "vps",
	.run = create_run,
	.summary = "define a VPS from a template and start it",
	.args = "NAME --template T",
	.details = "One command to a running system container: the template's init as PID 1 "
		   "(systemd, sysvinit\nor busybox, found in the template, or --init) on a "
		   "console, its host name in its own\n/etc/hostname and /etc/hosts, "
		   "container=vessel, LXC's capabilities, its own cgroup tree,\nthe limits, a kept "
		   "disk, an address that stays its own. An unknown template or init, a\nname, "
		   "address or port in use, an address outside the network, a limit the kernel "
		   "refuses:\none line, and nothing is left.",
	.opts = create_opts,
	.more_opts = vps_limit_opts,
};

const struct vsl_cmd vps_set_cmd = {
	.name = "set",
	.parent = "vps",
	.run = set_run,
	.summary = "change a VPS's limits (live when it runs) and settings",
	.args = "NAME",
	.details = "Limits change at once on a running VPS and for every later start; 0 or none "
		   "removes one.\nWhat the kernel or the store cannot change live is refused in one "
		   "line and nothing changes.\n--hostname takes effect at the next start.",
	.opts = set_opts,
	.more_opts = vps_limit_opts,
};
