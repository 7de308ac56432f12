/* Capabilities of the container process: names -> bit masks (pure, unit-tested), and the
 * kernel side (bounding set drop, permitted/effective/inheritable, ambient) through libcap.
 * Does not switch uid: runtime/process.c orders the steps around setuid. */
#ifndef VSL_RUNTIME_CAPS_H
#define VSL_RUNTIME_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/log.h"
#include "spec/config.h"

/* The five sets as masks, bit n = capability n (the kernel has fewer than 64). */
struct vsl_cap_sets {
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

/* What vessel itself holds, to tell "cannot be granted" from "granted". */
struct vsl_cap_limits {
	unsigned last_cap;  /* highest capability of the running kernel */
	uint64_t bounding;  /* vessel's bounding set: the most a bounding list can keep */
	uint64_t permitted; /* vessel's permitted set: the most the other sets can hold */
};

/* "CAP_SYS_ADMIN" -> 21 (libcap's table). -1 for a name libcap does not know or one
 * without the CAP_ prefix (libcap would also take "12" or "chown"). */
int vsl_cap_from_name(const char *name);
/* "CAP_CHOWN" (libcap's name in upper case; a number for a capability it does not name),
 * written into buf. */
const char *vsl_cap_name(unsigned c, char *buf, size_t len);

/* Turn process.capabilities into masks. Every name that cannot be applied is skipped
 * (runtime-spec: log, do not fail): unknown to libcap, above lim->last_cap, outside
 * vessel's own sets, effective but not permitted, or (ambient) not in both the inheritable
 * and permitted results. All of them are one warning line that names each with its sets
 * and why ("capabilities: cannot grant, skipped: CAP_SYS_RESOURCE in bounding, permitted,
 * effective (vessel does not hold it)"), the ambient ones a debug line. An absent set is
 * empty. Cannot fail. */
void vsl_caps_resolve(const struct vsl_caps *caps, const struct vsl_cap_limits *lim,
		      struct vsl_cap_sets *out, const struct vsl_log *log);

/* Read the running kernel's last capability and vessel's own bounding and permitted sets. */
int vsl_caps_limits(struct vsl_cap_limits *out, struct vsl_err *err);

/* Drop every capability up to last_cap that is not in keep from the bounding set.
 * Needs CAP_SETPCAP, so it runs before the uid switch. */
int vsl_caps_drop_bounding(uint64_t keep, unsigned last_cap, struct vsl_err *err);

/* Set permitted, effective and inheritable (one capset), then clear the ambient set and
 * raise each ambient capability. Runs after the uid switch (PR_SET_KEEPCAPS kept P). */
int vsl_caps_apply(const struct vsl_cap_sets *s, unsigned last_cap, struct vsl_err *err);

#endif
