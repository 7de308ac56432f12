/* Linux security modules for the container process and its mounts: process.apparmorProfile
 * and process.selinuxLabel (exec's --apparmor and --process-label) and linux.mountLabel.
 * Applied as runc does when the host has the LSM; refused, in one line naming the field,
 * when it has not (runc refuses an SELinux label there too): a label silently dropped
 * would run the container less confined than asked. The host check reads a given sysfs
 * root and the texts are pure, so both are unit-tested; set_exec touches the calling
 * process only. */
#ifndef VSL_RUNTIME_LSM_H
#define VSL_RUNTIME_LSM_H

#include <stdbool.h>

#include "common/err.h"

enum {
	VSL_LSM_APPARMOR = 1u << 0,
	VSL_LSM_SELINUX = 1u << 1,
};

/* What a process asks for; NULL or "" fields ask nothing. */
struct vsl_lsm_labels {
	const char *apparmor;	 /* profile name */
	const char *selinux;	 /* process label */
	const char *mount_label; /* linux.mountLabel (not for exec) */
};

/* The LSMs enabled on the host whose sysfs is mounted at sys ("/sys"): AppArmor when
 * sys/module/apparmor/parameters/enabled starts with 'Y' (runc's check), SELinux when
 * selinuxfs is there (sys/fs/selinux/enforce exists, as libselinux checks). */
unsigned vsl_lsm_host(const char *sys);

/* Refuse labels the host (lsms, from vsl_lsm_host) cannot apply, naming the field:
 * "process.apparmorProfile NAME: AppArmor is not enabled on this host" (EOPNOTSUPP). */
int vsl_lsm_check(const struct vsl_lsm_labels *l, unsigned lsms, struct vsl_err *err);

/* The AppArmor text that sets the profile of the next exec: "exec PROFILE" (malloc'd). */
char *vsl_lsm_apparmor_exec(const char *profile);

/* Mount data with context="LABEL" added (data may be NULL), as runc formats it; a NULL or
 * empty label gives NULL (keep data as it is). malloc'd. */
char *vsl_lsm_mount_data(const char *data, const char *label);
/* Does a new filesystem of this type take linux.mountLabel? All but proc, sysfs, mqueue,
 * cgroup and cgroup2 (runc's list). */
bool vsl_lsm_labels_fs(const char *fstype);

/* In the container, before the process' credentials change: the profile and label its
 * exec will get, written to /proc/self/attr/apparmor/exec (attr/exec before Linux 5.8)
 * and /proc/self/attr/exec. Nothing asked: nothing done. */
int vsl_lsm_set_exec(const struct vsl_lsm_labels *l, struct vsl_err *err);

#endif
