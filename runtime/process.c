/* Process setup of the container process: prepare at create, exec after start. The order
 * of the privileged steps in exec is the kernel's: bounding set before setuid (needs
 * CAP_SETPCAP), KEEPCAPS across setuid, capset after it, seccomp last when it may be. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/caps.h"
#include "runtime/lsm.h"
#include "runtime/procattr.h"
#include "runtime/process.h"
#include "runtime/seccomp.h"

struct vsl_proc_prepared {
	char *path; /* resolved args[0] */
	char **argv, **envp;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t n_groups;
	bool in_userns;
	bool has_caps;
	struct vsl_cap_sets caps;
	unsigned last_cap;
	bool nnp;
	char *apparmor, *selinux; /* labels of the exec (runtime/lsm.h) */
	int kept_end; /* fds 3 .. kept_end-1 pass through */
	struct vsl_seccomp_prog *seccomp;
	bool seccomp_late;    /* load just before execve, after the caps */
	int listener_sock;    /* connected to listenerPath, or -1 */
	char *listener_state; /* container process state for the agent */
};

void vsl_process_prepared_free(struct vsl_proc_prepared *p)
{
	if (!p)
		return;
	free(p->path);
	vsl_strv_free(p->argv);
	vsl_strv_free(p->envp);
	free(p->groups);
	free(p->apparmor);
	free(p->selinux);
	vsl_seccomp_prog_free(p->seccomp);
	if (p->listener_sock >= 0)
		close(p->listener_sock);
	free(p->listener_state);
	free(p);
}

static void prepared_freep(struct vsl_proc_prepared **p)
{
	int saved = errno;

	vsl_process_prepared_free(*p);
	errno = saved;
}

/* Set NAME=value in an owned env vector, replacing an existing NAME. */
static void env_set(char ***env, const char *name, const char *value)
{
	size_t n = strlen(name);

	for (char **e = *env; e && *e; e++) {
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
			free(*e);
			*e = xasprintf("%s=%s", name, value);
			return;
		}
	}
	cleanup_free char *kv = xasprintf("%s=%s", name, value);
	vsl_strv_push(env, kv);
}

/* process.env, plus HOME when it has none (as runc: the user's passwd entry, else "/")
 * and the socket-activation pair. */
static void build_env(struct vsl_proc_prepared *p, const struct vsl_proc_opts *o)
{
	p->envp = vsl_strv_dup(o->proc->env);
	if (!p->envp)
		p->envp = xzalloc(sizeof(char *));
	if (!vsl_env_get(p->envp, "HOME")) {
		cleanup_free char *passwd = NULL;
		cleanup_free char *home = NULL;
		struct vsl_err ignored;

		if (vsl_read_file("/etc/passwd", &passwd, NULL, &ignored) < 0)
			passwd = NULL;
		home = vsl_passwd_home(passwd, o->proc->user.uid);
		env_set(&p->envp, "HOME", home);
	}
	if (o->listen_fds > 0) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%d", o->listen_fds);
		env_set(&p->envp, "LISTEN_FDS", buf);
		/* The container's first process, pid 1 in its pid namespace: runc and crun say 1
		 * also without one, and so does vessel. */
		env_set(&p->envp, "LISTEN_PID", "1");
	}
}

/* cwd first: a relative args[0] with a '/' is relative to it. */
static int prepare_exec_path(struct vsl_proc_prepared *p, const struct vsl_proc_opts *o,
			     struct vsl_err *err)
{
	const struct vsl_process *proc = o->proc;
	const char *path;
	int r;

	r = vsl_cwd_enter(proc->cwd ? proc->cwd : "/", err);
	if (r < 0)
		return r;
	path = vsl_env_get(proc->env, "PATH");
	r = vsl_path_lookup(proc->args[0], path ? path : VSL_DEFAULT_PATH, vsl_path_is_executable,
			    NULL, &p->path, err);
	if (r < 0)
		return r;
	p->argv = vsl_strv_dup(proc->args);
	build_env(p, o);
	return 0;
}

static int prepare_attrs(const struct vsl_proc_opts *o, struct vsl_err *err)
{
	const struct vsl_process *proc = o->proc;
	const struct vsl_linux *lx = &o->cfg->linux;
	int r = 0;

	if (proc->has_oom_score_adj)
		r = vsl_oom_score_adj_set(proc->oom_score_adj, err);
	if (r == 0 && proc->has_io_priority)
		r = vsl_ioprio_apply(&proc->io_priority, err);
	if (r == 0 && proc->has_scheduler)
		r = vsl_sched_apply(&proc->scheduler, err);
	if (r == 0 && o->cfg->has_linux && lx->has_personality) {
		unsigned long persona = 0;

		r = vsl_personality(lx->personality_domain, lx->personality_flags, &persona, err);
		if (r == 0)
			r = vsl_personality_apply(persona, err);
	}
	return r;
}

static int prepare_caps(struct vsl_proc_prepared *p, const struct vsl_proc_opts *o,
			struct vsl_err *err)
{
	struct vsl_cap_limits lim;
	int r;

	if (!o->proc->has_capabilities)
		return 0;
	r = vsl_caps_limits(&lim, err);
	if (r < 0)
		return r;
	vsl_caps_resolve(&o->proc->capabilities, &lim, &p->caps, o->log);
	p->has_caps = true;
	p->last_cap = lim.last_cap;
	return 0;
}

static int prepare_seccomp(struct vsl_proc_prepared *p, const struct vsl_proc_opts *o,
			   struct vsl_err *err)
{
	const struct vsl_config *cfg = o->cfg;
	int r;

	if (!cfg->has_linux || !cfg->linux.has_seccomp)
		return 0;
	r = vsl_seccomp_compile(&cfg->linux.seccomp, o->log, &p->seccomp, err);
	if (r < 0)
		return r;
	if (p->seccomp->notify) {
		const char *path = cfg->linux.seccomp.listener_path;

		if (p->listener_sock < 0)
			return vsl_fail(err, ENOTCONN,
					"linux.seccomp.listenerPath %s: not connected", path);
		p->listener_state = vsl_seccomp_agent_json(
		    cfg->oci_version, cfg->linux.seccomp.listener_metadata, o->state_json, err);
		if (!p->listener_state)
			return vsl_wrap(err, "linux.seccomp.listenerPath %s", path);
	}
	/* Without no_new_privs, seccomp(2) needs CAP_SYS_ADMIN: if the process will not keep
	 * it, load before the capabilities are dropped (runc does the same). */
	if (p->nnp)
		p->seccomp_late = true;
	else if (p->has_caps)
		p->seccomp_late = p->caps.effective & (UINT64_C(1) << CAP_SYS_ADMIN);
	else
		p->seccomp_late = p->uid == 0;
	return 0;
}

/* The parser refuses ids past VSL_ID_MAX already; this guards every other way in, since
 * (uid_t)-1 would make setresuid change nothing and leave the process root. */
static int check_ids(const struct vsl_user *u, struct vsl_err *err)
{
	if (u->uid > VSL_ID_MAX)
		return vsl_refuse(err, EINVAL, "process.user.uid: %u is out of range 0-%u", u->uid,
				  VSL_ID_MAX);
	if (u->gid > VSL_ID_MAX)
		return vsl_refuse(err, EINVAL, "process.user.gid: %u is out of range 0-%u", u->gid,
				  VSL_ID_MAX);
	for (size_t i = 0; i < u->n_additional_gids; i++)
		if (u->additional_gids[i] > VSL_ID_MAX)
			return vsl_refuse(err, EINVAL, "process.user.additionalGids[%zu]: %u is out "
					  "of range 0-%u", i, u->additional_gids[i], VSL_ID_MAX);
	return 0;
}

int vsl_process_prepare(const struct vsl_proc_opts *o, struct vsl_proc_prepared **out,
			struct vsl_err *err)
{
	cleanup_with(prepared_freep) struct vsl_proc_prepared *p = xzalloc(sizeof(*p));
	const struct vsl_process *proc = o->proc;
	int r;

	p->listener_sock = o->seccomp_listener_fd > 2 ? o->seccomp_listener_fd : -1;
	if (!proc || !proc->args || !proc->args[0])
		return vsl_fail(err, EINVAL, "process.args: no program to run");
	if (o->preserve_fds < 0 || o->listen_fds < 0)
		return vsl_fail(err, EINVAL, "preserve-fds: negative count");
	p->kept_end = 3 + o->listen_fds + o->preserve_fds;
	r = check_ids(&proc->user, err);
	if (r < 0)
		return r;
	p->uid = proc->user.uid;
	p->gid = proc->user.gid;
	p->in_userns = o->in_userns;
	p->nnp = proc->no_new_privileges;
	p->apparmor = proc->apparmor_profile ? xstrdup(proc->apparmor_profile) : NULL;
	p->selinux = proc->selinux_label ? xstrdup(proc->selinux_label) : NULL;
	p->n_groups = proc->user.n_additional_gids;
	p->groups = xzalloc(p->n_groups * sizeof(gid_t));
	for (size_t i = 0; i < p->n_groups; i++)
		p->groups[i] = proc->user.additional_gids[i];

	r = prepare_exec_path(p, o, err);
	if (r == 0)
		r = prepare_attrs(o, err);
	if (r == 0)
		r = prepare_caps(p, o, err);
	if (r == 0)
		r = prepare_seccomp(p, o, err);
	/* Last: a low RLIMIT_AS or RLIMIT_DATA must not starve the steps above. */
	if (r == 0)
		r = vsl_rlimits_apply(proc->rlimits, proc->n_rlimits, err);
	if (r < 0)
		return r;
	if (proc->user.has_umask)
		umask((mode_t)(proc->user.umask & 0777));
	*out = vsl_steal_ptr(&p);
	return 0;
}

static int close_span(unsigned lo, unsigned hi)
{
	if (lo > hi)
		return 0;
	if (syscall(SYS_close_range, lo, hi, 0) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	/* Kernels before 5.9: one by one, up to the fd limit. */
	long max = sysconf(_SC_OPEN_MAX);
	for (long fd = lo; fd <= (long)hi && fd < max; fd++)
		close((int)fd);
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every fd from lo up but the (at most 4) in keep. */
static int close_from_except(int lo, const int *keep, size_t n_keep, struct vsl_err *err)
{
	int k[4];
	size_t n = 0;
	int r;

	for (size_t i = 0; i < n_keep && n < 4; i++)
		if (keep[i] >= lo)
			k[n++] = keep[i];
	qsort(k, n, sizeof(int), cmp_int);
	for (size_t i = 0; i < n; i++) {
		r = close_span((unsigned)lo, (unsigned)k[i] - 1);
		if (r < 0)
			return vsl_fail(err, -r, "close fds %d..%d", lo, k[i] - 1);
		lo = k[i] + 1;
	}
	r = close_span((unsigned)lo, ~0U);
	if (r < 0)
		return vsl_fail(err, -r, "close fds from %d", lo);
	return 0;
}

static bool is_kept(int fd, const int *keep, size_t n_keep)
{
	for (size_t i = 0; i < n_keep; i++)
		if (keep[i] == fd)
			return true;
	return false;
}

int vsl_fds_close_inherited(int kept_end, const int *keep, size_t n_keep, struct vsl_err *err)
{
	/* vessel opens every fd close-on-exec, while an fd it inherited survived an exec and
	 * so is not: in the preserved range, a close-on-exec fd is vessel's own (it took a
	 * number the caller left free) and goes too. */
	for (int fd = 3; fd < kept_end; fd++) {
		int flags = fcntl(fd, F_GETFD);

		if (flags >= 0 && (flags & FD_CLOEXEC) && !is_kept(fd, keep, n_keep))
			close(fd);
	}
	return close_from_except(kept_end > 3 ? kept_end : 3, keep, n_keep, err);
}

/* Before execve: everything above the preserved fds goes but the two fds vessel still
 * needs until exec (both close-on-exec, they go with it); in the preserved range vessel's
 * own fds keep their close-on-exec flag, the caller's have none. */
static int close_fds(int kept_end, int keep_a, int keep_b, struct vsl_err *err)
{
	int keep[2] = { keep_a, keep_b };

	for (int i = 0; i < 2; i++)
		if (keep[i] >= 0 && fcntl(keep[i], F_SETFD, FD_CLOEXEC) < 0)
			return vsl_fail(err, errno, "fd %d: set close-on-exec", keep[i]);
	return vsl_fds_close_inherited(kept_end, keep, 2, err);
}

static int load_seccomp(struct vsl_proc_prepared *p, struct vsl_err *err)
{
	cleanup_close int listener = -1;
	int r;

	r = vsl_seccomp_load(p->seccomp, &listener, err);
	if (r < 0 || listener < 0)
		return r;
	/* One state per connection, then the connection is closed (config-linux.md). */
	r = vsl_seccomp_send_listener(p->listener_sock, listener, p->listener_state, err);
	close(p->listener_sock);
	p->listener_sock = -1;
	return r;
}

static int switch_user(const struct vsl_proc_prepared *p, struct vsl_err *err)
{
	if (setgroups(p->n_groups, p->groups) < 0) {
		/* A user namespace whose setgroups is "deny" cannot change the list; with no
		 * additional gids asked for there is nothing lost. */
		if (!(errno == EPERM && p->in_userns && p->n_groups == 0))
			return vsl_fail(err, errno, "process.user.additionalGids: setgroups");
	}
	if (p->has_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return vsl_fail(err, errno, "process.user: prctl(PR_SET_KEEPCAPS)");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return vsl_fail(err, errno, "process.user.gid %u: setresgid", p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return vsl_fail(err, errno, "process.user.uid %u: setresuid", p->uid);
	if (p->has_caps && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return vsl_fail(err, errno, "process.user: prctl(PR_SET_KEEPCAPS, 0)");
	return 0;
}

int vsl_process_exec(struct vsl_proc_prepared *p, int keep_fd, struct vsl_err *err)
{
	int r;

	r = close_fds(p->kept_end, keep_fd, p->listener_sock, err);
	/* Before seccomp and the credentials change, as runc; it takes effect at execve. */
	if (r == 0)
		r = vsl_lsm_set_exec(&(struct vsl_lsm_labels){ .apparmor = p->apparmor,
				     .selinux = p->selinux }, err);
	if (r == 0 && p->seccomp && !p->seccomp_late)
		r = load_seccomp(p, err);
	if (r == 0 && p->has_caps)
		r = vsl_caps_drop_bounding(p->caps.bounding, p->last_cap, err);
	if (r == 0)
		r = switch_user(p, err);
	if (r == 0 && p->has_caps)
		r = vsl_caps_apply(&p->caps, p->last_cap, err);
	if (r == 0 && p->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = vsl_fail(err, errno, "process.noNewPrivileges: prctl");
	if (r == 0 && p->seccomp && p->seccomp_late)
		r = load_seccomp(p, err);
	if (r < 0)
		return r;
	execve(p->path, p->argv, p->envp);
	return vsl_fail(err, errno, "exec %s", p->path);
}
