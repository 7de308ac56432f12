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
/* Write uid_map and gid_map of pid from linux.uidMappings/gidMappings: directly as root;
 * as a user, directly for its own uid and gid alone (setgroups denied), else through
 * newuidmap/newgidmap, which check /etc/subuid and /etc/subgid (runtime/userns_helper.c). */
int vsl_userns_write_maps(const struct vsl_config *cfg, pid_t pid, struct vsl_err *err);

enum vsl_map_method {
	VSL_MAP_WRITE,			/* root: write uid_map and gid_map */
	VSL_MAP_WRITE_DENY_SETGROUPS,	/* a user's own ids: setgroups "deny", then write */
	VSL_MAP_HELPER,			/* a user's subordinate ids: newuidmap, newgidmap */
};
/* How a process with these effective ids can set the maps of l (pure). */
enum vsl_map_method vsl_userns_map_method(const struct vsl_linux *l, uid_t euid, gid_t egid);
/* {prog, "PID", "C", "H", "S", ..., NULL} for newuidmap/newgidmap; free with vsl_strv_free. */
char **vsl_userns_helper_argv(const char *prog, pid_t pid, const struct vsl_id_mapping *m,
			      size_t n);
/* Before anything is made: the maps of a new user namespace that need newuidmap are the
 * user's to map (one line naming the field and /etc/subuid or /etc/subgid otherwise). */
int vsl_userns_check_maps(const struct vsl_config *cfg, struct vsl_err *err);
/* Set both maps of pid through newuidmap and newgidmap. A user without subordinate ids
 * (or mappings beyond them) fails in one line naming the field and the file. */
int vsl_userns_helper_maps(const struct vsl_linux *l, pid_t pid, struct vsl_err *err);
/* Host uid/gid that container id maps to (identity without mappings); -1 if unmapped. */
int64_t vsl_userns_host_id(const struct vsl_id_mapping *m, size_t n, uint32_t id);

#endif
