/* Checkpoint and restore with CRIU (criu(8), Debian's criu package). CRIU does the
 * process work (memory, files, sockets, namespaces, mounts inside the container); vessel
 * does the container work around it: the state dir, the layered rootfs, the cgroup and
 * the network, as create and delete do them. vessel runs CRIU's command line (not its RPC
 * service): see docs/checkpoint.md for why, for what an image directory holds and for
 * what survives.
 *
 * A checkpoint without --leave-running or --pre-dump ends the container as runc's does:
 * CRIU kills its processes, and vessel tears down its cgroup, network and state dir, but
 * keeps its private layer (restore mounts it again). restore is a create from the bundle
 * whose process comes from the image instead of from process.args. */
#ifndef VSL_RUNTIME_CHECKPOINT_H
#define VSL_RUNTIME_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"
#include "runtime/container.h"
#include "runtime/ctx.h"

/* What checkpoint and restore share (runc's flags of both). */
struct vsl_cr_opts {
	const char *image_path;	/* the image directory; NULL: "checkpoint" */
	const char *work_path;	/* logs and work files; NULL: the image directory */
	bool tcp_established;	/* established TCP connections */
	bool ext_unix_sk;	/* unix sockets connected to the outside */
	bool shell_job;		/* a session/terminal that is not the container's own */
	bool file_locks;
	bool auto_dedup;
	bool lazy_pages;
	bool empty_ns_net;	/* --empty-ns network: the netns but not its contents */
	const char *manage_cgroups_mode; /* soft (NULL), full, strict, ignore */
};

struct vsl_checkpoint_opts {
	struct vsl_cr_opts cr;
	const char *id;
	const char *parent_path;  /* the previous (pre-)dump, relative to the image dir */
	bool leave_running;
	bool pre_dump;		  /* memory only, the container keeps running */
	const char *page_server;  /* ADDRESS:PORT of a page server (lazy or remote pages) */
	int status_fd;		  /* -1, or an fd CRIU writes \0 to once lazy pages are served */
};

/* An image directory, checked and read before anything is made (restore.c). */
struct vsl_restore_image {
	char *images, *work;		/* absolute */
	char *fds[3];			/* descriptors.json, or NULL */
	char *addr4;			/* vessel.json's net.addr4, or NULL */
	char **cg_mounts;		/* vessel.json's cgroupMounts, or NULL */
	char **stdio;			/* vessel.json's stdio: CRIU's keys of fds 0-2 that
					 * were files outside the container ("" for others) */
};

struct vsl_restore_opts {
	struct vsl_cr_opts cr;
	const struct vsl_restore_image *image;	/* filled by vsl_container_restore */
	struct vsl_create_opts create;	/* id, bundle, pid file, console socket, no_pivot */
	bool detach;			/* -d: return once restored */
	bool no_subreaper;
};

/* Dump container o->id into the image directory (made if missing, mode 0700). On failure
 * the container is left running and unchanged, and err holds CRIU's reason from its log. */
int vsl_container_checkpoint(const struct vsl_ctx *ctx, const struct vsl_checkpoint_opts *o,
			     struct vsl_err *err);
/* Restore a container from o->cr.image_path and o->create.bundle. Without detach, wait in
 * the foreground, forward signals, delete it when its process ends; *exit_code is then its
 * status. On failure nothing is left (the private layer it found stays). */
int vsl_container_restore(const struct vsl_ctx *ctx, const struct vsl_restore_opts *o,
			  int *exit_code, struct vsl_err *err);

/* Is checkpoint/restore usable here: criu runs and `criu check` passes? (features) */
bool vsl_checkpoint_supported(const struct vsl_ctx *ctx);

/* The restore step of create (runtime/create.c calls it in place of the spawn when
 * vsl_create_opts.restore is set): the container's store entry, cgroup and rootfs exist;
 * run CRIU and return the restored process' host pid. attach_net puts the container's
 * network into the namespace of pid (create's step, with the recorded address). */
struct vsl_restore_step {
	const struct vsl_ctx *ctx;
	const struct vsl_restore_opts *o;
	const struct vsl_config *cfg;
	struct vsl_container *c;
	const struct vsl_cgroup *cg;
	void *arg;
	int (*attach_net)(void *arg, pid_t pid, struct vsl_err *err);
};
int vsl_restore_step(const struct vsl_restore_step *s, pid_t *out_pid, struct vsl_err *err);

/* CRIU's command lines (checkpoint_argv.c, pure). */
enum vsl_criu_action { VSL_CRIU_DUMP, VSL_CRIU_PRE_DUMP, VSL_CRIU_RESTORE };

struct vsl_criu_req {
	enum vsl_criu_action action;
	const struct vsl_cr_opts *cr;
	const char *images_dir;	/* absolute */
	const char *work_dir;	/* absolute */
	const char *root;	/* the container's root (dump) or its bind for CRIU (restore) */
	pid_t pid;		/* dump: the container process */
	const char *parent_path;
	bool leave_running;
	const char *page_server;
	int status_fd;		/* -1: none */
	const char *pidfile;	/* restore: where CRIU writes the restored pid */
	const char *cgroup_root; /* restore: the container's cgroup dir, or NULL */
	char *const *externals;	/* "mnt[/etc/hosts]:/etc/hosts", "net[4026532]:extRootNetNS" */
	char *const *inherit_fds; /* "fd[3]:extRootNetNS", "fd[1]:pipe:[1234]" */
};

/* The log file CRIU writes in the work dir for this action. */
const char *vsl_criu_log_name(enum vsl_criu_action a);
/* argv for execvp (argv[0] = criu; malloc'd vector, free with vsl_strv_free), or NULL with
 * EINVAL naming the option: a bad --manage-cgroups-mode or --page-server. */
char **vsl_criu_argv(const char *criu, const struct vsl_criu_req *req, struct vsl_err *err);
/* The bind mounts of cfg as CRIU's external mounts (NULL-terminated, malloc'd; NULL if
 * none): for a dump (bundle NULL) "mnt[DEST]:DEST", the destination being the key; for a
 * restore "mnt[DEST]:SOURCE", the host source (relative ones taken in bundle), as runc. */
char **vsl_criu_mount_externals(const struct vsl_config *cfg, const char *bundle);
/* Is m a bind mount (type "bind", or a bind/rbind option)? */
bool vsl_criu_is_bind(const struct vsl_mount *m);
/* Is path at or below the mount point of a tmpfs among cfg's first n_before mounts?
 * CRIU restores a tmpfs whole, with what was made in it. Pure. */
bool vsl_criu_under_tmpfs(const struct vsl_config *cfg, size_t n_before, const char *path);
/* Make the mount points of cfg's mounts in rootfs (resolved in it), unless a tmpfs
 * mounted before covers them: files for binds of files, else directories. */
int vsl_restore_mountpoints(const struct vsl_config *cfg, const char *rootfs,
			    const char *bundle, struct vsl_err *err);
/* The mount points (NULL-terminated, malloc'd; NULL if none) of the cgroup and cgroup2
 * mounts in mountinfo (the container's /proc/PID/mountinfo) whose root is not "/": binds
 * of the container's cgroup directory, external for CRIU. */
char **vsl_criu_cgroup_mounts(const char *mountinfo);
/* The host directory to bind at such a mount point on restore: /sys/fs/cgroup, the part
 * of mountpoint below cg_dest (config.json's cgroup mount: "/cpu,cpuacct" on v1, "" on
 * v2), then the new cgroup's dir ("/vessel/web1"). NULL if mountpoint is not below
 * cg_dest. */
char *vsl_criu_cgroup_source(const char *mountpoint, const char *cg_dest, const char *cg_dir);
/* Does mountinfo list a mount with this id? */
bool vsl_criu_mountinfo_has(const char *mountinfo, unsigned long id);
/* CRIU's reason for a failure, from its log text: the "Error (file:line): " lines without
 * that prefix, the first few joined by "; ", into buf (empty if the log has none). */
void vsl_criu_log_reason(const char *log, char *buf, size_t len);

/* The key CRIU records an external network namespace under (runc's). */
#define VSL_CRIU_NETNS_KEY "extRootNetNS"
/* Files vessel adds to an image directory. descriptors.json: the targets of fds 0-2 of
 * the container process (runc's file, so its pipes can be handed over on restore);
 * vessel.json: the container's network address, so restore keeps it. */
#define VSL_CRIU_DESCRIPTORS "descriptors.json"
#define VSL_CRIU_VESSEL_JSON "vessel.json"

#endif
