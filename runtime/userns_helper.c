/* A user's subordinate ids as a user namespace's maps: newuidmap and newgidmap (setuid
 * root, Debian's uidmap) write them after checking /etc/subuid and /etc/subgid. vessel
 * checks the same ranges first, so a mapping the user may not have fails naming the field
 * rather than with the helper's message. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/rootless.h"
#include "runtime/userns.h"

extern char **environ;

static const char *user_name(void)
{
	struct passwd *pw = getpwuid(getuid());

	return pw ? pw->pw_name : "?";
}

/* Every mapping of field is the user's own id or inside its ranges in file. */
static int check_ranges(bool gid, const struct vsl_id_mapping *m, size_t n,
			struct vsl_err *err)
{
	const char *field = gid ? "linux.gidMappings" : "linux.uidMappings";
	const char *file = gid ? "/etc/subgid" : "/etc/subuid";
	uint32_t own = gid ? (uint32_t)getegid() : (uint32_t)geteuid();
	struct vsl_subid_range r[VSL_SUBID_MAX];
	int nr;

	nr = vsl_subid_ranges(gid, r, err);
	if (nr < 0)
		return vsl_wrap(err, "%s", field);
	for (size_t i = 0; i < n; i++) {
		if (vsl_subid_covers(r, (size_t)nr, own, m[i].host_id, m[i].size))
			continue;
		if (nr == 0)
			return vsl_refuse(err, EPERM, "%s: user %s has no subordinate ids in %s",
					  field, user_name(), file);
		return vsl_refuse(err, EPERM, "%s[%zu]: host ids %u-%llu are not %s's in %s", field,
				  i, m[i].host_id,
				  (unsigned long long)m[i].host_id + m[i].size - 1, user_name(), file);
	}
	return 0;
}

int vsl_run_tool(char *const *argv, const char *field, struct vsl_err *err)
{
	posix_spawn_file_actions_t fa;
	int p[2], status, r;
	char msg[256] = "";
	ssize_t len;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return vsl_fail(err, errno, "%s: pipe", field);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, (char **)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (r != 0) {
		close(p[0]);
		return vsl_fail(err, r, "%s: run %s (Debian's uidmap)", field, argv[0]);
	}
	len = vsl_read_all(p[0], msg, sizeof(msg) - 1);
	close(p[0]);
	msg[len > 0 ? len : 0] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return vsl_fail(err, errno, "%s: wait for %s", field, argv[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return vsl_refuse(err, EPERM, "%s: %s failed: %s", field, argv[0],
				  msg[0] ? msg : "no message");
	return 0;
}

int vsl_userns_check_maps(const struct vsl_config *cfg, struct vsl_err *err)
{
	const struct vsl_linux *l = &cfg->linux;
	int r;

	if (!vsl_ns_is_new(cfg, VSL_NS_USER) ||
	    vsl_userns_map_method(l, geteuid(), getegid()) != VSL_MAP_HELPER)
		return 0;
	r = check_ranges(false, l->uid_mappings, l->n_uid_mappings, err);
	if (r == 0)
		r = check_ranges(true, l->gid_mappings, l->n_gid_mappings, err);
	return r;
}

int vsl_userns_helper_maps(const struct vsl_linux *l, pid_t pid, struct vsl_err *err)
{
	cleanup_strv char **uargv = NULL, **gargv = NULL;
	int r;

	r = check_ranges(false, l->uid_mappings, l->n_uid_mappings, err);
	if (r == 0)
		r = check_ranges(true, l->gid_mappings, l->n_gid_mappings, err);
	if (r < 0)
		return r;
	if (l->n_uid_mappings == 0 || l->n_gid_mappings == 0)
		return vsl_refuse(err, EINVAL, "linux.%sMappings: required with a new user namespace",
				  l->n_uid_mappings == 0 ? "uid" : "gid");
	uargv = vsl_userns_helper_argv("newuidmap", pid, l->uid_mappings, l->n_uid_mappings);
	gargv = vsl_userns_helper_argv("newgidmap", pid, l->gid_mappings, l->n_gid_mappings);
	r = vsl_run_tool(uargv, "linux.uidMappings", err);
	if (r == 0)
		r = vsl_run_tool(gargv, "linux.gidMappings", err);
	return r;
}
