/* linux.seccomp: tables, filter build + BPF export (at create), load and the notify
 * listener hand-off (at exec). Nothing here runs before the caller asks: no state. */
#include <ctype.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/seccomp.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ARGS 6

enum act_kind { ACT_PLAIN, ACT_WITH_ERRNO };

static const struct {
	const char *name;
	uint32_t action; /* for ACT_WITH_ERRNO: the action with data 0 */
	enum act_kind kind;
} actions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL, ACT_PLAIN},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, ACT_PLAIN},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, ACT_PLAIN},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, ACT_PLAIN},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), ACT_WITH_ERRNO},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), ACT_WITH_ERRNO},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, ACT_PLAIN},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, ACT_PLAIN},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, ACT_PLAIN},
};

static const struct {
	const char *name;
	enum scmp_compare op;
} ops[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static const struct {
	const char *name;
	unsigned int flag;
} flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

int vsl_seccomp_action(const char *name, bool has_errno, uint32_t errno_ret, const char *what,
		       uint32_t *out, struct vsl_err *err)
{
	for (size_t i = 0; name && i < ARRAY_LEN(actions); i++) {
		if (strcmp(name, actions[i].name) != 0)
			continue;
		if (actions[i].kind == ACT_PLAIN) {
			if (has_errno)
				return vsl_fail(err, EINVAL, "%s: %s takes no errnoRet", what,
						name);
			*out = actions[i].action;
			return 0;
		}
		if (!has_errno)
			errno_ret = EPERM;
		if (errno_ret > 0xffff)
			return vsl_fail(err, EINVAL, "%s: errnoRet %u is out of range", what,
					errno_ret);
		*out = actions[i].action | errno_ret;
		return 0;
	}
	return vsl_fail(err, EINVAL, "%s: unknown seccomp action \"%s\"", what, name ? name : "");
}

int vsl_seccomp_op(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_LEN(ops); i++)
		if (strcmp(name, ops[i].name) == 0)
			return (int)ops[i].op;
	return -1;
}

uint32_t vsl_seccomp_arch(const char *name)
{
	char lower[32];
	size_t n;

	if (!name || !vsl_str_has_prefix(name, "SCMP_ARCH_"))
		return 0;
	name += strlen("SCMP_ARCH_");
	n = strlen(name);
	if (n == 0 || n >= sizeof(lower))
		return 0;
	/* libseccomp's names are the suffix in lower case ("x86_64", "mipsel64n32"). */
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	return seccomp_arch_resolve_name(lower);
}

unsigned int vsl_seccomp_flag(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_LEN(flags); i++)
		if (strcmp(name, flags[i].name) == 0)
			return flags[i].flag;
	return 0;
}

bool vsl_seccomp_flag_supported(unsigned int flag)
{
	/* With no program the kernel checks the flags first: EINVAL for one it does not
	 * know, EFAULT for the missing program once the flags pass. WAIT_KILLABLE_RECV is
	 * only valid with a listener. */
	if (flag & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
		flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

void vsl_seccomp_prog_free(struct vsl_seccomp_prog *p)
{
	if (!p)
		return;
	free(p->insns);
	free(p);
}

static void filter_releasep(scmp_filter_ctx *ctx)
{
	int saved = errno;

	if (*ctx)
		seccomp_release(*ctx);
	errno = saved;
}

/* Argument conditions of one rule, checked. */
static int rule_conditions(const struct vsl_seccomp_rule *r, const char *what,
			   struct scmp_arg_cmp *conds, bool *same_index, struct vsl_err *err)
{
	unsigned seen = 0;

	if (r->n_args > MAX_ARGS)
		return vsl_fail(err, EINVAL, "%s.args: more than %d conditions", what, MAX_ARGS);
	*same_index = false;
	for (size_t i = 0; i < r->n_args; i++) {
		const struct vsl_seccomp_arg *a = &r->args[i];
		int op = vsl_seccomp_op(a->op);

		if (op < 0)
			return vsl_fail(err, EINVAL,
					"%s.args[%zu]: unknown seccomp operator \"%s\"", what, i,
					a->op ? a->op : "");
		if (a->index >= MAX_ARGS)
			return vsl_fail(err, EINVAL, "%s.args[%zu]: index %u is not 0..5", what, i,
					a->index);
		if (seen & (1u << a->index))
			*same_index = true;
		seen |= 1u << a->index;
		/* For MASKED_EQ "value" is the mask and "valueTwo" the datum, as libseccomp. */
		conds[i] = (struct scmp_arg_cmp){.arg = a->index,
						 .op = (enum scmp_compare)op,
						 .datum_a = a->value,
						 .datum_b = a->value_two};
	}
	return 0;
}

/* One syscall name of a rule. Conditions on the same argument are ORed (one rule each), as
 * runc does: in a single libseccomp rule they would all have to hold at once. */
static int add_name(scmp_filter_ctx ctx, uint32_t action, const char *name, const char *what,
		    const struct scmp_arg_cmp *conds, size_t n, bool split,
		    const struct vsl_log *log, struct vsl_err *err)
{
	int nr = seccomp_syscall_resolve_name(name);
	int r = 0;

	if (nr == __NR_SCMP_ERROR) {
		vsl_debug(log, "%s: syscall %s is unknown to libseccomp, skipped", what, name);
		return 0;
	}
	if (!split)
		r = seccomp_rule_add_array(ctx, action, nr, (unsigned)n, conds);
	for (size_t i = 0; split && i < n && r >= 0; i++)
		r = seccomp_rule_add_array(ctx, action, nr, 1, &conds[i]);
	/* EACCES: the action is the default one, so the rule would change nothing. */
	if (r == -EACCES) {
		vsl_debug(log, "%s: %s has the default action, skipped", what, name);
		return 0;
	}
	if (r < 0)
		return vsl_fail(err, -r, "%s: add the rule for %s", what, name);
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, const struct vsl_seccomp_rule *r, size_t idx, bool *notify,
		    const struct vsl_log *log, struct vsl_err *err)
{
	struct scmp_arg_cmp conds[MAX_ARGS];
	char what[64];
	uint32_t action;
	bool split = false;
	int ret;

	snprintf(what, sizeof(what), "linux.seccomp.syscalls[%zu]", idx);
	ret = vsl_seccomp_action(r->action, r->has_errno_ret, r->errno_ret, what, &action, err);
	if (ret < 0)
		return ret;
	ret = rule_conditions(r, what, conds, &split, err);
	if (ret < 0)
		return ret;
	if (!r->names || !r->names[0])
		return vsl_fail(err, EINVAL, "%s.names: no syscall named", what);
	for (char **n = r->names; *n; n++) {
		/* vessel sends the listener fd with sendmsg after the load: notifying it would
		 * wait for an agent that is waiting for vessel. */
		if (action == SCMP_ACT_NOTIFY && strcmp(*n, "sendmsg") == 0)
			return vsl_fail(err, EINVAL,
					"%s: SCMP_ACT_NOTIFY cannot be used for sendmsg", what);
		ret = add_name(ctx, action, *n, what, conds, r->n_args, split, log, err);
		if (ret < 0)
			return ret;
	}
	if (action == SCMP_ACT_NOTIFY)
		*notify = true;
	return 0;
}

static int add_arches_and_flags(scmp_filter_ctx ctx, const struct vsl_seccomp *sc,
				struct vsl_seccomp_prog *p, const struct vsl_log *log,
				struct vsl_err *err)
{
	for (char **a = sc->architectures; a && *a; a++) {
		uint32_t arch = vsl_seccomp_arch(*a);
		int r;

		if (!arch) {
			vsl_warn(log,
				 "linux.seccomp.architectures: %s is unknown to libseccomp %u.%u, "
				 "skipped (its syscalls get the bad-architecture action)",
				 *a, seccomp_version()->major, seccomp_version()->minor);
			continue;
		}
		r = seccomp_arch_add(ctx, arch);
		if (r < 0 && r != -EEXIST) /* EEXIST: the native one, already there */
			return vsl_fail(err, -r, "linux.seccomp.architectures: add %s", *a);
	}
	for (char **f = sc->flags; f && *f; f++) {
		unsigned int bit = vsl_seccomp_flag(*f);

		if (!bit)
			return vsl_fail(err, EINVAL, "linux.seccomp.flags: unknown flag \"%s\"",
					*f);
		p->flags |= bit;
	}
	return 0;
}

/* libseccomp 2.5 exports to an fd only: use a memfd and read the program back. */
static int export_bpf(scmp_filter_ctx ctx, struct vsl_seccomp_prog *p, struct vsl_err *err)
{
	cleanup_close int fd = memfd_create("vessel-seccomp", MFD_CLOEXEC);
	struct stat st;
	ssize_t got;
	int r;

	if (fd < 0)
		return vsl_fail(err, errno, "seccomp: memfd_create");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return vsl_fail(err, -r, "seccomp: export the filter to BPF");
	if (fstat(fd, &st) < 0)
		return vsl_fail(err, errno, "seccomp: stat the BPF memfd");
	if (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) ||
	    st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		return vsl_fail(err, E2BIG, "seccomp: BPF program of %lld bytes",
				(long long)st.st_size);
	p->insns = xmalloc((size_t)st.st_size);
	got = pread(fd, p->insns, (size_t)st.st_size, 0);
	if (got != st.st_size)
		return vsl_fail(err, got < 0 ? errno : EIO, "seccomp: read the BPF memfd");
	p->n_insns = (size_t)st.st_size / sizeof(struct sock_filter);
	return 0;
}

int vsl_seccomp_compile(const struct vsl_seccomp *sc, const struct vsl_log *log,
			struct vsl_seccomp_prog **out, struct vsl_err *err)
{
	cleanup_with(filter_releasep) scmp_filter_ctx ctx = NULL;
	struct vsl_seccomp_prog *p;
	uint32_t def;
	int r;

	r = vsl_seccomp_action(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret,
			       "linux.seccomp.defaultAction", &def, err);
	if (r < 0)
		return r;
	if (def == SCMP_ACT_NOTIFY)
		return vsl_fail(
		    err, EINVAL,
		    "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default");
	ctx = seccomp_init(def);
	if (!ctx)
		return vsl_fail(err, EINVAL, "linux.seccomp: libseccomp refused default action %s",
				sc->default_action);
	p = xzalloc(sizeof(*p));
	r = add_arches_and_flags(ctx, sc, p, log, err);
	for (size_t i = 0; r == 0 && i < sc->n_syscalls; i++)
		r = add_rule(ctx, &sc->syscalls[i], i, &p->notify, log, err);
	if (r == 0 && p->notify && !sc->listener_path)
		r = vsl_fail(err, EINVAL, "linux.seccomp: SCMP_ACT_NOTIFY needs a listenerPath");
	if (r == 0)
		r = export_bpf(ctx, p, err);
	if (r < 0) {
		vsl_seccomp_prog_free(p);
		return r;
	}
	*out = p;
	return 0;
}

int vsl_seccomp_load(const struct vsl_seccomp_prog *p, int *out_listener, struct vsl_err *err)
{
	struct sock_fprog prog = {.len = (unsigned short)p->n_insns, .filter = p->insns};
	unsigned int fl = p->flags;
	long r;

	if (p->notify) {
		fl |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
		/* TSYNC reports a failing thread by its id, which collides with the listener
		 * fd as return value unless TSYNC_ESRCH is also given. */
		if (fl & SECCOMP_FILTER_FLAG_TSYNC)
			fl |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	}
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, fl, &prog);
	if (r < 0)
		return vsl_fail(err, errno, "seccomp: load the filter (flags 0x%x)", fl);
	*out_listener = p->notify ? (int)r : -1;
	return 0;
}
