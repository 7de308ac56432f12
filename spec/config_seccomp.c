/* linux.seccomp of config.json: every action, operator, architecture and flag must be a
 * name libseccomp/seccomp(2) knows; names stay strings here and are resolved when the
 * filter is built. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "spec/config_internal.h"

static const char *const actions[] = {
	"SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
	"SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",	   "SCMP_ACT_TRACE",
	"SCMP_ACT_ALLOW", "SCMP_ACT_LOG",	   "SCMP_ACT_NOTIFY",
};

static const char *const ops[] = { "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",
				   "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
				   "SCMP_CMP_MASKED_EQ" };

static const char *const arches[] = {
	"SCMP_ARCH_X86",	 "SCMP_ARCH_X86_64",	 "SCMP_ARCH_X32",
	"SCMP_ARCH_ARM",	 "SCMP_ARCH_AARCH64",	 "SCMP_ARCH_LOONGARCH64",
	"SCMP_ARCH_M68K",	 "SCMP_ARCH_MIPS",	 "SCMP_ARCH_MIPS64",
	"SCMP_ARCH_MIPS64N32",	 "SCMP_ARCH_MIPSEL",	 "SCMP_ARCH_MIPSEL64",
	"SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",	 "SCMP_ARCH_PPC64",
	"SCMP_ARCH_PPC64LE",	 "SCMP_ARCH_S390",	 "SCMP_ARCH_S390X",
	"SCMP_ARCH_SH",		 "SCMP_ARCH_SHEB",	 "SCMP_ARCH_PARISC",
	"SCMP_ARCH_PARISC64",	 "SCMP_ARCH_RISCV64",
};

static const char *const filter_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

const char *const *vsl_seccomp_names(enum vsl_seccomp_names which, size_t *n)
{
	switch (which) {
	case VSL_SECCOMP_ACTIONS:
		*n = ARRAY_SIZE(actions);
		return actions;
	case VSL_SECCOMP_OPS:
		*n = ARRAY_SIZE(ops);
		return ops;
	case VSL_SECCOMP_ARCHES:
		*n = ARRAY_SIZE(arches);
		return arches;
	case VSL_SECCOMP_FLAGS:
		*n = ARRAY_SIZE(filter_flags);
		return filter_flags;
	}
	*n = 0;
	return NULL;
}

static bool known(const char *const *t, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i], s) == 0)
			return true;
	return false;
}

/* Check an action (at p.key) and, when errno_key is set, that the action takes an errno. */
static int check_action(const char *action, bool has_errno, const struct vsl_jpath *p,
			const char *key, const char *errno_key, struct vsl_err *err)
{
	struct vsl_jpath ap = VSL_JPATH_KEY(p, key);
	struct vsl_jpath ep = VSL_JPATH_KEY(p, errno_key);

	if (!known(actions, ARRAY_SIZE(actions), action))
		return vsl_json_fail(err, &ap, "unknown seccomp action \"%s\"", action);
	if (has_errno && strcmp(action, "SCMP_ACT_ERRNO") && strcmp(action, "SCMP_ACT_TRACE"))
		return vsl_json_fail(err, &ep, "%s does not take an errno", action);
	return 0;
}

static int check_names(char *const *v, const char *const *t, size_t n,
		       const struct vsl_jpath *p, const char *key, const char *what,
		       struct vsl_err *err)
{
	struct vsl_jpath kp = VSL_JPATH_KEY(p, key);

	for (size_t i = 0; v && v[i]; i++)
		if (!known(t, n, v[i])) {
			struct vsl_jpath ip = VSL_JPATH_IDX(&kp, i);
			return vsl_json_fail(err, &ip, "unknown seccomp %s \"%s\"", what, v[i]);
		}
	return 0;
}

static int parse_arg(yajl_val o, const struct vsl_jpath *p, void *elem, struct vsl_err *err)
{
	struct vsl_jpath ip = VSL_JPATH_KEY(p, "index");
	struct vsl_jpath op = VSL_JPATH_KEY(p, "op");
	struct vsl_seccomp_arg *a = elem;

	if (vsl_json_u32(o, p, "index", VSL_JSON_REQUIRED, &a->index, err) < 0 ||
	    vsl_json_uint(o, p, "value", VSL_JSON_REQUIRED, UINT64_MAX, &a->value, err) < 0 ||
	    vsl_json_uint(o, p, "valueTwo", 0, UINT64_MAX, &a->value_two, err) < 0 ||
	    vsl_json_take_str(o, p, "op", VSL_JSON_REQUIRED, &a->op, err) < 0)
		return -EINVAL;
	if (a->index > 5)
		return vsl_json_fail(err, &ip, "%u is not a syscall argument index (0..5)",
				     a->index);
	if (!known(ops, ARRAY_SIZE(ops), a->op))
		return vsl_json_fail(err, &op, "unknown seccomp operator \"%s\"", a->op);
	return 0;
}

static int parse_rule(yajl_val o, const struct vsl_jpath *p, void *elem, struct vsl_err *err)
{
	struct vsl_jpath np = VSL_JPATH_KEY(p, "names");
	struct vsl_seccomp_rule *r = elem;
	int ret;

	if (vsl_json_take_strv(o, p, "names", VSL_JSON_REQUIRED, &r->names, err) < 0 ||
	    vsl_json_take_str(o, p, "action", VSL_JSON_REQUIRED, &r->action, err) < 0 ||
	    (ret = vsl_json_u32(o, p, "errnoRet", 0, &r->errno_ret, err)) < 0)
		return -EINVAL;
	r->has_errno_ret = ret;
	if (!r->names[0])
		return vsl_json_fail(err, &np, "must hold at least one entry");
	if (check_action(r->action, r->has_errno_ret, p, "action", "errnoRet", err) < 0)
		return -EINVAL;
	return vsl_json_objects(o, p, "args", sizeof(*r->args), parse_arg, (void **)&r->args,
				&r->n_args, err) < 0 ? -EINVAL : 0;
}

int vsl_cfg_parse_seccomp(yajl_val o, const struct vsl_jpath *p, struct vsl_seccomp *s,
			  struct vsl_err *err)
{
	int r;

	if (vsl_json_take_str(o, p, "defaultAction", VSL_JSON_REQUIRED, &s->default_action,
			      err) < 0 ||
	    (r = vsl_json_u32(o, p, "defaultErrnoRet", 0, &s->default_errno_ret, err)) < 0)
		return -EINVAL;
	s->has_default_errno_ret = r;
	if (check_action(s->default_action, s->has_default_errno_ret, p, "defaultAction",
			 "defaultErrnoRet", err) < 0 ||
	    vsl_json_take_strv(o, p, "architectures", 0, &s->architectures, err) < 0 ||
	    check_names(s->architectures, arches, ARRAY_SIZE(arches), p, "architectures",
			"architecture", err) < 0 ||
	    vsl_json_take_strv(o, p, "flags", 0, &s->flags, err) < 0 ||
	    check_names(s->flags, filter_flags, ARRAY_SIZE(filter_flags), p, "flags", "flag",
			err) < 0 ||
	    vsl_json_take_str(o, p, "listenerPath", 0, &s->listener_path, err) < 0 ||
	    vsl_json_take_str(o, p, "listenerMetadata", 0, &s->listener_metadata, err) < 0)
		return -EINVAL;
	if (s->listener_metadata && !s->listener_path) {
		struct vsl_jpath mp = VSL_JPATH_KEY(p, "listenerMetadata");
		return vsl_json_fail(err, &mp, "set without listenerPath");
	}
	if (vsl_json_objects(o, p, "syscalls", sizeof(*s->syscalls), parse_rule,
			     (void **)&s->syscalls, &s->n_syscalls, err) < 0)
		return -EINVAL;
	return 0;
}

void vsl_cfg_seccomp_clear(struct vsl_seccomp *s)
{
	free(s->default_action);
	vsl_strv_free(s->architectures);
	vsl_strv_free(s->flags);
	free(s->listener_path);
	free(s->listener_metadata);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		struct vsl_seccomp_rule *r = &s->syscalls[i];
		vsl_strv_free(r->names);
		free(r->action);
		for (size_t j = 0; j < r->n_args; j++)
			free(r->args[j].op);
		free(r->args);
	}
	free(s->syscalls);
	memset(s, 0, sizeof(*s));
}
