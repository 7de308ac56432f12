/* Per-process attributes of the container process that need no privilege juggling: PATH
 * lookup of args[0], cwd, HOME, rlimits, oom_score_adj, I/O priority, scheduler,
 * personality. The name tables and searches are pure; the apply calls touch only the
 * calling process. Used by runtime/process.c at `create`, before the process waits. */
#ifndef VSL_RUNTIME_PROCATTR_H
#define VSL_RUNTIME_PROCATTR_H

#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "spec/config.h"

#define VSL_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Value of NAME in a NAME=value vector; NULL if absent. */
const char *vsl_env_get(char *const *env, const char *name);

/* The executable for args[0]: as is when it contains a '/', else the first PATH entry
 * (empty entry = current directory) where check() returns 0. check returns 0 or -errno;
 * a miss everywhere fails ENOENT (or the last other error, e.g. EACCES), naming file.
 * *out is malloc'd. */
int vsl_path_lookup(const char *file, const char *path, int (*check)(const char *, void *),
		    void *data, char **out, struct vsl_err *err);
/* check() for vsl_path_lookup: a regular file with an execute bit that access() allows. */
int vsl_path_is_executable(const char *path, void *unused);

/* The home directory of uid in /etc/passwd text, "/" if it has no line (malloc'd). */
char *vsl_passwd_home(const char *passwd, uid_t uid);

/* SCHED_FLAG_* names -> mask; an unknown name is EINVAL naming it. */
int vsl_sched_flags(char *const *names, uint64_t *out, struct vsl_err *err);
/* linux.personality -> personality(2) persona; unknown domain or any flag is EINVAL (the
 * spec defines no flags). */
int vsl_personality(const char *domain, char *const *flags, unsigned long *out,
		    struct vsl_err *err);
/* Duplicate rlimit types are an error, as the spec asks. */
int vsl_rlimits_check(const struct vsl_rlimit *r, size_t n, struct vsl_err *err);

/* Apply to the calling process. */
int vsl_rlimits_apply(const struct vsl_rlimit *r, size_t n, struct vsl_err *err);
int vsl_oom_score_adj_set(int32_t adj, struct vsl_err *err);
int vsl_ioprio_apply(const struct vsl_io_priority *io, struct vsl_err *err);
int vsl_sched_apply(const struct vsl_scheduler *s, struct vsl_err *err);
int vsl_personality_apply(unsigned long persona, struct vsl_err *err);
/* Enter cwd: resolved inside "/" (the container's root) with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS), so "..", symlinks and /proc/self/fd/N, /proc/PID/cwd stay in the
 * root or fail (ELOOP), then fchdir on the resolved fd. Nothing is created: a missing cwd
 * was made by vsl_rootfs_enter, before the root became read-only. */
int vsl_cwd_enter(const char *cwd, struct vsl_err *err);

#endif
