/* spec/config*.c against the project's fixtures (tests/fixtures/config, README there):
 * every good one parses and round-trips, every bad one fails with the one line its .err
 * file gives, naming the field; round trips of the default spec (plain and rootless). */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "spec/config.h"
#include "tests/unit/tap.h"

/* tests run from the top of the checkout */
static char *fixture_dir(const char *kind)
{
	return xasprintf("tests/fixtures/config/%s", kind);
}

/* parse -> to_json -> parse -> to_json must give the same text twice. */
static void round_trip(const char *what, const char *json)
{
	struct vsl_err err = { 0 };
	cleanup_config struct vsl_config *a = vsl_config_parse(json, strlen(json), "c", &err);
	cleanup_free char *ja = a ? vsl_config_to_json(a, true) : NULL;
	cleanup_config struct vsl_config *b = ja ? vsl_config_parse(ja, strlen(ja), "c", &err)
						 : NULL;
	cleanup_free char *jb = b ? vsl_config_to_json(b, true) : NULL;
	cleanup_free char *jc = b ? vsl_config_to_json(b, false) : NULL;
	cleanup_config struct vsl_config *c = jc ? vsl_config_parse(jc, strlen(jc), "c", &err)
						 : NULL;
	cleanup_free char *jd = c ? vsl_config_to_json(c, true) : NULL;

	ok(a && b && jb && strcmp(ja, jb) == 0, "round trip of %s %s", what,
	   a && b ? "" : err.msg);
	ok(jd && jb && strcmp(jd, jb) == 0 && !strchr(jc, '\n'),
	   "compact output of %s parses to the same config", what);
}

/* bad/NAME.json must fail with "NAME.json: " and then the line of bad/NAME.err. */
static void check_bad(const char *path, const char *file)
{
	cleanup_free char *err_path = xasprintf("%.*s.err", (int)(strlen(path) - 5), path);
	cleanup_free char *want = NULL, *prefix = NULL;
	struct vsl_err err = { 0 };
	cleanup_config struct vsl_config *c = vsl_config_load(path, &err);
	size_t len = 0;

	if (vsl_read_file(err_path, &want, &len, &err) < 0 || !len || want[len - 1] != '\n') {
		ok(0, "bad/%s has its expected error, one line in %s", file, err_path);
		return;
	}
	want[len - 1] = 0;
	prefix = xasprintf("%s: %s", file, want);
	ok(!c && err.code == EINVAL && vsl_str_has_prefix(err.msg, prefix), "bad/%s fails: %s",
	   file, c ? "(parsed)" : err.msg);
	ok(!strchr(err.msg, '\n'), "bad/%s: the error is one line", file);
}

static int run_dir(const char *kind)
{
	cleanup_free char *dir = fixture_dir(kind);
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ok(d != NULL, "fixture folder %s exists", dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		cleanup_free char *path = NULL;
		struct vsl_err err = { 0 };
		size_t nl = strlen(e->d_name);
		if (e->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (nl > 4 && strcmp(e->d_name + nl - 4, ".err") == 0 && strcmp(kind, "bad") == 0) {
			cleanup_free char *json_path = xasprintf("%.*s.json", (int)(strlen(path) - 4),
								 path);
			ok(access(json_path, F_OK) == 0, "bad/%s goes with a fixture", e->d_name);
			continue;
		}
		if (nl <= 5 || strcmp(e->d_name + nl - 5, ".json") != 0) {
			ok(0, "%s/%s: a fixture is NAME.json (and NAME.err for a bad one)", kind,
			   e->d_name);
			continue;
		}
		n++;
		if (strcmp(kind, "bad") == 0) {
			check_bad(path, e->d_name);
			continue;
		}
		cleanup_config struct vsl_config *c = vsl_config_load(path, &err);
		ok(c != NULL, "good/%s parses %s", e->d_name, c ? "" : err.msg);
		cleanup_free char *json = NULL;
		size_t len = 0;
		if (vsl_read_file(path, &json, &len, &err) == 0)
			round_trip(e->d_name, json);
	}
	return n;
}

static void check_default(bool rootless)
{
	const char *what = rootless ? "rootless default" : "default";
	cleanup_free char *json = vsl_config_default_json(rootless);
	struct vsl_err err = { 0 };
	cleanup_config struct vsl_config *c = vsl_config_parse(json, strlen(json), "config.json",
							       &err);

	ok(c != NULL, "%s spec parses %s", what, c ? "" : err.msg);
	if (!c)
		return;
	round_trip(what, json);
	ok(c->process.terminal && strcmp(c->process.args[0], "sh") == 0 && !c->process.args[1] &&
		   strcmp(c->root_path, "rootfs") == 0 && c->root_readonly,
	   "%s: terminal, args [sh], root rootfs read-only", what);
	ok(c->process.n_rlimits == 1 && c->process.rlimits[0].hard == 1024 &&
		   c->process.rlimits[0].soft == 1024,
	   "%s: RLIMIT_NOFILE 1024", what);
	ok(vsl_strv_len(c->process.capabilities.bounding) == 3 &&
		   !c->process.capabilities.inheritable && c->process.capabilities.has_ambient,
	   "%s: runc's capability sets", what);
	ok(c->n_mounts == 7 && vsl_strv_len(c->linux.masked_paths) >= 10 &&
		   vsl_strv_len(c->linux.readonly_paths) == 5,
	   "%s: 7 mounts, masked and readonly paths", what);
	ok(c->linux.namespaces[VSL_NS_NET].present == !rootless &&
		   c->linux.namespaces[VSL_NS_USER].present == rootless &&
		   c->linux.namespaces[VSL_NS_PID].present && c->linux.namespaces[VSL_NS_MNT].present,
	   "%s: namespaces", what);
	if (rootless) {
		ok(c->linux.n_uid_mappings == 1 && c->linux.uid_mappings[0].host_id == geteuid() &&
			   c->linux.uid_mappings[0].container_id == 0 &&
			   c->linux.gid_mappings[0].host_id == getegid(),
		   "rootless: caller's uid/gid mapped to 0");
		ok(strcmp(c->mounts[5].source, "/sys") == 0 &&
			   strcmp(c->mounts[5].options[0], "rbind") == 0,
		   "rootless: /sys is an rbind");
		ok(!c->linux.has_resources, "rootless: no cgroup device rules");
	} else {
		ok(c->linux.resources.n_devices == 1 && !c->linux.resources.devices[0].allow &&
			   strcmp(c->linux.resources.devices[0].access, "rwm") == 0,
		   "default: deny all devices");
	}
}

int main(void)
{
	ok(run_dir("good") >= 6, "good fixtures were found");
	ok(run_dir("bad") >= 12, "bad fixtures were found");
	check_default(false);
	check_default(true);
	return tap_done();
}
