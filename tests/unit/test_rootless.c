/* runtime/rootless.c and userns.c, the pure parts: --rootless values, the initial uid_map,
 * how a user sets a user namespace's maps, newuidmap's command line, which host ids a user
 * may map (/etc/subuid ranges), the default rootless mappings and the rootless cgroup. */
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/rootless.h"
#include "runtime/userns.h"
#include "tests/unit/tap.h"

static void check_parse(void)
{
	enum vsl_rootless_mode m = VSL_ROOTLESS_FALSE;

	ok(vsl_rootless_parse("true", &m) == 0 && m == VSL_ROOTLESS_TRUE, "--rootless true");
	ok(vsl_rootless_parse("auto", &m) == 0 && m == VSL_ROOTLESS_AUTO, "--rootless auto");
	ok(vsl_rootless_parse("false", &m) == 0 && m == VSL_ROOTLESS_FALSE, "--rootless false");
	ok(vsl_rootless_parse("yes", &m) == -22 && m == VSL_ROOTLESS_FALSE, "--rootless yes refused");
	ok(vsl_rootless_detect(VSL_ROOTLESS_TRUE) && !vsl_rootless_detect(VSL_ROOTLESS_FALSE),
	   "true and false are taken as given");
	ok(vsl_uid_map_is_initial("         0          0 4294967295\n"), "initial uid_map");
	ok(!vsl_uid_map_is_initial("0 1000 1\n"), "a user's uid_map is not");
	ok(!vsl_uid_map_is_initial("0 0 4294967295\n1 1 1\n"), "two lines are not");
	ok(!vsl_uid_map_is_initial("0 0 65536\n"), "a partial identity map is not");
}

static void check_method(void)
{
	struct vsl_id_mapping own = { 0, 1000, 1 }, ownu = { 0, 1000, 1 }, sub = { 1, 100000, 65536 };
	struct vsl_id_mapping two[2] = { own, sub };
	struct vsl_linux l = { .uid_mappings = &ownu, .n_uid_mappings = 1, .gid_mappings = &own,
			       .n_gid_mappings = 1 };

	ok(vsl_userns_map_method(&l, 0, 0) == VSL_MAP_WRITE, "root writes the maps");
	ok(vsl_userns_map_method(&l, 1000, 1000) == VSL_MAP_WRITE_DENY_SETGROUPS,
	   "a user's own ids alone: written, setgroups denied");
	ok(vsl_userns_map_method(&l, 1000, 1001) == VSL_MAP_HELPER, "another gid: newgidmap");
	l.uid_mappings = two;
	l.n_uid_mappings = 2;
	ok(vsl_userns_map_method(&l, 1000, 1000) == VSL_MAP_HELPER, "subordinate ids: newuidmap");
	{
		cleanup_strv char **argv = vsl_userns_helper_argv("newuidmap", 42, two, 2);
		const char *want[] = { "newuidmap", "42", "0", "1000", "1", "1", "100000", "65536" };
		bool same = vsl_strv_len(argv) == 8;
		for (size_t i = 0; same && i < 8; i++)
			same = strcmp(argv[i], want[i]) == 0;
		ok(same, "newuidmap PID C H S C H S");
	}
}

static void check_covers(void)
{
	struct vsl_subid_range r[2] = { { 100000, 65536 }, { 300000, 10 } };

	ok(vsl_subid_covers(r, 2, 1000, 1000, 1), "own id");
	ok(!vsl_subid_covers(r, 2, 1000, 1000, 2), "own id and the next one");
	ok(vsl_subid_covers(r, 2, 1000, 100000, 65536), "a whole range");
	ok(!vsl_subid_covers(r, 2, 1000, 100000, 65537), "one past a range");
	ok(!vsl_subid_covers(r, 2, 1000, 99999, 2), "one before a range");
	ok(vsl_subid_covers(r, 2, 1000, 300005, 5), "inside the second range");
	ok(!vsl_subid_covers(r, 2, 1000, 165000, 300000), "across both ranges and the gap");
	ok(!vsl_subid_covers(r, 2, 1000, 100000, 0), "an empty mapping");
	ok(!vsl_subid_covers(r, 0, 1000, 100000, 1), "no ranges: only own");
	ok(!vsl_subid_covers(r, 2, 1000, 4294967295u, 2), "no wrap past 2^32");
}

static void check_mappings(void)
{
	struct vsl_subid_range r[3] = { { 100000, 65536 }, { 300000, 0 }, { 400000, 10 } };
	struct vsl_subid_range big[2] = { { 1000000, 4000000000u }, { 10, 400000000 } };
	struct vsl_id_mapping m[4];
	size_t n;

	n = vsl_rootless_mappings(1000, r, 3, m, 4);
	ok(n == 3 && m[0].container_id == 0 && m[0].host_id == 1000 && m[0].size == 1,
	   "container root is the user");
	ok(m[1].container_id == 1 && m[1].host_id == 100000 && m[1].size == 65536,
	   "the first range from container id 1");
	ok(m[2].container_id == 65537 && m[2].host_id == 400000 && m[2].size == 10,
	   "an empty range skipped, the next follows on");
	n = vsl_rootless_mappings(1000, r, 0, m, 4);
	ok(n == 1, "no subordinate ids: the user's own id alone (runc's default)");
	n = vsl_rootless_mappings(1000, r, 3, m, 2);
	ok(n == 2, "at most max mappings");
	n = vsl_rootless_mappings(1000, big, 2, m, 4);
	ok(n == 3 && m[1].size == 4000000000u &&
	   (uint64_t)m[2].container_id + m[2].size == 4294967295u,
	   "container ids stay below 2^32 - 1");
}

static void check_cgroup(void)
{
	cleanup_free char *a = vsl_rootless_cgroup_path("0::/user.slice/u-1000/shell\n", "c1");
	cleanup_free char *b = vsl_rootless_cgroup_path("12:pids:/x\n0::/d/leaf\n", "c2");
	cleanup_free char *c = vsl_rootless_cgroup_path("0::/\n", "c3");
	cleanup_free char *d = vsl_rootless_cgroup_path("0::/top\n", "c4");
	cleanup_free char *e = vsl_rootless_cgroup_path("3:memory:/a/b\n", "c5");

	is_str(a, "/user.slice/u-1000/vessel-c1", "beside vessel's own cgroup");
	is_str(b, "/d/vessel-c2", "the v2 line of a hybrid host");
	ok(!c && !d, "not in the root cgroup (nothing delegated there)");
	ok(!e, "no v2 line: none");
}

int main(void)
{
	check_parse();
	check_method();
	check_covers();
	check_mappings();
	check_cgroup();
	return tap_done();
}
