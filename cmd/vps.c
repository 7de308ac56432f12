/* vessel vps VERB ...: the VPS front door (vps/vps.h, docs/vps.md). The verb list, the
 * context, and the parsing of the limit options create and set share. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/vps_cmd.h"
#include "common/util.h"

struct vsl_vps_ctx vps_ctx(const struct vsl_ctx *ctx)
{
	const char *lxcfs = getenv("VESSEL_LXCFS");

	return (struct vsl_vps_ctx){ .ctx = ctx,
				     .lxcfs = lxcfs && *lxcfs ? lxcfs : VSL_VPS_LXCFS_DEFAULT };
}

const struct vsl_opt vps_limit_opts[] = {
	{ "memory", VPS_OPT_MEMORY, "SIZE", "memory limit (512M, 2G; none removes it)" },
	{ "swap", VPS_OPT_SWAP, "SIZE", "swap on top of the memory limit" },
	{ "cpus", VPS_OPT_CPUS, "N", "CPU time in CPUs, e.g. 1.5 (at most three decimals)" },
	{ "pids", VPS_OPT_PIDS, "N", "processes and threads" },
	{ "disk", VPS_OPT_DISK, "SIZE", "the size of its private layer (its disk)" },
	{ "io-weight", VPS_OPT_IO_WEIGHT, "N", "block I/O weight, 10-1000" },
	{ "io-bps", VPS_OPT_IO_BPS, "SIZE/s", "read and write bytes/s on the store's device" },
	{ "io-iops", VPS_OPT_IO_IOPS, "N", "read and write operations/s on the store's device" },
	{ "net-rate", VPS_OPT_NET_RATE, "RATE", "network rate both ways, e.g. 100mbit" },
	{ "hostname", VPS_OPT_HOSTNAME, "H", "its host name (default its name)" },
	{ "stop-timeout", VPS_OPT_STOP_TIMEOUT, "S", "seconds stop waits for the init (default 30)" },
	{ "halt-signal", VPS_OPT_HALT_SIGNAL, "SIG", "the signal that halts its init (default: "
						     "the init's own)" },
	VSL_OPT_END,
};

static int size_arg(const char *flag, const char *arg, uint64_t *out, struct vsl_err *err)
{
	size_t n = strlen(arg);
	char buf[64];

	if (!strcmp(arg, "none") || !strcmp(arg, "0")) {
		*out = 0;
		return 0;
	}
	/* "10M/s" for rates */
	snprintf(buf, sizeof(buf), "%.*s", (int)(n > 2 && !strcmp(arg + n - 2, "/s") ? n - 2 : n),
		 arg);
	if (vsl_parse_size(buf, out) < 0 || *out > INT64_MAX)
		return vsl_refuse(err, EINVAL, "%s: \"%s\" is not a size (e.g. 512M, 10G, none)",
				  flag, arg);
	return 0;
}

static int count_arg(const char *flag, const char *arg, uint64_t max, uint64_t *out,
		     struct vsl_err *err)
{
	if (!strcmp(arg, "none")) {
		*out = 0;
		return 0;
	}
	if (vsl_parse_u64(arg, out) < 0 || *out > max)
		return vsl_refuse(err, EINVAL, "%s: \"%s\" is not a number up to %llu (or none)", flag,
				  arg, (unsigned long long)max);
	return 0;
}

static int bool_arg(const char *flag, const char *arg, bool *out, struct vsl_err *err)
{
	if (!arg || !strcmp(arg, "true") || !strcmp(arg, "yes") || !strcmp(arg, "on"))
		*out = true;
	else if (!strcmp(arg, "false") || !strcmp(arg, "no") || !strcmp(arg, "off"))
		*out = false;
	else
		return vsl_refuse(err, EINVAL, "%s: \"%s\" is not true or false", flag, arg);
	return 0;
}

static int rate_arg(const char *arg, struct vsl_vps_set_opts *o, char ***owned,
		    struct vsl_err *err)
{
	char *s = NULL;

	o->has_net_rate = true;
	o->net_rate = NULL;
	if (!strcmp(arg, "none"))
		return 0;
	if (vsl_vps_parse_rate(arg, "--net-rate", &s, err) < 0)
		return -EINVAL;
	vsl_strv_push(owned, s);
	free(s);
	o->net_rate = (*owned)[vsl_strv_len(*owned) - 1];
	return 0;
}

static int weight_arg(const char *arg, struct vsl_vps_set_opts *o, struct vsl_err *err)
{
	uint64_t n = 0;

	o->has_io_weight = true;
	if (count_arg("--io-weight", arg, 1000, &n, err) < 0)
		return -EINVAL;
	if (n && n < 10)
		return vsl_refuse(err, EINVAL, "--io-weight: %s is out of range (10..1000)", arg);
	o->io_weight = (uint16_t)n;
	return 0;
}

static int timeout_arg(const char *arg, struct vsl_vps_set_opts *o, struct vsl_err *err)
{
	uint64_t n = 0;

	o->has_stop_timeout = true;
	if (count_arg("--stop-timeout", arg, VSL_VPS_STOP_TIMEOUT_MAX, &n, err) < 0)
		return -EINVAL;
	if (n == 0)
		return vsl_refuse(err, EINVAL, "--stop-timeout: give at least 1 second");
	o->stop_timeout = (uint32_t)n;
	return 0;
}

int vps_parse_limit(int key, const char *arg, struct vsl_vps_set_opts *o, char ***owned,
		    struct vsl_err *err)
{
	switch (key) {
	case VPS_OPT_MEMORY: o->has_memory = true; return size_arg("--memory", arg, &o->memory, err);
	case VPS_OPT_SWAP: o->has_swap = true; return size_arg("--swap", arg, &o->swap, err);
	case VPS_OPT_DISK: o->has_disk = true; return size_arg("--disk", arg, &o->disk, err);
	case VPS_OPT_IO_BPS: o->has_io_bps = true; return size_arg("--io-bps", arg, &o->io_bps, err);
	case VPS_OPT_PIDS:
		o->has_pids = true;
		return count_arg("--pids", arg, INT64_MAX, &o->pids, err);
	case VPS_OPT_IO_IOPS:
		o->has_io_iops = true;
		return count_arg("--io-iops", arg, INT64_MAX, &o->io_iops, err);
	case VPS_OPT_IO_WEIGHT: return weight_arg(arg, o, err);
	case VPS_OPT_CPUS:
		o->has_cpus = true;
		o->cpus_milli = 0;
		if (!strcmp(arg, "none") || !strcmp(arg, "0"))
			return 0;
		return vsl_vps_parse_cpus(arg, "--cpus", &o->cpus_milli, err);
	case VPS_OPT_NET_RATE: return rate_arg(arg, o, owned, err);
	case VPS_OPT_AUTOSTART: o->has_autostart = true; return bool_arg("--autostart", arg, &o->autostart, err);
	case VPS_OPT_HOSTNAME:
		o->hostname = arg;
		o->has_hostname = true;
		return vsl_vps_check_hostname(arg, "--hostname", err);
	case VPS_OPT_STOP_TIMEOUT: return timeout_arg(arg, o, err);
	case VPS_OPT_HALT_SIGNAL:
		o->halt_signal = arg;
		o->has_halt_signal = true;
		return vsl_vps_check_signal(arg, "--halt-signal", err);
	default:
		return vsl_refuse(err, EINVAL, "unknown option");
	}
}

static const struct vsl_cmd *const verbs[] = {
	&vps_create_cmd, &vps_start_cmd, &vps_stop_cmd, &vps_restart_cmd, &vps_rm_cmd,
	&vps_list_cmd, &vps_show_cmd, &vps_set_cmd, &vps_enter_cmd, &vps_console_cmd,
	&vps_stats_cmd, &vps_boot_cmd, NULL,
};

static int vps_run(struct vsl_ctx *ctx, int argc, char **argv)
{
	return vsl_cmd_run_verb(ctx, &vsl_cmd_vps, argc, argv);
}

const struct vsl_cmd vsl_cmd_vps = {
	.name = "vps",
	.run = vps_run,
	.summary = "VPSes: system containers that boot their template's own init",
	.details = "A VPS is a definition in the store (<store>/vps/NAME) turned at each start "
		   "into an ordinary\ncontainer whose id is NAME: its template's init as PID 1 on "
		   "a console, limits, a kept disk\nand address. A small keeper process per running "
		   "VPS holds its console. docs/vps.md tells\nthe whole story. VESSEL_LXCFS names "
		   "the lxcfs mount point (default " VSL_VPS_LXCFS_DEFAULT ").",
	.verbs = verbs,
	.flags = VSL_CMD_ENTERS_CONTAINER,
};
