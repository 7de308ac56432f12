/* Process attributes applied at create time: see procattr.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <linux/sched/types.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/paths.h"
#include "runtime/procattr.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define IOPRIO_WHO_PROC 1
#define IOPRIO_SHIFT 13

const char *vsl_env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (char *const *e = env; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

int vsl_path_lookup(const char *file, const char *path, int (*check)(const char *, void *),
		    void *data, char **out, struct vsl_err *err)
{
	int last = -ENOENT, r;

	if (!file || !*file)
		return vsl_fail(err, EINVAL, "process.args[0] is empty");
	if (strchr(file, '/')) {
		r = check(file, data);
		if (r < 0)
			return vsl_fail(err, -r, "process.args[0] %s", file);
		*out = xstrdup(file);
		return 0;
	}
	for (const char *p = path ? path : ""; p;) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		cleanup_free char *cand =
		    len ? xasprintf("%.*s/%s", (int)len, p, file) : xasprintf("./%s", file);

		r = check(cand, data);
		if (r == 0) {
			*out = vsl_steal_ptr(&cand);
			return 0;
		}
		if (r != -ENOENT && r != -ENOTDIR)
			last = r;
		p = end ? end + 1 : NULL;
	}
	if (last == -ENOENT)
		return vsl_fail(err, ENOENT,
				"process.args[0]: executable \"%s\" not found in PATH %s", file,
				path ? path : "");
	return vsl_fail(err, -last, "process.args[0]: executable \"%s\" in PATH %s", file,
			path ? path : "");
}

int vsl_path_is_executable(const char *path, void *unused)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EACCES;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	if (access(path, X_OK) < 0)
		return -errno;
	return 0;
}

char *vsl_passwd_home(const char *passwd, uid_t uid)
{
	/* name:pw:uid:gid:gecos:home:shell */
	for (const char *line = passwd; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		cleanup_free char *copy = xasprintf("%.*s", (int)len, line);
		char *f[7] = {0}, *s = copy;
		int n = 0;
		uint64_t id;

		/* strsep keeps empty fields (the password one often is). */
		while (n < 7 && (f[n] = strsep(&s, ":")))
			n++;
		if (n >= 6 && vsl_parse_u64(f[2], &id) == 0 && id == uid && f[5][0])
			return xstrdup(f[5]);
		line = nl ? nl + 1 : NULL;
	}
	return xstrdup("/");
}

static const struct {
	const char *name;
	uint64_t flag;
} sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", SCHED_FLAG_RESET_ON_FORK},
    {"SCHED_FLAG_RECLAIM", SCHED_FLAG_RECLAIM},
    {"SCHED_FLAG_DL_OVERRUN", SCHED_FLAG_DL_OVERRUN},
    {"SCHED_FLAG_KEEP_POLICY", SCHED_FLAG_KEEP_POLICY},
    {"SCHED_FLAG_KEEP_PARAMS", SCHED_FLAG_KEEP_PARAMS},
    {"SCHED_FLAG_UTIL_CLAMP_MIN", SCHED_FLAG_UTIL_CLAMP_MIN},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", SCHED_FLAG_UTIL_CLAMP_MAX},
};

int vsl_sched_flags(char *const *names, uint64_t *out, struct vsl_err *err)
{
	uint64_t mask = 0;

	for (char *const *n = names; n && *n; n++) {
		size_t i;

		for (i = 0; i < ARRAY_LEN(sched_flags); i++)
			if (strcmp(*n, sched_flags[i].name) == 0)
				break;
		if (i == ARRAY_LEN(sched_flags))
			return vsl_fail(err, EINVAL, "process.scheduler.flags: unknown flag \"%s\"",
					*n);
		mask |= sched_flags[i].flag;
	}
	*out = mask;
	return 0;
}

int vsl_personality(const char *domain, char *const *flags, unsigned long *out, struct vsl_err *err)
{
	if (flags && flags[0])
		return vsl_fail(err, EINVAL, "linux.personality.flags: \"%s\" is not supported",
				flags[0]);
	if (domain && strcmp(domain, "LINUX") == 0)
		*out = PER_LINUX;
	else if (domain && strcmp(domain, "LINUX32") == 0)
		*out = PER_LINUX32;
	else
		return vsl_fail(err, EINVAL, "linux.personality.domain: unknown domain \"%s\"",
				domain ? domain : "");
	return 0;
}

int vsl_rlimits_check(const struct vsl_rlimit *r, size_t n, struct vsl_err *err)
{
	for (size_t i = 0; i < n; i++) {
		if (r[i].resource < 0 || r[i].resource >= RLIM_NLIMITS)
			return vsl_fail(err, EINVAL, "process.rlimits[%zu]: unknown type \"%s\"", i,
					r[i].type ? r[i].type : "");
		if (r[i].soft > r[i].hard)
			return vsl_fail(err, EINVAL,
					"process.rlimits[%zu]: %s soft limit is above the hard one",
					i, r[i].type);
		for (size_t j = 0; j < i; j++)
			if (r[j].resource == r[i].resource)
				return vsl_fail(err, EINVAL, "process.rlimits[%zu]: %s given twice",
						i, r[i].type);
	}
	return 0;
}

int vsl_rlimits_apply(const struct vsl_rlimit *r, size_t n, struct vsl_err *err)
{
	int ret = vsl_rlimits_check(r, n, err);

	for (size_t i = 0; ret == 0 && i < n; i++) {
		struct rlimit rl = {.rlim_cur = r[i].soft, .rlim_max = r[i].hard};

		if (setrlimit(r[i].resource, &rl) < 0)
			ret =
			    vsl_fail(err, errno, "process.rlimits: set %s to %llu/%llu", r[i].type,
				     (unsigned long long)r[i].soft, (unsigned long long)r[i].hard);
	}
	return ret;
}

int vsl_oom_score_adj_set(int32_t adj, struct vsl_err *err)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", adj);
	int r = vsl_write_file("/proc/self/oom_score_adj", buf, (size_t)n, err);

	return r < 0 ? vsl_wrap(err, "process.oomScoreAdj %d", adj) : 0;
}

int vsl_ioprio_apply(const struct vsl_io_priority *io, struct vsl_err *err)
{
	if (io->class_id < 1 || io->class_id > 3)
		return vsl_fail(err, EINVAL, "process.ioPriority.class: unknown class \"%s\"",
				io->class ? io->class : "");
	if (io->priority < 0 || io->priority > 7)
		return vsl_fail(err, EINVAL, "process.ioPriority.priority: %d is not 0..7",
				io->priority);
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROC, 0,
		    (io->class_id << IOPRIO_SHIFT) | io->priority) < 0)
		return vsl_fail(err, errno, "process.ioPriority: ioprio_set %s %d", io->class,
				io->priority);
	return 0;
}

int vsl_sched_apply(const struct vsl_scheduler *s, struct vsl_err *err)
{
	struct sched_attr attr = {.size = sizeof(attr)};
	uint64_t fl = 0;
	int r;

	if (s->policy_id < 0)
		return vsl_fail(err, EINVAL,
				"process.scheduler.policy: %s is not supported by Linux",
				s->policy ? s->policy : "");
	r = vsl_sched_flags(s->flags, &fl, err);
	if (r < 0)
		return r;
	attr.sched_policy = (uint32_t)s->policy_id;
	attr.sched_flags = fl;
	attr.sched_nice = s->nice;
	attr.sched_priority = (uint32_t)s->priority;
	attr.sched_runtime = s->runtime;
	attr.sched_deadline = s->deadline;
	attr.sched_period = s->period;
	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
		return vsl_fail(err, errno, "process.scheduler: sched_setattr %s", s->policy);
	return 0;
}

int vsl_personality_apply(unsigned long persona, struct vsl_err *err)
{
	if (personality(persona) < 0)
		return vsl_fail(err, errno, "linux.personality: personality(0x%lx)", persona);
	return 0;
}

int vsl_cwd_enter(const char *cwd, struct vsl_err *err)
{
	cleanup_close int root = -1, fd = -1;

	if (!cwd || cwd[0] != '/')
		return vsl_fail(err, EINVAL, "process.cwd \"%s\" is not absolute", cwd ? cwd : "");
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return vsl_fail(err, errno, "process.cwd: open /");
	/* Resolved like a mount target: "..", symlinks and /proc/self/fd/N never lead out. */
	fd = vsl_path_open(root, cwd, O_PATH | O_DIRECTORY, err);
	if (fd < 0)
		return vsl_wrap(err, "process.cwd");
	if (fchdir(fd) < 0)
		return vsl_fail(err, errno, "process.cwd %s: fchdir", cwd);
	return 0;
}
