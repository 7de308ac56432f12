/* exec: the process to run, from the container's config.json and exec's overrides. Pure
 * (no syscalls): it edits the config's own process in place. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/exec_internal.h"

/* Replace KEY=... in env, or append it. */
static void env_set(char ***env, const char *kv)
{
	size_t klen = strcspn(kv, "=");

	for (char **e = *env; e && *e; e++)
		if (strncmp(*e, kv, klen) == 0 && (*e)[klen] == '=') {
			free(*e);
			*e = xstrdup(kv);
			return;
		}
	vsl_strv_push(env, kv);
}

static int parse_user(const char *s, struct vsl_user *u, struct vsl_err *err)
{
	cleanup_free char *copy = xstrdup(s);
	char *colon = strchr(copy, ':');
	uint64_t uid, gid;

	if (colon)
		*colon = '\0';
	if (vsl_parse_u64(copy, &uid) < 0 || (colon && vsl_parse_u64(colon + 1, &gid) < 0))
		return vsl_refuse(err, EINVAL, "--user %s: expected uid[:gid] as numbers", s);
	if (uid > VSL_ID_MAX || (colon && gid > VSL_ID_MAX))
		return vsl_refuse(err, EINVAL, "--user %s: %s %s is out of range 0-%u", s,
				  uid > VSL_ID_MAX ? "uid" : "gid",
				  uid > VSL_ID_MAX ? copy : colon + 1, VSL_ID_MAX);
	u->uid = (uint32_t)uid;
	if (colon)
		u->gid = (uint32_t)gid;
	return 0;
}

static void caps_add(char ***set, bool *has, char *const *caps)
{
	for (char *const *c = caps; c && *c; c++) {
		bool present = false;
		for (char **s = *set; s && *s; s++)
			present = present || strcmp(*s, *c) == 0;
		if (!present)
			vsl_strv_push(set, *c);
	}
	*has = true;
}

int vsl_exec_build_process(struct vsl_config *cfg, const struct vsl_exec_opts *o,
			   const char *process_json, size_t len, struct vsl_err *err)
{
	struct vsl_process *p = &cfg->process;
	struct vsl_caps *c = &p->capabilities;
	int r;

	if (process_json) {
		vsl_process_clear(p);
		r = vsl_process_parse(process_json, len, "process.json", p, err);
		if (r < 0)
			return r;
	} else {
		vsl_strv_free(p->args);
		p->args = vsl_strv_dup(o->args);
		p->terminal = o->tty;
	}
	if (!p->args || !p->args[0])
		return vsl_refuse(err, EINVAL, "exec: no command given");
	for (char *const *e = o->env; e && *e; e++) {
		if (!strchr(*e, '='))
			return vsl_refuse(err, EINVAL, "--env %s: expected KEY=VALUE", *e);
		env_set(&p->env, *e);
	}
	if (o->cwd) {
		free(p->cwd);
		p->cwd = xstrdup(o->cwd);
	}
	if (o->user && (r = parse_user(o->user, &p->user, err)) < 0)
		return r;
	/* As runc: the bounding, effective and permitted sets only. Inheritable and ambient
	 * would hand the capability on to every program the process executes. */
	if (o->caps) {
		caps_add(&c->bounding, &c->has_bounding, o->caps);
		caps_add(&c->effective, &c->has_effective, o->caps);
		caps_add(&c->permitted, &c->has_permitted, o->caps);
		p->has_capabilities = true;
	}
	if (o->no_new_privs)
		p->no_new_privileges = true;
	if (o->apparmor) {
		free(p->apparmor_profile);
		p->apparmor_profile = xstrdup(o->apparmor);
	}
	if (o->process_label) {
		free(p->selinux_label);
		p->selinux_label = xstrdup(o->process_label);
	}
	if (!p->cwd)
		p->cwd = xstrdup("/");
	return 0;
}
