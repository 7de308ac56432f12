/* The process object of config.json (and of `exec --process` files): parse, validate,
 * clear, serialize. rlimit types and scheduler policies are resolved to their values;
 * capability names are kept as written (unknown ones are a warning when applied). */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "spec/config_internal.h"

static const struct vsl_cfg_name rlimits[] = {
	{ "RLIMIT_AS", RLIMIT_AS },		{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },		{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },		{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

/* SCHED_ISO is in the spec's list but Linux never implemented it: value -1 = refused. */
static const struct vsl_cfg_name policies[] = {
	{ "SCHED_OTHER", SCHED_OTHER }, { "SCHED_FIFO", SCHED_FIFO },
	{ "SCHED_RR", SCHED_RR },	{ "SCHED_BATCH", SCHED_BATCH },
	{ "SCHED_ISO", -1 },		{ "SCHED_IDLE", SCHED_IDLE },
	{ "SCHED_DEADLINE", 6 },
};

static const struct vsl_cfg_name sched_flags[] = {
	{ "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },
	{ "SCHED_FLAG_DL_OVERRUN", 0x04 },     { "SCHED_FLAG_KEEP_POLICY", 0x08 },
	{ "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
	{ "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};

static const struct vsl_cfg_name io_classes[] = {
	{ "IOPRIO_CLASS_RT", 1 },
	{ "IOPRIO_CLASS_BE", 2 },
	{ "IOPRIO_CLASS_IDLE", 3 },
};

static const char *const cap_sets[] = { "bounding", "effective", "inheritable", "permitted",
					"ambient" };

static int parse_user(yajl_val p_o, const struct vsl_jpath *p, struct vsl_user *u,
		      struct vsl_err *err)
{
	struct vsl_jpath up = VSL_JPATH_KEY(p, "user");
	struct vsl_jpath gp = VSL_JPATH_KEY(&up, "additionalGids");
	yajl_val o = NULL, a = NULL;
	int r = vsl_json_obj(p_o, p, "user", 0, &o, err);

	if (r <= 0)
		return r;
	if (vsl_json_id(o, &up, "uid", VSL_JSON_REQUIRED, &u->uid, err) < 0 ||
	    vsl_json_id(o, &up, "gid", VSL_JSON_REQUIRED, &u->gid, err) < 0 ||
	    (r = vsl_json_u32(o, &up, "umask", 0, &u->umask, err)) < 0 ||
	    vsl_json_take_str(o, &up, "username", 0, &u->username, err) < 0)
		return -EINVAL;
	u->has_umask = r;
	r = vsl_json_arr(o, &up, "additionalGids", 0, &a, err);
	if (r <= 0)
		return r;
	u->additional_gids = xzalloc(a->u.array.len * sizeof(uint32_t));
	u->n_additional_gids = a->u.array.len;
	for (size_t i = 0; i < a->u.array.len; i++) {
		struct vsl_jpath ip = VSL_JPATH_IDX(&gp, i);
		if (vsl_json_val_id(a->u.array.values[i], &ip, &u->additional_gids[i], err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int parse_caps(yajl_val p_o, const struct vsl_jpath *p, struct vsl_process *pr,
		      struct vsl_err *err)
{
	struct vsl_jpath cp = VSL_JPATH_KEY(p, "capabilities");
	struct vsl_caps *c = &pr->capabilities;
	char ***vec[] = { &c->bounding, &c->effective, &c->inheritable, &c->permitted,
			  &c->ambient };
	bool *has[] = { &c->has_bounding, &c->has_effective, &c->has_inheritable,
			&c->has_permitted, &c->has_ambient };
	yajl_val o = NULL;
	int r = vsl_json_obj(p_o, p, "capabilities", 0, &o, err);

	if (r <= 0)
		return r;
	pr->has_capabilities = true;
	for (size_t i = 0; i < ARRAY_SIZE(cap_sets); i++) {
		r = vsl_json_take_strv(o, &cp, cap_sets[i], 0, vec[i], err);
		if (r < 0)
			return r;
		*has[i] = r;
	}
	return 0;
}

static int parse_rlimit(yajl_val o, const struct vsl_jpath *p, void *elem, struct vsl_err *err)
{
	struct vsl_jpath tp = VSL_JPATH_KEY(p, "type");
	struct vsl_rlimit *rl = elem;
	int i;

	if (vsl_json_take_str(o, p, "type", VSL_JSON_REQUIRED, &rl->type, err) < 0 ||
	    vsl_json_uint(o, p, "soft", VSL_JSON_REQUIRED, UINT64_MAX, &rl->soft, err) < 0 ||
	    vsl_json_uint(o, p, "hard", VSL_JSON_REQUIRED, UINT64_MAX, &rl->hard, err) < 0)
		return -EINVAL;
	i = vsl_cfg_lookup(rlimits, ARRAY_SIZE(rlimits), rl->type);
	if (i < 0)
		return vsl_json_fail(err, &tp, "unknown rlimit \"%s\"", rl->type);
	rl->resource = rlimits[i].value;
	if (rl->soft > rl->hard)
		return vsl_json_fail(err, p, "soft limit %llu is above hard limit %llu",
				     (unsigned long long)rl->soft, (unsigned long long)rl->hard);
	return 0;
}

static int parse_rlimits(yajl_val o, const struct vsl_jpath *p, struct vsl_process *pr,
			 struct vsl_err *err)
{
	struct vsl_jpath rp = VSL_JPATH_KEY(p, "rlimits");

	if (vsl_json_objects(o, p, "rlimits", sizeof(struct vsl_rlimit), parse_rlimit,
			     (void **)&pr->rlimits, &pr->n_rlimits, err) < 0)
		return -EINVAL;
	for (size_t i = 0; i < pr->n_rlimits; i++)
		for (size_t j = 0; j < i; j++)
			if (pr->rlimits[i].resource == pr->rlimits[j].resource) {
				struct vsl_jpath ip = VSL_JPATH_IDX(&rp, i);
				return vsl_json_fail(err, &ip, "duplicate rlimit %s",
						     pr->rlimits[i].type);
			}
	return 0;
}

static int parse_sched(yajl_val p_o, const struct vsl_jpath *p, struct vsl_process *pr,
		       struct vsl_err *err)
{
	struct vsl_jpath sp = VSL_JPATH_KEY(p, "scheduler");
	struct vsl_jpath pp = VSL_JPATH_KEY(&sp, "policy");
	struct vsl_jpath fp = VSL_JPATH_KEY(&sp, "flags");
	struct vsl_scheduler *s = &pr->scheduler;
	yajl_val o = NULL;
	int64_t nice = 0;
	int i, r = vsl_json_obj(p_o, p, "scheduler", 0, &o, err);

	if (r <= 0)
		return r;
	pr->has_scheduler = true;
	if (vsl_json_take_str(o, &sp, "policy", VSL_JSON_REQUIRED, &s->policy, err) < 0 ||
	    vsl_json_int(o, &sp, "nice", 0, -20, 19, &nice, err) < 0 ||
	    vsl_json_i32(o, &sp, "priority", 0, &s->priority, err) < 0 ||
	    vsl_json_take_strv(o, &sp, "flags", 0, &s->flags, err) < 0 ||
	    vsl_json_uint(o, &sp, "runtime", 0, UINT64_MAX, &s->runtime, err) < 0 ||
	    vsl_json_uint(o, &sp, "deadline", 0, UINT64_MAX, &s->deadline, err) < 0 ||
	    vsl_json_uint(o, &sp, "period", 0, UINT64_MAX, &s->period, err) < 0)
		return -EINVAL;
	s->nice = (int32_t)nice;
	i = vsl_cfg_lookup(policies, ARRAY_SIZE(policies), s->policy);
	if (i < 0)
		return vsl_json_fail(err, &pp, "unknown scheduler policy \"%s\"", s->policy);
	if (policies[i].value < 0)
		return vsl_json_fail(err, &pp, "%s is not supported by Linux", s->policy);
	s->policy_id = policies[i].value;
	for (size_t k = 0; s->flags && s->flags[k]; k++)
		if (vsl_cfg_lookup(sched_flags, ARRAY_SIZE(sched_flags), s->flags[k]) < 0) {
			struct vsl_jpath ip = VSL_JPATH_IDX(&fp, k);
			return vsl_json_fail(err, &ip, "unknown scheduler flag \"%s\"",
					     s->flags[k]);
		}
	return 0;
}

static int parse_ioprio(yajl_val p_o, const struct vsl_jpath *p, struct vsl_process *pr,
			struct vsl_err *err)
{
	struct vsl_jpath ip = VSL_JPATH_KEY(p, "ioPriority");
	struct vsl_jpath cp = VSL_JPATH_KEY(&ip, "class");
	struct vsl_io_priority *io = &pr->io_priority;
	yajl_val o = NULL;
	int64_t prio = 0;
	int i, r = vsl_json_obj(p_o, p, "ioPriority", 0, &o, err);

	if (r <= 0)
		return r;
	pr->has_io_priority = true;
	if (vsl_json_take_str(o, &ip, "class", VSL_JSON_REQUIRED, &io->class, err) < 0 ||
	    vsl_json_int(o, &ip, "priority", VSL_JSON_REQUIRED, 0, 7, &prio, err) < 0)
		return -EINVAL;
	io->priority = (int32_t)prio;
	i = vsl_cfg_lookup(io_classes, ARRAY_SIZE(io_classes), io->class);
	if (i < 0)
		return vsl_json_fail(err, &cp, "unknown I/O priority class \"%s\"", io->class);
	io->class_id = io_classes[i].value;
	return 0;
}

/* "0-3,7": digits, commas, dashes and spaces (the schema's pattern). */
static int check_cpu_list(const char *s, const struct vsl_jpath *p, const char *key,
			  struct vsl_err *err)
{
	struct vsl_jpath kp = VSL_JPATH_KEY(p, key);

	if (s && s[strspn(s, "0123456789, -")])
		return vsl_json_fail(err, &kp, "\"%s\" is not a CPU list", s);
	return 0;
}

static int parse_console_affinity(yajl_val o, const struct vsl_jpath *p,
				  struct vsl_process *pr, struct vsl_err *err)
{
	struct vsl_jpath cp = VSL_JPATH_KEY(p, "consoleSize");
	struct vsl_jpath ap = VSL_JPATH_KEY(p, "execCPUAffinity");
	yajl_val c = NULL, a = NULL;
	int r = vsl_json_obj(o, p, "consoleSize", 0, &c, err);

	if (r < 0)
		return r;
	pr->has_console_size = r;
	if (r && (vsl_json_u32(c, &cp, "height", VSL_JSON_REQUIRED, &pr->console_height, err) < 0 ||
		  vsl_json_u32(c, &cp, "width", VSL_JSON_REQUIRED, &pr->console_width, err) < 0))
		return -EINVAL;
	r = vsl_json_obj(o, p, "execCPUAffinity", 0, &a, err);
	if (r <= 0)
		return r;
	if (vsl_json_take_str(a, &ap, "initial", 0, &pr->exec_cpu_affinity_initial, err) < 0 ||
	    vsl_json_take_str(a, &ap, "final", 0, &pr->exec_cpu_affinity_final, err) < 0 ||
	    check_cpu_list(pr->exec_cpu_affinity_initial, &ap, "initial", err) < 0 ||
	    check_cpu_list(pr->exec_cpu_affinity_final, &ap, "final", err) < 0)
		return -EINVAL;
	return 0;
}

int vsl_cfg_parse_process(yajl_val o, const struct vsl_jpath *p, struct vsl_process *pr,
			  struct vsl_err *err)
{
	struct vsl_jpath cwd = VSL_JPATH_KEY(p, "cwd");
	struct vsl_jpath args = VSL_JPATH_KEY(p, "args");
	int64_t oom = 0;
	int r;

	if (vsl_json_bool(o, p, "terminal", 0, &pr->terminal, err) < 0 ||
	    parse_console_affinity(o, p, pr, err) < 0 || parse_user(o, p, &pr->user, err) < 0 ||
	    vsl_json_take_strv(o, p, "args", VSL_JSON_REQUIRED, &pr->args, err) < 0 ||
	    vsl_json_take_str(o, p, "commandLine", 0, &pr->command_line, err) < 0 ||
	    vsl_json_take_strv(o, p, "env", 0, &pr->env, err) < 0 ||
	    vsl_json_take_str(o, p, "cwd", VSL_JSON_REQUIRED, &pr->cwd, err) < 0)
		return -EINVAL;
	if (!pr->args[0])
		return vsl_json_fail(err, &args, "must hold at least one entry");
	if (pr->cwd[0] != '/')
		return vsl_json_fail(err, &cwd, "\"%s\" is not an absolute path", pr->cwd);
	if (parse_caps(o, p, pr, err) < 0 || parse_rlimits(o, p, pr, err) < 0 ||
	    vsl_json_bool(o, p, "noNewPrivileges", 0, &pr->no_new_privileges, err) < 0 ||
	    vsl_json_take_str(o, p, "apparmorProfile", 0, &pr->apparmor_profile, err) < 0 ||
	    (r = vsl_json_int(o, p, "oomScoreAdj", 0, -1000, 1000, &oom, err)) < 0 ||
	    vsl_json_take_str(o, p, "selinuxLabel", 0, &pr->selinux_label, err) < 0 ||
	    parse_ioprio(o, p, pr, err) < 0 || parse_sched(o, p, pr, err) < 0)
		return -EINVAL;
	pr->has_oom_score_adj = r;
	pr->oom_score_adj = (int32_t)oom;
	return 0;
}

int vsl_process_parse(const char *json, size_t len, const char *name, struct vsl_process *out,
		      struct vsl_err *err)
{
	struct vsl_jpath root = VSL_JPATH_ROOT(name);
	cleanup_json yajl_val tree = vsl_json_parse(json, len, name, err);

	memset(out, 0, sizeof(*out));
	if (!tree)
		return -EINVAL;
	if (vsl_json_want(tree, yajl_t_object, &root, err) < 0 ||
	    vsl_cfg_parse_process(tree, &root, out, err) < 0) {
		vsl_process_clear(out);
		return -EINVAL;
	}
	return 0;
}

void vsl_process_clear(struct vsl_process *p)
{
	struct vsl_caps *c = &p->capabilities;

	free(p->user.additional_gids);
	free(p->user.username);
	vsl_strv_free(p->args);
	free(p->command_line);
	vsl_strv_free(p->env);
	free(p->cwd);
	vsl_strv_free(c->bounding);
	vsl_strv_free(c->effective);
	vsl_strv_free(c->inheritable);
	vsl_strv_free(c->permitted);
	vsl_strv_free(c->ambient);
	for (size_t i = 0; i < p->n_rlimits; i++)
		free(p->rlimits[i].type);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	free(p->io_priority.class);
	free(p->scheduler.policy);
	vsl_strv_free(p->scheduler.flags);
	free(p->exec_cpu_affinity_initial);
	free(p->exec_cpu_affinity_final);
	memset(p, 0, sizeof(*p));
}

/* --- serialization --- */

static void gen_user(yajl_gen g, const struct vsl_user *u)
{
	vsl_jgen_map_open(g, "user");
	vsl_jgen_uint(g, "uid", u->uid);
	vsl_jgen_uint(g, "gid", u->gid);
	if (u->has_umask)
		vsl_jgen_uint(g, "umask", u->umask);
	if (u->additional_gids) {
		vsl_jgen_arr_open(g, "additionalGids");
		for (size_t i = 0; i < u->n_additional_gids; i++)
			vsl_jgen_uint(g, NULL, u->additional_gids[i]);
		vsl_jgen_arr_close(g);
	}
	vsl_jgen_str(g, "username", u->username);
	vsl_jgen_map_close(g);
}

static void gen_caps(yajl_gen g, const struct vsl_caps *c)
{
	char **const sets[] = { c->bounding, c->effective, c->inheritable, c->permitted,
				c->ambient };

	vsl_jgen_map_open(g, "capabilities");
	for (size_t i = 0; i < ARRAY_SIZE(cap_sets); i++)
		vsl_jgen_strv(g, cap_sets[i], sets[i]);
	vsl_jgen_map_close(g);
}

static void gen_sched_io(yajl_gen g, const struct vsl_process *p)
{
	const struct vsl_scheduler *s = &p->scheduler;

	if (p->has_scheduler) {
		vsl_jgen_map_open(g, "scheduler");
		vsl_jgen_str(g, "policy", s->policy);
		if (s->nice)
			vsl_jgen_int(g, "nice", s->nice);
		if (s->priority)
			vsl_jgen_int(g, "priority", s->priority);
		vsl_jgen_strv(g, "flags", s->flags);
		if (s->runtime)
			vsl_jgen_uint(g, "runtime", s->runtime);
		if (s->deadline)
			vsl_jgen_uint(g, "deadline", s->deadline);
		if (s->period)
			vsl_jgen_uint(g, "period", s->period);
		vsl_jgen_map_close(g);
	}
	vsl_jgen_str(g, "selinuxLabel", p->selinux_label);
	if (p->has_io_priority) {
		vsl_jgen_map_open(g, "ioPriority");
		vsl_jgen_str(g, "class", p->io_priority.class);
		vsl_jgen_int(g, "priority", p->io_priority.priority);
		vsl_jgen_map_close(g);
	}
}

void vsl_cfg_gen_process(yajl_gen g, const struct vsl_process *p)
{
	vsl_jgen_map_open(g, "process");
	if (p->terminal)
		vsl_jgen_bool(g, "terminal", true);
	if (p->has_console_size) {
		vsl_jgen_map_open(g, "consoleSize");
		vsl_jgen_uint(g, "height", p->console_height);
		vsl_jgen_uint(g, "width", p->console_width);
		vsl_jgen_map_close(g);
	}
	gen_user(g, &p->user);
	vsl_jgen_strv(g, "args", p->args);
	vsl_jgen_str(g, "commandLine", p->command_line);
	vsl_jgen_strv(g, "env", p->env);
	vsl_jgen_str(g, "cwd", p->cwd);
	if (p->has_capabilities)
		gen_caps(g, &p->capabilities);
	if (p->n_rlimits) {
		vsl_jgen_arr_open(g, "rlimits");
		for (size_t i = 0; i < p->n_rlimits; i++) {
			vsl_jgen_map_open(g, NULL);
			vsl_jgen_str(g, "type", p->rlimits[i].type);
			vsl_jgen_uint(g, "hard", p->rlimits[i].hard);
			vsl_jgen_uint(g, "soft", p->rlimits[i].soft);
			vsl_jgen_map_close(g);
		}
		vsl_jgen_arr_close(g);
	}
	if (p->no_new_privileges)
		vsl_jgen_bool(g, "noNewPrivileges", true);
	vsl_jgen_str(g, "apparmorProfile", p->apparmor_profile);
	if (p->has_oom_score_adj)
		vsl_jgen_int(g, "oomScoreAdj", p->oom_score_adj);
	gen_sched_io(g, p);
	if (p->exec_cpu_affinity_initial || p->exec_cpu_affinity_final) {
		vsl_jgen_map_open(g, "execCPUAffinity");
		vsl_jgen_str(g, "initial", p->exec_cpu_affinity_initial);
		vsl_jgen_str(g, "final", p->exec_cpu_affinity_final);
		vsl_jgen_map_close(g);
	}
	vsl_jgen_map_close(g);
}
