/* CRIU's command lines from vessel's options, CRIU's reason from its log, the container's
 * cgroup binds from its mountinfo (runtime/checkpoint_argv.c, checkpoint_mounts.c). */
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/checkpoint.h"
#include "tap.h"

static char *joined(char **v)
{
	char *s = xstrdup("");

	for (size_t i = 0; v && v[i]; i++) {
		char *n = xasprintf("%s%s%s", s, i ? " " : "", v[i]);
		free(s);
		s = n;
	}
	return s;
}

static void test_dump(void)
{
	struct vsl_cr_opts cr = { .tcp_established = true, .file_locks = true,
				  .manage_cgroups_mode = "full" };
	char *ext[] = { "mnt[/etc/hosts]:/etc/hosts", NULL };
	struct vsl_criu_req req = { .action = VSL_CRIU_DUMP, .cr = &cr, .images_dir = "/i",
				    .work_dir = "/w", .root = "/r", .pid = 42,
				    .leave_running = true, .status_fd = -1, .externals = ext };
	struct vsl_err err;
	cleanup_strv char **v = vsl_criu_argv(NULL, &req, &err);
	cleanup_free char *s = joined(v);

	is_str(s, "criu dump --images-dir /i --work-dir /w --log-file dump.log -v4 --root /r "
		  "--manage-cgroups=full --tree 42 --leave-running --tcp-established "
		  "--file-locks --external mnt[/etc/hosts]:/etc/hosts", "dump: %s", s);
}

static void test_pre_dump_and_parent(void)
{
	struct vsl_cr_opts cr = { 0 };
	struct vsl_criu_req req = { .action = VSL_CRIU_PRE_DUMP, .cr = &cr, .images_dir = "/i",
				    .work_dir = "/i", .root = "/r", .pid = 7,
				    .leave_running = true, .status_fd = -1 };
	struct vsl_err err;
	cleanup_strv char **v = vsl_criu_argv("/opt/criu", &req, &err);
	cleanup_free char *s = joined(v);
	cleanup_strv char **v2 = NULL;
	cleanup_free char *s2 = NULL;

	ok(strstr(s, "/opt/criu pre-dump ") == s, "pre-dump with --criu's binary");
	ok(strstr(s, "--track-mem") && !strstr(s, "--leave-running"),
	   "pre-dump tracks memory and has no --leave-running (CRIU's pre-dump leaves it)");
	req.action = VSL_CRIU_DUMP;
	req.parent_path = "../pre";
	req.leave_running = false;
	req.page_server = "10.0.0.1:27";
	v2 = vsl_criu_argv(NULL, &req, &err);
	s2 = joined(v2);
	ok(strstr(s2, "--track-mem --prev-images-dir ../pre") != NULL, "--parent-path: %s", s2);
	ok(strstr(s2, "--page-server --address 10.0.0.1 --port 27") != NULL, "--page-server");
}

static void test_restore(void)
{
	struct vsl_cr_opts cr = { .empty_ns_net = true };
	char *inh[] = { "fd[3]:extRootNetNS", "fd[11]:pipe:[99]", NULL };
	struct vsl_criu_req req = { .action = VSL_CRIU_RESTORE, .cr = &cr, .images_dir = "/i",
				    .work_dir = "/w", .root = "/rr", .status_fd = -1,
				    .pidfile = "/w/p", .cgroup_root = "/vessel/a",
				    .inherit_fds = inh };
	struct vsl_err err;
	cleanup_strv char **v = vsl_criu_argv(NULL, &req, &err);
	cleanup_free char *s = joined(v);

	is_str(s, "criu restore --images-dir /i --work-dir /w --log-file restore.log -v4 "
		  "--root /rr --manage-cgroups=soft --restore-detached --restore-sibling "
		  "--evasive-devices --pidfile /w/p --cgroup-root /vessel/a --empty-ns net "
		  "--inherit-fd fd[3]:extRootNetNS --inherit-fd fd[11]:pipe:[99]", "restore: %s", s);
}

static void test_bad(void)
{
	struct vsl_cr_opts cr = { .manage_cgroups_mode = "loose" };
	struct vsl_criu_req req = { .action = VSL_CRIU_DUMP, .cr = &cr, .images_dir = "/i",
				    .work_dir = "/i", .root = "/", .status_fd = -1 };
	struct vsl_err err;

	ok(vsl_criu_argv(NULL, &req, &err) == NULL && strstr(err.msg, "loose"),
	   "a bad cgroup mode is refused naming it: %s", err.msg);
	cr.manage_cgroups_mode = NULL;
	req.page_server = "nocolon";
	ok(vsl_criu_argv(NULL, &req, &err) == NULL && strstr(err.msg, "--page-server"),
	   "a page server without a port is refused: %s", err.msg);
}

static void test_log_reason(void)
{
	const char *host =
		"(00.01) Warn (criu/kerndat.c:1): something\n"
		"(00.07) Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds\n"
		"(00.07) Error (criu/vdso.c:613): vdso: Failed to fill self vdso symtable\n"
		"(00.08) Error (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed\n";
	const char *vm =
		"(13.7) Error (criu/tun.c:85): tun: Unable to create tun: No such file\n"
		"(17.3) Error (criu/cr-dump.c:1618): A session leader of 135(1) is outside\n"
		"(18.1) Error (criu/cr-dump.c:2053): Dumping FAILED.\n";
	char buf[600];

	vsl_criu_log_reason(host, buf, sizeof(buf));
	ok(strstr(buf, "vdso: Failed to fill self vdso symtable") && !strchr(buf, '\n') &&
	   !strstr(buf, "Error ("), "the host's vdso failure, one line: %s", buf);
	vsl_criu_log_reason(vm, buf, sizeof(buf));
	ok(strcmp(buf, "A session leader of 135(1) is outside") == 0, "a probe CRIU survives and the "
	       "generic FAILED line are left out: %s", buf);
	vsl_criu_log_reason("(1) Info: fine\n", buf, sizeof(buf));
	ok(buf[0] == '\0', "no error line: empty");
	vsl_criu_log_reason("(1) Error (a.c:1): x\x1b[2Jy\n", buf, 8);
	ok(strlen(buf) < 8 && !strchr(buf, '\x1b'), "bounded, control bytes replaced");
}

static void test_mounts(void)
{
	const char *info =
		"22 1 0:30 / / rw - overlay overlay rw\n"
		"30 22 0:26 /vessel/c1 /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n"
		"31 22 0:40 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
		"32 22 0:41 /vessel/c1 /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu\n"
		"33 22 0:5 /null /proc/kcore rw - tmpfs tmpfs rw\n";
	cleanup_strv char **v = vsl_criu_cgroup_mounts(info);
	cleanup_free char *s = joined(v);
	cleanup_free char *a = vsl_criu_cgroup_source("/sys/fs/cgroup", "/sys/fs/cgroup",
						       "/vessel/c1");
	cleanup_free char *b = vsl_criu_cgroup_source("/sys/fs/cgroup/cpu,cpuacct",
						       "/sys/fs/cgroup", "/vessel/c1");

	is_str(s, "/sys/fs/cgroup /sys/fs/cgroup/cpu,cpuacct", "cgroup binds, not whole ones: %s",
	       s);
	is_str(a, "/sys/fs/cgroup/vessel/c1", "v2 source");
	is_str(b, "/sys/fs/cgroup/cpu,cpuacct/vessel/c1", "v1 source");
	ok(!vsl_criu_cgroup_source("/sys/fs/cgroupX", "/sys/fs/cgroup", "/v") &&
	   !vsl_criu_cgroup_source("/sys/fs/cgroup/../../etc", "/sys/fs/cgroup", "/v"),
	   "a mount point not below the cgroup mount, or with .., has no source");
	ok(vsl_criu_mountinfo_has(info, 32) && !vsl_criu_mountinfo_has(info, 3),
	   "mount ids are looked up by the first field");
}

/* Which mount points restore leaves to CRIU: those a tmpfs mounted before covers. */
static void test_under_tmpfs(void)
{
	struct vsl_mount m[] = {
		{ .destination = "/proc", .type = "proc" },
		{ .destination = "/dev", .type = "tmpfs" },
		{ .destination = "/dev/pts", .type = "devpts" },
		{ .destination = "/run/.containerenv", .type = "bind" },
		{ .destination = "/run/", .type = "tmpfs" },
		{ .destination = "/run/secrets", .type = "bind" },
	};
	struct vsl_config cfg = { .mounts = m, .n_mounts = 6 };

	ok(!vsl_criu_under_tmpfs(&cfg, 1, "/dev"), "a tmpfs' own mount point is made");
	ok(vsl_criu_under_tmpfs(&cfg, 2, "/dev/pts"), "/dev/pts is below the /dev tmpfs");
	ok(vsl_criu_under_tmpfs(&cfg, 2, "/dev"), "/dev again at a later tmpfs on it");
	ok(!vsl_criu_under_tmpfs(&cfg, 2, "/devices"), "/devices is not below /dev");
	ok(!vsl_criu_under_tmpfs(&cfg, 3, "/run/.containerenv"),
	       "a mount before the /run tmpfs is not below it");
	ok(vsl_criu_under_tmpfs(&cfg, 5, "/run//secrets/"), "a later one is (paths cleaned)");
	ok(vsl_criu_is_bind(&m[3]) && !vsl_criu_is_bind(&m[1]), "bind by type");
}

int main(void)
{
	test_dump();
	test_pre_dump_and_parent();
	test_restore();
	test_bad();
	test_log_reason();
	test_mounts();
	test_under_tmpfs();
	return tap_done();
}
