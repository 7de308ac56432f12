/* Shared by spec/config*.c only: the parsers and serializers of each part of config.json.
 * Parsers take the object and its path, fill *out (zeroed by the caller) and return 0 or
 * -EINVAL with err naming the JSON path. Whatever they filled before failing is freed by
 * the matching clear function. */
#ifndef VSL_SPEC_CONFIG_INTERNAL_H
#define VSL_SPEC_CONFIG_INTERNAL_H

#include "spec/config.h"
#include "spec/json.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A name -> value table row (rlimits, seccomp actions, scheduler policies...). */
struct vsl_cfg_name {
	const char *name;
	int value;
};
/* Index of name in table, or -1. */
int vsl_cfg_lookup(const struct vsl_cfg_name *t, size_t n, const char *name);

/* process (config_process.c) */
int vsl_cfg_parse_process(yajl_val o, const struct vsl_jpath *p, struct vsl_process *out,
			  struct vsl_err *err);
void vsl_cfg_gen_process(yajl_gen g, const struct vsl_process *p);

/* linux (config_linux.c) */
int vsl_cfg_parse_linux(yajl_val o, const struct vsl_jpath *p, struct vsl_linux *out,
			struct vsl_err *err);
void vsl_cfg_linux_clear(struct vsl_linux *l);
void vsl_cfg_gen_linux(yajl_gen g, const struct vsl_linux *l);
/* obj[key]: array of {containerID, hostID, size} (linux and mounts[]). */
int vsl_cfg_parse_id_mappings(yajl_val obj, const struct vsl_jpath *p, const char *key,
			      struct vsl_id_mapping **out, size_t *n, struct vsl_err *err);
void vsl_cfg_gen_id_mappings(yajl_gen g, const char *key, const struct vsl_id_mapping *m,
			     size_t n);
/* A string->string object (sysctl, annotations, unified). */
int vsl_cfg_parse_kv(yajl_val obj, const struct vsl_jpath *p, const char *key,
		     struct vsl_kv **out, size_t *n, struct vsl_err *err);
void vsl_cfg_kv_free(struct vsl_kv *kv, size_t n);
void vsl_cfg_gen_kv(yajl_gen g, const char *key, const struct vsl_kv *kv, size_t n);
/* Every string of the array at obj[key] must be an absolute path. */
int vsl_cfg_check_abs(char *const *v, const struct vsl_jpath *p, const char *key,
		      struct vsl_err *err);

/* linux.resources (config_resources.c) */
int vsl_cfg_parse_resources(yajl_val o, const struct vsl_jpath *p, struct vsl_resources *out,
			    struct vsl_err *err);
void vsl_cfg_resources_clear(struct vsl_resources *r);
void vsl_cfg_gen_resources(yajl_gen g, const struct vsl_resources *r);

/* linux.seccomp (config_seccomp.c) */
int vsl_cfg_parse_seccomp(yajl_val o, const struct vsl_jpath *p, struct vsl_seccomp *out,
			  struct vsl_err *err);
void vsl_cfg_seccomp_clear(struct vsl_seccomp *s);
void vsl_cfg_gen_seccomp(yajl_gen g, const struct vsl_seccomp *s);

#endif
