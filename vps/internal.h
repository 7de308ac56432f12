/* What the files of vps/ share; not for use outside the folder. */
#ifndef VSL_VPS_INTERNAL_H
#define VSL_VPS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "netns/net.h"
#include "vps/bundle.h"
#include "vps/vps.h"

/* <store>/vps/<name>[/<file>] (malloc'd; file may be NULL). */
char *vps_path(const char *store, const char *name, const char *file);

/* defstore.c: definitions on disk. */
/* Lock VPS name (flock on its directory) for the whole command and return the fd. wait
 * false: EWOULDBLOCK when another command holds it. ENOENT: "VPS name does not exist". */
int vps_lock(const char *store, const char *name, bool wait, struct vsl_err *err);
/* The lock of <store>/vps itself: held while names, addresses and ports are reserved. */
int vps_lock_all(const char *store, struct vsl_err *err);
int vps_def_load(const char *store, const char *name, struct vsl_vps_def *out,
		 struct vsl_err *err);
/* Written to vps.json.tmp, fsync'd and renamed: it must survive a power cut. */
int vps_def_save(const char *store, const struct vsl_vps_def *d, struct vsl_err *err);
/* The names of every VPS directory, sorted (malloc'd vector). */
int vps_names(const char *store, char ***out, struct vsl_err *err);

/* reserve.c: what a definition holds while it exists, running or not (the address and host
 * ports of a stopped VPS are not free for another VPS): <store>/vps/.reserved/addr-A and
 * port-PROTO-N, each naming its VPS. Call with vps_lock_all held. */
int vps_reserve(const char *store, const struct vsl_vps_def *d, struct vsl_err *err);
void vps_release(const char *store, const struct vsl_vps_def *d);
/* Every reservation naming name: for a VPS whose definition cannot be read (a create
 * killed before it was written). A scan, on that path only. */
void vps_release_named(const char *store, const char *name);
/* The definition's address checked against its network (inside the subnet, not the
 * gateway, not leased or reserved to another) or, for "auto", the lowest free one.
 * *out is "ADDRESS/PREFIX", or "auto" when the network has no record yet (the default
 * network is recorded at its first use: the first start picks then). */
int vps_pick_address(const char *store, const struct vsl_vps_def *d, char **out,
		     struct vsl_err *err);

/* A definition's --net-rate (NULL: none) in bits per second, checked against what netns
 * can hold (8kbit to 100gbit) and against the VPS having a network. */
int vps_net_rate_bits(const struct vsl_vps_def *d, uint64_t *bits, struct vsl_err *err);

/* host.c: facts of the host. */
int vps_host_caps(char ***out, struct vsl_err *err);
bool vps_lxcfs_usable(const char *dir, bool *has_cpu);

/* prepare.c: the bundle and the VPS's own files. */
/* <store>/vps/<name>/bundle/config.json from the definition and the host's facts. */
int vps_bundle_write(const struct vsl_vps_ctx *v, const struct vsl_vps_def *d,
		     struct vsl_err *err);
/* runtime's prepare_rootfs hook (arg: the definition): /etc/hostname, /etc/hosts and, for
 * sysvinit, the inittab's powerfail entry, in the VPS's own layer. */
int vps_prepare_rootfs(void *arg, const char *rootfs, struct vsl_err *err);
/* Which init the template (or its parents) has at path; ENOENT names the template. */
int vps_detect_init(const char *store, const char *tpl, const char *path,
		    enum vsl_vps_init_kind *out, struct vsl_err *err);

/* The console protocol on console.sock. From the client, frames: a type byte, a 16-bit
 * little-endian length, the payload: 'd' bytes for the console, 'w' the window size (rows,
 * columns: two 16-bit little-endian numbers). To the client: the console's bytes as they
 * come. Only root may connect (SO_PEERCRED). */
#define VPS_FRAME_DATA 'd'
#define VPS_FRAME_WINSIZE 'w'
#define VPS_FRAME_MAX 4096
#define VPS_CONSOLE_LOG "console.log"

/* keeper.c: start the VPS's keeper, which creates and starts the container and reports
 * back; returns once it did (or failed: nothing left then). The keeper keeps its copy of
 * the VPS's lock (lock) until then. */
int vps_keeper_spawn(const struct vsl_vps_ctx *v, const struct vsl_vps_def *d, int lock,
		     struct vsl_err *err);

/* lifecycle.c */
/* The container of the VPS: exists (a state directory), alive (its init runs). */
struct vps_run {
	bool exists, alive;
	bool ours;		/* made by this VPS (annotation vessel.vps) */
	enum vsl_status status;
	pid_t pid;
	uint64_t start_time;
	pid_t keeper;
	uint64_t keeper_start;
};
void vps_run_get(const struct vsl_ctx *ctx, const char *name, struct vps_run *out);
/* Start with the VPS lock held (lock: its fd, which the keeper holds too until the container
 * runs, so that a caller killed meanwhile does not free the VPS half-started). */
int vps_start_locked(const struct vsl_vps_ctx *v, struct vsl_vps_def *d, int lock,
		     struct vsl_err *err);
/* Remove a container that is no longer alive, or what a reboot left of one whose state is
 * gone (lease, port rules, empty cgroup, overlay mount). Idempotent. */
int vps_clean_stale(const struct vsl_vps_ctx *v, const struct vsl_vps_def *d,
		    struct vsl_err *err);
/* Delete the container (force); "does not exist" is success. */
int vps_container_down(const struct vsl_ctx *ctx, const char *name, struct vsl_err *err);

#endif
