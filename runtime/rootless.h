/* Rootless vessel: whether this vessel runs without privilege on the host, where its state
 * and store live then, and the subordinate id ranges of the user (/etc/subuid, /etc/subgid). */
#ifndef VSL_RUNTIME_ROOTLESS_H
#define VSL_RUNTIME_ROOTLESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "spec/config.h"

enum vsl_rootless_mode { VSL_ROOTLESS_AUTO, VSL_ROOTLESS_TRUE, VSL_ROOTLESS_FALSE };

/* runc's --rootless true|false|auto; -EINVAL for anything else. */
int vsl_rootless_parse(const char *s, enum vsl_rootless_mode *out);
/* True for a uid_map that is not the initial namespace's "0 0 4294967295" (pure). */
bool vsl_uid_map_is_initial(const char *uid_map);
/* Whether this process is in a user namespace other than the initial one. */
bool vsl_in_userns(void);
/* Rootless as runc decides it for auto: euid != 0, or root in a user namespace that is not
 * the initial one (rootless podman runs its runtime so). */
bool vsl_rootless_detect(enum vsl_rootless_mode mode);

/* The default state root and store of a rootless vessel: $XDG_RUNTIME_DIR/vessel (else
 * /run/user/UID/vessel when that directory is the user's; else NULL: none) and
 * $XDG_DATA_HOME/vessel (else $HOME/.local/share/vessel; else NULL). Malloc'ed. */
char *vsl_rootless_default_root(void);
char *vsl_rootless_default_store(void);

struct vsl_subid_range {
	uint32_t start;
	uint32_t count;
};
#define VSL_SUBID_MAX 16
/* The first VSL_SUBID_MAX ranges of the calling user (by its real uid) in /etc/subuid
 * (gid false) or /etc/subgid, through shadow's libsubid (loaded with dlopen on first use).
 * Returns how many (0: none); -ENOENT when libsubid cannot be loaded. */
int vsl_subid_ranges(bool gid, struct vsl_subid_range *out, struct vsl_err *err);
/* Whether host ids [host, host + size) are own or inside one of the n ranges (pure). */
bool vsl_subid_covers(const struct vsl_subid_range *r, size_t n, uint32_t own, uint32_t host,
		      uint32_t size);

/* The mappings of a rootless container: container id 0 is own, 1.. the n ranges in order
 * (at most max entries, container ids below 2^32 - 1). Returns how many (pure). */
size_t vsl_rootless_mappings(uint32_t own, const struct vsl_subid_range *r, size_t n,
			     struct vsl_id_mapping *out, size_t max);
/* The same for the calling user from /etc/subuid and /etc/subgid. */
int vsl_rootless_spec_ids(struct vsl_id_mapping *uid, size_t *n_uid, struct vsl_id_mapping *gid,
			  size_t *n_gid, struct vsl_err *err);

/* Run a helper (newuidmap, pasta) found on PATH with stdin and stdout on /dev/null and
 * wait; a failure is one line, field and the helper's first line of stderr. */
int vsl_run_tool(char *const *argv, const char *field, struct vsl_err *err);

/* Where a rootless container's cgroup goes when linux.cgroupsPath is unset: beside the
 * cgroup vessel runs in ("0::/a/b/c" in /proc/self/cgroup -> "/a/b/vessel-<id>"), the
 * subtree delegated to the user. NULL without a v2 line or in the root cgroup (pure). */
char *vsl_rootless_cgroup_path(const char *proc_self_cgroup, const char *id);
/* Whether /sys/fs/cgroup is the unified (v2-only) hierarchy. */
bool vsl_cgroup_unified(void);

#endif
