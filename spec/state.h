/* struct vsl_state: what a container leaves in <root>/<id>/state.json. The OCI state
 * fields plus what vessel needs to find everything it made again (crash-safe delete).
 * Subsystems record their resources as string key/values in "extra" under their own
 * prefix ("cgroup.path", "overlay.target", "net.veth", ...), so state.c needs no change
 * when a subsystem learns to make something new. */
#ifndef VSL_SPEC_STATE_H
#define VSL_SPEC_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "spec/config.h"

enum vsl_status {
	VSL_STATUS_CREATING,
	VSL_STATUS_CREATED,
	VSL_STATUS_RUNNING,
	VSL_STATUS_STOPPED,
	VSL_STATUS_PAUSED,
};

struct vsl_state {
	char *oci_version;
	char *id;
	enum vsl_status status;		/* as recorded; the live status is computed */
	pid_t pid;			/* host pid of the container process, 0 before it exists */
	uint64_t start_time;		/* /proc/<pid>/stat field 22, to detect pid reuse */
	char *bundle;			/* absolute */
	char *rootfs;			/* absolute host path of the root filesystem */
	char *created;			/* RFC 3339 UTC */
	char *owner;			/* user name or uid of the creator */
	struct vsl_kv *annotations;
	size_t n_annotations;
	struct vsl_kv *extra;		/* subsystem records, see above */
	size_t n_extra;
};

const char *vsl_status_name(enum vsl_status s);

/* Full record for state.json (everything above). Malloc'd string. */
char *vsl_state_to_json(const struct vsl_state *st);
/* The OCI state (`vessel state`, hooks' stdin): ociVersion, id, status, pid, bundle,
 * annotations, plus runc's rootfs/created/owner. status is passed in (computed). */
char *vsl_state_to_oci_json(const struct vsl_state *st, enum vsl_status status, bool pretty);
int vsl_state_parse(const char *json, size_t len, struct vsl_state *out, struct vsl_err *err);
void vsl_state_clear(struct vsl_state *st);

/* extra: get (NULL if absent) and set (replaces; value NULL removes). */
const char *vsl_state_get(const struct vsl_state *st, const char *key);
void vsl_state_set(struct vsl_state *st, const char *key, const char *value);

#endif
