/* vessel vps VERB: the verbs (cmd/vps*.c, each a struct vsl_cmd with parent "vps") and
 * what they share: the vps context from the global options and the environment, and the
 * limit options that create and set both take. */
#ifndef VSL_CMD_VPS_CMD_H
#define VSL_CMD_VPS_CMD_H

#include "cmd/cmd.h"
#include "vps/vps.h"

/* ctx plus VESSEL_LXCFS (default VSL_VPS_LXCFS_DEFAULT). */
struct vsl_vps_ctx vps_ctx(const struct vsl_ctx *ctx);

/* The limit options of create and set (keys VPS_OPT_FIRST..VPS_OPT_LAST) and their parser
 * into a set request. */
enum {
	VPS_OPT_FIRST = 400,
	VPS_OPT_MEMORY = VPS_OPT_FIRST, VPS_OPT_SWAP, VPS_OPT_CPUS, VPS_OPT_PIDS, VPS_OPT_DISK,
	VPS_OPT_IO_WEIGHT, VPS_OPT_IO_BPS, VPS_OPT_IO_IOPS, VPS_OPT_NET_RATE, VPS_OPT_HOSTNAME,
	VPS_OPT_STOP_TIMEOUT, VPS_OPT_HALT_SIGNAL, VPS_OPT_AUTOSTART,
	VPS_OPT_LAST = VPS_OPT_AUTOSTART,
};
extern const struct vsl_opt vps_limit_opts[];

/* One of those options into o; a bad value is one line naming the option (EINVAL). Strings
 * o keeps point into argv or into *owned (free with vsl_strv_free). */
int vps_parse_limit(int key, const char *arg, struct vsl_vps_set_opts *o, char ***owned,
		    struct vsl_err *err);

extern const struct vsl_cmd vps_create_cmd, vps_set_cmd, vps_start_cmd, vps_stop_cmd,
	vps_restart_cmd, vps_rm_cmd, vps_boot_cmd, vps_list_cmd, vps_show_cmd, vps_enter_cmd,
	vps_console_cmd, vps_stats_cmd;

#endif
