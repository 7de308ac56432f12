/* struct vsl_vps_def -> vps.json, the checks across fields, copy and clear. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "common/cleanup.h"
#include "common/json_gen.h"
#include "common/util.h"
#include "spec/vps.h"

static void gen_limits(yajl_gen g, const struct vsl_vps_limits *l)
{
	char cpus[16];

	vsl_jgen_map_open(g, "limits");
	if (l->memory)
		vsl_jgen_uint(g, "memory", l->memory);
	if (l->has_swap)
		vsl_jgen_uint(g, "swap", l->swap);
	if (l->cpus_milli) {
		vsl_vps_cpus_str(l->cpus_milli, cpus, sizeof(cpus));
		vsl_jgen_key(g, "cpus");
		yajl_gen_number(g, cpus, strlen(cpus));
	}
	if (l->pids)
		vsl_jgen_uint(g, "pids", l->pids);
	if (l->disk)
		vsl_jgen_uint(g, "disk", l->disk);
	if (l->io_weight)
		vsl_jgen_uint(g, "ioWeight", l->io_weight);
	if (l->io_bps)
		vsl_jgen_uint(g, "ioBps", l->io_bps);
	if (l->io_iops)
		vsl_jgen_uint(g, "ioIops", l->io_iops);
	vsl_jgen_str(g, "netRate", l->net_rate);
	vsl_jgen_map_close(g);
}

static void gen_net(yajl_gen g, const struct vsl_vps_net *n)
{
	char buf[32];

	if (!n->name)
		return;
	vsl_jgen_map_open(g, "network");
	vsl_jgen_str(g, "name", n->name);
	vsl_jgen_str(g, "address", n->address);
	vsl_jgen_arr_open(g, "ports");
	for (size_t i = 0; i < n->n_ports; i++)
		vsl_jgen_str(g, NULL, vsl_vps_port_str(&n->ports[i], buf, sizeof(buf)));
	vsl_jgen_arr_close(g);
	vsl_jgen_map_close(g);
}

char *vsl_vps_def_to_json(const struct vsl_vps_def *d)
{
	yajl_gen g = vsl_jgen_new(true);

	vsl_jgen_map_open(g, NULL);
	vsl_jgen_uint(g, "vpsVersion", VSL_VPS_VERSION);
	vsl_jgen_str(g, "name", d->name);
	vsl_jgen_str(g, "created", d->created);
	vsl_jgen_str(g, "uuid", d->uuid);
	vsl_jgen_map_open(g, "template");
	vsl_jgen_str(g, "name", d->template_name);
	vsl_jgen_str(g, "digest", d->template_digest);
	vsl_jgen_map_close(g);
	vsl_jgen_str(g, "hostname", d->hostname);
	vsl_jgen_map_open(g, "init");
	vsl_jgen_str(g, "path", d->init);
	vsl_jgen_str(g, "kind", vsl_vps_init_kind_name(d->init_kind));
	vsl_jgen_str(g, "haltSignal", d->halt_signal);
	vsl_jgen_map_close(g);
	vsl_jgen_uint(g, "stopTimeout", d->stop_timeout);
	vsl_jgen_bool(g, "autostart", d->autostart);
	gen_limits(g, &d->limits);
	gen_net(g, &d->net);
	if (d->idmap.size) {
		vsl_jgen_map_open(g, "idmap");
		vsl_jgen_uint(g, "hostUid", d->idmap.host_uid);
		vsl_jgen_uint(g, "hostGid", d->idmap.host_gid);
		vsl_jgen_uint(g, "size", d->idmap.size);
		vsl_jgen_map_close(g);
	}
	vsl_jgen_map_close(g);
	return vsl_jgen_finish(g);
}

/* A network name as the kernel takes an interface name: 1-15 of [A-Za-z0-9_.-]. */
static int check_netname(const char *s, const char *what, struct vsl_err *err)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n)
		return vsl_fail(err, EINVAL, "%s: network.name: \"%s\" is not a network name (1-15 "
				"of letters, digits and _.-)", what, s);
	return 0;
}

static int check_net(const struct vsl_vps_net *n, const char *what, struct vsl_err *err)
{
	if (!n->name)
		return n->n_ports ? vsl_fail(err, EINVAL, "%s: network.ports: forwards need a "
					     "network", what) : 0;
	if (check_netname(n->name, what, err) < 0)
		return -EINVAL;
	if (!n->address || (strcmp(n->address, "auto") != 0 && !strchr(n->address, '/')))
		return vsl_fail(err, EINVAL, "%s: network.address: \"%s\" is not auto or "
				"ADDRESS/PREFIX", what, n->address ? n->address : "");
	for (size_t i = 0; i < n->n_ports; i++)
		for (size_t j = 0; j < i; j++)
			if (n->ports[i].host == n->ports[j].host && n->ports[i].udp == n->ports[j].udp)
				return vsl_fail(err, EINVAL, "%s: network.ports[%zu]: host port %u/%s "
						"is forwarded twice", what, i, n->ports[i].host,
						n->ports[i].udp ? "udp" : "tcp");
	return 0;
}

static int check_limits(const struct vsl_vps_limits *l, const char *what, struct vsl_err *err)
{
	if (l->has_swap && !l->memory)
		return vsl_fail(err, EINVAL, "%s: limits.swap: needs a memory limit", what);
	if (l->io_weight && (l->io_weight < 10 || l->io_weight > 1000))
		return vsl_fail(err, EINVAL, "%s: limits.ioWeight: %u is out of range (10..1000)",
				what, l->io_weight);
	return 0;
}

int vsl_vps_def_check(const struct vsl_vps_def *d, const char *what, struct vsl_err *err)
{
	char w[256];

	snprintf(w, sizeof(w), "%s: name", what);
	if (!d->name || vsl_vps_check_name(d->name, w, err) < 0)
		return d->name ? -EINVAL : vsl_fail(err, EINVAL, "%s: required", w);
	snprintf(w, sizeof(w), "%s: template.name", what);
	if (!d->template_name || vsl_vps_check_name(d->template_name, w, err) < 0)
		return d->template_name ? -EINVAL : vsl_fail(err, EINVAL, "%s: required", w);
	snprintf(w, sizeof(w), "%s: hostname", what);
	if (!d->hostname || vsl_vps_check_hostname(d->hostname, w, err) < 0)
		return d->hostname ? -EINVAL : vsl_fail(err, EINVAL, "%s: required", w);
	if (!d->init || d->init[0] != '/')
		return vsl_fail(err, EINVAL, "%s: init.path: \"%s\" is not an absolute path", what,
				d->init ? d->init : "");
	snprintf(w, sizeof(w), "%s: init.haltSignal", what);
	if (!d->halt_signal || vsl_vps_check_signal(d->halt_signal, w, err) < 0)
		return d->halt_signal ? -EINVAL : vsl_fail(err, EINVAL, "%s: required", w);
	if (d->stop_timeout < 1 || d->stop_timeout > VSL_VPS_STOP_TIMEOUT_MAX)
		return vsl_fail(err, EINVAL, "%s: stopTimeout: %u is out of range (1..%d)", what,
				d->stop_timeout, VSL_VPS_STOP_TIMEOUT_MAX);
	if (d->idmap.size && (uint64_t)d->idmap.host_uid + d->idmap.size > UINT32_MAX)
		return vsl_fail(err, EINVAL, "%s: idmap: range %u+%u passes the last id", what,
				d->idmap.host_uid, d->idmap.size);
	if (check_limits(&d->limits, what, err) < 0 || check_net(&d->net, what, err) < 0)
		return -EINVAL;
	return 0;
}

void vsl_vps_def_clear(struct vsl_vps_def *d)
{
	free(d->name);
	free(d->created);
	free(d->uuid);
	free(d->template_name);
	free(d->template_digest);
	free(d->hostname);
	free(d->init);
	free(d->halt_signal);
	free(d->limits.net_rate);
	free(d->net.name);
	free(d->net.address);
	free(d->net.ports);
	memset(d, 0, sizeof(*d));
}

void vsl_vps_def_copy(struct vsl_vps_def *dst, const struct vsl_vps_def *src)
{
	*dst = *src;
	dst->name = xstrdup(src->name);
	dst->created = xstrdup(src->created);
	dst->uuid = xstrdup(src->uuid);
	dst->template_name = xstrdup(src->template_name);
	dst->template_digest = xstrdup(src->template_digest);
	dst->hostname = xstrdup(src->hostname);
	dst->init = xstrdup(src->init);
	dst->halt_signal = xstrdup(src->halt_signal);
	dst->limits.net_rate = xstrdup(src->limits.net_rate);
	dst->net.name = xstrdup(src->net.name);
	dst->net.address = xstrdup(src->net.address);
	dst->net.ports = NULL;
	if (src->net.n_ports) {
		size_t bytes = src->net.n_ports * sizeof(*src->net.ports);
		dst->net.ports = xmalloc(bytes);
		memcpy(dst->net.ports, src->net.ports, bytes);
	}
}
