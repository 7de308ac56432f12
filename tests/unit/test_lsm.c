/* runtime/lsm.c, pure parts: which LSMs a sysfs tree shows (a fake one in a temporary
 * directory), the refusal lines, the AppArmor exec text, the mount data with context=, and
 * which filesystems take the mount label. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "runtime/lsm.h"
#include "tests/unit/tap.h"

static void put(const char *dir, const char *rel, const char *text)
{
	char path[512], sub[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (char *s = strchr(path + strlen(dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
		snprintf(sub, sizeof(sub), "%.*s", (int)(s - path), path);
		mkdir(sub, 0755);
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror(path);
		close(fd);
	}
}

static void test_host(void)
{
	char dir[] = "/tmp/vsl-lsm-XXXXXX";

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	ok(vsl_lsm_host(dir) == 0, "an empty sysfs: no LSM");
	put(dir, "module/apparmor/parameters/enabled", "N\n");
	ok(vsl_lsm_host(dir) == 0, "apparmor module loaded but disabled (N): not enabled");
	put(dir, "module/apparmor/parameters/enabled", "Y\n");
	ok(vsl_lsm_host(dir) == VSL_LSM_APPARMOR, "apparmor enabled (Y)");
	put(dir, "fs/selinux/enforce", "0\n");
	ok(vsl_lsm_host(dir) == (VSL_LSM_APPARMOR | VSL_LSM_SELINUX),
	   "selinuxfs there (permissive counts): selinux enabled");
	ok(vsl_lsm_host("/nonexistent-vsl-sys") == 0, "no sysfs at all: none");
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static void test_check(void)
{
	struct vsl_err err;
	struct vsl_lsm_labels none = { 0 }, empty = { "", "", "" };
	struct vsl_lsm_labels aa = { .apparmor = "vessel-web" };
	struct vsl_lsm_labels se = { .selinux = "system_u:system_r:container_t:s0:c1,c2" };
	struct vsl_lsm_labels ml = { .mount_label = "system_u:object_r:container_file_t:s0" };

	ok(vsl_lsm_check(&none, 0, &err) == 0, "nothing asked: fine without any LSM");
	ok(vsl_lsm_check(&empty, 0, &err) == 0, "empty strings ask nothing");
	ok(vsl_lsm_check(&aa, 0, &err) == -EOPNOTSUPP &&
		   strcmp(err.msg, "process.apparmorProfile vessel-web: AppArmor is not enabled "
				   "on this host") == 0,
	   "an AppArmor profile without AppArmor is refused, naming the field");
	ok(vsl_lsm_check(&aa, VSL_LSM_SELINUX, &err) == -EOPNOTSUPP,
	   "... SELinux alone does not do");
	ok(vsl_lsm_check(&aa, VSL_LSM_APPARMOR, &err) == 0, "... with AppArmor it passes");
	ok(vsl_lsm_check(&se, VSL_LSM_APPARMOR, &err) == -EOPNOTSUPP &&
		   strcmp(err.msg, "process.selinuxLabel system_u:system_r:container_t:s0:c1,c2: "
				   "SELinux is not enabled on this host") == 0,
	   "an SELinux label without SELinux is refused, naming the field");
	ok(vsl_lsm_check(&se, VSL_LSM_SELINUX, &err) == 0, "... with SELinux it passes");
	ok(vsl_lsm_check(&ml, VSL_LSM_APPARMOR, &err) == -EOPNOTSUPP &&
		   strcmp(err.msg, "linux.mountLabel system_u:object_r:container_file_t:s0: "
				   "SELinux is not enabled on this host") == 0,
	   "a mount label without SELinux is refused, naming the field");
	ok(vsl_lsm_check(&ml, VSL_LSM_SELINUX, &err) == 0, "... with SELinux it passes");
}

static void test_texts(void)
{
	char *s = vsl_lsm_apparmor_exec("vessel-web");

	is_str(s, "exec vessel-web", "AppArmor: \"exec PROFILE\" goes to attr/exec");
	free(s);
	s = vsl_lsm_mount_data(NULL, "system_u:object_r:container_file_t:s0:c1,c2");
	is_str(s, "context=\"system_u:object_r:container_file_t:s0:c1,c2\"",
	       "mount label alone: context=\"LABEL\", quoted (the label has commas)");
	free(s);
	s = vsl_lsm_mount_data("mode=755,size=65536k", "u:r:t:s0");
	is_str(s, "mode=755,size=65536k,context=\"u:r:t:s0\"", "... added after the options");
	free(s);
	ok(vsl_lsm_mount_data("mode=755", NULL) == NULL && vsl_lsm_mount_data("mode=755", "") == NULL,
	   "no mount label: the data is kept as is");
	ok(vsl_lsm_labels_fs("tmpfs") && vsl_lsm_labels_fs("devpts") && vsl_lsm_labels_fs("overlay"),
	   "tmpfs, devpts, overlay take the mount label");
	ok(!vsl_lsm_labels_fs("proc") && !vsl_lsm_labels_fs("sysfs") &&
		   !vsl_lsm_labels_fs("mqueue") && !vsl_lsm_labels_fs("cgroup") &&
		   !vsl_lsm_labels_fs("cgroup2"),
	   "proc, sysfs, mqueue, cgroup, cgroup2 do not");
}

/* The write itself: nothing asked touches nothing; on a host without AppArmor the kernel
 * refuses the profile, and the line names it. */
static void test_set_exec(void)
{
	struct vsl_lsm_labels none = { 0 }, aa = { .apparmor = "vessel-unit" };
	struct vsl_err err;

	ok(vsl_lsm_set_exec(&none, &err) == 0, "set_exec with nothing asked does nothing");
	if (vsl_lsm_host("/sys") & VSL_LSM_APPARMOR) {
		skip("this host has AppArmor", "a made-up profile could be a real one");
		return;
	}
	ok(vsl_lsm_set_exec(&aa, &err) < 0 &&
		   strncmp(err.msg, "apparmorProfile vessel-unit: set the exec profile", 49) == 0,
	   "without AppArmor the write fails, naming the profile: %s", err.msg);
}

int main(void)
{
	test_host();
	test_check();
	test_texts();
	test_set_exec();
	return tap_done();
}
