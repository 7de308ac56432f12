/* Namespaces: which to create, which to join, user namespace id maps. */
#ifndef VSL_RUNTIME_USERNS_H
#define VSL_RUNTIME_USERNS_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/err.h"
#include "spec/config.h"

/* CLONE_NEW* flag of a namespace type. */
int vsl_ns_clone_flag(enum vsl_ns_type t);
/* Namespaces to create new (listed without a path), as CLONE_NEW* flags. */
int vsl_ns_new_flags(const struct vsl_config *cfg);
bool vsl_ns_is_new(const struct vsl_config *cfg, enum vsl_ns_type t);
/* Write uid_map and gid_map of pid from linux.uidMappings/gidMappings. */
int vsl_userns_write_maps(const struct vsl_config *cfg, pid_t pid, struct vsl_err *err);
/* Host uid/gid that container id maps to (identity without mappings); -1 if unmapped. */
int64_t vsl_userns_host_id(const struct vsl_id_mapping *m, size_t n, uint32_t id);

#endif
