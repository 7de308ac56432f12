/* AppArmor and SELinux labels: see lsm.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/lsm.h"

static bool asked(const char *s)
{
	return s && s[0];
}

unsigned vsl_lsm_host(const char *sys)
{
	cleanup_free char *aa = xasprintf("%s/module/apparmor/parameters/enabled", sys);
	cleanup_free char *se = xasprintf("%s/fs/selinux/enforce", sys);
	cleanup_close int fd = open(aa, O_RDONLY | O_CLOEXEC);
	unsigned lsms = 0;
	char c = 0;

	if (fd >= 0 && read(fd, &c, 1) == 1 && c == 'Y')
		lsms |= VSL_LSM_APPARMOR;
	if (access(se, F_OK) == 0)
		lsms |= VSL_LSM_SELINUX;
	return lsms;
}

int vsl_lsm_check(const struct vsl_lsm_labels *l, unsigned lsms, struct vsl_err *err)
{
	if (asked(l->apparmor) && !(lsms & VSL_LSM_APPARMOR))
		return vsl_refuse(err, EOPNOTSUPP, "process.apparmorProfile %s: AppArmor is not "
				  "enabled on this host", l->apparmor);
	if (asked(l->selinux) && !(lsms & VSL_LSM_SELINUX))
		return vsl_refuse(err, EOPNOTSUPP, "process.selinuxLabel %s: SELinux is not "
				  "enabled on this host", l->selinux);
	if (asked(l->mount_label) && !(lsms & VSL_LSM_SELINUX))
		return vsl_refuse(err, EOPNOTSUPP, "linux.mountLabel %s: SELinux is not enabled "
				  "on this host", l->mount_label);
	return 0;
}

char *vsl_lsm_apparmor_exec(const char *profile)
{
	return xasprintf("exec %s", profile);
}

char *vsl_lsm_mount_data(const char *data, const char *label)
{
	if (!asked(label))
		return NULL;
	if (!data || !data[0])
		return xasprintf("context=\"%s\"", label);
	return xasprintf("%s,context=\"%s\"", data, label);
}

bool vsl_lsm_labels_fs(const char *fstype)
{
	static const char *const unlabelled[] = { "proc", "sysfs", "mqueue", "cgroup",
						  "cgroup2" };

	for (size_t i = 0; i < sizeof(unlabelled) / sizeof(unlabelled[0]); i++)
		if (strcmp(fstype, unlabelled[i]) == 0)
			return false;
	return true;
}

/* One write of text to path; -errno. */
static int write_attr(const char *path, const char *text)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return vsl_write_all(fd, text, strlen(text)) < 0 ? -errno : 0;
}

int vsl_lsm_set_exec(const struct vsl_lsm_labels *l, struct vsl_err *err)
{
	int r;

	if (asked(l->apparmor)) {
		cleanup_free char *text = vsl_lsm_apparmor_exec(l->apparmor);

		r = write_attr("/proc/self/attr/apparmor/exec", text);
		if (r == -ENOENT)
			r = write_attr("/proc/self/attr/exec", text);
		if (r < 0)
			return vsl_fail(err, -r, "apparmorProfile %s: set the exec profile",
					l->apparmor);
	}
	if (asked(l->selinux)) {
		r = write_attr("/proc/self/attr/exec", l->selinux);
		if (r < 0)
			return vsl_fail(err, -r, "selinuxLabel %s: set the exec label", l->selinux);
	}
	return 0;
}
